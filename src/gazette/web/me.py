"""Per-user reading state: unread and starred lists, read/star marks, subscriptions and saved searches.

Every route acts only on the logged-in user's own rows: ids in the URL name
articles, feeds or the user's own saved searches, never another user's state.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import Response

from gazette.models import User
from gazette.store.views import ArticleBrief
from gazette.web.auth import (
    CsrfDep,
    UserDep,
    current_user,
    render,
    safe_next,
    see_other,
    settings_of,
    store_of,
)
from gazette.web.readers.credentials import readers_of, register_password

router = APIRouter()
PAGE_SIZE = 50
MAX_BULK = 500
Mark = Literal["read", "unread", "star", "unstar"]
MARKS: dict[str, dict[str, bool]] = {
    "read": {"read": True},
    "unread": {"read": False},
    "star": {"starred": True},
    "unstar": {"starred": False},
}
PageNumber = Annotated[int, Query(ge=1, le=10_000)]
NextField = Annotated[str, Form(max_length=2000)]


def mark_read_on_open(request: Request, article_id: int) -> None:
    """Mark an article read for the logged-in user (the article page calls this when it is opened)."""
    user = current_user(request)
    if user is not None and user.id is not None:
        store_of(request).set_article_state(user.id, [article_id], read=True)


def _sources(request: Request) -> dict[int, object]:
    return {source.id: source for source in store_of(request).list_sources() if source.id is not None}


@router.get("/me/unread")
def unread(request: Request, user: UserDep, page: PageNumber = 1) -> Response:
    assert user.id is not None
    briefs = store_of(request).unread_briefs(user.id, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return _article_list(request, "Unread", briefs, page, bulk=True)


@router.get("/me/starred")
def starred(request: Request, user: UserDep, page: PageNumber = 1) -> Response:
    assert user.id is not None
    briefs = store_of(request).starred_briefs(user.id, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return _article_list(request, "Starred", briefs, page, bulk=False)


def _article_list(
    request: Request, heading: str, briefs: list[ArticleBrief], page: int, *, bulk: bool
) -> Response:
    """One page of a personal list; ``briefs`` holds one more than a page when there is a next page."""
    shown = briefs[:PAGE_SIZE]
    context = {
        "heading": heading,
        "articles": shown,
        "comment_counts": store_of(request).comment_counts([brief.id for brief in shown]),
        "has_next": len(briefs) > PAGE_SIZE,
        "page": page,
        "sources": _sources(request),
        "bulk": bulk,
    }
    return render(request, "me/list.html", context)


@router.post("/me/articles/{article_id}/{mark}", dependencies=[CsrfDep])
def mark_article(
    request: Request, user: UserDep, article_id: int, mark: Mark, next: NextField = ""
) -> Response:
    assert user.id is not None
    if not 0 < article_id < 2**63 or not store_of(request).set_article_state(
        user.id, [article_id], **MARKS[mark]
    ):
        raise HTTPException(status_code=404, detail="No such article")
    return see_other(safe_next(next, f"/articles/{article_id}"))


@router.post("/me/read", dependencies=[CsrfDep])
async def mark_many_read(request: Request, user: UserDep) -> Response:
    """Mark the articles named by the form's ``article_id`` fields read (the bulk button on /me/unread)."""
    assert user.id is not None
    form = await request.form()
    ids = [int(value) for value in form.getlist("article_id") if isinstance(value, str) and value.isdigit()]
    if len(ids) > MAX_BULK:
        raise HTTPException(status_code=413, detail=f"At most {MAX_BULK} articles at once.")
    store_of(request).set_article_state(user.id, [i for i in ids if 0 < i < 2**63], read=True)
    next_value = form.get("next")
    return see_other(safe_next(next_value if isinstance(next_value, str) else None, "/me/unread"))


@router.get("/me/subscriptions")
def subscriptions(request: Request, user: UserDep) -> Response:
    assert user.id is not None
    store = store_of(request)
    subscribed = {sub.feed_id for sub in store.user_subscriptions(user.id)}
    context = {"feeds": store.list_feeds(), "subscribed": subscribed}
    return render(request, "me/subscriptions.html", context)


@router.post("/me/subscriptions/{feed_id}/{change}", dependencies=[CsrfDep])
def change_subscription(
    request: Request, user: UserDep, feed_id: int, change: Literal["subscribe", "unsubscribe"]
) -> Response:
    assert user.id is not None
    store = store_of(request)
    if not 0 < feed_id < 2**63 or store.get_feed(feed_id) is None:
        raise HTTPException(status_code=404, detail="No such feed")
    if change == "subscribe":
        store.subscribe_user(user.id, feed_id)
    else:
        store.unsubscribe_user(user.id, feed_id)
    return see_other("/me/subscriptions")


@router.post("/me/searches", dependencies=[CsrfDep])
def save_search(
    request: Request,
    user: UserDep,
    q: Annotated[str, Form(min_length=1, max_length=500)],
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    assert user.id is not None
    store_of(request).add_saved_search(user.id, name.strip() or q.strip(), q.strip())
    return see_other("/me")


@router.post("/me/searches/{search_id}/delete", dependencies=[CsrfDep])
def delete_search(request: Request, user: UserDep, search_id: int) -> Response:
    assert user.id is not None
    if not 0 < search_id < 2**63 or not store_of(request).delete_saved_search(user.id, search_id):
        raise HTTPException(status_code=404, detail="No such saved search")
    return see_other("/me")


@router.get("/me/reader-apps")
def reader_apps(request: Request, user: UserDep) -> Response:
    return _reader_apps_page(request, user, None)


def _reader_apps_page(request: Request, user: User, new_password: str | None) -> Response:
    assert user.id is not None
    context = {
        "created": readers_of(request).reader_password_created(user.id),
        "new_password": new_password,
        "base_url": settings_of(request).base_url.rstrip("/"),
        "username": user.username,
    }
    return render(request, "me/reader_apps.html", context)


@router.post("/me/reader-apps/password", dependencies=[CsrfDep])
def new_reader_app_password(request: Request, user: UserDep) -> Response:
    """Make (or replace) the reader-app password; it is shown on this response only."""
    return _reader_apps_page(request, user, register_password(request, user))


@router.post("/me/reader-apps/revoke", dependencies=[CsrfDep])
def revoke_reader_app_password(request: Request, user: UserDep) -> Response:
    assert user.id is not None
    readers_of(request).revoke_reader_password(user.id)
    return see_other("/me/reader-apps")
