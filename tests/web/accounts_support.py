"""A live site with accounts, an article and a story, and helpers to act as its users."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from argon2 import PasswordHasher
from fastapi import FastAPI
from lxml import html as lxml_html

from gazette.config import load_settings
from gazette.models import Role, User
from gazette.store import Store
from gazette.web.auth import AuthLimits, create_user, use_password_hasher

from .conftest import LiveServer
from .fill import add_article, add_source

PASSWORD = "correct horse battery"
CHEAP_ARGON2ID = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
"""Still argon2id, but fast: the tests check flows, not the cost parameters."""


class Clock:
    """The site's time source; tests move it instead of sleeping."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Site:
    base: str
    store: Store
    limits: AuthLimits
    clock: Clock
    article_id: int
    story_id: int
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self) -> httpx.Client:
        client = httpx.Client(base_url=self.base, timeout=10, follow_redirects=False)
        self.clients.append(client)
        return client

    def user(self, name: str, role: Role = Role.READER) -> User:
        return create_user(self.store, name, PASSWORD, role)

    def login(self, name: str, password: str = PASSWORD) -> httpx.Client:
        client = self.client()
        response = post_form(client, "/login", "/login", {"username": name, "password": password})
        assert response.status_code == 303, response.text
        return client

    def as_new(self, name: str, role: Role = Role.READER) -> httpx.Client:
        self.user(name, role)
        return self.login(name)


def csrf_from(client: httpx.Client, page: str) -> str:
    response = client.get(page)
    assert response.status_code == 200, (page, response.status_code, response.text[:300])
    values = lxml_html.fromstring(response.text).xpath("//input[@name='csrf_token']/@value")
    assert values, f"no csrf_token on {page}"
    return str(values[0])


def post_form(client: httpx.Client, page: str, action: str, data: dict[str, Any]) -> httpx.Response:
    """Submit a form at ``action`` the way a browser would after loading ``page``."""
    return client.post(action, data={"csrf_token": csrf_from(client, page), **data})


@contextmanager
def running_site(
    tmp_path: Path,
    secure_cookies: bool = False,
    cache_seconds: float = 0,
    settings: dict[str, Any] | None = None,
    **limits: Any,
) -> Iterator[Site]:
    """The site, with ``limits`` replacing AuthLimits fields and ``settings`` overriding settings."""
    use_password_hasher(CHEAP_ARGON2ID)
    store = Store(f"sqlite:///{tmp_path / 'site.db'}")
    store.migrate()
    source_id, feed_id = add_source(store, "Harbor Times", "harbor.example")
    article_id = add_article(store, feed_id, source_id, "quake", "Quake hits the harbor", 30, text="Text.")
    add_article(store, feed_id, source_id, "floods", "Floods recede", 60, text="More text.")
    story_id = store.create_story("Harbor quake", centroid=b"\x01")
    store.assign_story(article_id, story_id)
    clock = Clock()
    auth_limits = replace(AuthLimits(), clock=clock, **limits)
    overrides = {"data_dir": tmp_path / "data", "secure_cookies": secure_cookies, **(settings or {})}
    server = LiveServer(load_settings(**overrides), store, cache_seconds=cache_seconds)
    app = server.server.config.app
    assert isinstance(app, FastAPI)
    app.state.auth_limits = auth_limits
    site = Site(server.start(), store, auth_limits, clock, article_id, story_id)
    try:
        yield site
    finally:
        for client in site.clients:
            client.close()
        server.stop()
        store.close()
