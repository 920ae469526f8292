"""Online story clustering and related articles over plain :class:`ArticleFeatures`.

Each new article joins the best-scoring recent story or starts a new one. The score
of an article against a story is an average link over embedding similarity and
four sparse bags, TF-IDF weighted with document frequencies kept online: names
(capitalized words and canonical entities), numbers, years and content words.
Names, numbers and years are what keep two events on one topic apart (the 2008
and 2013 elections in one country, two quakes on one island), where embeddings
alone see one story. After a join, the grown story is compared with its
neighbours and merged with any that has converged on it; when no merge happens,
a story whose members fall into two clearly separate groups is split in two
(online joins cannot always tell the first article of a second, similar event
from one more report of the first; a few articles later the two groups can).

Only stories whose time span lies within ``window`` of the article are
candidates (undated articles see the most recently touched stories), and their
embedding centroids are scored with one matrix product, so assignment cost
follows the number of recent stories, not the number of stored articles; the
split check costs the square of the story's size (capped by ``split_max_members``).
:meth:`StoryIndex.retire` drops stories that have gone quiet (no article within
``retire_after`` of the newest one), so memory and the persisted state follow the
recent news, not the archive. :meth:`StoryIndex.snapshot` / :meth:`StoryIndex.restore`
persist the state as bytes.
"""

from __future__ import annotations

import io
import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gazette.stories.dedup import NearDuplicateIndex
from gazette.stories.describe import StoryDigest, StoryMember, digest
from gazette.stories.features import ArticleFeatures

Sparse = dict[str, float]
SNAPSHOT_VERSION = 2
BAGS = ("names", "numbers", "years", "words")
# Large stories are checked for a split on every (size // this)-th join only, so the
# quadratic check costs about linear time per join.
SPLIT_CHECKS_PER_DOUBLING = 12


@dataclass(frozen=True, slots=True)
class StoryParams:
    """Weights and thresholds, tuned on ECB+ topics 1-11 (see eval/stories.py).

    A story retires (leaves the index; its stored rows stay) when its newest article is
    more than ``retire_after`` older than the newest article not dated in the future,
    or, when undated, after ``retire_idle_joins`` joins elsewhere. ``retire_after`` is
    ten times ``window``, so only articles arriving weeks late could have joined it.

    A story is split when both halves of its members' spectral bisection have at least
    ``split_min_group`` members and the average link between them is below both
    ``merge_threshold`` and ``split_ratio`` times the average link inside the looser
    half; ``split_ratio`` 0 turns splitting off.
    """

    vector_weight: float = 0.25
    names_weight: float = 0.4
    numbers_weight: float = 0.2
    years_weight: float = 0.15
    words_weight: float = 0.05
    join_threshold: float = 0.24
    merge_threshold: float = 0.37
    split_ratio: float = 0.75
    split_min_group: int = 3
    split_max_members: int = 120
    candidates: int = 10
    merge_candidates: int = 3
    window: timedelta = timedelta(days=3)
    undated_candidates: int = 2000
    max_terms: int = 40
    related_stories: int = 5
    related_members: int = 200
    retire_after: timedelta = timedelta(days=30)
    retire_idle_joins: int = 50_000

    def bag_weights(self) -> dict[str, float]:
        """The weight of each sparse bag in the join and merge score (zero-weight bags left out)."""
        weights = {
            "names": self.names_weight,
            "numbers": self.numbers_weight,
            "years": self.years_weight,
            "words": self.words_weight,
        }
        return {bag: weight for bag, weight in weights.items() if weight}


@dataclass(slots=True)
class Assignment:
    """Where an article went and what changed around it.

    ``story_id`` is the article's story; ``duplicate_of`` the original it copies (if any);
    ``merged`` the stories absorbed into it; ``split`` maps a story just created by splitting
    ``split_from`` (the story the article joined) to the earlier articles that moved into
    it (``story_id`` may be that new story, when the article went with them).
    """

    story_id: str
    duplicate_of: str | None = None
    merged: list[str] = field(default_factory=list)
    new_story: bool = False
    split: dict[str, list[str]] = field(default_factory=dict)
    split_from: str | None = None


@dataclass(slots=True)
class RelatedArticle:
    id: str
    score: float
    story_id: str
    source: str | None
    title: str | None
    published: datetime | None


@dataclass(slots=True)
class _Article:
    id: str
    row: int
    story: str
    terms: dict[str, Sparse]
    entities: frozenset[str]
    published: float | None
    source: str | None
    title: str | None
    lead: tuple[str, ...]
    duplicate_of: str | None = None


@dataclass(slots=True)
class _Story:
    id: str
    slot: int
    members: list[str]
    terms: dict[str, Sparse]


def _timestamp(value: datetime | None) -> float | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def _datetime(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def dot(a: Sparse, b: Sparse) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(weight * b.get(key, 0.0) for key, weight in a.items())


def _add_into(total: Sparse, part: Sparse) -> None:
    for key, weight in part.items():
        total[key] = total.get(key, 0.0) + weight


def _add_bags(total: dict[str, Sparse], part: dict[str, Sparse]) -> None:
    for bag, weights in part.items():
        _add_into(total.setdefault(bag, {}), weights)


_PREFIXES = {"names": "n:", "numbers": "#:", "years": "y:", "words": "w:"}


def _bag(features: ArticleFeatures, bag: str) -> Counter[str]:
    counts: Counter[str] = getattr(features, bag)
    return counts


def _bag_dot(a: dict[str, Sparse], b: dict[str, Sparse], bag: str) -> float:
    return dot(a.get(bag, {}), b.get(bag, {}))


# Columns of the per-slot table (one row per story slot; merged-away slots stay, not alive).
COUNT, FIRST, LAST, TOUCHED, ALIVE = range(5)


class _Matrix:
    """A growable matrix (rows appended, amortized doubling)."""

    def __init__(self, width: int, data: NDArray[Any] | None = None, dtype: type = np.float32) -> None:
        self.data: NDArray[Any] = data if data is not None else np.zeros((64, width), dtype=dtype)
        self.size = 0 if data is None else len(data)

    def append(self, row: NDArray[Any]) -> int:
        if self.size == len(self.data):
            grown = np.zeros((max(64, 2 * len(self.data)), self.data.shape[1]), dtype=self.data.dtype)
            grown[: self.size] = self.data[: self.size]
            self.data = grown
        self.data[self.size] = row
        self.size += 1
        return self.size - 1

    def view(self) -> NDArray[Any]:
        return self.data[: self.size]


class StoryIndex:
    """In-memory story state: centroids, term sums, members and a near-duplicate index."""

    def __init__(self, params: StoryParams | None = None, dimensions: int = 384) -> None:
        self.params = params or StoryParams()
        self.dimensions = dimensions
        self.duplicates = NearDuplicateIndex()
        self._vectors = _Matrix(dimensions)
        self._sums = _Matrix(dimensions)
        self._slots = _Matrix(5, dtype=np.float64)
        self._slot_story: list[str | None] = []
        self._stories: dict[str, _Story] = {}
        self._articles: dict[str, _Article] = {}
        self._df: Counter[str] = Counter()
        self._documents = 0
        self._next_story = 1
        self._clock = 0

    def __len__(self) -> int:
        return len(self._articles)

    @property
    def story_count(self) -> int:
        return len(self._stories)

    def story_of(self, article_id: str) -> str:
        return self._articles[article_id].story

    def duplicate_of(self, article_id: str) -> str | None:
        """The original that ``article_id`` copies, if it is a near-duplicate."""
        return self._articles[article_id].duplicate_of

    def members(self, story_id: str) -> list[str]:
        return list(self._stories[story_id].members)

    def story_ids(self) -> list[str]:
        return list(self._stories)

    # -- assignment -------------------------------------------------------------------------------

    def assign(self, features: ArticleFeatures) -> Assignment:
        """Put one article in a story (idempotent for an id already assigned)."""
        known = self._articles.get(features.id)
        if known is not None:
            return Assignment(known.story, known.duplicate_of)
        self._count_terms(features)
        terms = self._weighted(features)
        original = self.duplicates.find_or_add(features.id, features.shingles)
        if original is not None and original in self._articles:
            story = self._stories[self._articles[original].story]
            self._join(story, features, terms, duplicate_of=original)
            return Assignment(story.id, original)
        best = self._best_story(features.vector, terms, _timestamp(features.published))
        if best is None:
            story = self._new_story()
            self._join(story, features, terms)
            return Assignment(story.id, new_story=True)
        self._join(best, features, terms)
        survivor, merged = self._merge_converged(best)
        if merged:
            return Assignment(survivor.id, merged=merged)
        split = self._split_if_two_events(survivor)
        if split is None:
            return Assignment(survivor.id)
        moved = [member for member in self._stories[split].members if member != features.id]
        return Assignment(self._articles[features.id].story, split={split: moved}, split_from=survivor.id)

    def _count_terms(self, features: ArticleFeatures) -> None:
        self._documents += 1
        for bag in BAGS:
            prefix = _PREFIXES[bag]
            self._df.update(prefix + term for term in _bag(features, bag))

    def _weighted(self, features: ArticleFeatures) -> dict[str, Sparse]:
        """Unit-length TF-IDF vectors of every bag of ``features``."""
        return {bag: self._tfidf(_bag(features, bag), _PREFIXES[bag]) for bag in BAGS}

    def _tfidf(self, counts: Counter[str], prefix: str) -> Sparse:
        """Unit-length TF-IDF over the strongest ``max_terms`` terms, with IDF as of now."""
        total = self._documents + 1
        weights = {
            term: (1.0 + math.log(count)) * (math.log(total / (self._df[prefix + term] + 1)) + 1.0)
            for term, count in counts.items()
            if count > 0
        }
        kept = sorted(weights.items(), key=lambda item: -item[1])[: self.params.max_terms]
        norm = math.sqrt(sum(w * w for _, w in kept)) or 1.0
        return {term: w / norm for term, w in kept}

    def _candidate_slots(self, when: float | None) -> NDArray[np.intp]:
        """Live story slots near ``when`` in time (the most recently touched ones when undated)."""
        table = self._slots.view()
        alive = table[:, ALIVE] > 0
        if when is not None:
            first, last = table[:, FIRST], table[:, LAST]
            window = self.params.window.total_seconds()
            near = (when >= first - window) & (when <= last + window)
            alive &= near | np.isnan(first)
        slots = np.flatnonzero(alive)
        limit = self.params.undated_candidates
        if when is None and len(slots) > limit:
            touched = table[slots, TOUCHED]
            slots = slots[np.argpartition(-touched, limit)[:limit]]
        return slots

    def _nearest_slots(self, slots: NDArray[np.intp], vector: NDArray[np.float32], count: int) -> list[int]:
        if len(slots) == 0:
            return []
        sums = self._sums.data[slots]
        counts = self._slots.data[slots, COUNT].astype(np.float32)
        scores = (sums @ vector) / counts
        if len(slots) > count:
            top = np.argpartition(-scores, count)[:count]
            top = top[np.argsort(-scores[top])]
        else:
            top = np.argsort(-scores)
        return [int(slots[i]) for i in top]

    def _score(
        self, story: _Story, vector: NDArray[np.float32], terms: dict[str, Sparse], size: int
    ) -> float:
        """Average-link score of a group of ``size`` articles (sums given) against ``story``."""
        slot = story.slot
        pairs = float(self._slots.data[slot, COUNT] * size)
        total = self.params.vector_weight * float(self._sums.data[slot] @ vector)
        for bag, weight in self.params.bag_weights().items():
            total += weight * dot(terms.get(bag, {}), story.terms.get(bag, {}))
        return total / pairs

    def _best_story(
        self, vector: NDArray[np.float32], terms: dict[str, Sparse], when: float | None
    ) -> _Story | None:
        best: tuple[float, _Story] | None = None
        for slot in self._nearest_slots(self._candidate_slots(when), vector, self.params.candidates):
            story = self._stories[self._slot_story[slot] or ""]
            score = self._score(story, vector, terms, 1)
            if best is None or score > best[0]:
                best = (score, story)
        if best is None or best[0] < self.params.join_threshold:
            return None
        return best[1]

    def _new_story(self) -> _Story:
        story_id = f"s{self._next_story}"
        self._next_story += 1
        slot = self._sums.append(np.zeros(self.dimensions, dtype=np.float32))
        self._slots.append(np.array([0.0, math.nan, math.nan, self._clock, 1.0]))
        self._slot_story.append(story_id)
        story = _Story(story_id, slot, [], {})
        self._stories[story_id] = story
        return story

    def _join(
        self,
        story: _Story,
        features: ArticleFeatures,
        terms: dict[str, Sparse],
        duplicate_of: str | None = None,
    ) -> None:
        vector_row = self._vectors.append(features.vector)
        when = _timestamp(features.published)
        self._articles[features.id] = _Article(
            features.id,
            vector_row,
            story.id,
            terms,
            features.entities,
            when,
            features.source,
            features.title,
            features.lead,
            duplicate_of,
        )
        story.members.append(features.id)
        slot = story.slot
        self._sums.data[slot] += features.vector
        row = self._slots.data[slot]
        row[COUNT] += 1
        _add_bags(story.terms, terms)
        if when is not None:
            row[FIRST] = np.fmin(row[FIRST], when)
            row[LAST] = np.fmax(row[LAST], when)
        self._clock += 1
        row[TOUCHED] = self._clock

    def _merge_converged(self, story: _Story) -> tuple[_Story, list[str]]:
        """Merge ``story`` with every neighbour whose average link to it passes the merge threshold."""
        merged: list[str] = []
        while True:
            partner = self._merge_partner(story)
            if partner is None:
                return story, merged
            keep, absorb = sorted((story, partner), key=lambda s: -len(s.members))
            self._absorb(keep, absorb)
            merged.append(absorb.id)
            story = keep

    def _merge_partner(self, story: _Story) -> _Story | None:
        slot = story.slot
        size = int(self._slots.data[slot, COUNT])
        centroid = self._sums.data[slot] / size
        last = float(self._slots.data[slot, LAST])
        when = None if math.isnan(last) else last
        slots = [
            s
            for s in self._nearest_slots(
                self._candidate_slots(when), centroid, self.params.merge_candidates + 1
            )
        ]
        best: tuple[float, _Story] | None = None
        for other_slot in slots:
            if other_slot == slot:
                continue
            other = self._stories[self._slot_story[other_slot] or ""]
            score = self._score(other, self._sums.data[slot], story.terms, size)
            if best is None or score > best[0]:
                best = (score, other)
        if best is None or best[0] < self.params.merge_threshold:
            return None
        return best[1]

    # -- splitting --------------------------------------------------------------------------------

    def _split_if_two_events(self, story: _Story) -> str | None:
        """Split ``story`` in two when its members form two clearly separate groups.

        An online join can put the first article of a second event into the story of a
        similar first one (same names, same place), after which the two grow together.
        Once both halves have a few members, the spectral bisection of the members' pair
        scores finds them: split when the average link between the halves is low in
        absolute terms (below ``merge_threshold``, so they would not merge again) and
        relative to how tight each half is (``split_ratio``). Returns the new story's id.
        """
        p = self.params
        size = len(story.members)
        if p.split_ratio <= 0 or size < 2 * p.split_min_group or size > p.split_max_members:
            return None
        if size % max(1, size // SPLIT_CHECKS_PER_DOUBLING) != 0:
            return None
        scores = self._pair_scores(story.members)
        group = _bisection(scores)
        if group is None or min(int(group.sum()), size - int(group.sum())) < p.split_min_group:
            return None
        within = min(_mean_within(scores, group), _mean_within(scores, ~group))
        between = float(scores[np.ix_(group, ~group)].mean())
        if between >= p.merge_threshold or between > p.split_ratio * within:
            return None
        leaving = _smaller_half(group)
        return self._split_off(story, [m for m, g in zip(story.members, leaving, strict=True) if g])

    def _pair_scores(self, members: list[str]) -> NDArray[np.float64]:
        """The join score of every pair of ``members`` (a symmetric matrix)."""
        articles = [self._articles[m] for m in members]
        vectors = self._vectors.data[[a.row for a in articles]].astype(np.float64)
        scores: NDArray[np.float64] = self.params.vector_weight * (vectors @ vectors.T)
        for bag, weight in self.params.bag_weights().items():
            scores += weight * _bag_products([a.terms.get(bag, {}) for a in articles])
        return scores

    def _split_off(self, story: _Story, leaving: list[str]) -> str | None:
        """Move ``leaving`` (and copies of them) from ``story`` into a new story; return its id."""
        moving = set(leaving)
        moving |= {m for m in story.members if self._articles[m].duplicate_of in moving}
        moving -= {m for m in moving if (self._articles[m].duplicate_of or m) not in moving}
        if not moving or len(moving) == len(story.members):
            return None
        new = self._new_story()
        staying = [m for m in story.members if m not in moving]
        new.members = [m for m in story.members if m in moving]
        story.members = staying
        for part in (story, new):
            self._rebuild(part)
        return new.id

    def _rebuild(self, story: _Story) -> None:
        """Recompute the sums and time span of ``story`` from its members."""
        articles = [self._articles[m] for m in story.members]
        slot = story.slot
        self._sums.data[slot] = self._vectors.data[[a.row for a in articles]].sum(axis=0)
        row = self._slots.data[slot]
        row[COUNT] = len(articles)
        times = [a.published for a in articles if a.published is not None]
        row[FIRST], row[LAST] = (min(times), max(times)) if times else (math.nan, math.nan)
        story.terms = {}
        for article in articles:
            article.story = story.id
            _add_bags(story.terms, article.terms)

    def _absorb(self, keep: _Story, absorb: _Story) -> None:
        a, b = keep.slot, absorb.slot
        self._sums.data[a] += self._sums.data[b]
        kept, gone = self._slots.data[a], self._slots.data[b]
        kept[COUNT] += gone[COUNT]
        kept[FIRST] = np.fmin(kept[FIRST], gone[FIRST])
        kept[LAST] = np.fmax(kept[LAST], gone[LAST])
        kept[TOUCHED] = max(kept[TOUCHED], gone[TOUCHED])
        gone[ALIVE] = 0.0
        _add_bags(keep.terms, absorb.terms)
        for member in absorb.members:
            self._articles[member].story = keep.id
        keep.members.extend(absorb.members)
        self._slot_story[b] = None
        self._sums.data[b] = 0.0
        del self._stories[absorb.id]

    # -- related articles -------------------------------------------------------------------------

    def related(self, features: ArticleFeatures, k: int = 5) -> list[RelatedArticle]:
        """Articles related to ``features`` (stored or not), best first.

        Same-story articles from other outlets come first, then same-story articles
        from the same outlet, then articles of neighbouring stories; within each
        tier, a hybrid of embedding similarity, shared names and numbers, shared
        canonical entities and, when both are dated, time proximity.
        """
        stored = self._articles.get(features.id)
        if stored is not None:
            terms, own_story = stored.terms, stored.story
        else:
            terms, own_story = self._weighted(features), None
        when = _timestamp(features.published)
        stories = self._related_stories(features.vector, when, own_story)
        excluded = self._copies_of(features.id, stored)
        scored: list[tuple[int, float, _Article]] = []
        for story in stories:
            for member_id in story.members[-self.params.related_members :]:
                other = self._articles[member_id]
                if other.id in excluded or other.duplicate_of is not None:
                    continue
                score = self._pair_score(features, terms, when, other)
                scored.append(
                    (self._tier(story.id == own_story, features.source, other.source), score, other)
                )
        scored.sort(key=lambda item: (item[0], -item[1]))
        return [
            RelatedArticle(a.id, round(score, 4), a.story, a.source, a.title, _datetime(a.published))
            for _, score, a in scored[:k]
        ]

    def _related_stories(
        self, vector: NDArray[np.float32], when: float | None, own: str | None
    ) -> list[_Story]:
        slots = self._nearest_slots(self._candidate_slots(when), vector, self.params.related_stories)
        ids = [own] if own else []
        ids += [sid for sid in (self._slot_story[s] for s in slots) if sid and sid != own]
        return [self._stories[sid] for sid in ids]

    def _copies_of(self, article_id: str, stored: _Article | None) -> set[str]:
        """The article itself, its original and the other copies of that original."""
        original = stored.duplicate_of if stored and stored.duplicate_of else article_id
        story = self._stories.get(stored.story) if stored else None
        copies = {m for m in story.members if self._articles[m].duplicate_of == original} if story else set()
        return {article_id, original, *copies}

    @staticmethod
    def _tier(same_story: bool, source: str | None, other_source: str | None) -> int:
        if not same_story:
            return 2
        return 1 if source is not None and source == other_source else 0

    def _pair_score(
        self, features: ArticleFeatures, terms: dict[str, Sparse], when: float | None, other: _Article
    ) -> float:
        similarity = float(self._vectors.data[other.row] @ features.vector)
        shared = 0.6 * _bag_dot(terms, other.terms, "names") + 0.4 * _bag_dot(terms, other.terms, "numbers")
        parts = [(0.6, similarity), (0.25, shared)]
        if features.entities and other.entities:
            shared = len(features.entities & other.entities)
            parts.append((0.15, shared / min(len(features.entities), len(other.entities))))
        score = sum(w * v for w, v in parts) / sum(w for w, _ in parts)
        if when is not None and other.published is not None:
            days = abs(when - other.published) / 86400.0
            score *= 0.85 + 0.15 * math.exp(-days / 2.0)
        return score

    # -- stories ----------------------------------------------------------------------------------

    def story(self, story_id: str) -> StoryDigest:
        """Title, summary, timeline, outlets and entities of one story."""
        members = [self._member(self._articles[m]) for m in self._stories[story_id].members]
        return digest(story_id, members)

    def _member(self, article: _Article) -> StoryMember:
        return StoryMember(
            article.id,
            self._vectors.data[article.row],
            article.title,
            article.lead,
            _datetime(article.published),
            article.source,
            article.entities,
            article.duplicate_of,
        )

    # -- persistence ------------------------------------------------------------------------------

    def snapshot(self) -> bytes:
        """Serialize the whole state (JSON header + numpy arrays; no pickle)."""
        header = {
            "version": SNAPSHOT_VERSION,
            "dimensions": self.dimensions,
            "documents": self._documents,
            "next_story": self._next_story,
            "clock": self._clock,
            "df": dict(self._df),
            "slot_story": self._slot_story,
            "stories": [[s.id, s.slot, s.members, s.terms] for s in self._stories.values()],
            "articles": [_article_row(a) for a in self._articles.values()],
        }
        dup_ids, dup_hashes = self.duplicates.export()
        header["duplicates"] = dup_ids
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8),
            vectors=self._vectors.view(),
            sums=self._sums.view(),
            slots=self._slots.view(),
            minhashes=dup_hashes,
        )
        return buffer.getvalue()

    @classmethod
    def restore(cls, data: bytes, params: StoryParams | None = None) -> StoryIndex:
        """Rebuild an index from :meth:`snapshot` bytes."""
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            header: dict[str, Any] = json.loads(arrays["header"].tobytes().decode())
            vectors, sums, minhashes = arrays["vectors"], arrays["sums"], arrays["minhashes"]
            slots = np.array(arrays["slots"], dtype=np.float64)
        if header.get("version") not in (1, SNAPSHOT_VERSION):
            raise ValueError(f"unsupported story snapshot version {header.get('version')!r}")
        index = cls(params, dimensions=int(header["dimensions"]))
        index._vectors = _Matrix(index.dimensions, np.array(vectors, dtype=np.float32))
        index._sums = _Matrix(index.dimensions, np.array(sums, dtype=np.float32))
        index._slots = _Matrix(5, slots)
        index._slot_story = list(header["slot_story"])
        index._documents = int(header["documents"])
        index._next_story = int(header["next_story"])
        index._clock = int(header["clock"])
        index._df = Counter(header["df"])
        for story_id, slot, members, *bags in header["stories"]:
            index._stories[story_id] = _Story(story_id, slot, members, _terms_from_row(bags))
        for row in header["articles"]:
            article = _article_from_row(row)
            index._articles[article.id] = article
        index.duplicates.load(list(header["duplicates"]), minhashes)
        return index

    def assign_many(self, features: Iterable[ArticleFeatures]) -> list[Assignment]:
        return [self.assign(f) for f in features]

    # -- retirement -------------------------------------------------------------------------------

    def retire(self, now: datetime) -> list[str]:
        """Drop the stories that have gone quiet (see :class:`StoryParams`); return their ids.

        Their articles leave the near-duplicate index and the related-article pool too.
        The matrices are compacted, so the next snapshot shrinks accordingly.
        """
        horizon = self._horizon(now)
        quiet = [story for story in self._stories.values() if self._is_quiet(story, horizon)]
        for story in quiet:
            for member in story.members:
                del self._articles[member]
                self.duplicates.remove(member)
            del self._stories[story.id]
        if quiet:
            self._compact()
        return [story.id for story in quiet]

    def _horizon(self, now: datetime) -> float | None:
        """The time before which a dated story is quiet, measured from the newest article up to ``now``."""
        last = self._slots.view()[:, LAST]
        dated = last[~np.isnan(last) & (last <= now.timestamp())]
        return float(dated.max()) - self.params.retire_after.total_seconds() if len(dated) else None

    def _is_quiet(self, story: _Story, horizon: float | None) -> bool:
        row = self._slots.data[story.slot]
        if math.isnan(row[LAST]):
            return bool(self._clock - row[TOUCHED] > self.params.retire_idle_joins)
        return horizon is not None and bool(row[LAST] < horizon)

    def _compact(self) -> None:
        """Rebuild the matrices with only the live stories' slots and live articles' rows."""
        articles = sorted(self._articles.values(), key=lambda a: a.row)
        self._vectors = _Matrix(self.dimensions, self._vectors.data[[a.row for a in articles]])
        for row, article in enumerate(articles):
            article.row = row
        stories = sorted(self._stories.values(), key=lambda s: s.slot)
        slots = [story.slot for story in stories]
        self._sums = _Matrix(self.dimensions, self._sums.data[slots])
        self._slots = _Matrix(5, self._slots.data[slots])
        self._slot_story = [story.id for story in stories]
        for slot, story in enumerate(stories):
            story.slot = slot


def _bag_products(bags: list[Sparse]) -> NDArray[np.float64]:
    """The dot products between the sparse vectors ``bags``, off the diagonal.

    Only terms held by two or more vectors can add to a product between two of them,
    so the dense matrix multiplied is as wide as the shared vocabulary only.
    """
    shared = [term for term, count in Counter(t for weights in bags for t in weights).items() if count > 1]
    columns = {term: j for j, term in enumerate(shared)}
    dense = np.zeros((len(bags), len(columns)))
    for i, weights in enumerate(bags):
        for term, value in weights.items():
            j = columns.get(term)
            if j is not None:
                dense[i, j] = value
    products: NDArray[np.float64] = dense @ dense.T
    return products


def _bisection(scores: NDArray[np.float64]) -> NDArray[np.bool_] | None:
    """Two groups of the items scored by ``scores``: the sign of the Fiedler vector, refined.

    The normalized-Laplacian cut avoids peeling off one outlier (what the top split of
    average linkage does); the refinement then moves each item to the group it has the
    higher mean score with, until nothing moves.
    """
    affinity = np.clip(scores, 0.0, None)
    np.fill_diagonal(affinity, 0.0)
    degree = np.maximum(affinity.sum(axis=1), 1e-9)
    scale = 1.0 / np.sqrt(degree)
    laplacian = np.eye(len(scores)) - scale[:, None] * affinity * scale[None, :]
    _, vectors = np.linalg.eigh(laplacian)
    group: NDArray[np.bool_] = vectors[:, 1] * scale > 0
    others = scores.copy()
    np.fill_diagonal(others, 0.0)
    for _ in range(10):
        size = int(group.sum())
        if size < 2 or size > len(group) - 2:
            return None
        inside = others[:, group].sum(axis=1) / (size - group)
        outside = others[:, ~group].sum(axis=1) / (len(group) - size - ~group)
        moved = inside > outside
        if (moved == group).all():
            return group
        group = moved
    return group


def _smaller_half(group: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """The half that leaves in a split: the smaller one, or the one without the first member."""
    other: NDArray[np.bool_] = ~group
    if group.sum() != other.sum():
        return group if group.sum() < other.sum() else other
    return other if group[0] else group


def _mean_within(scores: NDArray[np.float64], group: NDArray[np.bool_]) -> float:
    block = scores[np.ix_(group, group)]
    size = len(block)
    return float((block.sum() - np.trace(block)) / (size * (size - 1))) if size > 1 else 0.0


def _article_row(a: _Article) -> list[Any]:
    return [
        a.id,
        a.row,
        a.story,
        a.terms,
        sorted(a.entities),
        a.published,
        a.source,
        a.title,
        list(a.lead),
        a.duplicate_of,
    ]


def _terms_from_row(bags: list[Any]) -> dict[str, Sparse]:
    """Term bags as stored: one dict of bags (version 2) or names and numbers (version 1)."""
    if len(bags) == 1:
        return {bag: dict(weights) for bag, weights in bags[0].items()}
    names, numbers = bags
    return {"names": names, "numbers": numbers}


def _article_from_row(row: list[Any]) -> _Article:
    id_, vector_row, story, *bags = row[:-6]
    entities, published, source, title, lead, duplicate_of = row[-6:]
    return _Article(
        id_,
        vector_row,
        story,
        _terms_from_row(bags),
        frozenset(entities),
        published,
        source,
        title,
        tuple(lead),
        duplicate_of,
    )
