"""Numbers with what they count: hand-written sentences plus the seed article."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gazette.enrich.numbers import NumberMention, find_numbers


def only(text: str) -> NumberMention:
    found = find_numbers(text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("text", "value", "counts", "qualifier"),
    [
        ("The strike killed at least four people in Kyiv.", 4, "people", "at least"),
        ("Russia said it downed 174 Ukrainian drones.", 174, "Ukrainian drones", None),
        (
            "There are now over 100 Stalin replicas lurking around Russia.",
            100,
            "Stalin replicas",
            "more than",
        ),
        ("Stalin caused up to 10million deaths.", 10_000_000, "deaths", "up to"),
        ("The fund holds 1.5 million barrels.", 1_500_000, "barrels", None),
        ("Police deployed 3,000 officers.", 3000, "officers", None),
        ("Nearly twenty-five officials resigned.", 25, "officials", "about"),
        ("Fewer than 10 reporters were allowed in.", 10, "reporters", "less than"),
        ("Approximately 2,500 homes lost power.", 2500, "homes", "about"),
        ("A dozen ships sailed.", 12, "ships", None),
        ("Hundreds of protesters gathered.", 200, "protesters", "at least"),
    ],
)
def test_counted_quantities(text: str, value: float, counts: str, qualifier: str | None) -> None:
    mention = only(text)
    assert mention.value == value
    assert mention.counts == counts
    assert mention.qualifier == qualifier
    assert text[mention.start : mention.end] == mention.text
    assert mention.sentence == (0, len(text))


def test_money_and_percentages() -> None:
    text = "The deal was worth $2bn, and 40 percent of voters backed it while turnout rose 12%."
    money, share, turnout = find_numbers(text)
    assert (money.value, money.counts) == (2e9, "dollars")
    assert (share.value, share.counts) == (40, "percent of voters")
    assert (turnout.value, turnout.counts) == (12, "percent")
    assert only("Costs rose to about £3.5m.").value == 3_500_000


def test_ages_are_kept_as_years_old() -> None:
    mention = only("The 33-year-old was arrested.")
    assert (mention.value, mention.counts) == (33, "years old")


@pytest.mark.parametrize(
    "text",
    [
        "The union collapsed in 1991.",
        "Russia invaded Ukraine in 2022.",
        "The parade was held on May 9 this year.",
        "The meeting starts at 10:30 a.m. sharp.",
        "It was the 80th anniversary of the end of World War Two.",
        "Call 555-123-4567 for details.",
        "The WW2 memorial and the G7 summit.",
    ],
)
def test_years_dates_times_ordinals_and_ids_are_skipped(text: str) -> None:
    assert find_numbers(text) == []


def test_sentence_span_points_at_the_right_sentence() -> None:
    text = "Nothing here. Then 12 boats arrived."
    mention = only(text)
    assert text[mention.sentence[0] : mention.sentence[1]] == "Then 12 boats arrived."


def test_seed_article_stalin_replicas(test_data: Path) -> None:
    article = json.loads((test_data / "enrich" / "seed_article.json").read_text(encoding="utf-8"))["article"]
    text = "\n\n".join(p if isinstance(p, str) else p["heading"] for p in article["paragraphs"])
    found = {m.text: m for m in find_numbers(text)}
    replicas = found["over 100"]
    assert (replicas.value, replicas.counts, replicas.qualifier) == (100, "Stalin replicas", "more than")
    assert found["up to 10million"].value == 10_000_000
    assert not any(m.value in (1991, 1924, 1952, 2022) for m in found.values())
