"""Accounts over real HTTP: register, log in and out, sessions, CSRF, throttles, redirects, tokens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lxml import html as lxml_html
from sqlalchemy import select

from gazette.models import Role
from gazette.store.schema import api_tokens, sessions
from gazette.web.auth import CSRF_COOKIE, SESSION_COOKIE, AccountError, create_user, safe_next, token_digest

from .accounts_support import PASSWORD, Site, csrf_from, post_form, running_site


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with running_site(tmp_path, login_failures_per_account=3, login_failures_per_ip=5) as live:
        yield live


def set_cookie_headers(response: httpx.Response) -> list[str]:
    return [value for name, value in response.headers.multi_items() if name == "set-cookie"]


def test_register_logs_in_with_a_hardened_session_cookie(site: Site) -> None:
    client = site.client()
    response = post_form(
        client,
        "/register",
        "/register",
        {"username": "alice", "password": PASSWORD, "password_confirm": PASSWORD, "email": ""},
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = next(h for h in set_cookie_headers(response) if h.startswith(SESSION_COOKIE + "="))
    lowered = cookie.lower()
    assert "httponly" in lowered and "samesite=lax" in lowered and "secure" not in lowered
    profile = client.get("/me")
    assert profile.status_code == 200 and "alice" in profile.text
    assert profile.headers["cache-control"] == "no-store"
    stored = site.store.user_by_name("alice")
    assert stored is not None and stored.password_hash.startswith("$argon2id$")


def test_secure_cookie_under_https_settings(tmp_path: Path) -> None:
    with running_site(tmp_path, secure_cookies=True) as live:
        live.user("bob")
        page = live.client().get("/login")
        csrf_cookie = next(h for h in set_cookie_headers(page) if h.startswith(CSRF_COOKIE + "="))
        assert "secure" in csrf_cookie.lower()
        value = csrf_cookie.split(";", 1)[0].split("=", 1)[1]
        token = lxml_html.fromstring(page.text).xpath("//input[@name='csrf_token']/@value")[0]
        response = httpx.post(
            live.base + "/login",
            data={"csrf_token": token, "username": "bob", "password": PASSWORD},
            headers={"cookie": f"{CSRF_COOKIE}={value}"},
        )
        cookie = next(h for h in set_cookie_headers(response) if h.startswith(SESSION_COOKIE + "="))
        assert "secure" in cookie.lower() and "httponly" in cookie.lower()


@pytest.mark.parametrize(
    ("username", "password", "confirm", "message"),
    [
        ("al", PASSWORD, PASSWORD, "Usernames are"),
        ("alice", "short", "short", "at least 10"),
        ("alice", PASSWORD, PASSWORD + "x", "differ"),
        ("taken", PASSWORD, PASSWORD, "taken"),
        ("<script>", PASSWORD, PASSWORD, "Usernames are"),
    ],
)
def test_register_refuses_bad_accounts(
    site: Site, username: str, password: str, confirm: str, message: str
) -> None:
    site.user("taken")
    client = site.client()
    data = {"username": username, "password": password, "password_confirm": confirm}
    response = post_form(client, "/register", "/register", data)
    assert response.status_code == 400 and message in response.text
    assert "<script>" not in response.text.split("<main", 1)[1]


def test_session_id_changes_on_login_and_old_sessions_end(site: Site) -> None:
    site.user("carol")
    client = site.client()
    client.cookies.set(SESSION_COOKIE, "planted-by-an-attacker", domain="127.0.0.1")
    post_form(client, "/login", "/login", {"username": "carol", "password": PASSWORD})
    first = client.cookies[SESSION_COOKIE]
    assert first != "planted-by-an-attacker"
    post_form(client, "/login", "/login", {"username": "carol", "password": PASSWORD})
    second = client.cookies[SESSION_COOKIE]
    assert second != first
    replay = site.client()
    replay.cookies.set(SESSION_COOKIE, first)
    assert replay.get("/me").status_code == 401
    assert client.get("/me").status_code == 200


def test_logout_ends_the_session_server_side(site: Site) -> None:
    site.user("dave")
    client = site.login("dave")
    token = client.cookies[SESSION_COOKIE]
    response = post_form(client, "/me", "/logout", {})
    assert response.status_code == 303
    replay = site.client()
    replay.cookies.set(SESSION_COOKIE, token)
    assert replay.get("/me").status_code == 401
    with site.store.engine.connect() as conn:
        assert conn.execute(select(sessions)).all() == []


def test_wrong_password_and_unknown_user_look_the_same(site: Site) -> None:
    site.user("erin")
    client = site.client()
    wrong = post_form(client, "/login", "/login", {"username": "erin", "password": "not the password"})
    unknown = post_form(client, "/login", "/login", {"username": "nobody", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong username or password" in wrong.text and "Wrong username or password" in unknown.text


def test_login_throttle_per_account_triggers_and_resets(site: Site) -> None:
    site.user("frank")
    client = site.client()
    for _ in range(3):
        assert (
            post_form(client, "/login", "/login", {"username": "frank", "password": "bad"}).status_code == 401
        )
    blocked = post_form(client, "/login", "/login", {"username": "frank", "password": PASSWORD})
    assert blocked.status_code == 429 and "Too many failed logins" in blocked.text
    site.clock.advance(site.limits.login_window_seconds + 1)
    assert (
        post_form(client, "/login", "/login", {"username": "frank", "password": PASSWORD}).status_code == 303
    )


def test_login_throttle_per_ip_covers_many_accounts(site: Site) -> None:
    site.user("grace")
    client = site.client()
    for n in range(5):
        post_form(client, "/login", "/login", {"username": f"guess{n}", "password": "bad"})
    assert (
        post_form(client, "/login", "/login", {"username": "grace", "password": PASSWORD}).status_code == 429
    )


@pytest.mark.parametrize(
    "target", ["//evil.example/", "/\\evil.example", "https://evil.example/", "/\t/evil"]
)
def test_open_redirects_via_next_are_refused(site: Site, target: str) -> None:
    site.user("heidi")
    client = site.client()
    response = post_form(
        client, "/login", "/login", {"username": "heidi", "password": PASSWORD, "next": target}
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    page = client.get("/login", params={"next": target})
    assert "evil" not in page.text


def test_next_keeps_local_paths() -> None:
    assert safe_next("/articles/1?csort=top#comments") == "/articles/1?csort=top#comments"
    for bad in ("//evil", "/\\evil", "https://evil", "javascript:alert(1)", "", None, "/x\r\nSet-Cookie: a"):
        assert safe_next(bad) == "/"


STATE_CHANGING = [
    ("/register", {"username": "mallory", "password": PASSWORD, "password_confirm": PASSWORD}),
    ("/login", {"username": "ivan", "password": PASSWORD}),
    ("/logout", {}),
    (
        "/me/password",
        {"password": PASSWORD, "new_password": PASSWORD + "2", "password_confirm": PASSWORD + "2"},
    ),
    ("/me/delete", {"password": PASSWORD}),
    ("/me/tokens", {"name": "x"}),
    ("/me/tokens/1/revoke", {}),
    ("/me/searches", {"q": "quake"}),
    ("/me/searches/1/delete", {}),
    ("/me/articles/{article}/star", {}),
    ("/me/read", {"article_id": "{article}"}),
    ("/me/subscriptions/1/subscribe", {}),
    ("/articles/{article}/comments", {"body": "hello"}),
    ("/stories/{story}/comments", {"body": "hello"}),
    ("/comments/1/edit", {"body": "changed"}),
    ("/comments/1/delete", {}),
    ("/comments/1/report", {"reason": "spam"}),
    ("/comments/1/like", {}),
    ("/moderation/comments/1/hide", {}),
    ("/moderation/users/2/suspend", {}),
    ("/admin/feeds", {"url": "http://127.0.0.1:9/feed.xml"}),
    ("/admin/feeds/1/pause", {}),
    ("/admin/users/2/role", {"role": "admin"}),
]


def test_every_state_changing_form_needs_the_right_csrf_token(site: Site) -> None:
    site.user("ivan", Role.ADMIN)
    site.user("judy")
    admin = site.login("ivan")
    real = csrf_from(admin, "/me")
    admin.post(f"/articles/{site.article_id}/comments", data={"csrf_token": real, "body": "first"})
    other = site.client()
    other_token = csrf_from(other, "/login")
    for path, data in STATE_CHANGING:
        url = path.format(article=site.article_id, story=site.story_id)
        values = {key: value.format(article=site.article_id) for key, value in data.items()}
        missing = admin.post(url, data=values)
        wrong = admin.post(url, data={**values, "csrf_token": real[:-4] + "0000"})
        foreign = admin.post(url, data={**values, "csrf_token": other_token})
        assert (missing.status_code, wrong.status_code, foreign.status_code) == (403, 403, 403), url
    assert admin.get("/me").status_code == 200
    assert site.store.user_by_name("mallory") is None


def test_private_pages_need_a_login_and_staff_pages_a_role(site: Site) -> None:
    anonymous = site.client()
    for path in (
        "/me",
        "/me/unread",
        "/me/starred",
        "/me/subscriptions",
        "/moderation",
        "/admin/feeds",
        "/admin/users",
    ):
        assert anonymous.get(path).status_code == 401, path
    site.user("kim")
    reader = site.login("kim")
    for path in ("/moderation", "/admin/feeds", "/admin/users", "/admin/feeds.opml"):
        assert reader.get(path).status_code == 403, path
    site.user("lee", Role.MODERATOR)
    moderator = site.login("lee")
    assert moderator.get("/moderation").status_code == 200
    assert moderator.get("/admin/feeds").status_code == 403


def test_users_cannot_touch_each_others_tokens_or_searches(site: Site) -> None:
    site.user("mia")
    site.user("ned")
    mia, ned = site.login("mia"), site.login("ned")
    created = post_form(mia, "/me", "/me/tokens", {"name": "reader app"})
    assert created.status_code == 200
    token = created.text.split('<code class="token">', 1)[1].split("<", 1)[0]
    assert post_form(mia, "/me", "/me/searches", {"q": "harbor quake", "name": "Quakes"}).status_code == 303
    mia_user = site.store.user_by_name("mia")
    assert mia_user is not None and mia_user.id is not None
    [search] = site.store.saved_searches(mia_user.id)
    [stored_token] = site.store.api_tokens(mia_user.id)
    assert post_form(ned, "/me", f"/me/searches/{search.id}/delete", {}).status_code == 404
    assert post_form(ned, "/me", f"/me/tokens/{stored_token.id}/revoke", {}).status_code == 404
    assert "Quakes" not in ned.get("/me").text and "reader app" not in ned.get("/me").text
    assert site.store.saved_searches(mia_user.id) != []
    with site.store.engine.connect() as conn:
        hashes = [row.token_hash for row in conn.execute(select(api_tokens))]
    assert hashes == [token_digest(token)] and token not in hashes
    owner = site.store.user_for_token_hash(token_digest(token))
    assert owner is not None and owner.username == "mia"
    assert post_form(mia, "/me", f"/me/tokens/{stored_token.id}/revoke", {}).status_code == 303
    assert site.store.user_for_token_hash(token_digest(token)) is None


def test_changing_the_password_ends_other_sessions(site: Site) -> None:
    site.user("olga")
    laptop, phone = site.login("olga"), site.login("olga")
    data = {
        "password": PASSWORD,
        "new_password": "a much newer secret",
        "password_confirm": "a much newer secret",
    }
    assert post_form(laptop, "/me", "/me/password", data).status_code == 303
    assert laptop.get("/me").status_code == 200
    assert phone.get("/me").status_code == 401
    site.login("olga", "a much newer secret")


@pytest.mark.parametrize("choice", ["keep", "delete"])
def test_deleting_an_account_keeps_or_erases_comments(site: Site, choice: str) -> None:
    site.user("pat")
    client = site.login("pat")
    token = csrf_from(client, "/me")
    client.post(f"/articles/{site.article_id}/comments", data={"csrf_token": token, "body": "my words"})
    wrong = post_form(client, "/me", "/me/delete", {"password": "not it", "comments": choice})
    assert wrong.status_code == 400 and site.store.user_by_name("pat") is not None
    assert (
        post_form(client, "/me", "/me/delete", {"password": PASSWORD, "comments": choice}).status_code == 303
    )
    assert site.store.user_by_name("pat") is None
    [row] = site.store.thread_comments(article_id=site.article_id)
    assert row.comment.user_id is None
    page = site.client().get(f"/articles/{site.article_id}/comments").text
    if choice == "keep":
        assert "my words" in page and "deleted user" in page
    else:
        assert "my words" not in page and row.comment.body == ""


def test_create_user_validates_and_refuses_duplicates(site: Site) -> None:
    admin = create_user(site.store, "Root", PASSWORD, Role.ADMIN)
    assert admin.role is Role.ADMIN and admin.id is not None
    with pytest.raises(AccountError, match="taken"):
        create_user(site.store, "root", PASSWORD, Role.READER)
    with pytest.raises(AccountError):
        create_user(site.store, "x", PASSWORD, Role.READER)
    site.login("ROOT")
