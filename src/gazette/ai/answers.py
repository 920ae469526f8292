"""Reading the model's replies: citations checked against the article, points, translated segments.

Nothing the model says is trusted: a citation number that names no sentence
of the prompt is dropped (from the list and from the answer's text), and an
answer left with no valid citation is marked ``grounded=False`` so the page
shows it with a warning instead of presenting it as sourced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from gazette.ai.document import ArticleDoc

MAX_RANGE = 20
MAX_POINTS = 8
# "[2]", "[2, 5]", "[2-4]", and the "[S2]", "[#2]", "[^2]", "[sentence 2]" some models write
_NUMBER = r"(?:sentences?\s*|s|#|\^)?\d{1,6}"
_MARKER = rf"\[\s*({_NUMBER}(?:\s*(?:,|;|-|–|and)\s*{_NUMBER})*)\s*\]"
_MARKER_RUN = re.compile(rf"\s?{_MARKER}(?:\s?{_MARKER})*", re.IGNORECASE)
_CITATION = re.compile(_MARKER, re.IGNORECASE)
_NUMBER_OR_RANGE = re.compile(r"(\d{1,6})(?:\s*[-–]\s*(?:s|#|\^)?(\d{1,6}))?", re.IGNORECASE)
_VALID_MARKER = re.compile(r"\[(\d{1,6})\]")
_BULLET = re.compile(r"^\s*(?:[-*•–]|\d{1,2}[.)])\s+")
_SEGMENT = re.compile(r"^\s*\[(\d{1,4})\]\s?(.*)$")
_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Citation:
    """Sentence ``n`` of the prompt, and its character offsets in the stored text."""

    n: int
    sentence: str
    start: int
    end: int

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "sentence": self.sentence, "start": self.start, "end": self.end}


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    answer: str
    citations: list[Citation]
    model: str

    @property
    def grounded(self) -> bool:
        return bool(self.citations)

    def parts(self) -> list[tuple[str, int | None]]:
        """The answer as ``(text, None)`` and ``("[n]", n)`` pieces, so pages can link citations."""
        cited = {citation.n for citation in self.citations}
        pieces: list[tuple[str, int | None]] = []
        position = 0
        for match in _VALID_MARKER.finditer(self.answer):
            n = int(match.group(1))
            if n not in cited:
                continue
            if match.start() > position:
                pieces.append((self.answer[position : match.start()], None))
            pieces.append((match.group(0), n))
            position = match.end()
        if position < len(self.answer):
            pieces.append((self.answer[position:], None))
        return pieces

    def to_json(self) -> dict[str, Any]:
        return {
            "feature": "ask",
            "question": self.question,
            "answer": self.answer,
            "citations": [citation.to_json() for citation in self.citations],
            "grounded": self.grounded,
            "model": self.model,
        }


@dataclass(frozen=True, slots=True)
class Summary:
    style: str
    text: str
    points: list[str]
    model: str

    def to_json(self) -> dict[str, Any]:
        return {
            "feature": "summary",
            "style": self.style,
            "text": self.text,
            "points": list(self.points),
            "model": self.model,
        }


@dataclass(frozen=True, slots=True)
class Translation:
    language: str
    language_name: str
    scope: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    model: str = ""
    truncated: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "feature": "translate",
            "language": self.language,
            "language_name": self.language_name,
            "scope": self.scope,
            "title": self.title,
            "paragraphs": list(self.paragraphs),
            "model": self.model,
            "truncated": self.truncated,
        }


AiResult = Answer | Summary | Translation


def cited_numbers(marker: str) -> list[int]:
    """The sentence numbers one bracketed marker names: ``2``, ``2, 5``, ``2-4``."""
    numbers: list[int] = []
    for match in _NUMBER_OR_RANGE.finditer(marker):
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) else first
        if first <= last <= first + MAX_RANGE:
            numbers.extend(range(first, last + 1))
        else:
            numbers.append(first)
    return numbers


def grounded_answer(reply: str, question: str, doc: ArticleDoc, valid: set[int], model: str) -> Answer:
    """The reply with invalid citation numbers removed, and the valid ones as Citations in order."""
    order: list[int] = []

    def rewrite(match: re.Match[str]) -> str:
        named = [n for marker in _CITATION.findall(match.group(0)) for n in cited_numbers(marker)]
        kept = [n for n in named if n in valid]
        for n in kept:
            if n not in order:
                order.append(n)
        if not kept:
            return ""
        lead = " " if match.group(0).startswith(" ") else ""
        return lead + "".join(f"[{n}]" for n in dict.fromkeys(kept))

    text = _MARKER_RUN.sub(rewrite, reply).strip()
    citations = []
    for n in order:
        start, end = doc.sentences[n - 1]
        citations.append(Citation(n, doc.text[start:end].strip(), start, end))
    return Answer(question, text, citations, model)


def plain(reply: str) -> str:
    """The reply without the Markdown bold and heading marks models add although asked not to
    (pages show the text escaped, so the marks would show as literal asterisks)."""
    return _HEADING.sub("", _EMPHASIS.sub(r"\2", reply)).strip()


def points(reply: str) -> list[str]:
    """The lines of a bulleted reply, without their bullets (at most MAX_POINTS)."""
    found = [_BULLET.sub("", line).strip() for line in reply.splitlines()]
    return [line for line in found if line][:MAX_POINTS]


def numbered_segments(reply: str, count: int) -> list[str] | None:
    """Segments 1..count from a reply of ``[k] text`` lines (continuation lines join the segment
    above); None when the markers are missing or do not cover every segment."""
    found: dict[int, list[str]] = {}
    current: int | None = None
    for line in reply.splitlines():
        match = _SEGMENT.match(line)
        if match and 1 <= int(match.group(1)) <= count:
            current = int(match.group(1))
            found.setdefault(current, []).append(match.group(2).strip())
        elif current is not None and line.strip():
            found[current].append(line.strip())
    if len(found) != count:
        return None
    return [" ".join(part for part in found[n] if part) for n in range(1, count + 1)]
