"""Quotations and who said them, found with rules over the text plus named entities.

Three steps, each a small function:

1. :func:`quoted_segments` pairs quotation marks (straight, curly and mismatched
   ones such as ``'We won..."``), keeps only top-level segments (nested quotes stay
   inside their outer quote) and carries an unclosed quote into the next paragraph
   when that paragraph opens with a quotation mark (UK/US continuation style).
2. Each segment's *frame* is read: the writer's words before it in the same sentence
   (``X said: "``, ``According to X, "``, ``insisted that the Union "``) or after it
   (``," said X.``, ``," he added.``). The speaker is the noun phrase next to the cue
   verb: a named entity, a pronoun, a role noun phrase (``the regional governor``)
   or a run of capitalized words, with appositions skipped
   (``Anton Kobiakov, a Kremlin advisor, insisted``).
3. Quotes without a frame inherit the speaker of the previous quote in the same
   paragraph or, when they open a paragraph, of the previous paragraph's quote; a
   ``- Name`` line under a quote signs it. Otherwise the speaker is the subject of the
   nearest clause before the quote (``Clinton backed the deal, although she has
   "concerns"`` → ``she``; ``Beck, who called Trump "a sociopath"`` → ``who``, i.e. Beck),
   or, for a direct quote opening its sentence, of the sentence before. A subject is a
   person (with titles and modifiers), a pronoun or ``who``, followed by a guessed verb;
   without a tagger, "a lowercase word that is no preposition or conjunction" stands in.
   ``what he calls "..."`` credits the sentence's main subject.
   Pronouns resolve to the last person who was a speaker or began a sentence, ``who`` to
   the name before it, and names to the longest earlier mention of that person
   (``Putin`` → ``Vladimir Putin``).

Only ``ner`` is needed from spaCy (no tagger or parser), which keeps this cheap.
Quotes in scare marks with no cue anywhere in their sentence are not reported.
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


QuoteKindName = Literal["direct", "partial", "indirect"]

DOUBLE_MARKS = frozenset('"“”„«»')
SINGLE_MARKS = frozenset("'‘’‹›")
OPENING_HINT = frozenset("“„«‘‹")
CLOSING_HINT = frozenset("”»’›")
ALL_MARKS = DOUBLE_MARKS | SINGLE_MARKS

_CUE_STEMS = {
    "say": ("say", "says", "said", "saying"),
    "tell": ("tell", "tells", "told", "telling"),
    "add": ("add", "adds", "added", "adding"),
    "insist": ("insist", "insists", "insisted", "insisting"),
    "declare": ("declare", "declares", "declared", "declaring"),
    "state": ("stated", "states"),
    "explain": ("explain", "explains", "explained", "explaining"),
    "note": ("noted", "notes", "noting"),
    "argue": ("argue", "argues", "argued", "arguing"),
    "claim": ("claim", "claims", "claimed", "claiming"),
    "write": ("wrote", "writes", "writing", "write"),
    "ask": ("asked", "asks", "asking", "ask"),
    "reply": ("replied", "replies", "replying"),
    "respond": ("responded", "responds", "responding"),
    "continue": ("continued", "continues", "continuing"),
    "warn": ("warn", "warns", "warned", "warning"),
    "announce": ("announced", "announces", "announcing"),
    "tweet": ("tweeted", "tweets", "tweeting", "tweet"),
    "post": ("posted",),
    "remark": ("remarked", "remarks"),
    "recall": ("recalled", "recalls", "recalling"),
    "admit": ("admitted", "admits", "admitting"),
    "acknowledge": ("acknowledged", "acknowledges", "acknowledging"),
    "suggest": ("suggested", "suggests", "suggesting"),
    "predict": ("predicted", "predicts", "predicting"),
    "complain": ("complained", "complains", "complaining"),
    "joke": ("joked", "jokes", "joking"),
    "quip": ("quipped", "quips"),
    "shout": ("shouted", "shouts", "shouting"),
    "yell": ("yelled", "yells"),
    "chant": ("chanted", "chanting"),
    "urge": ("urged", "urges", "urging"),
    "vow": ("vowed", "vows", "vowing"),
    "promise": ("promised", "promises", "promising"),
    "call": ("called", "calls", "calling"),
    "describe": ("described", "describes", "describing"),
    "dub": ("dubbed", "dubs"),
    "label": ("labeled", "labelled", "labels"),
    "charge": ("charged", "charges"),
    "counter": ("countered", "counters"),
    "concede": ("conceded", "concedes"),
    "contend": ("contended", "contends"),
    "observe": ("observed", "observes"),
    "report": ("reported", "reports", "reporting"),
    "read": ("reads", "read"),
    "mock": ("mocked", "mocks", "mocking"),
    "boast": ("boasted", "boasts", "boasting"),
    "blast": ("blasted", "blasts"),
    "slam": ("slammed", "slams"),
    "accuse": ("accused", "accuses", "accusing"),
    "demand": ("demanded", "demands"),
    "emphasize": ("emphasized", "emphasised", "emphasizes"),
    "stress": ("stressed", "stresses"),
    "conclude": ("concluded", "concludes"),
    "agree": ("agreed", "agrees"),
    "confirm": ("confirmed", "confirms"),
    "deny": ("denied", "denies"),
    "exclaim": ("exclaimed", "exclaims"),
    "muse": ("mused",),
    "proclaim": ("proclaimed", "proclaims"),
    "assert": ("asserted", "asserts"),
    "maintain": ("maintained", "maintains"),
    "reiterate": ("reiterated", "reiterates"),
    "point": ("pointed out", "points out"),
    "go": ("went on", "goes on"),
    "according": ("according to",),
    "put": ("put it",),
    "quote": ("quoted as saying",),
    "think": ("thinks", "thought", "believes", "believed"),
    "answer": ("answered", "answers", "answering"),
    "bark": ("barked", "snapped", "retorted", "shot back", "fired back", "pleaded", "cautioned"),
    "wonder": ("wondered", "wonders", "lamented", "laments", "testified", "alleged", "alleges"),
    "cry": ("cried", "screamed", "whispered", "murmured", "sighed", "laughed"),
    "recount": ("recounted", "recounts"),
    "speak": ("speaking", "spoke"),
    "interject": ("interjected", "chimed in", "wrote in", "demanding", "demand"),
    "assure": ("assured", "assures", "reassured", "fumed", "beamed", "boomed", "gushed", "scoffed"),
    "remember": ("remembered", "remembers", "sniped", "griped", "grumbled", "surmised", "marveled"),
}
CUE_WORDS = frozenset(form for forms in _CUE_STEMS.values() for form in forms)
INDIRECT_CUES = frozenset(
    {"said", "says", "told", "insisted", "insists", "declared", "claimed", "claims", "argued", "argues"}
    | {"warned", "warns", "stated", "explained", "added", "noted", "acknowledged", "admitted"}
    | {"announced", "maintained", "asserted", "insisting", "saying"}
)
_CUE_RE = re.compile(
    r"(?<![\w-])(?<!so )("
    + "|".join(sorted((re.escape(c) for c in CUE_WORDS), key=len, reverse=True))
    + r")\b",
    re.IGNORECASE,
)

PRONOUNS = frozenset({"he", "she", "they", "we", "i", "it"})
PERSONAL_PRONOUNS = frozenset({"he", "she"})
DETERMINERS = frozenset(
    {"the", "a", "an", "another", "one", "two", "three", "some", "many", "several", "this", "that"}
    | {"these", "those", "his", "her", "their", "its", "our", "other", "both", "most", "few", "all"}
)
ROLE_NOUNS = _words(
    "spokesman spokeswoman spokesperson official officials governor expert experts pollster aide "
    "aides adviser advisers advisor advisors manager director chairman chairwoman chair secretary "
    "president senator candidate nominee leader leaders representative analyst analysts economist "
    "professor lawyer attorney source sources people statement report poll survey study website "
    "plaque sign letter ad memo email tweet post minister prime mayor chief officer strategist "
    "consultant supporter supporters critic critics voter voters member members campaign committee "
    "group executive founder host anchor reporter reporters columnist author editor writer father "
    "mother wife husband son daughter friend resident residents protester protesters activist "
    "activists lawmaker lawmakers congressman congresswoman republican republicans democrat democrats "
    "speaker woman man women men veteran student students teacher police sheriff judge court "
    "prosecutor prosecutors investigators agency department ministry office administration government "
    "white house spokespeople organizer organizers worker workers"
)
SKIP_BEFORE_CUE = _words(
    "also then later previously has have had was were is are would will could did does do again once "
    "still even never not recently yesterday today tonight earlier first last later simply just "
    "further often repeatedly publicly privately flatly reportedly actually famously quickly then, "
    "later, again, tuesday monday wednesday thursday friday saturday sunday on"
)
TITLES = _words(
    "mr mr. mrs mrs. ms ms. dr dr. sen sen. rep rep. gov gov. gen gen. president senator governor "
    "secretary professor prof prof. sir lord lady judge justice mayor minister chancellor pastor rev "
    "rev. father sister brother king queen prince princess general colonel captain"
)
ABBREVIATIONS = _words(
    "mr mrs ms dr st sen rep gov gen lt col sgt jr sr no vs inc ltd co corp jan feb mar apr aug sept "
    "sep oct nov dec prof rev mt ft u.s u.k u.n d.c a.m p.m e.g i.e"
)
CLAUSE_STOPS = _words(
    "that which who whom whose when while because although though if as after before since so where "
    "than until unless why what how"
)
_INTRO_WORDS = _words(
    "in on after before when while during at with as since despite following also but and then "
    "however meanwhile earlier later speaking asked by for from under"
)
_CLAUSE_BREAKS = frozenset(
    {",", ";", "—", "–", "and", "but", "although", "though", "while", "as", "because", "whereas", "since"}
)
_NOT_MODIFIERS = _words(
    "that which who whom whose when while because although though if as after before since so where than "
    "until unless why what how and but or at by in on from with to into for over about"
)
_NOT_PREDICATES = _NOT_MODIFIERS | _words("'s ’s of the a an")
_CLAUSE_OPENERS = frozenset({",", ";", ":", "—", "–", "as", "but", "and", '"', "“"})
_SUBJECT_CUES = INDIRECT_CUES | _words(
    "says tells adds writes wrote asked asks recalled recalls noted notes chanted shouted tweeted posted "
    "replied responded continued predicted suggested explained complained concluded agreed"
)
_NP_LEADERS = frozenset({"and", "but", "then", "of", "for", "'s", "’s", "from"})
_WORD_RE = re.compile(r"\w(?:[\w'’\-]|\.(?=\w))*|[^\w\s]")
_CUE_ALTERNATION = "|".join(sorted(CUE_WORDS, key=len, reverse=True))
_TRAILING_CUE_RE = re.compile(
    r"(?:[\w.'’\-]+\s+){0,4}?(?:" + _CUE_ALTERNATION + r")(?=[.,;!?]|\s+(?:of|on|in|at|to|during|after"
    r"|when|while|about|as|before|last|this|later|then|[A-Z]\w*[.,])\b)"
    r"|(?:" + _CUE_ALTERNATION + r")\s+[A-Z]"
)
_SENTENCE_END_RE = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)")


@dataclass(slots=True)
class QuoteSpan:
    """One quotation: ``text == article_text[start:end]`` (marks included for direct/partial)."""

    text: str
    start: int
    end: int
    kind: QuoteKindName
    speaker: str | None
    speaker_span: tuple[int, int] | None
    cue: str | None
    venue: str | None


@dataclass(slots=True)
class _Mark:
    pos: int
    family: Literal["double", "single"]
    can_open: bool
    can_close: bool


@dataclass(slots=True)
class _Mention:
    start: int
    end: int
    label: str


@dataclass(slots=True)
class _Attribution:
    speaker_span: tuple[int, int]
    cue: str | None
    venue: str | None
    speaker: str | None


def find_quotes(text: str, doc: Doc | None = None) -> list[QuoteSpan]:
    """Direct, partial and indirect quotes of ``text`` in order, with speakers where found."""
    if doc is None:
        doc = load_nlp()(text)
    mentions = [_Mention(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents]
    return _QuoteFinder(text, mentions).run()


def quoted_segments(text: str) -> list[tuple[int, int]]:
    """Top-level quoted segments ``(start, end)``, marks included, continuations merged."""
    segments: list[tuple[int, int]] = []
    paragraphs = list(_paragraph_bounds(text))
    stack: list[_Mark] = []
    open_at = -1
    for index, (p_start, p_end) in enumerate(paragraphs):
        marks = _marks(text, p_start, p_end)
        if stack and marks and marks[0].pos == _first_visible(text, p_start) and marks[0].can_open:
            marks = marks[1:]
        for mark in marks:
            if stack and mark.can_close and _closes(stack, mark):
                if not stack:
                    segments.append((open_at, mark.pos + 1))
            elif mark.can_open:
                if not stack:
                    open_at = mark.pos
                stack.append(mark)
        if not stack:
            continue
        next_opens = index + 1 < len(paragraphs) and _opens_with_mark(text, paragraphs[index + 1][0])
        if next_opens:
            continue
        if _accept_unclosed(text, stack[0], p_start):
            segments.append((open_at, _last_visible(text, p_end)))
        stack = []
    return segments


def _paragraph_bounds(text: str) -> list[tuple[int, int]]:
    bounds = []
    start = 0
    for match in re.finditer(r"\n", text):
        if match.start() > start:
            bounds.append((start, match.start()))
        start = match.end()
    if start < len(text):
        bounds.append((start, len(text)))
    return bounds


def _first_visible(text: str, start: int) -> int:
    while start < len(text) and text[start].isspace():
        start += 1
    return start


def _last_visible(text: str, end: int) -> int:
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return end


def _opens_with_mark(text: str, start: int) -> bool:
    first = _first_visible(text, start)
    return first + 1 < len(text) and text[first] in ALL_MARKS and not text[first + 1].isspace()


def _accept_unclosed(text: str, opening: _Mark, p_start: int) -> bool:
    """An unclosed quote runs to the paragraph end only when it plausibly opens speech."""
    if opening.family == "double":
        return True
    before = text[p_start : opening.pos].rstrip()
    return not before or before.endswith((":", ","))


def _marks(text: str, start: int, end: int) -> list[_Mark]:
    marks = []
    for pos in range(start, end):
        char = text[pos]
        if char not in ALL_MARKS:
            continue
        prev = text[pos - 1] if pos > start else " "
        nxt = text[pos + 1] if pos + 1 < end else " "
        family: Literal["double", "single"] = "double" if char in DOUBLE_MARKS else "single"
        if family == "single" and prev.isalnum() and nxt.isalpha():
            continue
        left_ok = prev.isspace() or prev in "([{—–-/:" or prev in ALL_MARKS
        right_ok = nxt.isspace() or nxt in ".,;:!?)]}—–-…" or nxt in ALL_MARKS
        can_open = not nxt.isspace() and left_ok
        can_close = not prev.isspace() and right_ok
        if can_open and can_close:
            can_open, can_close = char not in CLOSING_HINT, char not in OPENING_HINT
        if not can_open and not can_close and family == "double":
            can_open, can_close = True, True
        marks.append(_Mark(pos, family, can_open, can_close))
    return marks


def _closes(stack: list[_Mark], mark: _Mark) -> bool:
    """Pop the stack for a closing mark; False when the mark should be read as an opener."""
    if mark.family == "single":
        if stack[-1].family == "single":
            stack.pop()
            return True
        return False
    while stack and stack[-1].family == "single" and len(stack) > 1:
        stack.pop()
    stack.pop()
    return True


class _QuoteFinder:
    """Holds one text's segments, sentences and mentions while its quotes are attributed."""

    def __init__(self, text: str, mentions: list[_Mention]) -> None:
        self.text = text
        self.mentions = mentions
        self.persons = [m for m in mentions if m.label == "PERSON"]
        self.segments = quoted_segments(text)
        self.masked = _masked(text, self.segments)
        self.sentence_starts = _sentence_starts(self.masked, text, self.segments)
        self.speakers: list[tuple[int, str]] = []

    def run(self) -> list[QuoteSpan]:
        quotes = self._indirect_quotes()
        previous: QuoteSpan | None = None
        for start, end in self.segments:
            quote = self._quote(start, end, previous)
            if quote is None:
                continue
            quotes.append(quote)
            previous = quote
        quotes.sort(key=lambda q: q.start)
        return quotes

    def _quote(self, start: int, end: int, previous: QuoteSpan | None) -> QuoteSpan | None:
        s_start = self._sentence_start(start)
        s_end = self._sentence_end(end)
        left = self.text[s_start:start]
        kind: QuoteKindName = "direct" if _is_whole_statement(left, self.text[start:end]) else "partial"
        attribution = (
            self._left_attribution(s_start, start, near=True)
            or self._right_attribution(end, s_end)
            or self._left_attribution(s_start, start, near=False)
            or self._colon_frame(s_start, start)
        )
        if attribution is None and not left.strip():
            attribution = self._previous_paragraph_frame(start)
        if attribution is None and kind == "direct":
            attribution = (
                self._inherited(previous, start)
                or self._paragraph_subject(start)
                or self._signature_after(end)
                or self._nearby_subject(s_start, start)
            )
        if attribution is None and kind == "partial":
            attribution = self._subject_of_sentence(s_start, start) or self._same_sentence(previous, s_start)
        if attribution is None and kind == "partial":
            return None
        if attribution is None:
            return QuoteSpan(self.text[start:end], start, end, kind, None, None, None, None)
        return QuoteSpan(
            self.text[start:end],
            start,
            end,
            kind,
            attribution.speaker,
            attribution.speaker_span,
            attribution.cue,
            attribution.venue,
        )

    def _signature_after(self, end: int) -> _Attribution | None:
        """A quote signed on the next line: ``"..."`` then ``- Bernie Sanders.``."""
        match = re.match(r"[ \t]*\n\s*[-—–―]\s*(?=[A-Z])", self.text[end:])
        if match is None:
            return None
        line_end = self.text.find("\n", end + match.end())
        limit = len(self.text) if line_end < 0 else line_end
        if len(self.text[end + match.end() : limit].split()) > 8:
            return None
        return self._dash_signature(end + match.end(), limit)

    def _nearby_subject(self, s_start: int, start: int) -> _Attribution | None:
        """A direct quote with no frame at all: the subject of its own or the previous sentence.

        ``Lynch announced the lawsuit. "We are seeking a court order..."`` credits Lynch.
        """
        limit = start
        if not self.text[s_start:start].strip():
            line_start = self.text.rfind("\n", 0, start) + 1
            if s_start <= line_start:
                return None
            limit, s_start = s_start, self._sentence_start(s_start - 1)
        span = self._nearest_subject(s_start, limit, broad=True)
        return None if span is None else _Attribution(span, None, None, self._resolve(span))

    def _same_sentence(self, previous: QuoteSpan | None, s_start: int) -> _Attribution | None:
        """A second quote in a sentence (``X said it was "clear" and that Y faced "charges"``)."""
        if previous is None or previous.speaker_span is None or previous.start < s_start:
            return None
        if not s_start <= previous.speaker_span[0] < previous.start:
            return None
        return _Attribution(previous.speaker_span, previous.cue, previous.venue, previous.speaker)

    def _inherited(self, previous: QuoteSpan | None, start: int) -> _Attribution | None:
        """A frameless quote continues the previous quote of its paragraph or of the one before."""
        if previous is None or previous.speaker_span is None:
            return None
        between = self.text[previous.end : start]
        line_start = self.text.rfind("\n", 0, start) + 1
        opens_paragraph = start == _first_visible(self.text, line_start)
        previous_paragraph = len([p for p in between.split("\n") if p.strip()]) <= 1
        if "\n" not in between or (opens_paragraph and previous_paragraph):
            return _Attribution(previous.speaker_span, previous.cue, previous.venue, previous.speaker)
        return None

    def _paragraph_subject(self, start: int) -> _Attribution | None:
        """A frameless quote opening a paragraph: the person the previous paragraph was about."""
        line_start = self.text.rfind("\n", 0, start) + 1
        if _first_visible(self.text, line_start) != start:
            return None
        before = self.text[:line_start].rstrip()
        p_start = before.rfind("\n") + 1
        best: tuple[int, int] | None = None
        for sentence_start in self.sentence_starts:
            if p_start <= sentence_start < len(before):
                best = self._sentence_subject(sentence_start, len(before)) or best
        if best is None or len(before[p_start:].split()) < 5:
            return None
        if not (self._is_person(best[0]) or self._word(best).lower() in PERSONAL_PRONOUNS):
            return None
        return _Attribution(best, None, None, self._resolve(best))

    def _sentence_subject(self, s_start: int, limit: int) -> tuple[int, int] | None:
        """The pronoun or person/organisation opening a sentence (within its first words)."""
        words = [
            (m.start() + s_start, m.end() + s_start) for m in _WORD_RE.finditer(self.masked[s_start:limit])
        ]
        if not words:
            return None
        if self._word(words[0]).lower() in _INTRO_WORDS:
            commas = [i for i, w in enumerate(words[:15]) if self._word(w) == ","]
            words = words[commas[0] + 1 :] if commas else words
        if not words:
            return None
        if self._word(words[0]).lower() in PERSONAL_PRONOUNS | {"they", "we", "i"}:
            return words[0]
        for word in words[:6]:
            mention = self._mention_starting(word[0])
            if mention is not None and mention.label in {"PERSON", "ORG"}:
                return self._with_titles(mention.start, mention.end, words)
            if self._word(word) in {",", ";", ":"}:
                break
        if self._word(words[0]).lower() in DETERMINERS:
            for index, word in enumerate(words[1:5], start=1):
                if self._word(word).lower() in ROLE_NOUNS:
                    return words[0][0], words[index][1]
        return None

    def _subject_of_sentence(self, s_start: int, q_start: int) -> _Attribution | None:
        """A partial quote with no cue verb: words the nearest clause subject is reported to use.

        ``Clinton endorsed the deal, although she has "serious concerns"`` credits ``she``;
        ``Beck, who has described Trump as "a sociopath"`` credits ``who`` (resolved to Beck).
        """
        span = self._nearest_subject(s_start, q_start, broad=False)
        return None if span is None else _Attribution(span, None, None, self._resolve(span))

    def _nearest_subject(self, s_start: int, limit: int, *, broad: bool) -> tuple[int, int] | None:
        """The subject of the last clause before ``limit`` with a person (``broad``: or a role) as subject."""
        words = self._word_spans(s_start, limit)
        for index in range(len(words) - 1, -1, -1):
            if not self._opens_clause(words, index):
                continue
            subject = self._clause_subject(words, index, broad=broad)
            if subject is not None:
                return subject
        return None

    def _participle_subject(self, s_start: int, cue_start: int) -> tuple[int, int] | None:
        """Who does the ``saying``: ``with Gorka noting``, or the subject of the clause it hangs on."""
        words = self._word_spans(s_start, cue_start)
        if words and self._word(words[-1]) != ",":
            last = words[-1]
            if self._word(last).lower() in PRONOUNS or self._is_person(last[0]):
                return self._noun_phrase_ending(words)
        return (
            self._nearest_subject(s_start, cue_start, broad=True)
            or self._sentence_subject(s_start, cue_start)
            or self._speaker_before(s_start, cue_start)
        )

    def _word_spans(self, start: int, end: int) -> list[tuple[int, int]]:
        """Word and punctuation spans of ``text[start:end]``, each quotation one word."""
        return [(m.start() + start, m.end() + start) for m in _WORD_RE.finditer(self.masked[start:end])]

    def _opens_clause(self, words: list[tuple[int, int]], index: int) -> bool:
        if index == 0 or self._word(words[index]).lower() == "who":
            return True
        return self._word(words[index - 1]).lower() in _CLAUSE_BREAKS

    def _clause_subject(
        self, words: list[tuple[int, int]], index: int, *, broad: bool
    ) -> tuple[int, int] | None:
        """The person (or ``he``/``she``/``who``) opening the clause at ``index``, if it has a verb next.

        ``broad`` also takes ``the justice`` / ``his campaign`` (a determiner and a role noun).
        """
        lower = self._word(words[index]).lower()
        if lower == "who":
            return self._relative_subject(words, index)
        end_index: int | None = index
        if broad and lower in DETERMINERS:
            end_index = self._role_end(words, index)
        elif lower not in PERSONAL_PRONOUNS | {"they"}:
            end_index = self._person_end(words, index)
        if end_index is None or not self._followed_by_predicate(words, end_index):
            return None
        return words[index][0], words[end_index][1]

    def _role_end(self, words: list[tuple[int, int]], index: int) -> int | None:
        """``the Democratic presidential candidate``: index of the role noun ending the phrase."""
        for end in range(index + 1, min(index + 6, len(words))):
            if self._word(words[end]).lower() in ROLE_NOUNS:
                while end + 1 < len(words) and self._word(words[end + 1]).lower() in ROLE_NOUNS:
                    end += 1
                return end
            if not self._name_modifier(words[end]):
                return None
        return None

    def _person_end(self, words: list[tuple[int, int]], index: int) -> int | None:
        """Index of the last word of a person's name opening a clause at ``index``.

        A few modifier words may come first (``Republican front-runner Donald Trump``, ``Gov.``).
        """
        for first in range(index, min(index + 8, len(words))):
            if self._word(words[first]) == "." and first > index:
                continue
            if not self._name_modifier(words[first]):
                return None
            mention = self._mention_starting(words[first][0])
            if mention is not None and mention.label == "PERSON":
                return self._name_end(words, first, mention)
        return None

    def _name_modifier(self, word: tuple[int, int]) -> bool:
        """A word that may stand before a name: ``Sen.``, ``Republican``, ``front-runner``, not a verb."""
        token = self._word(word)
        lower = token.lower()
        if not token[:1].isalpha() or lower in _NOT_MODIFIERS | DETERMINERS | SKIP_BEFORE_CUE | CUE_WORDS:
            return False
        return token[:1].isupper() or not (lower.endswith(("ed", "ly")) or "'" in lower or "’" in lower)

    def _name_end(self, words: list[tuple[int, int]], first: int, mention: _Mention) -> int | None:
        """The mention's last word; a possessive only with a role (``Trump's campaign``, not ``remarks``)."""
        end = first
        while end + 1 < len(words) and words[end + 1][1] <= mention.end:
            end += 1
        if end + 1 < len(words) and self._word(words[end + 1]) in {"'s", "’s"}:
            end += 1
        elif not re.search(r"['’]s$", self._word(words[end])):
            return end
        for role in range(end + 1, min(end + 4, len(words))):
            if self._word(words[role]).lower() in ROLE_NOUNS:
                return role
            if not self._name_modifier(words[role]):
                return None
        return None

    def _followed_by_predicate(self, words: list[tuple[int, int]], end: int) -> bool:
        """True when a (guessed) verb follows the subject, after a parenthesis or an apposition."""
        nxt = end + 1
        while nxt + 1 < len(words) and self._word(words[nxt]) == "of" and self._capitalized(words[nxt + 1]):
            nxt += 2
            while nxt < len(words) and self._capitalized(words[nxt]):
                nxt += 1
        if nxt < len(words) and self._word(words[nxt]) == "(":
            closing = [i for i in range(nxt, min(nxt + 8, len(words))) if self._word(words[i]) == ")"]
            nxt = closing[0] + 1 if closing else nxt
        if nxt < len(words) and self._is_comma(words[nxt]):
            commas = [i for i in range(nxt + 1, min(nxt + 30, len(words))) if self._is_comma(words[i])]
            if not commas:
                return False
            nxt = commas[0] + 1
        if nxt >= len(words):
            return False
        token = self._word(words[nxt])
        return token.isalpha() and token.islower() and token not in _NOT_PREDICATES

    def _is_comma(self, word: tuple[int, int]) -> bool:
        """A comma, or a quotation closed by one (``"...worst,"`` ends a clause too)."""
        if self._word(word) == ",":
            return True
        return self.masked[word[0]] == "Q" and self._word(word).rstrip("\"'”’»").endswith(",")

    def _relative_subject(self, words: list[tuple[int, int]], index: int) -> tuple[int, int] | None:
        """``Trump, who has called the pact "insanity"``: ``who``, when its clause is still open."""
        if any(self._is_comma(w) for w in words[index + 1 :]):
            return None
        return words[index] if self._who_antecedent(words[index][0]) is not None else None

    def _with_titles(self, start: int, end: int, words: list[tuple[int, int]]) -> tuple[int, int]:
        for word in reversed([w for w in words if w[1] <= start]):
            if self._word(word).lower().rstrip(".") not in TITLES:
                break
            start = word[0]
        return start, end

    def _previous_paragraph_frame(self, start: int) -> _Attribution | None:
        """``Caddell continued:`` closing one paragraph introduces the quote opening the next."""
        line_start = self.text.rfind("\n", 0, start) + 1
        if _first_visible(self.text, line_start) != start:
            return None
        before = self.text[:line_start].rstrip()
        if not before.endswith(":"):
            return None
        s_start = self._sentence_start(len(before) - 1)
        return self._left_attribution(s_start, len(before), near=False) or self._colon_frame(
            s_start, len(before)
        )

    def _colon_frame(self, s_start: int, q_start: int) -> _Attribution | None:
        """``Here's Clinton in 1992: "`` / ``Michael P. McDonald: "`` — a colon and a person."""
        left = self.masked[s_start:q_start].rstrip()
        if not left.endswith(":"):
            return None
        persons = [m for m in self.persons if s_start <= m.start and m.end <= q_start]
        if persons:
            span = (persons[-1].start, persons[-1].end)
            return _Attribution(span, None, None, self._resolve(span))
        subject = self._sentence_subject(s_start, q_start)
        if subject is None:
            return None
        return _Attribution(subject, None, None, self._resolve(subject))

    def _sentence_start(self, pos: int) -> int:
        starts = self.sentence_starts
        lo, hi = 0, len(starts)
        while lo < hi:
            mid = (lo + hi) // 2
            if starts[mid] <= pos:
                lo = mid + 1
            else:
                hi = mid
        return starts[lo - 1] if lo else 0

    def _sentence_end(self, pos: int) -> int:
        for start in self.sentence_starts:
            if start >= pos:
                return start
        return len(self.text)

    def _left_attribution(self, s_start: int, q_start: int, *, near: bool) -> _Attribution | None:
        """``X said: "``, ``X told Y that "``, ``According to X, "`` and partial-quote cues.

        ``near`` keeps only cues at most eight words before the quote (the strong frames).
        """
        region = self.masked[s_start:q_start]
        for match in reversed(list(_CUE_RE.finditer(region))):
            cue_start, cue_end = s_start + match.start(), s_start + match.end()
            if "QQ" in self.masked[cue_end:q_start]:
                break
            if near and len(self.masked[cue_end:q_start].split()) > 8:
                break
            cue = match.group(1).lower()
            span = self._cue_speaker(cue, s_start, cue_start, cue_end, q_start)
            if span is None and near and _CUE_RE.search(self.masked[s_start:cue_start]) is None:
                span = self._speaker_before(s_start, cue_start, loose=True)
            if span is None:
                continue
            return self._attribution(span, cue, cue_end, q_start)
        return None

    def _cue_speaker(
        self, cue: str, s_start: int, cue_start: int, cue_end: int, limit: int
    ) -> tuple[int, int] | None:
        after = self.text[cue_end:limit]
        if cue == "according to":
            return self._speaker_after(cue_end, limit)
        by = re.match(r"\s+by\s+", after)
        if by is not None:
            return self._speaker_after(cue_end + by.end(), limit)
        before = self.text[s_start:cue_start].rstrip()
        relative = re.search(r"\bwhat\s+(?:he|she|they)$", before, re.IGNORECASE)
        if relative is not None:
            main = self._nearest_subject(s_start, s_start + relative.start(), broad=False)
            if main is not None:
                return main
        if cue.endswith("ing"):
            return self._participle_subject(s_start, cue_start)
        if re.search(r"\b(and|but)$", before):
            return self._sentence_subject(s_start, cue_start)
        return self._speaker_before(s_start, cue_start)

    def _right_attribution(self, q_end: int, s_end: int) -> _Attribution | None:
        """``," said X.``, ``," X said.``, ``," he added.``, ``," according to X`` and appositions."""
        region = self.masked[q_end:s_end]
        dash = re.match(r"\s*[―—–]\s*", region)
        if dash is not None:
            return self._dash_signature(q_end + dash.end(), s_end)
        match = _CUE_RE.search(region)
        if match is None:
            return None
        cue_start, cue_end = q_end + match.start(), q_end + match.end()
        cue = match.group(1).lower()
        before = self.text[q_end:cue_start]
        if len(before.split()) > 7 or "QQ" in before:
            span = self._leading_apposition(q_end, cue_start)
            if span is None and before.rstrip().endswith(","):
                span = self._speaker_after(cue_end, s_end)
        elif cue == "according to" or re.fullmatch(r"[\s,;—–\-]*", before):
            span = self._speaker_after(cue_end, s_end)
        elif before.rstrip().endswith(","):
            span = self._speaker_before(q_end, cue_start, loose=True) or self._speaker_after(cue_end, s_end)
        else:
            span = self._speaker_before(q_end, cue_start, loose=True)
        if span is None:
            return None
        return self._attribution(span, cue, cue_end, s_end)

    def _dash_signature(self, start: int, limit: int) -> _Attribution | None:
        """``"..." ― Sonya Herridge``: a name signed after a dash."""
        words = [(m.start() + start, m.end() + start) for m in _WORD_RE.finditer(self.masked[start:limit])]
        name: list[tuple[int, int]] = []
        for word in words[:5]:
            if not self._capitalized(word):
                break
            name.append(word)
        if not name:
            return None
        span = (name[0][0], name[-1][1])
        return _Attribution(span, None, None, self._resolve(span))

    def _leading_apposition(self, q_end: int, cue_start: int) -> tuple[int, int] | None:
        """``," Seth McKee, a political scientist at Texas Tech, told The Hill.`` → the name."""
        match = re.match(r"[\s,—–\-]*", self.text[q_end:cue_start])
        start = q_end + (match.end() if match else 0)
        comma = self.text.find(",", start, cue_start)
        if comma < 0 or self.text[cue_start - 2 : cue_start].strip() not in {",", ""}:
            return None
        words = [(m.start() + start, m.end() + start) for m in _WORD_RE.finditer(self.masked[start:comma])]
        if not words or len(words) > 6:
            return None
        return self._noun_phrase_ending(words)

    def _attribution(self, span: tuple[int, int], cue: str, cue_end: int, limit: int) -> _Attribution:
        self.speakers.append((span[0], self._resolve(span) or ""))
        return _Attribution(span, cue, self._venue(cue, cue_end, limit), self._resolve(span))

    def _venue(self, cue: str, cue_end: int, limit: int) -> str | None:
        after = self.text[cue_end:limit]
        pattern = r"\s+((?:The |the )?[A-Z][\w&.'’-]*(?:\s+[A-Z][\w&.'’-]*)*)"
        if cue in {"told", "tells", "telling", "tell"}:
            match = re.match(pattern, after)
        else:
            match = re.match(r"[^,:.]{0,40}?\b(?:on|in an interview with|to)" + pattern, after)
        if match is None:
            return None
        venue = match.group(1).rstrip(".’'")
        if venue.split()[0].lower() in PRONOUNS or self._is_person(cue_end + match.start(1)):
            return None
        return venue.removesuffix("'s").removesuffix("’s") or None

    def _is_person(self, pos: int) -> bool:
        return any(m.start <= pos < m.end for m in self.persons)

    def _speaker_before(self, limit: int, cue_start: int, *, loose: bool = False) -> tuple[int, int] | None:
        """The noun phrase ending just before a cue verb (adverbs and appositions skipped).

        ``loose``: the whole stretch between a quote and its cue (``," the 43-year-old asked``).
        """
        words = [
            (m.start() + limit, m.end() + limit) for m in _WORD_RE.finditer(self.masked[limit:cue_start])
        ]
        while words and (self._word(words[-1]).lower() in SKIP_BEFORE_CUE or self._is_adverb(words[-1])):
            words.pop()
        while words and self._word(words[0]) in {",", "—", "–", "-", ";"}:
            words.pop(0)
        words = _without_trailing_parenthesis(self.text, words)
        if not words:
            return None
        if self._word(words[-1]).lower() == "who":
            return words[-1] if self._who_antecedent(words[-1][0]) is not None else None
        if self._word(words[-1]) == ",":
            return self._apposition(words[:-1])
        span = self._noun_phrase_ending(words)
        if span is None and loose and len(words) <= 8 and self._word(words[0]).lower() in DETERMINERS:
            return words[0][0], words[-1][1]
        return span

    def _is_adverb(self, word: tuple[int, int]) -> bool:
        token = self._word(word)
        return token.islower() and token.endswith("ly") and len(token) > 4

    def _apposition(self, words: list[tuple[int, int]]) -> tuple[int, int] | None:
        """``Anton Kobiakov, a Kremlin advisor,`` → the name before the apposition."""
        commas = [i for i, w in enumerate(words) if self._word(w) == ","]
        if not commas:
            return None
        inner = words[commas[-1] + 1 :]
        if not inner or len(inner) > 25:
            return None
        return self._noun_phrase_ending(words[: commas[-1]])

    def _noun_phrase_ending(self, words: list[tuple[int, int]]) -> tuple[int, int] | None:
        last = words[-1]
        if self._word(last).lower() in PRONOUNS:
            return last
        mention = self._mention_ending(last[1])
        start = mention.start if mention is not None else None
        index = len(words) - 1
        if start is None and not self._capitalized(last) and self._word(last).lower() not in ROLE_NOUNS:
            return self._determiner_phrase(words)
        while index > 0 and (start is None or words[index][0] >= start):
            index -= 1
        if start is None:
            index = len(words) - 1
            while index > 0 and self._capitalized(words[index - 1]):
                index -= 1
        first = index if start is None else index + 1
        first = min(first, len(words) - 1)
        while first > 0 and self._extends_left(words[first - 1]):
            first -= 1
        while first < len(words) - 1 and self._word(words[first]).lower() in CLAUSE_STOPS | _NP_LEADERS:
            first += 1
        if first >= len(words):
            return None
        if mention is None and not self._plausible_bare_phrase(words[first:]):
            return None
        return words[first][0], last[1]

    def _determiner_phrase(self, words: list[tuple[int, int]]) -> tuple[int, int] | None:
        """``As one employee told`` / ``, the investor said``: a short lowercase phrase opening a clause.

        Only before a finite speech verb: ``a cover saying`` or ``the loophole called`` name things.
        """
        after = _WORD_RE.search(self.text, words[-1][1])
        if after is None or after.group().lower() not in _SUBJECT_CUES:
            return None
        if not self._word(words[-1]).isalpha() or self._word(words[-1]).lower() in CLAUSE_STOPS | PRONOUNS:
            return None
        for index in range(len(words) - 2, max(len(words) - 6, -1), -1):
            token = self._word(words[index]).lower()
            if token in DETERMINERS - {"that", "all", "both", "most"}:
                opener = self._word(words[index - 1]).lower() if index else ","
                return (words[index][0], words[-1][1]) if opener in _CLAUSE_OPENERS else None
            if not token.isalpha() or token in CLAUSE_STOPS | SKIP_BEFORE_CUE | PRONOUNS | _NP_LEADERS:
                return None
        return None

    def _plausible_bare_phrase(self, words: list[tuple[int, int]]) -> bool:
        """A speaker with no entity: a capitalized name run or a determiner + role noun."""
        if self._word(words[-1]).lower() in ROLE_NOUNS:
            return True
        if len(words) > 4:
            return False
        return all(self._capitalized(w) for w in words) and self._word(words[0]).lower() not in DETERMINERS

    def _extends_left(self, word: tuple[int, int]) -> bool:
        token = self._word(word)
        lower = token.lower()
        if lower in DETERMINERS or lower in ROLE_NOUNS or lower in TITLES:
            return True
        return (self._capitalized(word) and lower not in CLAUSE_STOPS) or lower in {"'s", "’s", "of", "for"}

    def _speaker_after(self, cue_end: int, limit: int) -> tuple[int, int] | None:
        """The noun phrase right after ``said`` / ``according to``."""
        words = [
            (m.start() + cue_end, m.end() + cue_end) for m in _WORD_RE.finditer(self.masked[cue_end:limit])
        ]
        if not words:
            return None
        first = words[0]
        if self._word(first).lower() in PRONOUNS:
            return first
        mention = self._mention_starting(first[0])
        end_index = 0
        for index, word in enumerate(words):
            token = self._word(word)
            if token in {",", ".", ";", ":", "—", "–", "-", "(", ")"} or token.lower() in CLAUSE_STOPS:
                break
            if token.lower() in {"in", "on", "at", "during", "to", "after", "before", "about", "last"}:
                break
            if index > 0 and token.lower() in {"by", "from", "with"} and mention is None:
                continue
            end_index = index
        if mention is not None:
            return first[0], max(mention.end, words[end_index][1])
        phrase = words[: end_index + 1]
        starts_with_determiner = self._word(phrase[0]).lower() in DETERMINERS
        if len(phrase) > 10:
            return None
        if starts_with_determiner or self._plausible_bare_phrase(phrase) or self._ends_in_name(phrase):
            return first[0], words[end_index][1]
        return None

    def _ends_in_name(self, phrase: list[tuple[int, int]]) -> bool:
        """``pollster Frank Luntz`` / ``retired Army Lt. Gen. Mick Bednarek``: a name after its role."""
        if len(phrase) > 8 or any(not self._word(w)[:1].isalpha() for w in phrase):
            return False
        if any(self._is_person(w[0]) for w in phrase):
            return True
        return len(phrase) >= 2 and all(self._capitalized(w) for w in phrase[-2:])

    def _mention_ending(self, end: int) -> _Mention | None:
        for mention in self.mentions:
            if mention.end == end and mention.label in {"PERSON", "ORG", "NORP", "GPE"}:
                return mention
        return None

    def _mention_starting(self, start: int) -> _Mention | None:
        for mention in self.mentions:
            if mention.start == start and mention.label in {"PERSON", "ORG", "NORP", "GPE"}:
                return mention
        return None

    def _word(self, word: tuple[int, int]) -> str:
        return self.text[word[0] : word[1]]

    def _capitalized(self, word: tuple[int, int]) -> bool:
        token = self._word(word)
        return token[:1].isupper()

    def _resolve(self, span: tuple[int, int]) -> str | None:
        """The name behind a speaker mention: a person's fullest name, an organisation, or None."""
        phrase = self.text[span[0] : span[1]]
        if phrase.lower() in PERSONAL_PRONOUNS:
            return self._antecedent(span[0])
        if phrase.lower() == "who":
            person = self._who_antecedent(span[0])
            return None if person is None else self._full_name(self.text[person.start : person.end])
        inside = [m for m in self.mentions if span[0] <= m.start and m.end <= span[1]]
        persons = [m for m in inside if m.label == "PERSON"]
        if persons:
            return self._full_name(self.text[persons[-1].start : persons[-1].end])
        name = _trailing_name(phrase)
        if name is not None:
            return self._full_name(name)
        if inside and inside[-1].end == span[1]:
            return self.text[inside[-1].start : inside[-1].end]
        return None

    def _who_antecedent(self, who: int) -> _Mention | None:
        """The person a relative ``who`` refers to: the name just before it (``Beck, who``)."""
        window = max(0, who - 200)
        end = window + len(self.text[window:who].rstrip().rstrip(",").rstrip())
        return next((m for m in self.persons if m.end == end), None)

    def _full_name(self, name: str) -> str:
        name = re.sub(r"['’]s$", "", name).strip()
        last = name.split()[-1].lower()
        best = name
        for mention in self.persons:
            candidate = re.sub(r"['’]s$", "", self.text[mention.start : mention.end]).strip()
            if candidate.split() and candidate.split()[-1].lower() == last and len(candidate) > len(best):
                best = candidate
        return best

    def _antecedent(self, pos: int) -> str | None:
        """The last named speaker before this sentence, or person opening a sentence before ``pos``."""
        sentence = self._sentence_start(pos)
        best: tuple[int, str] | None = None
        for at, name in self.speakers:
            if at < sentence and name and (best is None or at > best[0]):
                best = (at, name)
        for mention in self.persons:
            if mention.start >= pos or (best is not None and mention.start <= best[0]):
                continue
            opening = self.text[self._sentence_start(mention.start) : mention.start]
            if len(opening.split()) <= 3:
                best = (mention.start, self._full_name(self.text[mention.start : mention.end]))
        return best[1] if best else None

    def _indirect_quotes(self) -> list[QuoteSpan]:
        """Reported speech without marks: ``X insisted that ...`` / ``X said the ...``."""
        quotes = []
        for index, s_start in enumerate(self.sentence_starts):
            s_end = (
                self.sentence_starts[index + 1] if index + 1 < len(self.sentence_starts) else len(self.text)
            )
            sentence = self.masked[s_start:s_end]
            if "Q" * 3 in sentence:
                continue
            match = re.search(
                r"\b("
                + "|".join(sorted(INDIRECT_CUES))
                + r")\b(?:\s+(?:[A-Z][\w.'’]*\s*){1,4})?\s+(that\s+)?",
                sentence,
            )
            if match is None:
                continue
            cue_start = s_start + match.start(1)
            span = self._speaker_before(s_start, cue_start)
            content_start = s_start + match.end()
            content_end = _last_visible(self.text, s_end)
            if span is None or content_end - content_start < 12:
                continue
            attribution = self._attribution(span, match.group(1).lower(), s_start + match.end(1), content_end)
            quotes.append(
                QuoteSpan(
                    self.text[content_start:content_end],
                    content_start,
                    content_end,
                    "indirect",
                    attribution.speaker,
                    attribution.speaker_span,
                    attribution.cue,
                    attribution.venue,
                )
            )
        return quotes


def _without_trailing_parenthesis(text: str, words: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``Gov. Pat McCrory (R)`` → ``Gov. Pat McCrory``."""
    if not words or text[words[-1][0] : words[-1][1]] != ")":
        return words
    for index in range(len(words) - 2, max(len(words) - 10, -1), -1):
        if text[words[index][0] : words[index][1]] == "(":
            return words[:index]
    return words


def _trailing_name(phrase: str) -> str | None:
    """``Russia expert Stephen Hall`` → ``Stephen Hall``; ``Dr Bininachvili`` kept whole."""
    words = phrase.split()
    name: list[str] = []
    for word in reversed(words):
        if not word[:1].isupper() or word.lower() in DETERMINERS:
            break
        name.insert(0, word)
    if not name or all(w.lower().rstrip(".") in TITLES for w in name):
        return None
    return " ".join(name)


def _is_whole_statement(left: str, quoted: str) -> bool:
    """Direct when the quote stands alone or follows ``X said:``/``X said,``; else partial."""
    stripped = left.rstrip()
    inner = quoted[1:].lstrip("\"'“‘ ")
    starts_upper = inner[:1].isupper() or inner[:1] in "…." or inner[:1].isdigit()
    if not stripped:
        return True
    return stripped.endswith((":", ",", "—", "–")) and starts_upper


def _masked(text: str, segments: list[tuple[int, int]]) -> str:
    """The text with every quoted segment blanked to ``Q`` (lengths kept, newlines kept)."""
    chars = list(text)
    for start, end in segments:
        for pos in range(start, end):
            if chars[pos] != "\n":
                chars[pos] = "Q"
    return "".join(chars)


def _sentence_starts(masked: str, text: str, segments: list[tuple[int, int]]) -> list[int]:
    """Sentence starts outside quotes: after paragraph breaks, ``. X`` and ``."  X``."""
    starts = {0}
    for match in re.finditer(r"\n+\s*", masked):
        starts.add(match.end())
    for match in _SENTENCE_END_RE.finditer(masked):
        if _ends_with_abbreviation(masked, match.start()):
            continue
        nxt = _first_visible(masked, match.end())
        if nxt < len(masked) and (masked[nxt].isupper() or masked[nxt] in "Q\"“'‘("):
            starts.add(nxt)
    for start, end in segments:
        inner_end = text[start + 1 : end - 1].rstrip()
        if not inner_end.endswith((".", "!", "?", "…")):
            continue
        nxt = _first_visible(text, end)
        opens = nxt < len(text) and nxt == end + 1 and (text[nxt].isupper() or text[nxt] in ALL_MARKS)
        if opens and not _TRAILING_CUE_RE.match(text, nxt):
            starts.add(nxt)
    return sorted(s for s in starts if s < len(masked))


def _ends_with_abbreviation(masked: str, dot: int) -> bool:
    word_start = dot
    while word_start > 0 and not masked[word_start - 1].isspace():
        word_start -= 1
    word = masked[word_start:dot].lower()
    return word in ABBREVIATIONS or (len(word) == 1 and word.isalpha())
