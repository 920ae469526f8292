"""Reader-app queries (credentials, streams, states, folders), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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

    assert readers.set_states(alice, [ids_a[0], ids_b[0], 10**9], read=True, starred=True) == 2
    assert readers.set_states(alice, [ids_a[0]], starred=False) == 1
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
