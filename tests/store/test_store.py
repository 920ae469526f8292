"""The storage interface, run on both backends (see conftest)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gazette.models import Article, Feed, FeedStatus, Source, User
from gazette.store import Store, StoreError

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def make_article(n: int, title: str, text: str, **extra: object) -> Article:
    values: dict[str, object] = {
        "url": f"https://news.example/{n}",
        "canonical_url": f"https://news.example/{n}",
        "title": title,
        "text": text,
        "html": f"<p>{text}</p>",
        "published": NOW - timedelta(hours=n),
        "fetched": NOW,
        "content_hash": f"h{n}",
    }
    values.update(extra)
    return Article(**values)  # type: ignore[arg-type]


def seeded(store: Store) -> tuple[Source, Feed]:
    source = store.source_for(
        Source(key="https://news.example:443", name="Example News", site_url="https://news.example/")
    )
    feed, created = store.add_feed(Feed(url="https://news.example/feed.xml", source_id=source.id))
    assert created
    return source, feed


def test_sources_are_keyed_by_scheme_host_port(store: Store) -> None:
    first = store.source_for(Source(key="https://a.example:443", name="A", site_url="https://a.example/"))
    again = store.source_for(
        Source(key="https://a.example:443", name="Other name", site_url="https://a.example/x")
    )
    other_port = store.source_for(
        Source(key="https://a.example:8443", name="A2", site_url="https://a.example:8443/")
    )
    assert first.id == again.id and again.name == "A"
    assert other_port.id != first.id
    assert [s.name for s in store.list_sources()] == ["A", "A2"]


def test_feed_round_trip_and_due(store: Store) -> None:
    _, feed = seeded(store)
    assert store.add_feed(Feed(url=feed.url))[1] is False
    assert [f.id for f in store.due_feeds(NOW)] == [feed.id]
    feed.status = FeedStatus.FAILED
    feed.error = "HTTP 503"
    feed.next_poll = NOW + timedelta(hours=1)
    feed.failing_since = NOW
    store.save_feed(feed)
    loaded = store.get_feed(feed.id or 0)
    assert loaded is not None
    assert (loaded.status, loaded.error, loaded.next_poll) == (
        FeedStatus.FAILED,
        "HTTP 503",
        NOW + timedelta(hours=1),
    )
    assert loaded.failing_since is not None and loaded.failing_since.tzinfo is not None
    assert store.due_feeds(NOW) == []
    assert [f.id for f in store.due_feeds(NOW + timedelta(hours=2))] == [feed.id]


def test_entries_are_unique_per_feed_and_articles_by_canonical_url(store: Store) -> None:
    source, feed = seeded(store)
    other_feed, _ = store.add_feed(Feed(url="https://news.example/world.xml", source_id=source.id))
    assert feed.id is not None and other_feed.id is not None
    a1 = make_article(1, "Quake hits city", "A strong earthquake hit the city.", source_id=source.id)
    a2 = make_article(
        2, "Floods recede", "Water levels fell overnight.", source_id=source.id, needs_page=True
    )
    first = store.save_entries(feed.id, [("g1", a1), ("g2", a2)])
    assert (first.new, first.updated, len(first.page_ids)) == (2, 0, 1)
    again = store.save_entries(feed.id, [("g1", a1), ("g2", a2)])
    assert (again.new, again.updated, again.unchanged) == (0, 0, 2)
    # the same article in another feed of the publisher is not duplicated
    cross = store.save_entries(other_feed.id, [("other-guid", a1)])
    assert cross.new == 0
    assert store.stats().articles == 2
    changed = make_article(1, "Quake hits city, dozens hurt", "Updated text.", content_hash="h1b")
    updated = store.save_entries(feed.id, [("g1", changed)])
    assert updated.updated == 1
    stored = store.get_article(first.new_ids[0])
    assert stored is not None and stored.title == "Quake hits city, dozens hurt"


def test_large_entry_batches_are_all_stored(store: Store) -> None:
    _, feed = seeded(store)
    assert feed.id is not None
    entries = [(f"k{i}", make_article(i, f"Title {i}", f"Body {i}")) for i in range(1200)]
    result = store.save_entries(feed.id, entries)
    assert result.new == 1200
    assert store.article_counts_by_feed() == {feed.id: 1200}


def test_page_queue(store: Store) -> None:
    _, feed = seeded(store)
    assert feed.id is not None
    result = store.save_entries(feed.id, [("p", make_article(9, "Teaser", "Short.", needs_page=True))])
    article_id = result.page_ids[0]
    assert [a.id for a in store.articles_needing_page()] == [article_id]
    store.save_page(article_id, "<html><p>Full text</p></html>", "https://news.example/9")
    assert store.articles_needing_page() == []
    assert store.page_html(article_id) == "<html><p>Full text</p></html>"


def test_recent_articles_order_and_aware_times(store: Store) -> None:
    _, feed = seeded(store)
    assert feed.id is not None
    store.save_entries(feed.id, [(str(i), make_article(i, f"T{i}", "x")) for i in (3, 1, 2)])
    recent = store.recent_articles(limit=10)
    assert [a.title for a in recent] == ["T1", "T2", "T3"]
    assert all(a.published is not None and a.published.tzinfo is not None for a in recent)
    assert recent[0].published == NOW - timedelta(hours=1)


CORPUS = [
    (
        "Earthquake strikes coastal city",
        "A magnitude 6.1 earthquake struck the coastal city on Tuesday, officials said.",
    ),
    (
        "Storm floods river towns",
        "Heavy rain flooded several river towns; no earthquake damage was reported.",
    ),
    (
        "Central bank raises rates",
        "The central bank raised interest rates by a quarter point to fight inflation.",
    ),
    ("Election results delayed", "Officials said counting would continue; the election results are delayed."),
]


def search_ids(store: Store, query: str) -> set[str]:
    return {hit.title for hit in store.search(query, limit=50)}


def test_search_syntax_and_snippets(store: Store) -> None:
    source, feed = seeded(store)
    assert feed.id is not None
    entries = [(str(i), make_article(i, t, body, source_id=source.id)) for i, (t, body) in enumerate(CORPUS)]
    store.save_entries(feed.id, entries)
    assert search_ids(store, "earthquake") == {CORPUS[0][0], CORPUS[1][0]}
    assert search_ids(store, "earthquake -flooded") == {CORPUS[0][0]}
    assert search_ids(store, '"interest rates"') == {CORPUS[2][0]}
    assert search_ids(store, '"rates interest"') == set()
    assert search_ids(store, "officials") == {CORPUS[0][0], CORPUS[3][0]}
    assert search_ids(store, "officials source:example") == {CORPUS[0][0], CORPUS[3][0]}
    assert search_ids(store, "officials source:nowhere") == set()
    hits = store.search("inflation")
    assert len(hits) == 1 and "\ue000" in hits[0].snippet and hits[0].source_name == "Example News"


@pytest.mark.parametrize(
    "hostile",
    [
        '"',
        '"unbalanced',
        "*",
        "earth*",
        "NEAR(a b)",
        "a OR b AND",
        "col:val",
        "^x",
        "(",
        ")",
        "'",
        "\\",
        "--",
        "-",
        "%_",
        "\x00",
    ],
)
def test_search_never_fails_on_stray_syntax(store: Store, hostile: str) -> None:
    _, feed = seeded(store)
    assert feed.id is not None
    store.save_entries(feed.id, [("1", make_article(1, *CORPUS[0]))])
    assert isinstance(store.search(hostile), list)


def test_users(store: Store) -> None:
    user = store.add_user(User(username="ada", password_hash="x"))
    assert user.id is not None and user.created is not None
    with pytest.raises(StoreError, match="taken"):
        store.add_user(User(username="ada", password_hash="y"))
    assert store.user_by_name("ada") == user
    assert store.stats().users == 1


def test_purge_keeps_recent_articles(store: Store) -> None:
    _, feed = seeded(store)
    assert feed.id is not None
    old = make_article(1, "Old", "x", published=NOW - timedelta(days=40))
    new = make_article(2, "New", "y", published=NOW - timedelta(days=1))
    store.save_entries(feed.id, [("o", old), ("n", new)])
    assert store.purge_articles(30, now=NOW) == 1
    assert [a.title for a in store.recent_articles()] == ["New"]
    assert search_ids(store, "x") == set()


def test_stats_counts_every_table(store: Store) -> None:
    seeded(store)
    counts = store.stats()
    assert (counts.sources, counts.feeds, counts.articles) == (1, 1, 0)


def test_enrichment_entities_and_quotes(store: Store) -> None:
    from gazette.models import Quote, QuoteKind
    from gazette.store import EntityMention

    source, feed = seeded(store)
    assert feed.id is not None
    ids = store.save_entries(
        feed.id, [(str(i), make_article(i, f"T{i}", "Putin spoke.", source_id=source.id)) for i in (1, 2)]
    ).new_ids
    assert store.articles_to_enrich(version=1) == list(ids)
    putin = EntityMention("vladimir putin", "Vladimir Putin", "PERSON", 2)
    kremlin = EntityMention("kremlin", "Kremlin", "ORG")
    quote = Quote(
        article_id=ids[0],
        text="We won",
        start=0,
        end=6,
        kind=QuoteKind.DIRECT,
        speaker="Vladimir Putin",
        speaker_span=(10, 15),
        cue="said",
    )
    store.save_enrichment(ids[0], 1, {"keywords": ["putin"]}, b"\x00\x01", [putin, kremlin], [quote])
    store.save_enrichment(ids[1], 1, {}, None, [putin])
    assert store.articles_to_enrich(version=1) == []
    assert store.articles_to_enrich(version=2) == list(ids)
    stored = store.enrichment(ids[0])
    assert stored is not None and stored.data == {"keywords": ["putin"]} and stored.vector == b"\x00\x01"
    assert [e.name for e in store.article_entities(ids[0])] == ["Vladimir Putin", "Kremlin"]
    assert store.stats().entities == 2
    quotes = store.article_quotes(ids[0])
    assert len(quotes) == 1 and quotes[0].speaker_span == (10, 15) and quotes[0].kind is QuoteKind.DIRECT
    store.save_enrichment(ids[0], 1, {}, None, [kremlin], [])
    assert store.article_quotes(ids[0]) == []
    assert store.stats().quotes == 0
    store.mark_enrichment_error(ids[1], 1, "model failed")
    assert store.enrichment_failures() == 1


def test_migrations_create_exactly_the_schema(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from gazette.store.schema import metadata

    with store.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    # the full-text index is backend-specific and lives only in the migrations
    relevant = [d for d in differences if "fts" not in str(d) and "search" not in str(d)]
    if store.backend == "sqlite":
        # SQLite does not report the names of column-level foreign keys added by ALTER TABLE
        relevant = [
            d for d in relevant if d[0] not in {"add_fk", "remove_fk"} or _fk_columns(d) != ("duplicate_of",)
        ]
    assert relevant == []


def _fk_columns(difference: tuple[object, ...]) -> tuple[str, ...]:
    constraint = difference[1]
    return tuple(column.name for column in constraint.columns)  # type: ignore[attr-defined]


def test_stories_related_and_entity_views(store: Store) -> None:
    from gazette.store import EntityMention

    source, feed = seeded(store)
    other = store.source_for(Source(key="https://b.example:443", name="B", site_url="https://b.example/"))
    assert feed.id is not None
    ids = store.save_entries(
        feed.id,
        [
            ("1", make_article(1, "Quake A", "x", source_id=source.id)),
            ("2", make_article(2, "Quake B", "y", source_id=other.id)),
            ("3", make_article(3, "Quake copy", "y", source_id=other.id)),
        ],
    ).new_ids
    story_id = store.create_story("Quake", centroid=b"\x01")
    store.assign_story(ids[0], story_id)
    store.assign_story(ids[1], story_id)
    store.assign_story(ids[2], story_id, duplicate_of=ids[1])
    store.update_story(story_id, summary="A quake.", differences=[{"kind": "number"}])
    story = store.get_story(story_id)
    assert story is not None
    assert (story.article_count, story.source_count, story.summary) == (3, 2, "A quake.")
    assert story.differences == [{"kind": "number"}]
    assert story.updated == NOW - timedelta(hours=1)
    assert [a.id for a in store.story_articles(story_id)] == [ids[2], ids[1], ids[0]]
    assert store.get_article(ids[2]).duplicate_of == ids[1]  # type: ignore[union-attr]
    assert [s.id for s in store.top_stories()] == [story_id]
    assert [c[0] for c in store.story_centroids()] == [story_id]

    store.save_related(ids[0], [(ids[1], 0.9), (ids[2], 0.5), (ids[0], 1.0)])
    assert [(r.article.id, r.score) for r in store.related_articles(ids[0])] == [(ids[1], 0.9), (ids[2], 0.5)]

    place = EntityMention("city", "City", "GPE")
    mayor = EntityMention("jane doe", "Jane Doe", "PERSON")
    store.save_enrichment(ids[0], 1, {}, None, [place, mayor])
    store.save_enrichment(ids[1], 1, {}, None, [place])
    city = next(e for e in store.article_entities(ids[0]) if e.name == "City")
    assert city.id is not None
    assert {a.id for a in store.entity_articles(city.id)} == {ids[0], ids[1]}
    assert [(c.entity.name, c.count) for c in store.co_occurring_entities(city.id)] == [("Jane Doe", 1)]
    assert [(c.entity.name, c.count) for c in store.story_entities(story_id)] == [
        ("City", 2),
        ("Jane Doe", 1),
    ]

    second = store.create_story("Quake too")
    store.assign_story(ids[2], second)
    store.update_story(second)
    store.merge_stories(story_id, second)
    assert store.get_story(second) is None
    assert store.get_story(story_id).article_count == 3  # type: ignore[union-attr]
