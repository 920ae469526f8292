"""Differences between outlets' accounts, on small hand-written accounts (real enrichment)."""

from __future__ import annotations

from typing import Any

import pytest

from gazette.enrich.pipeline import enrich_many
from gazette.stories.differences import (
    Account,
    count_key,
    find_conflicts,
    find_differences,
    same_speaker,
    singular,
    value_range,
)


def accounts(*items: tuple[str, str]) -> list[Account]:
    """``(source, text)`` pairs, enriched the way the pipeline does it."""
    texts = [text for _, text in items]
    enrichments: list[dict[str, Any]] = [
        e.to_json(str(i)) for i, e in enumerate(enrich_many(("", t) for t in texts))
    ]
    return [
        Account(index, source, text, enrichment)
        for index, ((source, text), enrichment) in enumerate(zip(items, enrichments, strict=True))
    ]


def kinds_and_values(found: list[dict[str, Any]]) -> list[tuple[str, str, list[str]]]:
    return [(d["kind"], d["what"], [a["value"] for a in d["accounts"]]) for d in found]


def test_different_death_tolls_are_a_difference() -> None:
    found = find_differences(
        accounts(
            ("Daily", "Four people were killed when a bus crashed in the hills on Monday, police said."),
            ("Herald", "A bus crash in the hills killed three people on Monday, officials said."),
        )
    )
    assert kinds_and_values(found) == [("number", "killed", ["Four", "three"])]
    first = found[0]["accounts"][0]
    assert first == {
        "article_id": 0,
        "source": "Daily",
        "value": "Four",
        "sentence": "Four people were killed when a bus crashed in the hills on Monday, police said.",
    }


def test_hedged_numbers_that_can_both_be_true_are_not_a_difference() -> None:
    found = find_conflicts(
        accounts(
            ("Daily", "At least four people were killed when a bus crashed in the hills."),
            ("Herald", "Five people were killed when a bus crashed in the hills."),
            ("Post", "About 100 people were injured in the stampede after the match."),
            ("Times", "The stampede after the match left 102 people injured."),
        )
    )
    assert found == []


def test_same_outlet_and_different_counted_things_are_not_compared() -> None:
    found = find_conflicts(
        accounts(
            ("Daily", "Four people were killed in the fire at the market."),
            ("Daily", "Three people were killed in the fire at the market."),
            ("Herald", "Twelve people were injured in the fire at the market."),
            ("Post", "The 33-year-old owner said 20 people were inside the market."),
        )
    )
    assert found == []


def test_parts_of_a_total_and_numbers_in_quotes_are_not_counts() -> None:
    found = find_conflicts(
        accounts(
            ("Daily", "Police said two women and one man died in the bank fire."),
            ("Herald", "Three people died in the bank fire, police said."),
            ("Post", '"There might have been two people killed," a witness said of the bank fire.'),
        )
    )
    assert found == []


def test_reworded_quote_of_one_speaker_is_a_difference() -> None:
    found = find_differences(
        accounts(
            ("Daily", '"We will rebuild every school in the valley by next spring," Mayor Ana Ruiz said.'),
            ("Herald", '"We will rebuild every house in the valley by next spring," said Ana Ruiz.'),
        )
    )
    assert [d["kind"] for d in found] == ["quote"]
    assert found[0]["what"].endswith("Ana Ruiz")
    assert "school" in found[0]["accounts"][0]["value"]


@pytest.mark.parametrize(
    "other",
    [
        '"We will rebuild every school in the valley by next spring," said Ana Ruiz.',
        '"We will rebuild every school in the valley," said Ana Ruiz.',
        '"We will rebuild every school in the vallley by next spring," said Ana Ruiz.',
        '"Our budget is tight but the people of this town are strong," said Ana Ruiz.',
    ],
    ids=["identical", "cut-short", "typo", "unrelated"],
)
def test_same_cut_misspelt_or_unrelated_quotes_are_not_differences(other: str) -> None:
    found = find_conflicts(
        accounts(
            ("Daily", '"We will rebuild every school in the valley by next spring," Mayor Ana Ruiz said.'),
            ("Herald", other),
        )
    )
    assert found == []


def test_same_quote_credited_to_two_named_people_is_an_attribution_difference() -> None:
    quote = '"The water supply is safe and the boil notice will be lifted tomorrow morning,"'
    found = find_differences(
        accounts(
            ("Daily", f"{quote} said Mayor Ana Ruiz."),
            ("Herald", f"{quote} said Governor Tom Beck."),
        )
    )
    assert [d["kind"] for d in found] == ["attribution"]
    credited = sorted(a["value"] for a in found[0]["accounts"])
    assert credited[0].endswith("Ana Ruiz") and credited[1].endswith("Tom Beck")


def test_value_ranges_follow_qualifiers() -> None:
    assert value_range(4, "at least") == (4, float("inf"))
    assert value_range(10, "up to") == (0, 10)
    assert value_range(100, "about") == (80, 120)
    assert value_range(4, None) == (4, 4)
    assert value_range(200, None) == (190, 210)


def test_count_keys() -> None:
    assert count_key("people", "", " were killed in the blast") == ("", "killed")
    assert count_key("dead", "", " after the blast") == ("", "killed")
    assert count_key("pirates", "They said ", " were captured") is None
    assert count_key("miners", "", " were missing") == ("miner", "missing")
    assert count_key(None, "the blast killed ", " and hurt more") == ("", "killed")
    assert count_key("people", "", " were arrested") is None
    assert count_key("people", "", " who were killed") is None
    assert count_key("dollars", "", " were lost", "$5m") is None


def test_small_helpers() -> None:
    assert singular("casualties") == "casualty"
    assert singular("women") == "woman"
    assert singular("miners") == "miner"
    assert same_speaker("Putin", "Vladimir Putin")
    assert not same_speaker("Vladimir Putin", "Dmitry Peskov")
