"""Import a page that a scraper already flattened to text (or saved as HTML).

Aggregator pages arrive as one line per block: the article's title, standfirst
and paragraphs, mixed with scrape artifacts (lone numbers, "Advertisement",
share labels, image credits), promo headlines of other stories spliced between
paragraphs, the aggregator's own chrome (AI feature blurbs, comment widgets,
login prompts, footers) and, at the tail, blocks of related articles each with
a source and a relative time ("16 minutes ago").

The rules here look at the shape of a line (length, punctuation, case, the
words it is made of, where it sits) rather than at one site's strings, so that
pages from aggregators never seen before come out clean too. Every line that is
dropped as noise is reported in ``removed``, once per occurrence, in page order.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

__all__ = [
    "ArticleBlock",
    "ImportedArticle",
    "ImportedPage",
    "RelatedArticle",
    "import_page",
    "import_page_command",
]


@dataclass(slots=True)
class ArticleBlock:
    """One paragraph of the article body, or one of its crossheads."""

    text: str
    heading: bool = False


@dataclass(slots=True)
class ImportedArticle:
    title: str | None = None
    standfirst: str | None = None
    blocks: list[ArticleBlock] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The body: paragraphs and crossheads in page order, separated by blank lines."""
        return "\n\n".join(block.text for block in self.blocks)

    @property
    def headings(self) -> list[str]:
        return [block.text for block in self.blocks if block.heading]

    @property
    def paragraphs(self) -> list[str]:
        return [block.text for block in self.blocks if not block.heading]


@dataclass(slots=True)
class RelatedArticle:
    source: str | None = None
    published: datetime | None = None
    title: str | None = None
    text: str | None = None


@dataclass(slots=True)
class ImportedPage:
    article: ImportedArticle
    related: list[RelatedArticle] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The ``import-page --json`` record: every field present, ``null`` when unknown."""
        return {
            "article": {
                "title": self.article.title,
                "standfirst": self.article.standfirst,
                "text": self.article.text or None,
                "headings": self.article.headings,
            },
            "related": [
                {
                    "source": item.source,
                    "published": rfc3339_utc(item.published),
                    "title": item.title,
                    "text": item.text,
                }
                for item in self.related
            ],
            "removed": list(self.removed),
        }


def rfc3339_utc(moment: datetime | None) -> str | None:
    """``2026-11-25T14:03:00Z`` for an aware datetime (naive ones are taken as UTC)."""
    if moment is None:
        return None
    return _as_utc(moment).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


# --------------------------------------------------------------------------- lines


class _Kind:
    PLAIN = "plain"
    TITLE = "title"
    HEADING = "heading"
    STANDFIRST = "standfirst"
    CHROME = "chrome"


@dataclass(slots=True)
class _Line:
    text: str
    kind: str = _Kind.PLAIN


_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"


def _clean(text: str) -> str:
    return text.strip().strip(_INVISIBLE).strip()


def _text_lines(content: str) -> list[_Line]:
    lines = (_clean(raw) for raw in content.splitlines())
    return [_Line(text) for text in lines if text]


# --------------------------------------------------------------------------- HTML

_HTML_SNIFF = re.compile(r"^\s*(<!doctype\s+html|<html\b|<head\b|<body\b|<\?xml\b|<!--)", re.IGNORECASE)
_HTML_TAG = re.compile(r"</?(p|div|br|h[1-6]|article|section|span|a|li|ul|main|header|footer)\b[^>]*>", re.I)

_SKIPPED_TAGS = frozenset(
    {
        "head", "script", "style", "noscript", "template", "svg", "math", "iframe", "object",
        "embed", "canvas", "video", "audio", "picture", "img", "input", "select", "option",
        "textarea", "button", "form",
    }
)  # fmt: skip
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "dd", "details", "dialog", "div",
        "dl", "dt", "fieldset", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5",
        "h6", "header", "hr", "html", "li", "main", "nav", "ol", "p", "pre", "section",
        "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
_CHROME_TAGS = frozenset({"nav", "footer", "figcaption", "menu"})
_CONTENT_TAGS = frozenset({"html", "body", "main", "article"})
_CHROME_ROLES = frozenset({"navigation", "contentinfo", "banner", "search", "dialog", "alertdialog"})
_CHROME_CLASS = re.compile(
    r"(^|[\s_-])(nav|navbar|navigation|menu|breadcrumbs?|footer|cookies?|consent|share|sharing|"
    r"social|newsletter|signup|subscribe|advert|advertisement|ads?|ad-slot|sponsored|paywall|"
    r"login|caption|credit)($|[\s_-])",
    re.IGNORECASE,
)
_STANDFIRST_CLASS = re.compile(
    r"(^|[\s_-])(standfirst|dek|deck|subtitle|sub-title|subhead|subheadline|strapline|strap|"
    r"lede|lead|intro|summary|excerpt|description)($|[\s_-])",
    re.IGNORECASE,
)


def looks_like_html(content: str) -> bool:
    """True when the text is markup rather than a page already flattened to lines."""
    head = content[:5000]
    return bool(_HTML_SNIFF.match(head)) or len(_HTML_TAG.findall(head)) >= 3


def _html_lines(content: str) -> list[_Line]:
    """Flatten HTML to one line per block element, keeping hints about what each line was."""
    from lxml import etree
    from lxml import html as lxml_html

    markup = re.sub(r"^\s*<\?xml[^>]*\?>", "", content)
    if not markup.strip():
        return []
    try:
        root = lxml_html.document_fromstring(markup)
    except (etree.ParserError, ValueError):
        return _text_lines(content)
    flattener = _Flattener()
    flattener.walk(root, _Kind.PLAIN)
    flattener.flush(_Kind.PLAIN)
    lines = flattener.lines
    if not any(line.kind == _Kind.TITLE for line in lines):
        page_title = _clean(" ".join(root.xpath("string(//head/title)").split()))
        if page_title:
            lines = _mark_page_title(lines, page_title)
    return lines


def _mark_page_title(lines: list[_Line], page_title: str) -> list[_Line]:
    """Without an ``<h1>``, the ``<title>`` (minus a `` - Site`` suffix) marks the title line."""
    for line in lines:
        if line.text == page_title or page_title.startswith(line.text + " "):
            line.kind = _Kind.TITLE
            break
    return lines


class _Flattener:
    def __init__(self) -> None:
        self.lines: list[_Line] = []
        self._buffer: list[str] = []

    def flush(self, kind: str) -> None:
        text = _clean(" ".join("".join(self._buffer).split()))
        self._buffer.clear()
        if text:
            self.lines.append(_Line(text, kind))

    def walk(self, element: Any, parent_kind: str) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else None
        if tag is None or tag in _SKIPPED_TAGS:
            self._buffer.append(element.tail or "")
            return
        if tag == "br":
            self.flush(parent_kind)
            self._buffer.append(element.tail or "")
            return
        kind = _element_kind(element, tag, parent_kind)
        block = tag in _BLOCK_TAGS
        if block:
            self.flush(parent_kind)
        self._buffer.append(element.text or "")
        for child in element:
            self.walk(child, kind)
        if block:
            self.flush(kind)
        self._buffer.append(element.tail or "")


def _element_kind(element: Any, tag: str, parent_kind: str) -> str:
    if parent_kind == _Kind.CHROME or _is_chrome_element(element, tag):
        return _Kind.CHROME
    if tag == "h1":
        return _Kind.TITLE
    if tag in {"h2", "h3"} and parent_kind != _Kind.STANDFIRST and not element.xpath("ancestor::a"):
        return _Kind.HEADING
    if tag in {"p", "div", "h2", "h3", "header"} and _is_standfirst_element(element):
        return _Kind.STANDFIRST
    if parent_kind in {_Kind.TITLE, _Kind.HEADING, _Kind.STANDFIRST}:
        return parent_kind
    return _Kind.PLAIN


def _is_standfirst_element(element: Any) -> bool:
    """A short, leaf-level block whose class names it the standfirst ("dek", "strapline")."""
    if not _STANDFIRST_CLASS.search(_class_and_id(element)) or element.xpath(".//p|.//div|.//h1"):
        return False
    return _word_count(element.text_content()) <= 80


def _is_chrome_element(element: Any, tag: str) -> bool:
    if tag in _CONTENT_TAGS:
        return False
    if tag in _CHROME_TAGS:
        return True
    if (element.get("role") or "").lower() in _CHROME_ROLES:
        return True
    if element.get("aria-hidden") == "true" or element.get("hidden") is not None:
        return True
    return bool(_CHROME_CLASS.search(_class_and_id(element)))


def _class_and_id(element: Any) -> str:
    return f"{element.get('class') or ''} {element.get('id') or ''}"


# --------------------------------------------------------------------------- line shapes

_WORD = re.compile(r"[^\W\d_][\w'’.-]*|\d[\w.,:%-]*", re.UNICODE)
_CLOSERS = "\"'”’»)]*"
_TERMINAL = (".", "!", "?", "…")
_SENTENCE_BREAK = re.compile(r"[.!?…][\"'”’)]*\s+[\"'“‘(]*[A-Z0-9]")
_FUNCTION_WORDS = frozenset(
    {
        "the", "a", "an", "is", "are", "was", "were", "be", "been", "being", "has", "have",
        "had", "do", "does", "did", "will", "would", "could", "should", "may", "might", "must",
        "shall", "he", "she", "they", "we", "i", "you", "it", "his", "her", "their", "our",
        "my", "your", "its", "this", "that", "these", "those", "who", "which", "there", "them",
        "him", "us",
    }
)  # fmt: skip
_MINOR_WORDS = frozenset(
    {"a", "an", "the", "and", "or", "but", "of", "in", "on", "at", "to", "for", "by", "with", "as", "from"}
)


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _word_count(text: str) -> int:
    return len(_words(text))


def _bare_end(text: str) -> str:
    """The text without closing quotes and brackets, so its real last character shows."""
    return text.rstrip(_CLOSERS + " ")


def _ends_sentence(text: str) -> bool:
    return _bare_end(text).endswith(_TERMINAL)


def _ends_with_punctuation(text: str) -> bool:
    return _bare_end(text).endswith((*_TERMINAL, ",", ";", ":"))


def _starts_lowercase(text: str) -> bool:
    first = next((char for char in text if char.isalnum()), "")
    return first.islower()


def _is_all_caps(text: str) -> bool:
    letters = [char for char in text if char.isalpha()]
    if len(letters) < 3:
        return False
    return sum(char.isupper() for char in letters) >= 0.8 * len(letters)


def _is_title_case(text: str) -> bool:
    """Most content words capitalised, as in "Putin Visits Kursk For First Time"."""
    content = [word for word in _words(text) if word[0].isalpha() and word.lower() not in _MINOR_WORDS]
    if len(content) < 3:
        return False
    return sum(word[0].isupper() for word in content) >= 0.8 * len(content)


def _is_headlinese(text: str) -> bool:
    """Headline grammar: almost no articles, auxiliaries or pronouns ("Putin visits Kursk for first time")."""
    words = [word.lower() for word in _words(text)]
    if not words:
        return False
    function_words = sum(word in _FUNCTION_WORDS for word in words)
    return function_words <= 1 and function_words <= 0.1 * len(words)


def _is_prose(text: str) -> bool:
    """A paragraph of running text rather than a label, heading or headline."""
    count = _word_count(text)
    if _ends_sentence(text):
        return count >= 4
    return count >= 12 and not _is_headlinese(text)


def _is_body_prose(text: str) -> bool:
    """A line that can only be running text (standfirst or paragraph), never the title."""
    if _word_count(text) < 8:
        return False
    return _bare_end(text).endswith((".", "!", "…")) or bool(_SENTENCE_BREAK.search(text))


# --------------------------------------------------------------------------- noise

_LABELS = frozenset(
    {
        "advertisement", "advertisements", "advert", "ad", "ads", "sponsored", "promoted",
        "paid content", "partner content", "sponsored content", "story continues below",
        "story continues below advertisement", "continue reading below",
        "skip to content", "skip to main content", "skip to navigation", "skip to footer",
        "jump to content", "back to top", "top", "menu", "search", "close", "home",
        "share", "shares", "share this", "share this article", "share article", "share story",
        "share this story", "share now", "share via", "tweet", "email", "e-mail", "print",
        "copy link", "link copied", "copy url", "facebook", "twitter", "x", "whatsapp",
        "linkedin", "pinterest", "reddit", "telegram", "instagram", "youtube", "tiktok",
        "flipboard", "messenger", "threads", "bluesky", "mastodon", "save", "save article",
        "saved", "bookmark", "gift article", "gift this article", "listen",
        "listen to this article", "play", "pause", "watch", "follow", "follow us", "subscribe",
        "subscribe now", "log in", "login", "sign in", "sign up", "register", "log out",
        "logout", "my account", "account", "loading", "read more", "read next",
        "read full article", "read the full story", "continue reading", "show more", "see more",
        "view more", "load more", "more", "show less", "expand", "collapse", "view comments",
        "show comments", "hide comments", "comment", "image", "photo", "photos", "picture",
        "pictures", "gallery", "video", "videos", "audio", "podcast", "graphic", "getty",
        "getty images", "ap photo", "shutterstock", "alamy", "previous", "next", "prev", "back",
        "breaking news", "live updates", "watch live", "listen live", "play video",
        "watch video", "open in app", "open app", "get the app", "download the app",
        "more options",
    }
)  # fmt: skip
_AGENCIES = frozenset({"reuters", "ap", "afp", "pa", "epa", "bloomberg", "dpa", "anadolu", "xinhua", "tass"})

_NOISE_PATTERNS = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"^[\W_]+$",  # lone punctuation, bullets, pipes, emoji
        r"^[\d\s.,:/|•·()+-]+$",  # lone numbers: counters, slide numbers, "1/5"
        r"^[\d.,]+\s*[km]?\s*(comments?|shares?|likes?|views?|reactions?|replies|reads?)$",
        r"^\d+\s*(min|mins|minutes?)\s*(read|listen|watch)$",
        r"^(advertisement|sponsored|promoted|ad)\b.{0,40}$",
        r"^(image|photo|picture|pic|credit|credits|illustration|photograph|video|source|"
        r"graphic|footage|caption)s?(\s+credit)?\s*[:|]\s*\S.{0,100}$",
        r"^[(\[]?(image|photo|picture|pic|credit|source)s?\s*[:|][^)\]]*[)\]]?$",
        r"^(read more|read next|more|also read|read also|see also|related|recommended|watch|"
        r"listen|more on this|read|don't miss|do not miss|must read|trending|up next)\s*[:|>»›]",
        r"\((image|photo|picture|pic|credit)s?\s*:[^)]*\)$",
        r"^(by|words by|written by|reporting by|edited by)\s+[^\s.!?][^.!?]{0,60}$",
        r"^(published|updated|posted|last updated|first published|modified)\b[^.!?]{0,60}$",
        r"^(©|\(c\)|copyright\b).{0,120}$",
        r"\ball rights reserved\b",
        r"^no comments( yet)?\b",
        r"^be the first to (comment|reply)",
        r"^(this article|this story|this content) (is|was)\b.{0,80}(ago|old|archive|sponsored)",
        r"^share (this|on|via|to|with)\b.{0,40}$",
        r"^powered by\b.{0,40}$",
    )
]
_CREDIT = re.compile(
    r"\b(getty images|shutterstock|alamy|ap photo|pa images|pa media|pa wire|epa-efe|afp via getty|"
    r"via reuters|reuters/|afp/|/afp|/ap\b|/reuters|/getty)",
    re.IGNORECASE,
)
_SITE_SPEAK = re.compile(
    r"\b(sign up|signup|subscribe|subscription|newsletter|log ?in|sign in|create (an?|your)( free)? account|"
    r"already (a subscriber|a member|have an account|registered)|cookies?|privacy (policy|notice)|"
    r"terms (of|and) (use|service|conditions)|download (our|the) app|follow us|share this|click here|"
    r"tap here|notifications|enable javascript|ad ?blocker|inbox|our (app|site|website)|"
    r"(top|latest) (stories|news|headlines)|\bAI\b|premium|free trial|unlimited access)\b",
    re.IGNORECASE,
)
_SITE_VERB = re.compile(
    r"^(please|sign|log|subscribe|register|create|download|follow|click|tap|join|get|enable|disable|"
    r"allow|accept|manage|turn|already)\b",
    re.IGNORECASE,
)
_FIRST_OR_SECOND_PERSON = re.compile(r"\b(you|your|our|us)\b", re.IGNORECASE)
_MONTH = (
    r"(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t|tember)?|"
    r"oct(ober)?|nov(ember)?|dec(ember)?)"
)
_DATELINE = re.compile(
    rf"^((mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?(\d{{1,2}}\s+{_MONTH}\.?|{_MONTH}\.?\s+\d{{1,2}}(st|nd|rd|th)?)"
    r",?\s+\d{4}\b[^.!?]{0,30}$",
    re.IGNORECASE,
)


def _is_noise(text: str) -> bool:
    """A scrape artifact or chrome line that is never part of an article or a related block."""
    lowered = " ".join(text.lower().split())
    if lowered.rstrip(":.!|»›>") in _LABELS:
        return True
    if any(pattern.search(text) for pattern in _NOISE_PATTERNS):
        return True
    if _DATELINE.match(text) or _relative_time(text) is not None:
        return True
    if _is_menu(text):
        return True
    words = _word_count(text)
    if words <= 8 and _CREDIT.search(text) and not _ends_sentence(text):
        return True
    return words <= 15 and _is_site_speak(text)


_MENU_SEPARATOR = re.compile(r"\s+[|•·>›»/]\s+|\s*[|•·›»]\s*")


def _is_menu(text: str) -> bool:
    """A navigation bar or breadcrumb flattened to one line: "Home | World | Business"."""
    items = [item for item in _MENU_SEPARATOR.split(text) if item.strip()]
    return len(items) >= 3 and all(_word_count(item) <= 3 for item in items)


def _is_site_speak(text: str) -> bool:
    """The site talking to its reader ("Sign up for our newsletter"), not the article talking."""
    if not _SITE_SPEAK.search(text):
        return False
    return not _ends_sentence(text) or bool(_FIRST_OR_SECOND_PERSON.search(text) or _SITE_VERB.match(text))


_SECTION_END = re.compile(
    r"^(related|more|similar|other|latest|recommended|popular|trending|top)\s+"
    r"(articles?|stories|news|reads?|coverage|content|posts|links|headlines|topics|on this( story| topic)?)\b"
    r"|^more from\b|^more (on|about)\b"
    r"|^comments?\b|^(view|show|read|load|see) (all )?comments\b"
    r"|^join the (conversation|discussion)\b"
    r"|^(leave|post|add|write) a (comment|reply)\b|^(discussion|conversation|responses|replies)$"
    r"|^you (may|might|could) (also )?(like|enjoy|be interested)\b|^recommended( for you)?$"
    r"|^most (read|popular|viewed|shared|commented)\b|^(editor'?s|editors'?) (picks?|choice)\b"
    r"|^(around|from around) the web\b|^further reading\b|^what to read next\b|^in other news\b"
    r"|^(try|explore|discover|meet|use|ask)\b.*\b(ai|features?|assistant)\b|^explore what\b"
    r"|^(about us|contact us|terms of (use|service)|privacy policy)$",
    re.IGNORECASE,
)


def _is_section_end(text: str) -> bool:
    """A heading of the page's furniture after the article: comments, related, AI features, footer."""
    return _word_count(text) <= 10 and not _ends_sentence(text) and bool(_SECTION_END.search(text))


_PROMO_LABEL = re.compile(
    r"^(read more|read next|also read|read also|see also|related|more|recommended|watch|listen|"
    r"don't miss|do not miss|must read|trending|up next|more on this( story)?|editor'?s pick)\s*[:|>»›]?$",
    re.IGNORECASE,
)


# --------------------------------------------------------------------------- relative times

_UNITS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
    "w": 604800, "wk": 604800, "wks": 604800, "week": 604800, "weeks": 604800,
    "mo": 2592000, "month": 2592000, "months": 2592000,
    "y": 31536000, "yr": 31536000, "yrs": 31536000, "year": 31536000, "years": 31536000,
}  # fmt: skip
_AGO = re.compile(
    r"\b(?P<n>\d+|an?|one)\s*(?P<unit>" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")\.?\s+ago\b",
    re.IGNORECASE,
)
_NOW = re.compile(r"\b(just now|moments? ago|a moment ago|right now|yesterday)\b", re.IGNORECASE)
_TIME_PREFIX = re.compile(r"^(updated|published|posted|last updated)\b\s*:?", re.IGNORECASE)
_SEPARATORS = " \t·•|,;:–—-/()[]"


@dataclass(slots=True)
class _TimeLine:
    seconds_ago: int
    source: str | None


def _relative_time(text: str) -> _TimeLine | None:
    """A short line holding "16 minutes ago" (maybe beside a source name), as seconds ago."""
    if _word_count(text) > 9 or _ends_sentence(text):
        return None
    match = _AGO.search(text) or _NOW.search(text)
    if match is None:
        return None
    if "n" in match.groupdict():
        amount = match["n"].lower()
        count = 1 if amount in {"a", "an", "one"} else int(amount)
        seconds = count * _UNITS[match["unit"].lower()]
    else:
        seconds = 86400 if match.group(0).lower() == "yesterday" else 0
    rest = (text[: match.start()] + " " + text[match.end() :]).strip(_SEPARATORS)
    rest = _TIME_PREFIX.sub("", rest).strip(_SEPARATORS)
    if rest and not _is_name(rest):
        return None
    return _TimeLine(seconds, rest or None)


_NAME_PARTICLES = frozenset(
    {"the", "of", "and", "de", "del", "la", "le", "el", "al", "du", "van", "von", "&"}
)


def _is_name(text: str) -> bool:
    """A publisher's name: a few capitalised words ("The Brussels Times", "El País", "bbc.com")."""
    words = text.split()
    if not 1 <= len(words) <= 5 or _ends_with_punctuation(text):
        return False
    return all(
        word[0].isupper() or word[0].isdigit() or word.lower() in _NAME_PARTICLES or "." in word
        for word in words
    )


_MARKED_SOURCE = re.compile(
    r"^(?:[-–—•·|]\s*|(?:source|via|from|publisher|published by)\s*[:\-–—]?\s+)(?P<name>\S.*)$",
    re.IGNORECASE,
)


def _marked_source(text: str) -> str | None:
    """The name in a source line of a related block: "- Reuters", "Source: BBC", "via AP"."""
    match = _MARKED_SOURCE.match(text)
    if match is None:
        return None
    name = match["name"].strip(_SEPARATORS)
    return name if _is_name(name) else None


def _is_source_like(text: str) -> bool:
    return 1 <= _word_count(text) <= 5 and not _ends_with_punctuation(text)


def _is_header_like(text: str) -> bool:
    """Could be a related block's source or title line (not its body, not chrome)."""
    if _marked_source(text) is not None:
        return True
    if _is_noise(text) or _is_section_end(text) or _relative_time(text) is not None:
        return False
    if _word_count(text) > 40 or _SENTENCE_BREAK.search(text):
        return False
    return not _bare_end(text).endswith((".", "…", ":", ",", ";"))


def _is_title_like(text: str) -> bool:
    if _word_count(text) > 45 or _SENTENCE_BREAK.search(text):
        return False
    return not _is_noise(text) and _relative_time(text) is None


# --------------------------------------------------------------------------- the page


@dataclass(slots=True)
class _Dropped:
    """Line indexes dropped as noise, collected across the passes over one page."""

    removed: set[int] = field(default_factory=set)

    def drop(self, *indexes: int) -> None:
        self.removed.update(indexes)


def import_page(content: str, *, now: datetime, is_html: bool | None = None) -> ImportedPage:
    """Split a scraped page into its article, its related-article blocks and the noise dropped.

    ``content`` is the page flattened to text (one block per line) or its HTML;
    ``is_html=None`` sniffs which. Related blocks' relative times ("16 minutes
    ago", "yesterday") become absolute UTC times counted back from ``now``.
    """
    html = looks_like_html(content) if is_html is None else is_html
    lines = _html_lines(content) if html else _text_lines(content)
    dropped = _Dropped()
    dropped.drop(*(index for index, line in enumerate(lines) if line.kind == _Kind.CHROME))
    live = [index for index, line in enumerate(lines) if line.kind != _Kind.CHROME]

    title_at = _title_index(lines, live)
    article = ImportedArticle(title=lines[title_at].text if title_at is not None else None)
    dropped.drop(*(index for index in live if title_at is not None and index < title_at))
    after_title = [index for index in live if title_at is None or index > title_at]

    standfirst_at = _standfirst_index(lines, after_title)
    if standfirst_at is not None:
        article.standfirst = lines[standfirst_at].text
        dropped.drop(*(index for index in after_title if index < standfirst_at))
    body = [index for index in after_title if standfirst_at is None or index > standfirst_at]

    end = _article_end(lines, body)
    article.blocks = _article_blocks(lines, [index for index in body if index < end], dropped)
    related = _related_articles(lines, [index for index in body if index >= end], _as_utc(now), dropped)
    removed = [lines[index].text for index in sorted(dropped.removed)]
    return ImportedPage(article=article, related=related, removed=removed)


def _title_index(lines: list[_Line], live: list[int]) -> int | None:
    """The ``<h1>`` when there is one, else the headline-shaped line above the first prose."""
    hinted = [index for index in live if lines[index].kind == _Kind.TITLE]
    if hinted:
        return next((index for index in hinted if _word_count(lines[index].text) >= 3), hinted[0])
    candidates: list[int] = []
    for index in live:
        text = lines[index].text
        if _is_noise(text):
            continue
        if _is_body_prose(text):
            break
        candidates.append(index)
    headline = next((index for index in candidates if _word_count(lines[index].text) >= 4), None)
    if headline is not None:
        return headline
    if candidates:
        return candidates[0]
    return next((index for index in live if not _is_noise(lines[index].text)), None)


def _standfirst_index(lines: list[_Line], after_title: list[int]) -> int | None:
    """A marked standfirst in HTML, else the first real line of running text under the title."""
    hinted = _hinted_standfirst(lines, after_title)
    if hinted is not None:
        return hinted
    for index in after_title:
        text = lines[index].text
        if _is_noise(text) or (_word_count(text) < 6 and not _ends_sentence(text)):
            continue
        if lines[index].kind == _Kind.HEADING and _ends_sentence(text):
            return index  # an <h2> dek under the <h1>, as Ars Technica marks its standfirst
        if lines[index].kind == _Kind.HEADING or _is_section_end(text) or _is_crosshead(text):
            return None
        return index
    return None


def _hinted_standfirst(lines: list[_Line], after_title: list[int]) -> int | None:
    """An HTML element classed as the standfirst, if it comes before the first paragraph of prose."""
    for index in after_title:
        if lines[index].kind == _Kind.STANDFIRST:
            return index
        if _is_body_prose(lines[index].text) and not _is_noise(lines[index].text):
            return None
    return None


def _article_end(lines: list[_Line], body: list[int]) -> int:
    """Index of the first line after the article: a section-end heading or the first related block."""
    prose_seen = 0
    for position, index in enumerate(body):
        text = lines[index].text
        if prose_seen >= 1 and _is_section_end(text):
            return index
        if prose_seen >= 2 and _relative_time(text) is not None:
            head = _block_head(lines, body, position, floor=0)
            if head < position:
                return body[head]
        if _is_prose(text) and not _is_noise(text):
            prose_seen += 1
    return len(lines)


def _article_blocks(lines: list[_Line], region: list[int], dropped: _Dropped) -> list[ArticleBlock]:
    blocks: list[tuple[int, ArticleBlock]] = []
    previous_paragraph: str | None = None
    after_promo_label = False
    for position, index in enumerate(region):
        line = lines[index]
        following = lines[region[position + 1]].text if position + 1 < len(region) else None
        kind = _body_line_kind(line, previous_paragraph, following, after_promo_label)
        after_promo_label = kind == "label"
        if kind in {"noise", "label", "promo"}:
            dropped.drop(index)
        elif kind == "heading":
            blocks.append((index, ArticleBlock(line.text, heading=True)))
        else:
            blocks.append((index, ArticleBlock(line.text)))
            previous_paragraph = line.text
    while blocks and blocks[-1][1].heading:
        dropped.drop(blocks.pop()[0])
    return [block for _, block in blocks]


def _body_line_kind(line: _Line, previous: str | None, following: str | None, after_label: bool) -> str:
    text = line.text
    if _PROMO_LABEL.match(text):
        return "label"
    if _is_noise(text) or text.lower().strip(" ()/") in _AGENCIES:
        return "noise"
    if after_label and _is_headline(text):
        return "promo"
    if line.kind == _Kind.HEADING:
        return "heading"
    if _is_crosshead(text):
        return "heading"
    if _is_spliced_promo(text, previous, following):
        return "promo"
    return "paragraph"


def _is_headline(text: str) -> bool:
    return _word_count(text) >= 3 and not _ends_with_punctuation(text) and not _starts_lowercase(text)


def _is_crosshead(text: str) -> bool:
    """The article's own subheading: short, unpunctuated, often ALL CAPS ("BREAKING AWAY")."""
    if _starts_lowercase(text) or not any(char.isalpha() for char in text):
        return False
    words = _word_count(text)
    if _is_all_caps(text):
        return words <= 10 and not _bare_end(text).endswith((".", ",", ";", ":"))
    return words <= 6 and not _ends_with_punctuation(text)


def _is_spliced_promo(text: str, previous: str | None, following: str | None) -> bool:
    """Another story's headline spliced between two paragraphs of this one.

    It reads as a headline (no closing punctuation, starts with a capital, and
    either headline grammar, Title Case or headline length) and does not
    continue the text around it: the paragraph before it is finished and the
    line after it does not carry on in lowercase. The first paragraph under the
    standfirst is never one: promos sit *between* paragraphs, and a lede often
    lacks its full stop.
    """
    if previous is None or not _ends_sentence(previous):
        return False
    if following is not None and _starts_lowercase(following):
        return False
    if not _is_headline(text) or _word_count(text) < 5:
        return False
    return _is_headlinese(text) or _is_title_case(text) or _word_count(text) <= 25


# --------------------------------------------------------------------------- related blocks


def _block_head(lines: list[_Line], region: list[int], anchor: int, floor: int) -> int:
    """Position (in ``region``) where the related block around the time line at ``anchor`` starts.

    Up to two header-like lines (source, title) may precede the time line.
    """
    start = anchor
    while start - 1 >= floor and anchor - (start - 1) <= 2 and _is_header_like(lines[region[start - 1]].text):
        start -= 1
    return start


def _related_articles(
    lines: list[_Line], region: list[int], now: datetime, dropped: _Dropped
) -> list[RelatedArticle]:
    """Parse the page's tail: chrome before the first block is dropped, each time line anchors a block."""
    anchors = [position for position, index in enumerate(region) if _relative_time(lines[index].text)]
    related: list[RelatedArticle] = []
    floor = _related_section_start(lines, region, anchors)
    body_start = 0
    item: RelatedArticle | None = None
    for number, anchor in enumerate(anchors):
        if anchor < floor:
            continue
        head = _block_head(lines, region, anchor, floor)
        if item is not None:
            item.text = _block_text(lines, region[body_start:head], dropped)
        else:
            dropped.drop(*region[:head])
        next_anchor = anchors[number + 1] if number + 1 < len(anchors) else len(region)
        item, body_start = _block_header(lines, region, head, anchor, next_anchor, now)
        related.append(item)
        floor = body_start
    if item is None:
        dropped.drop(*region)
    else:
        item.text = _block_text(lines, region[body_start:], dropped)
    return related


_RELATED_HEADING = re.compile(
    r"^(related|more|similar|other|latest|recommended|popular|trending|top)\s+"
    r"(articles?|stories|news|reads?|coverage|content|posts|links|headlines|on this( story| topic)?)\b"
    r"|^more from\b|^more (on|about)\b|^you (may|might|could) (also )?(like|enjoy|be interested)\b"
    r"|^recommended( for you)?$|^most (read|popular|viewed|shared)\b|^(around|from around) the web\b"
    r"|^further reading\b|^what to read next\b|^in other news\b|^read next$|^up next$",
    re.IGNORECASE,
)


def _related_section_start(lines: list[_Line], region: list[int], anchors: list[int]) -> int:
    """Position just under the "Related stories" heading, so that timed lines above it
    (readers' comments, "Updated 2 hours ago") are not taken for related articles."""
    last_anchor = anchors[-1] if anchors else -1
    for position, index in enumerate(region[: last_anchor + 1]):
        text = lines[index].text
        if _word_count(text) <= 10 and not _ends_sentence(text) and _RELATED_HEADING.search(text):
            return position + 1
    return 0


def _block_header(
    lines: list[_Line], region: list[int], head: int, anchor: int, limit: int, now: datetime
) -> tuple[RelatedArticle, int]:
    """Source, time and title of one related block; returns it and where its body starts."""
    time_line = _relative_time(lines[region[anchor]].text)
    assert time_line is not None
    item = RelatedArticle(source=time_line.source, published=now - timedelta(seconds=time_line.seconds_ago))
    before = [lines[index].text for index in region[head:anchor]]
    position = anchor + 1
    while position < limit and (name := _marked_source(lines[region[position]].text)):
        item.source = item.source or name
        position += 1
    if item.source is None and not before and _source_then_title(lines, region, position, limit):
        item.source = lines[region[position]].text
        position += 1
    bare: list[str] = []
    for text in before:
        name = _marked_source(text)
        if name is not None:
            item.source = item.source or name
        else:
            bare.append(text)
    title_follows = (
        position + 1 < limit
        and _is_title_like(lines[region[position]].text)
        and _is_prose(lines[region[position + 1]].text)
    )
    _assign_source_and_title(item, bare, title_follows)
    if item.title is None and position < limit and _is_title_like(lines[region[position]].text):
        item.title = lines[region[position]].text
        position += 1
    return item, position


def _source_then_title(lines: list[_Line], region: list[int], position: int, limit: int) -> bool:
    """After a bare time line: a short name, then a title, then prose ("Reuters", "Title", "Text.")."""
    if position + 2 >= limit:
        return False
    name, title, body = (lines[region[position + offset]].text for offset in range(3))
    return _is_source_like(name) and _is_title_like(title) and _is_prose(body)


def _assign_source_and_title(item: RelatedArticle, bare: list[str], title_follows: bool) -> None:
    """Sort the unmarked lines above a time line into the block's source and title."""
    bare = [text for text in bare if item.source is None or text.casefold() != item.source.casefold()]
    if not bare:
        return
    if len(bare) == 1:
        text = bare[0]
        if item.source is None and _is_source_like(text) and title_follows:
            item.source = text
        else:
            item.title = text
        return
    first, second = bare[-2], bare[-1]
    if item.source is None and _is_source_like(second) and _word_count(second) < _word_count(first):
        item.source, item.title = second, first
    elif item.source is None and _is_source_like(first):
        item.source, item.title = first, second
    else:
        item.title = max(bare, key=_word_count)


def _block_text(lines: list[_Line], indexes: list[int], dropped: _Dropped) -> str | None:
    """The related block's body: its prose lines until the first line of page furniture."""
    paragraphs: list[str] = []
    ended = False
    for index in indexes:
        text = lines[index].text
        if ended or _is_noise(text):
            dropped.drop(index)
            continue
        if _is_section_end(text) or (paragraphs and not _is_prose(text)):
            ended = True
            dropped.drop(index)
            continue
        if not _is_prose(text):
            dropped.drop(index)
            continue
        paragraphs.append(text)
    return "\n\n".join(paragraphs) or None


# --------------------------------------------------------------------------- CLI


def import_page_command(source: str, now: datetime | None) -> dict[str, Any]:
    """Body of ``gazette import-page FILE --json``: read a saved page and return its record."""
    if re.match(r"^[a-z][a-z0-9+.-]*://", source, re.IGNORECASE):
        raise ValueError(f"{source}: import-page reads saved files; fetching URLs needs the ingest fetcher")
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"{source}: no such file")
    raw = path.read_bytes()
    if path.suffix.lower() == ".gz":
        raw = gzip.decompress(raw)
    content = _decode(raw)
    suffixes = [suffix.lower() for suffix in path.suffixes]
    is_html: bool | None = None
    if ".html" in suffixes or ".htm" in suffixes:
        is_html = True
    elif ".txt" in suffixes:
        is_html = False
    page = import_page(content, now=now or datetime.now(UTC), is_html=is_html)
    return page.to_json()


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)


def _decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else the charset a ``<meta>`` declares, else Windows-1252."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    declared = _META_CHARSET.search(raw[:4096])
    if declared is not None:
        try:
            return raw.decode(declared.group(1).decode("ascii"), errors="replace")
        except LookupError:
            pass
    return raw.decode("cp1252", errors="replace")
