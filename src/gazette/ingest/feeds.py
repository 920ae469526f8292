"""Parse a fetched feed body (RSS 0.9x/1.0/2.0, Atom, JSON Feed) into plain records.

The XML formats go through feedparser, always on bytes (never a URL or a path:
feedparser would fetch or open those) with sanitizing and relative-URI rewriting
turned off: ``summary`` and ``content_html`` are the feed's raw, untrusted HTML
and the extract stage sanitizes them. Before feedparser sees the document, the
internal DTD subset is removed (see :func:`_strip_internal_subset`), so no
declared entity is ever expanded: feedparser's lenient fallback parser would
otherwise expand "safe" entities without limit (a 100 kB entity referenced
20,000 times builds a 2 GB string). External entities are never resolved, and a
feed that declares external or nested entities (XXE, billion laughs) fails with
the reason.
JSON Feed 1.0/1.1 is parsed with :mod:`json`.

Text fields meant as plain text (titles, author names, categories) are
de-marked-up: tags stripped, entities unescaped, whitespace collapsed; they are
still untrusted and must be escaped where they are shown.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urljoin

from gazette.ingest.urls import InvalidURL, canonical_url

__all__ = [
    "FUTURE_TOLERANCE",
    "FeedParseError",
    "ParsedEntry",
    "ParsedFeed",
    "clamp_date",
    "has_full_content",
    "parse_feed",
    "plain_text",
]

FUTURE_TOLERANCE = timedelta(minutes=5)
"""A date later than now plus this is clamped to now (clock skew is tolerated)."""

FULL_CONTENT_CHARS = 500
"""Text length from which an entry's content counts as the full article."""

JSON_TYPES = frozenset({"application/feed+json", "application/json"})
MAX_TEXT_FIELD = 1000
"""Titles, author names and categories are cut to this many characters."""

_URL_SAFE = "/:?#[]@!$&'()*+,;=%~"


class FeedParseError(Exception):
    """Nothing usable in the body: empty, garbage, or not a feed (e.g. an HTML page)."""


@dataclass(slots=True)
class ParsedEntry:
    key: str
    """Stable identity within the feed: the guid, else the canonical link, else ``sha1:<hash>``."""
    guid: str | None
    link: str | None
    canonical_url: str | None
    title: str
    author: str | None
    published: datetime | None
    updated: datetime | None
    summary: str
    content_html: str | None
    has_full_content: bool
    image: str | None
    categories: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ParsedFeed:
    title: str | None
    site_url: str | None
    feed_url: str
    entries: list[ParsedEntry]
    bozo_error: str | None
    kind: str
    """One of ``rss``, ``atom``, ``rdf``, ``json``."""


def parse_feed(content: bytes, *, url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse a feed body fetched from ``url``; raise :class:`FeedParseError` when it holds no feed."""
    if not content.strip():
        raise FeedParseError("empty body")
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type in JSON_TYPES or _starts_with_brace(content):
        return _parse_json_feed(content, url=url)
    fast = _parse_well_formed(content, url=url, content_type=content_type)
    if fast is not None:
        return fast
    return _parse_xml_feed(content, url=url, content_type=content_type)


def clamp_date(dt: datetime, now: datetime | None = None) -> datetime:
    """Return ``dt`` in UTC, or ``now`` when ``dt`` lies more than a few minutes in the future."""
    current = now or datetime.now(UTC)
    aware = dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)
    if aware > current + FUTURE_TOLERANCE:
        return current.astimezone(UTC)
    return aware.astimezone(UTC)


_TAG_RE = re.compile(r"<(?:!--.*?-->|!\[CDATA\[|/?[A-Za-z][^>]*>)", re.DOTALL)
_SPACE_RE = re.compile(r"\s+")


def plain_text(value: str | None, limit: int | None = MAX_TEXT_FIELD) -> str:
    """Return ``value`` as one line of plain text: tags removed, entities decoded, spaces collapsed."""
    if not value:
        return ""
    text = " ".join(html.unescape(_TAG_RE.sub(" ", value)).split())
    return text[:limit] if limit else text


def has_full_content(content_html: str | None, summary: str) -> bool:
    """Guess whether the entry carries the whole article rather than a teaser.

    With a separate content, true when it has at least :data:`FULL_CONTENT_CHARS`
    characters of text, or is much longer than the summary. Without one, true
    when the summary (an RSS ``<description>``) is itself clearly a full article:
    see :func:`_is_full_article_markup`.
    """
    if not content_html:
        return _is_full_article_markup(summary)
    head = content_html[: FULL_CONTENT_CHARS * 8]  # long articles: no need to read them whole
    content_len = len(plain_text(head, None))
    if len(head) < len(content_html) and content_len < FULL_CONTENT_CHARS:
        content_len = len(plain_text(content_html, None))
    if content_len >= FULL_CONTENT_CHARS:
        return True
    summary_len = len(plain_text(summary, None))
    return summary_len > 0 and content_len >= 2 * summary_len + 100


FULL_DESCRIPTION_CHARS = 1000
"""Text length from which a description with no separate content may be the full article."""

FULL_DESCRIPTION_BLOCKS = 3
"""Paragraph-like blocks (``<p>``, headings, quotes, ``<br><br>`` breaks) a full article has at least."""

_BLOCK_RE = re.compile(r"<(?:p|h[1-6]|blockquote|pre)[\s/>]", re.IGNORECASE)
_BREAK_RE = re.compile(r"<br\s*/?>\s*(?:&nbsp;\s*)*<br\s*/?>", re.IGNORECASE)
_LINK_TAG_RE = re.compile(r"<(/?)a(?:\s[^>]*)?>", re.IGNORECASE)
_TEASER_END_RE = re.compile(
    r"\.\.\.|\u2026|\b(?:read|continue|keep|view|see) (?:the )?(?:more|reading|full|rest|whole|original)\b"
    r"|\bfull (?:story|article|post)\b|\bclick here\b|\bmore\s*(?:\u00bb|\u203a|\u2192|>>)"
    r"|\b(?:weiterlesen|mehr lesen|lire la suite|en savoir plus|leer m[aá]s|seguir leyendo|continuar? leyendo"
    r"|continua(?:re)? a leggere|leggi (?:tutto|di pi[uù])|lees verder|ler mais|continuar lendo|czytaj dalej"
    r"|l[aä]s mer|les mer|l[aæ]s mere|lue lis[aä][aä]|читать далее|далее)\b",
    re.IGNORECASE,
)
_TEASER_END_CHARS = 160
"""How much text at the end of a description is searched for "..." or "Read more"."""
_TAIL_WINDOW = 4 * 1024
"""The end of a long description that is read for its last words of text."""


def _is_full_article_markup(html_text: str) -> bool:
    """Whether ``html_text`` is clearly a whole article, not a teaser (a full ``<description>``).

    Wrongly saying yes stores a teaser as the article and never fetches the page,
    so all of these must hold: at least :data:`FULL_DESCRIPTION_BLOCKS` paragraph
    blocks, :data:`FULL_DESCRIPTION_CHARS` characters of text, no more than half
    of it link text (digests of headlines), and no "...", "Read more" or
    "Continue reading" near the end. Plain text never qualifies.
    """
    limit = FULL_DESCRIPTION_CHARS * 8  # long articles: no need to read them whole
    if len(html_text) <= limit and _paragraph_blocks(html_text) < FULL_DESCRIPTION_BLOCKS:
        return False  # most descriptions: short, and decided here
    head = _whole_tags(html_text[:limit])
    text_len = len(plain_text(head, None))
    if len(head) < len(html_text) and text_len < FULL_DESCRIPTION_CHARS:
        head = html_text
        text_len = len(plain_text(head, None))
    if text_len < FULL_DESCRIPTION_CHARS or _paragraph_blocks(head) < FULL_DESCRIPTION_BLOCKS:
        return False
    if 2 * _link_text_chars(head) > text_len:
        return False
    return _TEASER_END_RE.search(_closing_text(html_text)) is None


def _whole_tags(head: str) -> str:
    """``head`` up to its last complete tag, so a cut inside a long tag (a data: URL) is not read as text."""
    return head[: head.rfind(">") + 1]


def _closing_text(html_text: str) -> str:
    """The last :data:`_TEASER_END_CHARS` characters of text, read from the end of a long description."""
    if len(html_text) > _TAIL_WINDOW:
        window = html_text[-_TAIL_WINDOW:]
        text = plain_text(window[window.find(">") + 1 :], None)  # the window may start inside a tag
        if len(text) >= _TEASER_END_CHARS:
            return text[-_TEASER_END_CHARS:]
    return plain_text(html_text, None)[-_TEASER_END_CHARS:]


def _link_text_chars(html_text: str) -> int:
    """Characters of text inside ``<a>`` elements, in one pass (an unclosed link runs to the end)."""
    total, opened_at = 0, -1
    for tag in _LINK_TAG_RE.finditer(html_text):
        if not tag.group(1) and opened_at < 0:
            opened_at = tag.end()
        elif tag.group(1) and opened_at >= 0:
            total += len(plain_text(html_text[opened_at : tag.start()], None))
            opened_at = -1
    if opened_at >= 0:
        total += len(plain_text(html_text[opened_at:], None))
    return total


def _paragraph_blocks(html_text: str) -> int:
    """Paragraph-like blocks: block tags, plus the paragraphs that ``<br><br>`` breaks separate."""
    breaks = len(_BREAK_RE.findall(html_text))
    return len(_BLOCK_RE.findall(html_text)) + (breaks + 1 if breaks else 0)


# --- XML (feedparser) -------------------------------------------------------------------------


def _parse_xml_feed(content: bytes, *, url: str, content_type: str | None) -> ParsedFeed:
    import feedparser
    from feedparser.encodings import convert_to_utf8

    headers = {"content-type": content_type or "application/xml"}
    conversion: dict[str, Any] = {}
    utf8 = _strip_internal_subset(convert_to_utf8(headers, content, conversion))
    result = feedparser.parse(
        io.BytesIO(utf8),
        sanitize_html=False,
        resolve_relative_uris=False,
        response_headers={"content-type": "application/xml; charset=utf-8", "content-location": url},
    )
    version = str(result.get("version") or "")
    if not version and not result.entries:
        raise FeedParseError(_not_a_feed_reason(content))
    feed = result.feed
    entries = [_entry_from_feedparser(entry, url) for entry in result.entries]
    return ParsedFeed(
        title=plain_text(feed.get("title")) or None,
        site_url=_http_url(feed.get("link"), url),
        feed_url=url,
        entries=_distinct_keys(entries),
        bozo_error=_bozo_description(conversion, result),
        kind=_kind(version),
    )


_DOCTYPE_RE = re.compile(rb"<!DOCTYPE\b", re.IGNORECASE)
_SUBSET_END_RE = re.compile(rb"\s*>")


def _strip_internal_subset(data: bytes) -> bytes:
    """Remove the ``[...]`` internal subset of a DOCTYPE in the prolog, keeping the DOCTYPE itself.

    Entity declarations live there; without them no custom entity can expand
    (quadratic blow-up) or point at a file. A subset declaring external or
    nested entities (XXE, billion laughs) fails the feed instead. HTML entities
    such as ``&nbsp;`` still decode in feedparser's lenient parser.
    """
    match = _DOCTYPE_RE.search(data, 0, 4096)
    if match is None or b"<" in _without_prolog_markup(data[: match.start()]):
        return data
    quote = 0
    start = None
    i = match.end()
    end = len(data)
    while i < end:
        byte = data[i]
        if quote:
            if byte == quote:
                quote = 0
        elif byte in b"\"'":
            quote = byte
        elif byte == ord(">") and start is None:
            return data
        elif byte == ord("[") and start is None:
            start = i
        elif byte == ord("<") and data.startswith(b"<!--", i):
            close = data.find(b"-->", i + 4)
            i = end if close < 0 else close + 2
        elif byte == ord("]") and start is not None:
            subset_end = _SUBSET_END_RE.match(data, i + 1)
            if subset_end:
                _refuse_hostile_entities(data[start:i])
                return data[:start] + data[subset_end.start() :]
        i += 1
    raise FeedParseError("malformed DOCTYPE: its internal subset never ends")


_ENTITY_DECLARATION = re.compile(
    rb"""<!ENTITY\s+(%\s+)?[^\s"']+\s+(SYSTEM\b|PUBLIC\b|"[^"]*"|'[^']*')""", re.IGNORECASE
)
_ENTITY_REFERENCE = re.compile(rb"[&%](?!(?:amp|lt|gt|quot|apos);)[A-Za-z_:][\w.:-]*;")


def _refuse_hostile_entities(subset: bytes) -> None:
    """Fail a feed whose DOCTYPE declares the entities of the two XML attacks.

    An external or parameter entity can read local files or reach other hosts
    (XXE); an entity whose value refers to other entities multiplies at each
    level (billion laughs). No honest feed needs either. Other declarations are
    only stripped (see :func:`_strip_internal_subset`).
    """
    for declaration in _ENTITY_DECLARATION.finditer(subset):
        parameter, value = declaration.group(1), declaration.group(2)
        if parameter or not value.startswith((b'"', b"'")):
            raise FeedParseError(
                "refused: the feed declares an external XML entity, which could read local files (XXE)"
            )
        if _ENTITY_REFERENCE.search(value):
            raise FeedParseError("refused: the feed declares nested XML entities (an entity-expansion bomb)")


def _without_prolog_markup(head: bytes) -> bytes:
    return re.sub(rb"<\?.*?\?>|<!--.*?-->", b"", head, flags=re.DOTALL)


def _not_a_feed_reason(content: bytes) -> str:
    head = content[:2048].lower()
    if b"<html" in head or b"<!doctype html" in head:
        return "this is an HTML page, not a feed"
    return "not a feed: no RSS, Atom, RDF or JSON Feed document found"


def _kind(version: str) -> str:
    if version.startswith("atom"):
        return "atom"
    if version in ("rss090", "rss10"):
        return "rdf"
    return "rss"


def _bozo_description(conversion: Mapping[str, Any], result: Mapping[str, Any]) -> str | None:
    """Describe what was wrong with the document, ignoring the (normal) missing content type."""
    for source in (result, conversion):
        error = source.get("bozo_exception")
        if error is None or type(error).__name__ == "NonXMLContentType":
            continue
        message = _SPACE_RE.sub(" ", str(error)).strip()
        return f"{type(error).__name__}: {message}"[:300]
    return None


def _entry_from_feedparser(entry: dict[str, Any], feed_url: str) -> ParsedEntry:
    base = _entry_base(entry, feed_url)
    link = _http_url(entry.get("link"), base)
    summary = _str(entry.get("summary")) or ""
    content_html = _content_html(entry.get("content"))
    published = _struct_to_datetime(entry.get("published_parsed"))
    updated = _struct_to_datetime(dict.get(entry, "updated_parsed"))
    return ParsedEntry(
        key="",
        guid=_guid(entry.get("id")),
        link=link,
        canonical_url=_canonical_or_none(link),
        title=plain_text(_str(entry.get("title"))),
        author=plain_text(_author_name(entry)) or None,
        published=published or updated,
        updated=updated,
        summary=summary,
        content_html=content_html,
        has_full_content=has_full_content(content_html, summary),
        image=_entry_image(entry, base),
        categories=_categories(tag.get("term") or tag.get("label") for tag in entry.get("tags") or []),
    )


def _entry_base(entry: Mapping[str, Any], feed_url: str) -> str:
    for key in ("summary_detail", "title_detail"):
        detail = entry.get(key)
        if isinstance(detail, Mapping) and isinstance(detail.get("base"), str) and detail["base"]:
            return str(detail["base"])
    return feed_url


def _content_html(contents: Any) -> str | None:
    """Pick the HTML body among an entry's contents; plain-text bodies are escaped."""
    if not contents:
        return None
    html_parts = [c for c in contents if "html" in str(c.get("type") or "html")]
    chosen = html_parts[0] if html_parts else contents[0]
    value = _str(chosen.get("value"))
    if not value or not value.strip():
        return None
    if chosen in html_parts:
        return value
    return _text_to_html(value)


_EMAIL_THEN_NAME = re.compile(r"^\s*[^\s@()]+@[^\s()]+\s*\((?P<name>[^()]+)\)\s*$")
_NAME_THEN_EMAIL = re.compile(r"^\s*(?P<name>[^<>@]+?)\s*<[^<>\s]+@[^<>\s]+>\s*$")


def _author_name(entry: Mapping[str, Any]) -> str | None:
    """The author's name; RSS 2.0's ``email (Name)`` form is split here, because feedparser's own
    split mangles some addresses ("newsroom@harbor.example (Lucia Fernandes)" gave "ple (Lucia Fernandes")."""
    raw = _str(entry.get("author"))
    if raw:
        match = _EMAIL_THEN_NAME.match(raw) or _NAME_THEN_EMAIL.match(raw)
        if match:
            return match.group("name").strip()
        if "@" not in raw:
            return raw
    detail = entry.get("author_detail")
    if isinstance(detail, Mapping) and detail.get("name"):
        return _str(detail.get("name"))
    return raw


def _entry_image(entry: Mapping[str, Any], base: str) -> str | None:
    candidates: list[Any] = []
    for media in entry.get("media_content") or []:
        medium = str(media.get("medium") or "")
        mime = str(media.get("type") or "")
        if medium == "image" or mime.startswith("image/"):
            candidates.append(media.get("url"))
    candidates.extend(thumb.get("url") for thumb in entry.get("media_thumbnail") or [])
    candidates.extend(
        link.get("href")
        for link in entry.get("links") or []
        if link.get("rel") == "enclosure" and str(link.get("type") or "").startswith("image/")
    )
    image = entry.get("image")
    if isinstance(image, Mapping):
        candidates.append(image.get("href"))
    for candidate in candidates:
        resolved = _http_url(candidate, base)
        if resolved:
            return resolved
    return None


def _struct_to_datetime(value: Any) -> datetime | None:
    if not isinstance(value, time.struct_time):
        return None
    try:
        parsed = datetime(*value[:5], min(value.tm_sec, 59), tzinfo=UTC)
    except (ValueError, OverflowError):
        return None
    return clamp_date(parsed)


# --- fast path: well-formed UTF-8 RSS 2.0 and Atom 1.0 with lxml ----------------------------------
#
# feedparser spends ~1 ms per entry in Python callbacks. For the common case (well-formed UTF-8,
# no DOCTYPE, only the usual elements) lxml builds the same entry dictionaries feedparser would,
# several times faster; anything unusual returns None and goes to feedparser instead.

_ATOM = "{http://www.w3.org/2005/Atom}"
_CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_MEDIA = "{http://search.yahoo.com/mrss/}"
_XML_DECL_RE = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_C1_RE = re.compile("[\x80-\x9f]")
_CHANNEL_UNSUPPORTED = frozenset({"entry", _ATOM + "entry", _ATOM + "title", _DC + "title"})
_RSS_IGNORED = frozenset(
    {
        "comments",
        "source",
        "{http://wellformedweb.org/CommentAPI/}commentRss",
        "{http://wellformedweb.org/CommentAPI/}comment",
        "{http://purl.org/rss/1.0/modules/slash/}comments",
    }
)
_ATOM_FEED_CHILDREN = frozenset(
    _ATOM + name
    for name in (
        "title",
        "subtitle",
        "link",
        "id",
        "updated",
        "author",
        "contributor",
        "category",
        "generator",
        "icon",
        "logo",
        "rights",
        "entry",
    )
)
_ATOM_IGNORED = frozenset({_ATOM + "rights", _ATOM + "contributor", _ATOM + "source"})


class _Unsupported(Exception):
    """The fast path does not handle this document; feedparser will."""


def _parse_well_formed(content: bytes, *, url: str, content_type: str | None) -> ParsedFeed | None:
    if not _is_plain_utf8_xml(content, content_type):
        return None
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, remove_comments=True
    )
    try:
        root = etree.fromstring(content, parser, base_url=url)
        if root.tag == "rss" and root.get("version") == "2.0":
            return _fast_rss(root, url)
        if root.tag == _ATOM + "feed":
            return _fast_atom(root, url)
    except (etree.XMLSyntaxError, _Unsupported, ValueError):
        return None
    return None


def _is_plain_utf8_xml(content: bytes, content_type: str | None) -> bool:
    charset = (content_type or "").lower().partition("charset=")[2].strip(" \"'")
    if charset not in ("", "utf-8", "utf8"):
        return False
    head = content[:4096]
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head or not head.lstrip().startswith(b"<"):
        return False
    declared = _XML_DECL_RE.match(head.lstrip())
    return declared is None or declared.group(1).lower() in (b"utf-8", b"utf8")


def _fast_text(element: Any) -> str:
    if element is None:
        return ""
    if len(element) or element.attrib.get("{http://www.w3.org/XML/1998/namespace}base") is not None:
        raise _Unsupported("markup or xml:base inside a text element")
    text = str(element.text or "").strip()
    if not text.isascii() and _C1_RE.search(text):
        raise _Unsupported("C1 control characters (feedparser maps them from windows-1252)")
    return text


def _fast_date(text: str) -> time.struct_time | None:
    from feedparser.datetimes import _parse_date

    parsed: time.struct_time | None = _parse_date(text) if text else None
    return parsed


def _safe_uri(base: str, value: str) -> str:
    from feedparser.urls import make_safe_absolute_uri

    return str(make_safe_absolute_uri(base, value))


def _fast_rss(root: Any, url: str) -> ParsedFeed:
    channels = root.findall("channel")
    if len(channels) != 1 or len(root) != 1 or root.attrib.get("{http://www.w3.org/XML/1998/namespace}base"):
        raise _Unsupported("not a single plain channel")
    channel = channels[0]
    for child in channel:
        if child.tag in _CHANNEL_UNSUPPORTED or (
            child.tag == _ATOM + "link" and child.get("rel") == "alternate"
        ):
            raise _Unsupported(f"channel element {child.tag}")
    entries = [_fast_rss_item(item, url) for item in channel.iterfind("item")]
    title = channel.find("title")
    link = channel.find("link")
    return ParsedFeed(
        title=plain_text(_fast_text(title)) or None,
        site_url=_http_url(_safe_uri(url, _fast_text(link)) if link is not None else None, url),
        feed_url=url,
        entries=_distinct_keys([_entry_from_feedparser(entry, url) for entry in entries]),
        bozo_error=None,
        kind="rss",
    )


def _fast_rss_item(item: Any, url: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"summary_detail": {"base": url}}
    seen: set[str] = set()
    for child in item:
        tag = child.tag
        if not isinstance(tag, str) or tag in _RSS_IGNORED:
            continue
        if tag in seen and tag not in ("category", "enclosure", _MEDIA + "content", _MEDIA + "thumbnail"):
            raise _Unsupported(f"repeated {tag}")
        seen.add(tag)
        if tag == "title":
            entry["title"] = _fast_text(child)
        elif tag == "link":
            entry["link"] = _safe_uri(url, _fast_text(child))
        elif tag == "guid":
            _fast_guid(entry, child, url)
        elif tag == "description":
            if "content" in entry:
                raise _Unsupported("description after content:encoded")
            entry["summary"] = _fast_text(child)
        elif tag == _CONTENT + "encoded":
            value = _fast_text(child)
            entry["content"] = [{"type": "text/html", "value": value}]
            entry.setdefault("summary", value)
        elif tag == "pubDate":
            entry["published_parsed"] = _fast_date(_fast_text(child))
        elif tag == _DC + "date":
            entry["updated_parsed"] = _fast_date(_fast_text(child))
        elif tag == _DC + "creator":
            entry["author"] = _fast_text(child)
            if "@" in entry["author"] or "(" in entry["author"]:
                raise _Unsupported("author with an e-mail address")
        elif tag == "category":
            entry.setdefault("tags", []).append({"term": _fast_text(child)})
        elif tag == "enclosure":
            entry.setdefault("links", []).append(
                {"rel": "enclosure", "type": child.get("type") or "", "href": child.get("url") or ""}
            )
        elif tag in (_MEDIA + "content", _MEDIA + "thumbnail"):
            if len(child):
                raise _Unsupported("media element with children")
            entry.setdefault(f"media_{tag.rpartition('}')[2]}", []).append(dict(child.attrib))
        else:
            raise _Unsupported(f"element {tag}")
    if "link" not in entry and entry.get("guidislink"):
        entry["link"] = entry["id"]
    return entry


def _fast_guid(entry: dict[str, Any], child: Any, url: str) -> None:
    is_link = child.get("isPermaLink", "true") == "true"
    value = _fast_text(child)
    entry["id"] = _safe_uri(url, value) if is_link else value
    entry["guidislink"] = is_link


def _fast_atom(root: Any, url: str) -> ParsedFeed:
    for child in root:
        if isinstance(child.tag, str) and not _is_plain_atom_feed_child(child.tag):
            raise _Unsupported(f"feed element {child.tag}")
    title = root.find(_ATOM + "title")
    entries = [_fast_atom_entry(element) for element in root.iterfind(_ATOM + "entry")]
    feed_id = root.find(_ATOM + "id")
    return ParsedFeed(
        title=plain_text(_fast_atom_text(title)) or None,
        site_url=_http_url(_fast_atom_link(root) or _fast_atom_id(feed_id), url),
        feed_url=url,
        entries=_distinct_keys([_entry_from_feedparser(entry, url) for entry in entries]),
        bozo_error=None,
        kind="atom",
    )


def _is_plain_atom_feed_child(tag: str) -> bool:
    """Atom feed-level elements, and extensions that feedparser maps to no field we read."""
    if tag.startswith(_ATOM):
        return tag in _ATOM_FEED_CHILDREN
    return tag.startswith("{") and not tag.startswith((_DC, _CONTENT, _MEDIA, "{http://purl.org/rss/1.0/}"))


def _fast_atom_text(element: Any) -> str:
    if element is None:
        return ""
    if element.get("type", "text") not in ("text", "html"):
        raise _Unsupported("xhtml or other text construct")
    return _fast_text(element)


def _fast_atom_link(element: Any) -> str | None:
    alternates = []
    for link in element.iterfind(_ATOM + "link"):
        if not (link.get("href") or "").strip():
            raise _Unsupported("link without href")
        if link.get("rel", "alternate") == "alternate":
            alternates.append(_safe_uri(str(link.base or ""), link.get("href").strip()))
    return alternates[0] if alternates else None


def _fast_atom_id(element: Any) -> str | None:
    return _safe_uri(str(element.base or ""), _fast_text(element)) if element is not None else None


def _fast_atom_enclosures(element: Any) -> list[dict[str, str]]:
    return [
        {"rel": "enclosure", "type": link.get("type") or "", "href": link.get("href") or ""}
        for link in element.iterfind(_ATOM + "link")
        if link.get("rel") == "enclosure"
    ]


def _fast_atom_entry(element: Any) -> dict[str, Any]:
    base = str(element.base or "")
    entry: dict[str, Any] = {"summary_detail": {"base": base}}
    for child in element:
        tag = child.tag
        if not isinstance(tag, str) or tag in _ATOM_IGNORED or tag == _ATOM + "link":
            continue
        if tag in entry.get("_seen", ()) and tag != _ATOM + "category":
            raise _Unsupported(f"repeated {tag}")
        entry.setdefault("_seen", set()).add(tag)
        if tag == _ATOM + "title":
            entry["title"] = _fast_atom_text(child)
        elif tag == _ATOM + "id":
            entry["id"] = _fast_atom_id(child)
        elif tag == _ATOM + "published":
            entry["published_parsed"] = _fast_date(_fast_text(child))
        elif tag == _ATOM + "updated":
            entry["updated_parsed"] = _fast_date(_fast_text(child))
        elif tag == _ATOM + "author":
            _fast_atom_author(entry, child)
        elif tag == _ATOM + "category":
            entry.setdefault("tags", []).append({"term": child.get("term"), "label": child.get("label")})
        elif tag == _ATOM + "summary":
            if "content" in entry:
                raise _Unsupported("summary after content")
            entry["summary"] = _fast_atom_text(child)
        elif tag == _ATOM + "content":
            if child.get("src") is not None:
                raise _Unsupported("out-of-line content")
            kind = child.get("type", "text")
            value = _fast_atom_text(child)
            entry["content"] = [{"type": "text/html" if kind == "html" else "text/plain", "value": value}]
            entry.setdefault("summary", value)
        else:
            raise _Unsupported(f"element {tag}")
    entry.pop("_seen", None)
    link = _fast_atom_link(element) or entry.get("id")
    if link:
        entry["link"] = link
    entry["links"] = _fast_atom_enclosures(element)
    return entry


def _fast_atom_author(entry: dict[str, Any], author: Any) -> None:
    if "author_detail" in entry:
        raise _Unsupported("several authors")
    name = author.find(_ATOM + "name")
    entry["author_detail"] = {"name": _fast_text(name)} if name is not None else {}


# --- JSON Feed ---------------------------------------------------------------------------------


def _starts_with_brace(content: bytes) -> bool:
    return content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def _parse_json_feed(content: bytes, *, url: str) -> ParsedFeed:
    try:
        document = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise FeedParseError(f"invalid JSON: {str(exc)[:200]}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("items", []), list):
        raise FeedParseError("JSON, but not a JSON Feed (no items list)")
    version = _str(document.get("version")) or ""
    if "jsonfeed.org/version/" not in version and "items" not in document:
        raise FeedParseError("JSON, but not a JSON Feed (no version, no items)")
    feed_url = url
    items = [item for item in document.get("items", []) if isinstance(item, dict)]
    feed_authors = _json_authors(document)
    entries = [_entry_from_json(item, feed_url, feed_authors) for item in items]
    return ParsedFeed(
        title=plain_text(_str(document.get("title"))) or None,
        site_url=_http_url(document.get("home_page_url"), url),
        feed_url=feed_url,
        entries=_distinct_keys(entries),
        bozo_error=None,
        kind="json",
    )


def _entry_from_json(item: Mapping[str, Any], feed_url: str, feed_authors: str | None) -> ParsedEntry:
    raw_id = item.get("id")
    guid = str(raw_id).strip() if isinstance(raw_id, str | int) and not isinstance(raw_id, bool) else None
    link = _http_url(item.get("url"), feed_url) or _http_url(item.get("external_url"), feed_url)
    summary = _str(item.get("summary")) or ""
    content_html = _str(item.get("content_html")) or None
    if content_html is None and _str(item.get("content_text")):
        content_html = _text_to_html(str(item["content_text"]))
    published = _iso_datetime(item.get("date_published"))
    updated = _iso_datetime(item.get("date_modified"))
    tags = item.get("tags")
    return ParsedEntry(
        key="",
        guid=guid or None,
        link=link,
        canonical_url=_canonical_or_none(link),
        title=plain_text(_str(item.get("title"))),
        author=_json_authors(item) or feed_authors,
        published=published or updated,
        updated=updated,
        summary=summary,
        content_html=content_html,
        has_full_content=has_full_content(content_html, summary),
        image=_http_url(item.get("image"), feed_url) or _http_url(item.get("banner_image"), feed_url),
        categories=_categories(tags if isinstance(tags, list) else []),
    )


def _json_authors(obj: Mapping[str, Any]) -> str | None:
    """Names of JSON Feed 1.1 ``authors`` or 1.0 ``author``, joined with commas."""
    authors = obj.get("authors")
    if not isinstance(authors, list):
        authors = [obj.get("author")]
    names = [plain_text(_str(a.get("name"))) for a in authors if isinstance(a, dict)]
    joined = ", ".join(name for name in names if name)
    return joined[:MAX_TEXT_FIELD] or None


def _iso_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        from feedparser.datetimes import _parse_date

        return _struct_to_datetime(_parse_date(value))
    return clamp_date(parsed)


# --- shared helpers ----------------------------------------------------------------------------


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _guid(value: Any) -> str | None:
    text = _str(value)
    return text.strip() or None if text else None


def _http_url(value: Any, base: str) -> str | None:
    """Resolve ``value`` against ``base``; None unless the result is an http(s) URL.

    Characters that may not appear raw in a URL (spaces, quotes, angle brackets,
    non-ASCII) come back percent-encoded, so the result never carries markup.
    """
    text = _str(value)
    if not text or not text.strip():
        return None
    try:
        resolved = quote(urljoin(base, text.strip()), safe=_URL_SAFE)
        canonical_url(resolved)
    except (InvalidURL, ValueError):
        return None
    return resolved


def _canonical_or_none(link: str | None) -> str | None:
    if link is None:
        return None
    try:
        return canonical_url(link)
    except InvalidURL:
        return None


def _categories(values: Iterable[Any]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        text = plain_text(_str(value))
        if text:
            seen.setdefault(text, None)
    return list(seen)


def _text_to_html(text: str) -> str:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)


def _content_hash(entry: ParsedEntry) -> str:
    material = "\x1f".join((entry.title, entry.link or "", entry.summary, entry.content_html or ""))
    return hashlib.sha1(material.encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest()


def _distinct_keys(entries: list[ParsedEntry]) -> list[ParsedEntry]:
    """Give every entry its key; drop exact repeats, and suffix a repeated key whose content differs.

    A broken feed may give every item the same guid (often the site URL); the
    first keeps the plain key, later ones with other content become
    ``<key>#sha1:<hash>`` so no article is lost.
    """
    seen_keys: set[str] = set()
    seen_content: set[tuple[str, str]] = set()
    result: list[ParsedEntry] = []
    for entry in entries:
        digest = _content_hash(entry)
        key = entry.guid or entry.canonical_url or f"sha1:{digest}"
        if (key, digest) in seen_content:
            continue
        seen_content.add((key, digest))
        entry.key = key if key not in seen_keys else f"{key}#sha1:{digest}"
        seen_keys.add(entry.key)
        result.append(entry)
    return result
