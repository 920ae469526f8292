"""Keyphrases: a small, fast statistical extractor in the spirit of RAKE/YAKE.

YAKE itself costs ~0.1-0.3 s per news article here, more than the whole rest
of the enrichment, so we keep its stopword lists and do the cheap part of its
idea: candidates are runs of up to three non-stopwords between punctuation,
scored by how often they and their words recur, how early they first appear
and whether they look like names; near-duplicates ("Karo" after "Kristina
Karo", "drone" after "drones") are dropped.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

MAX_WORDS = 3
LENGTH_BONUS = {1: 1.0, 2: 1.7, 3: 1.9}
NAME_BONUS = 1.4

_CHUNK_BREAK = re.compile(r"[.!?;:,()\[\]{}\"“”‘’«»—–|/\n]+|\s[-']\s|'\s|\s'")
_POSSESSIVE = re.compile(r"['’]s$")
_TOKEN = re.compile(r"[^\W\d_][\w'’-]*[\w]|[^\W\d_]")


@lru_cache(maxsize=16)
def stopwords(language: str) -> frozenset[str]:
    """Return YAKE's stopword list for ``language`` (English when there is none)."""
    folder = resources.files("yake.core").joinpath("StopwordsList")
    path = folder.joinpath(f"stopwords_{language}.txt")
    if not path.is_file():
        path = folder.joinpath("stopwords_en.txt")
    raw = path.read_bytes()
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError:
        content = raw.decode("latin-1")
    return frozenset(line.strip().lower() for line in content.splitlines() if line.strip())


@dataclass(slots=True)
class _Candidate:
    count: int = 0
    first: int = 0
    capitalized: int = 0
    surfaces: Counter[str] = field(default_factory=Counter)


def keywords(text: str, language: str | None = "en", n: int = 10) -> list[str]:
    """Return up to ``n`` keyphrases of ``text``, best first, without near-duplicates."""
    stop = stopwords(language or "en")
    candidates, word_counts = _candidates(text, stop)
    if not candidates:
        return []
    ranked = sorted(
        candidates.items(),
        key=lambda item: -_score(item[0], item[1], word_counts),
    )
    chosen: list[str] = []
    chosen_keys: list[tuple[str, ...]] = []
    for key, candidate in ranked:
        if len(chosen) >= n:
            break
        if any(_overlaps(key, seen, once=candidate.count == 1) for seen in chosen_keys):
            continue
        chosen_keys.append(key)
        chosen.append(candidate.surfaces.most_common(1)[0][0])
    return chosen


def _candidates(text: str, stop: frozenset[str]) -> tuple[dict[tuple[str, ...], _Candidate], Counter[str]]:
    candidates: dict[tuple[str, ...], _Candidate] = {}
    word_counts: Counter[str] = Counter()
    position = 0
    for chunk in _CHUNK_BREAK.split(text):
        words = _TOKEN.findall(chunk)
        run: list[str] = []
        for index, word in enumerate([*words, ""]):
            lowered = word.lower()
            if word and lowered not in stop and len(lowered) > 1:
                run.append(word)
                word_counts[_stem(lowered)] += 1
                continue
            _add_runs(candidates, run, position + index - len(run), sentence_start=index == len(run))
            run = []
        position += len(words)
    return candidates, word_counts


def _add_runs(
    candidates: dict[tuple[str, ...], _Candidate], run: list[str], position: int, *, sentence_start: bool
) -> None:
    for size in range(1, MAX_WORDS + 1):
        for offset in range(len(run) - size + 1):
            words = run[offset : offset + size]
            key = tuple(_stem(word.lower()) for word in words)
            if len(set(key)) < size:
                continue
            candidate = candidates.get(key)
            if candidate is None:
                candidate = candidates[key] = _Candidate(first=position + offset)
            candidate.count += 1
            candidate.surfaces[_POSSESSIVE.sub("", " ".join(words))] += 1
            opens_chunk = sentence_start and offset == 0
            if all(word[0].isupper() for word in words) and not (opens_chunk and size == 1):
                candidate.capitalized += 1


def _score(key: tuple[str, ...], candidate: _Candidate, word_counts: Counter[str]) -> float:
    word_weight = sum(math.log1p(word_counts[word]) for word in key) / len(key)
    position_weight = 1.0 / math.log2(2.0 + candidate.first / 40.0)
    name_weight = NAME_BONUS if candidate.capitalized * 2 > candidate.count else 1.0
    repeat_weight = math.log1p(candidate.count) if len(key) > 1 else 1.0
    return word_weight * repeat_weight * position_weight * name_weight * LENGTH_BONUS[len(key)]


def _overlaps(key: tuple[str, ...], seen: tuple[str, ...], *, once: bool) -> bool:
    """True when one phrase's words contain the other's, or a one-off phrase reuses a chosen word."""
    small, large = (key, seen) if len(key) <= len(seen) else (seen, key)
    if set(small) <= set(large):
        return True
    return once and bool(set(key) & set(seen))


def _stem(word: str) -> str:
    """A crude plural/possessive fold, enough to merge "drone" and "drones"."""
    word = word.replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word
