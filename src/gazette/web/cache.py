"""A micro-cache of whole rendered responses, for anonymous GET requests, a few seconds long.

Under load, the same front or article page is rendered at most once per TTL
per URL, by one request while the others still get the expiring copy (no
stampede of renders when an entry expires); readers see data at most about
that many seconds old (relative times are
refreshed in the browser by ``gazette.js``). Requests carrying a cookie (the
session cookie ``gazette_session``, the anonymous CSRF cookie, any other) or
an Authorization header are never served from or stored into the cache, so a
logged-in reader never gets an anonymous copy, nor an anonymous one theirs;
their responses are marked ``Cache-Control: private, no-store`` unless the
route chose a policy, so no shared proxy keeps them either.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNCACHED_PREFIXES = ("/static/", "/health")
MAX_BODY = 1 << 20


def _credentials(scope: Scope) -> bool:
    return any(name in (b"cookie", b"authorization") for name, _ in scope["headers"])


def _personal(scope: Scope) -> bool:
    """A request whose answer may depend on who asks (static files are the same for everyone)."""
    return _credentials(scope) and not scope["path"].startswith("/static/")


def _private(send: Send) -> Send:
    async def with_private(message: Message) -> None:
        if message["type"] == "http.response.start":
            MutableHeaders(scope=message).setdefault("cache-control", "private, no-store")
        await send(message)

    return with_private


def _validated(scope: Scope, hit: CachedResponse) -> bool:
    """Whether the request's ``If-None-Match`` names the cached copy's ETag (a feed reader polling)."""
    etag = next((value for name, value in hit.headers if name == b"etag"), None)
    asked = next((value for name, value in scope["headers"] if name == b"if-none-match"), None)
    if etag is None or asked is None:
        return False
    return asked.strip() == b"*" or etag in {tag.strip() for tag in asked.split(b",")}


def _validators(hit: CachedResponse) -> list[tuple[bytes, bytes]]:
    """The headers a 304 repeats from the cached response."""
    kept = {b"etag", b"last-modified", b"cache-control", b"vary"}
    return [(name, value) for name, value in hit.headers if name in kept]


@dataclass(slots=True)
class CachedResponse:
    expires: float
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    refreshing: bool = False


class PageCache:
    """Pure ASGI middleware (no per-request task or stream wrapping, unlike BaseHTTPMiddleware)."""

    def __init__(self, app: ASGIApp, seconds: float = 10.0, max_entries: int = 1024) -> None:
        self.app = app
        self.seconds = seconds
        self.max_entries = max_entries
        self.entries: OrderedDict[tuple[str, bytes], CachedResponse] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _personal(scope):
            await self.app(scope, receive, _private(send))
            return
        if not self._cacheable(scope):
            await self.app(scope, receive, send)
            return
        key = (scope["path"], scope.get("query_string", b""))
        hit = self.entries.get(key)
        if hit is not None and (hit.expires > time.monotonic() or hit.refreshing):
            if _validated(scope, hit):
                await send({"type": "http.response.start", "status": 304, "headers": _validators(hit)})
                await send({"type": "http.response.body", "body": b""})
                return
            await send({"type": "http.response.start", "status": hit.status, "headers": hit.headers})
            await send({"type": "http.response.body", "body": hit.body})
            return
        if hit is not None:
            hit.refreshing = True  # one request re-renders; the others get the stale copy meanwhile
        try:
            await self._fill(key, scope, receive, send)
        finally:
            if hit is not None:
                hit.refreshing = False

    def _cacheable(self, scope: Scope) -> bool:
        if self.seconds <= 0 or scope["type"] != "http" or scope["method"] != "GET":
            return False
        return not scope["path"].startswith(UNCACHED_PREFIXES) and not _credentials(scope)

    async def _fill(self, key: tuple[str, bytes], scope: Scope, receive: Receive, send: Send) -> None:
        started: dict[str, Message] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                started["start"] = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    self._store(key, started.get("start"), b"".join(chunks))
            await send(message)

        await self.app(scope, receive, capture)

    def _store(self, key: tuple[str, bytes], start: Message | None, body: bytes) -> None:
        if start is None or start["status"] != 200 or len(body) > MAX_BODY:
            return
        headers = list(start.get("headers", []))
        if any(name == b"set-cookie" for name, _ in headers):
            return
        self.entries[key] = CachedResponse(time.monotonic() + self.seconds, 200, headers, body)
        self.entries.move_to_end(key)
        while len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)
