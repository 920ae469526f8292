"""The Google Reader API over HTTP, against a real server and real rows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from lxml import etree

from gazette.models import User
from gazette.store import Store
from gazette.web.auth import create_user, use_password_hasher
from gazette.web.readers.credentials import clientlogin_digest, fever_api_key, fever_digest
from gazette.web.readers.greader_format import ProtocolError, long_item_id, parse_item_id

from .accounts_support import CHEAP_ARGON2ID, PASSWORD, csrf_from, post_form, running_site
from .fill import Filled

API = "/api/greader/reader/api/0"
READ = "user/-/state/com.google/read"
STARRED = "user/-/state/com.google/starred"
READING_LIST = "user/-/state/com.google/reading-list"


@dataclass
class Reader:
    user: User
    password: str
    auth: dict[str, str]
    token: str


def add_reader(store: Store, name: str, app_password: str) -> User:
    use_password_hasher(CHEAP_ARGON2ID)
    user = create_user(store, name, PASSWORD)
    assert user.id is not None
    key = fever_api_key(user.username, app_password)
    store.set_reader_password(user.id, clientlogin_digest(app_password), fever_digest(key))
    return user


def login(web: httpx.Client, name: str, password: str) -> Reader | None:
    response = web.post("/api/greader/accounts/ClientLogin", data={"Email": name, "Passwd": password})
    if response.status_code != 200:
        return None
    lines = dict(line.split("=", 1) for line in response.text.strip().splitlines())
    auth = {"Authorization": f"GoogleLogin auth={lines['Auth']}"}
    token = web.get(f"{API}/token", headers=auth)
    assert token.status_code == 200
    return Reader(User(username=name, password_hash=""), password, auth, token.text)


@pytest.fixture
def alice(web_store: Store, filled: Filled, web: httpx.Client) -> Reader:
    user = add_reader(web_store, "alice", "alice-app-password-123456")
    assert user.id is not None
    web_store.subscribe_user(user.id, filled.feeds[0])
    web_store.subscribe_user(user.id, filled.feeds[1])
    web_store.edit_subscription(user.id, filled.feeds[0], category="News")
    reader = login(web, "alice", "alice-app-password-123456")
    assert reader is not None
    reader.user = user
    return reader


@pytest.fixture
def bob(web_store: Store, filled: Filled, web: httpx.Client) -> Reader:
    user = add_reader(web_store, "bob", "bob-app-password-1234567")
    assert user.id is not None
    web_store.subscribe_user(user.id, filled.feeds[0])
    reader = login(web, "bob", "bob-app-password-1234567")
    assert reader is not None
    reader.user = user
    return reader


def ids_of(response: httpx.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [parse_item_id(item["id"]) for item in response.json()["items"]]


def test_item_ids_round_trip() -> None:
    assert long_item_id(255) == "tag:google.com,2005:reader/item/00000000000000ff"
    assert parse_item_id(long_item_id(255)) == 255
    assert parse_item_id("255") == parse_item_id("0xff") == 255
    for bad in ("", "abc", "0", "tag:google.com,2005:reader/item/zz", str(2**70)):
        with pytest.raises(ProtocolError):
            parse_item_id(bad)


def test_clientlogin_takes_only_the_reader_app_password(web: httpx.Client, alice: Reader) -> None:
    assert login(web, "alice", PASSWORD) is None, "the web password must not work on the API"
    assert login(web, "alice", "wrong") is None
    assert login(web, "nobody", "alice-app-password-123456") is None
    assert login(web, "ALICE", "alice-app-password-123456") is not None
    refused = web.post("/api/greader/accounts/ClientLogin", data={"Email": "alice", "Passwd": "x"})
    assert refused.status_code == 401 and "BadAuthentication" in refused.text


def test_requests_without_valid_auth_are_refused(web: httpx.Client, alice: Reader) -> None:
    assert web.get(f"{API}/subscription/list").status_code == 401
    bad = {"Authorization": "GoogleLogin auth=1/deadbeef"}
    assert web.get(f"{API}/subscription/list", headers=bad).status_code == 401
    assert web.get(f"{API}/subscription/list", headers={"Authorization": "Bearer x"}).status_code == 401
    no_token = web.post(f"{API}/edit-tag", headers=alice.auth, data={"i": "1", "a": READ})
    assert no_token.status_code == 401
    wrong_token = web.post(f"{API}/edit-tag", headers=alice.auth, data={"i": "1", "a": READ, "T": "x" * 57})
    assert wrong_token.status_code == 401


def test_user_info_subscriptions_tags_and_export(web: httpx.Client, alice: Reader, filled: Filled) -> None:
    info = web.get(f"{API}/user-info", headers=alice.auth).json()
    assert info["userName"] == "alice" and info["userId"] == str(alice.user.id)
    subs = web.get(f"{API}/subscription/list", params={"output": "json"}, headers=alice.auth).json()
    by_id = {sub["id"]: sub for sub in subs["subscriptions"]}
    assert set(by_id) == {f"feed/{filled.feeds[0]}", f"feed/{filled.feeds[1]}"}
    news = by_id[f"feed/{filled.feeds[0]}"]
    assert news["categories"] == [{"id": "user/-/label/News", "label": "News"}]
    assert news["url"] == "https://harbour.example/feed.xml" and news["title"] == "Harbour Times news"
    tags = web.get(f"{API}/tag/list", headers=alice.auth).json()["tags"]
    assert {"id": "user/-/label/News", "type": "folder"} in tags and {"id": STARRED} in tags
    opml = web.get(f"{API}/subscription/export", headers=alice.auth)
    root = etree.fromstring(opml.content)
    assert root.xpath("//outline[@title='News']/outline/@xmlUrl") == ["https://harbour.example/feed.xml"]


def test_streams_paging_and_filters(web: httpx.Client, alice: Reader, filled: Filled) -> None:
    a = filled.articles
    newest_first = [a["bridge"], a["bridge-copy"], a["bridge-ledger"], a["weather"]]
    everything = web.get(f"{API}/stream/contents/{READING_LIST}", params={"n": 50}, headers=alice.auth)
    assert ids_of(everything) == newest_first, "the German feed is not subscribed"
    item = everything.json()["items"][0]
    assert item["title"] == "Bridge closes after inspectors find cracks"
    assert item["origin"]["streamId"] == f"feed/{filled.feeds[0]}"
    assert "Ana Lopez" in item["summary"]["content"] and item["author"] == "Jo Reporter"
    assert item["alternate"][0]["href"] == "https://harbour.example/bridge"
    assert "user/-/label/News" in item["categories"] and READ not in item["categories"]

    first = web.get(f"{API}/stream/contents/{READING_LIST}", params={"n": 3}, headers=alice.auth)
    assert ids_of(first) == newest_first[:3]
    rest = web.get(
        f"{API}/stream/contents/{READING_LIST}",
        params={"n": 3, "c": first.json()["continuation"]},
        headers=alice.auth,
    )
    assert ids_of(rest) == newest_first[3:] and "continuation" not in rest.json()
    oldest = web.get(f"{API}/stream/contents/{READING_LIST}", params={"r": "o", "n": 50}, headers=alice.auth)
    assert ids_of(oldest) == newest_first[::-1]
    label = web.get(f"{API}/stream/contents/user/-/label/News", headers=alice.auth)
    assert ids_of(label) == [a["bridge"], a["weather"]]
    by_feed = web.get(f"{API}/stream/contents/feed/{filled.feeds[1]}", headers=alice.auth)
    assert ids_of(by_feed) == [a["bridge-copy"], a["bridge-ledger"]]
    by_url = web.get(f"{API}/stream/contents/feed/https://ledger.example/feed.xml", headers=alice.auth)
    assert ids_of(by_url) == [a["bridge-copy"], a["bridge-ledger"]]
    item_time = everything.json()["items"][1]["timestampUsec"]
    newer = web.get(
        f"{API}/stream/contents/{READING_LIST}", params={"ot": int(item_time) // 10**6}, headers=alice.auth
    )
    assert ids_of(newer) == newest_first[:2]


def test_edit_tag_states_and_unread_counts(web: httpx.Client, alice: Reader, filled: Filled) -> None:
    a = filled.articles
    form = {"T": alice.token, "i": [long_item_id(a["bridge"]), str(a["weather"])], "a": [READ, STARRED]}
    assert web.post(f"{API}/edit-tag", headers=alice.auth, data=form).text == "OK"
    starred = web.get(f"{API}/stream/contents/{STARRED}", headers=alice.auth)
    assert ids_of(starred) == [a["bridge"], a["weather"]]
    unread = web.get(
        f"{API}/stream/items/ids", params={"s": READING_LIST, "xt": READ, "n": 100}, headers=alice.auth
    ).json()
    assert [int(ref["id"]) for ref in unread["itemRefs"]] == [a["bridge-copy"], a["bridge-ledger"]]
    counts = {
        row["id"]: row["count"]
        for row in web.get(f"{API}/unread-count", headers=alice.auth).json()["unreadcounts"]
    }
    assert counts[f"feed/{filled.feeds[0]}"] == 0 and counts[f"feed/{filled.feeds[1]}"] == 2
    assert counts[READING_LIST] == 2 and counts["user/-/label/News"] == 0
    keep = {"T": alice.token, "i": str(a["weather"]), "r": READ, "a": "user/-/state/com.google/kept-unread"}
    web.post(f"{API}/edit-tag", headers=alice.auth, data=keep)
    read_now = web.get(f"{API}/stream/contents/{READ}", headers=alice.auth)
    assert ids_of(read_now) == [a["bridge"]]
    contents = web.post(
        f"{API}/stream/items/contents", headers=alice.auth, data={"T": alice.token, "i": [str(a["bridge"])]}
    )
    assert ids_of(contents) == [a["bridge"]]
    assert set(contents.json()["items"][0]["categories"]) >= {READ, STARRED}


def test_mark_all_as_read_respects_ts(web: httpx.Client, alice: Reader, filled: Filled) -> None:
    a = filled.articles
    items = web.get(f"{API}/stream/contents/feed/{filled.feeds[1]}", headers=alice.auth).json()["items"]
    newer_usec = int(items[0]["timestampUsec"])
    form = {"T": alice.token, "s": f"feed/{filled.feeds[1]}", "ts": str(newer_usec)}
    assert web.post(f"{API}/mark-all-as-read", headers=alice.auth, data=form).text == "OK"
    read = web.get(f"{API}/stream/items/ids", params={"s": READ}, headers=alice.auth).json()["itemRefs"]
    assert [int(ref["id"]) for ref in read] == [a["bridge-ledger"]], "only items older than ts"
    web.post(f"{API}/mark-all-as-read", headers=alice.auth, data={"T": alice.token, "s": READING_LIST})
    counts = web.get(f"{API}/unread-count", headers=alice.auth).json()
    assert counts["max"] == 0


def test_subscription_edit_quickadd_and_folders(web: httpx.Client, alice: Reader, filled: Filled) -> None:
    feed = f"feed/{filled.feeds[1]}"
    edit = {"T": alice.token, "ac": "edit", "s": feed, "t": "The Ledger", "a": "user/-/label/Money"}
    assert web.post(f"{API}/subscription/edit", headers=alice.auth, data=edit).text == "OK"
    subs = {
        s["id"]: s for s in web.get(f"{API}/subscription/list", headers=alice.auth).json()["subscriptions"]
    }
    assert subs[feed]["title"] == "The Ledger" and subs[feed]["categories"][0]["label"] == "Money"
    rename = {"T": alice.token, "s": "user/-/label/Money", "dest": "user/-/label/Finance"}
    assert web.post(f"{API}/rename-tag", headers=alice.auth, data=rename).text == "OK"
    tags = [t["id"] for t in web.get(f"{API}/tag/list", headers=alice.auth).json()["tags"]]
    assert "user/-/label/Finance" in tags and "user/-/label/Money" not in tags
    disable = {"T": alice.token, "s": "user/-/label/Finance"}
    assert web.post(f"{API}/disable-tag", headers=alice.auth, data=disable).text == "OK"
    unsubscribe = {"T": alice.token, "ac": "unsubscribe", "s": feed}
    assert web.post(f"{API}/subscription/edit", headers=alice.auth, data=unsubscribe).text == "OK"
    subs = {
        s["id"]: s for s in web.get(f"{API}/subscription/list", headers=alice.auth).json()["subscriptions"]
    }
    assert feed not in subs
    added = web.post(
        f"{API}/subscription/quickadd",
        headers=alice.auth,
        data={"T": alice.token, "quickadd": "https://zeitung.example/feed.xml"},
    )
    assert added.json()["streamId"] == f"feed/{filled.feeds[2]}"
    unknown = web.post(
        f"{API}/subscription/quickadd",
        headers=alice.auth,
        data={"T": alice.token, "quickadd": "https://unknown.example/feed.xml"},
    )
    assert unknown.status_code == 200, "Google Reader clients read the refusal from the JSON"
    assert unknown.json()["numResults"] == 0 and "admin" in unknown.json()["error"]


def test_one_user_never_sees_or_changes_anothers_state(
    web: httpx.Client, alice: Reader, bob: Reader, filled: Filled
) -> None:
    a = filled.articles
    web.post(
        f"{API}/edit-tag", headers=alice.auth, data={"T": alice.token, "i": str(a["bridge"]), "a": STARRED}
    )
    assert ids_of(web.get(f"{API}/stream/contents/{STARRED}", headers=bob.auth)) == []
    bob_view = web.post(
        f"{API}/stream/items/contents", headers=bob.auth, data={"T": bob.token, "i": str(a["bridge"])}
    ).json()
    assert STARRED not in bob_view["items"][0]["categories"]
    assert (
        web.post(
            f"{API}/edit-tag", headers=bob.auth, data={"T": alice.token, "i": str(a["bridge"]), "r": STARRED}
        ).status_code
        == 401
    ), "alice's action token does not work with bob's auth"
    web.post(f"{API}/mark-all-as-read", headers=bob.auth, data={"T": bob.token, "s": READING_LIST})
    assert ids_of(web.get(f"{API}/stream/contents/{READ}", headers=alice.auth)) == []
    bob_subs = web.get(f"{API}/subscription/list", headers=bob.auth).json()["subscriptions"]
    assert [s["id"] for s in bob_subs] == [f"feed/{filled.feeds[0]}"]
    assert bob_subs[0]["categories"] == [], "alice's folder is hers"
    rename = {"T": bob.token, "s": "user/-/label/News", "dest": "user/-/label/Mine"}
    web.post(f"{API}/rename-tag", headers=bob.auth, data=rename)
    tags = [t["id"] for t in web.get(f"{API}/tag/list", headers=alice.auth).json()["tags"]]
    assert "user/-/label/News" in tags


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("GET", "/stream/contents/user/-/state/com.google/nonsense", {}),
        ("GET", "/stream/contents/" + READING_LIST + "?n=abc", {}),
        ("GET", "/stream/contents/" + READING_LIST + "?c=zz", {}),
        ("GET", "/stream/contents/" + READING_LIST + "?ot=-5", {}),
        ("GET", "/stream/items/ids?s=bogus", {}),
        ("POST", "/edit-tag", {"i": "not-an-id", "a": READ}),
        ("POST", "/edit-tag", {"i": str(2**64), "a": READ}),
        ("POST", "/subscription/edit", {"ac": "explode", "s": "feed/1"}),
        ("POST", "/subscription/edit", {"ac": "subscribe", "s": "feed/999999"}),
        ("POST", "/rename-tag", {"s": "user/-/label/News", "dest": "nope"}),
        ("POST", "/subscription/quickadd", {"quickadd": ""}),
    ],
)
def test_malformed_requests_get_4xx(
    web: httpx.Client, alice: Reader, method: str, path: str, data: dict[str, str]
) -> None:
    response = web.request(
        method, API + path, headers=alice.auth, data={"T": alice.token, **data} if data else None
    )
    assert 400 <= response.status_code < 500, (path, response.status_code, response.text)


def test_oversized_requests_are_refused(web: httpx.Client, alice: Reader) -> None:
    huge = {"T": alice.token, "i": ["1"] * 20_000}
    assert web.post(f"{API}/stream/items/contents", headers=alice.auth, data=huge).status_code == 413
    body = b"T=" + alice.token.encode() + b"&i=" + b"1" * (2 * 1024 * 1024)
    response = web.post(
        f"{API}/edit-tag",
        headers={**alice.auth, "content-type": "application/x-www-form-urlencoded"},
        content=body,
    )
    assert response.status_code == 413
    assert (
        web.get(f"{API}/stream/contents/{READING_LIST}", params={"n": 10**9}, headers=alice.auth).status_code
        == 200
    )


def test_doubled_slash_base_url_works(web: httpx.Client, alice: Reader) -> None:
    """newsboat appends ``/reader/...`` to the configured URL, which often ends in ``/``."""
    response = web.get("/api/greader//reader/api/0/subscription/list", headers=alice.auth)
    assert response.status_code == 200


def test_atom_stream_marks_read_items(web: httpx.Client, alice: Reader, filled: Filled) -> None:
    a = filled.articles
    web.post(
        f"{API}/edit-tag", headers=alice.auth, data={"T": alice.token, "i": str(a["weather"]), "a": READ}
    )
    atom = web.get(f"/api/greader/reader/atom/feed%2F{filled.feeds[0]}", params={"n": 10}, headers=alice.auth)
    assert atom.status_code == 200 and atom.headers["content-type"].startswith("application/atom+xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = etree.fromstring(atom.content)
    entries = {
        entry.findtext("a:title", namespaces=ns): entry.xpath("a:category/@label", namespaces=ns)
        for entry in root.findall("a:entry", ns)
    }
    assert "read" in entries["Sunny weekend ahead"]
    assert "fresh" in entries["Bridge closes after inspectors find cracks"]


def test_profile_page_makes_shows_once_and_revokes_the_password(tmp_path: Path) -> None:
    with running_site(tmp_path) as site:
        site.user("carol")
        client = site.login("carol")
        assert 'href="/me/reader-apps"' in client.get("/me").text
        page = client.get("/me/reader-apps")
        assert page.status_code == 200 and "no reader-app password" in page.text
        no_csrf = client.post("/me/reader-apps/password")
        assert no_csrf.status_code in (400, 403)
        made = post_form(client, "/me/reader-apps", "/me/reader-apps/password", {})
        assert made.status_code == 200
        password = etree.HTML(made.text).xpath("//code[@id='reader-app-password']/text()")[0]
        assert len(password) == 24
        assert password not in client.get("/me/reader-apps").text, "shown once"
        api = site.client()
        assert login(api, "carol", password) is not None
        assert login(api, "carol", PASSWORD) is None
        reader = login(api, "carol", password)
        assert reader is not None
        replaced = post_form(client, "/me/reader-apps", "/me/reader-apps/password", {})
        assert replaced.status_code == 200
        assert api.get(f"{API}/user-info", headers=reader.auth).status_code == 401, "old tokens die"
        csrf_from(client, "/me/reader-apps")
        assert post_form(client, "/me/reader-apps", "/me/reader-apps/revoke", {}).status_code == 303
        assert "no reader-app password" in client.get("/me/reader-apps").text


def test_failed_logins_are_throttled_and_suspended_users_locked_out(
    web: httpx.Client, web_store: Store, alice: Reader
) -> None:
    assert web.get(f"{API}/user-info", headers=alice.auth).status_code == 200
    assert alice.user.id is not None
    web_store.set_suspended(alice.user.id, True)
    assert web.get(f"{API}/user-info", headers=alice.auth).status_code == 401
    assert login(web, "alice", "alice-app-password-123456") is None
    web_store.set_suspended(alice.user.id, False)
    for _ in range(20):
        login(web, "alice", "wrong")
    throttled = web.post("/api/greader/accounts/ClientLogin", data={"Email": "alice", "Passwd": "x"})
    assert throttled.status_code == 429


OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>from another reader</title></head><body>
  <outline text="World" title="World">
    <outline type="rss" text="Zeitung" xmlUrl="HTTPS://Zeitung.Example:443/feed.xml"/>
    <outline type="rss" text="Unknown" xmlUrl="https://unknown.example/rss"/>
  </outline>
  <outline text="Local"><outline type="rss" text="Harbour" xmlUrl="https://harbour.example/feed.xml"/></outline>
  <outline type="rss" text="Ledger" xmlUrl="https://ledger.example/feed.xml"/>
</body></opml>
"""


def categories(web: httpx.Client, reader: Reader) -> dict[str, str | None]:
    subs = web.get(f"{API}/subscription/list", headers=reader.auth).json()["subscriptions"]
    return {sub["id"]: (sub["categories"][0]["label"] if sub["categories"] else None) for sub in subs}


def test_subscription_import_subscribes_to_polled_feeds_with_folders(
    web: httpx.Client, alice: Reader, bob: Reader, filled: Filled
) -> None:
    opml = {**alice.auth, "content-type": "text/x-opml"}
    unsigned = web.post(f"{API}/subscription/import", headers=opml, content=OPML)
    assert unsigned.status_code == 401, "the action token is required (in the query string)"
    response = web.post(
        f"{API}/subscription/import", params={"T": alice.token}, headers=opml, content=OPML.encode()
    )
    assert response.status_code == 200, response.text
    lines = response.text.splitlines()
    assert lines[0] == "OK" and lines[1] == "subscribed to 3 of 4 feeds"
    assert lines[-1] == "https://unknown.example/rss", "feeds Gazette does not poll are listed, not added"
    zeitung, harbour, ledger = (
        f"feed/{feed}" for feed in (filled.feeds[2], filled.feeds[0], filled.feeds[1])
    )
    assert categories(web, alice) == {zeitung: "World", harbour: "Local", ledger: None}
    assert categories(web, bob) == {harbour: None}, "only the caller's subscriptions change"
    no_type = {**alice.auth, "content-type": "application/octet-stream"}
    bom = b"\xef\xbb\xbf" + OPML.encode()
    again = web.post(f"{API}/subscription/import", params={"T": alice.token}, headers=no_type, content=bom)
    assert again.status_code == 200 and again.text.startswith("OK\n")
    for bad in (b"", b"<opml><head/></opml>", b'<!DOCTYPE x [<!ENTITY a "b">]><opml><body/></opml>'):
        refused = web.post(f"{API}/subscription/import", params={"T": alice.token}, headers=opml, content=bad)
        assert refused.status_code == 400, (bad, refused.text)


def test_item_labels_with_edit_tag(web: httpx.Client, alice: Reader, bob: Reader, filled: Filled) -> None:
    a = filled.articles
    label = "user/-/label/Later"
    items = [str(a["bruecke"]), long_item_id(a["bridge-ledger"])]
    tag = {"T": alice.token, "i": items, "a": [label, READ]}
    assert web.post(f"{API}/edit-tag", headers=alice.auth, data=tag).text == "OK"
    later = web.get(f"{API}/stream/contents/{label}", headers=alice.auth)
    assert sorted(ids_of(later)) == sorted([a["bruecke"], a["bridge-ledger"]])
    assert ids_of(web.get(f"{API}/stream/contents/{label}", headers=bob.auth)) == []
    assert label in later.json()["items"][0]["categories"]
    tags = web.get(f"{API}/tag/list", headers=alice.auth).json()["tags"]
    assert {"id": label, "type": "tag"} in tags and {"id": "user/-/label/News", "type": "folder"} in tags
    both = {"T": alice.token, "i": str(a["bruecke"]), "a": "user/1/label/News", "r": READ}
    web.post(f"{API}/edit-tag", headers=alice.auth, data=both)
    news = ids_of(web.get(f"{API}/stream/contents/user/-/label/News", headers=alice.auth))
    assert sorted(news) == sorted([a["bridge"], a["weather"], a["bruecke"]]), (
        "folder feeds and labelled items"
    )
    counts = {
        row["id"]: row["count"]
        for row in web.get(f"{API}/unread-count", headers=alice.auth).json()["unreadcounts"]
    }
    assert counts["user/-/label/News"] == 3 and counts[label] == 1
    assert counts[READING_LIST] == 3, "bruecke is labelled, not subscribed: not in the reading list"
    untag = {"T": alice.token, "i": items, "r": label}
    web.post(f"{API}/edit-tag", headers=alice.auth, data=untag)
    assert ids_of(web.get(f"{API}/stream/contents/{label}", headers=alice.auth)) == []
    too_long = {"T": alice.token, "i": items, "a": "user/-/label/" + "x" * 201}
    assert web.post(f"{API}/edit-tag", headers=alice.auth, data=too_long).status_code == 400
