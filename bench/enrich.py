"""Enrichment throughput: the full enrich stage against its floor, in one run.

The floor is the work no enrichment can skip: spaCy NER (``nlp.pipe``) plus
one MiniLM article embedding per article. The full stage adds sentences,
language, entities with canonical names, quotes, numbers, keywords, summary
candidates' sentence embeddings, summary and key points. Both run over the
same CNN/DM articles (``summaries/frank/articles.jsonl``), each after a warm-up
of its own that loads the models, so model loading is not timed. The floor runs
first, with torch's default threads; the full stage then limits torch to the
cores NER leaves free, as it does in production. Targets: full ≥ 0.7x
the floor and ≥ 10 articles/s on 2 cores.

    .venv/bin/python bench/enrich.py [--shared-data ../shared/data] [--limit 250]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from gazette.enrich import embed
from gazette.enrich.nlp import load_nlp
from gazette.enrich.pipeline import enrich_many

HERE = Path(__file__).resolve().parent
CORPUS = Path("summaries") / "frank" / "articles.jsonl"


def load_texts(shared_data: Path, limit: int) -> list[tuple[str, str]]:
    rows = [json.loads(line) for line in (shared_data / CORPUS).read_text().splitlines() if line.strip()]
    return [("", row["article"]) for row in rows if row["corpus"] == "cnndm"][:limit]


def floor(items: list[tuple[str, str]], batch_size: int) -> None:
    nlp = load_nlp()
    for _doc in nlp.pipe([text for _, text in items], batch_size=batch_size):
        pass
    embed.embed_texts([embed.article_text(title, text) for title, text in items])


def full(items: list[tuple[str, str]], batch_size: int) -> None:
    for _enrichment in enrich_many(items, batch_size=batch_size):
        pass


def timed(label: str, function: object, items: list[tuple[str, str]], batch_size: int) -> float:
    started = time.perf_counter()
    function(items, batch_size)  # type: ignore[operator]
    seconds = time.perf_counter() - started
    rate = len(items) / seconds
    print(f"{label:<28}{len(items):>6} articles {seconds:>8.1f} s {rate:>8.1f} articles/s")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description="enrichment throughput vs NER + article embedding")
    parser.add_argument("--shared-data", type=Path, default=HERE.parent.parent / "shared" / "data")
    parser.add_argument("--limit", type=int, default=250)
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args()
    items = load_texts(args.shared_data, args.limit)
    floor(items[:4], args.batch_size)
    floor_rate = timed("floor (NER + article vector)", floor, items, args.batch_size)
    full(items[:4], args.batch_size)
    full_rate = timed("full enrichment", full, items, args.batch_size)
    print(f"ratio full/floor: {full_rate / floor_rate:.2f}x (target >= 0.70x; >= 10 articles/s)")


if __name__ == "__main__":
    main()
