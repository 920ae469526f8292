"""Sentence boundaries, language and reading time.

Sentences come from pysbd, which handles abbreviations and quotes best of the
offline splitters. Its ``char_span=True`` mode is slow (it re-searches the
text with regular expressions), so we segment each paragraph with plain
strings and then locate every segment sequentially with ``str.find``: the
segments appear in order, so each search starts where the previous one ended
and the whole pass is linear.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import py3langid
import pysbd
from pysbd.languages import LANGUAGE_CODES

WORDS_PER_MINUTE = 230
MIN_LANGUAGE_CHARS = 20
MIN_LANGUAGE_LETTERS = 12

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n")
_LINE_BREAK = re.compile(r"\n")
_WORD = re.compile(r"\w+")
# A caption or heading pasted into running text leaves a sentence with no final
# stop: "... than a colleague The cost of divorce ...". Split before a typical
# sentence opener that follows a lowercase word, digit or closing quote.
_RUN_ON = re.compile(
    r"(?<=[a-z0-9%)\"'’”]) (?=(?:The|He|She|They|It|His|Her|Their|This|These|Now|But|A|An|In|Mr|Mrs|Ms)"
    r"\s[a-z])"
)
_NOT_BEFORE_OPENER = frozenset(
    [
        "by",
        "of",
        "in",
        "on",
        "at",
        "to",
        "from",
        "with",
        "for",
        "and",
        "or",
        "as",
        "the",
        "a",
        "an",
        "than",
        "that",
        "said",
        "says",
        "about",
        "into",
        "like",
        "via",
        "against",
        "between",
        "is",
        "was",
    ]
)


@lru_cache(maxsize=32)
def _segmenter(language: str) -> Any:
    code = language if language in LANGUAGE_CODES else "en"
    return pysbd.Segmenter(language=code, clean=False)


def pysbd_sentences(segmenter: Any, text: str) -> list[str]:
    """pysbd's sentences of ``text``, as ``segmenter.segment`` finds them, minus its char-span pass.

    ``segment`` maps each sentence back onto the text with one regular expression
    per sentence (a third of its time) and keeps that text on the shared
    segmenter; :func:`split_sentences` locates the sentences itself, so the
    processor's output is all it needs, and nothing shared is written.
    """
    sentences: list[str] = segmenter.processor(text).process() if text else []
    return sentences


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` of each non-blank paragraph; paragraphs are separated by blank lines."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        spans.extend(_trimmed_span(text, start, match.start()))
        start = match.end()
    spans.extend(_trimmed_span(text, start, len(text)))
    return spans


def _trimmed_span(text: str, start: int, end: int) -> list[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return [(start, end)] if start < end else []


def _segment_offsets(text: str, start: int, end: int, segments: list[str]) -> list[tuple[int, int]]:
    """Locate each segment inside ``text[start:end]`` in order; unlocatable text stays with its neighbour."""
    spans: list[tuple[int, int]] = []
    cursor = start
    for segment in segments:
        piece = segment.strip()
        if not piece:
            continue
        found = text.find(piece, cursor, end)
        if found < 0:
            continue
        spans.extend(_trimmed_span(text, found, found + len(piece)))
        cursor = found + len(piece)
    if not spans:
        return _trimmed_span(text, start, end)
    first_start, first_end = spans[0]
    spans[0] = (min(first_start, start), first_end)
    return _cover_gaps(text, spans, end)


def _cover_gaps(text: str, spans: list[tuple[int, int]], end: int) -> list[tuple[int, int]]:
    """Extend each span over any skipped non-space text up to the next span, so no text is lost."""
    covered: list[tuple[int, int]] = []
    for index, (span_start, span_end) in enumerate(spans):
        limit = spans[index + 1][0] if index + 1 < len(spans) else end
        gap = text[span_end:limit]
        if gap.strip():
            span_end = span_end + len(gap.rstrip())
        covered.append((span_start, span_end))
    return covered


def split_sentences(text: str, language: str = "en") -> list[tuple[int, int]]:
    """Return ``(start, end)`` offsets of the sentences of ``text``, in order.

    Paragraphs (separated by blank lines) are split first, so a sentence never
    crosses a paragraph. Single line breaks inside a paragraph are treated as
    spaces by pysbd; spans are trimmed of surrounding whitespace.
    """
    segmenter = _segmenter(language)
    flat = text.replace("\n", " ")  # same length, so offsets into ``flat`` are offsets into ``text``
    spans: list[tuple[int, int]] = []
    for start, end in paragraph_spans(text):
        segments = pysbd_sentences(segmenter, flat[start:end])
        for span in _segment_offsets(flat, start, end, segments):
            spans.extend(_split_run_ons(flat, *span))
    return spans


def _split_run_ons(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split a sentence where a caption without a final stop runs into the next sentence."""
    spans: list[tuple[int, int]] = []
    piece_start = start
    for match in _RUN_ON.finditer(text, start, end):
        words_before = text[piece_start : match.start()].split()
        if len(words_before) < 4 or words_before[-1].strip("'\"’”").lower() in _NOT_BEFORE_OPENER:
            continue
        spans.append((piece_start, match.start()))
        piece_start = match.end()
    spans.append((piece_start, end))
    return spans


def sentence_texts(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """Return the sentence strings for ``spans``, with inner line breaks flattened to spaces."""
    return [_LINE_BREAK.sub(" ", text[start:end]) for start, end in spans]


def detect_language(text: str) -> str | None:
    """Return the ISO 639-1 code of ``text``'s language, or ``None`` when the text is too short to tell."""
    stripped = text.strip()
    letters = sum(1 for char in stripped[:2000] if char.isalpha())
    if len(stripped) < MIN_LANGUAGE_CHARS or letters < MIN_LANGUAGE_LETTERS:
        return None
    language, _score = py3langid.classify(stripped[:20000])
    return str(language)


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def reading_minutes(text: str) -> int:
    """Return the reading time in whole minutes (at least 1) at about 230 words per minute."""
    return max(1, round(word_count(text) / WORDS_PER_MINUTE))
