"""What the stories stage needs to know about one article, as a plain record.

:func:`features_for` builds an :class:`ArticleFeatures` from text plus an embedding;
:func:`build_features` does a batch, embedding the texts with the enrich stage's
model when no vectors are given. Sparse bags carry the evidence that separates
two events on the same topic (two earthquakes on one island, two elections in one
country): capitalized *names* (people, places, teams, plus canonical entities
when the enrich stage found them), *numbers* (magnitudes, tolls, scores), the
*years* mentioned (two elections five years apart share every name but no year) and
content *words* ("knockout" against "points decision"). Names in the first words
count extra: news puts the event's actors at the top (the team that made the offer,
the president who reversed the rule), while names further down are often background
shared with other events on the topic. All are plain text rules, so they exist for
every article, enriched or not.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

Vector = NDArray[np.float32]

NAME = re.compile(r"\b[A-Z][A-Za-z]+(?:['’][A-Za-z]+)?\b")
NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?(?![\w])")
WORD = re.compile(r"\w+")
YEAR = re.compile(r"(?<![\w.,])(?:19|20)\d\d(?![\w.,]\d)")
CONTENT_WORD = re.compile(r"[^\W\d_]{3,}")
STOPWORDS = frozenset(
    """about above after again against all also among and another any are around because been before
    being below between both but can could did does doing down during each few for from further had
    has have having her here hers herself him himself his how into its itself just last later like
    made make many may might more most much must near new next not now off once one only other our
    ours out over own said same says she should since some still such than that the their theirs them
    themselves then there these they this those through too two under until upon very was way were
    what when where which while who whom whose why will with would year years yet you your""".split()
)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"'])|\n+")
LEAD_CHARS = 600
SHINGLE_WORDS = 5
# Names in the first LEAD_NAME_WORDS words are counted LEAD_NAME_BOOST extra times
# (tuned on ECB+ topics 1-11, see eval/stories.py).
LEAD_NAME_WORDS = 40
LEAD_NAME_BOOST = 4


@dataclass(slots=True)
class ArticleFeatures:
    """One article as the story index sees it.

    ``vector`` is an L2-normalized embedding; ``names``, ``numbers``, ``years`` and
    ``words`` are term counts from the text; ``entities`` are canonical entity names
    (optional); ``shingles`` are hashed word 5-grams for near-duplicate detection.
    """

    id: str
    vector: Vector
    names: Counter[str] = field(default_factory=Counter)
    numbers: Counter[str] = field(default_factory=Counter)
    years: Counter[str] = field(default_factory=Counter)
    words: Counter[str] = field(default_factory=Counter)
    entities: frozenset[str] = frozenset()
    shingles: frozenset[int] = frozenset()
    published: datetime | None = None
    source: str | None = None
    title: str | None = None
    lead: tuple[str, ...] = ()


def name_counts(text: str, entities: Iterable[str] = ()) -> Counter[str]:
    """Capitalized words of ``text`` (lowercased) plus canonical entity names, as term counts."""
    counts = Counter(match.lower() for match in NAME.findall(text))
    counts.update(f"entity:{name.lower()}" for name in entities)
    return counts


def lead_weighted_name_counts(text: str, entities: Iterable[str] = ()) -> Counter[str]:
    """Like :func:`name_counts`, with names in the first words of ``text`` counted extra.

    The first words name who did what (the actors of this event); later paragraphs
    bring in background actors that other events on the same topic share.
    """
    counts = name_counts(text, entities)
    lead = " ".join(text.split()[:LEAD_NAME_WORDS])
    for name, count in name_counts(lead).items():
        counts[name] += LEAD_NAME_BOOST * count
    return counts


def number_counts(text: str) -> Counter[str]:
    """Numbers written in ``text`` ("5.6", "2008", "23"), thousands separators removed."""
    return Counter(match.replace(",", "") for match in NUMBER.findall(text))


def year_counts(text: str) -> Counter[str]:
    """Years 1900-2099 written in ``text`` ("2008", but not "2008.5" or "12008")."""
    return Counter(YEAR.findall(text))


def word_counts(text: str) -> Counter[str]:
    """Lowercase content words of ``text``: letters only, three or more, no stopwords."""
    words = (word.lower() for word in CONTENT_WORD.findall(text))
    return Counter(word for word in words if word not in STOPWORDS)


def word_shingles(text: str, size: int = SHINGLE_WORDS) -> frozenset[int]:
    """Stable 32-bit hashes of the lowercase word ``size``-grams of ``text``."""
    import zlib

    words = WORD.findall(text.lower())
    grams = (" ".join(words[i : i + size]) for i in range(max(len(words) - size + 1, 1)))
    return frozenset(zlib.crc32(gram.encode()) for gram in grams if gram)


def lead_sentences(text: str, max_chars: int = LEAD_CHARS) -> tuple[str, ...]:
    """The first sentences of ``text`` up to about ``max_chars`` characters (for story summaries)."""
    sentences: list[str] = []
    used = 0
    for part in SENTENCE_END.split(text):
        sentence = " ".join(part.split())
        if len(sentence.split()) < 4:
            continue
        sentences.append(sentence)
        used += len(sentence)
        if used >= max_chars:
            break
    return tuple(sentences)


def features_for(
    id: str,
    text: str,
    vector: Vector,
    *,
    title: str | None = None,
    published: datetime | None = None,
    source: str | None = None,
    entities: Iterable[str] = (),
) -> ArticleFeatures:
    """Return the features of one article whose embedding is already known."""
    entity_set = frozenset(entities)
    full = f"{title}\n{text}" if title else text
    return ArticleFeatures(
        id=id,
        vector=np.asarray(vector, dtype=np.float32),
        names=lead_weighted_name_counts(full, entity_set),
        numbers=number_counts(full),
        years=year_counts(full),
        words=word_counts(full),
        entities=entity_set,
        shingles=word_shingles(text),
        published=published,
        source=source,
        title=title or None,
        lead=lead_sentences(text),
    )


@dataclass(slots=True)
class ArticleInput:
    """The plain fields a caller has for one article (see :func:`build_features`)."""

    id: str
    text: str
    title: str | None = None
    published: datetime | None = None
    source: str | None = None
    entities: Sequence[str] = ()


def build_features(articles: Sequence[ArticleInput], vectors: Vector | None = None) -> list[ArticleFeatures]:
    """Return features for ``articles``, embedding title + lead with the enrich model unless given."""
    if vectors is None:
        from gazette.enrich.embed import article_text, embed_texts

        vectors = embed_texts([article_text(a.title or "", a.text) for a in articles])
    return [
        features_for(
            a.id,
            a.text,
            vectors[i],
            title=a.title,
            published=a.published,
            source=a.source,
            entities=a.entities,
        )
        for i, a in enumerate(articles)
    ]
