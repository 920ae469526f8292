"""Reader-app queries (credentials, streams, states, folders), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event

from gazette.models import Article, Feed, Source, User
from gazette.store import Store
from gazette.store.readers import Stream, StreamFilter

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def user(store: Store, name: str) -> int:
    added = store.add_user(User(username=name, password_hash="$argon2id$x"))
    assert added.id is not None
    return added.id


def feed_with_articles(store: Store, host: str, count: int) -> tuple[int, list[int]]:
    """A feed at ``host`` holding ``count`` articles, newest first, one hour apart."""
    source = store.source_for(Source(key=f"https://{host}:443", name=host, site_url=f"https://{host}/"))
    feed, _ = store.add_feed(Feed(url=f"https://{host}/feed.xml", source_id=source.id, title=host))
    assert feed.id is not None
    entries = [
        (
            str(n),
            Article(
                url=f"https://{host}/{n}",
                canonical_url=f"https://{host}/{n}",
                title=f"{host} {n}",
                source_id=source.id,
                published=NOW - timedelta(hours=n),
                fetched=NOW,
            ),
        )
        for n in range(count)
    ]
    return feed.id, list(store.save_entries(feed.id, entries).new_ids)


def test_credentials_replace_revoke_and_ignore_suspended_users(store: Store) -> None:
    readers = store
    alice = user(store, "Alice")
    assert readers.reader_password_created(alice) is None
    readers.set_reader_password(alice, "a" * 64, "b" * 64)
    found = readers.user_for_clientlogin("alice", "a" * 64)
    assert found is not None and found.id == alice
    assert readers.user_for_fever_key("b" * 64) is not None
    assert readers.user_for_clientlogin("alice", "c" * 64) is None
    readers.set_reader_password(alice, "c" * 64, "d" * 64)
    assert readers.user_for_clientlogin("alice", "a" * 64) is None
    assert readers.reader_digest(alice) == "c" * 64
    store.set_suspended(alice, True)
    assert readers.user_for_clientlogin("alice", "c" * 64) is None
    assert readers.active_user(alice) is None
    store.set_suspended(alice, False)
    assert readers.revoke_reader_password(alice)
    assert readers.user_for_fever_key("d" * 64) is None and readers.reader_password_created(alice) is None


def test_streams_states_and_paging_per_user(store: Store) -> None:
    readers = store
    alice, bob = user(store, "alice"), user(store, "bob")
    feed_a, ids_a = feed_with_articles(store, "a.example", 3)
    feed_b, ids_b = feed_with_articles(store, "b.example", 2)
    store.subscribe_user(alice, feed_a)
    store.subscribe_user(alice, feed_b)
    store.subscribe_user(bob, feed_a)
    readers.edit_subscription(alice, feed_b, category="Tech", title="Bee")

    everything = readers.stream_ids(alice, Stream("reading-list"), StreamFilter(limit=10))
    assert sorted(everything) == sorted(ids_a + ids_b)
    assert readers.stream_ids(bob, Stream("reading-list"), StreamFilter(limit=10)) == ids_a
    assert readers.stream_ids(alice, Stream("label", label="Tech"), StreamFilter(limit=10)) == ids_b
    assert (
        readers.stream_ids(alice, Stream("feed", feed_id=feed_a), StreamFilter(limit=2, offset=1))
        == ids_a[1:]
    )
    oldest = readers.stream_ids(
        alice, Stream("feed", feed_id=feed_a), StreamFilter(limit=10, oldest_first=True)
    )
    assert oldest == ids_a[::-1]
    recent = StreamFilter(limit=10, newer_than=NOW - timedelta(minutes=30))
    assert readers.stream_ids(alice, Stream("feed", feed_id=feed_a), recent) == ids_a[:1]

    assert readers.set_article_state(alice, [ids_a[0], ids_b[0], 10**9], read=True, starred=True) == 2
    assert readers.set_article_state(alice, [ids_a[0]], starred=False) == 1
    unread = StreamFilter(limit=10, exclude=("read",))
    assert readers.stream_ids(alice, Stream("feed", feed_id=feed_a), unread) == ids_a[1:]
    assert readers.stream_ids(alice, Stream("starred"), StreamFilter(limit=10)) == ids_b[:1]
    assert readers.stream_ids(bob, Stream("read"), StreamFilter(limit=10)) == [], "bob's marks are his own"
    items = {item.id: item for item in readers.items(bob, ids_a)}
    assert not items[ids_a[0]].read
    assert readers.items(alice, [ids_a[0]])[0].read

    counts = readers.unread_counts(alice)
    assert counts[feed_a][0] == 2 and counts[feed_b][0] == 1
    assert (
        readers.mark_stream_read(alice, Stream("feed", feed_id=feed_a), older_than=NOW - timedelta(hours=1))
        == 1
    )
    assert readers.unread_counts(alice)[feed_a][0] == 1
    readers.mark_stream_read(alice, Stream("reading-list"))
    assert all(count == 0 for count, _ in readers.unread_counts(alice).values())
    assert readers.unread_counts(bob)[feed_a][0] == 3


def test_folders_rename_and_dissolve(store: Store) -> None:
    readers = store
    alice, bob = user(store, "alice"), user(store, "bob")
    feed, _ = feed_with_articles(store, "c.example", 1)
    store.subscribe_user(alice, feed)
    store.subscribe_user(bob, feed)
    readers.edit_subscription(alice, feed, category="News")
    readers.edit_subscription(bob, feed, category="News")
    assert readers.rename_folder(alice, "News", "Daily") == 1
    assert readers.folders(alice) == ["Daily"] and readers.folders(bob) == ["News"]
    readers.rename_folder(alice, "Daily", None)
    assert readers.folders(alice) == []
    subs = readers.reader_feeds(alice)
    assert [(s.feed_id, s.category, s.title) for s in subs] == [(feed, None, "c.example")]
    assert not readers.edit_subscription(alice, 10**9, title="x")
    assert readers.feed_id_for_url("https://c.example/feed.xml") == feed


@contextmanager
def statements(store: Store) -> Iterator[list[str]]:
    """The SQL statements ``store`` runs inside the block."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", record)


def shared_article(store: Store, feed_id: int, article_id: int) -> None:
    """Make ``feed_id`` carry the existing article ``article_id`` too (an entry pointing at its URL)."""
    item = store.items(0, [article_id])[0]
    article = Article(
        url=item.url, canonical_url=item.url, title=item.title, published=item.when, fetched=NOW
    )
    store.save_entries(feed_id, [("shared", article)])


def test_unread_counts_are_one_grouped_query_however_many_feeds(store: Store) -> None:
    readers = store
    alice = user(store, "alice")
    feeds = [feed_with_articles(store, f"f{n}.example", n + 1) for n in range(6)]
    for feed_id, _ in feeds:
        store.subscribe_user(alice, feed_id)
    shared_article(store, feeds[0][0], feeds[5][1][0])
    readers.set_article_state(alice, feeds[2][1][:2], read=True)
    readers.edit_subscription(alice, feeds[1][0], category="Pair")
    readers.edit_subscription(alice, feeds[2][0], category="Pair")

    with statements(store) as seen:
        counts = readers.unread_counts(alice)
    assert len(seen) == 1, "one query, not one per subscribed feed"
    expected = {
        feed_id: readers.stream_count(alice, Stream("feed", feed_id=feed_id))
        - len(readers.stream_ids(alice, Stream("feed", feed_id=feed_id), StreamFilter(include=("read",))))
        for feed_id, _ in feeds
    }
    assert {feed_id: count for feed_id, (count, _) in counts.items()} == expected
    assert counts[feeds[0][0]][0] == 2, "its own article and the one it shares"
    assert counts[feeds[0][0]][1] == NOW
    assert counts[feeds[2][0]][0] == 1
    with statements(store) as seen:
        total, newest = readers.unread_total(alice)
        labels = readers.label_unread_counts(alice)
    assert len(seen) == 2
    assert total == sum(range(1, 7)) - 2, "the shared article counts once"
    assert newest == NOW
    assert labels == {"Pair": (2 + 1, NOW)}


def test_item_labels_join_the_folder_of_the_same_name(store: Store) -> None:
    readers = store
    alice, bob = user(store, "alice"), user(store, "bob")
    feed_a, ids_a = feed_with_articles(store, "a.example", 2)
    _, ids_b = feed_with_articles(store, "b.example", 3)
    store.subscribe_user(alice, feed_a)
    store.subscribe_user(bob, feed_a)
    readers.edit_subscription(alice, feed_a, category="Later")

    assert readers.set_labels(alice, [ids_b[1], ids_b[2], 10**9], add=["Later", "Keep"]) == 2
    readers.set_labels(alice, [ids_b[1]], add=["Keep"])
    assert readers.item_labels(alice) == ["Keep", "Later"] and readers.item_labels(bob) == []
    later = readers.stream_ids(alice, Stream("label", label="Later"), StreamFilter(limit=10))
    assert sorted(later) == sorted(ids_a + ids_b[1:]), "the folder's feed and the labelled items"
    assert readers.stream_ids(bob, Stream("label", label="Keep"), StreamFilter(limit=10)) == []
    assert readers.items(alice, [ids_b[1]])[0].labels == ("Keep", "Later")
    assert readers.items(bob, [ids_b[1]])[0].labels == ()
    assert readers.label_unread_counts(alice) == {
        "Keep": (2, NOW - timedelta(hours=1)),
        "Later": (4, NOW),
    }

    readers.set_labels(alice, [ids_b[2]], remove=["Keep"])
    readers.set_labels(alice, [ids_b[1]], add=["Kept"])
    readers.rename_folder(alice, "Keep", "Kept")
    assert readers.item_labels(alice) == ["Kept", "Later"]
    kept = readers.stream_ids(alice, Stream("label", label="Kept"), StreamFilter(limit=10))
    assert kept == [ids_b[1]]
    assert readers.rename_folder(alice, "Later", None) == 1
    assert readers.item_labels(alice) == ["Kept"] and readers.folders(alice) == []
