"""Gazette's small search syntax, and its translation to FTS5 and tsquery.

Syntax: bare words (all must match), ``"quoted phrases"``, ``-word`` or
``-"phrase"`` to exclude, and ``source:name`` to filter by publisher.
Everything else is text: punctuation, operators and unbalanced quotes never
reach the database engine as syntax, so no query can cause an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

WORD = re.compile(r"\w+", re.UNICODE)
TOKEN = re.compile(r'(-?)(?:"([^"]*)"?|(\S+))')

MARK_START = "\ue000"
MARK_END = "\ue001"
"""Private-use characters bracketing highlighted words in snippets; the web
layer escapes the snippet first and only then turns these into ``<mark>``."""


@dataclass(slots=True)
class Query:
    include: list[list[str]] = field(default_factory=list)
    exclude: list[list[str]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.include


def parse_query(text: str) -> Query:
    """Split user input into phrases (lists of words) to include and exclude, and source filters."""
    query = Query()
    for match in TOKEN.finditer(text):
        negated, quoted, bare = match.group(1) == "-", match.group(2), match.group(3)
        if bare is not None and not negated and bare.lower().startswith("source:"):
            name = bare.split(":", 1)[1].strip()
            if name:
                query.sources.append(name)
            continue
        words = WORD.findall(quoted if quoted is not None else bare or "")
        if not words:
            continue
        target = query.exclude if negated else query.include
        if quoted is not None:
            target.append(words)
        else:
            target.extend([word] for word in words)
    return query


def fts5_match(query: Query) -> str:
    """An FTS5 MATCH expression; every word is double-quoted, so none is syntax."""
    positive = " AND ".join(_fts5_phrase(words) for words in query.include)
    negative = "".join(f" NOT {_fts5_phrase(words)}" for words in query.exclude)
    return positive + negative


def _fts5_phrase(words: list[str]) -> str:
    return '"' + " ".join(word.replace('"', '""') for word in words) + '"'


def tsquery_parts(query: Query) -> tuple[list[str], list[str]]:
    """Phrases to include and exclude, as plain strings for ``phraseto_tsquery``."""
    return [" ".join(words) for words in query.include], [" ".join(words) for words in query.exclude]


def snippet_html(snippet: str) -> str:
    """Escape a snippet and turn its highlight markers into ``<mark>`` elements."""
    from html import escape

    return escape(snippet).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
