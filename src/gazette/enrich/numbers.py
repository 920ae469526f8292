"""Numbers in a text, with what they count and how they are hedged.

"at least four people killed" → 4, counts "people", qualifier "at least";
"$2bn" → 2e9 "dollars"; "12% of voters" → 12 "percent of voters".

Rules over the text; spaCy's DATE/TIME/ORDINAL entities only help to skip dates.
Skipped on purpose: years (1800-2099 written bare, e.g. "in 2022"), days of months
("May 9", "9 May"), clock times, ordinals ("80th", "first"), phone-like numbers,
digits glued to letters ("WW2", "G7", "COVID-19") and number words inside names
("World War Two"). Ages are kept: "33-year-old" → 33 counting "years old".
Vague plurals are lower bounds: "dozens" → 24, "hundreds" → 200, "thousands" →
2,000, "millions" → 2,000,000, all with qualifier "at least".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from gazette.enrich.nlp import load_nlp

if TYPE_CHECKING:
    from spacy.tokens import Doc


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


Qualifier = Literal["at least", "up to", "more than", "about", "less than"]

QUALIFIERS: dict[str, Qualifier] = {
    "at least": "at least",
    "no fewer than": "at least",
    "up to": "up to",
    "as many as": "up to",
    "as much as": "up to",
    "more than": "more than",
    "over": "more than",
    "upwards of": "more than",
    "in excess of": "more than",
    "nearly": "about",
    "almost": "about",
    "around": "about",
    "about": "about",
    "approximately": "about",
    "roughly": "about",
    "some": "about",
    "an estimated": "about",
    "fewer than": "less than",
    "less than": "less than",
    "under": "less than",
    "below": "less than",
}
UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "a dozen": 12, "dozen": 12, "a hundred": 100, "a thousand": 1000,
}  # fmt: skip
VAGUE = {"dozens": 24, "hundreds": 200, "thousands": 2000, "millions": 2_000_000, "billions": 2_000_000_000}
SCALES = {
    "hundred": 1e2, "thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "mln": 1e6,
    "billion": 1e9, "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12, "tr": 1e12,
}  # fmt: skip
CURRENCIES = {"$": "dollars", "£": "pounds", "€": "euros", "¥": "yen"}
MONTHS = _words(
    "january february march april may june july august september october november december jan feb "
    "mar apr jun jul aug sep sept oct nov dec"
)
STOP_WORDS = _words(
    "of in on at to from by for with and or but that which who whom was were is are be been have has "
    "had will would could should can may might than as into during since after before per a an the "
    "this these those it its their his her our your who's while when where because across around over "
    "under up down out off about against between among through so said says came went died fled got "
    "took made left lost won saw told gave ran fell rose do did does not more less than also still "
    "each every all both only just"
)

_QUALIFIER_RE = "|".join(sorted((re.escape(q) for q in QUALIFIERS), key=len, reverse=True))
_WORD_NUMBER_RE = "|".join(sorted((re.escape(w) for w in UNITS), key=len, reverse=True))
_SCALE_RE = "|".join(sorted((re.escape(s) for s in SCALES), key=len, reverse=True))
_NUMBER_RE = re.compile(
    rf"(?:(?P<qualifier>\b(?:{_QUALIFIER_RE}))\s+)?"
    r"(?P<number>"
    r"(?:(?P<currency>[$£€¥])\s?)?"
    r"(?:(?P<digits>(?<![\w.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.,])\d+(?:\.\d+)?)"
    rf"|(?P<word>\b(?:{_WORD_NUMBER_RE})(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?\b)"
    rf"|(?P<vague>\b(?:{'|'.join(VAGUE)})\b))"
    rf"(?:\s?(?P<scale>(?:{_SCALE_RE})\b))?"
    r"(?P<percent>\s?(?:%|per\s?cent\b))?"
    r"(?P<age>-years?-old\b)?"
    r")",
    re.IGNORECASE,
)
_SENTENCE_BREAK_RE = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'”’)]))\s+(?=[A-Z\"'“‘(\d])|\n+")
_FOLLOWING_WORD_RE = re.compile(r"\s*(?:of\s+)?([A-Za-z][\w'’-]*)")


@dataclass(slots=True)
class NumberMention:
    """``text == source[start:end]`` covers the qualifier and the number with its unit."""

    value: float
    text: str
    start: int
    end: int
    counts: str | None
    qualifier: Qualifier | None
    sentence: tuple[int, int]


def find_numbers(text: str, doc: Doc | None = None) -> list[NumberMention]:
    """Quantities in ``text`` in order; dates, years, times, ordinals and ids are skipped."""
    if doc is None:
        doc = load_nlp()(text)
    dates = [(e.start_char, e.end_char) for e in doc.ents if e.label_ in {"DATE", "TIME", "ORDINAL"}]
    sentences = sentence_bounds(text)
    mentions = []
    for match in _NUMBER_RE.finditer(text):
        mention = _mention(text, match, dates, sentences)
        if mention is not None:
            mentions.append(mention)
    return mentions


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """Rough sentence spans: paragraph breaks and ``. X`` boundaries."""
    bounds = []
    start = 0
    for match in _SENTENCE_BREAK_RE.finditer(text):
        if match.start() > start:
            bounds.append((start, match.start()))
        start = match.end()
    if start < len(text):
        bounds.append((start, len(text)))
    return bounds


def _mention(
    text: str, match: re.Match[str], dates: list[tuple[int, int]], sentences: list[tuple[int, int]]
) -> NumberMention | None:
    number_start, number_end = match.span("number")
    if _skipped(text, match, dates):
        return None
    value = _value(match)
    if value is None:
        return None
    qualifier = QUALIFIERS[match.group("qualifier").lower()] if match.group("qualifier") else None
    if match.group("vague"):
        qualifier = qualifier or "at least"
    start = match.start() if match.group("qualifier") else number_start
    sentence = next(((a, b) for a, b in sentences if a <= number_start < b), (0, len(text)))
    return NumberMention(
        value,
        text[start:number_end],
        start,
        number_end,
        _counts(text, match, sentence[1]),
        qualifier,
        sentence,
    )


def _value(match: re.Match[str]) -> float | None:
    if match.group("digits"):
        value = float(match.group("digits").replace(",", ""))
    elif match.group("word"):
        value = _word_value(match.group("word").lower())
    else:
        value = float(VAGUE[match.group("vague").lower()])
    scale = match.group("scale")
    if scale:
        factor = SCALES[scale.lower()]
        if scale.lower() in {"m", "b", "k"} and not match.group("currency"):
            return None if scale.lower() == "b" else value * factor
        value *= factor
    return value


def _word_value(word: str) -> float:
    parts = re.split(r"[- ]", word)
    if word in UNITS:
        return float(UNITS[word])
    return float(sum(UNITS.get(part, 0) for part in parts))


def _skipped(text: str, match: re.Match[str], dates: list[tuple[int, int]]) -> bool:
    start, end = match.span("number")
    digits = match.group("digits")
    after = text[end : end + 12]
    before = text[max(0, start - 12) : start]
    if digits is not None:
        if re.match(r"(?:st|nd|rd|th)\b|:\d|[-/.]\d|[A-Za-z]", after) or re.search(
            r"[A-Za-z]$|[-/:]$", before
        ):
            return True
        if _is_year(match, digits):
            return True
        if re.match(r"\s?(?:a\.m|p\.m|am\b|pm\b|GMT|BST|ET\b|EST|UTC)", after, re.IGNORECASE):
            return True
        if re.search(rf"\b(?:{'|'.join(MONTHS)})\.?\s$", before, re.IGNORECASE):
            return True
        if re.match(rf"\s(?:{'|'.join(MONTHS)})\b", after, re.IGNORECASE):
            return True
    if match.group("word") and match.group("word")[0].isupper() and re.search(r"[A-Z]\w*\s$", before):
        return True
    if match.group("word") and match.group("word").lower() == "one" and not match.group("qualifier"):
        return not re.match(r"\s+[a-z]+s\b", after) and not re.match(r"\s+(?:person|man|woman)\b", after)
    if any(a <= start < b for a, b in dates) and not (match.group("scale") or match.group("currency")):
        return not (match.group("percent") or match.group("age"))
    return False


def _is_year(match: re.Match[str], digits: str) -> bool:
    extras = (
        match.group("currency") or match.group("scale") or match.group("percent") or match.group("qualifier")
    )
    return bool(re.fullmatch(r"1[89]\d\d|20\d\d", digits)) and not extras


def _counts(text: str, match: re.Match[str], limit: int) -> str | None:
    if match.group("age"):
        return "years old"
    end = match.end("number")
    if match.group("percent"):
        of = re.match(r"\s+of\s+((?:the\s+)?[A-Za-z][\w'’-]*)", text[end:limit])
        return f"percent of {of.group(1)}" if of else "percent"
    noun = _noun_after(text, end, limit)
    currency = match.group("currency")
    if currency:
        return CURRENCIES[currency]
    return noun


def _noun_after(text: str, end: int, limit: int) -> str | None:
    """Up to two words after the number, stopping at function words, verbs in -ing/-ed and punctuation."""
    words: list[str] = []
    pos = end
    while len(words) < 2:
        match = _FOLLOWING_WORD_RE.match(text, pos, limit)
        if match is None:
            break
        word = match.group(1)
        if "of" in match.group(0).split() and words:
            break
        lower = word.lower()
        if lower in STOP_WORDS or lower in SCALES or (re.search(r"(?:ing|ed)$", lower) and len(lower) > 4):
            break
        words.append(word)
        pos = match.end()
    return " ".join(words) or None
