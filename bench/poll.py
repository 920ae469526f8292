"""Polling speed: Gazette's Runner vs. lemon24's reader, on the same 2,000 feeds served from loopback.

Run: .venv/bin/python bench/poll.py [--feeds N] [--ports P] [--concurrency C] [--reader-workers W]

A separate process serves N feeds (default 2,000) of 20 full-content RSS 2.0
entries each from P ports on 127.0.0.1 (default 20, i.e. 100 feeds a port):
pre-rendered, pre-gzipped bytes from memory, HTTP/1.1 keep-alive, ETag and
304. Each client polls every feed twice into a fresh SQLite database: a first
pass where everything is new, and a second where every answer is 304. The
table gives feeds/s for both and Gazette's ratio over reader.

Gazette's fetcher limits concurrent requests per origin (2 by default), and all
2,000 feeds sit on 20 origins of 127.0.0.1; 2,000 real feeds sit on many hosts,
so the benchmark lifts that limit to the runner's concurrency (reader has no
per-host limit at all). Both clients get the same concurrency: reader's
``update_feeds`` runs as many workers as Gazette's runner runs polls.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ENTRIES = 20
HOST = "127.0.0.1"
PARAGRAPHS = (
    "The council voted {n} to {m} on Tuesday evening to approve the revised budget, ending a debate "
    "that had stretched across three sessions and drawn more than two hundred residents to the hall.",
    "Supporters said the plan protects the library and the night bus routes while keeping the property "
    "tax rate flat; opponents argued that it leans on a one-time transfer from the reserve fund.",
    "\u201cWe listened, and we changed the numbers where people told us they mattered,\u201d said the "
    "council's finance chair, who added that a mid-year review would follow in <em>September</em>.",
    "The budget now goes to the mayor, who has ten days to sign it. A spokesperson said the office "
    'would <a href="https://example.org/statement">publish a statement</a> once staff had reviewed it.',
    "Earlier in the meeting, members heard an update on the harbour dredging project, which is running "
    "about six weeks behind schedule because of a shortage of specialised equipment.",
)


# --- the feed server (runs in its own process) ---------------------------------------------------


def feed_path(index: int) -> str:
    return f"/feeds/{index}.xml"


def feed_etag(index: int) -> str:
    return f'"feed-{index}-v1"'


def render_feed(index: int, port: int) -> bytes:
    """One realistic RSS 2.0 feed: 20 full-content entries with unique GUIDs and links."""
    base = datetime(2026, 11, 20, 8, 0, tzinfo=UTC) + timedelta(minutes=index)
    items = []
    for number in range(ENTRIES):
        link = f"http://{HOST}:{port}/news/{index}/{number}.html"
        paragraphs = "".join(
            f"<p>{text.format(n=number + 5, m=index % 7)}</p>\n"
            for text in PARAGRAPHS[number % 2 :] + PARAGRAPHS[: number % 2]
        )
        published = format_datetime(base - timedelta(hours=3 * number), usegmt=True)
        items.append(
            "<item>"
            f"<title>Council story {number} from publisher {index} &amp; friends</title>"
            f"<link>{link}</link>"
            f'<guid isPermaLink="false">urn:bench:{index}:{number}</guid>'
            f"<pubDate>{published}</pubDate>"
            f"<dc:creator>Reporter {number % 5}</dc:creator>"
            f"<category>Local</category>"
            f"<description>{escape(PARAGRAPHS[0].format(n=number, m=index % 7))}</description>"
            f"<content:encoded><![CDATA[{paragraphs}]]></content:encoded>"
            "</item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>Publisher {index}</title><link>http://{HOST}:{port}/</link>"
        f"<description>News from publisher {index}</description>"
        f"{''.join(items)}</channel></rss>"
    ).encode()


class FeedServer(asyncio.Protocol):
    """A minimal HTTP/1.1 server for GET with keep-alive; answers from pre-built bytes."""

    def __init__(self, bodies: dict[str, tuple[bytes, bytes, str]], counts: dict[int, int]) -> None:
        self.bodies = bodies
        self.counts = counts
        self.buffer = b""
        self.transport: Any = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head, self.buffer = self.buffer[:end].decode("latin-1"), self.buffer[end + 4 :]
            self.answer(head)

    def answer(self, head: str) -> None:
        assert self.transport is not None
        request_line, *lines = head.split("\r\n")
        path = request_line.split(" ")[1] if request_line.count(" ") >= 2 else ""
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        status, extra, body = self.route(path, headers)
        self.counts[status] = self.counts.get(status, 0) + 1
        reason = {200: "OK", 304: "Not Modified", 404: "Not Found"}[status]
        lines_out = [f"HTTP/1.1 {status} {reason}", *extra]
        if status != 304:
            lines_out.append(f"Content-Length: {len(body)}")
        self.transport.write(("\r\n".join(lines_out) + "\r\n\r\n").encode("latin-1") + body)
        if headers.get("connection", "").lower() == "close":
            self.transport.close()
            self.transport = None

    def route(self, path: str, headers: dict[str, str]) -> tuple[int, list[str], bytes]:
        if path == "/_stats":
            return 200, ["Content-Type: application/json"], json.dumps(self.counts).encode()
        found = self.bodies.get(path)
        if found is None:
            return 404, ["Content-Type: text/plain"], b"not found"
        plain, packed, etag = found
        cache = [f"ETag: {etag}", "Last-Modified: Fri, 20 Nov 2026 08:00:00 GMT"]
        if headers.get("if-none-match") == etag:
            return 304, cache, b""
        kind = ["Content-Type: application/rss+xml; charset=utf-8", *cache]
        if "gzip" in headers.get("accept-encoding", ""):
            return 200, [*kind, "Content-Encoding: gzip", "Vary: Accept-Encoding"], packed
        return 200, kind, plain


async def serve(feeds: int, ports: int) -> None:
    """Bind ``ports`` ports, print them as one JSON line, then serve until stdin closes."""
    import socket

    sockets = []
    for _ in range(ports):
        sock = socket.socket()
        sock.bind((HOST, 0))
        sock.listen(1024)
        sockets.append(sock)
    numbers = [sock.getsockname()[1] for sock in sockets]
    per_port = -(-feeds // ports)
    bodies: dict[str, tuple[bytes, bytes, str]] = {}
    for index in range(feeds):
        plain = render_feed(index, numbers[index // per_port])
        bodies[feed_path(index)] = (plain, gzip.compress(plain, 6), feed_etag(index))
    counts: dict[int, int] = {}
    loop = asyncio.get_running_loop()
    for sock in sockets:
        await loop.create_server(lambda: FeedServer(bodies, counts), sock=sock)
    print(json.dumps(numbers), flush=True)
    await loop.run_in_executor(None, sys.stdin.read)


# --- the clients -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Served:
    ports: list[int]
    urls: list[str]
    process: subprocess.Popen[str]

    @property
    def allow(self) -> list[str]:
        return [f"{HOST}:{port}" for port in self.ports]

    def counts(self) -> dict[str, int]:
        import urllib.request

        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"http://{HOST}:{self.ports[0]}/_stats", timeout=10) as response:
            counts: dict[str, int] = json.load(response)
        return counts


@contextmanager
def feed_server(feeds: int, ports: int) -> Iterator[Served]:
    command = [sys.executable, __file__, "--serve", "--feeds", str(feeds), "--ports", str(ports)]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # blocks until the server has bound every port
        if not line:
            raise RuntimeError("the feed server did not start")
        numbers: list[int] = json.loads(line)
        per_port = -(-feeds // ports)
        urls = [f"http://{HOST}:{numbers[i // per_port]}{feed_path(i)}" for i in range(feeds)]
        yield Served(numbers, urls, process)
    finally:
        if process.stdin is not None:
            process.stdin.close()
        process.wait(timeout=30)


@dataclass(slots=True)
class Timing:
    first: float
    second: float
    feeds: int
    first_cpu: float = 0.0
    second_cpu: float = 0.0

    def rates(self) -> tuple[float, float]:
        return self.feeds / self.first, self.feeds / self.second

    def cpu_ms_per_feed(self) -> tuple[float, float]:
        """Client CPU (threads and worker processes, not the server's); load distorts it less than wall."""
        return 1000 * self.first_cpu / self.feeds, 1000 * self.second_cpu / self.feeds


def client_cpu() -> float:
    """CPU seconds of this process and of its live worker processes (Gazette parses feeds in one)."""
    total = time.process_time()
    ticks = os.sysconf("SC_CLK_TCK")
    for child in multiprocessing.active_children():
        stat = Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(stat[11]) + int(stat[12])) / ticks  # utime, stime
    return total


def time_gazette(served: Served, db: Path, concurrency: int) -> Timing:
    from gazette.ingest.fetch import Fetcher
    from gazette.models import Feed
    from gazette.runner import Runner
    from gazette.store import Store

    store = Store(f"sqlite:///{db}")
    store.migrate()
    ids = [store.add_feed(Feed(url=url))[0].id for url in served.urls]
    feed_ids = [feed_id for feed_id in ids if feed_id is not None]

    async def one_pass() -> tuple[float, Any]:
        fetcher = Fetcher(allow=served.allow, per_host=concurrency)
        runner = Runner(store, fetcher, concurrency)
        try:
            start, cpu = time.perf_counter(), client_cpu()
            summary = await runner.poll(feed_ids)
            cpu_times.append(client_cpu() - cpu)
            return time.perf_counter() - start, summary
        finally:
            await runner.aclose()

    cpu_times: list[float] = []
    first, summary = asyncio.run(one_pass())
    expected = len(feed_ids) * ENTRIES
    if summary.failed or summary.new != expected:
        raise RuntimeError(f"gazette first pass: {summary.new}/{expected} new, {summary.failed} failed")
    second, summary = asyncio.run(one_pass())
    if summary.not_modified != len(feed_ids):
        raise RuntimeError(f"gazette second pass: {summary.not_modified} not modified of {len(feed_ids)}")
    store.close()
    return Timing(first, second, len(feed_ids), *cpu_times)


def time_reader(served: Served, db: Path, workers: int) -> Timing:
    from reader import make_reader

    reader = make_reader(str(db))
    for url in served.urls:
        reader.add_feed(url)
    start, cpu = time.perf_counter(), time.process_time()
    reader.update_feeds(workers=workers, scheduled=False)
    first, first_cpu = time.perf_counter() - start, time.process_time() - cpu
    entries = reader.get_entry_counts().total
    if entries != len(served.urls) * ENTRIES:
        raise RuntimeError(f"reader first pass stored {entries} entries")
    start, cpu = time.perf_counter(), time.process_time()
    reader.update_feeds(workers=workers, scheduled=False)
    second, second_cpu = time.perf_counter() - start, time.process_time() - cpu
    reader.close()
    return Timing(first, second, len(served.urls), first_cpu, second_cpu)


def status_delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {
        code: after.get(code, 0) - before.get(code, 0) for code in after if after[code] != before.get(code)
    }


def table(gazette: Timing, reader: Timing) -> str:
    g1, g2 = gazette.rates()
    r1, r2 = reader.rates()
    g1c, g2c = gazette.cpu_ms_per_feed()
    r1c, r2c = reader.cpu_ms_per_feed()
    rows = [
        "| pass | Gazette feeds/s | reader feeds/s | Gazette / reader "
        "| CPU ms/feed Gazette | CPU ms/feed reader |",
        "|---|---:|---:|---:|---:|---:|",
        f"| first (all new, {ENTRIES} full-content entries each) | {g1:,.0f} | {r1:,.0f} | {g1 / r1:.1f}x "
        f"| {g1c:.1f} | {r1c:.1f} |",
        f"| second (all 304) | {g2:,.0f} | {r2:,.0f} | {g2 / r2:.1f}x | {g2c:.2f} | {r2c:.2f} |",
    ]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=2000, help="how many feeds to serve (default 2000)")
    parser.add_argument("--ports", type=int, default=20, help="ports to spread them over (default 20)")
    parser.add_argument("--concurrency", type=int, default=32, help="Gazette runner concurrency")
    parser.add_argument(
        "--reader-workers", type=int, help="reader update_feeds workers (default: the same as --concurrency)"
    )
    parser.add_argument("--only", choices=("gazette", "reader"), help="time one client only")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.reader_workers = args.reader_workers or args.concurrency
    if args.serve:
        try:
            import uvloop

            uvloop.install()
        except ImportError:
            pass
        asyncio.run(serve(args.feeds, args.ports))
        return
    warnings.simplefilter("ignore")
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = HOST
    print(f"{args.feeds} feeds x {ENTRIES} entries on {args.ports} ports of {HOST}", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp, feed_server(args.feeds, args.ports) as served:
        results: dict[str, Timing] = {}
        if args.only != "reader":
            before = served.counts()
            results["gazette"] = time_gazette(served, Path(tmp) / "gazette.db", args.concurrency)
            print(f"gazette: {results['gazette']} {status_delta(before, served.counts())}", file=sys.stderr)
        if args.only != "gazette":
            before = served.counts()
            results["reader"] = time_reader(served, Path(tmp) / "reader.sqlite", args.reader_workers)
            print(f"reader: {results['reader']} {status_delta(before, served.counts())}", file=sys.stderr)
    if len(results) == 2:
        print(table(results["gazette"], results["reader"]))
        print(
            f"\nGazette: Runner(concurrency={args.concurrency}), Fetcher(per_host={args.concurrency}); "
            f"reader {_reader_version()}: update_feeds(workers={args.reader_workers}, scheduled=False)"
        )


def _reader_version() -> str:
    import reader

    return str(reader.__version__)


if __name__ == "__main__":
    main()
