from __future__ import annotations

from pathlib import Path

import pytest

from gazette.ingest.discover import DiscoveredFeed, candidate_paths, discover_feeds, looks_like_feed

PAGE_URL = "http://127.0.0.1:8101/index.html"


def test_discover_feeds_from_link_tags(test_data: Path) -> None:
    html = (test_data / "feeds" / "page.html").read_bytes()
    assert discover_feeds(html, PAGE_URL) == [
        DiscoveredFeed("http://127.0.0.1:8101/news/feed.xml", "Daily & Nightly RSS", "application/rss+xml"),
        DiscoveredFeed("http://127.0.0.1:8102/atom.xml", "Atom", "application/atom+xml"),
        DiscoveredFeed("http://127.0.0.1:8101/feed.json", None, "application/feed+json"),
        DiscoveredFeed("http://127.0.0.1:8101/all-posts", None, "application/rss+xml"),
    ]


def test_discover_feeds_accepts_text_and_ignores_pages_without_feeds() -> None:
    assert discover_feeds("<html><head><title>x</title></head></html>", PAGE_URL) == []
    assert discover_feeds("", PAGE_URL) == []
    found = discover_feeds('<link rel="alternate" type="application/atom+xml" href="a.xml">', PAGE_URL)
    assert [f.url for f in found] == ["http://127.0.0.1:8101/a.xml"]


def test_candidate_paths() -> None:
    paths = candidate_paths("HTTP://127.0.0.1:8101/some/page?x=1")
    assert paths[0] == "http://127.0.0.1:8101/feed"
    assert "http://127.0.0.1:8101/rss.xml" in paths
    assert "http://127.0.0.1:8101/feeds/posts/default" in paths
    assert "http://127.0.0.1:8101/?feed=rss2" in paths
    assert len(paths) == len(set(paths)) == 9


@pytest.mark.parametrize(
    "name",
    [
        "rss091.xml",
        "rss092.xml",
        "rss10.rdf",
        "rss20.xml",
        "atom10.xml",
        "jsonfeed11.json",
        "jsonfeed10.json",
    ],
)
def test_looks_like_feed_on_feeds(test_data: Path, name: str) -> None:
    assert looks_like_feed((test_data / "feeds" / name).read_bytes(), None)
    assert looks_like_feed((test_data / "feeds" / name).read_bytes(), "text/html")


def test_looks_like_feed_on_other_things(test_data: Path) -> None:
    assert not looks_like_feed((test_data / "feeds" / "page.html").read_bytes(), "text/html")
    assert not looks_like_feed(b"", None)
    assert not looks_like_feed(b'{"name": "not a feed"}', "application/json")
    assert looks_like_feed(b"", "application/rss+xml")  # the server says so


def test_looks_like_feed_reads_utf16() -> None:
    body = "<?xml version='1.0' encoding='utf-16'?><feed xmlns='http://www.w3.org/2005/Atom'/>".encode(
        "utf-16"
    )
    assert looks_like_feed(body, None)
