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


def test_same_event_coverage_forms_multi_outlet_stories(demo_db: str) -> None:
    store = open_store(demo_db)
    counts = store.stats()
    assert 0 < counts.stories < counts.articles
    multi = store.top_stories(limit=100, min_sources=2)
    assert len(multi) >= 10
    for story in multi[:5]:
        articles = store.story_articles(story.id or 0)
        assert len({a.source_id for a in articles}) == story.source_count >= 2


def test_articles_carry_enrichment_and_related_coverage(demo_db: str) -> None:
    store = open_store(demo_db)
    articles = store.recent_articles(limit=300)
    enriched = [
        a for a in articles if (e := store.enrichment(a.id or 0)) is not None and e.vector is not None
    ]
    assert len(enriched) == len(articles)
    assert store.stats().entities > 100
    assert store.stats().quotes > 50
    with_related = [a for a in articles if store.related_articles(a.id or 0)]
    assert len(with_related) > len(articles) // 2


def test_story_and_related_cli(demo_db: str) -> None:
    store = open_store(demo_db)
    story = store.top_stories(limit=1, min_sources=2)[0]
    shown = subprocess.run(
        [sys.executable, "-m", "gazette", "story", str(story.id), "--json", "--db", demo_db],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(shown.stdout)
    assert data["id"] == str(story.id)
    assert len(data["outlets"]) >= 2
    assert {a["id"] for a in data["articles"]} == {str(a.id) for a in store.story_articles(story.id or 0)}
    article_id = data["articles"][0]["id"]
    related = subprocess.run(
        [sys.executable, "-m", "gazette", "related", article_id, "--json", "--db", demo_db],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(related.stdout)["id"] == article_id


def test_some_stories_show_where_accounts_differ(demo_db: str) -> None:
    stories = open_store(demo_db).top_stories(limit=500)
    differing = [story for story in stories if story.differences]
    assert differing
    for story in differing:
        for difference in story.differences:
            accounts = difference["accounts"]
            assert isinstance(accounts, list)
            assert len({account["source"] for account in accounts}) >= 2


def test_stored_text_is_the_bundled_article_and_nothing_else(demo_db: str) -> None:
    """The sample publishers wrap every article in chrome; none of it may reach the store."""
    from eval.extraction import shingle_f1

    from gazette.demo.site import load_bundled_articles

    bundled = {row["title"]: row["text"] for row in load_bundled_articles()}
    stored = open_store(demo_db).recent_articles(limit=1000)
    assert len(stored) == len(bundled)
    scores = {article.title: shingle_f1(article.text, bundled[article.title]) for article in stored}
    poor = {title: round(score, 3) for title, score in scores.items() if score < 0.95}
    assert poor == {}


def test_stored_stories_match_the_clustering_state(demo_db: str) -> None:
    """After merges and splits, each story row holds exactly the articles the index places in it."""
    from gazette.stories.index import StoryIndex

    store = open_store(demo_db)
    snapshot = store.load_story_index()
    assert snapshot is not None
    index = StoryIndex.restore(snapshot)
    keys = index.story_ids()
    rows = store.story_ids_by_key(keys)
    assert set(rows) == set(keys)
    for key in keys:
        stored = {str(article.id) for article in store.story_articles(rows[key])}
        assert stored == set(index.members(key)), key
