from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gazette.enrich.entities import canonical_key, clean_name, find_entities
from gazette.enrich.nlp import load_nlp


@pytest.fixture(scope="module")
def nlp() -> Any:
    return load_nlp()


def seed_text(test_data: Path) -> str:
    article = json.loads((test_data / "enrich" / "seed_expected.json").read_text())["article"]
    return "\n\n".join(p if isinstance(p, str) else p["heading"] for p in article["paragraphs"])


def test_seed_entities_have_canonical_names(nlp: Any, test_data: Path) -> None:
    text = seed_text(test_data)
    mentions = find_entities(text, nlp(text))
    canonical = {(m.canonical, m.type) for m in mentions}
    assert {("Vladimir Putin", "PERSON"), ("Joseph Stalin", "PERSON"), ("Kazakhstan", "GPE")} <= canonical
    assert "Kremlin" in {m.canonical for m in mentions}
    assert {m.canonical for m in mentions if m.text == "Putin"} == {"Vladimir Putin"}
    assert all(text[m.start : m.end] == m.text for m in mentions)
    assert not {m.type for m in mentions} & {"CARDINAL", "DATE", "PERCENT", "MONEY", "ORDINAL"}


def test_titles_articles_and_possessives_are_dropped(nlp: Any) -> None:
    text = (
        "President Joe Biden met Dr. Anthony Fauci at the White House. "
        "Biden's aides said the Kremlin had not replied. Fauci spoke later."
    )
    mentions = find_entities(text, nlp(text))
    by_text = {m.text: m.canonical for m in mentions}
    assert by_text.get("Biden") == "Joe Biden"
    assert by_text.get("Fauci") == "Anthony Fauci"
    assert "the Kremlin" not in by_text
    assert all(not m.text.endswith("'s") for m in mentions)


def test_clean_name() -> None:
    assert clean_name("the Kremlin", "ORG") == "Kremlin"
    assert clean_name("Putin's", "PERSON") == "Putin"
    assert clean_name("President  Vladimir\nPutin", "PERSON") == "Vladimir Putin"
    assert clean_name("Dr. Jane Goodall", "PERSON") == "Jane Goodall"
    assert clean_name("President", "PERSON") == "President"


def test_canonical_key_merges_variants_across_articles() -> None:
    assert canonical_key("the U.S.", "GPE") == canonical_key("United States", "GPE")
    assert canonical_key("Britain", "GPE") == canonical_key("UK", "GPE")
    assert canonical_key("José Núñez", "PERSON") == canonical_key("Mr Jose Nunez", "PERSON")
    assert canonical_key("Kremlin", "ORG") == canonical_key("the Kremlin's", "ORG")
    assert canonical_key("Jordan", "PERSON") != canonical_key("Jordan", "GPE")
    assert canonical_key("Crimea", "GPE") == canonical_key("Crimea", "LOC")
