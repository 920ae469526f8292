"""Feed parsing speed: feedparser alone vs. Gazette's parse_feed (lxml fast path, feedparser fallback).

Run: .venv/bin/python bench/parse.py [FEEDS]
Parses FEEDS (default 200) synthetic RSS 2.0 and Atom feeds of 20 full-content entries each and
prints feeds/s for both; the figure for 2,000 feeds is extrapolated.
"""

from __future__ import annotations

import io
import sys
import time
import warnings

import feedparser

from gazette.ingest import feeds as gazette_feeds

PARAGRAPH = (
    '<p>Lorem ipsum dolor sit amet, <a href="/x">consectetur</a> adipiscing elit, sed do eiusmod '
    "tempor incididunt ut labore et dolore magna aliqua &amp; more.</p>\n"
)


def rss_feed(seed: int, entries: int = 20) -> bytes:
    items = "".join(
        f"<item><title>Title {seed}-{i} &amp; more</title>"
        f"<link>https://example.com/a/{seed}/{i}?utm_source=rss</link><guid>https://example.com/a/{seed}/{i}</guid>"
        f"<pubDate>Mon, 06 Sep 2021 16:45:00 +0200</pubDate><dc:creator>Jane Doe</dc:creator>"
        f"<category>World</category><description><![CDATA[<p>Summary {i}</p>]]></description>"
        f"<content:encoded><![CDATA[{PARAGRAPH * 30}]]></content:encoded></item>"
        for i in range(entries)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<channel><title>Feed {seed}</title><link>https://example.com/</link>{items}</channel></rss>"
    ).encode()


def atom_feed(seed: int, entries: int = 20) -> bytes:
    items = "".join(
        f"<entry><title>Title {seed}-{i}</title><link href='https://example.com/b/{seed}/{i}'/>"
        f"<id>tag:example.com,2024:{seed}-{i}</id><updated>2024-03-06T09:30:00Z</updated>"
        f"<author><name>Jane Doe</name></author><summary>Summary {i}</summary>"
        f"<content type='html'><![CDATA[{PARAGRAPH * 30}]]></content></entry>"
        for i in range(entries)
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        f"<title>Atom {seed}</title><link href='https://example.com/'/><id>urn:x:{seed}</id>"
        f"<updated>2024-03-06T09:30:00Z</updated>{items}</feed>"
    ).encode()


def feeds_per_second(parse: object, bodies: list[bytes]) -> float:
    assert callable(parse)
    start = time.perf_counter()
    for body in bodies:
        parse(body)
    return len(bodies) / (time.perf_counter() - start)


def main() -> None:
    warnings.simplefilter("ignore")
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    bodies = [rss_feed(i) if i % 2 == 0 else atom_feed(i) for i in range(count)]
    url = "https://example.com/feed"
    assert all(gazette_feeds._parse_well_formed(b, url=url, content_type=None) for b in bodies[:2])
    rows = {
        "feedparser.parse (no sanitizing)": lambda b: feedparser.parse(
            io.BytesIO(b), sanitize_html=False, resolve_relative_uris=False
        ),
        "gazette parse_feed, feedparser path": lambda b: gazette_feeds._parse_xml_feed(
            b, url=url, content_type=None
        ),
        "gazette parse_feed (lxml fast path)": lambda b: gazette_feeds.parse_feed(b, url=url),
    }
    print(f"{count} feeds x 20 full-content entries ({sum(map(len, bodies)) // count // 1024} KiB/feed)")
    for name, parse in rows.items():
        rate = feeds_per_second(parse, bodies)
        print(f"{name:40s} {rate:8.1f} feeds/s   {2000 / rate:6.1f} s per 2,000 feeds")


if __name__ == "__main__":
    main()
