"""Story assignment throughput with 100,000 stored articles: the windowed centroid index vs brute force.

Run: .venv/bin/python bench/stories.py [SHARED_DATA] [--articles N] [--measure M]

The stored corpus is built from real ECB+ articles (embedded once with MiniLM): the 462
articles are replayed as many times as needed, each replay a week later than the last and
spread over one day, with its shingles salted so that replays are new text to the
near-duplicate index. Each replay's events are therefore new events, and the gold label of an
article is (event, replay). The index is filled to N - M articles, snapshotted, restored
into both indexes, and then both assign the same last M articles:

- ours: candidates are the stories whose time span is within 3 days, scored by centroid;
- brute force: cosine against every stored article vector, the stories of the top hits scored
  the same way.

Printed: articles/s for both and the BCubed F1 of the measured articles for both, and the
snapshot's size before and after retiring the stories that had gone quiet by the last stored
article (what the pipeline keeps between batches; the timing uses the unretired index, so both
methods see every stored article).
"""

from __future__ import annotations

import itertools
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eval.stories import bcubed, corpus_features, corpus_path, load_documents

from gazette.stories.features import ArticleFeatures
from gazette.stories.index import StoryIndex, _Story

START = datetime(2024, 1, 1, tzinfo=UTC)
BRUTE_HITS = 50


class BruteForceIndex(StoryIndex):
    """The same scoring, with candidates found by cosine over every stored article in the time window."""

    def _best_story(
        self,
        vector: NDArray[np.float32],
        terms: dict[str, dict[str, float]],
        when: float | None,
    ) -> _Story | None:
        similarities = self._vectors.view() @ vector
        if when is not None:
            window = self.params.window.total_seconds()
            times = self._row_times()[: len(similarities)]
            similarities = np.where(np.abs(times - when) <= window, similarities, -2.0)
        count = min(BRUTE_HITS, len(similarities))
        if count == 0:
            return None
        hits = np.argpartition(-similarities, count - 1)[:count]
        row_ids = self._row_ids()
        ranked = hits[np.argsort(-similarities[hits])]
        story_ids = dict.fromkeys(self._articles[row_ids[int(row)]].story for row in ranked)
        best: tuple[float, _Story] | None = None
        for story_id in list(story_ids)[: self.params.candidates]:
            story = self._stories[story_id]
            score = self._score(story, vector, terms, 1)
            if best is None or score > best[0]:
                best = (score, story)
        if best is None or best[0] < self.params.join_threshold:
            return None
        return best[1]

    def _row_times(self) -> NDArray[np.float64]:
        """Publication time per stored vector row, extended as rows are added."""
        cached: NDArray[np.float64] = getattr(self, "_times_cache", np.zeros(0))
        if len(cached) < self._vectors.size:
            ids = self._row_ids()
            extra = [self._articles[ids[row]].published for row in range(len(cached), self._vectors.size)]
            cached = np.concatenate([cached, np.array([np.nan if t is None else t for t in extra])])
            self._times_cache = cached
        return cached

    def _row_ids(self) -> list[str]:
        cached: list[str] = getattr(self, "_ids_cache", [])
        if len(cached) < self._vectors.size:
            cached = [""] * self._vectors.size
            for article in self._articles.values():
                cached[article.row] = article.id
            self._ids_cache = cached
        return cached


def replayed(features: list[ArticleFeatures], total: int) -> tuple[list[ArticleFeatures], list[str]]:
    """``total`` articles: replays of ``features``, one week apart, with (event, replay) labels."""
    out: list[ArticleFeatures] = []
    labels: list[str] = []
    count = len(features)
    for n in range(total):
        replay, i = divmod(n, count)
        base = features[i]
        salt = (replay * 2654435761) & 0xFFFFFFFF
        published = START + timedelta(days=7 * replay, seconds=86400 * i / count)
        out.append(
            replace(
                base,
                id=f"{base.id}@{replay}",
                published=published,
                shingles=frozenset(h ^ salt for h in base.shingles),
            )
        )
        labels.append(f"{replay}")
    return out, labels


def throughput(index: StoryIndex, batch: list[ArticleFeatures]) -> tuple[float, list[str]]:
    start = time.perf_counter()
    for item in batch:
        index.assign(item)
    elapsed = time.perf_counter() - start
    return len(batch) / elapsed, [index.story_of(item.id) for item in batch]


def main(argv: list[str]) -> None:
    args = [a for a in argv if not a.startswith("--")]
    options = dict(itertools.pairwise(argv))
    total = int(options.get("--articles", 100_000))
    measure = int(options.get("--measure", 2000))
    shared = (
        Path(args[0])
        if args and not args[0].isdigit()
        else Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    documents = load_documents(corpus_path(shared))
    features = corpus_features(documents)
    articles, replays = replayed(features, total)
    gold = [f"{documents[n % len(documents)].event}@{replays[n]}" for n in range(total)]
    fill, tail = articles[: total - measure], articles[total - measure :]
    index = StoryIndex()
    start = time.perf_counter()
    for item in fill:
        index.assign(item)
    fill_rate = len(fill) / (time.perf_counter() - start)
    state = index.snapshot()
    ours_rate, ours_labels = throughput(StoryIndex.restore(state), tail)
    brute_rate, brute_labels = throughput(BruteForceIndex.restore(state), tail)
    subset = range(measure)
    tail_gold = gold[total - measure :]
    print(
        f"{total:,} articles ({len(fill):,} stored, then {measure:,} measured); {index.story_count:,} stories"
    )
    print(f"snapshot: {len(state) / 2**20:.1f} MiB; filling ran at {fill_rate:,.0f} articles/s")
    last = max(item.published for item in fill if item.published is not None)
    retired = StoryIndex.restore(state)
    retired.retire(last)
    print(
        f"after retiring quiet stories: {len(retired.snapshot()) / 2**20:.1f} MiB, "
        f"{len(retired):,} articles in {retired.story_count:,} live stories"
    )
    print(f"{'method':<34} {'articles/s':>10} {'BCubed F1':>10}")
    brute_f1 = bcubed(brute_labels, tail_gold, subset)[2]
    ours_f1 = bcubed(ours_labels, tail_gold, subset)[2]
    print(f"{'brute-force cosine over all':<34} {brute_rate:>10,.0f} {brute_f1:>10.4f}")
    print(f"{'gazette windowed centroid index':<34} {ours_rate:>10,.0f} {ours_f1:>10.4f}")


if __name__ == "__main__":
    main(sys.argv[1:])
