"""The stored article as the AI features see it: title, text and sentence offsets into the text."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ArticleDoc:
    """``sentences`` are ``(start, end)`` character offsets into ``text`` (from the enrichment)."""

    article_id: int
    title: str
    text: str
    sentences: tuple[tuple[int, int], ...] = ()
    summary: tuple[str, ...] = ()
    language: str | None = None
    digest: str = field(default="", compare=False)

    def sentence(self, index: int) -> str:
        start, end = self.sentences[index]
        return self.text[start:end].strip()


def make_doc(
    article_id: int,
    title: str,
    text: str,
    spans: object,
    summary: object = (),
    language: str | None = None,
) -> ArticleDoc:
    """An ArticleDoc from stored values; spans that do not fit the text are dropped, and an
    article without usable spans is split here (so offsets always index ``text``)."""
    sentences = valid_spans(spans, text) or split_spans(text)
    points = (
        tuple(item for item in summary if isinstance(item, str) and item.strip())
        if isinstance(summary, (list, tuple))
        else ()
    )
    digest = hashlib.sha256(f"{title}\x00{text}".encode()).hexdigest()[:16]
    return ArticleDoc(article_id, title, text, sentences, points, language, digest)


def valid_spans(spans: object, text: str) -> tuple[tuple[int, int], ...]:
    """Well-formed, ordered, non-empty spans inside ``text``; anything else is skipped."""
    if not isinstance(spans, (list, tuple)):
        return ()
    kept: list[tuple[int, int]] = []
    previous_end = 0
    for span in spans:
        if not isinstance(span, (list, tuple)) or len(span) != 2:
            continue
        start, end = span
        if not isinstance(start, int) or not isinstance(end, int):
            continue
        if previous_end <= start < end <= len(text) and text[start:end].strip():
            kept.append((start, end))
            previous_end = end
    return tuple(kept)


def split_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Sentence spans for an article the enrich stage has not reached yet."""
    if not text.strip():
        return ()
    from gazette.enrich.sentences import split_sentences

    return valid_spans(split_sentences(text, "en"), text)
