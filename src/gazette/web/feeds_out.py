"""Atom 1.0 and RSS 2.0 documents built with lxml from plain records: no database, no HTTP.

Every text value goes through the XML builder (never string concatenation), so
markup in a title or a name comes out as escaped text. All text is plain
text: Atom marks it ``type="text"``; RSS 2.0 leaves open whether a title or a
description is HTML and many readers render both as HTML, so every RSS text
field is HTML-escaped first (and the builder escapes that again for XML): a
reader that renders HTML shows the literal characters, and one that decodes
entities (feedparser, our own ingest) gets the original text back.
Characters XML 1.0 cannot carry (NUL and most C0 controls, lone surrogates,
U+FFFE/U+FFFF) are dropped rather than producing a document no reader can
parse; links that are not absolute http(s) URLs are left out.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlsplit

from gazette.web.render import iso_time

ATOM_NS = "http://www.w3.org/2005/Atom"
DC_NS = "http://purl.org/dc/elements/1.1/"
ATOM = f"{{{ATOM_NS}}}"
DC = f"{{{DC_NS}}}"
GENERATOR = "Gazette"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True, slots=True)
class Outlet:
    """The publisher an entry comes from: its name, its Gazette page and feed, and its own site."""

    name: str
    page_url: str
    feed_url: str
    site_url: str | None = None


@dataclass(slots=True)
class FeedEntry:
    """One entry: an article or a story. ``summary`` is plain text; ``link`` is our page."""

    id: str
    title: str
    link: str
    updated: datetime
    published: datetime | None = None
    summary: str = ""
    original: str | None = None
    """The publisher's own URL (``rel="related"`` in Atom)."""
    author: str | None = None
    outlet: Outlet | None = None
    contributors: list[str] = field(default_factory=list)
    """For a story: the outlets covering it."""


@dataclass(slots=True)
class FeedDocument:
    title: str
    subtitle: str
    self_url: str
    """Absolute URL of this feed; also the Atom feed id."""
    page_url: str
    """The HTML page the feed follows."""
    entries: list[FeedEntry]
    empty_updated: datetime = EPOCH
    """The feed's update time when it has no entries."""

    @property
    def updated(self) -> datetime:
        """The newest entry's update time: the same entries always give the same document."""
        return max((utc(entry.updated) for entry in self.entries), default=utc(self.empty_updated))


def utc(when: datetime) -> datetime:
    return when.astimezone(UTC) if when.tzinfo is not None else when.replace(tzinfo=UTC)


def rfc3339(when: datetime) -> str:
    """RFC 3339 in UTC; a naive time is taken as UTC."""
    return iso_time(utc(when))


def rfc822(when: datetime) -> str:
    return format_datetime(utc(when).replace(microsecond=0), usegmt=True)


def xml_text(value: str | None) -> str:
    """``value`` without the characters XML 1.0 cannot hold."""
    return _NOT_XML.sub("", value or "")


def http_url(value: str | None) -> str | None:
    """``value`` when it is an absolute http(s) URL (never ``javascript:`` and the like), else None."""
    if not value:
        return None
    cleaned = xml_text(value).strip()
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return cleaned


def _child(parent: Any, tag: str, text: str | None = None, **attributes: str) -> Any:
    from lxml import etree

    element = etree.SubElement(parent, tag, {key: xml_text(value) for key, value in attributes.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def _link(parent: Any, tag: str, href: str | None, rel: str, media_type: str | None = None) -> None:
    url = http_url(href)
    if url is None:
        return
    attributes = {"rel": rel, "href": url}
    if media_type:
        attributes["type"] = media_type
    _child(parent, tag, **attributes)


def _serialized(root: Any) -> bytes:
    from lxml import etree

    body: bytes = etree.tostring(root, xml_declaration=True, encoding="utf-8")
    return body


def atom_feed(document: FeedDocument) -> bytes:
    """The document as Atom 1.0 (RFC 4287), UTF-8."""
    from lxml import etree

    root = etree.Element(ATOM + "feed", nsmap={None: ATOM_NS})
    _child(root, ATOM + "id", document.self_url)
    _child(root, ATOM + "title", document.title, type="text")
    if document.subtitle:
        _child(root, ATOM + "subtitle", document.subtitle, type="text")
    _child(root, ATOM + "updated", rfc3339(document.updated))
    _link(root, ATOM + "link", document.self_url, "self", "application/atom+xml")
    _link(root, ATOM + "link", document.page_url, "alternate", "text/html")
    author = _child(root, ATOM + "author")
    _child(author, ATOM + "name", GENERATOR)
    _child(root, ATOM + "generator", GENERATOR)
    for entry in document.entries:
        _atom_entry(root, entry)
    return _serialized(root)


def _atom_entry(root: Any, entry: FeedEntry) -> None:
    element = _child(root, ATOM + "entry")
    _child(element, ATOM + "id", entry.id)
    _child(element, ATOM + "title", entry.title, type="text")
    _link(element, ATOM + "link", entry.link, "alternate", "text/html")
    _link(element, ATOM + "link", entry.original, "related", "text/html")
    _child(element, ATOM + "updated", rfc3339(entry.updated))
    if entry.published is not None:
        _child(element, ATOM + "published", rfc3339(entry.published))
    byline = entry.author or (entry.outlet.name if entry.outlet else None)
    if byline:
        _child(_child(element, ATOM + "author"), ATOM + "name", byline)
    for name in entry.contributors:
        _child(_child(element, ATOM + "contributor"), ATOM + "name", name)
    if entry.summary:
        _child(element, ATOM + "summary", entry.summary, type="text")
    if entry.outlet is not None:
        _atom_source(element, entry.outlet)


def _atom_source(element: Any, outlet: Outlet) -> None:
    source = _child(element, ATOM + "source")
    _child(source, ATOM + "id", outlet.page_url)
    _child(source, ATOM + "title", outlet.name, type="text")
    _link(source, ATOM + "link", outlet.site_url or outlet.page_url, "alternate", "text/html")


def rss_feed(document: FeedDocument) -> bytes:
    """The document as RSS 2.0, UTF-8."""
    from lxml import etree

    root = etree.Element("rss", {"version": "2.0"}, nsmap={"atom": ATOM_NS, "dc": DC_NS})
    channel = _child(root, "channel")
    _child(channel, "title", escaped(document.title))
    _child(channel, "link", document.page_url)
    _child(channel, "description", escaped(document.subtitle or document.title))
    _child(channel, "lastBuildDate", rfc822(document.updated))
    _child(channel, "generator", GENERATOR)
    _link(channel, ATOM + "link", document.self_url, "self", "application/rss+xml")
    for entry in document.entries:
        _rss_item(channel, entry)
    return _serialized(root)


def _rss_item(channel: Any, entry: FeedEntry) -> None:
    item = _child(channel, "item")
    _child(item, "title", escaped(entry.title))
    _child(item, "link", entry.link)
    _child(item, "guid", entry.id, isPermaLink="true" if entry.id == entry.link else "false")
    _child(item, "pubDate", rfc822(entry.published or entry.updated))
    byline = entry.author or (entry.outlet.name if entry.outlet else None)
    if byline:
        _child(item, DC + "creator", escaped(byline))
    if entry.summary:
        _child(item, "description", paragraphs_html(entry.summary))
    _link(item, ATOM + "link", entry.original, "related", "text/html")
    if entry.outlet is not None:
        _child(item, "source", escaped(entry.outlet.name), url=entry.outlet.feed_url)


def escaped(text: str) -> str:
    """Plain text as HTML text (for RSS fields readers may render as HTML)."""
    return html.escape(text, quote=False)


def paragraphs_html(text: str) -> str:
    """Plain text as escaped HTML paragraphs (one per blank-line separated block)."""
    blocks = [" ".join(block.split()) for block in re.split(r"\n\s*\n", text)]
    return "".join(f"<p>{html.escape(block, quote=False)}</p>" for block in blocks if block)
