"""Quotes and speakers on small hand-written texts, one per pattern, plus the seed article."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gazette.enrich.quotes import QuoteSpan, find_quotes, quoted_segments


def marked(text: str) -> list[QuoteSpan]:
    return [q for q in find_quotes(text) if q.kind != "indirect"]


def spoken(text: str, quote: QuoteSpan) -> str | None:
    return None if quote.speaker_span is None else text[quote.speaker_span[0] : quote.speaker_span[1]]


@pytest.fixture(scope="module")
def seed_text(test_data: Path) -> str:
    article = json.loads((test_data / "enrich" / "seed_article.json").read_text(encoding="utf-8"))["article"]
    return "\n\n".join(p if isinstance(p, str) else p["heading"] for p in article["paragraphs"])


@pytest.mark.parametrize(
    ("text", "speaker", "cue"),
    [
        ('Mayor Jane Holloway said: "We will rebuild the bridge."', "Jane Holloway", "said"),
        ('"We will rebuild the bridge," Jane Holloway said.', "Jane Holloway", "said"),
        ('"We will rebuild the bridge," said Jane Holloway.', "Jane Holloway", "said"),
        ('Jane Holloway told reporters: "We will rebuild the bridge."', "Jane Holloway", "told"),
        ('According to Jane Holloway, "the bridge will be rebuilt by May."', "Jane Holloway", "according to"),
        ('Jane Holloway said that "the bridge will be rebuilt."', "Jane Holloway", "said"),
        ("“We will rebuild the bridge,” Jane Holloway added.", "Jane Holloway", "added"),
    ],
)
def test_speaker_patterns(text: str, speaker: str, cue: str) -> None:
    (quote,) = marked(text)
    assert quote.speaker == speaker
    assert quote.cue == cue
    assert text[quote.start : quote.end] == quote.text


def test_pronoun_resolves_to_the_fullest_earlier_name() -> None:
    text = 'Mayor Jane Holloway visited the site.\n\nHolloway waved.\n\n"It will take a year," she said.'
    (quote,) = marked(text)
    assert spoken(text, quote) == "she"
    assert quote.speaker == "Jane Holloway"


def test_apposition_is_skipped() -> None:
    text = 'Tom Baker, a council engineer, insisted that the bridge "was never safe".'
    (quote,) = marked(text)
    assert quote.kind == "partial"
    assert quote.speaker == "Tom Baker"
    assert quote.cue == "insisted"


def test_venue_from_told() -> None:
    text = 'Flood expert Mark Stevens told The Guardian: "The river has never been this high."'
    (quote,) = marked(text)
    assert spoken(text, quote) == "Flood expert Mark Stevens"
    assert quote.speaker == "Mark Stevens"
    assert quote.venue == "The Guardian"


def test_second_fragment_and_adding_keep_the_speaker() -> None:
    text = '"The river is high," Mark Stevens said. "We are ready."\n\nHe said, adding "Stay home."'
    first, second, third = marked(text)
    assert first.speaker == second.speaker == third.speaker == "Mark Stevens"


def test_quote_continues_across_paragraphs() -> None:
    text = 'Mark Stevens said: "The river is high.\n\n"We are ready for it."\n\nThe rain stopped.'
    (quote,) = marked(text)
    assert quote.text.endswith('ready for it."')
    assert quote.speaker == "Mark Stevens"


def test_nested_quote_stays_inside_its_outer_quote() -> None:
    text = "“They chanted ‘lock them up’ all night,” Mark Stevens said."
    (quote,) = marked(text)
    assert quote.text == "“They chanted ‘lock them up’ all night,”"
    assert quote.speaker == "Mark Stevens"


def test_mismatched_marks_and_apostrophes() -> None:
    text = "He didn't know. Mark Stevens declared: 'We won both wars, it's true.\""
    assert [text[a:b] for a, b in quoted_segments(text)] == ["'We won both wars, it's true.\""]


def test_scare_quotes_without_a_cue_are_not_quotes() -> None:
    assert marked('The so-called "alt-right" movement grew.') == []


def test_indirect_speech() -> None:
    text = "Mark Stevens insisted that the river would not flood the town this year."
    (quote,) = find_quotes(text)
    assert quote.kind == "indirect"
    assert quote.speaker == "Mark Stevens"
    assert quote.text.startswith("the river")


@pytest.mark.parametrize(
    ("text", "span", "speaker"),
    [
        # a relative "who" is the speaker's mention, resolved to the name before it
        ('The council met Mark Stevens, who called the plan "a disaster".', "who", "Mark Stevens"),
        (
            'Officials praised Mark Stevens, who has pushed for "a safer bridge" since May.',
            "who",
            "Mark Stevens",
        ),
        # no cue: the nearest clause subject, not the sentence's first name
        (
            'Jane Holloway endorsed the deal, although she has "serious concerns" about the cost.',
            "she",
            "Jane Holloway",
        ),
        # a participle hangs on the subject of the clause before its comma
        (
            'The flood hit on Monday, and Mark Stevens visited the site on Tuesday, calling it "a ruin".',
            "Mark Stevens",
            "Mark Stevens",
        ),
        # "what he calls" credits the sentence's main subject
        (
            'Jane Holloway has railed against what she calls "a reckless budget" for years.',
            "Jane Holloway",
            None,
        ),
        # titles with periods and a party in parentheses
        ('Gov. Jane Holloway (D) said the bridge was "unsafe" and closed it.', "Jane Holloway", None),
    ],
)
def test_partial_quote_speakers(text: str, span: str, speaker: str | None) -> None:
    (quote,) = marked(text)
    assert quote.kind == "partial"
    assert span in (spoken(text, quote) or "")
    assert quote.speaker == (speaker or span)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ('"We will rebuild the bridge," said county engineer Mark Stevens.', "county engineer Mark Stevens"),
        ('As one engineer told the council, "The bridge is unsafe."', "one engineer"),
        (
            'The mayor spoke for an hour.\n\n"We will rebuild the bridge."\n\n- Jane Holloway.',
            "Jane Holloway",
        ),
        (
            'Jane Holloway announced the plan on Monday. "We are ready to rebuild the bridge."',
            "Jane Holloway",
        ),
    ],
)
def test_direct_quote_speakers(text: str, span: str) -> None:
    (quote,) = marked(text)
    assert quote.kind == "direct"
    assert spoken(text, quote) == span


def test_seed_article_quotes(seed_text: str) -> None:
    quotes = find_quotes(seed_text)

    def quote_containing(words: str) -> QuoteSpan:
        return next(q for q in quotes if words in q.text and q.kind != "indirect")

    hall = quote_containing("Russia is trying to highlight")
    assert hall.speaker is not None and "Stephen Hall" in hall.speaker
    assert hall.venue == "The Sun"
    bininachvili = quote_containing("The President has taken a stance")
    assert bininachvili.speaker in {"Dr Bininachvili", "Bininachvili"}
    putin = quote_containing("We won both wars")
    assert putin.speaker == "Vladimir Putin"
    kobiakov = quote_containing("still legally exists")
    assert kobiakov.kind == "partial"
    assert kobiakov.speaker == "Anton Kobiakov"
