"""Adding a feed by its site's URL in the admin pages, through the guarded fetcher, against a
local site on 127.0.0.1 that the settings' ``fetch_allow`` opens (and one they don't)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html

from gazette.models import Role
from tests.conftest import TEST_DATA

from .accounts_support import Site, post_form, running_site

SITE_FILES = TEST_DATA / "web" / "feedsite"


class QuietHandler(SimpleHTTPRequestHandler):
    extensions_map = {".html": "text/html; charset=utf-8", ".xml": "application/rss+xml"}  # noqa: RUF012

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean."""


@pytest.fixture
def feed_site() -> Iterator[str]:
    """``127.0.0.1:port`` of a local site serving tests/data/web/feedsite."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(SITE_FILES)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def site(tmp_path: Path, feed_site: str) -> Iterator[Site]:
    with running_site(tmp_path, settings={"fetch_allow": [feed_site]}) as live:
        yield live


def messages(response_text: str) -> list[str]:
    tree = lxml_html.fromstring(response_text)
    return [str(p.text_content()) for p in tree.xpath("//p[@class='form-error' or @class='form-message']")]


def test_admin_adds_a_site_by_discovery(site: Site, feed_site: str) -> None:
    admin = site.as_new("root", Role.ADMIN)
    response = post_form(admin, "/admin/feeds", "/admin/feeds", {"url": f"http://{feed_site}/"})
    assert response.status_code == 200, response.text
    assert messages(response.text) == ["Added 1 new feed(s) of 1 found."]
    feed = next(feed for feed in site.store.list_feeds() if feed_site in feed.url)
    assert feed.url == f"http://{feed_site}/feed.xml"
    assert feed.title == "Lakeside Ledger: all stories"
    assert f"http://{feed_site}/feed.xml" in response.text
    again = post_form(admin, "/admin/feeds", "/admin/feeds", {"url": f"http://{feed_site}/feed.xml"})
    assert messages(again.text) == ["Added 0 new feed(s) of 1 found."]
    audit = site.store.audit_entries(limit=5)
    assert [entry.action for entry in audit].count("add-feed") == 2


def test_a_loopback_site_outside_the_allowlist_is_refused(site: Site, feed_site: str) -> None:
    admin = site.as_new("root", Role.ADMIN)
    port = int(feed_site.rsplit(":", 1)[1])
    other = f"http://127.0.0.1:{port + 1 if port < 65535 else port - 1}/"
    before = len(site.store.list_feeds())
    response = post_form(admin, "/admin/feeds", "/admin/feeds", {"url": other})
    assert response.status_code == 400
    [error] = messages(response.text)
    assert error.startswith(f"Could not add {other}") and "loopback" in error, error
    assert len(site.store.list_feeds()) == before


def test_only_administrators_add_feeds(site: Site, feed_site: str) -> None:
    moderator = site.as_new("mod", Role.MODERATOR)
    response = post_form(moderator, "/me", "/admin/feeds", {"url": f"http://{feed_site}/"})
    assert response.status_code == 403
    assert not any(feed_site in feed.url for feed in site.store.list_feeds())
