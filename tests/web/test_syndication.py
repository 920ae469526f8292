"""Atom and RSS feeds over real HTTP: parsed by our own ingest parser, feedparser and lxml."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest
from lxml import etree
from lxml import html as lxml_html

from gazette.config import load_settings
from gazette.extract.sanitize import sanitize_html
from gazette.ingest.feeds import ParsedFeed, parse_feed
from gazette.store import Store
from gazette.web.feeds_out import FeedDocument, FeedEntry, Outlet, atom_feed, http_url, rss_feed
from tests.conftest import TEST_DATA

from .fill import Filled, add_article, add_source

ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
KINDS = ("atom", "rss")
LIVE_MARKUP = {"script", "img", "svg", "iframe", "a", "b", "title-break", "style", "object", "embed"}
MEDIA_TYPES = {"atom": "application/atom+xml", "rss": "application/rss+xml"}


@dataclass(slots=True)
class Fetched:
    response: httpx.Response
    parsed: ParsedFeed
    root: Any


@pytest.fixture
def base_url(tmp_path: Path) -> str:
    """The base URL the live server builds links from (the same settings as the ``web`` fixture)."""
    return load_settings(data_dir=tmp_path / "data").base_url


def fetch(web: httpx.Client, path: str, kind: str, **params: str) -> Fetched:
    """GET a feed and check it parses: strict lxml, feedparser without a bozo flag, and our parser."""
    response = web.get(path, params=params)
    assert response.status_code == 200, (path, response.text)
    assert response.headers["content-type"] == f"{MEDIA_TYPES[kind]}; charset=utf-8"
    root = etree.fromstring(response.content, etree.XMLParser(resolve_entities=False, no_network=True))
    assert feedparser.parse(response.content).bozo == 0
    parsed = parse_feed(
        response.content, url=str(response.url), content_type=response.headers["content-type"]
    )
    assert parsed.kind == kind
    return Fetched(response, parsed, root)


def atom_entries(root: Any) -> list[Any]:
    return list(root.iterfind(ATOM + "entry"))


def related_links(fetched: Fetched) -> list[str]:
    return [
        str(link.get("href")) for link in fetched.root.iter(ATOM + "link") if link.get("rel") == "related"
    ]


def test_front_feed_has_one_entry_per_story_with_its_outlets(
    web: httpx.Client, filled: Filled, base_url: str
) -> None:
    for kind in KINDS:
        fetched = fetch(web, f"/feed.{kind}", kind)
        assert [entry.title for entry in fetched.parsed.entries] == ["River bridge closed"]
        entry = fetched.parsed.entries[0]
        assert entry.link == f"{base_url}/stories/{filled.story}"
        assert "Inspectors found cracks in the river bridge" in html.unescape(entry.summary)
        for outlet in ("Harbour Times", "Daily Ledger", "Die Zeitung"):
            assert outlet in entry.summary
        assert entry.updated is not None or entry.published is not None
    atom = fetch(web, "/feed.atom", "atom").root
    contributors = [
        name.text for name in atom.iter(ATOM + "name") if name.getparent().tag == ATOM + "contributor"
    ]
    assert sorted(contributors) == ["Daily Ledger", "Die Zeitung", "Harbour Times"]


def test_latest_feed_entries_match_the_store(
    web: httpx.Client, web_store: Store, filled: Filled, base_url: str
) -> None:
    briefs = web_store.latest_briefs(limit=50)
    names = {source.id: source.name for source in web_store.list_sources()}
    for kind in KINDS:
        fetched = fetch(web, f"/latest.{kind}", kind)
        entries = fetched.parsed.entries
        assert [entry.title for entry in entries] == [brief.title for brief in briefs]
        for entry, brief in zip(entries, briefs, strict=True):
            assert entry.link == f"{base_url}/articles/{brief.id}"
            assert entry.guid == f"{base_url}/articles/{brief.id}"
            assert entry.author == (brief.author or names[brief.source_id])
            assert brief.published is not None and entry.published is not None
            assert abs(entry.published - brief.published) < timedelta(seconds=1)
        by_title = {entry.title: html.unescape(entry.summary) for entry in entries}
        assert "The river bridge closed after inspectors found cracks." in by_title[briefs[0].title]
        assert "Sunny weekend ahead. The body of weather." in by_title["Sunny weekend ahead"]
        assert sorted(related_links(fetched)) == sorted(brief.url for brief in briefs)
    atom = fetch(web, "/latest.atom", "atom").root
    assert atom.find(ATOM + "link[@rel='self']").get("href") == f"{base_url}/latest.atom"
    sources = [element.findtext(ATOM + "title") for element in atom.iter(ATOM + "source")]
    assert sources == [names[brief.source_id] for brief in briefs]
    every_link = [link.get("href") for link in atom.iter(ATOM + "link")]
    assert every_link and all(link.startswith(("http://", "https://")) for link in every_link)
    german = fetch(web, "/latest.atom", "atom", lang="de").parsed.entries
    assert [entry.title for entry in german] == ["Brücke nach Rissen gesperrt"]


def test_source_story_entity_and_search_feeds(web: httpx.Client, web_store: Store, filled: Filled) -> None:
    harbour = filled.sources[0]
    for kind in KINDS:
        titles = [entry.title for entry in fetch(web, f"/sources/{harbour}/feed.{kind}", kind).parsed.entries]
        assert titles == ["Bridge closes after inspectors find cracks", "Sunny weekend ahead"]
    story = fetch(web, f"/stories/{filled.story}/feed.atom", "atom").parsed.entries
    in_store = web_store.story_briefs(filled.story)
    assert [entry.title for entry in story] == [brief.title for brief in reversed(in_store)]
    lonely = fetch(web, f"/stories/{filled.lonely_story}/feed.atom", "atom")
    assert lonely.parsed.entries == []
    ana = fetch(web, f"/entities/{filled.people['ana lopez']}/feed.atom", "atom").parsed.entries
    assert sorted(entry.title for entry in ana) == sorted(
        article.title for article in web_store.entity_articles(filled.people["ana lopez"])
    )
    for kind in KINDS:
        found = fetch(web, f"/search/feed.{kind}", kind, q="cracks").parsed.entries
        hits = web_store.search_page("cracks", limit=50)[0]
        assert [entry.title for entry in found] == [hit.title for hit in hits] and hits
    only_ledger = fetch(web, "/search/feed.atom", "atom", q="bridge", source=str(filled.sources[1]))
    assert {entry.author for entry in only_ledger.parsed.entries} == {"Daily Ledger"}


def test_unknown_records_are_404_and_bad_queries_4xx(web: httpx.Client, filled: Filled) -> None:
    for path in (
        "/sources/999999/feed.atom",
        "/sources/0/feed.rss",
        f"/sources/{'9' * 30}/feed.atom",
        "/stories/999999/feed.atom",
        "/entities/999999/feed.atom",
        "/entities/-1/feed.atom",
    ):
        assert web.get(path).status_code == 404, path
    assert web.get("/feed.json").status_code == 422
    assert web.get("/sources/abc/feed.atom").status_code == 422
    for params in ({}, {"q": ""}, {"q": "   "}, {"q": "x" * 501}, {"q": "a", "from": "2026-13-45"}):
        assert web.get("/search/feed.atom", params=params).status_code == 422, params
    for params in ({"lang": "<script>"}, {"source": "abc"}):
        assert web.get("/latest.atom", params=params).status_code == 422, params
    for query in ('"', "*", "NEAR(", "a AND", "-", "source:", "'", "((", "a OR OR b", "\\", "\x01"):
        response = web.get("/search/feed.atom", params={"q": query})
        assert response.status_code in (200, 422), (query, response.status_code)


def test_conditional_get_answers_304_until_something_changes(
    web: httpx.Client, web_store: Store, filled: Filled
) -> None:
    first = web.get("/latest.atom")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert first.headers["cache-control"].startswith("public")
    again = web.get("/latest.atom", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert web.get("/latest.atom", headers={"If-None-Match": f'"other", W/{etag}'}).status_code == 304
    assert web.get("/latest.atom", headers={"If-Modified-Since": modified}).status_code == 304
    older = format_datetime(datetime.now(UTC) - timedelta(days=1), usegmt=True)
    assert web.get("/latest.atom", headers={"If-Modified-Since": older}).status_code == 200
    assert web.get("/latest.atom", headers={"If-Modified-Since": "not a date"}).status_code == 200
    stale_tag = web.get("/latest.atom", headers={"If-None-Match": '"stale"', "If-Modified-Since": modified})
    assert stale_tag.status_code == 200
    assert web.get("/latest.rss").headers["etag"] != etag
    add_article(web_store, filled.feeds[0], filled.sources[0], "fresh", "A fresh article", 1)
    changed = web.get("/latest.atom", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert "A fresh article" in changed.text
    head = web.head("/latest.atom")
    assert head.status_code == 200 and head.headers["etag"] == changed.headers["etag"]


def test_script_vectors_come_out_as_escaped_text(web: httpx.Client, web_store: Store) -> None:
    vectors = json.loads((TEST_DATA / "web" / "xss.json").read_text(encoding="utf-8"))
    source_id, feed_id = add_source(web_store, "<script>window.__xss=1</script>Evil Source", "evil.example")
    titles = [*vectors["titles"], "Control\x00char\x0bacters\x1f in a title"]
    for index, title in enumerate(titles):
        author = vectors["authors"][index % len(vectors["authors"])]
        body = vectors["bodies"][index % len(vectors["bodies"])]
        article_id = add_article(
            web_store, feed_id, source_id, f"x{index}", title, index + 1, html=sanitize_html(body), text=body
        )
        web_store.save_enrichment(article_id, 1, {"summary": [title, body]} if index % 2 else {}, None)
        if author:
            article = web_store.get_article(article_id)
            assert article is not None
            article.author = author
            web_store.save_article(article)
    story = web_store.create_story(titles[0], created=datetime.now(UTC))
    web_store.assign_story(web_store.latest_briefs(limit=1)[0].id, story)
    web_store.update_story(story, summary=titles[1])
    expected = {title.replace("\x00", "").replace("\x0b", "").replace("\x1f", "") for title in titles}
    for path in (f"/sources/{source_id}/feed", "/feed", f"/stories/{story}/feed", "/search/feed"):
        for kind in KINDS:
            params = {"q": "window"} if path.startswith("/search") else {}
            root = fetch(web, f"{path}.{kind}", kind, **params).root
            assert not [node for node in root.iter() if etree.QName(node).localname in LIVE_MARKUP]
            title_tag = ATOM + "title" if kind == "atom" else "title"
            shown = {
                node.text for node in root.iter(title_tag) if node.getparent().tag in (ATOM + "entry", "item")
            }
            assert shown and {html.unescape(text) if kind == "rss" else text for text in shown} <= expected
            for node in root.iter("title", "description", "source", DC + "creator"):
                fragment = lxml_html.fragment_fromstring(node.text or "", create_parent="div")
                assert {child.tag for child in fragment.iter()} <= {"div", "p"}, node.text


def test_pages_link_to_their_feeds(web: httpx.Client, filled: Filled, base_url: str) -> None:
    pages = {
        "/": "/latest.atom",
        f"/sources/{filled.sources[0]}": f"/sources/{filled.sources[0]}/feed.atom",
        f"/stories/{filled.story}": f"/stories/{filled.story}/feed.atom",
        f"/entities/{filled.people['ana lopez']}": f"/entities/{filled.people['ana lopez']}/feed.atom",
        "/search?q=bridge": "/search/feed.atom?q=bridge",
    }
    for page, feed in pages.items():
        document = lxml_html.fromstring(web.get(page).text)
        alternates = [
            str(link.get("href"))
            for link in document.iterfind(".//head/link[@rel='alternate']")
            if link.get("type") in ("application/atom+xml", "application/rss+xml")
        ]
        assert alternates[0] == base_url + feed, (page, alternates)
        assert f"{base_url}/feed.atom" in alternates
        visible = [
            str(a.get("href")) for a in document.iterfind(".//main//a") if a.get("href", "").endswith(feed)
        ]
        assert visible or page == "/search?q=bridge", page
        for href in alternates:
            assert web.get(href.removeprefix(base_url)).status_code == 200, href
    assert "feed.atom?q=bridge" in web.get("/search?q=bridge").text


def test_builders_drop_unsafe_links_and_keep_text_escaped() -> None:
    when = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    entry = FeedEntry(
        id="https://gazette.example/articles/1",
        title="<b>bold</b> & co",
        link="https://gazette.example/articles/1",
        updated=when,
        summary="First <script>.\n\nSecond.",
        original="javascript:alert(1)",
        outlet=Outlet(
            "A & B", "https://gazette.example/sources/1", "https://gazette.example/sources/1/feed.rss"
        ),
    )
    document = FeedDocument(
        "T", "S", "https://gazette.example/latest.atom", "https://gazette.example/", [entry]
    )
    atom = etree.fromstring(atom_feed(document))
    assert [link.get("rel") for link in atom.iter(ATOM + "link")] == [
        "self",
        "alternate",
        "alternate",
        "alternate",
    ]
    assert atom.find(f"{ATOM}entry/{ATOM}title").text == "<b>bold</b> & co"
    assert atom.findtext(ATOM + "updated") == "2026-11-25T12:00:00Z"
    rss = etree.fromstring(rss_feed(document))
    assert rss.findtext("channel/item/description") == "<p>First &lt;script&gt;.</p><p>Second.</p>"
    assert rss.findtext("channel/item/title") == "&lt;b&gt;bold&lt;/b&gt; &amp; co"
    assert parse_feed(rss_feed(document), url="https://gazette.example/").entries[0].title == entry.title
    assert rss.findtext("channel/item/pubDate") == "Wed, 25 Nov 2026 12:00:00 GMT"
    assert http_url("vbscript:x") is None and http_url("//host/x") is None
    empty = etree.fromstring(
        atom_feed(FeedDocument("T", "", "https://g.example/f", "https://g.example/", []))
    )
    assert empty.findtext(ATOM + "updated") == "1970-01-01T00:00:00Z"
