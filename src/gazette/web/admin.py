"""Administrator pages: feeds (add with discovery, pause, resume, OPML in and out) and users (roles)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Form, HTTPException, Request, UploadFile
from fastapi.responses import Response

from gazette.ingest.opml import OpmlError, OpmlFeed, parse_opml, write_opml
from gazette.models import Feed, FeedStatus, PausedBy, Role
from gazette.web.auth import AdminDep, CsrfDep, render, see_other, settings_of, store_of

router = APIRouter()
MAX_OPML_UPLOAD = 2 * 1024 * 1024


def _feeds_page(
    request: Request, message: str | None = None, error: str | None = None, status: int = 200
) -> Response:
    store = store_of(request)
    context = {
        "feeds": store.list_feeds(),
        "counts": store.article_counts_by_feed(),
        "message": message,
        "error": error,
    }
    return render(request, "admin/feeds.html", context, status_code=status)


@router.get("/admin/feeds")
def admin_feeds(request: Request, admin: AdminDep) -> Response:
    return _feeds_page(request)


@router.post("/admin/feeds", dependencies=[CsrfDep])
async def add_feed(request: Request, admin: AdminDep, url: Annotated[str, Form(max_length=2000)]) -> Response:
    """Add the feed at ``url``, or the feeds the site at ``url`` advertises (through the guarded fetcher)."""
    from gazette.ingest.fetch import FetchError
    from gazette.ingest.subscribe import NoFeedFound, find_feeds, subscribe
    from gazette.runner import fetcher_for

    try:
        async with fetcher_for(settings_of(request)) as fetcher:
            found = await find_feeds(fetcher, url.strip())
    except (FetchError, NoFeedFound, ValueError) as exc:
        return _feeds_page(request, error=f"Could not add {url}: {exc}", status=400)
    added = subscribe(store_of(request), found)
    store_of(request).add_audit(admin.id, "add-feed", "feed", added[0][0].id if added else None, url)
    new = sum(1 for _, created in added if created)
    return _feeds_page(request, message=f"Added {new} new feed(s) of {len(added)} found.")


@router.post("/admin/feeds/{feed_id}/{change}", dependencies=[CsrfDep])
def pause_or_resume(
    request: Request, admin: AdminDep, feed_id: int, change: Literal["pause", "resume"]
) -> Response:
    store = store_of(request)
    feed = store.get_feed(feed_id) if 0 < feed_id < 2**63 else None
    if feed is None:
        raise HTTPException(status_code=404, detail="No such feed")
    if change == "pause":
        feed.status, feed.paused_by = FeedStatus.PAUSED, PausedBy.USER
    else:
        feed.status, feed.paused_by, feed.next_poll = FeedStatus.NEW, None, datetime.now(UTC)
    store.save_feed(feed)
    store.add_audit(admin.id, change, "feed", feed_id, feed.url)
    return see_other("/admin/feeds")


@router.get("/admin/feeds.opml")
def export_opml(request: Request, admin: AdminDep) -> Response:
    feeds = [
        OpmlFeed(url=feed.url, title=feed.title, html_url=feed.site_url, category=feed.category)
        for feed in store_of(request).list_feeds()
    ]
    return Response(
        write_opml(feeds),
        media_type="text/x-opml; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="gazette.opml"', "cache-control": "no-store"},
    )


@router.post("/admin/feeds/import", dependencies=[CsrfDep])
async def import_opml(request: Request, admin: AdminDep, opml: UploadFile) -> Response:
    content = await opml.read(MAX_OPML_UPLOAD + 1)
    if len(content) > MAX_OPML_UPLOAD:
        return _feeds_page(request, error="The OPML file is too large.", status=413)
    try:
        listed = parse_opml(content)
    except OpmlError as exc:
        return _feeds_page(request, error=f"Could not read the OPML file: {exc}", status=400)
    store = store_of(request)
    added = [store.add_feed(Feed(url=item.url, title=item.title, category=item.category)) for item in listed]
    new = sum(1 for _, created in added if created)
    store.add_audit(admin.id, "import-opml", "feed", None, f"{new} new of {len(listed)}")
    return _feeds_page(request, message=f"Imported {new} new feed(s) of {len(listed)} listed.")


@router.get("/admin/users")
def admin_users(request: Request, admin: AdminDep) -> Response:
    context = {"users": store_of(request).list_users(), "roles": list(Role)}
    return render(request, "admin/users.html", context)


@router.post("/admin/users/{user_id}/role", dependencies=[CsrfDep])
def change_role(request: Request, admin: AdminDep, user_id: int, role: Annotated[Role, Form()]) -> Response:
    store = store_of(request)
    target = store.get_user(user_id) if 0 < user_id < 2**63 else None
    if target is None:
        raise HTTPException(status_code=404, detail="No such user")
    if target.id == admin.id:
        raise HTTPException(status_code=403, detail="Administrators cannot change their own role.")
    store.set_role(user_id, role)
    store.add_audit(admin.id, "set-role", "user", user_id, f"{target.role.value} -> {role.value}")
    return see_other("/admin/users")
