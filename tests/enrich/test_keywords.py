from __future__ import annotations

import json
from pathlib import Path

from gazette.enrich.keywords import keywords, stopwords


def seed_text(test_data: Path) -> str:
    article = json.loads((test_data / "enrich" / "seed_expected.json").read_text())["article"]
    return "\n\n".join(p if isinstance(p, str) else p["heading"] for p in article["paragraphs"])


def test_seed_keywords_name_the_story(test_data: Path) -> None:
    found = keywords(seed_text(test_data), "en")
    assert len(found) == 10
    assert {"Vladimir Putin", "Russia", "Ukraine"} <= set(found)


def test_keywords_are_not_near_duplicates(test_data: Path) -> None:
    found = [k.lower() for k in keywords(seed_text(test_data), "en", n=15)]
    assert len(set(found)) == len(found)
    words = [set(k.split()) for k in found]
    for i, first in enumerate(words):
        for second in words[i + 1 :]:
            assert not first <= second
            assert not second <= first


def test_other_language_uses_its_stopwords() -> None:
    text = (
        "Die Bundesregierung hat am Mittwoch neue Regeln für Drohnen beschlossen. "
        "Drohnen dürfen nicht mehr über Flughäfen fliegen, sagte die Bundesregierung."
    )
    found = keywords(text, "de", n=3)
    assert found[:2] == ["Bundesregierung", "Drohnen"]
    assert "die" in stopwords("de")


def test_unknown_language_and_empty_text() -> None:
    assert keywords("", "en") == []
    assert keywords("the of and", None) == []
    assert keywords("Zanzibar zanzibar", "xx") == ["Zanzibar"]
