"""The demo publishers, served for real on 127.0.0.1 and read with httpx + feedparser."""

from __future__ import annotations

import calendar
import json
import re
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser
import httpx
import lxml.html
import pytest

from gazette.demo.profiles import PROFILES, FeedFormat, profile_by_slug
from gazette.demo.publishers import Publisher, RunningPublishers, start_publishers
from gazette.demo.site import load_bundled_articles

WINDOW = timedelta(hours=48)


@pytest.fixture(scope="module")
def started_at() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(scope="module")
def running(started_at: datetime) -> Iterator[RunningPublishers]:
    with start_publishers(now=started_at) as publishers:
        yield publishers


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as http:
        yield http


@pytest.fixture(scope="module")
def bundled() -> list[dict[str, Any]]:
    return load_bundled_articles()


def struct_time_utc(value: time.struct_time) -> datetime:
    return datetime.fromtimestamp(calendar.timegm(value), UTC)


def meta_content(tree: Any, attribute: str, name: str) -> str | None:
    found = tree.xpath(f'//meta[@{attribute}="{name}"]/@content')
    return str(found[0]) if found else None


def feed_entries(client: httpx.Client, publisher: Publisher) -> list[dict[str, Any]]:
    """Entries as ``{id, link, title, author, published, summary, has_content}``, whatever the format."""
    response = client.get(publisher.feed_url)
    assert response.status_code == 200
    if profile_by_slug(publisher.slug).feed_format is FeedFormat.JSON_FEED:
        document = json.loads(response.content)
        return [
            {
                "id": item["id"],
                "link": item["url"],
                "title": item["title"],
                "author": item["authors"][0]["name"],
                "published": datetime.fromisoformat(item["date_published"]),
                "summary": item["summary"],
                "has_content": bool(item.get("content_html")),
            }
            for item in document["items"]
        ]
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return [
        {
            "id": entry.get("id"),
            "link": entry.link,
            "title": entry.title,
            "author": entry.get("author"),
            "published": struct_time_utc(entry.get("published_parsed") or entry.updated_parsed),
            "summary": entry.get("summary"),
            "has_content": "content" in entry,
        }
        for entry in parsed.entries
    ]


@pytest.fixture(scope="module")
def entries(running: RunningPublishers, client: httpx.Client) -> dict[str, list[dict[str, Any]]]:
    """Each running publisher's feed entries, parsed once (feedparser is the slow part)."""
    return {p.slug: feed_entries(client, p) for p in running.publishers}


def normalized(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_at_least_six_publishers_on_distinct_ports(running: RunningPublishers) -> None:
    ports = {p.port for p in running.publishers}
    assert len(running.publishers) >= 6
    assert len(ports) == len(running.publishers)
    assert len({p.name for p in running.publishers}) == len(running.publishers)
    assert running.allow_list() == [f"127.0.0.1:{p.port}" for p in running.publishers]
    for publisher in running.publishers:
        assert publisher.site_url == f"http://127.0.0.1:{publisher.port}/"
        assert publisher.feed_url.startswith(publisher.site_url)


@pytest.mark.parametrize("index", range(len(PROFILES)))
def test_feed_has_recent_entries_linking_to_its_own_site(
    running: RunningPublishers, entries: dict[str, list[dict[str, Any]]], started_at: datetime, index: int
) -> None:
    publisher = running.publishers[index]
    mine = entries[publisher.slug]
    assert len(mine) >= 30
    assert len({e["id"] for e in mine}) == len(mine)
    for entry in mine:
        assert entry["id"]
        assert entry["title"]
        assert entry["author"]
        assert entry["summary"]
        assert started_at - WINDOW <= entry["published"] <= started_at
        assert entry["link"].startswith(publisher.site_url)


def test_feeds_cover_every_format(running: RunningPublishers, client: httpx.Client) -> None:
    versions = set()
    content_by_version: dict[str, set[bool]] = defaultdict(set)
    for publisher in running.publishers:
        body = client.get(publisher.feed_url).content
        if profile_by_slug(publisher.slug).feed_format is FeedFormat.JSON_FEED:
            versions.add("json11")
            continue
        parsed = feedparser.parse(body)
        versions.add(parsed.version)
        content_by_version[parsed.version].add("content" in parsed.entries[0])
    assert {"rss20", "rss10", "atom10", "json11"} <= versions
    assert content_by_version["rss20"] == {True, False}, "want RSS 2.0 with and without content:encoded"


def test_json_feed_is_valid_json_feed_1_1(running: RunningPublishers, client: httpx.Client) -> None:
    (publisher,) = [
        p for p in running.publishers if profile_by_slug(p.slug).feed_format is FeedFormat.JSON_FEED
    ]
    response = client.get(publisher.feed_url)
    assert response.headers["content-type"].startswith("application/feed+json")
    document = json.loads(response.content)
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(document["title"], str)
    assert document["title"]
    assert document["home_page_url"] == publisher.site_url
    assert document["feed_url"] == publisher.feed_url
    assert "author" not in document, "1.1 uses authors, not the deprecated author"
    assert isinstance(document["items"], list)
    assert document["items"]
    for item in document["items"]:
        assert isinstance(item["id"], str)
        assert item["id"]
        assert isinstance(item.get("content_html") or item.get("content_text"), str)
        assert item["url"].startswith(publisher.site_url)
        assert "author" not in item
        assert all(isinstance(a, dict) and a.get("name") for a in item["authors"])
        for key in ("date_published", "date_modified"):
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", item[key])
        if "image" in item:
            assert item["image"].startswith(publisher.site_url)


@pytest.mark.parametrize("index", range(len(PROFILES)))
def test_article_pages_carry_text_metadata_chrome_and_credit(
    running: RunningPublishers,
    client: httpx.Client,
    entries: dict[str, list[dict[str, Any]]],
    bundled: list[dict[str, Any]],
    index: int,
) -> None:
    publisher = running.publishers[index]
    mine = {row["title"]: row for row in bundled if row["publisher"] == publisher.slug}
    for entry in entries[publisher.slug][:3]:
        response = client.get(entry["link"])
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        row = mine[entry["title"]]
        tree = lxml.html.fromstring(response.content)
        page_text = normalized(tree.text_content())
        for paragraph in row["text"].split("\n\n"):
            assert normalized(paragraph) in page_text

        assert tree.get("lang") == "en"
        assert tree.findtext(".//title") == f"{row['title']} | {publisher.name}"

        assert meta_content(tree, "property", "og:title") == row["title"]
        assert meta_content(tree, "property", "og:site_name") == publisher.name
        assert meta_content(tree, "name", "author") == row["author"]
        published = meta_content(tree, "property", "article:published_time")
        assert published is not None
        assert datetime.fromisoformat(published) == entry["published"]
        assert tree.xpath('//link[@rel="canonical"]/@href') == [entry["link"]]
        if row["image"]:
            image_url = meta_content(tree, "property", "og:image")
            assert image_url is not None
            assert image_url == publisher.site_url + row["image"]
            image = client.get(image_url)
            assert image.status_code == 200
            assert image.content.startswith(b"\x89PNG")

        assert re.search(r"\d(\.\d)?k? shares", page_text)
        assert "Advertisement" in page_text
        assert "cookie" in page_text.lower() or "partners store" in page_text
        assert tree.xpath('//*[@id="comments"]')
        assert tree.xpath("//form[@action='/newsletter']") or "newsletter" in response.text
        assert tree.xpath("//nav")
        credit = normalized(" ".join(tree.xpath('//p[@class="source-credit"]//text()')))
        if row["origin"] == "wikinews":
            assert "Wikinews" in credit
            assert row["origin_url"] in credit
        else:
            assert "ECB+" in credit
            assert "Cybulska" in credit
            if row["origin_url"]:
                assert row["origin_url"] in credit


def test_some_publishers_embed_news_article_json_ld(
    running: RunningPublishers, client: httpx.Client, entries: dict[str, list[dict[str, Any]]]
) -> None:
    with_json_ld = 0
    for publisher in running.publishers:
        link = entries[publisher.slug][0]["link"]
        tree = lxml.html.fromstring(client.get(link).content)
        blocks = tree.xpath('//script[@type="application/ld+json"]/text()')
        for block in blocks:
            data = json.loads(block)
            assert data["@type"] == "NewsArticle"
            assert data["mainEntityOfPage"] == link
            with_json_ld += 1
    assert 0 < with_json_ld < len(running.publishers)


@pytest.mark.parametrize("target", ["feed", "page", "home"])
def test_conditional_get_answers_304(
    running: RunningPublishers, client: httpx.Client, entries: dict[str, list[dict[str, Any]]], target: str
) -> None:
    for publisher in running.publishers:
        url = {
            "feed": publisher.feed_url,
            "home": publisher.site_url,
            "page": entries[publisher.slug][0]["link"],
        }[target]
        first = client.get(url)
        etag = first.headers["etag"]
        last_modified = first.headers["last-modified"]
        assert re.fullmatch(r'"[0-9a-f]+"', etag), "a strong ETag"
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == etag
        assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304
        assert client.get(url, headers={"If-None-Match": '"stale"'}).status_code == 200
        stale_date = "Mon, 01 Jan 2001 00:00:00 GMT"
        assert client.get(url, headers={"If-Modified-Since": stale_date}).status_code == 200
        # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
        both = client.get(url, headers={"If-None-Match": '"stale"', "If-Modified-Since": last_modified})
        assert both.status_code == 200


def test_home_page_offers_feed_discovery_and_article_links(
    running: RunningPublishers, client: httpx.Client, entries: dict[str, list[dict[str, Any]]]
) -> None:
    for publisher in running.publishers:
        response = client.get(publisher.site_url)
        assert response.status_code == 200
        tree = lxml.html.fromstring(response.content)
        alternates = tree.xpath('//link[@rel="alternate"]')
        assert [a.get("href") for a in alternates] == [publisher.feed_url]
        assert alternates[0].get("type") in {
            "application/rss+xml",
            "application/atom+xml",
            "application/feed+json",
            "application/rdf+xml",
        }
        article_links = {
            e["link"].removeprefix(publisher.site_url.rstrip("/")) for e in entries[publisher.slug]
        }
        assert len(article_links & set(tree.xpath("//a/@href"))) >= 10


def test_favicon_unknown_paths_and_query_strings(running: RunningPublishers, client: httpx.Client) -> None:
    for publisher in running.publishers:
        favicon = client.get(publisher.site_url + "favicon.ico")
        assert favicon.status_code == 200
        assert favicon.headers["content-type"] == "image/x-icon"
        assert favicon.content[:4] == b"\x00\x00\x01\x00"
        assert client.get(publisher.site_url + "no/such/page.html").status_code == 404
        assert client.get(publisher.site_url + "favicon.ico?v=2").status_code == 200
        assert client.head(publisher.feed_url).status_code == 200


def test_bundle_has_enough_articles_and_shared_events(bundled: list[dict[str, Any]]) -> None:
    assert len(bundled) >= 250
    assert len({row["id"] for row in bundled}) == len(bundled)
    publishers_by_event: dict[str, set[str]] = defaultdict(set)
    short = [row for row in bundled if len(row["text"]) < 400]
    assert len(short) <= 5, "only an event without long reports may bring short ones"
    assert all(row["origin"] == "ecbplus" and len(row["text"]) >= 200 for row in short)
    for row in bundled:
        assert 0 < row["age_minutes"] < 48 * 60
        assert row["origin"] in {"wikinews", "ecbplus"}
        assert row["publisher"] in {p.slug for p in PROFILES}
        if row["event"]:
            publishers_by_event[row["event"]].add(row["publisher"])
    assert sum(len(p) >= 2 for p in publishers_by_event.values()) >= 10
    topics = {event.removesuffix("ecb").removesuffix("plus") for event in publishers_by_event}
    for topic in topics:
        assert f"{topic}ecb" in publishers_by_event
        assert f"{topic}plus" in publishers_by_event


def test_served_articles_cover_shared_events_across_publishers(
    running: RunningPublishers, entries: dict[str, list[dict[str, Any]]], bundled: list[dict[str, Any]]
) -> None:
    event_of = {(row["publisher"], row["title"]): row["event"] for row in bundled}
    publishers_by_event: dict[str, set[int]] = defaultdict(set)
    for publisher in running.publishers:
        for entry in entries[publisher.slug]:
            event = event_of[(publisher.slug, entry["title"])]
            if event:
                publishers_by_event[event].add(publisher.port)
    assert sum(len(ports) >= 2 for ports in publishers_by_event.values()) >= 10


def test_ports_must_match_the_publishers() -> None:
    with pytest.raises(ValueError, match="ports"):
        start_publishers(ports=[0, 0])


def test_publication_times_follow_now(client: httpx.Client) -> None:
    fixed = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    with start_publishers(now=fixed) as running:
        for publisher in running.publishers:
            for entry in feed_entries(client, publisher):
                assert fixed - WINDOW <= entry["published"] <= fixed
                assert (
                    "/2026/11/2" in entry["link"]
                    or "2026-11-2" in entry["link"]
                    or "/wire/" in entry["link"]
                    or "/story/" in entry["link"]
                )
