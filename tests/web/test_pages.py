from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from gazette.config import load_settings
from gazette.models import Article, Feed, Source
from gazette.store import Store

from .conftest import LiveServer
from .fill import Filled


def add_article(store: Store, title: str, html: str, minutes_ago: int) -> int:
    source = store.source_for(
        Source(key="https://pub.example:443", name="Pub & Co", site_url="https://pub.example/")
    )
    feed, _ = store.add_feed(Feed(url="https://pub.example/feed", source_id=source.id))
    assert feed.id is not None
    now = datetime.now(UTC)
    article = Article(
        url=f"https://pub.example/{title}",
        canonical_url=f"https://pub.example/{title}",
        title=title,
        source_id=source.id,
        feed_id=feed.id,
        published=now - timedelta(minutes=minutes_ago),
        fetched=now,
        text="Body text.",
        html=html,
        content_hash=title,
    )
    return store.save_entries(feed.id, [(title, article)]).new_ids[0]


def test_health_checks_the_database(web: httpx.Client) -> None:
    response = web.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "sqlite"}


def test_front_page_lists_articles_with_relative_times(web: httpx.Client, web_store: Store) -> None:
    add_article(web_store, "Older story", "<p>a</p>", 90)
    add_article(web_store, "Newer <b>story</b>", "<p>b</p>", 16)
    page = web.get("/").text
    assert page.index("Newer &lt;b&gt;story&lt;/b&gt;") < page.index("Older story")
    assert "16 minutes ago" in page
    assert "Pub &amp; Co" in page
    assert "<b>story</b>" not in page


def test_article_page_and_404(web: httpx.Client, web_store: Store) -> None:
    article_id = add_article(web_store, "Quake", "<p>The ground shook.</p>", 5)
    page = web.get(f"/articles/{article_id}")
    assert page.status_code == 200
    assert "<p>The ground shook.</p>" in page.text
    assert 'datetime="' in page.text
    assert web.get("/articles/999999").status_code == 404
    assert web.get("/articles/not-a-number").status_code == 422


def test_security_headers(web: httpx.Client) -> None:
    headers = web.get("/").headers
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


def test_front_page_shows_top_stories_then_latest(web: httpx.Client, filled: Filled) -> None:
    page = web.get("/").text
    assert f'href="/stories/{filled.story}"' in page
    assert "River bridge closed" in page
    assert "3 outlets" in page and "4 articles" in page
    assert page.index("Top stories") < page.index("Latest articles")
    assert "A story with no articles" not in page
    assert 'referrerpolicy="no-referrer"' in page and 'loading="lazy"' in page


def test_front_page_filters_by_source_and_language(web: httpx.Client, filled: Filled) -> None:
    ledger = web.get("/", params={"source": filled.sources[1]}).text
    assert "City shuts river bridge" in ledger and "Sunny weekend" not in ledger
    assert "Top stories" not in ledger
    german = web.get("/", params={"lang": "de"}).text
    assert "Brücke nach Rissen gesperrt" in german and "Sunny weekend" not in german
    assert '<option value="de" selected>German</option>' in german
    everything = web.get("/", params={"source": "", "lang": ""})
    assert everything.status_code == 200 and "Sunny weekend" in everything.text


def test_front_page_rejects_bad_parameters(web: httpx.Client) -> None:
    for params in (
        {"source": "abc"},
        {"lang": "<script>"},
        {"page": "0"},
        {"page": "x"},
        {"source": "9" * 40},
    ):
        assert web.get("/", params=params).status_code == 422, params


def test_empty_front_page_has_no_stories_section(web: httpx.Client) -> None:
    page = web.get("/").text
    assert "Top stories" not in page and "No articles yet" in page


def test_article_page_shows_ai_panel_coverage_and_related(web: httpx.Client, filled: Filled) -> None:
    page = web.get(f"/articles/{filled.articles['bridge']}").text
    assert "<h1>Bridge closes after inspectors find cracks</h1>" in page
    assert f'href="/sources/{filled.sources[0]}"' in page and "Harbour Times" in page
    assert 'src="/static/missing-favicon.ico"' in page and 'width="16" height="16"' in page
    assert "Jo Reporter" in page and "16 minutes ago" in page and 'title="' in page
    assert "The river bridge closed after inspectors found cracks." in page
    assert "The mayor closed the bridge" in page
    assert f'<a href="/entities/{filled.people["ana lopez"]}">Ana Lopez</a>' in page
    assert "Organisations" in page and "Places" in page and "Riverton" in page
    assert "We cannot take any risks" in page
    assert f'href="/stories/{filled.story}"' in page and "3 outlets" in page
    related = page[page.index('id="related-heading"') :]
    assert "City shuts river bridge" in related and "Brücke" in related and "Sunny weekend" not in related
    assert '<section id="comments"' in page and ">Comments</h2>" in page
    assert 'href="https://harbour.example/bridge"' in page and "2 minutes read" in page


def test_non_english_article_says_entities_are_english_only(web: httpx.Client, filled: Filled) -> None:
    page = web.get(f"/articles/{filled.articles['bruecke']}").text
    assert "extracted from English articles only" in page and "German" in page
    assert 'lang="de"' in page


def test_story_page_charts_differences_quotes_and_outlets(web: httpx.Client, filled: Filled) -> None:
    page = web.get(f"/stories/{filled.story}").text
    assert "<h1>River bridge closed</h1>" in page
    assert "Inspectors found cracks in the river bridge" in page
    assert page.count("<svg") == 2 and '<title id="timeline-title">' in page
    assert "Articles per outlet: Daily Ledger 2, Die Zeitung 1, Harbour Times 1" in page
    assert "Where accounts differ" in page and "How many cracks" in page
    assert "Inspectors found 40 cracks, officials said." in page and "<strong>40</strong>" in page
    assert "Who said what" in page and "We cannot take any risks" in page
    assert "Also published by 1 other outlet" in page
    assert f'href="/articles/{filled.articles["bridge-copy"]}"' in page


def test_story_without_articles_and_unknown_ids(web: httpx.Client, filled: Filled) -> None:
    assert web.get(f"/stories/{filled.lonely_story}").status_code == 200
    for path in ("/stories/999", "/sources/999", "/entities/999", "/articles/0", "/stories/-1"):
        assert web.get(path).status_code == 404, path
    for path in ("/stories/x", "/sources/1.5", "/entities/99999999999999999999999"):
        assert web.get(path).status_code in (404, 422), path


def test_source_page_lists_articles_feeds_and_counts(web: httpx.Client, filled: Filled) -> None:
    page = web.get(f"/sources/{filled.sources[0]}").text
    assert "Harbour Times" in page and "2 articles" in page and "1 feed" in page
    assert "Sunny weekend ahead" in page and "Harbour Times news" in page


def test_entity_page_shows_quotes_stories_articles_and_neighbours(web: httpx.Client, filled: Filled) -> None:
    page = web.get(f"/entities/{filled.people['ana lopez']}").text
    assert "<h1>Ana Lopez</h1>" in page and "Person" in page
    assert "What Ana Lopez said" in page and "We cannot take any risks" in page
    assert f'href="/stories/{filled.story}"' in page
    assert "City shuts river bridge" in page
    assert "Often mentioned with" in page and "City Council" in page


def test_feeds_page_shows_status_errors_and_next_poll(web: httpx.Client, filled: Filled) -> None:
    page = web.get("/feeds").text
    assert "3 feeds" in page and "HTTP 503 from zeitung.example" in page
    assert "status-failed" in page and "3 failures" in page and "in 30 minutes" in page


def test_search_highlights_filters_and_paginates(web: httpx.Client, filled: Filled) -> None:
    page = web.get("/search", params={"q": "bridge"}).text
    assert "<mark>" in page and "results" in page
    assert f'href="/articles/{filled.articles["bridge"]}"' in page
    german = web.get("/search", params={"q": "gesperrt", "lang": "de"}).text
    assert "1 result" in german
    none = web.get("/search", params={"q": "bridge", "from": "2001-01-01", "to": "2001-01-02"}).text
    assert "0 results" in none and "Nothing found" in none
    markup = web.get("/search", params={"q": "<img src=x>"}).text
    assert "<img src=x>" not in markup


def test_search_rejects_bad_parameters(web: httpx.Client) -> None:
    for params in (
        {"q": "a", "from": "2024-13-45"},
        {"q": "a", "from": "yesterday"},
        {"q": "a", "mode": "magic"},
        {"q": "a" * 501},
        {"q": "a", "page": "0"},
    ):
        assert web.get("/search", params=params).status_code == 422, params
    assert web.get("/search").status_code == 200


def test_page_cache_serves_anonymous_gets_but_not_cookie_holders(web_store: Store, tmp_path: Path) -> None:
    server = LiveServer(load_settings(data_dir=tmp_path / "data"), web_store, cache_seconds=60)
    base = server.start()
    try:
        with httpx.Client(base_url=base, timeout=10) as client:
            assert "No articles yet" in client.get("/").text
            add_article(web_store, "Fresh", "<p>x</p>", 1)
            cached = client.get("/")
            assert "No articles yet" in cached.text
            assert cached.headers["content-security-policy"].startswith("default-src 'self'")
            assert "Fresh" in client.get("/", headers={"cookie": "session=1"}).text
    finally:
        server.stop()


def test_page_cache_answers_a_matching_if_none_match_with_304(web_store: Store, tmp_path: Path) -> None:
    add_article(web_store, "Fresh", "<p>x</p>", 1)
    server = LiveServer(load_settings(data_dir=tmp_path / "data"), web_store, cache_seconds=60)
    base = server.start()
    try:
        with httpx.Client(base_url=base, timeout=10) as client:
            first = client.get("/latest.atom")
            etag = first.headers["etag"]
            cached = client.get("/latest.atom", headers={"if-none-match": etag})
            assert cached.status_code == 304 and cached.content == b""
            assert cached.headers["etag"] == etag
            other = client.get("/latest.atom", headers={"if-none-match": '"something-else"'})
            assert other.status_code == 200 and other.content == first.content
    finally:
        server.stop()
