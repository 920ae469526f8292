"""The guarded fetcher against real HTTP servers on loopback.

Refusals are proven end to end with loopback aliases (127.0.0.2, ``0177.0.0.2``,
``[::1]``) that run a server but are not allowlisted. Addresses outside
loopback are only ever handed to the guard through an injected resolver, and
the network backend is a spy that refuses to leave loopback, so a broken guard
fails a test without sending a packet anywhere.
"""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import socket
import socketserver
import sys
import threading
import tracemalloc
import zlib
from collections.abc import Callable, Coroutine, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import brotli
import httpcore
import pytest

from gazette.ingest import netguard
from gazette.ingest.fetch import (
    BlockedAddress,
    ConnectFailed,
    Fetcher,
    FetchResult,
    HTTPStatusError,
    InvalidURL,
    Timeout,
    TooLarge,
    TooManyRedirects,
    check_url,
    decoded_text,
    detect_charset,
    fetch_sync,
    parse_retry_after,
)

T = TypeVar("T")
FEED = b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title></channel></rss>'
ETAG = '"v1"'
MIB = 2**20
BOMB_SIZE = 50 * MIB


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def _zeros(total: int, chunk: int = MIB) -> Iterator[bytes]:
    for _ in range(total // chunk):
        yield bytes(chunk)


def _gzip_bomb() -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return b"".join(packer.compress(block) for block in _zeros(BOMB_SIZE)) + packer.flush()


def _brotli_bomb() -> bytes:
    packer = brotli.Compressor(quality=1)
    body: bytes = b"".join(packer.process(block) for block in _zeros(BOMB_SIZE)) + packer.finish()
    return body


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: LoopServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.requests.append((self.path, dict(self.headers.items())))
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        route = ROUTES.get(parts.path.split("/")[1] if "/" in parts.path else "")
        if route is None:
            self.reply(404, b"not found")
        else:
            route(self, parts.path, query)

    def reply(self, status: int, body: bytes = b"", headers: Iterable[tuple[str, str]] = ()) -> None:
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str, status: int = 302) -> None:
        self.reply(status, b"", [("Location", location)])


def feed_route(h: Handler, path: str, query: dict[str, str]) -> None:
    if h.headers.get("If-None-Match") == ETAG:
        h.reply(304, b"", [("ETag", ETAG)])
        return
    body = gzip.compress(FEED)
    headers = [("Content-Type", "application/rss+xml; charset=utf-8"), ("Content-Encoding", "gzip")]
    h.reply(200, body, [*headers, ("ETag", ETAG), ("Last-Modified", "Wed, 25 Nov 2026 10:00:00 GMT")])


def chain_route(h: Handler, path: str, query: dict[str, str]) -> None:
    left = int(path.rsplit("/", 1)[1])
    h.redirect("/feed.xml" if left == 0 else f"/chain/{left - 1}", 301)


def endless_route(h: Handler, path: str, query: dict[str, str]) -> None:
    h.redirect(f"/endless/{int(path.rsplit('/', 1)[1]) + 1}")


def loop_route(h: Handler, path: str, query: dict[str, str]) -> None:
    h.redirect("/loop/b" if path.endswith("/a") else "/loop/a")


def to_route(h: Handler, path: str, query: dict[str, str]) -> None:
    h.redirect(query["url"])


def status_route(h: Handler, path: str, query: dict[str, str]) -> None:
    headers = [("Retry-After", query["retry"])] if "retry" in query else []
    h.reply(int(path.rsplit("/", 1)[1]), b"no", headers)


def slow_route(h: Handler, path: str, query: dict[str, str]) -> None:
    """Trickle a byte every 0.2 s: each read succeeds, only a total deadline stops it."""
    h.send_response(200)
    h.send_header("Content-Length", "100")
    h.end_headers()
    stop = h.server.stopping
    for _ in range(100):
        if stop.wait(0.2):
            return
        try:
            h.wfile.write(b"x")
        except OSError:
            return


def big_route(h: Handler, path: str, query: dict[str, str]) -> None:
    body = b"a" * (2 * MIB)
    if query.get("length") == "yes":
        h.reply(200, body)
        return
    h.send_response(200)
    h.send_header("Connection", "close")
    h.end_headers()
    h.close_connection = True
    try:
        for start in range(0, len(body), 64 * 1024):
            h.wfile.write(body[start : start + 64 * 1024])
    except OSError:
        return


def bomb_route(h: Handler, path: str, query: dict[str, str]) -> None:
    kind = path.rsplit("/", 1)[1]
    body = h.server.bombs[kind]
    h.reply(200, body, [("Content-Encoding", "gzip" if kind == "gzip" else "br")])


def file_route(h: Handler, path: str, query: dict[str, str]) -> None:
    body = (Path(__file__).parents[1] / "data" / "fetch" / path.rsplit("/", 1)[1]).read_bytes()
    h.reply(200, body, [("Content-Type", query.get("type", "text/html"))])


def pair_route(h: Handler, path: str, query: dict[str, str]) -> None:
    """Two requests must be in flight together (the barrier), never three (the counter)."""
    server = h.server
    with server.lock:
        server.active += 1
        server.max_active = max(server.max_active, server.active)
    try:
        server.barrier.wait(timeout=5)
        ok = True
    except threading.BrokenBarrierError:
        ok = False
    with server.lock:
        server.active -= 1
    h.reply(200 if ok else 500, b"ok")


def hangup_route(h: Handler, path: str, query: dict[str, str]) -> None:
    """Answer as if keeping the connection alive (no ``Connection: close``), then hang up."""
    h.reply(200, FEED)
    h.close_connection = True


ROUTES: dict[str, Callable[[Handler, str, dict[str, str]], None]] = {
    "feed.xml": feed_route,
    "chain": chain_route,
    "endless": endless_route,
    "loop": loop_route,
    "to": to_route,
    "status": status_route,
    "slow": slow_route,
    "big": big_route,
    "bomb": bomb_route,
    "file": file_route,
    "pair": pair_route,
    "hangup": hangup_route,
}


class LoopServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str, family: socket.AddressFamily = socket.AF_INET) -> None:
        self.address_family = family
        super().__init__((host, 0), Handler)
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.stopping = threading.Event()
        self.bombs: dict[str, bytes] = {}
        self.lock = threading.Lock()
        self.active = 0
        self.max_active = 0
        self.barrier = threading.Barrier(2)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hang up mid-body on purpose (caps, deadlines); only report other errors."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse DNS lookup (getfqdn), which could leave the machine."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.port

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def allow(self) -> str:
        host = str(self.server_address[0])
        return f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}"

    def url(self, path: str) -> str:
        return f"http://{self.allow}{path}"


def _serve(server: LoopServer) -> Iterator[LoopServer]:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.stopping.set()
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def fetch_server() -> Iterator[LoopServer]:
    server = LoopServer("127.0.0.1")
    server.bombs = {"gzip": _gzip_bomb(), "br": _brotli_bomb()}
    yield from _serve(server)


@pytest.fixture(scope="module")
def fetch_alias_server() -> Iterator[LoopServer]:
    """A live server on 127.0.0.2 that must never be reached: it is not allowlisted."""
    yield from _serve(LoopServer("127.0.0.2"))


@pytest.fixture(scope="module")
def fetch_v6_server() -> Iterator[LoopServer]:
    try:
        server = LoopServer("::1", socket.AF_INET6)
    except OSError:
        pytest.skip("IPv6 loopback is not available")
    yield from _serve(server)


class SpyBackend(httpcore.AsyncNetworkBackend):
    """Records every address the guard asks to connect to; refuses anything outside loopback."""

    def __init__(self) -> None:
        self.connected: list[str] = []
        self._real = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.connected.append(host)
        if not ipaddress.ip_address(host).is_loopback:
            raise httpcore.ConnectError("test spy: refusing to leave loopback")
        return await self._real.connect_tcp(host, port, timeout=timeout)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise AssertionError("no unix sockets in tests")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def fake_resolver(
    answers: dict[str, list[list[str]]],
) -> Callable[[str, int], Coroutine[Any, Any, list[str]]]:
    """Each lookup of a name returns its next answer (the last one repeats)."""
    calls: dict[str, int] = {}

    async def resolve(host: str, port: int) -> list[str]:
        index = calls.get(host, 0)
        calls[host] = index + 1
        replies = answers[host]
        return replies[min(index, len(replies) - 1)]

    return resolve


async def fetch(url: str, **options: Any) -> FetchResult:
    async with Fetcher(**options) as fetcher:
        return await fetcher.get(url)


# --- normal traffic -------------------------------------------------------------------------


def test_gzip_feed_is_decompressed_with_validators(fetch_server: LoopServer) -> None:
    result = run(fetch(fetch_server.url("/feed.xml"), allow=[fetch_server.allow]))
    assert result.status == 200
    assert result.content == FEED
    assert result.etag == ETAG
    assert result.last_modified == "Wed, 25 Nov 2026 10:00:00 GMT"
    assert (result.content_type, result.charset) == ("application/rss+xml", "utf-8")
    assert not result.not_modified
    assert result.headers["content-encoding"] == "gzip"
    _, headers = fetch_server.requests[-1]
    assert headers["User-Agent"].startswith("Gazette/0.1 (+https://github.com/gazette-news/gazette")
    assert "gzip" in headers["Accept-Encoding"]


def test_conditional_get_gives_not_modified(fetch_server: LoopServer) -> None:
    async def scenario() -> FetchResult:
        async with Fetcher(allow=[fetch_server.allow]) as fetcher:
            return await fetcher.get(fetch_server.url("/feed.xml"), etag=ETAG, last_modified="x")

    result = run(scenario())
    assert result.not_modified
    assert result.status == 304
    assert result.content == b""
    assert result.etag == ETAG
    _, headers = fetch_server.requests[-1]
    assert headers["If-None-Match"] == ETAG
    assert headers["If-Modified-Since"] == "x"


def test_redirect_chain_is_followed(fetch_server: LoopServer) -> None:
    result = run(fetch(fetch_server.url("/chain/3"), allow=[fetch_server.allow]))
    assert result.url == fetch_server.url("/feed.xml")
    assert result.content == FEED
    assert result.moved_permanently


def test_many_sequential_gets_reuse_one_pool(fetch_server: LoopServer) -> None:
    async def scenario() -> list[FetchResult]:
        async with Fetcher(allow=[fetch_server.allow]) as fetcher:
            return await asyncio.gather(*(fetcher.get(fetch_server.url("/feed.xml")) for _ in range(20)))

    assert all(result.content == FEED for result in run(scenario()))


def test_per_host_limit_holds_two_requests_in_flight(fetch_server: LoopServer) -> None:
    fetch_server.max_active = 0

    async def scenario() -> list[FetchResult]:
        async with Fetcher(allow=[fetch_server.allow], per_host=2) as fetcher:
            return await asyncio.gather(*(fetcher.get(fetch_server.url("/pair")) for _ in range(6)))

    assert [result.status for result in run(scenario())] == [200] * 6
    assert fetch_server.max_active == 2


def test_allowlisted_name_resolves_through_injected_resolver(fetch_server: LoopServer) -> None:
    resolver = fake_resolver({"feeds.test": [["127.0.0.1"]]})
    spy = SpyBackend()
    url = f"http://feeds.test:{fetch_server.port}/feed.xml"
    result = run(
        fetch(url, allow=[f"feeds.test:{fetch_server.port}"], resolver=resolver, network_backend=spy)
    )
    assert result.content == FEED
    assert spy.connected == ["127.0.0.1"]
    assert fetch_server.requests[-1][1]["Host"] == f"feeds.test:{fetch_server.port}"


def test_fetch_sync(fetch_server: LoopServer) -> None:
    assert fetch_sync(fetch_server.url("/feed.xml"), allow=[fetch_server.allow]).content == FEED


# --- redirects ------------------------------------------------------------------------------


def test_redirect_loop_is_refused(fetch_server: LoopServer) -> None:
    with pytest.raises(TooManyRedirects, match="loop"):
        run(fetch(fetch_server.url("/loop/a"), allow=[fetch_server.allow]))


def test_more_than_ten_redirects_are_refused(fetch_server: LoopServer) -> None:
    before = len(fetch_server.requests)
    with pytest.raises(TooManyRedirects, match="more than 10"):
        run(fetch(fetch_server.url("/endless/0"), allow=[fetch_server.allow]))
    assert len(fetch_server.requests) - before == 11


def test_ten_redirects_are_fine(fetch_server: LoopServer) -> None:
    assert run(fetch(fetch_server.url("/chain/9"), allow=[fetch_server.allow])).content == FEED


@pytest.mark.parametrize("host", ["127.0.0.2", "0177.0.0.2", "0x7f.0.0.2", "2130706434"])
def test_redirect_to_loopback_alias_is_refused(
    fetch_server: LoopServer, fetch_alias_server: LoopServer, host: str
) -> None:
    target = f"http://{host}:{fetch_alias_server.port}/feed.xml"
    with pytest.raises(BlockedAddress, match=r"127\.0\.0\.2"):
        run(fetch(fetch_server.url(f"/to?url={target}"), allow=[fetch_server.allow]))
    assert fetch_alias_server.requests == []


def test_redirect_to_ipv6_loopback_is_refused(fetch_server: LoopServer, fetch_v6_server: LoopServer) -> None:
    target = fetch_v6_server.url("/feed.xml")
    with pytest.raises(BlockedAddress, match="loopback"):
        run(fetch(fetch_server.url(f"/to?url={target}"), allow=[fetch_server.allow]))
    assert fetch_v6_server.requests == []


def test_allowlisted_ipv6_loopback_is_reachable(fetch_v6_server: LoopServer) -> None:
    result = run(fetch(fetch_v6_server.url("/feed.xml"), allow=[fetch_v6_server.allow]))
    assert result.content == FEED


def test_redirect_to_local_name_is_refused(fetch_server: LoopServer) -> None:
    target = f"http://localhost:{fetch_server.port}/feed.xml"
    with pytest.raises(BlockedAddress, match="local name"):
        run(fetch(fetch_server.url(f"/to?url={target}"), allow=[fetch_server.allow]))


@pytest.mark.parametrize("target", ["file:///etc/passwd", "gopher://127.0.0.1:70/", "ftp://127.0.0.1/"])
def test_redirect_to_other_scheme_is_refused(fetch_server: LoopServer, target: str) -> None:
    with pytest.raises(InvalidURL):
        run(fetch(fetch_server.url(f"/to?url={target}"), allow=[fetch_server.allow]))


def test_non_allowlisted_port_is_refused(fetch_server: LoopServer) -> None:
    spy = SpyBackend()
    with pytest.raises(BlockedAddress, match="loopback"):
        run(
            fetch(
                fetch_server.url("/feed.xml"),
                allow=[f"127.0.0.1:{fetch_server.port + 1}"],
                network_backend=spy,
            )
        )
    assert spy.connected == []


# --- deadline and size caps -----------------------------------------------------------------


def test_trickling_server_hits_the_total_deadline(fetch_server: LoopServer) -> None:
    async def scenario() -> FetchResult:
        async with Fetcher(allow=[fetch_server.allow], deadline=1.0) as fetcher:
            with pytest.raises(Timeout, match="within 1 s"):
                await fetcher.get(fetch_server.url("/slow"))
            return await fetcher.get(fetch_server.url("/feed.xml"))

    assert run(scenario()).content == FEED


@pytest.mark.parametrize("length", ["yes", "no"])
def test_body_over_cap_is_refused(fetch_server: LoopServer, length: str) -> None:
    with pytest.raises(TooLarge, match="larger than 1 MiB"):
        run(fetch(fetch_server.url(f"/big?length={length}"), allow=[fetch_server.allow], max_bytes=MIB))


def test_body_under_cap_is_read_without_content_length(fetch_server: LoopServer) -> None:
    result = run(fetch(fetch_server.url("/big?length=no"), allow=[fetch_server.allow], max_bytes=3 * MIB))
    assert len(result.content) == 2 * MIB


@pytest.mark.parametrize("kind", ["gzip", "br"])
def test_compression_bomb_is_stopped_with_bounded_memory(fetch_server: LoopServer, kind: str) -> None:
    assert len(fetch_server.bombs[kind]) < MIB
    tracemalloc.start()
    try:
        with pytest.raises(TooLarge):
            run(fetch(fetch_server.url(f"/bomb/{kind}"), allow=[fetch_server.allow], max_bytes=MIB))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * MIB


@pytest.mark.parametrize("kind", ["gzip", "br"])
def test_compressed_body_within_cap_is_fully_inflated(fetch_server: LoopServer, kind: str) -> None:
    result = run(fetch(fetch_server.url(f"/bomb/{kind}"), allow=[fetch_server.allow], max_bytes=BOMB_SIZE))
    assert len(result.content) == BOMB_SIZE


# --- connection reuse -----------------------------------------------------------------------


def _origin(server: LoopServer) -> tuple[str, str, int]:
    return ("http", str(server.server_address[0]), server.port)


def test_not_modified_keeps_the_connection_alive(fetch_server: LoopServer) -> None:
    spy = SpyBackend()

    async def scenario() -> list[FetchResult]:
        async with Fetcher(allow=[fetch_server.allow], network_backend=spy) as fetcher:
            return [await fetcher.get(fetch_server.url("/feed.xml"), etag=ETAG) for _ in range(3)]

    assert [result.status for result in run(scenario())] == [304] * 3
    assert spy.connected == ["127.0.0.1"]


def test_small_error_and_redirect_bodies_are_read_to_keep_the_connection(fetch_server: LoopServer) -> None:
    spy = SpyBackend()

    async def scenario() -> FetchResult:
        async with Fetcher(allow=[fetch_server.allow], network_backend=spy) as fetcher:
            with pytest.raises(HTTPStatusError):
                await fetcher.get(fetch_server.url("/status/404"))
            return await fetcher.get(fetch_server.url("/chain/2"))

    assert run(scenario()).content == FEED
    assert spy.connected == ["127.0.0.1"]


def test_an_origin_never_has_more_connections_than_its_per_host_limit(fetch_server: LoopServer) -> None:
    spy = SpyBackend()

    async def scenario() -> tuple[list[FetchResult], int, int]:
        async with Fetcher(allow=[fetch_server.allow], per_host=2, network_backend=spy) as fetcher:
            results = await asyncio.gather(*(fetcher.get(fetch_server.url("/feed.xml")) for _ in range(12)))
            return results, fetcher.pools.idle_to(_origin(fetch_server)), fetcher.pools.origins

    results, idle, origins = run(scenario())
    assert all(result.content == FEED for result in results)
    assert len(spy.connected) == idle == 2
    assert origins == 1


def test_idle_connections_are_capped_least_recently_used_first(
    fetch_server: LoopServer, fetch_v6_server: LoopServer
) -> None:
    async def scenario() -> tuple[int, int, int, int]:
        allow = [fetch_server.allow, fetch_v6_server.allow]
        async with Fetcher(allow=allow, max_idle=1) as fetcher:
            await fetcher.get(fetch_server.url("/feed.xml"))
            await fetcher.get(fetch_v6_server.url("/feed.xml"))
            pools = fetcher.pools
            return (
                pools.idle_connections,
                pools.origins,
                pools.idle_to(_origin(fetch_server)),
                pools.idle_to(_origin(fetch_v6_server)),
            )

    assert run(scenario()) == (1, 1, 0, 1)


def test_expired_connections_are_closed_and_their_origin_forgotten(fetch_server: LoopServer) -> None:
    spy = SpyBackend()

    async def scenario() -> tuple[int, int]:
        async with Fetcher(allow=[fetch_server.allow], keepalive_expiry=0, network_backend=spy) as fetcher:
            await fetcher.get(fetch_server.url("/feed.xml"))
            await fetcher.get(fetch_server.url("/feed.xml"))
            return fetcher.pools.idle_connections, fetcher.pools.origins

    assert run(scenario()) == (0, 0)
    assert len(spy.connected) == 2


def test_a_connection_the_server_hung_up_is_replaced(fetch_server: LoopServer) -> None:
    spy = SpyBackend()

    async def scenario() -> list[FetchResult]:
        async with Fetcher(allow=[fetch_server.allow], network_backend=spy) as fetcher:
            return [await fetcher.get(fetch_server.url("/hangup")) for _ in range(3)]

    assert [result.content for result in run(scenario())] == [FEED] * 3
    assert len(spy.connected) == 3


def test_closing_the_fetcher_closes_idle_connections(fetch_server: LoopServer) -> None:
    async def scenario() -> tuple[int, int]:
        fetcher = Fetcher(allow=[fetch_server.allow])
        await fetcher.get(fetch_server.url("/feed.xml"))
        before = fetcher.pools.idle_connections
        await fetcher.aclose()
        return before, fetcher.pools.idle_connections

    assert run(scenario()) == (1, 0)


# --- status codes ---------------------------------------------------------------------------


def test_429_with_retry_after_seconds(fetch_server: LoopServer) -> None:
    before = datetime.now(UTC)
    with pytest.raises(HTTPStatusError) as caught:
        run(fetch(fetch_server.url("/status/429?retry=120"), allow=[fetch_server.allow]))
    assert caught.value.status == 429
    assert caught.value.retry_after is not None
    assert (
        before + timedelta(seconds=119)
        <= caught.value.retry_after
        <= datetime.now(UTC) + timedelta(seconds=121)
    )
    assert "429 Too Many Requests" in str(caught.value)


def test_503_with_retry_after_date(fetch_server: LoopServer) -> None:
    with pytest.raises(HTTPStatusError) as caught:
        run(
            fetch(
                fetch_server.url("/status/503?retry=Wed, 21 Oct 2037 07:28:00 GMT"),
                allow=[fetch_server.allow],
            )
        )
    assert caught.value.status == 503
    assert caught.value.retry_after == datetime(2037, 10, 21, 7, 28, tzinfo=UTC)


def test_410_gone(fetch_server: LoopServer) -> None:
    with pytest.raises(HTTPStatusError) as caught:
        run(fetch(fetch_server.url("/status/410"), allow=[fetch_server.allow]))
    assert (caught.value.status, caught.value.retry_after) == (410, None)
    assert str(caught.value) == "the server answered 410 Gone"


def test_refused_connection_is_connect_failed(fetch_server: LoopServer) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(ConnectFailed):
        run(fetch(f"http://127.0.0.1:{port}/", allow=[f"127.0.0.1:{port}"]))


def test_parse_retry_after() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_retry_after("60", now) == now + timedelta(seconds=60)
    assert parse_retry_after("Thu, 01 Jan 2026 00:05:00 GMT", now) == now + timedelta(minutes=5)
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after("-5", now) is None
    assert parse_retry_after(None, now) is None


# --- URL and address checks without traffic -------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/",
        "gopher://example.com/",
        "javascript:alert(1)",
        "data:,x",
        "//x/",
    ],
)
def test_non_http_schemes_are_invalid(url: str) -> None:
    with pytest.raises(InvalidURL):
        check_url(url)
    with pytest.raises(InvalidURL):
        run(fetch(url, network_backend=SpyBackend()))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://0177.0.0.1/",
        "http://0x7f.1/",
        "http://2130706433/",
        "http://127.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0/",
        "http://0/",
        "http://LOCALHOST./",
        "http://a.b.localhost/",
    ],
)
def test_literal_local_hosts_are_refused_before_connecting(url: str) -> None:
    with pytest.raises(BlockedAddress):
        check_url(url)


def test_obfuscated_ipv4_is_canonicalized() -> None:
    assert str(check_url("http://0x7f.1:8101/x", ["127.0.0.1:8101"])) == "http://127.0.0.1:8101/x"
    assert str(check_url("http://u:p@2130706433:8101/", ["127.0.0.1:8101"])) == "http://u:p@127.0.0.1:8101/"
    assert str(check_url("https://example.com/a?b")) == "https://example.com/a?b"


FORBIDDEN = [
    "169.254.169.254",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "100.64.0.1",
    "100.100.100.200",
    "127.0.0.2",
    "0.0.0.0",
    "255.255.255.255",
    "224.0.0.1",
    "192.0.2.1",
    "fd00::1",
    "fd00:ec2::254",
    "fe80::1",
    "::1",
    "::",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "64:ff9b::7f00:1",
    "64:ff9b::a9fe:a9fe",
    "2002:7f00:1::",
    "ff02::1",
]


@pytest.mark.parametrize("address", FORBIDDEN)
def test_resolved_forbidden_address_is_never_connected(address: str) -> None:
    spy = SpyBackend()
    resolver = fake_resolver({"evil.test": [[address]]})
    with pytest.raises(BlockedAddress, match=r"evil\.test"):
        run(fetch("http://evil.test/feed", resolver=resolver, network_backend=spy))
    assert spy.connected == []


def test_one_forbidden_address_among_public_ones_blocks_the_host() -> None:
    spy = SpyBackend()
    resolver = fake_resolver({"mixed.test": [["93.184.215.14", "10.0.0.1"]]})
    with pytest.raises(BlockedAddress, match=r"10\.0\.0\.1"):
        run(fetch("http://mixed.test/", resolver=resolver, network_backend=spy))
    assert spy.connected == []


def test_dns_rebinding_connects_only_to_the_checked_address() -> None:
    """First answer public (the spy receives exactly it, never the name), then loopback: refused."""
    spy = SpyBackend()
    resolver = fake_resolver({"rebind.test": [["93.184.215.14"], ["127.0.0.2"]]})

    async def scenario() -> None:
        async with Fetcher(resolver=resolver, network_backend=spy) as fetcher:
            with pytest.raises(ConnectFailed):
                await fetcher.get("http://rebind.test/")
            with pytest.raises(BlockedAddress, match=r"resolves to 127\.0\.0\.2"):
                await fetcher.get("http://rebind.test/")

    run(scenario())
    assert spy.connected == ["93.184.215.14"]


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("0x7F000001", "127.0.0.1"),
        ("10.0x10.1", "10.16.0.1"),
        ("0x", "0.0.0.0"),
        ("[::FFFF:127.0.0.1]", "::ffff:7f00:1"),
        ("fe80::1%eth0", "fe80::1"),
    ],
)
def test_parse_ip_reads_browser_spellings(host: str, expected: str) -> None:
    assert str(netguard.parse_ip(host)) == expected


@pytest.mark.parametrize(
    "host", ["example.com", "1.2.3.4.5", "256.1.1.1", "09.1.1.1", "1.2.3.4x", "xn--bcher-kva.de"]
)
def test_parse_ip_leaves_names_alone(host: str) -> None:
    assert netguard.parse_ip(host) is None


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "2606:4700::1", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"]
)
def test_public_addresses_pass(address: str) -> None:
    assert netguard.blocked_reason(ipaddress.ip_address(address)) is None


def test_allowlist_entries() -> None:
    assert netguard.parse_allowlist(["127.0.0.1:8101", "[::1]:80", "Feeds.Test:443"]) == {
        ("127.0.0.1", 8101),
        ("::1", 80),
        ("feeds.test", 443),
    }
    for bad in ["127.0.0.1", "::1:80", "host:0", "host:http"]:
        with pytest.raises(ValueError, match=r"allowlist|brackets"):
            netguard.parse_allow_entry(bad)


# --- charsets -------------------------------------------------------------------------------


def _result(content: bytes, content_type: str | None) -> FetchResult:
    headers = {"content-type": content_type} if content_type else {}
    return FetchResult(url="http://x/", status=200, headers=headers, content=content)


@pytest.mark.parametrize(
    ("name", "content_type", "codec", "needle"),
    [
        ("bom-utf8-meta-latin1.html", "text/html; charset=iso-8859-1", "utf-8", "naïve – “quoted”"),
        ("decl-latin1.xml", "application/rss+xml", "iso8859-1", "Café déjà vu"),
        ("meta-windows-1252.html", "text/html", "cp1252", "“Smart” quotes – café"),
        ("meta-latin1-body-utf8.html", "text/html; charset=UTF-8", "utf-8", "Zoë"),
        ("bom-utf16le.xml", None, "utf-16-le", "Ünïcødé"),
        ("no-declaration.html", "text/html", "utf-8", "bad byte: \ufffd"),
    ],
)
def test_charset_detection(
    test_data: Path, name: str, content_type: str | None, codec: str, needle: str
) -> None:
    content = (test_data / "fetch" / name).read_bytes()
    assert detect_charset(content, content_type)[0] == codec
    text = decoded_text(_result(content, content_type))
    assert needle in text
    assert not text.startswith("\ufeff")


def test_header_charset_wins_over_xml_declaration() -> None:
    content = '<?xml version="1.0" encoding="iso-8859-1"?><a>é</a>'.encode()
    assert decoded_text(_result(content, "text/xml; charset=utf-8")).endswith("<a>é</a>")
    assert decoded_text(_result(content, "text/xml")).endswith("<a>Ã©</a>")


def test_unknown_header_charset_falls_through_to_meta() -> None:
    content = '<meta charset="windows-1252"><p>\x93q\x94</p>'.encode("latin-1")
    assert (
        decoded_text(_result(content, "text/html; charset=x-nonsense"))
        == '<meta charset="windows-1252"><p>“q”</p>'
    )


def test_served_page_decodes_from_meta(fetch_server: LoopServer) -> None:
    result = run(fetch(fetch_server.url("/file/meta-windows-1252.html"), allow=[fetch_server.allow]))
    assert result.charset is None
    assert "“Smart” quotes" in decoded_text(result)
