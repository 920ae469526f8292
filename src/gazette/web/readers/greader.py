"""The Google Reader API under ``/api/greader`` (FreshRSS-compatible), for reader apps.

Routes stay thin: queries are in ``store/readers.py``, shapes in ``greader_format.py``.
Every path is also served with a doubled slash after the prefix, because some
clients (newsboat's FeedHQ mode) append ``/reader/...`` to a base URL that
already ends in ``/``.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qsl

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from gazette.ingest.opml import OpmlError, OpmlFeed, parse_opml, write_opml
from gazette.ingest.urls import InvalidURL, canonical_url
from gazette.models import User
from gazette.store.readers import ReaderFeed, ReaderStore, StateName, Stream, StreamFilter
from gazette.web.auth import client_ip, record, store_of, throttled
from gazette.web.readers import greader_format as fmt
from gazette.web.readers.credentials import (
    action_token,
    auth_token,
    clientlogin_digest,
    readers_of,
    user_for_auth_token,
)

PREFIX = "/api/greader"
MAX_BODY = 1024 * 1024
MAX_ITEMS = 1000
MAX_IDS = 10_000
MAX_STREAMS = 100
MAX_LABEL = 200
NOT_POLLED = (
    "Gazette does not poll this feed yet. On this site only an admin can add new feeds "
    "(Admin > Feeds); once added, subscribe again from the app."
)
LOGIN_FAILURES = "greader-login-ip"
LOGIN_LIMIT = 20
LOGIN_WINDOW_SECONDS = 900

router = APIRouter(include_in_schema=False)
Handler = TypeVar("Handler", bound=Callable[..., Any])


class Params:
    """Query and form fields together (Google Reader clients put them in either), repeated names kept.

    ``body`` is the raw POST body, for the one call that sends a document instead of a form
    (``subscription/import``, an OPML file).
    """

    def __init__(self, pairs: list[tuple[str, str]], body: bytes = b"") -> None:
        self.pairs = pairs
        self.body = body

    def get(self, name: str, default: str = "") -> str:
        return next((value for key, value in self.pairs if key == name), default)

    def getall(self, name: str) -> list[str]:
        return [value for key, value in self.pairs if key == name]

    def number(self, name: str, default: int, high: int) -> int:
        text = self.get(name).strip()
        if not text:
            return default
        if not text.isdigit():
            raise HTTPException(status_code=400, detail=f"{name} must be a whole number")
        return min(int(text), high)


@dataclass(slots=True)
class Caller:
    user: User
    user_id: int
    auth: str
    params: Params
    readers: ReaderStore


async def _params(request: Request) -> Params:
    pairs = list(request.query_params.multi_items())
    if request.method == "POST":
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY:
            raise HTTPException(status_code=413, detail="request body too large")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                raise HTTPException(status_code=413, detail="request body too large")
        content_type = request.headers.get("content-type", "")
        if "multipart/" in content_type:
            raise HTTPException(status_code=415, detail="send form fields urlencoded")
        if _is_document(bytes(body), content_type):
            return Params(pairs, bytes(body))
        if body.count(b"&") > MAX_IDS + 100:
            raise HTTPException(status_code=413, detail="too many form fields")
        try:
            pairs += parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        except (UnicodeDecodeError, ValueError):
            raise HTTPException(status_code=400, detail="malformed form body") from None
    return Params(pairs)


def _is_document(body: bytes, content_type: str) -> bool:
    """An XML body (OPML import) rather than form fields: by its type, or a ``<`` no form starts with."""
    kind = content_type.lower()
    return "xml" in kind or "opml" in kind or body.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] == b"<"


def _auth_header(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, rest = header.partition(" ")
    if scheme.lower() != "googlelogin" or not rest.strip().startswith("auth="):
        return ""
    return rest.strip()[len("auth=") :]


async def _caller(request: Request) -> Caller:
    """The authenticated caller; POSTs must also carry a valid ``T`` action token."""
    token = _auth_header(request)
    user = user_for_auth_token(request, token) if token else None
    if user is None or user.id is None:
        raise HTTPException(status_code=401, detail="Unauthorized", headers={"Google-Bad-Token": "true"})
    params = await _params(request)
    if request.method == "POST":
        sent = params.get("T").strip()
        if not hmac.compare_digest(sent.encode(), action_token(request, token).encode()):
            raise HTTPException(status_code=401, detail="Unauthorized", headers={"Google-Bad-Token": "true"})
    return Caller(user, user.id, token, params, readers_of(request))


def _route(path: str, methods: tuple[str, ...] = ("GET", "POST")) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for full in (PREFIX + path, PREFIX + "/" + path):
            router.add_api_route(full, handler, methods=list(methods))
        return handler

    return register


def _ok() -> Response:
    return PlainTextResponse("OK")


def _bad(exc: fmt.ProtocolError) -> HTTPException:
    return HTTPException(status_code=400, detail=str(exc))


# login and tokens


@_route("/accounts/ClientLogin")
async def client_login(request: Request) -> Response:
    """``Email`` + ``Passwd`` (the reader-app password, never the web password) -> ``Auth=<token>``."""
    params = await _params(request)
    ip = client_ip(request)
    if throttled(request, LOGIN_FAILURES, ip, LOGIN_LIMIT, LOGIN_WINDOW_SECONDS):
        raise HTTPException(status_code=429, detail="too many failed logins; try again later")
    username, password = params.get("Email").strip(), params.get("Passwd")
    readers = readers_of(request)
    user = None
    if 0 < len(username) <= 64 and 0 < len(password) <= 200:
        user = readers.user_for_clientlogin(username, clientlogin_digest(password))
    if user is None or user.id is None:
        record(request, LOGIN_FAILURES, ip)
        return PlainTextResponse("Error=BadAuthentication\n", status_code=401)
    digest = readers.reader_digest(user.id)
    assert digest is not None
    token = auth_token(request, user.id, digest)
    return PlainTextResponse(f"SID={token}\nLSID=null\nAuth={token}\n")


@_route("/reader/api/0/token")
async def token(request: Request) -> Response:
    caller = await _caller(request)
    return PlainTextResponse(action_token(request, caller.auth))


@_route("/reader/api/0/user-info")
async def user_info(request: Request) -> Response:
    caller = await _caller(request)
    return JSONResponse(
        {
            "userId": str(caller.user_id),
            "userName": caller.user.username,
            "userProfileId": str(caller.user_id),
            "userEmail": caller.user.email or "",
        }
    )


# subscriptions and folders


@_route("/reader/api/0/subscription/list")
async def subscription_list(request: Request) -> Response:
    caller = await _caller(request)
    feeds = caller.readers.reader_feeds(caller.user_id)
    return JSONResponse({"subscriptions": [fmt.subscription_json(feed) for feed in feeds]})


def _feed_id(readers: ReaderStore, stream_id: str) -> int:
    try:
        stream = fmt.parse_stream(stream_id, readers.feed_id_for_url)
    except fmt.ProtocolError as exc:
        raise _bad(exc) from None
    if stream.kind != "feed" or stream.feed_id is None or not readers.feed_exists(stream.feed_id):
        raise HTTPException(status_code=404, detail=f"no such feed: {stream_id[:120]!r}")
    return stream.feed_id


def _folder(tag: str) -> str:
    label = fmt.label_of(tag)
    if label is None or len(label) > MAX_LABEL:
        raise HTTPException(status_code=400, detail=f"not a label: {tag[:120]!r}")
    return label


def _canonical(url: str) -> str | None:
    try:
        return canonical_url(url)
    except InvalidURL:
        return None


def _known_feeds(readers: ReaderStore, urls: list[str]) -> dict[str, int]:
    """For each of ``urls`` Gazette polls, as given or in its canonical form: the feed id."""
    canonical = {url: _canonical(url) or url for url in urls}
    ids = readers.feed_ids_for_urls([*urls, *canonical.values()])
    found = {url: ids.get(url, ids.get(canonical[url])) for url in urls}
    return {url: feed_id for url, feed_id in found.items() if feed_id is not None}


@_route("/reader/api/0/subscription/edit", ("POST",))
async def subscription_edit(request: Request) -> Response:
    """``ac=subscribe|unsubscribe|edit`` on the feeds named by ``s``; ``t`` renames, ``a``/``r`` move."""
    caller = await _caller(request)
    action, params, readers = caller.params.get("ac", "edit"), caller.params, caller.readers
    streams = params.getall("s")
    if not streams or len(streams) > MAX_STREAMS or action not in ("subscribe", "unsubscribe", "edit"):
        raise HTTPException(status_code=400, detail="need s=feed/... and ac=subscribe|unsubscribe|edit")
    title = params.get("t").strip()[:500] or None
    added = [_folder(tag) for tag in params.getall("a")]
    removed = [_folder(tag) for tag in params.getall("r")]
    category: str | Literal[False] | None = added[-1] if added else (None if removed else False)
    store = store_of(request)
    for stream_id in streams:
        feed_id = _feed_id(readers, stream_id)
        if action == "unsubscribe":
            store.unsubscribe_user(caller.user_id, feed_id)
            continue
        if action == "subscribe":
            store.subscribe_user(caller.user_id, feed_id)
        if not readers.edit_subscription(caller.user_id, feed_id, title=title, category=category):
            raise HTTPException(status_code=404, detail="not subscribed to that feed")
    return _ok()


@_route("/reader/api/0/subscription/quickadd", ("POST",))
async def quickadd(request: Request) -> Response:
    """Subscribe to a feed Gazette already polls, by its URL.

    Adding a feed Gazette does not poll is an admin action on this site (ordinary users
    subscribe to the polled feeds only), so such a request is refused in the shape
    Google Reader clients read: ``numResults`` 0 and an ``error`` to show.
    """
    caller = await _caller(request)
    url = caller.params.get("quickadd").strip()
    if url.startswith("feed/"):
        url = url[len("feed/") :]
    if not url or len(url) > 2000:
        raise HTTPException(status_code=400, detail="quickadd=<feed url> is required")
    feed_id = _known_feeds(caller.readers, [url]).get(url)
    if feed_id is None:
        return JSONResponse({"query": url, "numResults": 0, "error": NOT_POLLED})
    store_of(request).subscribe_user(caller.user_id, feed_id)
    name = next((f.title for f in caller.readers.reader_feeds(caller.user_id) if f.feed_id == feed_id), url)
    return JSONResponse({"numResults": 1, "query": url, "streamId": f"feed/{feed_id}", "streamName": name})


@_route("/reader/api/0/subscription/import", ("POST",))
async def subscription_import(request: Request) -> Response:
    """Subscribe to the feeds of an OPML body (FreshRSS style), folders becoming categories.

    Feeds Gazette does not poll are treated as ``quickadd`` treats them: not added, and
    listed after the first ``OK`` line so the user can ask an admin.
    """
    caller = await _caller(request)
    if not caller.params.body:
        raise HTTPException(status_code=400, detail="POST the OPML document as the request body")
    try:
        listed = parse_opml(caller.params.body)
    except OpmlError as exc:
        raise HTTPException(status_code=400, detail=f"could not read the OPML: {exc}") from None
    store, skipped = store_of(request), []
    known = _known_feeds(caller.readers, [feed.url for feed in listed])
    for feed in listed:
        feed_id = known.get(feed.url)
        if feed_id is None:
            skipped.append(feed.url)
            continue
        store.subscribe_user(caller.user_id, feed_id)
        if feed.category:
            category = feed.category[:MAX_LABEL]
            caller.readers.edit_subscription(caller.user_id, feed_id, category=category)
    lines = ["OK", f"subscribed to {len(listed) - len(skipped)} of {len(listed)} feeds"]
    if skipped:
        lines.append(f"not polled by Gazette yet (only an admin adds new feeds): {len(skipped)}")
        lines += skipped
    return PlainTextResponse("\n".join(lines) + "\n")


@_route("/reader/api/0/subscription/export", ("GET",))
async def subscription_export(request: Request) -> Response:
    caller = await _caller(request)
    feeds = caller.readers.reader_feeds(caller.user_id)
    document = write_opml(
        OpmlFeed(url=f.url, title=f.title, html_url=f.site_url, category=f.category) for f in feeds
    )
    return Response(
        document,
        media_type="text/x-opml; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="subscriptions.opml"'},
    )


@_route("/reader/api/0/tag/list")
async def tag_list(request: Request) -> Response:
    caller = await _caller(request)
    folders = caller.readers.folders(caller.user_id)
    tags: list[dict[str, str]] = [{"id": fmt.STARRED}]
    tags += [{"id": fmt.LABEL_PREFIX + name, "type": "folder"} for name in folders]
    tags += [
        {"id": fmt.LABEL_PREFIX + name, "type": "tag"}
        for name in caller.readers.item_labels(caller.user_id)
        if name not in folders
    ]
    return JSONResponse({"tags": tags})


@_route("/reader/api/0/rename-tag", ("POST",))
async def rename_tag(request: Request) -> Response:
    caller = await _caller(request)
    old = _folder(caller.params.get("s") or caller.params.get("t"))
    new = _folder(caller.params.get("dest"))
    caller.readers.rename_folder(caller.user_id, old, new)
    return _ok()


@_route("/reader/api/0/disable-tag", ("POST",))
async def disable_tag(request: Request) -> Response:
    caller = await _caller(request)
    caller.readers.rename_folder(
        caller.user_id, _folder(caller.params.get("s") or caller.params.get("t")), None
    )
    return _ok()


@_route("/reader/api/0/unread-count")
async def unread_count(request: Request) -> Response:
    """Unread counts per feed, per label and in all; a fixed number of queries however many feeds."""
    caller = await _caller(request)
    readers, uid = caller.readers, caller.user_id
    counts = readers.unread_counts(uid)
    rows: list[dict[str, Any]] = []
    for feed in readers.reader_feeds(uid):
        count, newest = counts.get(feed.feed_id, (0, None))
        rows.append(_count_row(f"feed/{feed.feed_id}", count, newest))
    labels = readers.label_unread_counts(uid)
    for name in sorted(set(readers.folders(uid)) | set(readers.item_labels(uid))):
        count, newest = labels.get(name, (0, None))
        rows.append(_count_row(fmt.LABEL_PREFIX + name, count, newest))
    everything, newest_all = readers.unread_total(uid)
    rows.append(_count_row(fmt.READING_LIST, everything, newest_all))
    return JSONResponse({"max": everything, "unreadcounts": rows})


def _count_row(stream_id: str, count: int, newest: datetime | None) -> dict[str, Any]:
    newest_usec = fmt.usec(newest) if newest else 0
    return {"id": stream_id, "count": count, "newestItemTimestampUsec": str(newest_usec)}


# streams


def _states(values: list[str]) -> tuple[StateName, ...]:
    found = [fmt.state_of(value) for value in values]
    return tuple(state for state in found if state is not None)


def _seconds(params: Params, name: str) -> datetime | None:
    text = params.get(name).strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        raise HTTPException(status_code=400, detail=f"{name} must be a Unix time")
    value = int(text)
    if value > 10**14:  # clients send microseconds too
        value //= 1_000_000
    elif value > 10**11:  # and milliseconds
        value //= 1000
    return datetime.fromtimestamp(min(value, 253402300799), UTC)


def _filter(params: Params, default_n: int, high: int) -> StreamFilter:
    continuation = params.get("c").strip()
    if continuation and (not continuation.isdigit() or len(continuation) > 12):
        raise HTTPException(status_code=400, detail="bad continuation")
    return StreamFilter(
        exclude=_states(params.getall("xt")),
        include=_states(params.getall("it")),
        newer_than=_seconds(params, "ot"),
        older_than=_seconds(params, "nt"),
        oldest_first=params.get("r") == "o",
        offset=int(continuation or 0),
        limit=max(1, params.number("n", default_n, high)),
    )


def _stream(caller: Caller, stream_id: str) -> Stream:
    try:
        return fmt.parse_stream(stream_id, caller.readers.feed_id_for_url)
    except fmt.ProtocolError as exc:
        raise _bad(exc) from None


def _page(caller: Caller, stream: Stream, chosen: StreamFilter) -> tuple[list[int], str | None]:
    """One page of ids and the continuation to the next one (None at the end)."""
    extra = StreamFilter(
        exclude=chosen.exclude,
        include=chosen.include,
        newer_than=chosen.newer_than,
        older_than=chosen.older_than,
        oldest_first=chosen.oldest_first,
        offset=chosen.offset,
        limit=chosen.limit + 1,
    )
    ids = caller.readers.stream_ids(caller.user_id, stream, extra)
    more = len(ids) > chosen.limit
    return ids[: chosen.limit], str(chosen.offset + chosen.limit) if more else None


def _feeds_for(caller: Caller) -> dict[int, ReaderFeed]:
    return {feed.feed_id: feed for feed in caller.readers.reader_feeds(caller.user_id)}


def _items_json(caller: Caller, ids: list[int]) -> list[dict[str, Any]]:
    feeds = _feeds_for(caller)
    items = caller.readers.items(caller.user_id, ids)
    return [fmt.item_json(item, feeds.get(item.feed_id) if item.feed_id else None) for item in items]


def _stream_title(caller: Caller, stream: Stream, stream_id: str) -> str:
    if stream.kind == "feed" and stream.feed_id is not None:
        feed = _feeds_for(caller).get(stream.feed_id)
        return feed.title if feed else stream_id
    return stream.label or stream.kind


@_route("/reader/api/0/stream/contents/{stream_id:path}")
async def stream_contents(request: Request, stream_id: str) -> Response:
    caller = await _caller(request)
    stream_id = stream_id or caller.params.get("s") or fmt.READING_LIST
    stream = _stream(caller, stream_id)
    ids, continuation = _page(caller, stream, _filter(caller.params, 20, MAX_ITEMS))
    body: dict[str, Any] = {
        "id": stream_id,
        "title": _stream_title(caller, stream, stream_id),
        "updated": int(datetime.now(UTC).timestamp()),
        "items": _items_json(caller, ids),
    }
    if continuation is not None:
        body["continuation"] = continuation
    return JSONResponse(body)


@_route("/reader/api/0/stream/contents")
async def stream_contents_by_param(request: Request) -> Response:
    return await stream_contents(request, "")


@_route("/reader/atom/{stream_id:path}", ("GET",))
async def atom_stream(request: Request, stream_id: str) -> Response:
    """The stream as Atom (newsboat's FeedHQ mode reads each subscription this way)."""
    caller = await _caller(request)
    stream_id = stream_id or fmt.READING_LIST
    stream = _stream(caller, stream_id)
    ids, continuation = _page(caller, stream, _filter(caller.params, 20, MAX_ITEMS))
    items = caller.readers.items(caller.user_id, ids)
    title = _stream_title(caller, stream, stream_id)
    document = fmt.atom_document(stream_id, title, items, _feeds_for(caller), continuation)
    return Response(document, media_type="application/atom+xml; charset=utf-8")


@_route("/reader/api/0/stream/items/ids")
async def stream_item_ids(request: Request) -> Response:
    caller = await _caller(request)
    stream = _stream(caller, caller.params.get("s") or fmt.READING_LIST)
    ids, continuation = _page(caller, stream, _filter(caller.params, 20, MAX_IDS))
    items = caller.readers.items(caller.user_id, ids)
    refs = [
        {"id": str(item.id), "directStreamIds": [], "timestampUsec": str(fmt.usec(item.when))}
        for item in items
    ]
    body: dict[str, Any] = {"itemRefs": refs}
    if continuation is not None:
        body["continuation"] = continuation
    return JSONResponse(body)


def _item_ids(params: Params) -> list[int]:
    values = params.getall("i")
    if len(values) > MAX_IDS:
        raise HTTPException(status_code=413, detail=f"at most {MAX_IDS} items at once")
    try:
        return [fmt.parse_item_id(value) for value in values]
    except fmt.ProtocolError as exc:
        raise _bad(exc) from None


@_route("/reader/api/0/stream/items/contents", ("POST",))
async def stream_item_contents(request: Request) -> Response:
    caller = await _caller(request)
    ids = _item_ids(caller.params)
    if len(ids) > MAX_ITEMS:
        raise HTTPException(status_code=413, detail=f"at most {MAX_ITEMS} items at once")
    return JSONResponse(
        {
            "id": fmt.READING_LIST,
            "updated": int(datetime.now(UTC).timestamp()),
            "items": _items_json(caller, ids),
        }
    )


# reading state


@_route("/reader/api/0/edit-tag", ("POST",))
async def edit_tag(request: Request) -> Response:
    """``a=``/``r=`` read, starred, kept-unread or a ``user/-/label/<name>`` item label on items ``i=``."""
    caller = await _caller(request)
    ids = _item_ids(caller.params)
    changes: dict[str, bool] = {}
    for values, on in ((caller.params.getall("r"), False), (caller.params.getall("a"), True)):
        for state in _states(values):
            if state == "unread":
                changes["read"] = not on
            else:
                changes[state] = on
    added, removed = _item_labels(caller.params.getall("a")), _item_labels(caller.params.getall("r"))
    if ids and changes:
        caller.readers.set_article_state(caller.user_id, ids, **changes)
    if ids and (added or removed):
        caller.readers.set_labels(caller.user_id, ids, add=added, remove=removed)
    return _ok()


def _item_labels(tags: list[str]) -> list[str]:
    """The ``user/-/label/<name>`` names among ``tags``; other unknown tags are ignored, as Google did."""
    if len(tags) > MAX_STREAMS:
        raise HTTPException(status_code=413, detail=f"at most {MAX_STREAMS} tags at once")
    return [_folder(tag) for tag in tags if fmt.label_of(tag) is not None]


@_route("/reader/api/0/mark-all-as-read", ("POST",))
async def mark_all_as_read(request: Request) -> Response:
    caller = await _caller(request)
    stream = _stream(caller, caller.params.get("s") or fmt.READING_LIST)
    caller.readers.mark_stream_read(caller.user_id, stream, _seconds(caller.params, "ts"))
    return _ok()
