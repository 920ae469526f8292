"""Story clustering and related-article gate on ECB+ (topics 1-22, two events per topic).

- BCubed precision, recall and F1 at event level of :class:`gazette.stories.StoryIndex`
  run online over the articles in file order and in three fixed shuffled orders
  (the mean and the worst order are reported), overall, on the tuning topics 1-11
  and on the held-out topics 12-22.
- related precision@3: after all articles are in, the share of each article's top 3
  related articles that report the same event.
- baseline, from the same run: TF-IDF cosine over all words (IDF from the whole
  corpus), single-pass online clustering with one threshold (tuned on topics 1-11),
  and top-3 TF-IDF neighbours for related articles.

Titles and dates are absent from the corpus, so nothing here uses them.
Run: ``python -m eval.stories [SHARED_DATA]``; ``--check`` compares with the pinned floors.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from eval import gate
from gazette.stories.features import ArticleFeatures, ArticleInput, build_features
from gazette.stories.index import StoryIndex

FLOORS = Path(__file__).parent / "floors" / "stories.json"
SHUFFLE_SEEDS = (1, 2, 3)
TUNING_TOPICS = range(1, 12)
BASELINE_THRESHOLD = 0.25
_WORD = re.compile(r"\w+")


@dataclass(slots=True)
class Document:
    id: str
    topic: int
    event: str
    text: str


def corpus_path(shared_data: Path) -> Path:
    return shared_data / "stories" / "ecbplus" / "articles.jsonl"


def corpus_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_documents(path: Path) -> list[Document]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Document(str(r["id"]), int(r["topic"]), str(r["event"]), str(r["text"])) for r in rows]


def orders(count: int) -> list[list[int]]:
    """File order, then one shuffled order per seed."""
    result = [list(range(count))]
    for seed in SHUFFLE_SEEDS:
        order = list(range(count))
        random.Random(seed).shuffle(order)
        result.append(order)
    return result


def bcubed(
    predicted: Sequence[str], gold: Sequence[str], subset: Sequence[int]
) -> tuple[float, float, float]:
    """BCubed precision, recall and F1 over the items in ``subset``."""
    predicted_sizes = Counter(predicted[i] for i in subset)
    gold_sizes = Counter(gold[i] for i in subset)
    both = Counter((predicted[i], gold[i]) for i in subset)
    precision = sum(both[predicted[i], gold[i]] / predicted_sizes[predicted[i]] for i in subset) / len(subset)
    recall = sum(both[predicted[i], gold[i]] / gold_sizes[gold[i]] for i in subset) / len(subset)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def cluster_ours(features: list[ArticleFeatures], order: list[int]) -> tuple[list[str], StoryIndex]:
    index = StoryIndex()
    labels = [""] * len(features)
    for i in order:
        index.assign(features[i])
    for i, item in enumerate(features):
        labels[i] = index.story_of(item.id)
    return labels, index


def related_precision_ours(index: StoryIndex, features: list[ArticleFeatures], gold: list[str]) -> float:
    event_of = {f.id: gold[i] for i, f in enumerate(features)}
    hits = []
    for i, item in enumerate(features):
        top = index.related(item, k=3)
        hits.append(sum(event_of[r.id] == gold[i] for r in top) / 3)
    return float(np.mean(hits))


def tfidf_matrix(texts: list[str]) -> NDArray[np.float64]:
    """Unit-length TF-IDF rows (sublinear tf, smoothed idf) over lowercase words."""
    counts = [Counter(_WORD.findall(t.lower())) for t in texts]
    df = Counter(term for c in counts for term in c)
    vocabulary = {term: j for j, term in enumerate(df)}
    matrix = np.zeros((len(texts), len(vocabulary)))
    for i, c in enumerate(counts):
        for term, count in c.items():
            matrix[i, vocabulary[term]] = (1 + math.log(count)) * (
                math.log((len(texts) + 1) / (df[term] + 1)) + 1
            )
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


def cluster_baseline(matrix: NDArray[np.float64], order: list[int], threshold: float) -> list[str]:
    """Single pass: join the story with the most similar centroid if cosine ≥ threshold."""
    sums: list[NDArray[np.float64]] = []
    labels = [""] * len(matrix)
    for i in order:
        if sums:
            centroids = np.stack(sums)
            scores = centroids @ matrix[i] / np.linalg.norm(centroids, axis=1)
            best = int(np.argmax(scores))
            if scores[best] >= threshold:
                sums[best] = sums[best] + matrix[i]
                labels[i] = f"b{best}"
                continue
        sums.append(matrix[i].copy())
        labels[i] = f"b{len(sums) - 1}"
    return labels


def related_precision_baseline(matrix: NDArray[np.float64], gold: list[str]) -> float:
    similarity = matrix @ matrix.T
    np.fill_diagonal(similarity, -1.0)
    top = np.argsort(-similarity, axis=1)[:, :3]
    return float(np.mean([sum(gold[j] == gold[i] for j in row) / 3 for i, row in enumerate(top)]))


def clustering_scores(
    cluster: Callable[[list[int]], list[str]], gold: list[str], topics: list[int], prefix: str
) -> dict[str, float]:
    """Mean and worst-order BCubed scores, overall, on topics 1-11 and on topics 12-22."""
    everything = list(range(len(gold)))
    tuning = [i for i in everything if topics[i] in TUNING_TOPICS]
    heldout = [i for i in everything if topics[i] not in TUNING_TOPICS]
    runs = [cluster(order) for order in orders(len(gold))]
    result: dict[str, float] = {}
    for name, subset in (("", everything), ("tuning_", tuning), ("heldout_", heldout)):
        scores = np.array([bcubed(labels, gold, subset) for labels in runs])
        result[f"{prefix}{name}bcubed_precision_mean"] = round(float(scores[:, 0].mean()), 4)
        result[f"{prefix}{name}bcubed_recall_mean"] = round(float(scores[:, 1].mean()), 4)
        result[f"{prefix}{name}bcubed_f1_mean"] = round(float(scores[:, 2].mean()), 4)
        result[f"{prefix}{name}bcubed_f1_worst"] = round(float(scores[:, 2].min()), 4)
    return result


def corpus_features(documents: list[Document]) -> list[ArticleFeatures]:
    return build_features([ArticleInput(d.id, d.text) for d in documents])


def run(shared_data: Path, features: list[ArticleFeatures] | None = None) -> dict[str, object]:
    """Score ours and the baseline; ``features`` may be passed in to reuse embeddings."""
    path = corpus_path(shared_data)
    documents = load_documents(path)
    gold = [d.event for d in documents]
    topics = [d.topic for d in documents]
    features = features if features is not None else corpus_features(documents)
    result: dict[str, object] = {"corpus_sha256": corpus_hash(path), "articles": len(documents)}
    result["events"] = len(set(gold))
    result.update(clustering_scores(lambda order: cluster_ours(features, order)[0], gold, topics, ""))
    _, index = cluster_ours(features, orders(len(documents))[0])
    result["stories_file_order"] = index.story_count
    result["related_p_at_3"] = round(related_precision_ours(index, features, gold), 4)
    matrix = tfidf_matrix([d.text for d in documents])
    result.update(
        clustering_scores(
            lambda order: cluster_baseline(matrix, order, BASELINE_THRESHOLD), gold, topics, "baseline_"
        )
    )
    result["baseline_related_p_at_3"] = round(related_precision_baseline(matrix, gold), 4)
    return result


def load_floors() -> dict[str, Any]:
    return gate.load_floors(FLOORS)


def failures(result: dict[str, Any], floors: dict[str, Any]) -> list[str]:
    """Floors broken by ``result`` (a changed corpus counts as one)."""
    return gate.floor_failures(result, floors, "corpus_sha256", FLOORS)


def table(result: dict[str, object]) -> str:
    """Ours and the baseline side by side, one metric per line."""
    lines = [f"{'metric':<34} {'ours':>8} {'baseline':>9}"]
    for key, value in result.items():
        if key.startswith("baseline_"):
            continue
        peer = result.get(f"baseline_{key}", "")
        lines.append(f"{key:<34} {value!s:>8} {peer!s:>9}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    shared = Path(args[0]) if args else Path(__file__).resolve().parents[1].parent / "shared" / "data"
    result = run(shared)
    print(table(result))
    if "--check" in argv:
        problems = failures(result, load_floors())
        print("\n".join(problems) or "all floors met")
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
