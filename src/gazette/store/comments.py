"""Comments on articles and stories, their votes and reports, and the moderation queue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from gazette.models import Comment, CommentStatus
from gazette.store.db import explain_errors
from gazette.store.schema import comment_reports, comment_votes, comments, users
from gazette.store.util import utcnow

COUNTED_STATUSES = (CommentStatus.VISIBLE.value,)


@dataclass(slots=True)
class CommentRow:
    """A comment with what a thread shows beside it: the author's name and its score."""

    comment: Comment
    username: str | None
    score: int


@dataclass(slots=True)
class ReportedComment:
    comment: Comment
    username: str | None
    reports: int
    reasons: list[str]


def comment_from_row(row: Any) -> Comment:
    return Comment(
        id=row.id,
        user_id=row.user_id,
        body=row.body,
        body_html=row.body_html,
        article_id=row.article_id,
        story_id=row.story_id,
        parent_id=row.parent_id,
        status=CommentStatus(row.status),
        created=row.created,
        edited=row.edited,
    )


def _with_author() -> Any:
    return select(comments, users.c.username).outerjoin(users, users.c.id == comments.c.user_id)


class CommentStore:
    engine: Engine

    def add_comment(self, comment: Comment) -> Comment:
        created = comment.created or utcnow()
        with explain_errors(self.engine), self.engine.begin() as conn:
            key = conn.execute(
                insert(comments).values(
                    article_id=comment.article_id,
                    story_id=comment.story_id,
                    user_id=comment.user_id,
                    parent_id=comment.parent_id,
                    body=comment.body,
                    body_html=comment.body_html,
                    status=comment.status.value,
                    score=0.0,
                    created=created,
                )
            ).inserted_primary_key
        assert key is not None
        return Comment(
            id=key[0],
            user_id=comment.user_id,
            body=comment.body,
            body_html=comment.body_html,
            article_id=comment.article_id,
            story_id=comment.story_id,
            parent_id=comment.parent_id,
            status=comment.status,
            created=created,
        )

    def get_comment(self, comment_id: int) -> Comment | None:
        with explain_errors(self.engine), self.engine.connect() as conn:
            row = conn.execute(select(comments).where(comments.c.id == comment_id)).first()
        return comment_from_row(row) if row else None

    def thread_comments(
        self, *, article_id: int | None = None, story_id: int | None = None
    ) -> list[CommentRow]:
        """Every comment on one article or story, oldest first (the web layer builds the tree)."""
        query = _with_author()
        if article_id is not None:
            query = query.where(comments.c.article_id == article_id)
        else:
            query = query.where(comments.c.story_id == story_id)
        with explain_errors(self.engine), self.engine.connect() as conn:
            rows = conn.execute(query.order_by(comments.c.created, comments.c.id)).all()
        return [CommentRow(comment_from_row(row), row.username, int(row.score)) for row in rows]

    def edit_comment(self, comment_id: int, body: str, body_html: str, status: CommentStatus) -> None:
        with explain_errors(self.engine), self.engine.begin() as conn:
            conn.execute(
                update(comments)
                .where(comments.c.id == comment_id)
                .values(body=body, body_html=body_html, status=status.value, edited=utcnow())
            )

    def set_comment_status(self, comment_id: int, status: CommentStatus) -> None:
        """Change a comment's status; deleting also erases its text (replies keep their place)."""
        values: dict[str, Any] = {"status": status.value}
        if status is CommentStatus.DELETED:
            values.update(body="", body_html="")
        with explain_errors(self.engine), self.engine.begin() as conn:
            conn.execute(update(comments).where(comments.c.id == comment_id).values(**values))

    def erase_user_comments(self, user_id: int) -> int:
        """Soft-delete every comment of a user (when they leave and take their words with them)."""
        with explain_errors(self.engine), self.engine.begin() as conn:
            return conn.execute(
                update(comments)
                .where(comments.c.user_id == user_id)
                .values(status=CommentStatus.DELETED.value, body="", body_html="")
            ).rowcount

    def count_user_comments(
        self, user_id: int, *, since: datetime | None = None, status: CommentStatus | None = None
    ) -> int:
        query = select(func.count()).select_from(comments).where(comments.c.user_id == user_id)
        if since is not None:
            query = query.where(comments.c.created > since)
        if status is not None:
            query = query.where(comments.c.status == status.value)
        with explain_errors(self.engine), self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def comment_counts(self, article_ids: Sequence[int]) -> dict[int, int]:
        """Visible comments per article, for the ids given (articles without comments are absent)."""
        if not article_ids:
            return {}
        query = (
            select(comments.c.article_id, func.count())
            .where(comments.c.article_id.in_(set(article_ids)), comments.c.status.in_(COUNTED_STATUSES))
            .group_by(comments.c.article_id)
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            return {int(row[0]): int(row[1]) for row in conn.execute(query)}

    def story_comment_counts(self, story_ids: Sequence[int]) -> dict[int, int]:
        if not story_ids:
            return {}
        query = (
            select(comments.c.story_id, func.count())
            .where(comments.c.story_id.in_(set(story_ids)), comments.c.status.in_(COUNTED_STATUSES))
            .group_by(comments.c.story_id)
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            return {int(row[0]): int(row[1]) for row in conn.execute(query)}

    # votes

    def toggle_vote(self, comment_id: int, user_id: int) -> bool:
        """Like a comment, or take the like back; returns whether the user now likes it."""
        where = (comment_votes.c.comment_id == comment_id) & (comment_votes.c.user_id == user_id)
        with explain_errors(self.engine), self.engine.begin() as conn:
            removed = conn.execute(delete(comment_votes).where(where)).rowcount
            if not removed:
                conn.execute(
                    insert(comment_votes).values(comment_id=comment_id, user_id=user_id, created=utcnow())
                )
            self._refresh_score(conn, comment_id)
        return not removed

    def _refresh_score(self, conn: Connection, comment_id: int) -> None:
        votes = (
            select(func.count()).select_from(comment_votes).where(comment_votes.c.comment_id == comment_id)
        )
        conn.execute(
            update(comments).where(comments.c.id == comment_id).values(score=votes.scalar_subquery())
        )

    # reports and the moderation queue

    def report_comment(self, comment_id: int, user_id: int, reason: str) -> bool:
        """Record a report; False when this user already reported this comment."""
        where = (comment_reports.c.comment_id == comment_id) & (comment_reports.c.user_id == user_id)
        with explain_errors(self.engine), self.engine.begin() as conn:
            if conn.execute(select(comment_reports.c.id).where(where)).first() is not None:
                return False
            conn.execute(
                insert(comment_reports).values(
                    comment_id=comment_id, user_id=user_id, reason=reason, created=utcnow(), resolved=False
                )
            )
        return True

    def resolve_reports(self, comment_id: int) -> int:
        with explain_errors(self.engine), self.engine.begin() as conn:
            return conn.execute(
                update(comment_reports)
                .where(comment_reports.c.comment_id == comment_id, comment_reports.c.resolved.is_(False))
                .values(resolved=True)
            ).rowcount

    def reported_comments(self, limit: int = 100) -> list[ReportedComment]:
        """Comments with open reports, most reported first."""
        open_reports = comment_reports.c.resolved.is_(False)
        counts = (
            select(comment_reports.c.comment_id, func.count().label("reports"))
            .where(open_reports)
            .group_by(comment_reports.c.comment_id)
            .subquery()
        )
        query = (
            _with_author()
            .add_columns(counts.c.reports)
            .join(counts, counts.c.comment_id == comments.c.id)
            .order_by(counts.c.reports.desc(), comments.c.id)
            .limit(limit)
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            rows = conn.execute(query).all()
            reasons = self._open_reasons(conn, [row.id for row in rows])
        return [
            ReportedComment(comment_from_row(row), row.username, int(row.reports), reasons.get(row.id, []))
            for row in rows
        ]

    def _open_reasons(self, conn: Connection, comment_ids: list[int]) -> dict[int, list[str]]:
        query = select(comment_reports.c.comment_id, comment_reports.c.reason).where(
            comment_reports.c.comment_id.in_(comment_ids), comment_reports.c.resolved.is_(False)
        )
        reasons: dict[int, list[str]] = {}
        for row in conn.execute(query.order_by(comment_reports.c.id)):
            if row.reason:
                reasons.setdefault(row.comment_id, []).append(row.reason)
        return reasons

    def held_comments(self, limit: int = 100) -> list[CommentRow]:
        query = _with_author().where(comments.c.status == CommentStatus.HELD.value)
        with explain_errors(self.engine), self.engine.connect() as conn:
            rows = conn.execute(query.order_by(comments.c.created, comments.c.id).limit(limit)).all()
        return [CommentRow(comment_from_row(row), row.username, int(row.score)) for row in rows]
