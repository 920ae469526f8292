"""Quote and speaker gate on PolNeAR (brat standoff attributions).

A gold quote is an attribution whose Content span contains a quotation mark. A
predicted ``direct``/``partial`` quote matches a gold quote when their spans overlap;
its speaker is right when ``speaker_span`` overlaps the gold Source span.

- speaker precision = matched predictions with a right speaker / matched predictions
- speaker recall = gold quotes matched by a prediction with a right speaker / gold quotes
  that have a Source (``Attribution-no-source`` events cannot have a right speaker; their
  count is printed)
- detection precision/recall: predictions overlapping any gold quote / predictions, gold
  quotes overlapped by any prediction / gold quotes.

Articles annotated by several annotators use the first annotation file by name.
Run: ``python -m eval.quotes [SHARED_DATA]``; ``--check`` compares with the pinned floors.
"""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval import gate
from gazette.enrich.nlp import load_nlp
from gazette.enrich.quotes import QuoteSpan, find_quotes

FLOORS = Path(__file__).parent / "floors" / "quotes.json"
QUOTE_MARKS = re.compile('["“”«»„]')
Spans = list[tuple[int, int]]


@dataclass(slots=True)
class GoldQuote:
    content: Spans
    source: Spans = field(default_factory=list)


@dataclass(slots=True)
class Article:
    name: str
    text: str
    quotes: list[GoldQuote]


def corpus_dir(shared_data: Path, split: str = "dev") -> Path:
    return shared_data / "quotes" / "polnear" / split


def corpus_hash(directory: Path) -> str:
    """sha256 over the sorted relative file names and sizes of the split."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(directory).as_posix()}\t{path.stat().st_size}\n".encode())
    return digest.hexdigest()


def parse_spans(field_text: str) -> Spans:
    """``"Content 315 448;463 553"`` → ``[(315, 448), (463, 553)]``."""
    offsets = field_text.split(" ", 1)[1]
    return [(int(a), int(b)) for a, b in (part.split() for part in offsets.split(";"))]


def gold_quotes(ann: str, text: str) -> list[GoldQuote]:
    spans: dict[str, tuple[str, Spans]] = {}
    events: list[dict[str, str]] = []
    for line in ann.splitlines():
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        if re.fullmatch(r"T\d+", parts[0]):
            spans[parts[0]] = (parts[1].split(" ", 1)[0], parse_spans(parts[1]))
        elif re.fullmatch(r"E\d+", parts[0]):
            events.append(dict(arg.split(":", 1) for arg in parts[1].split() if ":" in arg))
    quotes = []
    for event in events:
        content = spans.get(event.get("Content", ""), ("", []))[1]
        if not any(QUOTE_MARKS.search(text[a:b]) for a, b in content):
            continue
        source = spans.get(event.get("Source", ""), ("", []))[1]
        quotes.append(GoldQuote(content, source))
    return quotes


def load_articles(directory: Path) -> list[Article]:
    annotations: dict[str, Path] = {}
    for ann in sorted((directory / "attributions").glob("*.ann")):
        annotations.setdefault(ann.stem.rsplit("_", 1)[0], ann)
    if not annotations:
        raise FileNotFoundError(f"no PolNeAR annotations under {directory}")
    articles = []
    for name, ann in sorted(annotations.items()):
        text = (directory / "text" / f"{name}.txt").read_text(encoding="utf-8")
        articles.append(Article(name, text, gold_quotes(ann.read_text(encoding="utf-8"), text)))
    return articles


def overlaps(a: tuple[int, int], spans: Spans) -> bool:
    return any(a[0] < end and start < a[1] for start, end in spans)


def score(articles: list[Article], predictions: list[list[QuoteSpan]]) -> dict[str, float]:
    predicted = matched = right = 0
    gold_total = gold_with_source = gold_detected = gold_right = 0
    for article, quotes in zip(articles, predictions, strict=True):
        marked = [q for q in quotes if q.kind in ("direct", "partial")]
        predicted += len(marked)
        for quote in marked:
            golds = [g for g in article.quotes if overlaps((quote.start, quote.end), g.content)]
            if not golds:
                continue
            matched += 1
            span = quote.speaker_span
            right += span is not None and any(overlaps(span, g.source) for g in golds)
        for gold in article.quotes:
            gold_total += 1
            gold_with_source += bool(gold.source)
            hits = [q for q in marked if overlaps((q.start, q.end), gold.content)]
            gold_detected += bool(hits)
            gold_right += any(
                q.speaker_span is not None and overlaps(q.speaker_span, gold.source) for q in hits
            )
    return {
        "articles": len(articles),
        "gold_quotes": gold_total,
        "gold_without_source": gold_total - gold_with_source,
        "predicted_quotes": predicted,
        "detection_precision": round(matched / predicted, 4) if predicted else 0.0,
        "detection_recall": round(gold_detected / gold_total, 4) if gold_total else 0.0,
        "speaker_precision": round(right / matched, 4) if matched else 0.0,
        "speaker_recall": round(gold_right / gold_with_source, 4) if gold_with_source else 0.0,
    }


def predict(articles: list[Article]) -> list[list[QuoteSpan]]:
    nlp = load_nlp()
    docs = nlp.pipe((a.text for a in articles), batch_size=16)
    return [find_quotes(article.text, doc) for article, doc in zip(articles, docs, strict=True)]


def run(shared_data: Path, split: str = "dev") -> dict[str, object]:
    directory = corpus_dir(shared_data, split)
    articles = load_articles(directory)
    result: dict[str, object] = {"split": split, "corpus_sha256": corpus_hash(directory)}
    result.update(score(articles, predict(articles)))
    return result


def load_floors() -> dict[str, Any]:
    return gate.load_floors(FLOORS)


def failures(result: dict[str, Any], floors: dict[str, Any]) -> list[str]:
    """Floors broken by ``result`` (a changed corpus counts as one)."""
    return gate.floor_failures(result, floors, "corpus_sha256", FLOORS)


def table(result: dict[str, object]) -> str:
    return "\n".join(f"{key:<22} {value}" for key, value in result.items())


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    shared = Path(args[0]) if args else Path(__file__).resolve().parents[1].parent / "shared" / "data"
    split = args[1] if len(args) > 1 else "dev"
    result = run(shared, split)
    print(table(result))
    if "--check" in argv:
        problems = failures(result, load_floors())
        print("\n".join(problems) or "all floors met")
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
