"""Where the outlets' accounts of one story differ: numbers, quote wording, attributions.

Input is each article's enrichment record (``Enrichment.to_json``). Precision comes
first: a pair of accounts is reported only when the alignment is confident.

- **Numbers** align on a *counted thing*: the head noun after the number (plural
  stripped) plus the event word around it (``killed``/``dead``/``died`` are one
  class, ``injured``/``wounded``/``hurt`` another, ...). Generic nouns (``people``,
  ``men``, ``children``) and bare counts (``four dead``) need an event word; money,
  percentages, units, ages and times are never compared, because one story holds many
  of them about different things. Each number becomes an interval from its qualifier
  (``at least 4`` → [4, ∞), ``about 100`` → [80, 120], a bare round hundred ±5%), and
  two accounts differ only when the intervals are disjoint *and* neither article
  also gives a value agreeing with the other (an article reporting 3 and later 4
  does not contradict one reporting 4).
- **Quotes**: two direct quotes credited to the same speaker, mostly the same
  words (token overlap), where at least one word was *replaced* (not merely cut at an
  end) and the replacement is more than spelling (``four``/``4``, ``'s``/``is``).
- **Attributions**: the same direct quote, nearly word for word, credited to two
  different named speakers sharing no name.

:func:`find_conflicts` returns the pairs; :func:`find_differences` groups them into
the ``{"kind", "what", "accounts"}`` records the story page renders.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["number", "quote", "attribution"]


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


# Event words that say what a count counts; each maps to its class name (shown in "what").
# Arrests, shots and charges are left out: they accumulate over days and nights, so two
# outlets' different figures are usually about different moments, not a disagreement.
EVENT_CLASSES: dict[str, str] = {
    **dict.fromkeys(_words("killed killing kills dead died fatalities slain"), "killed"),
    **dict.fromkeys(_words("injured injuring injuries wounded wounding hurt"), "injured"),
    **dict.fromkeys(_words("missing"), "missing"),
    **dict.fromkeys(_words("rescued evacuated"), "rescued"),
    **dict.fromkeys(_words("hostage hostages kidnapped abducted"), "held"),
}
_EVENT_RE = "|".join(sorted(EVENT_CLASSES, key=len, reverse=True))
_AUXILIARIES = (
    "were|was|are|is|have|has|had|been|being|reported|confirmed|feared|believed|pronounced|now|all|later"
)
# "four people were killed", "five dead", "3 were reported injured": up to two noun words, then auxiliaries.
_EVENT_AFTER = re.compile(
    rf"^\s*(?:[A-Za-z][\w'’-]*\s+){{0,2}}?(?:(?:{_AUXILIARIES})\s+){{0,3}}({_EVENT_RE})\b", re.IGNORECASE
)
# "killing four", "injured at least 12" (the qualifier belongs to the number).
_EVENT_BEFORE = re.compile(rf"\b({_EVENT_RE})\s+$", re.IGNORECASE)
# "two women and one man died": parts of one total, not totals.
_NUMBER_WORD = r"(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten)"
_BREAKDOWN_BEFORE = re.compile(rf"\b(?:{_NUMBER_WORD}|an?)\s+([A-Za-z]+)\s*(?:,|and)\s+$", re.IGNORECASE)
_BREAKDOWN_AFTER = re.compile(rf"^\s*([A-Za-z]+)\s*(?:,|and)\s+{_NUMBER_WORD}\b", re.IGNORECASE)
LEAD_SENTENCES = 5
GENERIC_NOUNS = _words(
    "people person persons man men woman women child children others other individual individuals "
    "resident residents one ones them those"
)
NEVER_COMPARED = _words(
    "dollars pounds euros yen percent years old times time minutes hours days weeks months year "
    "miles mile feet foot meters metres kilometers kilometres km mph degrees inches gallons tons "
    "points point seconds block blocks"
)
# A clause ends here: an event word after it belongs to another clause.
CLAUSE_BREAKS = _words("and but before after when while because as who which that where until since or then")
APPROXIMATE_SHARE = 0.2
ROUND_SHARE = 0.05
QUOTE_MIN_TOKENS = 5
QUOTE_MIN_SIMILARITY = 0.75
ATTRIBUTION_MIN_SIMILARITY = 0.9
_CARDINALS = tuple(
    ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
)
_ORDINALS = tuple(
    [
        "first",
        "second",
        "third",
        "fourth",
        "fifth",
        "sixth",
        "seventh",
        "eighth",
        "ninth",
        "tenth",
        "eleventh",
        "twelfth",
    ]
)
_SUFFIXES = ["st", "nd", "rd"] + ["th"] * 9
_NUMBER_WORDS = {
    **{word: str(n) for n, word in enumerate(_CARDINALS, 1)},
    **{word: f"{n}{_SUFFIXES[n - 1]}" for n, word in enumerate(_ORDINALS, 1)},
}
EQUIVALENT_WORDS = (
    _words("is s"),
    _words("are re"),
    _words("am m"),
    _words("not t n't nt"),
    _words("will ll"),
    _words("and &"),
    _words("ok okay"),
)
_TOKEN = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)?")
_WORD = re.compile(r"[A-Za-z][\w'’-]*|\d[\d,.]*|[.,;:!?]")
_IRREGULAR_PLURALS = {"people": "people", "men": "man", "women": "woman", "children": "child", "feet": "foot"}


@dataclass(frozen=True, slots=True)
class Account:
    """One outlet's article in a story, with its enrichment record (``Enrichment.to_json``)."""

    article_id: int
    source: str
    text: str
    enrichment: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Claim:
    """What one account says: the shown value and the sentence it sits in."""

    article_id: int
    source: str
    value: str
    sentence: str


@dataclass(frozen=True, slots=True)
class Conflict:
    """Two accounts from different sources that disagree about ``what``."""

    kind: Kind
    what: str
    a: Claim
    b: Claim


@dataclass(frozen=True, slots=True)
class _Count:
    key: tuple[str, str]
    low: float
    high: float
    claim: Claim


@dataclass(frozen=True, slots=True)
class _Quote:
    speaker: str
    tokens: tuple[str, ...]
    claim: Claim
    named: bool


def find_differences(accounts: Sequence[Account]) -> list[dict[str, Any]]:
    """The story's differences: ``{"kind", "what", "accounts": [{article_id, source, value, sentence}]}``.

    This is the shape ``Story.differences`` stores and the story page renders.
    """
    return group_conflicts(find_conflicts(accounts))


def find_conflicts(accounts: Sequence[Account]) -> list[Conflict]:
    """Every confident pairwise disagreement between accounts from different sources."""
    return number_conflicts(accounts) + quote_conflicts(accounts)


def group_conflicts(conflicts: Iterable[Conflict]) -> list[dict[str, Any]]:
    """One record per (kind, what), listing each disagreeing claim once."""
    groups: dict[tuple[str, str], list[Claim]] = {}
    for conflict in conflicts:
        claims = groups.setdefault((conflict.kind, conflict.what), [])
        for claim in (conflict.a, conflict.b):
            if claim not in claims:
                claims.append(claim)
    return [
        {
            "kind": kind,
            "what": what,
            "accounts": [
                {"article_id": c.article_id, "source": c.source, "value": c.value, "sentence": c.sentence}
                for c in claims
            ],
        }
        for (kind, what), claims in groups.items()
    ]


# ---------------------------------------------------------------- numbers


def number_conflicts(accounts: Sequence[Account]) -> list[Conflict]:
    """Pairs of counts of the same thing whose ranges cannot both be true."""
    counts_by_article = [_article_counts(account) for account in accounts]
    conflicts = []
    for i, first in enumerate(accounts):
        for j in range(i + 1, len(accounts)):
            if first.source == accounts[j].source:
                continue
            conflicts.extend(_count_conflicts(counts_by_article[i], counts_by_article[j]))
    return conflicts


def _count_conflicts(first: list[_Count], second: list[_Count]) -> list[Conflict]:
    conflicts = []
    for key in sorted({c.key for c in first} & {c.key for c in second}):
        mine = [c for c in first if c.key == key]
        theirs = [c for c in second if c.key == key]
        if any(_compatible(a, b) for a in mine for b in theirs):
            continue
        conflicts.append(Conflict("number", _what(key), mine[0].claim, theirs[0].claim))
    return conflicts


def _compatible(a: _Count, b: _Count) -> bool:
    return a.low <= b.high and b.low <= a.high


def _what(key: tuple[str, str]) -> str:
    noun, event = key
    return f"{noun} {event}".strip() if noun else event


def _article_counts(account: Account) -> list[_Count]:
    """Comparable counts of the article's lead; counts inside quotes are not the outlet's own."""
    enrichment = account.enrichment
    sentences = [(int(s), int(e)) for s, e in enrichment.get("sentences", [])]
    lead_end = sentences[LEAD_SENTENCES - 1][1] if len(sentences) >= LEAD_SENTENCES else len(account.text)
    quoted = [
        (int(q["start"]), int(q["end"])) for q in enrichment.get("quotes", []) if q.get("kind") != "indirect"
    ]
    counts = []
    for number in enrichment.get("numbers", []):
        start = int(number["start"])
        if start >= lead_end or any(a <= start < b for a, b in quoted):
            continue
        count = _count(account, number, sentences)
        if count is not None:
            counts.append(count)
    return counts


def _count(account: Account, number: dict[str, Any], sentences: list[tuple[int, int]]) -> _Count | None:
    text = account.text
    start, end = int(number["start"]), int(number["end"])
    sentence_start, sentence_end = _sentence_around(start, sentences, len(text))
    key = count_key(
        number.get("counts"), text[sentence_start:start], text[end:sentence_end], str(number["text"])
    )
    if key is None:
        return None
    low, high = value_range(float(number["value"]), number.get("qualifier"), str(number["text"]))
    sentence = " ".join(text[sentence_start:sentence_end].split())
    return _Count(key, low, high, Claim(account.article_id, account.source, str(number["text"]), sentence))


def count_key(counts: str | None, before: str, after: str, number_text: str = "") -> tuple[str, str] | None:
    """(head noun, event class) of a number, or ``None`` when it is not confidently comparable.

    ``before``/``after`` are the sentence text before the mention and after it. Generic
    nouns (``people``, ``women``) and no noun at all give ``""`` as the noun.
    """
    if re.search(r"[$£€¥%]|per\s?cent|year", number_text, re.IGNORECASE):
        return None
    noun_words = [w.lower() for w in (counts or "").split()]
    if any(w in NEVER_COMPARED for w in noun_words) or _is_breakdown(before, after):
        return None
    nouns = [singular(w) for w in noun_words if w not in EVENT_CLASSES]
    noun = nouns[-1] if nouns else ""
    if noun and not re.fullmatch(r"[a-z][a-z'’-]*", noun):
        return None
    event = _event_of(noun_words, before, after)
    if event is None:
        return None
    return ("" if noun in GENERIC_NOUNS else noun, event)


def _event_of(noun_words: list[str], before: str, after: str) -> str | None:
    for word in noun_words:
        if word in EVENT_CLASSES:
            return EVENT_CLASSES[word]
    for match in (_EVENT_AFTER.match(after), _EVENT_BEFORE.search(before)):
        if match is not None and not any(w.lower() in CLAUSE_BREAKS for w in match.group(0).split()):
            return EVENT_CLASSES[match.group(1).lower()]
    return None


def _is_breakdown(before: str, after: str) -> bool:
    """``two women and one man``: a number listed beside another is part of a total."""
    for match in (_BREAKDOWN_BEFORE.search(before[-40:]), _BREAKDOWN_AFTER.match(after)):
        if match is not None and match.group(1).lower() not in EVENT_CLASSES:
            return True
    return False


def singular(word: str) -> str:
    """A plural noun's singular, by rule (``victims`` → ``victim``, ``casualties`` → ``casualty``)."""
    lower = word.lower()
    if lower in _IRREGULAR_PLURALS:
        return _IRREGULAR_PLURALS[lower]
    if lower.endswith("ies") and len(lower) > 4:
        return lower[:-3] + "y"
    if lower.endswith(("sses", "ches", "shes", "xes")):
        return lower[:-2]
    if lower.endswith("s") and not lower.endswith(("ss", "us", "is")) and len(lower) > 3:
        return lower[:-1]
    return lower


def value_range(value: float, qualifier: str | None, text: str = "") -> tuple[float, float]:
    """The values a hedged number allows: ``at least 4`` → (4, inf), ``about 100`` → (80, 120)."""
    if qualifier in ("at least", "more than"):
        return value, math.inf
    if qualifier in ("up to", "less than"):
        return 0.0, value
    if qualifier == "about":
        slack = max(1.0, value * APPROXIMATE_SHARE)
        return value - slack, value + slack
    if value >= 100 and value % 100 == 0:
        return value * (1 - ROUND_SHARE), value * (1 + ROUND_SHARE)
    return value, value


def _sentence_around(position: int, sentences: list[tuple[int, int]], length: int) -> tuple[int, int]:
    for start, end in sentences:
        if start <= position < end:
            return start, end
    return 0, length


# ---------------------------------------------------------------- quotes


def quote_conflicts(accounts: Sequence[Account]) -> list[Conflict]:
    """Same speaker with a reworded quote, or the same quote credited to different people."""
    quotes = [_article_quotes(account) for account in accounts]
    conflicts = []
    for i, first in enumerate(accounts):
        for j in range(i + 1, len(accounts)):
            if first.source == accounts[j].source:
                continue
            for a in quotes[i]:
                for b in quotes[j]:
                    conflict = _quote_conflict(a, b)
                    if conflict is not None:
                        conflicts.append(conflict)
    return conflicts


def _article_quotes(account: Account) -> list[_Quote]:
    enrichment = account.enrichment
    sentences = [(int(s), int(e)) for s, e in enrichment.get("sentences", [])]
    found = []
    for quote in enrichment.get("quotes", []):
        speaker = quote.get("speaker")
        tokens = quote_tokens(str(quote["text"]))
        if quote.get("kind") != "direct" or not speaker or len(tokens) < QUOTE_MIN_TOKENS:
            continue
        start, end = _sentence_around(int(quote["start"]), sentences, len(account.text))
        end = max(end, _sentence_around(max(int(quote["end"]) - 1, 0), sentences, len(account.text))[1])
        sentence = " ".join(account.text[start:end].split())
        value = " ".join(str(quote["text"]).split())
        claim = Claim(account.article_id, account.source, value, sentence)
        found.append(_Quote(str(speaker), tokens, claim, _named_in(speaker, quote, sentence)))
    return found


def _named_in(speaker: str, quote: dict[str, Any], sentence: str) -> bool:
    """The speaker's name is written in the quote's own sentence, outside the quote (not a pronoun)."""
    outside = sentence.replace(" ".join(str(quote["text"]).split()), " ")
    return any(word in outside for word in speaker.split() if word[:1].isupper() and len(word) > 2)


def quote_tokens(text: str) -> tuple[str, ...]:
    """Lowercase word tokens of a quote, apostrophes split off (``don't`` → ``don``, ``t``)."""
    return tuple(_TOKEN.findall(text.lower().replace("’", "'")))


def _quote_conflict(a: _Quote, b: _Quote) -> Conflict | None:
    matcher = difflib.SequenceMatcher(a=a.tokens, b=b.tokens, autojunk=False)
    shorter = min(len(a.tokens), len(b.tokens))
    shared = sum(block.size for block in matcher.get_matching_blocks())
    if not (_is_name(a.speaker) and _is_name(b.speaker)):
        return None
    if same_speaker(a.speaker, b.speaker):
        if shared / shorter < QUOTE_MIN_SIMILARITY or not _reworded(a.tokens, b.tokens, matcher):
            return None
        return Conflict("quote", _longer_name(a.speaker, b.speaker), a.claim, b.claim)
    if not (a.named and b.named) or _shares_name(a.speaker, b.speaker):
        return None
    if shared / max(len(a.tokens), len(b.tokens)) < ATTRIBUTION_MIN_SIMILARITY:
        return None
    return Conflict("attribution", f"{a.speaker} or {b.speaker}", _credited(a), _credited(b))


def _credited(quote: _Quote) -> Claim:
    claim = quote.claim
    return Claim(claim.article_id, claim.source, quote.speaker, claim.sentence)


def _reworded(a: tuple[str, ...], b: tuple[str, ...], matcher: difflib.SequenceMatcher[str]) -> bool:
    """True when a word inside the shared stretch was replaced by a different word."""
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "replace":
            continue
        removed, added = a[i1:i2], b[j1:j2]
        if not _equivalent(removed, added):
            return True
    return False


def _equivalent(removed: Sequence[str], added: Sequence[str]) -> bool:
    """Same words spelled differently: ``four``/``4``, ``11th``/``eleventh``, ``'s``/``s'``."""
    first = [_canonical(word) for word in removed]
    second = [_canonical(word) for word in added]
    if "".join(first) == "".join(second) or _spelling("".join(first), "".join(second)):
        return True
    if len(first) != len(second):
        return False
    return all(
        x == y or any(x in group and y in group for group in EQUIVALENT_WORDS)
        for x, y in zip(first, second, strict=True)
    )


def _canonical(word: str) -> str:
    return _NUMBER_WORDS.get(word, word)


def _spelling(x: str, y: str) -> bool:
    """British/American spelling or a typo: one or two characters apart in a long word."""
    return min(len(x), len(y)) >= 6 and difflib.SequenceMatcher(a=x, b=y).ratio() >= 0.85


def same_speaker(a: str, b: str) -> bool:
    """The same person: equal names, or one name's words all in the other (``Putin``/``Vladimir Putin``)."""
    first, second = _name_words(a), _name_words(b)
    if not first or not second:
        return False
    return first <= second or second <= first


def _shares_name(a: str, b: str) -> bool:
    """Any name word in common, allowing a misspelling (``Heffner``/``Hefner``)."""
    return any(x == y or _spelling(x, y) for x in _name_words(a) for y in _name_words(b))


def _name_words(name: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z][\w'’-]*", name) if w.lower() not in {"the", "a", "an"}}


def _is_name(speaker: str) -> bool:
    """A proper name: every word capitalized (``Jack Ketsoyan``), not a pronoun or a role."""
    words = speaker.split()
    return bool(words) and all(w[:1].isupper() for w in words) and speaker.lower() not in _PRONOUNS


_PRONOUNS = _words("he she they it i we you who")


def _longer_name(a: str, b: str) -> str:
    return a if len(a) >= len(b) else b
