"""Threaded comments on articles and stories: post, reply, edit, delete, report and like.

The article and story pages include ``comments/_section.html`` with the
context :func:`comments_context` builds; ``GET /articles/{id}/comments`` (and
the story twin) show the same section on a page of its own, for paging long
threads without the rest of the article.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import Response

from gazette.models import Comment, CommentStatus, Role, User
from gazette.store.comments import CommentRow
from gazette.web.auth import (
    COMMENT_BY_IP,
    CsrfDep,
    UserDep,
    client_ip,
    csrf_token,
    current_user,
    has_role,
    limits_of,
    record,
    render,
    see_other,
    store_of,
    throttled,
)
from gazette.web.markdown import count_links, render_markdown

router = APIRouter()
Sort = Literal["oldest", "newest", "top"]
SORTS: tuple[Sort, ...] = ("oldest", "newest", "top")
Body = Annotated[str, Form(max_length=100_000)]
ParentField = Annotated[str, Form(max_length=20, pattern=r"^[0-9]*$")]


@dataclass(slots=True)
class CommentNode:
    """One comment as the thread shows it, with its replies and what the viewer may do."""

    row: CommentRow
    depth: int
    replies: list[CommentNode] = field(default_factory=list)
    placeholder: bool = False
    can_edit: bool = False
    can_delete: bool = False
    can_reply: bool = False

    @property
    def comment(self) -> Comment:
        return self.row.comment


@dataclass(slots=True)
class CommentSection:
    """What ``comments/_section.html`` needs (pass it as ``comments``)."""

    action: str
    count: int
    nodes: list[CommentNode]
    sort: Sort
    page: int
    has_next: bool
    user: User | None
    csrf_token: str
    login_url: str
    can_moderate: bool
    max_length: int


def comments_context(
    request: Request, *, article_id: int | None = None, story_id: int | None = None
) -> CommentSection:
    """The comment section of an article or story, for the viewer of ``request``.

    Reads ``csort`` (oldest, newest, top) and ``cpage`` from the query string.
    """
    sort = request.query_params.get("csort", "oldest")
    chosen: Sort = sort if sort in SORTS else "oldest"
    raw_page = request.query_params.get("cpage", "1")
    page = int(raw_page) if raw_page.isdigit() and 0 < int(raw_page) < 10_000 else 1
    return build_section(request, article_id=article_id, story_id=story_id, sort=chosen, page=page)


def build_section(
    request: Request, *, article_id: int | None, story_id: int | None, sort: Sort, page: int
) -> CommentSection:
    store, limits, user = store_of(request), limits_of(request), current_user(request)
    rows = store.thread_comments(article_id=article_id, story_id=story_id)
    roots = visible_tree(rows, user, limits.max_depth)
    _mark_permissions(roots, user, request)
    roots = sorted_roots(roots, sort)
    size = limits.thread_page_size
    action = f"/articles/{article_id}/comments" if article_id is not None else f"/stories/{story_id}/comments"
    return CommentSection(
        action=action,
        count=sum(1 for row in rows if row.comment.status is CommentStatus.VISIBLE),
        nodes=roots[(page - 1) * size : page * size],
        sort=sort,
        page=page,
        has_next=len(roots) > page * size,
        user=user,
        csrf_token=csrf_token(request) if user else "",
        login_url=f"/login?next={request.url.path}",
        can_moderate=has_role(user, Role.MODERATOR),
        max_length=limits.max_comment_length,
    )


def visible_tree(rows: list[CommentRow], viewer: User | None, max_depth: int) -> list[CommentNode]:
    """The thread as ``viewer`` may see it: hidden, held and deleted comments only as needed."""
    moderator = has_role(viewer, Role.MODERATOR)
    nodes: dict[int, CommentNode] = {}
    roots: list[CommentNode] = []
    for row in rows:
        comment = row.comment
        assert comment.id is not None
        parent = nodes.get(comment.parent_id) if comment.parent_id else None
        depth = min(parent.depth + 1, max_depth - 1) if parent else 0
        node = CommentNode(row=row, depth=depth, placeholder=not _readable(comment, viewer, moderator))
        nodes[comment.id] = node
        (parent.replies if parent else roots).append(node)
    return _pruned(roots)


def _readable(comment: Comment, viewer: User | None, moderator: bool) -> bool:
    if comment.status is CommentStatus.VISIBLE:
        return True
    if comment.status is CommentStatus.DELETED:
        return False
    own = viewer is not None and comment.user_id == viewer.id
    return moderator or (own and comment.status is CommentStatus.HELD)


def _pruned(nodes: list[CommentNode]) -> list[CommentNode]:
    """Drop placeholders that have no readable reply under them."""
    kept = []
    for node in nodes:
        node.replies = _pruned(node.replies)
        if not node.placeholder or node.replies:
            kept.append(node)
    return kept


def sorted_roots(roots: list[CommentNode], sort: Sort) -> list[CommentNode]:
    """Top-level comments in the chosen order; replies stay oldest first under them."""
    if sort == "newest":
        return sorted(roots, key=lambda node: node.comment.id or 0, reverse=True)
    if sort == "top":
        return sorted(roots, key=lambda node: (-node.row.score, node.comment.id or 0))
    return roots


def _mark_permissions(nodes: list[CommentNode], user: User | None, request: Request) -> None:
    limits = limits_of(request)
    now = limits.clock()
    for node in nodes:
        comment = node.comment
        own = user is not None and comment.user_id == user.id and not node.placeholder
        in_window = comment.created is not None and now - comment.created <= timedelta(
            seconds=limits.edit_window_seconds
        )
        node.can_edit = own and in_window and comment.status in (CommentStatus.VISIBLE, CommentStatus.HELD)
        node.can_delete = (
            own or has_role(user, Role.MODERATOR)
        ) and comment.status is not CommentStatus.DELETED
        node.can_reply = user is not None and comment.status is CommentStatus.VISIBLE
        _mark_permissions(node.replies, user, request)


# pages


@router.get("/articles/{article_id}/comments")
def article_comments_page(
    request: Request,
    article_id: int,
    csort: Sort = "oldest",
    cpage: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    article = store_of(request).get_article(article_id) if 0 < article_id < 2**63 else None
    if article is None:
        raise HTTPException(status_code=404, detail="No such article")
    section = build_section(request, article_id=article_id, story_id=None, sort=csort, page=cpage)
    return _thread_page(request, section, article.title, f"/articles/{article_id}")


@router.get("/stories/{story_id}/comments")
def story_comments_page(
    request: Request,
    story_id: int,
    csort: Sort = "oldest",
    cpage: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    story = store_of(request).get_story(story_id) if 0 < story_id < 2**63 else None
    if story is None:
        raise HTTPException(status_code=404, detail="No such story")
    section = build_section(request, article_id=None, story_id=story_id, sort=csort, page=cpage)
    return _thread_page(request, section, story.title, f"/stories/{story_id}")


def _thread_page(request: Request, section: CommentSection, title: str, back: str) -> Response:
    """A comment thread on a page of its own, linking back to what it discusses."""
    return render(request, "comments/page.html", {"comments": section, "title": title, "back": back})


# posting


@router.post("/articles/{article_id}/comments", dependencies=[CsrfDep])
def post_article_comment(
    request: Request, user: UserDep, article_id: int, body: Body, parent_id: ParentField = ""
) -> Response:
    if (store_of(request).get_article(article_id) if 0 < article_id < 2**63 else None) is None:
        raise HTTPException(status_code=404, detail="No such article")
    comment = _post(
        request, user, Comment(user_id=user.id, body=body, body_html="", article_id=article_id), parent_id
    )
    return see_other(f"/articles/{article_id}#comment-{comment.id}")


@router.post("/stories/{story_id}/comments", dependencies=[CsrfDep])
def post_story_comment(
    request: Request, user: UserDep, story_id: int, body: Body, parent_id: ParentField = ""
) -> Response:
    if (store_of(request).get_story(story_id) if 0 < story_id < 2**63 else None) is None:
        raise HTTPException(status_code=404, detail="No such story")
    comment = _post(
        request, user, Comment(user_id=user.id, body=body, body_html="", story_id=story_id), parent_id
    )
    return see_other(f"/stories/{story_id}#comment-{comment.id}")


def _post(request: Request, user: User, draft: Comment, parent_id: str) -> Comment:
    store, limits = store_of(request), limits_of(request)
    assert user.id is not None
    draft.body = _checked_body(request, draft.body)
    draft.parent_id = _reply_parent(request, draft, int(parent_id)) if parent_id else None
    window_start = limits.clock() - timedelta(seconds=limits.comment_window_seconds)
    ip = client_ip(request)
    if store.count_user_comments(user.id, since=window_start) >= limits.comments_per_user or throttled(
        request, COMMENT_BY_IP, ip, limits.comments_per_ip, limits.comment_window_seconds
    ):
        raise HTTPException(status_code=429, detail="You are commenting too fast; wait a few minutes.")
    draft.body_html = render_markdown(draft.body)
    draft.status = _initial_status(request, user, draft.body)
    draft.created = limits.clock()
    record(request, COMMENT_BY_IP, ip)
    return store.add_comment(draft)


def _checked_body(request: Request, body: str) -> str:
    text = body.strip()
    if not text:
        raise HTTPException(status_code=400, detail="The comment is empty.")
    if len(text) > limits_of(request).max_comment_length:
        raise HTTPException(status_code=400, detail="The comment is too long.")
    return text


def _reply_parent(request: Request, draft: Comment, parent_id: int) -> int:
    """The comment a reply hangs from; replies past the depth limit join their parent's siblings."""
    store, max_depth = store_of(request), limits_of(request).max_depth
    parent = store.get_comment(parent_id) if 0 < parent_id < 2**63 else None
    same_thread = parent is not None and (parent.article_id, parent.story_id) == (
        draft.article_id,
        draft.story_id,
    )
    if parent is None or not same_thread or parent.status is not CommentStatus.VISIBLE:
        raise HTTPException(status_code=400, detail="You can only reply to a visible comment in this thread.")
    chain = [parent]
    while chain[-1].parent_id is not None and len(chain) < max_depth + 1:
        above = store.get_comment(chain[-1].parent_id)
        if above is None:
            break
        chain.append(above)
    # chain[0] is at depth len(chain) - 1; a reply to it would sit one deeper
    depth_of_reply = len(chain)
    if depth_of_reply >= max_depth and parent.parent_id is not None:
        return parent.parent_id
    assert parent.id is not None
    return parent.id


def _initial_status(request: Request, user: User, body: str) -> CommentStatus:
    """HELD when it has too many links, or is a new account's first comment and the setting says so."""
    limits = limits_of(request)
    if has_role(user, Role.MODERATOR):
        return CommentStatus.VISIBLE
    if count_links(body) > limits.max_links_per_comment:
        return CommentStatus.HELD
    assert user.id is not None
    first = store_of(request).count_user_comments(user.id, status=CommentStatus.VISIBLE) == 0
    return CommentStatus.HELD if limits.hold_first_comments and first else CommentStatus.VISIBLE


# changing a comment


def _existing(request: Request, comment_id: int) -> Comment:
    comment = store_of(request).get_comment(comment_id) if 0 < comment_id < 2**63 else None
    if comment is None:
        raise HTTPException(status_code=404, detail="No such comment")
    return comment


def thread_url(comment: Comment) -> str:
    base = (
        f"/articles/{comment.article_id}"
        if comment.article_id is not None
        else f"/stories/{comment.story_id}"
    )
    return f"{base}#comment-{comment.id}"


@router.post("/comments/{comment_id}/edit", dependencies=[CsrfDep])
def edit_comment(request: Request, user: UserDep, comment_id: int, body: Body) -> Response:
    comment = _existing(request, comment_id)
    limits = limits_of(request)
    if comment.user_id != user.id:
        raise HTTPException(status_code=403, detail="You can only edit your own comments.")
    if comment.status not in (CommentStatus.VISIBLE, CommentStatus.HELD):
        raise HTTPException(status_code=403, detail="This comment can no longer be edited.")
    assert comment.created is not None
    if limits.clock() - comment.created > timedelta(seconds=limits.edit_window_seconds):
        raise HTTPException(status_code=403, detail="The time to edit this comment has passed.")
    text = _checked_body(request, body)
    status = comment.status
    if count_links(text) > limits.max_links_per_comment and not has_role(user, Role.MODERATOR):
        status = CommentStatus.HELD
    store_of(request).edit_comment(comment_id, text, render_markdown(text), status)
    return see_other(thread_url(comment))


@router.post("/comments/{comment_id}/delete", dependencies=[CsrfDep])
def delete_comment(request: Request, user: UserDep, comment_id: int) -> Response:
    comment = _existing(request, comment_id)
    own = comment.user_id == user.id
    if not own and not has_role(user, Role.MODERATOR):
        raise HTTPException(status_code=403, detail="You can only delete your own comments.")
    store = store_of(request)
    store.set_comment_status(comment_id, CommentStatus.DELETED)
    if not own:
        store.resolve_reports(comment_id)
        store.add_audit(user.id, "delete", "comment", comment_id, "")
    return see_other(thread_url(comment))


@router.post("/comments/{comment_id}/report", dependencies=[CsrfDep])
def report_comment(
    request: Request, user: UserDep, comment_id: int, reason: Annotated[str, Form(max_length=500)] = ""
) -> Response:
    comment = _existing(request, comment_id)
    if comment.status is CommentStatus.DELETED:
        raise HTTPException(status_code=404, detail="No such comment")
    assert user.id is not None
    store_of(request).report_comment(comment_id, user.id, reason.strip())
    return see_other(thread_url(comment))


@router.post("/comments/{comment_id}/like", dependencies=[CsrfDep])
def like_comment(request: Request, user: UserDep, comment_id: int) -> Response:
    comment = _existing(request, comment_id)
    if comment.status is not CommentStatus.VISIBLE or comment.user_id == user.id:
        raise HTTPException(status_code=400, detail="You can like other people's visible comments.")
    assert user.id is not None
    store_of(request).toggle_vote(comment_id, user.id)
    return see_other(thread_url(comment))
