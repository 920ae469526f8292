"""The enrich stage in one place: text in, :class:`Enrichment` out.

Work is batched: spaCy runs over a batch with ``nlp.pipe`` and the article
vectors of a batch go through the embedding model in one call. Entities,
quotes and numbers are English only (the spaCy model is English); every
language gets sentences, reading time, keywords, a summary and an article
vector. The summary uses no sentence embeddings: on the CNN/DM gate they
added nothing over position, word salience, length and content-word MMR (see
``gazette.enrich.summary``) while costing three times the article embedding.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gazette.enrich import embed
from gazette.enrich.entities import EntityMention, find_entities
from gazette.enrich.keywords import keywords
from gazette.enrich.nlp import load_nlp
from gazette.enrich.numbers import NumberMention, find_numbers
from gazette.enrich.quotes import QuoteSpan, find_quotes
from gazette.enrich.sentences import detect_language, reading_minutes, sentence_texts, split_sentences
from gazette.enrich.summary import clean_sentence, key_points, summarize

ENRICHMENT_VERSION = 2
# Summary sentences come from the first part of a news article.
SUMMARY_CANDIDATES = 12
NLP_LANGUAGES = frozenset({"en"})
MAX_NLP_CHARS = 100_000


@dataclass(slots=True)
class Enrichment:
    language: str | None
    sentences: list[tuple[int, int]]
    entities: list[EntityMention] = field(default_factory=list)
    quotes: list[QuoteSpan] = field(default_factory=list)
    numbers: list[NumberMention] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    key_points: list[str] = field(default_factory=list)
    reading_minutes: int = 1
    vector: NDArray[np.float32] | None = None
    version: int = ENRICHMENT_VERSION

    def to_json(self, id: str) -> dict[str, Any]:
        """The ``gazette enrich --jsonl`` record for this article (docs/cli-json.md)."""
        return {
            "id": id,
            "language": self.language,
            "sentences": [[start, end] for start, end in self.sentences],
            "entities": [
                {"text": e.text, "type": e.type, "start": e.start, "end": e.end, "canonical": e.canonical}
                for e in self.entities
            ],
            "quotes": [_quote_json(quote) for quote in self.quotes],
            "numbers": [_number_json(number) for number in self.numbers],
            "keywords": list(self.keywords),
            "summary": list(self.summary),
            "key_points": list(self.key_points),
            "reading_minutes": self.reading_minutes,
        }


def _quote_json(quote: QuoteSpan) -> dict[str, Any]:
    return {
        "text": quote.text,
        "start": quote.start,
        "end": quote.end,
        "kind": str(quote.kind),
        "speaker": quote.speaker,
        "speaker_span": list(quote.speaker_span) if quote.speaker_span is not None else None,
        "cue": quote.cue,
    }


def _number_json(number: NumberMention) -> dict[str, Any]:
    return {
        "value": number.value,
        "text": number.text,
        "start": number.start,
        "end": number.end,
        "counts": number.counts,
        "qualifier": number.qualifier,
    }


@dataclass(slots=True)
class _Draft:
    """One article between the cheap per-text steps and the batched model steps."""

    title: str
    text: str
    language: str | None
    spans: list[tuple[int, int]]
    sentences: list[str]

    @property
    def candidates(self) -> list[str]:
        return self.sentences[:SUMMARY_CANDIDATES]


def enrich(title: str, text: str) -> Enrichment:
    """Enrich one article (see :func:`enrich_many` for batches)."""
    return next(enrich_many([(title, text)]))


def enrich_many(items: Iterable[tuple[str, str]], *, batch_size: int = 16) -> Iterator[Enrichment]:
    """Yield one :class:`Enrichment` per ``(title, text)``, in input order, batching the models."""
    iterator = iter(items)
    while batch := list(islice(iterator, max(1, batch_size))):
        yield from _enrich_batch(batch)


def _enrich_batch(batch: list[tuple[str, str]]) -> list[Enrichment]:
    """Run the batch's three heavy steps at the same time, each on its own thread.

    spaCy NER (main thread) and the embedding spend most of their time in
    numpy's and torch's kernels, outside the GIL; sentence splitting (pysbd,
    ~20 ms of pure Python per article) runs while they do. One after the other,
    the main thread's share alone capped the stage below 10 articles/s on 2 cores.
    """
    inputs = [embed.article_text(title, text) for title, text in batch]
    pending_vectors = _embedder().submit(embed.embed_texts, inputs)
    languages = [_language(title, text) for title, text in batch]
    pending_spans = _splitter().submit(_sentence_spans, [text for _, text in batch], languages)
    docs = _parse([text for _, text in batch], languages)
    spans = pending_spans.result()
    vectors = pending_vectors.result()
    return [
        _finish(
            _Draft(title, text, language, spans[index], sentence_texts(text, spans[index])),
            docs.get(index),
            vectors[index],
        )
        for index, ((title, text), language) in enumerate(zip(batch, languages, strict=True))
    ]


@functools.cache
def _embedder() -> ThreadPoolExecutor:
    """The embedding's thread. NER keeps one core busy meanwhile, so torch gets the others: with
    two cores, a second torch thread only contends with NER (10.0 vs 9.3 articles/s measured)."""
    embed.limit_threads((os.cpu_count() or 2) - 1)
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="gazette-embed")


@functools.cache
def _splitter() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="gazette-sentences")


def _language(title: str, text: str) -> str | None:
    return detect_language(text) or detect_language(f"{title}\n{text}")


def _sentence_spans(texts: list[str], languages: list[str | None]) -> list[list[tuple[int, int]]]:
    return [split_sentences(text, language or "en") for text, language in zip(texts, languages, strict=True)]


def _parse(texts: list[str], languages: list[str | None]) -> dict[int, Any]:
    """Run spaCy over the English texts of a batch; returns docs by index in the batch."""
    indices = [index for index, language in enumerate(languages) if language in NLP_LANGUAGES]
    if not indices:
        return {}
    nlp = load_nlp()
    return dict(zip(indices, nlp.pipe([texts[index][:MAX_NLP_CHARS] for index in indices]), strict=True))


def _finish(draft: _Draft, doc: Any, vector: NDArray[np.float32]) -> Enrichment:
    candidates = draft.candidates
    chosen = summarize(candidates, title=draft.title)
    return Enrichment(
        language=draft.language,
        sentences=draft.spans,
        entities=find_entities(draft.text, doc) if doc is not None else [],
        quotes=find_quotes(draft.text, doc) if doc is not None else [],
        numbers=find_numbers(draft.text, doc) if doc is not None else [],
        keywords=keywords(draft.text, draft.language or "en"),
        summary=[clean_sentence(candidates[index]) for index in chosen],
        key_points=key_points(candidates, title=draft.title),
        reading_minutes=reading_minutes(draft.text),
        vector=vector,
    )
