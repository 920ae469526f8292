"""Web throughput: the front and article pages beside a minimal route of the same app, with wrk.

Run: .venv/bin/python bench/web.py [--articles 100000] [--seconds 10] [--connections 64]

Builds the demo database (six sample publishers on loopback), scales it to
``--articles`` by copying demo articles under new ids, URLs and earlier times
(one SQL ``INSERT ... SELECT``), then serves it with uvicorn (1 worker,
uvloop + httptools when installed) in a separate process and points wrk at
three URLs in turn: ``/bench/minimal`` (a tiny plain-text route mounted on the
same app, through the same middleware), ``/`` and ``/articles/{id}``. It runs
twice: with the page micro-cache on (the default) and off, to show what the
cache buys and what rendering costs. Target: each page >= 0.5x the minimal
route's requests/s and p99 < 100 ms, with the cache on.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

HOST = "127.0.0.1"
COPY_COLUMNS = (
    "source_id, feed_id, guid, title, author, published, updated, fetched, language, summary, "
    "text, html, image, content_hash, partial, needs_page, extracted"
)


@dataclass(slots=True)
class Result:
    label: str
    path: str
    rps: float
    p99_ms: float


def build_database(directory: Path, articles: int) -> str:
    """The demo database scaled to ``articles`` rows; returns its URL."""
    from rich.console import Console

    from gazette.config import load_settings
    from gazette.demo.run import prepare_demo

    settings = load_settings(data_dir=directory)
    store, publishers = prepare_demo(settings, fresh=True, console=Console(stderr=True), ports=[0] * 6)
    publishers.stop()
    url = store.url
    started = time.perf_counter()
    scale(store.engine, articles)
    print(f"scaled to {articles:,} articles in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    store.close()
    return settings.resolved_database_url if url.startswith("sqlite") else url


def scale(engine: object, target: int) -> None:
    """Copy the existing articles under new URLs and ids, each copy a week older, until ``target`` rows."""
    from sqlalchemy import Engine, text

    assert isinstance(engine, Engine)
    with engine.begin() as conn:
        base = int(conn.execute(text("SELECT count(*) FROM articles")).scalar_one())
        missing = target - base
        if missing <= 0 or base == 0:
            return
        rounds = -(-missing // base)
        conn.execute(
            text(
                f"""
                WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < :rounds)
                INSERT INTO articles (url, canonical_url, {COPY_COLUMNS})
                SELECT a.url || '#copy-' || n.k, a.canonical_url || '#copy-' || n.k,
                       {
                    COPY_COLUMNS.replace("published", "datetime(a.published, '-' || (n.k * 7) || ' days')")
                    .replace("fetched, ", "datetime(a.fetched, '-' || (n.k * 7) || ' days'), ")
                    .replace("source_id", "a.source_id")
                }
                FROM articles AS a, n
                ORDER BY n.k, a.id
                LIMIT :missing
                """
            ),
            {"rounds": rounds, "missing": missing},
        )


def serve(url: str, port: int, cache_seconds: float) -> None:
    """Run the app (plus /bench/minimal) in this process until killed."""
    import uvicorn
    from fastapi.responses import PlainTextResponse

    from gazette.config import load_settings
    from gazette.store import open_store
    from gazette.web.app import create_app

    settings = load_settings(data_dir=Path(tempfile.mkdtemp(prefix="gazette-bench-web-")))
    app = create_app(settings, open_store(url), cache_seconds=cache_seconds)

    @app.get("/bench/minimal")
    def minimal() -> PlainTextResponse:
        return PlainTextResponse("ok")

    loop = "uvloop" if _installed("uvloop") else "asyncio"
    http = "httptools" if _installed("httptools") else "h11"
    uvicorn.run(
        app, host=HOST, port=port, workers=1, loop=loop, http=http, log_level="warning", access_log=False
    )


def _installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def wait_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the bench server exited")
        try:
            if httpx.get(base + "/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("the bench server did not start")


def run_wrk(url: str, seconds: int, connections: int) -> tuple[float, float]:
    """Requests/s and p99 latency (ms) from one wrk run."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"\s99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return rps, p99


def measure(
    url: str, cache_seconds: float, paths: dict[str, str], seconds: int, connections: int
) -> list[Result]:
    port = free_port()
    base = f"http://{HOST}:{port}"
    command = [sys.executable, __file__, "--serve", url, "--port", str(port), "--cache", str(cache_seconds)]
    process = subprocess.Popen(command)
    try:
        wait_ready(base, process)
        results = []
        for label, path in paths.items():
            assert httpx.get(base + path, timeout=10).status_code == 200, path
            run_wrk(base + path, 2, connections)  # warm-up
            rps, p99 = run_wrk(base + path, seconds, connections)
            results.append(Result(label, path, rps, p99))
        return results
    finally:
        process.terminate()
        process.wait(timeout=10)


def table(title: str, results: list[Result]) -> str:
    minimal = results[0].rps
    lines = [
        f"{title}",
        "",
        "| route | requests/s | p99 (ms) | × minimal | target met |",
        "|---|---:|---:|---:|---|",
    ]
    for result in results:
        ratio = result.rps / minimal if minimal else 0.0
        met = "—" if result is results[0] else ("yes" if ratio >= 0.5 and result.p99_ms < 100 else "no")
        name = f"{result.label} (`{result.path}`)"
        lines.append(f"| {name} | {result.rps:,.0f} | {result.p99_ms:.1f} | {ratio:.2f} | {met} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--database", help="use this SQLite URL instead of building one")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=float, default=10.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.cache)
        return
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    workdir = Path(tempfile.mkdtemp(prefix="gazette-bench-web-"))
    try:
        url = args.database or build_database(workdir, args.articles)
        from gazette.store import open_store

        store = open_store(url)
        count = store.count_articles()
        newest = store.latest_briefs(limit=1)[0].id
        store.close()
        paths = {"minimal": "/bench/minimal", "front page": "/", "article page": f"/articles/{newest}"}
        print(f"{count:,} articles; wrk -t2 -c{args.connections} -d{args.seconds}s; uvicorn 1 worker\n")
        for cache, title in ((10.0, "Page micro-cache on (10 s, the default)"), (0.0, "Page cache off")):
            print(table(f"**{title}**", measure(url, cache, paths, args.seconds, args.connections)))
            print()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
