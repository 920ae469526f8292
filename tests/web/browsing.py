"""Chromium under watch: every request outside loopback is aborted and recorded, with console
errors (CSP violations among them) and dialogs. The ``browser`` and ``open_page`` fixtures
(in conftest.py) build on this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class Watch:
    """A page plus what it did: console errors, dialogs, and requests outside loopback."""

    page: Any
    base: str
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def goto(self, path: str) -> None:
        response = self.page.goto(self.base + path if path.startswith("/") else path)
        assert response is not None and response.status == 200, path
        self.page.wait_for_load_state("load")

    def clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.dialogs == [], self.dialogs
        assert self.outside == [], self.outside


def _route(watch: Watch, route: Any) -> None:
    url = route.request.url
    host = urlsplit(url).hostname or ""
    if url.startswith(("data:", "blob:")):
        route.continue_()
    elif host not in LOOPBACK:
        watch.outside.append(url)
        route.abort()
    else:
        if not url.startswith(watch.base):
            watch.foreign.append(url)
        route.continue_()


def _console(watch: Watch, message: Any) -> None:
    """Chromium reports CSP violations (and failed loads) as console errors."""
    if message.type == "error":
        watch.errors.append(message.text)


def _dialog(watch: Watch, dialog: Any) -> None:
    watch.dialogs.append(dialog.message)
    dialog.dismiss()


def watched_page(context: Any, base: str) -> Watch:
    """A new page in ``context`` (a Playwright browser context), watched."""
    page = context.new_page()
    watch = Watch(page, base)
    context.route("**/*", lambda route: _route(watch, route))
    page.on("console", lambda message: _console(watch, message))
    page.on("pageerror", lambda error: watch.errors.append(str(error)))
    page.on("dialog", lambda dialog: _dialog(watch, dialog))
    return watch
