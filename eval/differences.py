"""Gate for "where the outlets' accounts differ" on labelled ECB+ story pairs.

``tests/data/stories/differences.jsonl`` holds candidate differences between two
articles of one ECB+ event (found with a loose detector, then labelled by reading
both sentences). This gate enriches every article of the labelled events
(ECB+ texts detokenized first), runs :func:`gazette.stories.differences.find_conflicts`
per event and scores each reported pair:

- a pair matching a label (same event, kind and the two ``(doc, value)`` sides) counts
  as that label says;
- a pair matching no label is *unlabelled*: it is printed so it can be labelled, and
  counts as false.

precision = reported true / reported; recall = labelled-true pairs reported / labelled
true pairs (recall is informative: the detector is tuned for precision).
Run: ``python -m eval.differences [SHARED_DATA]``; ``--check`` compares with the pinned floors.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from eval import gate
from gazette.demo.build_content import detokenize
from gazette.enrich.pipeline import enrich_many
from gazette.stories.differences import Account, Conflict, find_conflicts

REPO = Path(__file__).resolve().parents[1]
LABELS = REPO / "tests" / "data" / "stories" / "differences.jsonl"
FLOORS = Path(__file__).parent / "floors" / "differences.json"
ARTICLES = Path("stories") / "ecbplus" / "articles.jsonl"
PairKey = tuple[str, str, frozenset[tuple[str, str]]]


def labels_hash(path: Path = LABELS) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_labels(path: Path = LABELS) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def label_key(label: dict[str, Any]) -> PairKey:
    sides = frozenset({(label["a"]["doc"], label["a"]["value"]), (label["b"]["doc"], label["b"]["value"])})
    return (label["event"], label["kind"], sides)


def clean_text(raw: str) -> str:
    """ECB+ tokenized lines back to plain text, one line per paragraph."""
    return "\n".join(detokenize(line) for line in raw.split("\n"))


def source_of(row: dict[str, Any]) -> str:
    """The outlet: the host of the ``plus`` half's URL; each ``ecb`` article is its own outlet."""
    url = row.get("url")
    host = urlsplit(url).hostname if url else None
    return host or str(row["id"])


def load_events(shared_data: Path, events: set[str]) -> dict[str, list[dict[str, Any]]]:
    by_event: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with (shared_data / ARTICLES).open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if row["event"] in events:
                by_event[row["event"]].append(row)
    return dict(by_event)


def event_accounts(rows: list[dict[str, Any]], enrichments: list[dict[str, Any]]) -> list[Account]:
    return [
        Account(index, source_of(row), enrichment["text"], enrichment)
        for index, (row, enrichment) in enumerate(zip(rows, enrichments, strict=True))
    ]


def enrich_events(by_event: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Enrichment records (with their cleaned ``text``) for every article, batched across events."""
    order = [(event, row) for event in sorted(by_event) for row in by_event[event]]
    texts = [clean_text(row["text"]) for _, row in order]
    records: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (event, row), text, enrichment in zip(order, texts, enrich_many(("", t) for t in texts), strict=True):
        record = enrichment.to_json(str(row["id"]))
        record["text"] = text
        records[event].append(record)
    return dict(records)


def conflict_key(event: str, conflict: Conflict, rows: list[dict[str, Any]]) -> PairKey:
    sides = frozenset({(str(rows[c.article_id]["id"]), c.value) for c in (conflict.a, conflict.b)})
    return (event, conflict.kind, sides)


def score(labels: list[dict[str, Any]], reported: list[PairKey]) -> dict[str, Any]:
    truth = {label_key(label): bool(label["label"]) for label in labels}
    found = set(reported)
    right = sum(1 for key in found if truth.get(key) is True)
    wrong = sum(1 for key in found if truth.get(key) is False)
    unlabelled = sorted(key for key in found if key not in truth)
    true_total = sum(truth.values())
    return {
        "labelled": len(truth),
        "labelled_true": true_total,
        "reported": len(found),
        "reported_true": right,
        "reported_false": wrong,
        "unlabelled": len(unlabelled),
        "precision": round(right / len(found), 4) if found else 0.0,
        "recall": round(right / true_total, 4) if true_total else 0.0,
        "unlabelled_pairs": [_describe(key) for key in unlabelled],
    }


def _describe(key: PairKey) -> str:
    event, kind, sides = key
    return f"{event} {kind}: " + " | ".join(f"{doc}: {value}" for doc, value in sorted(sides))


def run(shared_data: Path) -> dict[str, Any]:
    labels = load_labels()
    events = {label["event"] for label in labels}
    by_event = load_events(shared_data, events)
    records = enrich_events(by_event)
    reported = []
    for event, rows in sorted(by_event.items()):
        for conflict in find_conflicts(event_accounts(rows, records[event])):
            reported.append(conflict_key(event, conflict, rows))
    result: dict[str, Any] = {
        "labels_sha256": labels_hash(),
        "events": len(by_event),
        "articles": sum(len(rows) for rows in by_event.values()),
    }
    result.update(score(labels, reported))
    return result


def load_floors() -> dict[str, Any]:
    return gate.load_floors(FLOORS)


def failures(result: dict[str, Any], floors: dict[str, Any]) -> list[str]:
    """Floors broken by ``result`` (a changed corpus counts as one)."""
    return gate.floor_failures(result, floors, "labels_sha256", FLOORS)


def table(result: dict[str, Any]) -> str:
    lines = [f"{key:<16} {value}" for key, value in result.items() if key != "unlabelled_pairs"]
    lines += [f"unlabelled: {pair}" for pair in result["unlabelled_pairs"]]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    shared = Path(args[0]) if args else REPO.parent / "shared" / "data"
    result = run(shared)
    print(table(result))
    if "--check" in argv:
        problems = failures(result, load_floors())
        print("\n".join(problems) or "all floors met")
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
