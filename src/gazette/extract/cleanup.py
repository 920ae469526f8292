"""Noise rules applied to the text blocks trafilatura keeps.

trafilatura finds the article body well, but lets through page furniture that
sits *inside* the body: share counters, "Read more:" promo lines, newsletter
and cookie boxes, the headline or standfirst repeated at the top, bylines,
pull-quotes that repeat a paragraph, photo captions glued to the next
paragraph, paywall teasers, a section label over the headline, a truncated
teaser that repeats a paragraph, arrow-led links to other stories, and the
wire furniture around an agency story (a "PARIS (Reuters) - " dateline, a
"Reporting by ...; editing by ..." credit). Each rule is a small predicate over one block
(or over the blocks around it), so a rule can be tested and reasoned about on
its own. Rules only drop or relabel short blocks: a long paragraph is never
removed because it merely mentions a newsletter.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

BlockKind = Literal["p", "h", "li", "quote", "caption"]

SHORT = 220
"""Blocks longer than this (characters) are prose, never furniture."""

SHARE_COUNT = re.compile(
    r"^[\s\d.,]*\d[\d.,]*\s*[kKmM]?\+?\s*"
    r"(?:shares?|comments?|likes?|views?|reads?|tweets?|kommentare?|teilen|geteilt|partages?|"
    r"commentaires?|reactions?|responses?|antworten)\s*$",
    re.IGNORECASE,
)
SHARE_WORDS = re.compile(
    r"^(?:share|share this( article| story| post)?|share on \w+|tweet|pin it|email|print|"
    r"teilen|drucken|partager|imprimer|compartir|condividi|whatsapp|facebook|twitter|linkedin|"
    r"(?:share|teilen|partager|compartir|condividi)\s*(?:on|auf|sur|en|su)?\s*"
    r"(?:facebook|twitter|linkedin|whatsapp|x)|"
    r"[\s|·•/]*(?:facebook|twitter|linkedin|whatsapp|pinterest|reddit|e-?mail|x)[\s|·•/]*)+[.:!]?$",
    re.IGNORECASE,
)
PROMO_PREFIX = re.compile(
    r"^\s*(?:read more|read also|also read|read next|read the full story|more on this( story)?|"
    r"related( stories| articles| coverage| content| reading)?|see also|recommended( reading)?|"
    r"don'?t miss|watch|listen|most read|trending|more from|up next|further reading|"
    r"lesen sie (?:auch|mehr|hier)|mehr zum thema|auch interessant|weiterlesen|"
    r"zum weiterlesen|weitere (?:artikel|beiträge|themen|infos|\w+tipps)|auch auf|top-themen|"
    r"(?:das )?(?:thema )?könnte (?:dich|sie) auch interessieren|lust auf mehr|kommentierte artikel|"
    r"keine kommentare|no comments|kategorie|category|categories|tags|schlagworte|schlagwörter|"
    r"letzte änderung|anzeige|advertisement|sponsored|you (?:may|might) also like|more stories|more news|"
    r"related posts|popular posts|lire aussi|à lire aussi|voir aussi|sur le même sujet|"
    r"vea también|ver también|mira también|lee también|leer más|contenido relacionado|"
    r"(?:también )?(?:le|te) puede interesar|s[ií]guenos|leggi anche|czytaj (?:też|także)|"
    r"puedes ver|mire|quellenangaben|beiträge aus dem forum|"
    r"click here to|tap here to|go deeper|keep reading|continue reading)\s*(?:[:»>|·•–—-]|\.\.\.|…|$)",
    re.IGNORECASE,
)
NEWSLETTER_CALL = re.compile(
    r"^\W*(?:sign up|subscribe|get|join|enter your|don'?t miss|never miss|stay (?:informed|up to date)|"
    r"newsletter|abonnieren|jetzt anmelden|melden sie sich|inscrivez-vous|abonnez-vous|"
    r"suscr[ií]bete|iscriviti)",
    re.IGNORECASE,
)
NEWSLETTER_TOPIC = re.compile(r"newsletter|inbox|e-?mail|updates|abonn|alerts|bulletin", re.IGNORECASE)
NEWSLETTER_ANYWHERE = re.compile(
    r"in your inbox|enter your e-?mail|sign up for (?:our|the) \w+ ?newsletter|"
    r"follow us on|folgen sie uns|s[ií]guenos en|"
    r"download (?:the|our) [\w ]{0,30}apps?\b|sign up here|hier anmelden|inscr[ií]bete aquí|"
    r"o suscribirse aquí",
)
COOKIE = re.compile(
    r"(?:\bcookies?\b.{0,80}\b(?:use|uses|using|accept|consent|policy|settings|verwenden|nutzen|akzeptieren|utilise)|"
    r"\b(?:we|this (?:site|website)|wir|diese (?:website|seite)|nous)\b.{0,60}\bcookies?\b|"
    r"accept (?:all )?cookies|cookie-?einstellungen|datenschutzeinstellungen|privacy settings|"
    r"manage consent)",
    re.IGNORECASE,
)
COOKIE_WORDS = ("cookie", "einstellungen", "privacy settings", "consent")
"""Every COOKIE match contains one of these: a cheap test before the regex."""
PAYWALL = re.compile(
    r"(?:subscribe (?:now )?to (?:continue|keep) reading|to continue reading|already a subscriber|"
    r"this (?:article|story|content) is (?:only )?(?:available )?(?:for|to) (?:subscribers|members)|"
    r"subscribers only|become a (?:subscriber|member) to|log ?in to (?:read|continue)|"
    r"unlock (?:this|full) (?:article|story)|register to read|"
    r"weiterlesen mit|jetzt weiterlesen|dieser artikel ist (?:nur )?für abonnenten|"
    r"réservé aux abonnés|la suite est réservée|pour accéder en illimité|abonnez-vous|"
    r"for the full story|to read the full (?:story|article)|cancela cuando quieras|jetzt abonnieren|"
    r"pour lire la suite)",
)
BYLINE = re.compile(
    r"^(?:by|written by|words by|von|par|por|di|door|av)\s*:?\s+"
    r"[\w'’.-]+(?:\s+[\w'’.-]+){0,4}"
    r"(?:\s*(?:,|and|&|und|et|y|e)\s*[\w'’.-]+(?:\s+[\w'’.-]+){0,4})*"
    r"(?:\s*[,|–—-]\s*[\w\s'’.-]{0,60})?$",
    re.IGNORECASE,
)
STAFF_ROLE = re.compile(
    r"^[A-Z][\w'’.-]+(?:\s+[A-Z][\w'’.-]+){0,3}\s*[,|–—-]\s*"
    r"(?:(?:senior|chief|staff|political|special|foreign|deputy|associate|contributing|guest)\s+)*"
    r"(?:staff writer|writer|reporter|correspondent|editor|columnist|contributor|journalist|"
    r"redakteur(?:in)?|korrespondent(?:in)?|autor(?:in)?)\b.{0,60}$",
    re.IGNORECASE,
)
CREDIT = re.compile(
    r"^\(?(?:photo|image|picture|foto|bild|video|illustration|credit|source|quelle|beitragsbild|titelbild|"
    r"titelfoto|bildquelle|bildnachweis|crédits? photos?|cr[ée]dito)s?\s*(?:credit)?\s*[:©]"
    r"|^(?:\w{2,5}/)+(?:pap|dpa|afp|apa|kna|epd|sda|ots|reuters|ap)$"
    r"|(?:/|\|)\s*(?:getty images|reuters|afp|ap|dpa|epa|shutterstock|alamy|picture alliance)\W*$"
    r"|^©"
    r"|^(?:afp|ap|dpa|epa|reuters|getty images|imago|picture alliance)\s*/\s*[\w .-]+$",
    re.IGNORECASE,
)


NOTICE = re.compile(
    r"^(?:\d+\s*(?:min(?:ute)?s?\.?|minuten)\s*(?:read|lesezeit|de lecture|de lectura)\b|"
    r"(?:lesezeit|reading time|temps de lecture|tiempo de lectura)\s*:?\s*\d)|"
    r"ten tekst przeczytasz|"
    r"(?:sie sind (?:aktuell |derzeit )?nicht (?:eingeloggt|angemeldet)|du musst eingeloggt sein|"
    r"you must be logged in|vous devez être connecté)|"
    r"all rights reserved|alle rechte vorbehalten|tous droits réservés|todos los derechos reservados|"
    r"chroniony prawem autorskim|"
    r"consider supporting (?:our|us)|support our (?:work|journalism)|help us continue|"
    r"unterstützen sie unsere arbeit|wesprzyj nas|"
    r"letter to the editor|leserbrief schreiben|"
    r"(?:um|to) (?:den inhalt|the content) (?:von [\w.-]+ )?(?:zu laden|load)|"
    r"this (?:post|article|page) (?:contains|may contain) (?:affiliate links|references to products)|"
    r"we may (?:receive|earn) (?:a )?(?:compensation|commission)|"
    r"^please wait\W*$|temporarily unavailable|please try again later|"
    r"(?:unless otherwise (?:noted|stated|indicated)|sofern nicht anders (?:angegeben|ausgewiesen|vermerkt)|"
    r"sauf mention contraire),? .{0,80}(?:cc[- ]by|creative commons|licen[cs]|lizenz)|"
    r"^(?:showing|zeige|es werden(?: die)?[\w ]{0,20}) \d+ ?(?:-|–|to|bis) ?\d+ "
    r"(?:of|von) (?:insgesamt )?\d+",
)
"""Reading-time, log-in, copyright, licence, support-us, embed-consent, affiliate, widget-status and
pagination notices.

This one, ``PAYWALL`` and ``NEWSLETTER_ANYWHERE`` search anywhere in a block: they are written in
lower case and run on the lower-cased text, three to five times faster than with ``re.IGNORECASE``.
"""
ARROW_PROMO = re.compile(r"^\s*(?:>>(?!>)|►|▶|→)\s*\S")
"""A short line opened by an arrow: a link to another story set between paragraphs.

Not ``>>>`` (a Python prompt in a code sample) nor ``»`` (German quotes open with it).
"""
WIRE_CREDIT = re.compile(
    r"^\(?(?:additional )?(?:reporting|writing|editing|compiled|graphics?)(?: by)?\b[^;]{0,80}"
    r"(?:;\s*(?:additional )?(?:reporting|writing|editing)(?: by)?\b[^;]{0,80})+\)?\.?$"
    r"|^\((?:reporting|editing|writing) by\b.{0,150}\)$",
    re.IGNORECASE,
)
"""A news agency's credit line: "Reporting by A; editing by B", or the same in parentheses."""
WIRE_DATELINE = re.compile(
    r"^(?:[A-Z][A-Z.'’ -]{1,40}(?:,\s*[A-Z][\w.]*(?:\s[A-Z][\w.]*){0,2})?,?\s*"
    r"(?:(?:[A-Z][a-z]{2,8}|[A-Z]{3,4})\.?\s+\d{1,2},?\s*)?"
    r"|(?:[A-Z][a-z]{2,8}|[A-Z]{3,4})\.?\s+\d{1,2},?\s*)"
    r"\([A-Z][\w&.’' -]{0,40}\)\s*[—–-]{1,2}\s+(?=\S)"
)
"""A wire dateline opening the first paragraph: a place or a date in capitals, the agency in
parentheses and a dash ("PARIS (Reuters) - ", "NOV. 25 (AP) — ")."""
NEWS_TIP = re.compile(
    r"^(?:have|got) a (?:news )?tip\b|^send (?:us )?(?:your |a )?(?:news )?tips?\b",
    re.IGNORECASE,
)
"""An invitation to send the newsroom a tip."""
KICKER_WORDS = 3
"""A section label over the headline ("Business", "World news") has at most this many words."""
PROMO_HEADING = re.compile(
    r"^\s*(?:empfohlene (?:beiträge|artikel)|weitere (?:informationen|artikel|beiträge|meldungen)|"
    r"mehr (?:zum thema|zu diesem thema|informationen|dazu|artikel)|vorschau auf|das könnte|"
    r"more (?:on|about|from|stories|articles)|related|recommended|further reading|"
    r"lire aussi|à lire|sur le même sujet|más (?:noticias|información)|te puede interesar)\b",
    re.IGNORECASE,
)
"""A short heading that opens a box of links to other articles."""
AUTHOR_HEADING = re.compile(
    r"^\s*(?:about the author|über (?:den autor|die autorin)|zum autor|zur autorin|die autorin|der autor|"
    r"à propos de l'auteur|sobre el autor|sobre la autora)s?\s*:?\s*$",
    re.IGNORECASE,
)
"""A heading over the author's biography."""
DATE_LINE = re.compile(
    r"^(?:(?:letzte änderung|zuletzt (?:aktualisiert|geändert)|last (?:updated|modified)|"
    r"aktualisiert(?: am)?|veröffentlicht(?: am)?|published(?: on)?|updated(?: on)?|posted(?: on)?|stand|"
    r"erstellt(?: am)?)\s*:?\s*)?"
    r"(?:\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}|"
    r"\d{1,2}\.?\s+[^\W\d]{3,10}\.?\s+\d{4}|[^\W\d]{3,10}\.?\s+\d{1,2},?\s+\d{4})\b"
    r"(?:,?\s*(?:at\s+)?\d{1,2}[:.]\d{2}(?:\s*(?:(?:uhr|am|pm|h)\b|[ap]\.m\.))?)?"
    r"(?:\s*[|•·–—-]\s*[^.!?|]{0,25}|(?:\s*[|•·]\s*[^.!?|•·]{0,40}){2,3})?\.?$",
    re.IGNORECASE,
)
"""A line that is only a date: a label may precede it, a time follow it, then a short category or a few
"|"-separated post details ("January 13, 2020 at 08:45 AM | categories: Python | View Comments")."""
COMMENT_COUNT = re.compile(
    r"^(?:kommentare|comments|commentaires|comentarios)(?: insgesamt)?\s*:?\s*\(?\d+\)?$|"
    r"^(?:keine kommentare|no comments|aucun commentaire|sin comentarios)\b",
    re.IGNORECASE,
)


DOUBLE_QUOTES = re.compile("[“”„‟«»″]")
SINGLE_QUOTES = re.compile("[‘’‚‛‹›′`´]")
"""Typographic quotes fold to ASCII ones: a headline in ``<title>`` often has straight quotes."""


@dataclass(slots=True, frozen=True)
class Block:
    """One unit of the article body: a paragraph, heading, list item, quote or caption."""

    kind: BlockKind
    text: str


@dataclass(slots=True)
class Context:
    """What the rules know about the page besides the blocks."""

    title: str | None = None
    author: str | None = None
    description: str | None = None
    captions: frozenset[str] = frozenset()


@dataclass(slots=True)
class Cleaned:
    blocks: list[Block]
    partial: bool


@lru_cache(maxsize=4096)
def normalized(text: str) -> str:
    """NFKC, casefolded, whitespace collapsed, outer punctuation stripped: the key for comparisons.

    Cached: every rule compares the same blocks, and this is most of their cost.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    if not folded.isascii():
        folded = SINGLE_QUOTES.sub("'", DOUBLE_QUOTES.sub('"', folded))
    return " ".join(folded.split()).strip(" \"'“”‘’«».:;,-–—|")


def is_share_line(text: str) -> bool:
    return len(text) <= SHORT and bool(SHARE_COUNT.match(text) or SHARE_WORDS.match(text))


def is_promo_line(text: str) -> bool:
    return len(text) <= SHORT and bool(PROMO_PREFIX.match(text) or ARROW_PROMO.match(text))


def is_newsletter_box(text: str) -> bool:
    if len(text) > SHORT:
        return False
    call = NEWSLETTER_CALL.match(text) and NEWSLETTER_TOPIC.search(text)
    return bool(call or NEWSLETTER_ANYWHERE.search(text.lower()))


def is_cookie_box(text: str) -> bool:
    if len(text) > 2 * SHORT:
        return False
    folded = text.casefold()
    return any(word in folded for word in COOKIE_WORDS) and bool(COOKIE.search(text))


def is_paywall_teaser(text: str) -> bool:
    return len(text) <= SHORT and bool(PAYWALL.search(text.lower()))


def is_byline(text: str, author: str | None) -> bool:
    """A short line naming the author: "By Jane Doe", "Jane Doe, Staff writer", or the author alone."""
    if len(text) > 120:
        return False
    if author and normalized(text) in {normalized(author), normalized("by " + author)}:
        return True
    return bool((BYLINE.match(text) and not text.endswith((".", "!", "?"))) or STAFF_ROLE.match(text))


def is_notice(block: Block) -> bool:
    """Short site notices, date-only lines and comment counters; a list item may be a dated timeline entry."""
    text = block.text
    if len(text) > SHORT:
        return False
    date_line = block.kind != "li" and DATE_LINE.match(text)
    return bool(NOTICE.search(text.lower()) or date_line or COMMENT_COUNT.match(text) or NEWS_TIP.match(text))


def is_furniture(block: Block) -> bool:
    """Share counters, promo lines, newsletter and cookie boxes, notices: never article text."""
    text = block.text
    return (
        is_share_line(text)
        or is_promo_line(text)
        or is_newsletter_box(text)
        or is_cookie_box(text)
        or is_notice(block)
    )


def drop_promo_lists(blocks: list[Block]) -> list[Block]:
    """A "Read more:" / "Mehr zum Thema" label heads a list of links: drop the list with it.

    A promo heading ("Empfohlene Beiträge", "More on this") goes too, and an
    "About the author" heading goes with the biography under it (up to the next heading).
    """
    kept: list[Block] = []
    dropping = False
    in_biography = False
    for block in blocks:
        if block.kind == "h":
            in_biography = len(block.text) <= 40 and bool(AUTHOR_HEADING.match(block.text))
        if in_biography or (dropping and block.kind == "li"):
            continue
        dropping = len(block.text) <= 80 and bool(PROMO_PREFIX.match(block.text))
        if block.kind == "h" and len(block.text) <= 80 and PROMO_HEADING.match(block.text):
            dropping = True
            continue
        kept.append(block)
    return kept


def drop_credits(blocks: list[Block]) -> list[Block]:
    """Photo credits alone on a line ("AFP / John Doe", "Foto: dpa") carry no article text."""
    return [
        b for b in blocks if not (len(b.text) <= 80 and CREDIT.search(b.text)) and not is_wire_credit(b.text)
    ]


def is_wire_credit(text: str) -> bool:
    """A ";"-joined credit list or a credit in parentheses; "Reporting by the team showed ..." is prose."""
    return len(text) <= SHORT and bool(WIRE_CREDIT.match(text))


def drop_leading_repeats(blocks: list[Block], context: Context) -> list[Block]:
    """Remove the headline, bylines and a repeated standfirst (or heading) from the top of the body."""
    title = normalized(context.title) if context.title else None
    description = normalized(context.description) if context.description else None
    seen: set[str] = set()
    kept: list[Block] = []
    for index, block in enumerate(blocks):
        key = normalized(block.text)
        at_top = index < 6 and len(kept) < 4
        repeated = key in seen and (key == description or block.kind == "h")
        if at_top and (key == title or repeated or is_byline(block.text, context.author)):
            continue
        if at_top:
            seen.add(key)
        kept.append(block)
    return kept


def drop_kicker(blocks: list[Block], context: Context) -> list[Block]:
    """Drop a section label ("Business") that sits right above the headline at the top of the body."""
    if not context.title or len(blocks) < 2:
        return blocks
    title = normalized(context.title)
    for index in range(min(len(blocks) - 1, 3)):
        label = blocks[index].text
        if normalized(blocks[index + 1].text) == title and is_kicker(label):
            return blocks[:index] + blocks[index + 1 :]
    return blocks


def is_kicker(text: str) -> bool:
    """A label of a few words, not a sentence."""
    words = text.split()
    return 0 < len(words) <= KICKER_WORDS and len(text) <= 40 and not text.endswith((".", "!", "?", ":"))


def drop_truncated_repeats(blocks: list[Block]) -> list[Block]:
    """A teaser cut off with an ellipsis whose text opens another block repeats that block: drop it."""
    kept: list[Block] = []
    for block in blocks:
        stem = truncated_stem(block.text)
        if stem and any(other is not block and normalized(other.text).startswith(stem) for other in blocks):
            continue
        kept.append(block)
    return kept


def truncated_stem(text: str) -> str | None:
    """The normalized text before a trailing "…" or "...", when the block ends that way and is long enough."""
    stripped = text.rstrip()
    for mark in ("…", "..."):
        if stripped.endswith(mark):
            stem = normalized(stripped[: -len(mark)])
            return stem if len(stem) >= 40 else None
    return None


def without_dateline(blocks: list[Block]) -> list[Block]:
    """Remove a wire dateline ("LONDON (Reuters) - ") from the start of the first paragraph."""
    for index, block in enumerate(blocks):
        if block.kind != "p":
            continue
        match = WIRE_DATELINE.match(block.text)
        if match is None:
            return blocks
        return [*blocks[:index], Block(block.kind, block.text[match.end() :]), *blocks[index + 1 :]]
    return blocks


def drop_repeated_quotes(blocks: list[Block]) -> list[Block]:
    """Pull-quotes repeat a sentence of the body: drop a quote whose text is in a paragraph."""
    paragraphs = [normalized(b.text) for b in blocks if b.kind != "quote"]
    kept: list[Block] = []
    for block in blocks:
        key = normalized(block.text)
        if block.kind == "quote" and len(key) > 20 and any(key in p and key != p for p in paragraphs):
            continue
        kept.append(block)
    return kept


def drop_duplicates(blocks: list[Block]) -> list[Block]:
    """A caption or a very short line seen before (a repeated label or promo) is kept only once."""
    seen: set[str] = set()
    kept: list[Block] = []
    for block in blocks:
        key = normalized(block.text)
        if not key or (key in seen and (block.kind == "caption" or len(key) < 40)):
            continue
        seen.add(key)
        kept.append(block)
    return kept


def split_captions(blocks: list[Block], captions: frozenset[str]) -> list[Block]:
    """Label caption blocks, and split a caption glued to the start of a paragraph."""
    if not captions:
        return [Block("caption", b.text) if _is_credit(b.text) else b for b in blocks]
    result: list[Block] = []
    for block in blocks:
        key = normalized(block.text)
        if key in captions or _is_credit(block.text):
            result.append(Block("caption", block.text))
            continue
        glued = _glued_caption(block.text, captions)
        if glued is None:
            result.append(block)
            continue
        result.extend([Block("caption", glued[0]), Block(block.kind, glued[1])])
    return result


def _is_credit(text: str) -> bool:
    return len(text) <= SHORT // 2 and bool(CREDIT.search(text))


def _glued_caption(text: str, captions: frozenset[str]) -> tuple[str, str] | None:
    head = normalized(text[:40])
    for caption in captions:
        if len(caption) < 12 or not head.startswith(caption[:8]):
            continue
        if not normalized(text[: len(caption) + 8]).startswith(caption):
            continue
        cut = _prefix_length(text, caption)
        if cut is not None and text[cut:].strip():
            return text[:cut].strip(), text[cut:].strip()
    return None


def _prefix_length(text: str, caption: str) -> int | None:
    """Index in ``text`` where the normalized ``caption`` prefix ends (trailing punctuation included)."""
    for end in range(min(len(text), len(caption) + 16), len(caption) - 3, -1):
        if normalized(text[:end]) == caption:
            return end
    return None


def clean_blocks(blocks: list[Block], context: Context) -> Cleaned:
    """Apply every rule; report whether a paywall teaser was found (and removed)."""
    teasers = {b.text for b in blocks if is_paywall_teaser(b.text)}
    kept = drop_credits(drop_promo_lists(blocks))
    kept = [b for b in kept if b.text not in teasers and not is_furniture(b)]
    kept = drop_leading_repeats(drop_kicker(kept, context), context)
    kept = without_dateline(drop_truncated_repeats(kept))
    kept = drop_repeated_quotes(kept)
    kept = split_captions(kept, context.captions)
    kept = drop_duplicates(kept)
    return Cleaned(blocks=kept, partial=bool(teasers))
