"""Moderation and administration over real HTTP: the queue, hide/restore/delete, suspension, audit,
reading state, and the admin feed and user pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lxml import html as lxml_html

from gazette.models import CommentStatus, FeedStatus, Role
from gazette.web.auth import SESSION_COOKIE

from .accounts_support import PASSWORD, Site, csrf_from, post_form, running_site


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with running_site(tmp_path) as live:
        yield live


def act(client: httpx.Client, path: str, **data: str) -> httpx.Response:
    return client.post(path, data={"csrf_token": csrf_from(client, "/me"), **data})


def post(client: httpx.Client, site: Site, body: str) -> int:
    response = act(client, f"/articles/{site.article_id}/comments", body=body)
    assert response.status_code == 303
    return int(response.headers["location"].rsplit("#comment-", 1)[1])


def test_reported_comment_goes_through_the_queue(site: Site) -> None:
    alice, bob = site.as_new("alice"), site.as_new("bob")
    moderator = site.as_new("mod", Role.MODERATOR)
    cid = post(alice, site, "something rude")
    act(bob, f"/comments/{cid}/report", reason="insulting <b>me</b>")
    queue = moderator.get("/moderation")
    assert queue.status_code == 200
    page = lxml_html.fromstring(queue.text)
    assert page.xpath(f"//li[@id='queue-{cid}']") and "insulting <b>me</b>" in page.text_content()
    assert not page.xpath("//main//b")

    assert act(moderator, f"/moderation/comments/{cid}/hide").status_code == 303
    assert "something rude" not in bob.get(f"/articles/{site.article_id}/comments").text
    assert "something rude" in moderator.get(f"/articles/{site.article_id}/comments").text
    assert site.store.reported_comments() == []

    assert act(moderator, f"/moderation/comments/{cid}/restore").status_code == 303
    assert "something rude" in bob.get(f"/articles/{site.article_id}/comments").text
    assert act(moderator, f"/moderation/comments/{cid}/delete").status_code == 303
    stored = site.store.get_comment(cid)
    assert stored is not None and stored.status is CommentStatus.DELETED and stored.body == ""

    actions = [(entry.actor_name, entry.action, entry.target_id) for entry in site.store.audit_entries()]
    assert actions == [("mod", "delete", cid), ("mod", "restore", cid), ("mod", "hide", cid)]
    assert "restore" in moderator.get("/moderation").text


def test_held_comments_are_approved_from_the_queue(tmp_path: Path) -> None:
    with running_site(tmp_path, hold_first_comments=True) as live:
        alice = live.as_new("alice")
        moderator = live.as_new("mod", Role.MODERATOR)
        cid = post(alice, live, "my first")
        assert f"queue-{cid}" in moderator.get("/moderation").text
        act(moderator, f"/moderation/comments/{cid}/restore")
        assert "my first" in live.client().get(f"/articles/{live.article_id}/comments").text
        assert post(moderator, live, "staff are never held")
        assert live.store.held_comments() == []


def test_suspension_ends_sessions_and_refuses_login(site: Site) -> None:
    alice = site.as_new("alice")
    moderator = site.as_new("mod", Role.MODERATOR)
    user = site.store.user_by_name("alice")
    assert user is not None
    assert act(moderator, f"/moderation/users/{user.id}/suspend").status_code == 303
    assert alice.get("/me").status_code == 401
    retry = post_form(site.client(), "/login", "/login", {"username": "alice", "password": PASSWORD})
    assert retry.status_code == 403 and "suspended" in retry.text
    act(moderator, f"/moderation/users/{user.id}/reinstate")
    site.login("alice")


def test_moderators_cannot_suspend_staff_or_themselves(site: Site) -> None:
    moderator = site.as_new("mod", Role.MODERATOR)
    site.user("boss", Role.ADMIN)
    other = site.store.user_by_name("boss")
    me = site.store.user_by_name("mod")
    assert other is not None and me is not None
    assert act(moderator, f"/moderation/users/{other.id}/suspend").status_code == 403
    assert act(moderator, f"/moderation/users/{me.id}/suspend").status_code == 403
    assert act(moderator, "/moderation/users/999999/suspend").status_code == 404


def test_readers_cannot_moderate(site: Site) -> None:
    alice, bob = site.as_new("alice"), site.as_new("bob")
    cid = post(alice, site, "mine")
    bob_user = site.store.user_by_name("bob")
    assert bob_user is not None
    assert act(bob, f"/moderation/comments/{cid}/hide").status_code == 403
    assert act(alice, f"/moderation/users/{bob_user.id}/suspend").status_code == 403
    assert act(alice, f"/admin/users/{bob_user.id}/role", role="admin").status_code == 403
    assert (site.store.get_comment(cid) or pytest.fail("missing")).status is CommentStatus.VISIBLE


def test_reading_state_is_per_user(site: Site) -> None:
    alice, bob = site.as_new("alice"), site.as_new("bob")
    article = site.article_id
    assert "Quake hits the harbor" in alice.get("/me/unread").text
    assert act(alice, f"/me/articles/{article}/read").status_code == 303
    assert act(alice, f"/me/articles/{article}/star").status_code == 303
    assert "Quake hits the harbor" not in alice.get("/me/unread").text
    assert "Quake hits the harbor" in alice.get("/me/starred").text
    assert "Quake hits the harbor" in bob.get("/me/unread").text
    assert "Quake hits the harbor" not in bob.get("/me/starred").text
    assert act(alice, "/me/articles/999999/read").status_code == 404

    unread = lxml_html.fromstring(bob.get("/me/unread").text)
    ids = unread.xpath("//form[@action='/me/read']/input[@name='article_id']/@value")
    response = bob.post("/me/read", data={"csrf_token": csrf_from(bob, "/me"), "article_id": ids})
    assert response.status_code == 303
    assert "Nothing here" in bob.get("/me/unread").text
    assert act(bob, f"/me/articles/{article}/unread").status_code == 303
    assert "Quake hits the harbor" in bob.get("/me/unread").text


def test_subscriptions_narrow_unread(site: Site) -> None:
    alice = site.as_new("alice")
    [feed] = site.store.list_feeds()
    assert act(alice, f"/me/subscriptions/{feed.id}/subscribe").status_code == 303
    assert f'action="/me/subscriptions/{feed.id}/unsubscribe"' in alice.get("/me/subscriptions").text
    assert act(alice, "/me/subscriptions/999999/subscribe").status_code == 404
    assert "Floods recede" in alice.get("/me/unread").text


def test_admin_feeds_pause_resume_and_opml(site: Site) -> None:
    admin = site.as_new("root", Role.ADMIN)
    [feed] = site.store.list_feeds()
    assert admin.get("/admin/feeds").status_code == 200
    assert act(admin, f"/admin/feeds/{feed.id}/pause").status_code == 303
    assert (site.store.get_feed(feed.id or 0) or pytest.fail("missing")).status is FeedStatus.PAUSED
    assert act(admin, f"/admin/feeds/{feed.id}/resume").status_code == 303
    assert (site.store.get_feed(feed.id or 0) or pytest.fail("missing")).status is FeedStatus.NEW
    exported = admin.get("/admin/feeds.opml")
    assert exported.status_code == 200 and feed.url in exported.text
    opml = (
        b'<?xml version="1.0"?><opml version="2.0"><head/><body><outline text="World">'
        b'<outline type="rss" text="Other" xmlUrl="https://other.example/feed.xml"/></outline></body></opml>'
    )
    imported = admin.post(
        "/admin/feeds/import",
        data={"csrf_token": csrf_from(admin, "/me")},
        files={"opml": ("feeds.opml", opml, "text/x-opml")},
    )
    assert imported.status_code == 200 and "Imported 1 new feed" in imported.text
    assert {f.url for f in site.store.list_feeds()} == {feed.url, "https://other.example/feed.xml"}
    bad = admin.post(
        "/admin/feeds/import",
        data={"csrf_token": csrf_from(admin, "/me")},
        files={"opml": ("feeds.opml", b"<!DOCTYPE x [<!ENTITY a 'b'>]><opml/>", "text/x-opml")},
    )
    assert bad.status_code == 400


def test_admin_changes_roles_and_is_audited(site: Site) -> None:
    admin = site.as_new("root", Role.ADMIN)
    alice = site.as_new("alice")
    user = site.store.user_by_name("alice")
    root = site.store.user_by_name("root")
    assert user is not None and root is not None
    assert act(admin, f"/admin/users/{user.id}/role", role="moderator").status_code == 303
    assert alice.get("/moderation").status_code == 200
    assert act(admin, f"/admin/users/{root.id}/role", role="reader").status_code == 403
    assert act(admin, f"/admin/users/{user.id}/role", role="emperor").status_code == 422
    assert [entry.action for entry in site.store.audit_entries()] == ["set-role"]


def test_session_cookie_replay_after_suspension_fails(site: Site) -> None:
    alice = site.as_new("alice")
    token = alice.cookies[SESSION_COOKIE]
    user = site.store.user_by_name("alice")
    assert user is not None and user.id is not None
    site.store.set_suspended(user.id, True)
    replay = site.client()
    replay.cookies.set(SESSION_COOKIE, token, domain="127.0.0.1")
    assert replay.get("/me").status_code == 401
