"""`gazette demo` ingests the sample publishers through the real pipeline."""

from __future__ import annotations

import json
import subprocess
import sys

from gazette.store import open_store


def test_demo_ingests_every_publisher(demo_db: str) -> None:
    counts = open_store(demo_db).stats()
    assert counts.sources >= 6
    assert counts.feeds >= 6
    assert counts.articles >= 150


def test_stats_cli_reports_the_demo_counts(demo_db: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gazette", "stats", "--json", "--db", demo_db],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(result.stdout)
    assert data["articles"] == open_store(demo_db).stats().articles
    assert data["sources"] >= 6


def test_summary_only_feeds_got_their_pages_extracted(demo_db: str) -> None:
    store = open_store(demo_db)
    articles = store.recent_articles(limit=1000)
    assert articles
    assert store.articles_needing_page() == []
    extracted = [a for a in articles if a.extracted]
    assert len(extracted) >= 40
    assert all(len(a.text) > 200 for a in extracted)


def test_sources_point_at_their_publishers_favicons(demo_db: str) -> None:
    import httpx

    for source in open_store(demo_db).list_sources():
        assert source.favicon_url is not None
        assert source.favicon_url.startswith(source.key + "/")
        assert httpx.get(source.favicon_url, timeout=10).status_code == 200
