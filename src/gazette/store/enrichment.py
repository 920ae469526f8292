"""Per-article enrichment results, the entities they mention, and their quotes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, func, insert, or_, select, update

from gazette.models import Entity, Quote, QuoteKind
from gazette.store.db import explain_errors
from gazette.store.schema import article_entities, articles, enrichments, entities, quotes
from gazette.store.util import utcnow


@dataclass(slots=True)
class EntityMention:
    """An entity as one article mentions it: ``key`` merges spelling variants across articles."""

    key: str
    name: str
    type: str
    mentions: int = 1


@dataclass(slots=True)
class StoredEnrichment:
    article_id: int
    version: int
    data: dict[str, Any]
    vector: bytes | None
    error: str | None


class EnrichmentStore:
    engine: Engine

    def articles_to_enrich(self, version: int, limit: int = 100) -> list[int]:
        """Ids of articles with no enrichment, or one older than ``version``, oldest first."""
        query = (
            select(articles.c.id)
            .outerjoin(enrichments, enrichments.c.article_id == articles.c.id)
            .where(or_(enrichments.c.article_id.is_(None), enrichments.c.version < version))
            .where(articles.c.needs_page.is_(False))
            .order_by(articles.c.id)
            .limit(limit)
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            return [row[0] for row in conn.execute(query)]

    def save_enrichment(
        self,
        article_id: int,
        version: int,
        data: dict[str, Any],
        vector: bytes | None,
        mentions: Sequence[EntityMention] = (),
        found_quotes: Sequence[Quote] = (),
        error: str | None = None,
    ) -> None:
        """Replace the article's enrichment, entity links and quotes in one short transaction."""
        with explain_errors(self.engine), self.engine.begin() as conn:
            conn.execute(delete(enrichments).where(enrichments.c.article_id == article_id))
            conn.execute(
                insert(enrichments).values(
                    article_id=article_id,
                    version=version,
                    data=json.dumps(data, ensure_ascii=False),
                    vector=vector,
                    error=error,
                    updated=utcnow(),
                )
            )
            conn.execute(delete(article_entities).where(article_entities.c.article_id == article_id))
            conn.execute(delete(quotes).where(quotes.c.article_id == article_id))
            entity_ids = self._entity_ids(conn, mentions)
            if mentions:
                conn.execute(
                    insert(article_entities),
                    [
                        {
                            "article_id": article_id,
                            "entity_id": entity_ids[(m.key, m.type)],
                            "mentions": m.mentions,
                        }
                        for m in _merged(mentions)
                    ],
                )
            if found_quotes:
                by_name = {m.name: entity_ids[(m.key, m.type)] for m in mentions if m.type == "PERSON"}
                conn.execute(insert(quotes), [_quote_row(article_id, q, by_name) for q in found_quotes])

    def _entity_ids(self, conn: Any, mentions: Sequence[EntityMention]) -> dict[tuple[str, str], int]:
        wanted = {(m.key, m.type): m.name for m in mentions}
        ids: dict[tuple[str, str], int] = {}
        for (key, kind), name in wanted.items():
            found = conn.execute(
                select(entities.c.id).where(entities.c.key == key, entities.c.type == kind)
            ).scalar()
            if found is None:
                inserted = conn.execute(
                    insert(entities).values(key=key, name=name, type=kind)
                ).inserted_primary_key
                found = inserted[0]
            ids[(key, kind)] = int(found)
        return ids

    def enrichment(self, article_id: int) -> StoredEnrichment | None:
        with explain_errors(self.engine), self.engine.connect() as conn:
            row = conn.execute(select(enrichments).where(enrichments.c.article_id == article_id)).first()
        if row is None:
            return None
        return StoredEnrichment(row.article_id, row.version, json.loads(row.data), row.vector, row.error)

    def article_entities(self, article_id: int) -> list[Entity]:
        query = (
            select(entities)
            .join(article_entities, article_entities.c.entity_id == entities.c.id)
            .where(article_entities.c.article_id == article_id)
            .order_by(article_entities.c.mentions.desc(), entities.c.name)
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            return [Entity(id=r.id, name=r.name, type=r.type) for r in conn.execute(query)]

    def article_quotes(self, article_id: int) -> list[Quote]:
        query = select(quotes).where(quotes.c.article_id == article_id).order_by(quotes.c.start)
        with explain_errors(self.engine), self.engine.connect() as conn:
            return [quote_from_row(r) for r in conn.execute(query)]

    def enrichment_vectors(self, article_ids: Sequence[int]) -> dict[int, bytes]:
        query = select(enrichments.c.article_id, enrichments.c.vector).where(
            enrichments.c.article_id.in_(list(article_ids)), enrichments.c.vector.is_not(None)
        )
        with explain_errors(self.engine), self.engine.connect() as conn:
            return {row[0]: row[1] for row in conn.execute(query)}

    def enrichment_failures(self) -> int:
        query = select(func.count()).select_from(enrichments).where(enrichments.c.error.is_not(None))
        with explain_errors(self.engine), self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def clear_enrichment_errors(self) -> None:
        """Forget failed enrichments so they are tried again."""
        with explain_errors(self.engine), self.engine.begin() as conn:
            conn.execute(delete(enrichments).where(enrichments.c.error.is_not(None)))

    def mark_enrichment_error(self, article_id: int, version: int, error: str) -> None:
        with explain_errors(self.engine), self.engine.begin() as conn:
            done = conn.execute(
                update(enrichments)
                .where(enrichments.c.article_id == article_id)
                .values(error=error, version=version)
            ).rowcount
            if not done:
                conn.execute(
                    insert(enrichments).values(
                        article_id=article_id, version=version, data="{}", error=error, updated=utcnow()
                    )
                )


def _merged(mentions: Sequence[EntityMention]) -> list[EntityMention]:
    merged: dict[tuple[str, str], EntityMention] = {}
    for mention in mentions:
        key = (mention.key, mention.type)
        if key in merged:
            merged[key].mentions += mention.mentions
        else:
            merged[key] = EntityMention(mention.key, mention.name, mention.type, mention.mentions)
    return list(merged.values())


def _quote_row(article_id: int, quote: Quote, by_name: dict[str, int]) -> dict[str, Any]:
    span = quote.speaker_span
    return {
        "article_id": article_id,
        "text": quote.text,
        "start": quote.start,
        "end": quote.end,
        "kind": quote.kind.value,
        "speaker": quote.speaker,
        "speaker_start": span[0] if span else None,
        "speaker_end": span[1] if span else None,
        "cue": quote.cue,
        "entity_id": by_name.get(quote.speaker or ""),
    }


def quote_from_row(row: Any) -> Quote:
    span = (row.speaker_start, row.speaker_end) if row.speaker_start is not None else None
    return Quote(
        id=row.id,
        article_id=row.article_id,
        text=row.text,
        start=row.start,
        end=row.end,
        kind=QuoteKind(row.kind),
        speaker=row.speaker,
        speaker_span=span,
        cue=row.cue,
    )
