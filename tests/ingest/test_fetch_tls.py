"""HTTPS through the guarded fetcher, against real TLS servers on loopback.

A throwaway CA and leaf certificates (one for the IP 127.0.0.1, one for the
name ``localhost``) are made with the ``openssl`` command for this module;
the fetcher trusts that CA through its ``ca_bundle`` argument. Nothing here
connects outside 127.0.0.0/8: names are resolved by an injected resolver.
"""

from __future__ import annotations

import asyncio
import gzip
import shutil
import socket
import socketserver
import ssl
import subprocess
import sys
import threading
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import pytest

from gazette.ingest.fetch import (
    BlockedAddress,
    ConnectFailed,
    Fetcher,
    FetchResult,
    Timeout,
    fetch_sync,
    tls_context,
)
from tests.conftest import require

T = TypeVar("T")
FEED = b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>TLS</title></channel></rss>'


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


# --- certificates -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Certificates:
    ca: Path
    """The throwaway CA's certificate (PEM): the bundle the fetcher is told to trust."""
    ip: tuple[Path, Path]
    """Certificate and key for IP 127.0.0.1 (an IP subjectAltName)."""
    localhost: tuple[Path, Path]
    """Certificate and key for DNS name ``localhost``."""
    other_ca: Path
    """A second CA that signed nothing served here."""


def _openssl(*args: str | Path) -> None:
    subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True)


def _make_ca(folder: Path, name: str) -> tuple[Path, Path]:
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", key, "-out", cert, "-days", "2", "-subj", f"/CN=Gazette test {name}",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    return cert, key


def _make_leaf(folder: Path, name: str, san: str, ca: tuple[Path, Path]) -> tuple[Path, Path]:
    cert, key, csr, ext = (folder / f"{name}{suffix}" for suffix in (".pem", ".key", ".csr", ".ext"))
    ext.write_text(
        f"subjectAltName={san}\nbasicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
        "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\n"
    )
    _openssl(
        "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", key, "-out", csr, "-subj", f"/CN={name}",
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", csr, "-CA", ca[0], "-CAkey", ca[1], "-CAcreateserial",
        "-out", cert, "-days", "2", "-extfile", ext,
    )  # fmt: skip
    return cert, key


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    require(shutil.which("openssl") is not None, "the openssl command (Debian package openssl)")
    folder = tmp_path_factory.mktemp("tls")
    ca = _make_ca(folder, "ca")
    return Certificates(
        ca=ca[0],
        ip=_make_leaf(folder, "ip", "IP:127.0.0.1", ca),
        localhost=_make_leaf(folder, "localhost", "DNS:localhost", ca),
        other_ca=_make_ca(folder, "other-ca")[0],
    )


# --- servers ----------------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: TLSServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        if parts.path == "/feed.xml":
            self.reply(200, FEED, [("Content-Type", "application/rss+xml")])
        elif parts.path == "/gzip":
            self.reply(200, gzip.compress(FEED), [("Content-Encoding", "gzip")])
        elif parts.path == "/to":
            self.reply(302, b"moved", [("Location", query["url"])])
        else:
            self.reply(404, b"not found", [])

    def reply(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class TLSServer(ThreadingHTTPServer):
    """HTTPS on a loopback port; the handshake runs in each connection's own thread."""

    daemon_threads = True

    def __init__(self, host: str, cert: tuple[Path, Path]) -> None:
        super().__init__((host, 0), Handler)
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(*cert)
        self.context.sni_callback = self._record_sni
        self.requests: list[str] = []
        self.connections = 0
        self.server_names: list[str | None] = []

    def _record_sni(self, sock: ssl.SSLObject | ssl.SSLSocket, name: str | None, _: Any) -> None:
        self.server_names.append(name)

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse DNS lookup (getfqdn), which could leave the machine."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.port

    def finish_request(self, request: Any, client_address: Any) -> None:
        self.connections += 1
        with self.context.wrap_socket(request, server_side=True) as tls:
            super().finish_request(tls, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients refuse our certificates on purpose; only report other errors."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    @property
    def host(self) -> str:
        return str(self.server_address[0])

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def allow(self) -> str:
        return f"{self.host}:{self.port}"

    def url(self, path: str, host: str | None = None) -> str:
        return f"https://{host or self.host}:{self.port}{path}"


def _serve(server: TLSServer) -> Iterator[TLSServer]:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def ip_server(certs: Certificates) -> Iterator[TLSServer]:
    """HTTPS on 127.0.0.1 with a certificate for 127.0.0.1."""
    yield from _serve(TLSServer("127.0.0.1", certs.ip))


@pytest.fixture(scope="module")
def name_server(certs: Certificates) -> Iterator[TLSServer]:
    """HTTPS on 127.0.0.1 with a certificate for ``localhost`` only."""
    yield from _serve(TLSServer("127.0.0.1", certs.localhost))


@pytest.fixture(scope="module")
def alias_server(certs: Certificates) -> Iterator[TLSServer]:
    """HTTPS on 127.0.0.2, never allowlisted: it must never see a connection."""
    try:
        server = TLSServer("127.0.0.2", certs.ip)
    except OSError:
        pytest.skip("the loopback alias 127.0.0.2 is not available")
    yield from _serve(server)


@pytest.fixture
def stalling_listener() -> Iterator[socket.socket]:
    """Accepts TCP connections (the kernel completes them) and never says a word: a stuck handshake."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        yield listener


def loopback_resolver(*names: str) -> Callable[[str, int], Coroutine[Any, Any, list[str]]]:
    """Resolve exactly ``names``, all to 127.0.0.1; anything else fails the test."""

    async def resolve(host: str, port: int) -> list[str]:
        assert host in names, f"unexpected lookup of {host}"
        return ["127.0.0.1"]

    return resolve


async def fetch(url: str, **options: Any) -> FetchResult:
    async with Fetcher(**options) as fetcher:
        return await fetcher.get(url)


# --- traffic ----------------------------------------------------------------------------------


def test_keep_alive_over_tls_serves_two_requests_on_one_connection(
    certs: Certificates, ip_server: TLSServer
) -> None:
    async def twice() -> tuple[FetchResult, FetchResult, int]:
        async with Fetcher(allow=[ip_server.allow], ca_bundle=certs.ca) as fetcher:
            first = await fetcher.get(ip_server.url("/feed.xml"))
            second = await fetcher.get(ip_server.url("/gzip"))
            return first, second, fetcher.pools.idle_connections

    before = ip_server.connections
    first, second, idle = run(twice())
    assert first.content == FEED and first.content_type == "application/rss+xml"
    assert second.content == FEED
    assert second.headers["content-encoding"] == "gzip"
    assert ip_server.connections - before == 1
    assert idle == 1


def test_name_certificate_is_checked_with_sni(certs: Certificates, name_server: TLSServer) -> None:
    url = name_server.url("/feed.xml", host="localhost")
    result = run(
        fetch(
            url,
            allow=[f"localhost:{name_server.port}"],
            resolver=loopback_resolver("localhost"),
            ca_bundle=certs.ca,
        )
    )
    assert result.content == FEED
    assert name_server.server_names[-1] == "localhost"


def test_redirect_from_https_to_https_on_another_origin(
    certs: Certificates, ip_server: TLSServer, name_server: TLSServer
) -> None:
    target = name_server.url("/gzip", host="localhost")
    result = run(
        fetch(
            ip_server.url(f"/to?url={target}"),
            allow=[ip_server.allow, f"localhost:{name_server.port}"],
            resolver=loopback_resolver("localhost"),
            ca_bundle=certs.ca,
        )
    )
    assert result.url == target
    assert result.content == FEED


def test_ssl_context_argument_is_used(certs: Certificates, ip_server: TLSServer) -> None:
    context = tls_context(certs.ca)
    assert (
        run(fetch(ip_server.url("/feed.xml"), allow=[ip_server.allow], ssl_context=context)).content == FEED
    )


def test_fetch_sync_takes_a_ca_bundle(certs: Certificates, ip_server: TLSServer) -> None:
    assert fetch_sync(ip_server.url("/feed.xml"), allow=[ip_server.allow], ca_bundle=certs.ca).content == FEED


def test_ca_bundle_and_ssl_context_together_are_refused(certs: Certificates) -> None:
    with pytest.raises(ValueError, match="not both"):
        Fetcher(ca_bundle=certs.ca, ssl_context=tls_context(certs.ca))


# --- failures ---------------------------------------------------------------------------------


def test_certificate_for_another_name_is_rejected(certs: Certificates, name_server: TLSServer) -> None:
    """The server's certificate names ``localhost``; the URL names 127.0.0.1."""
    with pytest.raises(ConnectFailed, match=r"TLS certificate of 127\.0\.0\.1:\d+ was rejected.*mismatch"):
        run(fetch(name_server.url("/feed.xml"), allow=[name_server.allow], ca_bundle=certs.ca))


def test_ip_certificate_does_not_cover_a_name(certs: Certificates, ip_server: TLSServer) -> None:
    with pytest.raises(ConnectFailed, match=r"TLS certificate of localhost:\d+ was rejected.*mismatch"):
        run(
            fetch(
                ip_server.url("/feed.xml", host="localhost"),
                allow=[f"localhost:{ip_server.port}"],
                resolver=loopback_resolver("localhost"),
                ca_bundle=certs.ca,
            )
        )


def test_untrusted_ca_is_rejected_by_the_default_bundle(ip_server: TLSServer) -> None:
    before = len(ip_server.requests)
    with pytest.raises(ConnectFailed, match=r"TLS certificate of 127\.0\.0\.1:\d+ was rejected.*issuer"):
        run(fetch(ip_server.url("/feed.xml"), allow=[ip_server.allow]))
    assert len(ip_server.requests) == before


def test_certificate_from_another_ca_is_rejected(certs: Certificates, ip_server: TLSServer) -> None:
    with pytest.raises(ConnectFailed, match=r"TLS certificate .* was rejected"):
        run(fetch(ip_server.url("/feed.xml"), allow=[ip_server.allow], ca_bundle=certs.other_ca))


def test_rejected_certificate_on_a_redirect_stops_it(
    certs: Certificates, ip_server: TLSServer, name_server: TLSServer
) -> None:
    target = name_server.url("/feed.xml")  # by IP: the certificate only names localhost
    before = len(name_server.requests)
    with pytest.raises(ConnectFailed, match="TLS certificate"):
        run(
            fetch(
                ip_server.url(f"/to?url={target}"),
                allow=[ip_server.allow, name_server.allow],
                ca_bundle=certs.ca,
            )
        )
    assert len(name_server.requests) == before


def test_stalled_handshake_hits_the_total_deadline(
    certs: Certificates, stalling_listener: socket.socket
) -> None:
    port = stalling_listener.getsockname()[1]
    with pytest.raises(Timeout, match=r"within 0\.3 s"):
        run(
            fetch(f"https://127.0.0.1:{port}/", allow=[f"127.0.0.1:{port}"], deadline=0.3, ca_bundle=certs.ca)
        )


def test_plain_http_server_on_an_https_url_fails_clearly(certs: Certificates) -> None:
    """A server answering the ClientHello with HTTP text: a handshake error, not a hang or a crash."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def answer_in_plain_http() -> None:
            conn, _ = listener.accept()
            with conn:
                conn.recv(4096)
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

        thread = threading.Thread(target=answer_in_plain_http, daemon=True)
        thread.start()
        with pytest.raises(
            ConnectFailed, match=r"TLS handshake with 127\.0\.0\.1:\d+ failed: wrong version number"
        ):
            run(fetch(f"https://127.0.0.1:{port}/", allow=[f"127.0.0.1:{port}"], ca_bundle=certs.ca))
        thread.join()


# --- the SSRF guard still applies -------------------------------------------------------------


def test_https_to_loopback_needs_the_allowlist(certs: Certificates, ip_server: TLSServer) -> None:
    before = ip_server.connections
    with pytest.raises(BlockedAddress, match="loopback"):
        run(fetch(ip_server.url("/feed.xml"), ca_bundle=certs.ca))
    assert ip_server.connections == before


def test_https_name_resolving_to_loopback_is_refused(certs: Certificates, ip_server: TLSServer) -> None:
    before = ip_server.connections
    with pytest.raises(BlockedAddress, match=r"resolves to 127\.0\.0\.1"):
        run(
            fetch(
                f"https://feeds.test:{ip_server.port}/feed.xml",
                resolver=loopback_resolver("feeds.test"),
                ca_bundle=certs.ca,
            )
        )
    assert ip_server.connections == before


def test_https_redirect_to_a_loopback_alias_is_refused(
    certs: Certificates, ip_server: TLSServer, alias_server: TLSServer
) -> None:
    target = alias_server.url("/feed.xml")
    with pytest.raises(BlockedAddress, match=r"127\.0\.0\.2"):
        run(fetch(ip_server.url(f"/to?url={target}"), allow=[ip_server.allow], ca_bundle=certs.ca))
    assert alias_server.connections == 0
