"""What a reader sees of a story: title, multi-article summary, timeline, outlets, entities.

All extractive: the title is the headline of the member nearest the story's
centroid, the summary takes lead sentences of the most central members and skips
those that repeat what is already chosen.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

SUMMARY_SENTENCES = 3
REDUNDANT_OVERLAP = 0.5
TITLE_WORDS = 16
TOP_ENTITIES = 10
_WORD = re.compile(r"\w+")


@dataclass(slots=True)
class StoryMember:
    id: str
    vector: NDArray[np.float32]
    title: str | None = None
    lead: tuple[str, ...] = ()
    published: datetime | None = None
    source: str | None = None
    entities: frozenset[str] = frozenset()
    duplicate_of: str | None = None


@dataclass(slots=True)
class TimelineEntry:
    id: str
    published: datetime | None
    source: str | None
    title: str | None


@dataclass(slots=True)
class StoryDigest:
    """A story for display. ``also_published`` maps an article id to its near-duplicate copies."""

    id: str
    title: str
    summary: list[str]
    timeline: list[TimelineEntry]
    outlets: list[str]
    entities: list[str]
    article_ids: list[str]
    also_published: dict[str, list[TimelineEntry]] = field(default_factory=dict)


def by_centrality(members: Sequence[StoryMember]) -> list[StoryMember]:
    """Members sorted from the most central (nearest the mean vector) to the least."""
    if not members:
        return []
    matrix = np.stack([m.vector for m in members])
    scores = matrix @ matrix.mean(axis=0)
    order = np.argsort(-scores, kind="stable")
    return [members[int(i)] for i in order]


def story_title(central: Sequence[StoryMember]) -> str:
    """The most central headline, else the most central lead sentence cut to a headline's length."""
    for member in central:
        if member.title:
            return member.title
    for member in central:
        if member.lead:
            words = member.lead[0].split()
            return " ".join(words[:TITLE_WORDS]) + (" …" if len(words) > TITLE_WORDS else "")
    return ""


def story_summary(central: Sequence[StoryMember], sentences: int = SUMMARY_SENTENCES) -> list[str]:
    """Lead sentences of the most central originals, skipping near-repeats of chosen ones."""
    chosen: list[str] = []
    chosen_words: list[set[str]] = []
    candidates = [
        (rank, s) for depth in range(2) for rank, m in enumerate(central) for s in m.lead[depth : depth + 1]
    ]
    for _, sentence in sorted(candidates, key=lambda pair: pair[0]):
        words = set(_WORD.findall(sentence.lower()))
        if not words or any(_overlap(words, seen) >= REDUNDANT_OVERLAP for seen in chosen_words):
            continue
        chosen.append(sentence)
        chosen_words.append(words)
        if len(chosen) == sentences:
            break
    return chosen


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / min(len(a), len(b))


def timeline(members: Sequence[StoryMember]) -> list[TimelineEntry]:
    """Members in publication order (undated ones last, in arrival order)."""
    dated = sorted((m for m in members if m.published), key=lambda m: m.published or datetime.min)
    undated = [m for m in members if not m.published]
    return [TimelineEntry(m.id, m.published, m.source, m.title) for m in [*dated, *undated]]


def outlets(members: Sequence[StoryMember]) -> list[str]:
    """Sources of the story, the most prolific first."""
    counts = Counter(m.source for m in members if m.source)
    return [name for name, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def top_entities(members: Sequence[StoryMember], limit: int = TOP_ENTITIES) -> list[str]:
    """Canonical entities named by the most members."""
    counts = Counter(name for m in members for name in m.entities)
    return [name for name, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]]


def digest(story_id: str, members: Sequence[StoryMember]) -> StoryDigest:
    """Describe one story from its members (near-duplicates listed under their originals)."""
    originals = [m for m in members if m.duplicate_of is None]
    copies: dict[str, list[TimelineEntry]] = {}
    for member in members:
        if member.duplicate_of is not None:
            entry = TimelineEntry(member.id, member.published, member.source, member.title)
            copies.setdefault(member.duplicate_of, []).append(entry)
    central = by_centrality(originals or list(members))
    return StoryDigest(
        id=story_id,
        title=story_title(central),
        summary=story_summary(central),
        timeline=timeline(originals),
        outlets=outlets(members),
        entities=top_entities(members),
        article_ids=[m.id for m in members],
        also_published=copies,
    )
