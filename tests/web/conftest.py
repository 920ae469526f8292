"""A real uvicorn server on 127.0.0.1 in a thread, over a migrated SQLite store."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from gazette.config import Settings, load_settings
from gazette.store import Store
from gazette.web.app import create_app

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
