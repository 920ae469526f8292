"""The Fever API over HTTP, against a real server and real rows."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from gazette.store import Store
from gazette.web.readers.credentials import fever_api_key

from .accounts_support import PASSWORD
from .fill import Filled
from .test_greader import add_reader

URL = "/api/fever/?api"


def call(web: httpx.Client, key: str, flags: str = "", **form: Any) -> dict[str, Any]:
    response = web.post(URL + flags, data={"api_key": key, **form})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["api_version"] == 3
    return body


@pytest.fixture
def erin(web_store: Store, filled: Filled) -> str:
    user = add_reader(web_store, "erin", "erin-app-password-000001")
    assert user.id is not None
    web_store.subscribe_user(user.id, filled.feeds[0])
    web_store.subscribe_user(user.id, filled.feeds[1])
    web_store.edit_subscription(user.id, filled.feeds[1], category="Money")
    return fever_api_key("erin", "erin-app-password-000001")


@pytest.fixture
def finn(web_store: Store, filled: Filled) -> str:
    user = add_reader(web_store, "finn", "finn-app-password-000002")
    assert user.id is not None
    web_store.subscribe_user(user.id, filled.feeds[0])
    return fever_api_key("finn", "finn-app-password-000002")


def test_auth_takes_only_the_reader_app_key(web: httpx.Client, erin: str) -> None:
    assert call(web, erin)["auth"] == 1
    assert call(web, fever_api_key("erin", PASSWORD))["auth"] == 0, "the web password must not work"
    assert call(web, "0" * 32)["auth"] == 0
    assert call(web, "short")["auth"] == 0
    assert "groups" not in call(web, "0" * 32, "&groups")
    assert web.post("/api/fever/", data={"api_key": erin}).status_code == 400


def test_groups_feeds_and_favicons(web: httpx.Client, erin: str, filled: Filled) -> None:
    body = call(web, erin, "&groups&feeds&favicons&links")
    assert body["groups"] == [{"id": 1, "title": "Money"}]
    assert body["feeds_groups"] == [{"group_id": 1, "feed_ids": str(filled.feeds[1])}]
    feeds = {feed["id"]: feed for feed in body["feeds"]}
    assert set(feeds) == {filled.feeds[0], filled.feeds[1]}
    assert feeds[filled.feeds[0]]["url"] == "https://harbour.example/feed.xml"
    assert feeds[filled.feeds[0]]["last_updated_on_time"] > 0
    assert body["favicons"] == [] and body["links"] == []


def test_items_paging_and_with_ids(web: httpx.Client, erin: str, filled: Filled) -> None:
    a = filled.articles
    mine = sorted([a["bridge"], a["bridge-copy"], a["bridge-ledger"], a["weather"]])
    body = call(web, erin, "&items")
    assert [item["id"] for item in body["items"]] == mine and body["total_items"] == 4
    bridge = next(item for item in body["items"] if item["id"] == a["bridge"])
    assert bridge["feed_id"] == filled.feeds[0] and "Ana Lopez" in bridge["html"] and bridge["is_read"] == 0
    after = call(web, erin, f"&items&since_id={mine[1]}")
    assert [item["id"] for item in after["items"]] == mine[2:]
    before = call(web, erin, f"&items&max_id={mine[2]}")
    assert [item["id"] for item in before["items"]] == mine[:2][::-1]
    chosen = call(web, erin, f"&items&with_ids={mine[0]},{mine[3]}")
    assert [item["id"] for item in chosen["items"]] == [mine[0], mine[3]]


def test_marks_and_id_lists(web: httpx.Client, erin: str, finn: str, filled: Filled) -> None:
    a = filled.articles
    marked = call(web, erin, "", mark="item", id=str(a["weather"]), **{"as": "read"})
    assert str(a["weather"]) not in marked["unread_item_ids"].split(",")
    saved = call(web, erin, "", mark="item", id=str(a["bridge"]), **{"as": "saved"})
    assert saved["saved_item_ids"] == str(a["bridge"])
    call(web, erin, "", mark="group", id="1", **{"as": "read"})
    unread = call(web, erin, "&unread_item_ids")["unread_item_ids"].split(",")
    assert unread == [str(a["bridge"])]
    finn_lists = call(web, finn, "&unread_item_ids&saved_item_ids")
    assert finn_lists["saved_item_ids"] == "", "erin's marks are hers"
    assert sorted(finn_lists["unread_item_ids"].split(",")) == sorted([str(a["bridge"]), str(a["weather"])])
    call(web, erin, "", mark="feed", id=str(filled.feeds[0]), before="1", **{"as": "read"})
    assert call(web, erin, "&unread_item_ids")["unread_item_ids"] == str(a["bridge"]), "before= keeps newer"
    call(web, erin, "", mark="group", id="0", **{"as": "read"})
    assert call(web, erin, "&unread_item_ids")["unread_item_ids"] == ""


@pytest.mark.parametrize(
    "form",
    [
        {"mark": "item", "as": "explode", "id": "1"},
        {"mark": "nothing", "as": "read", "id": "1"},
        {"mark": "item", "as": "read", "id": "-1"},
        {"mark": "feed", "as": "saved", "id": "1"},
        {"items": "", "with_ids": ",".join(["1"] * 51)},
        {"items": "", "since_id": "abc"},
        {"items": "", "max_id": str(2**70)},
    ],
)
def test_malformed_requests_get_4xx(web: httpx.Client, erin: str, form: dict[str, str]) -> None:
    response = web.post(URL, data={"api_key": erin, **form})
    assert 400 <= response.status_code < 500, response.text


def test_oversized_body_is_refused(web: httpx.Client, erin: str) -> None:
    response = web.post(URL, data={"api_key": erin, "with_ids": "1," * 100_000})
    assert response.status_code == 413


def test_multipart_forms_work(web: httpx.Client, erin: str) -> None:
    response = web.post(URL + "&groups", files={"api_key": (None, erin)})
    assert response.status_code == 200 and response.json()["auth"] == 1
