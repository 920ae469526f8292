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
from collections import Counter
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
# stop. A candidate boundary is a space after a lowercase word, digit or closing
# quote, before either a typical sentence opener followed by a lowercase word
# ("... than a colleague The cost of divorce ...") or a caption label: one to four
# words, the last capitalized, then a colon and a capitalized word or a quote
# ("... involving marriage licences Sullen: Barrientos, seen here ...").
_RUN_ON_CANDIDATE = re.compile(
    r"(?<=[a-z0-9%)\"'’”]) (?=([A-Z][a-z]*)"
    r"(?:\s[a-z]|((?:(?:\s[\w'’-]+){0,2}\s[A-Z][\w'’-]*)?:\s[A-Z‘'\"“])))"
)
# Words that open sentences far more often than they continue one.
_OPENERS = frozenset("The He She They It His Her Their This These Now But A An In Mr Mrs Ms".split())
_WORD_FORMS = re.compile(r"(?<![\w’'-])[A-Za-z][a-z]+(?![\w’'-])")
_PUNCTUATION = "'\"‘’“”()[],;:.!?"
_QUOTES = "'\"’”"
_OPENING_QUOTES = "'\"‘“"
_CLOSING_QUOTES = "'\"’”"
# Words after which a sentence opener continues the sentence ("said The Times").
_NOT_BEFORE_OPENER = frozenset(
    """by of in on at to from with for and or as the a an than that said says about into like via
    against between is was""".split()
)
# Words after which a capitalized word is most likely a name or a title, not a caption label:
# prepositions, determiners, conjunctions, verbs of saying and naming, auxiliaries.
_NOT_BEFORE_LABEL = _NOT_BEFORE_OPENER | frozenset(
    """nor say saying told tells tell telling asked asking thanked added adding wrote writes tweeted
    texted emailed messaged according onto upon are were be been being am under over after before
    during near behind beyond across toward towards through throughout within without among amongst
    around outside inside named called dubbed titled entitled nicknamed labelled labeled known its his
    her their our your my this these those whose which who whom where when while including include
    includes included versus vs per if then so but yet both either neither not""".split()
)
_DETERMINERS = frozenset("the a an his her its their our my your this that these those every each".split())
# Adjectives that commonly precede a title or a name: "the next President", "the late Queen".
_TITLE_MODIFIERS = frozenset(
    """next former late then new acting interim future current incoming outgoing deputy vice ex first
    fellow""".split()
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
    forms = Counter(_WORD_FORMS.findall(flat))
    spans: list[tuple[int, int]] = []
    for start, end in paragraph_spans(text):
        segments = pysbd_sentences(segmenter, flat[start:end])
        for span in _segment_offsets(flat, start, end, segments):
            spans.extend(_split_run_ons(flat, *span, forms))
    return spans


def _split_run_ons(text: str, start: int, end: int, forms: Counter[str]) -> list[tuple[int, int]]:
    """Split a sentence where a caption without a final stop runs into the next sentence.

    ``forms`` counts the article's word forms, to tell a common word from a name.
    """
    spans: list[tuple[int, int]] = []
    piece_start = start
    for match in _RUN_ON_CANDIDATE.finditer(text, start, end):
        words_before = text[piece_start : match.start()].split()
        if len(words_before) >= 4 and _is_run_on(match, words_before, forms):
            spans.append((piece_start, match.start()))
            piece_start = match.end()
    spans.append((piece_start, end))
    return spans


def _is_run_on(match: re.Match[str], words_before: list[str], forms: Counter[str]) -> bool:
    if match.group(2) is not None:
        return _starts_a_caption_label(match, words_before, forms)
    return match.group(1) in _OPENERS and words_before[-1].strip(_QUOTES).lower() not in _NOT_BEFORE_OPENER


def _starts_a_caption_label(match: re.Match[str], words_before: list[str], forms: Counter[str]) -> bool:
    """Whether ``match`` is a caption label ("Sullen:", "Skin Therapy:") that opens a new sentence.

    A label of several words must start with a common word of the article (a function word,
    or one the text also spells in lower case, and not more often capitalized): "Laura
    Janner-Klausner Signed:" is a name running on. The word before must end a clause.
    """
    word, label = match.group(1), match.group(2)
    if words_before[-1].strip(_PUNCTUATION).lower() in _NOT_BEFORE_LABEL:
        return False
    if not label.startswith(":") and not _is_common_word(word, forms):
        return False
    return _ends_a_clause(words_before)


def _is_common_word(word: str, forms: Counter[str]) -> bool:
    lower = word.lower()
    return lower in _NOT_BEFORE_LABEL or 0 < forms[lower] >= forms[word]


def _ends_a_clause(words_before: list[str]) -> bool:
    """Whether the last of ``words_before`` can end a caption.

    That is a plain lowercase word, not a title modifier ("the next President"), a
    possessive ("the players' Player") or inside an open quote ("'crackpot Government"),
    or a number after such a word but not after a determiner ("in 2012", not "the 2014").
    """
    last = words_before[-1]
    if _is_number(last.strip(_PUNCTUATION)):
        if len(words_before) < 2 or words_before[-2].strip(_PUNCTUATION).lower() in _DETERMINERS:
            return False
        last = words_before[-2]
    if last[:1] in _OPENING_QUOTES and last[-1:] not in _CLOSING_QUOTES:
        return False
    if last.endswith(("s'", "s’")):
        return False
    return _is_plain_lowercase(last.strip(_PUNCTUATION))


def _is_number(token: str) -> bool:
    return token.rstrip("%").replace(",", "").replace(".", "").isdigit()


def _is_plain_lowercase(token: str) -> bool:
    """A lowercase word (hyphens and apostrophes allowed) that is not a title modifier."""
    letters = token.replace("-", "").replace("'", "").replace("’", "")
    return letters.isalpha() and token.islower() and token not in _TITLE_MODIFIERS


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
