"""The one way Gazette talks to the outside world: a guarded HTTP fetcher.

Every outbound request (feeds, article pages, images, favicons, OPML URLs)
goes through :class:`Fetcher`. It speaks HTTP/1.1 with h11 over connections
opened by a network backend that resolves names itself and checks each
address it is about to connect to (:mod:`gazette.ingest.netguard`), so DNS
rebinding and redirects to private addresses fail at connect time.
Connections are kept alive in one small pool per origin (:class:`OriginPools`).

Around that: manual redirects (each hop re-checked), a total deadline per
request, a body cap applied after decompression while streaming, a per-origin
concurrency limit and conditional GET.
"""

from __future__ import annotations

import asyncio
import base64
import codecs
import contextlib
import functools
import itertools
import os
import re
import socket
import ssl
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

import h11
import httpcore
import httpx

from gazette.ingest import netguard

Resolver = Callable[[str, int], Awaitable[list[str]]]

DEFAULT_USER_AGENT = "Gazette/0.1 (+https://github.com/gazette-news/gazette; feed reader)"
DEFAULT_DEADLINE = 30.0
DEFAULT_MAX_BYTES = 15 * 2**20
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_PIECE = 64 * 1024
_DRAIN_LIMIT = 64 * 1024
_DRAIN_WAIT = 0.5
KEEPALIVE_EXPIRY = 30.0
MAX_IDLE_CONNECTIONS = 100
"""Idle keep-alive connections kept open in all, across origins."""
_MAX_HEAD = 100 * 1024
"""The most bytes a response's status line and headers may take."""


class FetchError(Exception):
    """A fetch failed; ``str(error)`` is a short sentence fit to show a user."""


class InvalidURL(FetchError):
    """Not an http(s) URL with a host."""


class BlockedAddress(FetchError):
    """The destination is loopback, private, link-local, metadata, ... and not allowlisted."""


class TooManyRedirects(FetchError):
    """More redirects than allowed, or a redirect loop."""


class TooLarge(FetchError):
    """The (decompressed) body is over the size cap."""


class Timeout(FetchError):
    """The whole request did not finish within its deadline."""


class ConnectFailed(FetchError):
    """The name did not resolve or no address accepted the connection."""


class HTTPStatusError(FetchError):
    """The server answered 4xx/5xx (or a 3xx without a usable Location)."""

    def __init__(self, status: int, retry_after: datetime | None = None, url: str = "") -> None:
        self.status = status
        self.retry_after = retry_after
        self.url = url
        message = f"the server answered {status} {_reason_phrase(status)}".rstrip()
        if retry_after is not None:
            message += f" (retry after {retry_after:%Y-%m-%d %H:%M:%S} UTC)"
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A successful (2xx) or not-modified (304) response.

    ``content`` is the decompressed body as bytes (feed parsers want bytes);
    use :func:`decoded_text` for HTML. ``charset`` is the one named by the
    Content-Type header, if any. ``elapsed`` is seconds from the first
    connection attempt to the end of the body. ``moved_permanently`` is true
    when every redirect on the way was 301/308, so a poller may adopt ``url``.
    The repr leaves out headers and body: Python 3.11's ``asyncio.run`` reprs
    its main task's result, and a 15 MiB repr costs seconds.
    """

    url: str
    status: int
    headers: Mapping[str, str] = field(repr=False)
    content: bytes = field(repr=False)
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    retry_after: datetime | None = None
    content_type: str | None = None
    charset: str | None = None
    elapsed: float = 0.0
    moved_permanently: bool = False


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve ``host`` with the operating system (``getaddrinfo``), in its preferred order."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ConnectFailed(f"cannot resolve {host}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that only connects to checked addresses.

    It resolves the host itself through the injectable ``resolver``, checks
    every address, and hands the inner backend an IP literal, so the address
    connected to is the address checked. TLS still uses the original name for
    SNI and certificate checks (httpcore passes it to ``start_tls``).
    """

    def __init__(
        self,
        allow: frozenset[tuple[str, int]],
        resolver: Resolver,
        inner: httpcore.AsyncNetworkBackend,
    ) -> None:
        self._allow = allow
        self._resolver = resolver
        self._inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self.checked_addresses(host, port)
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout, OSError) as exc:
                failure = exc
        raise ConnectFailed(f"cannot connect to {_authority(host, port)}") from failure

    async def checked_addresses(self, host: str, port: int) -> list[str]:
        """The addresses to try for ``host``, or BlockedAddress if any of them is forbidden."""
        literal = netguard.parse_ip(host)
        names = [literal] if literal is not None else await self._resolved(host, port)
        if (netguard.canonical_host(host), port) not in self._allow:
            for ip in names:
                reason = netguard.blocked_reason(ip)
                if reason is not None:
                    raise BlockedAddress(_blocked_message(host, port, ip, reason))
        return [str(ip) for ip in names]

    async def _resolved(self, host: str, port: int) -> list[netguard.IPAddress]:
        if netguard.is_local_name(host) and (netguard.canonical_host(host), port) not in self._allow:
            raise BlockedAddress(f"refused to fetch from {_authority(host, port)}: a local name")
        try:
            answers = await self._resolver(host, port)
        except OSError as exc:
            raise ConnectFailed(f"cannot resolve {host}") from exc
        addresses = [netguard.parse_ip(answer) for answer in answers]
        valid = [ip for ip in addresses if ip is not None]
        if not valid or len(valid) != len(addresses):
            raise ConnectFailed(f"cannot resolve {host}")
        return valid

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddress("refused to connect to a unix socket")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _Decoder(Protocol):
    def decode(self, data: bytes) -> Iterator[bytes]: ...
    def flush(self) -> Iterator[bytes]: ...


class _Identity:
    def decode(self, data: bytes) -> Iterator[bytes]:
        if data:
            yield data

    def flush(self) -> Iterator[bytes]:
        return iter(())


class _Zlib:
    """gzip or deflate, yielding at most ``_PIECE`` bytes at a time so a bomb never inflates in one go."""

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        self._gzip = encoding != "deflate"
        wbits = 16 + zlib.MAX_WBITS if self._gzip else zlib.MAX_WBITS
        self._inflater = zlib.decompressobj(wbits)
        self._started = False

    def decode(self, data: bytes) -> Iterator[bytes]:
        if not self._started and data:
            self._started = True
            if not self._gzip and not _has_zlib_header(data):  # raw deflate, as some servers send
                self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        try:
            yield from self._pieces(data)
        except zlib.error as exc:
            raise FetchError(f"the {self._encoding} body is corrupt") from exc

    def _pieces(self, data: bytes) -> Iterator[bytes]:
        pending = data
        while pending and not self._inflater.eof:
            piece = self._inflater.decompress(pending, _PIECE)
            pending = self._inflater.unconsumed_tail
            if piece:
                yield piece
            elif not pending:
                break

    def flush(self) -> Iterator[bytes]:
        try:
            while not self._inflater.eof:
                piece = self._inflater.decompress(b"", _PIECE)
                if not piece:
                    break
                yield piece
        except zlib.error as exc:
            raise FetchError(f"the {self._encoding} body is corrupt") from exc


class _Brotli:
    def __init__(self) -> None:
        import brotli

        self._error: type[Exception] = brotli.error
        self._decompressor: Any = brotli.Decompressor()

    def decode(self, data: bytes) -> Iterator[bytes]:
        if not data:
            return
        try:
            yield self._decompressor.process(data, output_buffer_limit=_PIECE)
            yield from self._pending()
        except self._error as exc:
            raise FetchError("the br body is corrupt") from exc

    def _pending(self) -> Iterator[bytes]:
        """Output held back by the limit; ``can_accept_more_data`` alone may leave some behind."""
        while True:
            piece = self._decompressor.process(b"", output_buffer_limit=_PIECE)
            if piece:
                yield piece
            elif self._decompressor.can_accept_more_data():
                return

    def flush(self) -> Iterator[bytes]:
        return iter(())


def _decoders(content_encoding: str | None) -> list[_Decoder]:
    """Decoders to apply in order (reverse of the listed encodings); unknown codings pass through."""
    decoders: list[_Decoder] = []
    for coding in reversed((content_encoding or "").lower().split(",")):
        name = coding.strip()
        if name in ("gzip", "x-gzip", "deflate"):
            decoders.append(_Zlib(name))
        elif name == "br":
            decoders.append(_Brotli())
    return decoders or [_Identity()]


def _decoded(decoders: list[_Decoder], data: bytes, *, final: bool = False) -> Iterator[bytes]:
    """Run ``data`` through the decoder chain lazily, piece by piece."""
    first, rest = decoders[0], decoders[1:]
    pieces = itertools.chain(first.decode(data), first.flush()) if final else first.decode(data)
    if not rest:
        yield from pieces
        return
    for piece in pieces:
        yield from _decoded(rest, piece)
    if final:
        yield from _decoded(rest, b"", final=True)


def _has_zlib_header(data: bytes) -> bool:
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0


class _AsyncioStream(httpcore.AsyncNetworkStream):
    """A TCP (or TLS) stream on asyncio's own streams, without anyio's cancel scope on every call.

    Per-call timeouts are honoured when given; the fetcher gives none, since its
    total deadline covers every call.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        if timeout is None:
            return await self._reader.read(max_bytes)
        async with asyncio.timeout(timeout):
            return await self._reader.read(max_bytes)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._writer.write(buffer)
        async with asyncio.timeout(timeout):
            await self._writer.drain()

    async def aclose(self) -> None:
        self._writer.close()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        async with asyncio.timeout(timeout):
            await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # asyncio reads ahead: a peer that closed shows as end of stream
            return self._reader.at_eof() or self._writer.is_closing()
        return self._writer.get_extra_info(info)


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """The network backend :class:`GuardedBackend` uses by default: plain asyncio streams."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        local = (local_address, 0) if local_address else None
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(host, port, local_addr=local, limit=_PIECE)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            for option in socket_options or ():
                sock.setsockopt(*option)
        return _AsyncioStream(reader, writer)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddress("refused to connect to a unix socket")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class _Disconnected(Exception):
    """The server closed the connection before it answered."""


_STALE_CONNECTION = (_Disconnected, h11.RemoteProtocolError, httpcore.NetworkError, OSError)
"""How a request fails on a kept-alive connection the server has just closed."""


class _Response:
    """Status and headers of an answer; the body is read (once) with :meth:`aiter_stream`."""

    __slots__ = ("_connection", "headers", "status")

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], connection: _Connection) -> None:
        self.status = status
        self.headers = headers
        self._connection = connection

    def aiter_stream(self) -> AsyncIterator[bytes]:
        return self._connection.body()


class _Connection:
    """One HTTP/1.1 connection: h11 over a stream from the guarded backend, one request at a time.

    httpcore's connection classes do the same behind three locks, trace hooks
    and anyio cancel scopes, which cost twice h11's own work per request.
    """

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream
        self._h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=_MAX_HEAD)
        self._closed = False

    async def request(self, target: bytes, headers: list[tuple[bytes, bytes]]) -> _Response:
        """Send a GET and read the answer's status and headers (informational answers are skipped)."""
        data = self._h11.send(h11.Request(method=b"GET", target=target, headers=headers)) or b""
        await self._stream.write(data + (self._h11.send(h11.EndOfMessage()) or b""))
        while True:
            event = await self._next_event()
            if isinstance(event, h11.Response):
                return _Response(event.status_code, list(event.headers), self)
            if not isinstance(event, h11.InformationalResponse):
                raise h11.RemoteProtocolError(f"unexpected {type(event).__name__} before the response")

    async def body(self) -> AsyncIterator[bytes]:
        while True:
            event = await self._next_event()
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                return

    async def _next_event(self) -> h11.Event:
        while True:
            event = self._h11.next_event()
            if event is h11.NEED_DATA:
                self._h11.receive_data(await self._stream.read(_PIECE))
            elif isinstance(event, h11.ConnectionClosed):
                raise _Disconnected("the server closed the connection without answering")
            elif isinstance(event, h11.Event):
                return event
            else:
                raise h11.LocalProtocolError("no further message on this connection")

    def finish(self) -> bool:
        """After an exchange: True, and ready for the next one, if both messages ended cleanly."""
        if self._closed or self._h11.our_state is not h11.DONE or self._h11.their_state is not h11.DONE:
            return False
        self._h11.start_next_cycle()
        return True

    def is_usable(self) -> bool:
        """Still open, and nothing arrived while idle (a server closing it, or sending junk)."""
        return not self._closed and not self._stream.get_extra_info("is_readable")

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            with contextlib.suppress(httpcore.NetworkError, OSError):
                await self._stream.aclose()


Origin = tuple[str, str, int]
"""Scheme, host (ASCII; IPv6 without brackets) and port."""


@dataclass(slots=True, eq=False)
class _Origin:
    """One origin's share of the fetcher: its concurrency limit and its idle keep-alive connections."""

    slots: asyncio.Semaphore
    users: int = 0
    idle: list[_Connection] = field(default_factory=list)


class OriginPools:
    """One small connection pool per origin (scheme, host, port), created on demand.

    At most ``per_host`` requests to an origin are in flight at once, so an origin
    never has more than ``per_host`` connections. Idle keep-alive connections are
    reused most recently used first; at most ``max_idle`` stay open in all (the
    least recently used is closed first), none longer than ``keepalive_expiry``,
    and an origin with neither requests nor idle connections is forgotten.

    This replaces httpcore's ``AsyncConnectionPool``, which rescans all of its
    connections (and, for each idle one, all of them again) on every request and
    every response: ~20,000 calls per request with ~100 connections kept alive.
    Here a request touches only its own origin. Every connection is opened by
    the guarded backend, so every address connected to has been checked.
    """

    def __init__(
        self,
        backend: httpcore.AsyncNetworkBackend,
        *,
        per_host: int,
        max_idle: int,
        keepalive_expiry: float,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._backend = backend
        self._per_host = per_host
        self._max_idle = max_idle
        self._keepalive_expiry = keepalive_expiry
        self._origins: dict[Origin, _Origin] = {}
        self._idle: dict[_Connection, tuple[Origin, float]] = {}
        """Every idle connection with its origin and expiry time, least recently used first."""
        self._ssl_context = ssl_context
        self._closed = False

    @property
    def origins(self) -> int:
        """How many origins have requests in flight or idle connections."""
        return len(self._origins)

    @property
    def idle_connections(self) -> int:
        return len(self._idle)

    def idle_to(self, origin: Origin) -> int:
        """Idle connections kept for ``origin``."""
        entry = self._origins.get(origin)
        return len(entry.idle) if entry is not None else 0

    @contextlib.asynccontextmanager
    async def slot(self, origin: Origin) -> AsyncIterator[None]:
        """Hold one of the origin's ``per_host`` request slots."""
        entry = self._origins.get(origin)
        if entry is None:
            entry = self._origins[origin] = _Origin(asyncio.Semaphore(self._per_host))
        entry.users += 1
        try:
            async with entry.slots:
                yield
        finally:
            entry.users -= 1
            self._forget_if_unused(origin, entry)

    async def connection(self, origin: Origin) -> tuple[_Connection, bool]:
        """An idle connection to ``origin`` that is still usable, or a new one; and whether it is reused.

        Call while holding the origin's :meth:`slot`.
        """
        entry = self._origins[origin]
        while entry.idle:
            connection = entry.idle.pop()
            del self._idle[connection]
            if connection.is_usable():
                return connection, True
            await connection.aclose()
        return await self._connect(origin), False

    async def _connect(self, origin: Origin) -> _Connection:
        scheme, host, port = origin
        stream = await self._backend.connect_tcp(host, port)
        if scheme == "https":
            try:
                stream = await stream.start_tls(self._tls_context(), server_hostname=host)
            except BaseException as exc:
                await stream.aclose()
                if isinstance(exc, OSError | httpcore.NetworkError):
                    raise ConnectFailed(_tls_failure(host, port, exc)) from exc
                raise
        return _Connection(stream)

    def _tls_context(self) -> ssl.SSLContext:
        """One verifying context for all connections (building one loads the CA bundle: ~10 ms)."""
        if self._ssl_context is None:
            self._ssl_context = tls_context()
        return self._ssl_context

    async def release(self, origin: Origin, connection: _Connection) -> None:
        """Keep ``connection`` for reuse if its last exchange ended cleanly; close it otherwise."""
        entry = self._origins.get(origin)
        if self._closed or entry is None or not connection.finish():
            await connection.aclose()
            return
        entry.idle.append(connection)
        self._idle[connection] = (origin, time.monotonic() + self._keepalive_expiry)
        await self._close_surplus()

    async def _close_surplus(self) -> None:
        """Close the least recently used idle connections beyond ``max_idle`` or past their expiry."""
        now = time.monotonic()
        while self._idle:
            connection, (origin, expires) = next(iter(self._idle.items()))
            if len(self._idle) <= self._max_idle and expires > now:
                return
            del self._idle[connection]
            entry = self._origins[origin]
            entry.idle.remove(connection)
            self._forget_if_unused(origin, entry)
            await connection.aclose()

    def _forget_if_unused(self, origin: Origin, entry: _Origin) -> None:
        if entry.users == 0 and not entry.idle and self._origins.get(origin) is entry:
            del self._origins[origin]

    async def aclose(self) -> None:
        """Close every idle connection; connections in use are closed when their request ends."""
        self._closed = True
        idle, self._idle = list(self._idle), {}
        for entry in self._origins.values():
            entry.idle.clear()
        self._origins = {origin: entry for origin, entry in self._origins.items() if entry.users}
        for connection in idle:
            await connection.aclose()


def tls_context(ca_bundle: str | os.PathLike[str] | None = None) -> ssl.SSLContext:
    """A client context that verifies certificates and host names against ``ca_bundle``.

    ``ca_bundle`` is a PEM file of trusted CAs; by default certifi's bundle, so
    the trust store is the same on every machine. Only HTTP/1.1 is offered by ALPN.
    """
    if ca_bundle is None:
        import certifi

        ca_bundle = certifi.where()
    context = ssl.create_default_context(cafile=os.fspath(ca_bundle))
    context.set_alpn_protocols(["http/1.1"])
    return context


def _tls_failure(host: str, port: int, exc: BaseException) -> str:
    """A sentence on why the TLS handshake failed: a certificate problem, or the handshake itself."""
    where = _authority(host, port)
    if isinstance(exc, ssl.SSLCertVerificationError):
        reason = exc.verify_message or exc.reason or "verification failed"
        return f"the TLS certificate of {where} was rejected: {reason}"
    if isinstance(exc, ssl.SSLError) and exc.reason:
        reason = exc.reason.replace("_", " ").lower()  # "WRONG_VERSION_NUMBER": not TLS at all
    else:
        reason = str(exc) or type(exc).__name__
    return f"the TLS handshake with {where} failed: {reason}"


class Fetcher:
    """A pooled, guarded HTTP client; create one per process (or per poller) and reuse it.

    ``allow`` lists exact ``host:port`` pairs (``127.0.0.1:8101``, ``[::1]:8080``)
    that may be reached although local. ``network_backend`` is what finally
    opens sockets (tests pass a spy); it only ever receives checked IP literals.
    At most ``per_host`` requests go to one origin at once; at most ``max_idle``
    keep-alive connections stay open in all, each for ``keepalive_expiry`` seconds.
    HTTPS certificates are checked against certifi's CA bundle, or against
    ``ca_bundle`` (a PEM file) or the verifying ``ssl_context`` given (not both).
    """

    def __init__(
        self,
        *,
        allow: Iterable[str] = (),
        user_agent: str = DEFAULT_USER_AGENT,
        deadline: float = DEFAULT_DEADLINE,
        max_bytes: int = DEFAULT_MAX_BYTES,
        per_host: int = 2,
        max_redirects: int = 10,
        resolver: Resolver | None = None,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
        max_idle: int = MAX_IDLE_CONNECTIONS,
        keepalive_expiry: float = KEEPALIVE_EXPIRY,
        ca_bundle: str | os.PathLike[str] | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if ca_bundle is not None and ssl_context is not None:
            raise ValueError("give a CA bundle or an SSL context, not both")
        self.allow = netguard.parse_allowlist(allow)
        self.user_agent = user_agent
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self._backend = GuardedBackend(
            self.allow, resolver or system_resolver, network_backend or AsyncioBackend()
        )
        self._pools = OriginPools(
            self._backend,
            per_host=per_host,
            max_idle=max_idle,
            keepalive_expiry=keepalive_expiry,
            ssl_context=ssl_context if ca_bundle is None else tls_context(ca_bundle),
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._pools.aclose()

    @property
    def pools(self) -> OriginPools:
        """The per-origin connection pools (for tests and diagnostics)."""
        return self._pools

    async def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
    ) -> FetchResult:
        """GET ``url`` following redirects; raises a :class:`FetchError` subclass on any failure."""
        target = _checked_url(url, self.allow)
        headers = self._headers(etag, last_modified, accept)
        try:
            async with asyncio.timeout(None) as budget:
                return await self._follow(target, headers, budget, (etag, last_modified))
        except TimeoutError:
            raise Timeout(f"no complete answer within {self.deadline:g} s") from None
        except httpcore.TimeoutException:
            raise Timeout(f"no complete answer within {self.deadline:g} s") from None
        except httpcore.ConnectError as exc:
            raise ConnectFailed(f"cannot connect to {target.host}") from exc
        except (
            httpcore.NetworkError,
            httpcore.ProtocolError,
            h11.ProtocolError,
            _Disconnected,
            OSError,
        ) as exc:
            raise FetchError(f"the connection failed: {exc or type(exc).__name__}") from exc

    def _headers(
        self, etag: str | None, last_modified: str | None, accept: str | None
    ) -> list[tuple[str, str]]:
        headers = [
            ("User-Agent", self.user_agent),
            ("Accept", accept or "*/*"),
            ("Accept-Encoding", "gzip, deflate, br"),
        ]
        if etag:
            headers.append(("If-None-Match", etag))
        if last_modified:
            headers.append(("If-Modified-Since", last_modified))
        return headers

    async def _follow(
        self,
        first: httpx.URL,
        headers: list[tuple[str, str]],
        budget: asyncio.Timeout,
        validators: tuple[str | None, str | None],
    ) -> FetchResult:
        url, seen, permanent = first, {str(first)}, False
        started = 0.0
        for _hop in range(self.max_redirects + 1):
            origin: Origin = (
                url.scheme,
                url.raw_host.decode("ascii"),
                url.port or _DEFAULT_PORTS[url.scheme],
            )
            request_headers = self._request_headers(url, first, headers)
            async with self._pools.slot(origin):
                if budget.when() is None:
                    started = time.perf_counter()
                    budget.reschedule(asyncio.get_running_loop().time() + self.deadline)
                connection, response = await self._send(origin, url.raw_path, request_headers)
                try:
                    response_headers = _header_map(response.headers)
                    status = response.status
                    location = response_headers.get("location") if status in REDIRECT_STATUSES else None
                    if status < 300 or status == 304:
                        return await self._result(
                            url, response, response_headers, started, validators, permanent
                        )
                    await _drain(response, response_headers, budget)
                    if location is None:
                        retry_after = parse_retry_after(response_headers.get("retry-after"))
                        raise HTTPStatusError(status, retry_after, str(url))
                finally:
                    await self._pools.release(origin, connection)
            permanent = status in (301, 308) and (permanent or url == first)
            url = self._next_hop(url, location, seen)
        raise TooManyRedirects(f"more than {self.max_redirects} redirects")

    async def _send(
        self, origin: Origin, target: bytes, headers: list[tuple[bytes, bytes]]
    ) -> tuple[_Connection, _Response]:
        """Send a GET on a kept-alive connection, or a new one; the connection and the response head.

        A server may close an idle keep-alive connection just as a request goes
        out on it; such a failure is retried once on a new connection (GET is
        idempotent), as browsers do.
        """
        connection, reused = await self._pools.connection(origin)
        try:
            return connection, await connection.request(target, headers)
        except _STALE_CONNECTION:
            await self._pools.release(origin, connection)
            if not reused:
                raise
        except BaseException:
            await self._pools.release(origin, connection)
            raise
        connection, _ = await self._pools.connection(origin)
        try:
            return connection, await connection.request(target, headers)
        except BaseException:
            await self._pools.release(origin, connection)
            raise

    def _next_hop(self, url: httpx.URL, location: str, seen: set[str]) -> httpx.URL:
        try:
            joined = urljoin(str(url), location.strip())
        except ValueError as exc:
            raise InvalidURL(f"the server redirected to an invalid URL: {location[:200]}") from exc
        target = _checked_url(joined, self.allow)
        if str(target) in seen:
            raise TooManyRedirects("redirect loop")
        seen.add(str(target))
        return target

    def _request_headers(
        self, url: httpx.URL, first: httpx.URL, headers: list[tuple[str, str]]
    ) -> list[tuple[bytes, bytes]]:
        all_headers = [("Host", url.netloc.decode("ascii")), *headers]
        if first.userinfo and _origin(url) == _origin(first):
            credentials = base64.b64encode(f"{first.username}:{first.password}".encode()).decode()
            all_headers.append(("Authorization", f"Basic {credentials}"))
        return [(name.encode("ascii"), value.encode("latin-1", "replace")) for name, value in all_headers]

    async def _result(
        self,
        url: httpx.URL,
        response: _Response,
        headers: dict[str, str],
        started: float,
        validators: tuple[str | None, str | None],
        permanent: bool,
    ) -> FetchResult:
        """A 2xx or 304 response as a FetchResult, its body read (a 304 has none)."""
        status = response.status
        not_modified = status == 304
        if not_modified:
            async for _ in response.aiter_stream():  # ends at once; reaching it keeps the connection
                pass
        content = b"" if not_modified else await self._body(response, headers)
        media_type, charset = parse_content_type(headers.get("content-type"))
        return FetchResult(
            url=str(url),
            status=status,
            headers=headers,
            content=content,
            etag=headers.get("etag") or (validators[0] if not_modified else None),
            last_modified=headers.get("last-modified") or (validators[1] if not_modified else None),
            not_modified=not_modified,
            retry_after=parse_retry_after(headers.get("retry-after")),
            content_type=media_type,
            charset=charset,
            elapsed=time.perf_counter() - started,
            moved_permanently=permanent,
        )

    async def _body(self, response: _Response, headers: Mapping[str, str]) -> bytes:
        """The decompressed body, failing as soon as raw or decoded bytes pass ``max_bytes``."""
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise self._too_large()
        decoders = _decoders(headers.get("content-encoding"))
        body = bytearray()
        received = 0
        async for chunk in response.aiter_stream():
            received += len(chunk)
            if received > self.max_bytes:
                raise self._too_large()
            self._append(body, _decoded(decoders, chunk))
        self._append(body, _decoded(decoders, b"", final=True))
        return bytes(body)

    def _append(self, body: bytearray, pieces: Iterator[bytes]) -> None:
        for piece in pieces:
            if len(body) + len(piece) > self.max_bytes:
                raise self._too_large()
            body += piece

    def _too_large(self) -> TooLarge:
        return TooLarge(f"the response is larger than {_size(self.max_bytes)}")


async def _drain(response: _Response, headers: Mapping[str, str], budget: asyncio.Timeout) -> None:
    """Read a small unwanted body (a redirect's, an error page) so its connection can be kept alive.

    h11 only reaches the end of a message by reading it; a connection whose
    answer was not read to the end is closed. Only bodies that declare at most
    ``_DRAIN_LIMIT`` bytes are read, for at most ``_DRAIN_WAIT`` seconds and
    half of what is left of the deadline: a slow error page must not turn the
    error into a timeout. Otherwise the connection is closed.
    """
    declared = headers.get("content-length", "")
    if not declared.isdigit() or int(declared) > _DRAIN_LIMIT:
        return
    deadline = budget.when()
    left = _DRAIN_WAIT if deadline is None else (deadline - asyncio.get_running_loop().time()) / 2
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(min(_DRAIN_WAIT, left)):
            async for _ in response.aiter_stream():
                pass


def check_url(url: str, allow: Iterable[str] = ()) -> httpx.URL:
    """Validate ``url`` before any connection; return it parsed, with IPv4 spelled canonically.

    Raises InvalidURL for anything but http(s) with a host, and BlockedAddress
    when the host is a forbidden IP literal or local name (unless ``allow``
    lists its ``host:port``). Names are checked again on their resolved
    addresses at connect time, by :class:`Fetcher`.
    """
    return _checked_url(url, netguard.parse_allowlist(allow))


@functools.lru_cache(maxsize=8192)
def _checked_url(url: str, allowed: frozenset[tuple[str, int]]) -> httpx.URL:
    """Remembered: a poller checks the same feed URLs every round (refusals raise again each time)."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise InvalidURL(f"not a valid URL: {text[:200]}") from exc
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise InvalidURL(f"only absolute http and https URLs can be fetched, not {text[:40]!r}")
    if not parts.hostname:
        raise InvalidURL(f"the URL has no host: {text[:200]}")
    host = netguard.canonical_host(parts.hostname)
    port = port or _DEFAULT_PORTS[scheme]
    ip = netguard.parse_ip(parts.hostname)
    if ip is not None and ip.version == 4 and parts.hostname != host:
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = f"{userinfo}@{host}" if userinfo else host
        text = parts._replace(netloc=f"{netloc}:{parts.port}" if parts.port else netloc).geturl()
    if (host, port) not in allowed:
        _refuse_local(host, port, ip)
    try:
        return httpx.URL(text)
    except httpx.InvalidURL as exc:
        raise InvalidURL(f"not a valid URL: {text[:200]}") from exc


def _refuse_local(host: str, port: int, ip: netguard.IPAddress | None) -> None:
    if ip is not None:
        reason = netguard.blocked_reason(ip)
        if reason is not None:
            raise BlockedAddress(_blocked_message(host, port, ip, reason))
    elif netguard.is_local_name(host):
        raise BlockedAddress(f"refused to fetch from {_authority(host, port)}: a local name")


def fetch_sync(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    accept: str | None = None,
    allow: Iterable[str] = (),
    user_agent: str = DEFAULT_USER_AGENT,
    deadline: float = DEFAULT_DEADLINE,
    max_bytes: int = DEFAULT_MAX_BYTES,
    resolver: Resolver | None = None,
    ca_bundle: str | os.PathLike[str] | None = None,
) -> FetchResult:
    """One-off fetch for the CLI and scripts (not inside a running event loop)."""

    async def one() -> FetchResult:
        options: dict[str, Any] = {
            "allow": allow,
            "user_agent": user_agent,
            "resolver": resolver,
            "ca_bundle": ca_bundle,
        }
        async with Fetcher(deadline=deadline, max_bytes=max_bytes, **options) as fetcher:
            return await fetcher.get(url, etag=etag, last_modified=last_modified, accept=accept)

    return asyncio.run(one())


def parse_retry_after(value: str | None, now: datetime | None = None) -> datetime | None:
    """Retry-After as an aware UTC datetime, from delay-seconds or an HTTP date; None if unusable."""
    if not value:
        return None
    text = value.strip()
    now = now or datetime.now(UTC)
    if text.isdigit():
        return now + timedelta(seconds=min(int(text), 10 * 365 * 86400))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def parse_content_type(value: str | None) -> tuple[str | None, str | None]:
    """``"text/html; charset=UTF-8"`` -> ``("text/html", "utf-8")``."""
    if not value:
        return None, None
    media_type, _, params = value.partition(";")
    match = _CHARSET_PARAM.search(params)
    charset = match.group(1).strip("\"' ").lower() if match else None
    return media_type.strip().lower() or None, charset or None


_CHARSET_PARAM = re.compile(r"charset\s*=\s*(\"[^\"]*\"|'[^']*'|[^;,\s]+)", re.IGNORECASE)
_XML_DECL = re.compile(rb"^<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# WHATWG: these labels mean windows-1252 on the web, and a meta tag cannot declare UTF-16.
_WEB_ALIASES = {"iso-8859-1": "cp1252", "latin1": "cp1252", "ascii": "cp1252", "utf-16": "utf-8"}


def detect_charset(content: bytes, content_type: str | None = None) -> tuple[str, int]:
    """The codec for a body and the length of its BOM.

    Order: BOM, then the Content-Type charset, then the XML declaration, then
    an HTML ``<meta charset>`` / ``http-equiv`` in the first 4 KiB; else UTF-8.
    Unknown names are skipped.
    """
    for bom, name in _BOMS:
        if content.startswith(bom):
            return name, len(bom)
    head = content[:4096]
    xml = _XML_DECL.match(head.lstrip())
    meta = _META_CHARSET.search(head)
    candidates = (
        parse_content_type(content_type)[1],
        xml.group(1).decode("ascii") if xml else None,
        meta.group(1).decode("ascii") if meta else None,
    )
    for candidate in candidates:
        codec = _codec(candidate)
        if codec is not None:
            return codec, 0
    return "utf-8", 0


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return _WEB_ALIASES.get(name, name)


def decoded_text(result: FetchResult) -> str:
    """The body as text (for HTML); undecodable bytes become U+FFFD."""
    content_type = result.headers.get("content-type")
    codec, bom = detect_charset(result.content, content_type)
    return result.content[bom:].decode(codec, errors="replace")


def _header_map(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for key, value in raw:
        name = key.decode("latin-1").lower()
        text = value.decode("latin-1")
        headers[name] = f"{headers[name]}, {text}" if name in headers else text
    return headers


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


def _authority(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _blocked_message(host: str, port: int, ip: netguard.IPAddress, reason: str) -> str:
    where = _authority(host, port)
    if netguard.canonical_host(host) == str(ip):
        return f"refused to fetch from {where}: a {reason} address"
    return f"refused to fetch from {where}: it resolves to {ip}, a {reason} address"


def _reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _size(n: int) -> str:
    return f"{n / 2**20:g} MiB" if n >= 2**20 else f"{n} bytes"
