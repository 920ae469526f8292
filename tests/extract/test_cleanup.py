"""Cleanup rules added for the readability dev set: each on its own, and the regex contract."""

from __future__ import annotations

import re

import pytest

from gazette.extract import cleanup
from gazette.extract.cleanup import Block, Context, clean_blocks, is_furniture, is_paywall_teaser, normalized


@pytest.mark.parametrize(
    "text",
    [
        "posted on April 21, 2015, at 11:29 a.m.",
        "Updated: March 3, 2020 10:15 pm",
        "Published 3 May 2020 at 10:15h",
        "May 5, 2010",
        "Please wait...",
        "This feature is temporarily unavailable. Please try again later.",
        "Get the best stories IN YOUR INBOX every morning",
        "January 13, 2020 at 08:45 AM | categories: Python, Mercurial | View Comments",
        "Sofern nicht anders ausgewiesen, stehen Inhalte dieser Website unter CC-BY",
        "Unless otherwise noted, content on this site is licensed under a Creative Commons license.",
        "Showing 1–10 of 19 results",
    ],
)
def test_date_lines_and_widget_notices_are_furniture(text: str) -> None:
    assert is_furniture(Block("p", text))


@pytest.mark.parametrize("text", ["SUBSCRIBERS ONLY", "Pour lire la suite"])
def test_paywall_notices_are_found(text: str) -> None:
    assert is_paywall_teaser(text)


@pytest.mark.parametrize(
    "text",
    [
        "On March 3, 2020 the council voted to close the harbour road for the winter.",
        "Please wait for the doors to open before you board, the captain told the passengers.",
        "April 17, 2015 -- Imagine being sick in a hospital with an infection doctors cannot stop, "
        "a scenario that health officials around the world now describe as urgent.",
    ],
)
def test_prose_with_dates_or_notice_words_is_kept(text: str) -> None:
    assert not is_furniture(Block("p", text))


def test_typographic_and_straight_quotes_compare_equal() -> None:
    assert normalized("Student Dies After “Burned Her Up” Pills") == normalized(
        'Student Dies After "Burned Her Up" Pills'
    )
    assert normalized("It’s «here»") == normalized('It\'s "here"')


def test_headline_with_other_quotes_than_the_title_is_dropped() -> None:
    blocks = [
        Block("h", "Student Dies After Diet Pills She Bought Online “Burned Her Up From\u00a0Within”"),
        Block("p", "posted on April 21, 2015, at 11:29 a.m."),
        Block("p", "Eloise Parry, 21, was taken to hospital on 12 April."),
    ]
    context = Context(title='Student Dies After Diet Pills She Bought Online "Burned Her Up From Within"')
    assert clean_blocks(blocks, context).blocks == [blocks[2]]


@pytest.mark.parametrize("name", ["NOTICE", "PAYWALL", "NEWSLETTER_ANYWHERE"])
def test_lower_cased_search_patterns_have_no_upper_case_letters(name: str) -> None:
    """These run on ``text.lower()`` without ``re.IGNORECASE``: an upper-case letter would never match."""
    pattern: re.Pattern[str] = getattr(cleanup, name)
    assert not pattern.flags & re.IGNORECASE
    literal = re.sub(r"\\.", "", pattern.pattern)
    assert literal == literal.lower()
