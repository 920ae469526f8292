"""Named entities with canonical names.

spaCy finds the mentions; this module cleans each surface form ("the Kremlin"
→ "Kremlin", "Putin's" → "Putin", "President Putin" → "Putin") and merges
variants within one article ("Putin" → "Vladimir Putin" when the full name is
also mentioned). :func:`canonical_key` is the coarser key stories use to merge
the same entity across articles.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc

KEPT_TYPES = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW", "LANGUAGE"}
)
PLACE_TYPES = frozenset({"GPE", "LOC"})
# Types the small model often gives a lone surname ("Fauci" as ORG); such a
# mention is re-typed PERSON when it abbreviates a full name in the article.
MISTAKABLE_FOR_PERSON = frozenset({"ORG", "PRODUCT", "NORP"})

TITLES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "professor",
        "sir",
        "dame",
        "lord",
        "lady",
        "president",
        "vice",
        "prime",
        "minister",
        "chancellor",
        "secretary",
        "senator",
        "sen",
        "rep",
        "representative",
        "gov",
        "governor",
        "gen",
        "general",
        "col",
        "colonel",
        "capt",
        "captain",
        "lt",
        "sgt",
        "judge",
        "justice",
        "rev",
        "reverend",
        "father",
        "pope",
        "king",
        "queen",
        "prince",
        "princess",
        "chairman",
        "chairwoman",
        "ceo",
        "mayor",
        "ambassador",
        "commissioner",
        "officer",
        "detective",
        "inspector",
    ]
)

# Common variants of the same place or body that plain normalization cannot merge.
ALIASES = {
    "us": "united states",
    "usa": "united states",
    "america": "united states",
    "united states of america": "united states",
    "uk": "united kingdom",
    "britain": "united kingdom",
    "great britain": "united kingdom",
    "un": "united nations",
    "eu": "european union",
    "ussr": "soviet union",
    "nato": "nato",
}

_SPACE = re.compile(r"\s+")
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$", re.IGNORECASE)
_EDGE_PUNCT = "\"'“”‘’`()[]{}.,;:!?-–—*"
_NON_WORD = re.compile(r"[^\w\s]")


@dataclass(slots=True)
class EntityMention:
    """One mention: ``text == article_text[start:end]``; ``canonical`` is the article-level name."""

    text: str
    type: str
    start: int
    end: int
    canonical: str


def find_entities(text: str, doc: Doc) -> list[EntityMention]:
    """Return the named-entity mentions of ``doc`` (a spaCy Doc of ``text``) with canonical names.

    Numeric types (CARDINAL, DATE, MONEY, ...) are left to :mod:`gazette.enrich.numbers`.
    """
    mentions: list[EntityMention] = []
    for ent in doc.ents:
        if ent.label_ not in KEPT_TYPES:
            continue
        start, end = _trimmed_bounds(text, ent.start_char, ent.end_char)
        if end <= start or not any(char.isalpha() for char in text[start:end]):
            continue
        surface = text[start:end]
        mentions.append(EntityMention(surface, ent.label_, start, end, clean_name(surface, ent.label_)))
    _merge_person_variants(mentions)
    return mentions


def _trimmed_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a span past surrounding punctuation, a leading "the " and a trailing possessive."""
    while start < end and (text[start].isspace() or text[start] in _EDGE_PUNCT):
        start += 1
    if text[start : start + 4].lower() == "the ":
        start += 4
    possessive = _POSSESSIVE.search(text, start, end)
    if possessive and end - start > 2 and possessive.end() == end:
        end = possessive.start()
    while end > start and (text[end - 1].isspace() or text[end - 1] in _EDGE_PUNCT):
        end -= 1
    return start, end


def clean_name(surface: str, entity_type: str) -> str:
    """Return a display name: whitespace collapsed, no leading "the", no possessive, no titles for people."""
    name = _SPACE.sub(" ", surface).strip(_EDGE_PUNCT + " ")
    if name.lower().startswith("the "):
        name = name[4:]
    name = _POSSESSIVE.sub("", name).strip(_EDGE_PUNCT + " ")
    if entity_type == "PERSON":
        name = _without_titles(name)
    return name


def _without_titles(name: str) -> str:
    words = name.split()
    while len(words) > 1 and words[0].rstrip(".").lower() in TITLES:
        words.pop(0)
    return " ".join(words)


def _merge_person_variants(mentions: list[EntityMention]) -> None:
    """Point partial person names ("Putin") at the fuller name they abbreviate ("Vladimir Putin")."""
    counts = Counter(m.canonical for m in mentions if m.type == "PERSON")
    full_names = sorted(counts, key=lambda name: (-len(name.split()), -counts[name], name))
    for mention in mentions:
        if mention.type == "PERSON":
            mention.canonical = _fuller_name(mention.canonical, full_names, counts)
        elif mention.type in MISTAKABLE_FOR_PERSON:
            fuller = _fuller_name(mention.canonical, full_names, counts)
            if fuller != mention.canonical:
                mention.type, mention.canonical = "PERSON", fuller


def _fuller_name(name: str, candidates: list[str], counts: Counter[str]) -> str:
    words = name.lower().split()
    matches = [
        candidate
        for candidate in candidates
        if len(candidate.split()) > len(words) and _abbreviates(words, candidate.lower().split())
    ]
    if not matches:
        return name
    return max(matches, key=lambda candidate: (counts[candidate], len(candidate.split()), candidate))


def _abbreviates(short: list[str], full: list[str]) -> bool:
    """True when ``short`` is the surname, the given name, or a trailing run of ``full``."""
    if full[-len(short) :] == short:
        return True
    return len(short) == 1 and full[0] == short[0]


def canonical_key(name: str, entity_type: str) -> str:
    """Return a normalized key for merging one entity across articles.

    Accents, case, punctuation ("U.S." → "us"), a leading "the", possessives and
    personal titles are removed; a few well-known aliases are folded together
    ("UK", "Britain" → "united kingdom"); GPE and LOC share one namespace.
    """
    cleaned = clean_name(name, entity_type)
    ascii_name = unicodedata.normalize("NFKD", cleaned).encode("ascii", "ignore").decode("ascii")
    normalized = _SPACE.sub(" ", _NON_WORD.sub("", ascii_name.lower().replace("-", " "))).strip()
    normalized = ALIASES.get(normalized, normalized)
    family = "PLACE" if entity_type in PLACE_TYPES else entity_type
    return f"{family}:{normalized}"
