"""The Fever API (version 3) at ``/api/fever/?api``, for reader apps that speak it.

The client POSTs ``api_key = md5("username:reader-app password")``. Groups are
the user's folders, numbered 1.. in name order (group 0 means everything, as
Fever's own "Kindling" did); feeds keep their Gazette ids.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from gazette.models import User
from gazette.store.readers import ReaderFeed, ReaderItem, ReaderStore, Stream
from gazette.web.readers.credentials import fever_digest, readers_of

PATHS = ("/api/fever", "/api/fever/")
MAX_BODY = 64 * 1024
PAGE = 50
MAX_ID = 2**63 - 1
MARKS: dict[str, dict[str, bool]] = {
    "read": {"read": True},
    "unread": {"read": False},
    "saved": {"starred": True},
    "unsaved": {"starred": False},
}

router = APIRouter(include_in_schema=False)


async def _fields(request: Request) -> dict[str, str]:
    """Query and form fields; the flags (``groups``, ``items``...) come without values."""
    fields = dict(request.query_params.items())
    if request.method == "POST":
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                raise HTTPException(status_code=413, detail="request body too large")
        if "multipart/" in request.headers.get("content-type", ""):
            fields.update(await _multipart(request, bytes(body)))
        else:
            try:
                fields.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            except (UnicodeDecodeError, ValueError):
                raise HTTPException(status_code=400, detail="malformed form body") from None
    return fields


async def _multipart(request: Request, body: bytes) -> dict[str, str]:
    """Some Fever clients send multipart forms; parse the (already size-checked) body."""
    from starlette.formparsers import MultiPartException, MultiPartParser

    async def replay() -> Any:
        yield body

    try:
        form = await MultiPartParser(request.headers, replay(), max_files=0, max_fields=100).parse()
    except MultiPartException:
        raise HTTPException(status_code=400, detail="malformed multipart form") from None
    return {key: value for key, value in form.multi_items() if isinstance(value, str)}


def _number(fields: dict[str, str], name: str) -> int | None:
    text = fields.get(name, "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) > MAX_ID:
        raise HTTPException(status_code=400, detail=f"{name} must be a whole number")
    return int(text)


def _id_list(text: str, limit: int) -> list[int]:
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if len(parts) > limit or not all(part.isdigit() and 0 < int(part) <= MAX_ID for part in parts):
        raise HTTPException(status_code=400, detail=f"with_ids takes at most {limit} comma-separated ids")
    return [int(part) for part in parts]


def _groups(readers: ReaderStore, user_id: int) -> dict[str, int]:
    return {name: number for number, name in enumerate(readers.folders(user_id), start=1)}


def _feeds_groups(feeds: list[ReaderFeed], groups: dict[str, int]) -> list[dict[str, Any]]:
    members: dict[int, list[str]] = {}
    for feed in feeds:
        if feed.category in groups:
            members.setdefault(groups[feed.category], []).append(str(feed.feed_id))
    return [{"group_id": group, "feed_ids": ",".join(ids)} for group, ids in sorted(members.items())]


def _feed_json(feed: ReaderFeed, updated: datetime | None) -> dict[str, Any]:
    return {
        "id": feed.feed_id,
        "favicon_id": 0,
        "title": feed.title,
        "url": feed.url,
        "site_url": feed.site_url or feed.url,
        "is_spark": 0,
        "last_updated_on_time": int(updated.timestamp()) if updated else 0,
    }


def _item_json(item: ReaderItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "feed_id": item.feed_id or 0,
        "title": item.title,
        "author": item.author or "",
        "html": item.html,
        "url": item.url,
        "is_saved": int(item.starred),
        "is_read": int(item.read),
        "created_on_time": int(item.when.timestamp()),
    }


def _items(readers: ReaderStore, user_id: int, fields: dict[str, str]) -> dict[str, Any]:
    stream = Stream("reading-list")
    if fields.get("with_ids", "").strip():
        ids = _id_list(fields["with_ids"], PAGE)
    else:
        max_id = _number(fields, "max_id")
        since_id = _number(fields, "since_id") or 0
        ids = readers.ids_by_article_id(user_id, stream, since_id=since_id, max_id=max_id, limit=PAGE)
    items = readers.items(user_id, ids)
    return {
        "items": [_item_json(item) for item in items],
        "total_items": readers.stream_count(user_id, stream),
    }


def _mark(readers: ReaderStore, user_id: int, fields: dict[str, str]) -> None:
    kind, action = fields.get("mark", ""), fields.get("as", "")
    target = _number(fields, "id")
    if kind not in ("item", "feed", "group") or action not in MARKS or target is None:
        raise HTTPException(
            status_code=400, detail="mark=item|feed|group, as=read|unread|saved|unsaved and id"
        )
    if kind == "item":
        if target > 0:
            readers.set_article_state(user_id, [target], **MARKS[action])
        return
    if action != "read":
        raise HTTPException(status_code=400, detail="feeds and groups can only be marked read")
    before = _number(fields, "before")
    older_than = datetime.fromtimestamp(min(before, 253402300799), UTC) if before else None
    if kind == "feed":
        stream = Stream("feed", feed_id=target)
    elif target == 0:
        stream = Stream("reading-list")
    else:
        names = {number: name for name, number in _groups(readers, user_id).items()}
        if target not in names:
            return
        stream = Stream("label", label=names[target])
    readers.mark_stream_read(user_id, stream, older_than)


def _comma(ids: list[int]) -> str:
    return ",".join(str(i) for i in ids)


def _user(request: Request, fields: dict[str, str]) -> User | None:
    key = fields.get("api_key", "").strip()
    if len(key) != 32:
        return None
    return readers_of(request).user_for_fever_key(fever_digest(key))


async def fever(request: Request) -> Response:
    fields = await _fields(request)
    if "api" not in fields:
        raise HTTPException(status_code=400, detail="Fever API calls need ?api")
    body: dict[str, Any] = {"api_version": 3, "auth": 0}
    user = _user(request, fields)
    if user is None or user.id is None:
        return JSONResponse(body)
    readers, uid = readers_of(request), user.id
    body.update(auth=1, last_refreshed_on_time=int(datetime.now(UTC).timestamp()))
    if "mark" in fields:
        _mark(readers, uid, fields)
    feeds = readers.reader_feeds(uid) if {"groups", "feeds"} & fields.keys() else []
    groups = _groups(readers, uid)
    if "groups" in fields:
        body["groups"] = [{"id": number, "title": name} for name, number in groups.items()]
    if "feeds" in fields:
        counts = readers.unread_counts(uid)
        body["feeds"] = [_feed_json(feed, counts.get(feed.feed_id, (0, None))[1]) for feed in feeds]
    if {"groups", "feeds"} & fields.keys():
        body["feeds_groups"] = _feeds_groups(feeds, groups)
    if "favicons" in fields:
        body["favicons"] = []
    if "links" in fields:
        body["links"] = []
    if "items" in fields:
        body.update(_items(readers, uid, fields))
    if "unread_item_ids" in fields or fields.get("as") in ("read", "unread"):
        body["unread_item_ids"] = _comma(readers.state_ids(uid, "unread"))
    if "saved_item_ids" in fields or fields.get("as") in ("saved", "unsaved"):
        body["saved_item_ids"] = _comma(readers.state_ids(uid, "starred"))
    return JSONResponse(body)


for _path in PATHS:
    router.add_api_route(_path, fever, methods=["GET", "POST"])
