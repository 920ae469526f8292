"""The moderation queue (reported and held comments), comment and user actions, and the audit log.

Every action a moderator takes is written to the audit log with who did it.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from gazette.models import CommentStatus, Role
from gazette.web.auth import CsrfDep, ModeratorDep, has_role, render, see_other, store_of

router = APIRouter()
CommentAction = Literal["hide", "restore", "delete", "dismiss"]
UserAction = Literal["suspend", "reinstate"]
NEW_STATUS = {
    "hide": CommentStatus.HIDDEN,
    "restore": CommentStatus.VISIBLE,
    "delete": CommentStatus.DELETED,
}


@router.get("/moderation")
def moderation_queue(request: Request, moderator: ModeratorDep) -> Response:
    store = store_of(request)
    context = {
        "reported": store.reported_comments(),
        "held": store.held_comments(),
        "audit": store.audit_entries(limit=50),
    }
    return render(request, "admin/moderation.html", context)


@router.post("/moderation/comments/{comment_id}/{action}", dependencies=[CsrfDep])
def moderate_comment(
    request: Request,
    moderator: ModeratorDep,
    comment_id: int,
    action: CommentAction,
) -> Response:
    store = store_of(request)
    comment = store.get_comment(comment_id) if 0 < comment_id < 2**63 else None
    if comment is None:
        raise HTTPException(status_code=404, detail="No such comment")
    if action in NEW_STATUS:
        store.set_comment_status(comment_id, NEW_STATUS[action])
    store.resolve_reports(comment_id)
    store.add_audit(moderator.id, action, "comment", comment_id, f"was {comment.status.value}")
    return see_other("/moderation")


@router.post("/moderation/users/{user_id}/{action}", dependencies=[CsrfDep])
def moderate_user(request: Request, moderator: ModeratorDep, user_id: int, action: UserAction) -> Response:
    """Suspend (ending all their sessions) or reinstate a user; moderators cannot act on staff."""
    store = store_of(request)
    target = store.get_user(user_id) if 0 < user_id < 2**63 else None
    if target is None:
        raise HTTPException(status_code=404, detail="No such user")
    if target.id == moderator.id or (
        has_role(target, Role.MODERATOR) and not has_role(moderator, Role.ADMIN)
    ):
        raise HTTPException(
            status_code=403, detail="Only an administrator can suspend staff, and not themselves."
        )
    store.set_suspended(user_id, action == "suspend")
    store.add_audit(moderator.id, action, "user", user_id, target.username)
    return see_other("/moderation")
