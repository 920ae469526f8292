"""A real uvicorn server on 127.0.0.1 in a thread, over a migrated SQLite store; Chromium."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from gazette.config import Settings, load_settings
from gazette.store import Store
from gazette.web.app import create_app
from tests.conftest import require

from .browsing import ARGS, CHROMIUM, VIEWPORTS, Watch, watched_page
from .fill import Filled, fill_store


class LiveServer:
    def __init__(self, settings: Settings, store: Store, cache_seconds: float = 0) -> None:
        app = create_app(settings, store, cache_seconds=cache_seconds)
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("web server did not start")
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def web_store(tmp_path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'web.db'}")
    store.migrate()
    yield store
    store.close()


@pytest.fixture
def filled(web_store: Store) -> Filled:
    """The web store holding every kind of record the pages show."""
    return fill_store(web_store)


@pytest.fixture
def web(web_store: Store, tmp_path: Path) -> Iterator[httpx.Client]:
    settings = load_settings(data_dir=tmp_path / "data")
    server = LiveServer(settings, web_store)
    base = server.start()
    with httpx.Client(base_url=base, timeout=10) as client:
        yield client
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium per test session (skipped, or failed under CI=true, without it)."""
    require(CHROMIUM.exists(), f"Chromium ({CHROMIUM})")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


OpenPage = Callable[..., Watch]


@pytest.fixture
def open_page(browser: Any) -> Iterator[OpenPage]:
    """Opens a watched page in a fresh browser context (its own cookies), closed after the test."""
    contexts: list[Any] = []

    def opener(base: str, viewport: str = "desktop", bypass_csp: bool = False) -> Watch:
        context = browser.new_context(
            viewport=VIEWPORTS[viewport], bypass_csp=bypass_csp, service_workers="block"
        )
        contexts.append(context)
        return watched_page(context, base)

    yield opener
    for context in contexts:
        context.close()
