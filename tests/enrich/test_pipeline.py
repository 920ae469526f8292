from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gazette.enrich.pipeline import ENRICHMENT_VERSION, Enrichment, enrich, enrich_many

GERMAN = (
    "Die Bundesregierung hat am Mittwoch neue Regeln für Drohnen beschlossen. "
    "Drohnen dürfen künftig nicht mehr über Flughäfen fliegen, sagte ein Sprecher in Berlin. "
    "Verstöße sollen mit hohen Bußgeldern bestraft werden."
)
KEYS = [
    "id", "language", "sentences", "entities", "quotes", "numbers",
    "keywords", "summary", "key_points", "reading_minutes",
]  # fmt: skip


@pytest.fixture(scope="module")
def seed(test_data: Path) -> tuple[str, str]:
    article = json.loads((test_data / "enrich" / "seed_expected.json").read_text())["article"]
    paragraphs = [p if isinstance(p, str) else p["heading"] for p in article["paragraphs"]]
    return article["title"], "\n\n".join(paragraphs)


@pytest.fixture(scope="module")
def results(seed: tuple[str, str]) -> list[Enrichment]:
    items = [seed, ("Neue Regeln für Drohnen", GERMAN), ("", "")]
    return list(enrich_many(items, batch_size=2))


def test_one_result_per_input_in_order(results: list[Enrichment]) -> None:
    assert [r.language for r in results] == ["en", "de", None]
    assert all(r.version == ENRICHMENT_VERSION for r in results)


def test_english_article_is_fully_enriched(results: list[Enrichment], seed: tuple[str, str]) -> None:
    _, text = seed
    english = results[0]
    assert {"Vladimir Putin", "Joseph Stalin", "Kazakhstan", "Kremlin"} <= {
        e.canonical for e in english.entities
    }
    assert english.quotes
    assert english.numbers
    assert len(english.keywords) == 10
    assert len(english.summary) == 3
    assert all(summary in text for summary in english.summary)
    assert 1 <= len(english.key_points) <= 5
    assert english.reading_minutes >= 4
    assert english.vector is not None
    assert english.vector.shape == (384,)
    assert float(np.linalg.norm(english.vector)) == pytest.approx(1.0, abs=1e-3)


def test_other_languages_get_the_language_independent_parts(results: list[Enrichment]) -> None:
    german = results[1]
    assert german.entities == [] and german.quotes == [] and list(german.numbers) == []
    assert len(german.sentences) == 3
    assert "Drohnen" in german.keywords
    assert german.summary and german.summary[0].startswith("Die Bundesregierung")
    assert german.vector is not None


def test_empty_text(results: list[Enrichment]) -> None:
    empty = results[2]
    assert empty.sentences == [] and empty.summary == [] and empty.key_points == []
    assert empty.reading_minutes == 1


def test_to_json_has_exactly_the_documented_shape(results: list[Enrichment]) -> None:
    record: dict[str, Any] = json.loads(json.dumps(results[0].to_json("42")))
    assert list(record) == KEYS
    assert record["id"] == "42"
    assert all(isinstance(span, list) and len(span) == 2 for span in record["sentences"])
    assert all(set(e) == {"text", "type", "start", "end", "canonical"} for e in record["entities"])
    quote_keys = {"text", "start", "end", "kind", "speaker", "speaker_span", "cue"}
    assert all(set(q) == quote_keys for q in record["quotes"])
    assert all(q["kind"] in {"direct", "partial", "indirect"} for q in record["quotes"])
    assert all(q["speaker_span"] is None or len(q["speaker_span"]) == 2 for q in record["quotes"])
    number_keys = {"value", "text", "start", "end", "counts", "qualifier"}
    assert all(set(n) == number_keys for n in record["numbers"])
    assert isinstance(record["reading_minutes"], int)
    empty = results[2].to_json("e")
    assert empty["language"] is None and empty["entities"] == [] and empty["summary"] == []


def test_single_article_helper() -> None:
    single = enrich("Neue Regeln für Drohnen", GERMAN)
    assert single.language == "de"
    assert single.to_json("1")["sentences"] == [list(span) for span in single.sentences]
