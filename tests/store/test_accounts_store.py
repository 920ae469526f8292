"""Accounts, sessions, throttles, tokens, reading state and comments in the store, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gazette.models import Article, Comment, CommentStatus, Feed, Role, Source, User
from gazette.store import Store, StoreError

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def user(store: Store, name: str, role: Role = Role.READER) -> int:
    added = store.add_user(User(username=name, password_hash="$argon2id$x", role=role))
    assert added.id is not None
    return added.id


def articles(store: Store, count: int = 2) -> list[int]:
    """``count`` articles in one feed, newest first."""
    source = store.source_for(
        Source(key="https://news.example:443", name="News", site_url="https://news.example/")
    )
    feed, _ = store.add_feed(Feed(url="https://news.example/feed.xml", source_id=source.id))
    assert feed.id is not None
    entries = [
        (
            str(n),
            Article(
                url=f"https://news.example/{n}",
                canonical_url=f"https://news.example/{n}",
                title=f"Title {n}",
                source_id=source.id,
                published=NOW - timedelta(hours=n),
                fetched=NOW,
            ),
        )
        for n in range(count)
    ]
    return list(store.save_entries(feed.id, entries).new_ids)


def test_usernames_are_unique_ignoring_case(store: Store) -> None:
    uid = user(store, "Alice")
    with pytest.raises(StoreError, match="taken"):
        user(store, "alice")
    found = store.user_by_name("ALICE")
    assert found is not None and found.id == uid and found.username == "Alice"
    store.set_role(uid, Role.MODERATOR)
    assert (store.get_user(uid) or pytest.fail("missing")).role is Role.MODERATOR
    assert [u.username for u in store.list_users()] == ["Alice"] and store.count_users() == 1


def test_sessions_expire_and_suspension_ends_them(store: Store) -> None:
    uid = user(store, "bob")
    store.add_session("a" * 64, uid, NOW + timedelta(days=1))
    store.add_session("b" * 64, uid, NOW + timedelta(days=1))
    assert (store.session_user("a" * 64, NOW) or pytest.fail("missing")).username == "bob"
    assert store.session_user("a" * 64, NOW + timedelta(days=2)) is None
    assert store.session_user("c" * 64, NOW) is None
    store.delete_session("a" * 64)
    assert store.session_user("a" * 64, NOW) is None
    store.set_suspended(uid, True)
    assert store.session_user("b" * 64, NOW) is None
    store.set_suspended(uid, False)
    assert store.session_user("b" * 64, NOW) is None
    store.add_session("d" * 64, uid, NOW - timedelta(seconds=1))
    assert store.purge_expired_sessions(NOW) == 1


def test_rate_events_count_within_a_window(store: Store) -> None:
    for minutes in (1, 5, 20):
        store.record_event("login-ip", "127.0.0.1", NOW - timedelta(minutes=minutes))
    assert store.count_events("login-ip", "127.0.0.1", NOW - timedelta(minutes=10)) == 2
    assert store.count_events("login-ip", "::1", NOW - timedelta(minutes=10)) == 0
    assert store.purge_events(NOW - timedelta(minutes=10)) == 1
    store.clear_events("login-ip", "127.0.0.1")
    assert store.count_events("login-ip", "127.0.0.1", NOW - timedelta(days=1)) == 0


def test_api_tokens_are_found_by_hash_and_revocable_only_by_owner(store: Store) -> None:
    owner, other = user(store, "carol"), user(store, "dan")
    token = store.add_api_token(owner, "app", "f" * 64)
    assert (store.user_for_token_hash("f" * 64) or pytest.fail("missing")).id == owner
    assert store.api_tokens(owner)[0].last_used is not None
    assert store.revoke_api_token(other, token.id) is False
    assert store.revoke_api_token(owner, token.id) is True
    assert store.user_for_token_hash("f" * 64) is None


def test_saved_searches_belong_to_their_user(store: Store) -> None:
    owner, other = user(store, "erin"), user(store, "fay")
    saved = store.add_saved_search(owner, "Quakes", "quake -test")
    assert store.saved_searches(other) == []
    assert store.delete_saved_search(other, saved.id) is False
    assert [s.query for s in store.saved_searches(owner)] == ["quake -test"]
    assert store.delete_saved_search(owner, saved.id) is True


def test_reading_state_subscriptions_and_lists(store: Store) -> None:
    uid = user(store, "gus")
    first, second = articles(store)
    assert store.article_state(uid, first) == (False, False)
    assert store.set_article_state(uid, [first, 999_999], read=True) == 1
    store.set_article_state(uid, [second], starred=True)
    assert store.article_state(uid, first) == (True, False)
    assert store.article_state(uid, second) == (False, True)
    assert [b.id for b in store.unread_briefs(uid)] == [second]
    assert [b.id for b in store.starred_briefs(uid)] == [second]
    [feed] = store.list_feeds()
    assert feed.id is not None
    assert store.subscribe_user(uid, feed.id) is True
    assert store.subscribe_user(uid, feed.id) is False
    assert store.subscribe_user(uid, 999_999) is False
    assert [s.feed_id for s in store.user_subscriptions(uid)] == [feed.id]
    assert [b.id for b in store.unread_briefs(uid)] == [second]
    assert store.unsubscribe_user(uid, feed.id) is True


def test_comments_reports_votes_and_counts(store: Store) -> None:
    author, reader = user(store, "hal"), user(store, "ivy")
    [article, _] = articles(store)
    top = store.add_comment(Comment(user_id=author, body="hi", body_html="<p>hi</p>", article_id=article))
    assert top.id is not None
    reply = store.add_comment(
        Comment(user_id=reader, body="yo", body_html="<p>yo</p>", article_id=article, parent_id=top.id)
    )
    assert reply.id is not None
    assert store.comment_counts([article]) == {article: 2}
    assert store.toggle_vote(top.id, reader) is True
    rows = store.thread_comments(article_id=article)
    assert [(r.comment.id, r.username, r.score) for r in rows] == [(top.id, "hal", 1), (reply.id, "ivy", 0)]
    assert store.toggle_vote(top.id, reader) is False
    assert store.report_comment(top.id, reader, "spam") is True
    assert store.report_comment(top.id, reader, "again") is False
    [reported] = store.reported_comments()
    assert (reported.comment.id, reported.reports, reported.reasons) == (top.id, 1, ["spam"])
    assert store.resolve_reports(top.id) == 1 and store.reported_comments() == []
    store.set_comment_status(reply.id, CommentStatus.HELD)
    assert [r.comment.id for r in store.held_comments()] == [reply.id]
    assert store.comment_counts([article]) == {article: 1}
    store.edit_comment(top.id, "hello", "<p>hello</p>", CommentStatus.VISIBLE)
    edited = store.get_comment(top.id)
    assert edited is not None and edited.body == "hello" and edited.edited is not None
    assert store.count_user_comments(author) == 1
    assert store.count_user_comments(author, status=CommentStatus.VISIBLE) == 1


def test_deleting_a_user_keeps_or_erases_their_comments(store: Store) -> None:
    keeper, eraser = user(store, "jo"), user(store, "kay")
    [article, _] = articles(store)
    kept = store.add_comment(
        Comment(user_id=keeper, body="stay", body_html="<p>stay</p>", article_id=article)
    )
    gone = store.add_comment(Comment(user_id=eraser, body="go", body_html="<p>go</p>", article_id=article))
    assert kept.id is not None and gone.id is not None
    store.delete_user(keeper)
    assert store.erase_user_comments(eraser) == 1
    store.delete_user(eraser)
    kept_now, gone_now = store.get_comment(kept.id), store.get_comment(gone.id)
    assert kept_now is not None and kept_now.user_id is None and kept_now.body == "stay"
    assert gone_now is not None and gone_now.status is CommentStatus.DELETED and gone_now.body == ""


def test_audit_log_names_the_actor(store: Store) -> None:
    uid = user(store, "lou", Role.MODERATOR)
    store.add_audit(uid, "hide", "comment", 7, "was visible")
    store.add_audit(None, "import-opml", "feed", None)
    entries = store.audit_entries()
    assert [(e.actor_name, e.action, e.target_id) for e in entries] == [
        (None, "import-opml", None),
        ("lou", "hide", 7),
    ]
