"""Serve the bundled demo publishers, each on its own port of 127.0.0.1.

Standard library only (``ThreadingHTTPServer`` in daemon threads). Each
publisher is a separate origin, so Gazette sees each as its own Source::

    with start_publishers() as running:
        for publisher in running.publishers:
            print(publisher.name, publisher.feed_url)
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar
from urllib.parse import urlsplit

from gazette.demo.profiles import PROFILES, Profile
from gazette.demo.site import Resource, build_site, load_bundled_articles


@dataclass(slots=True)
class Publisher:
    slug: str
    name: str
    host: str
    port: int
    feed_url: str
    site_url: str


def etag_matches(header: str, etag: str) -> bool:
    """``If-None-Match`` uses weak comparison (RFC 9110 13.1.2): ``W/`` prefixes are ignored."""
    candidates = [part.strip() for part in header.split(",")]
    return any(c == "*" or c.removeprefix("W/") == etag for c in candidates)


def not_modified_since(header: str, last_modified: datetime) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return last_modified.replace(microsecond=0) <= since


def is_not_modified(headers: Any, resource: Resource) -> bool:
    """Conditional GET: ``If-None-Match`` wins; ``If-Modified-Since`` only counts without it."""
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        return etag_matches(if_none_match, resource.etag)
    if_modified_since = headers.get("If-Modified-Since")
    if if_modified_since is not None:
        return not_modified_since(if_modified_since, resource.last_modified)
    return False


class PublisherServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], routes: dict[str, Resource]) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, PublisherHandler)
        self.routes = routes


class PublisherHandler(BaseHTTPRequestHandler):
    server: PublisherServer
    server_version = "DemoPublisher/1.0"
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = 256 * 1024
    not_found: ClassVar[bytes] = (
        b"<!DOCTYPE html><html lang=en><title>Not found</title><h1>Page not found</h1>"
    )

    def do_GET(self) -> None:
        self.respond(include_body=True)

    def do_HEAD(self) -> None:
        self.respond(include_body=False)

    def respond(self, include_body: bool) -> None:
        path = urlsplit(self.path).path or "/"
        resource = self.server.routes.get(path)
        if resource is None:
            self.send_body(HTTPStatus.NOT_FOUND, self.not_found, "text/html; charset=utf-8", include_body)
            return
        if is_not_modified(self.headers, resource):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_validators(resource)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(HTTPStatus.OK)
        self.send_validators(resource)
        self.send_header("Content-Type", resource.content_type)
        self.send_header("Content-Length", str(len(resource.body)))
        self.end_headers()
        if include_body:
            self.wfile.write(resource.body)

    def send_validators(self, resource: Resource) -> None:
        self.send_header("ETag", resource.etag)
        self.send_header("Last-Modified", format_datetime(resource.last_modified, usegmt=True))
        self.send_header("Cache-Control", "public, max-age=60")

    def send_body(self, status: HTTPStatus, body: bytes, content_type: str, include_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if include_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the demo must not flood the terminal Gazette's CLI is using."""


class RunningPublishers:
    """The started publishers; a context manager that stops them on exit."""

    def __init__(self, publishers: list[Publisher], servers: list[PublisherServer]) -> None:
        self.publishers = publishers
        self._servers = servers
        self._threads: list[threading.Thread] = []
        for server, publisher in zip(servers, publishers, strict=True):
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"demo-publisher-{publisher.slug}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def allow_list(self) -> list[str]:
        """``host:port`` of every publisher, for Gazette's fetch allowlist (they live on loopback)."""
        return [f"{p.host}:{p.port}" for p in self.publishers]

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join()
        self._servers = []
        self._threads = []

    def __enter__(self) -> RunningPublishers:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def requested_ports(ports: Sequence[int] | None) -> list[int]:
    if ports is None:
        return [0] * len(PROFILES)
    if len(ports) != len(PROFILES):
        raise ValueError(f"need {len(PROFILES)} ports (0 picks a free one), got {len(ports)}")
    return list(ports)


def url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def start_publishers(
    host: str = "127.0.0.1", ports: Sequence[int] | None = None, now: datetime | None = None
) -> RunningPublishers:
    """Start every demo publisher; publication times are ``now`` minus each article's age.

    Ports are bound before this returns, so the sites accept connections at once.
    """
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    rows = load_bundled_articles()
    servers: list[PublisherServer] = []
    publishers: list[Publisher] = []
    try:
        for profile, port in zip(PROFILES, requested_ports(ports), strict=True):
            server = PublisherServer((host, port), {})
            servers.append(server)
            publishers.append(serve_profile(profile, server, host, rows, moment))
    except BaseException:
        for server in servers:
            server.server_close()
        raise
    return RunningPublishers(publishers, servers)


def serve_profile(
    profile: Profile, server: PublisherServer, host: str, rows: list[dict[str, Any]], now: datetime
) -> Publisher:
    port = int(server.server_address[1])
    site_url = f"http://{url_host(host)}:{port}/"
    feed_url = site_url.rstrip("/") + profile.feed_path
    _, routes = build_site(profile, rows, site_url, feed_url, now)
    server.routes = routes
    return Publisher(
        slug=profile.slug, name=profile.name, host=host, port=port, feed_url=feed_url, site_url=site_url
    )
