"""Import and export subscription lists as OPML (1.0 and 2.0).

Parsing is defensive: lxml with no DTD loading, no entity expansion and no
network; a document declaring entities is refused outright, and size and
outline count are capped (:data:`MAX_OPML_BYTES`, :data:`MAX_OUTLINES`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from gazette.ingest.urls import InvalidURL, canonical_url

__all__ = ["MAX_OPML_BYTES", "MAX_OUTLINES", "OpmlError", "OpmlFeed", "parse_opml", "write_opml"]

MAX_OPML_BYTES = 5 * 1024 * 1024
MAX_OUTLINES = 10_000


class OpmlError(ValueError):
    """The OPML document is malformed, unsafe, or over the limits."""


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    url: str
    title: str | None = None
    html_url: str | None = None
    category: str | None = None
    """Title of the folder outline the feed sits in (the innermost one when nested)."""


def parse_opml(content: bytes) -> list[OpmlFeed]:
    """Return the feeds listed in an OPML document, in document order, each URL once.

    Outlines with an ``xmlUrl`` are feeds; outlines without one are folders whose
    ``title`` (or ``text``) becomes the category of the feeds inside. Feed URLs
    that are not http(s) are skipped.
    """
    if len(content) > MAX_OPML_BYTES:
        raise OpmlError(f"OPML file too large ({len(content)} bytes, limit {MAX_OPML_BYTES})")
    if b"<!ENTITY" in content:
        raise OpmlError("OPML documents declaring entities are refused")
    root = _parse_xml(content)
    body = _child(root, "body")
    if _local_name(root) != "opml" or body is None:
        raise OpmlError("not an OPML document (no <opml> root with a <body>)")
    feeds: dict[str, OpmlFeed] = {}
    for feed in _walk(body, None, [0]):
        feeds.setdefault(feed.url, feed)
    return list(feeds.values())


def write_opml(feeds: Iterable[OpmlFeed], title: str = "Gazette subscriptions") -> str:
    """Serialize ``feeds`` as an OPML 2.0 document (UTF-8), one folder outline per category."""
    from lxml import etree

    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    body = etree.SubElement(root, "body")
    folders: dict[str, Any] = {}
    for feed in feeds:
        parent = body
        if feed.category:
            if feed.category not in folders:
                folders[feed.category] = etree.SubElement(
                    body, "outline", text=feed.category, title=feed.category
                )
            parent = folders[feed.category]
        label = feed.title or feed.url
        attributes = {"type": "rss", "text": label, "title": label, "xmlUrl": feed.url}
        if feed.html_url:
            attributes["htmlUrl"] = feed.html_url
        etree.SubElement(parent, "outline", attributes)
    document: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return document.decode("utf-8")


def _parse_xml(content: bytes) -> Any:
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise OpmlError(f"malformed OPML: {exc}") from exc
    if root is None:
        raise OpmlError("empty OPML document")
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise OpmlError("OPML documents declaring entities are refused")
    return root


def _walk(element: Any, category: str | None, count: list[int]) -> Iterator[OpmlFeed]:
    for outline in element:
        if not isinstance(outline.tag, str) or _local_name(outline) != "outline":
            continue
        count[0] += 1
        if count[0] > MAX_OUTLINES:
            raise OpmlError(f"too many outlines (limit {MAX_OUTLINES})")
        attrs = {key.lower(): value for key, value in outline.attrib.items() if isinstance(key, str)}
        label = _clean(attrs.get("title")) or _clean(attrs.get("text"))
        xml_url = (attrs.get("xmlurl") or "").strip()
        if xml_url:
            if _is_http(xml_url):
                html_url = (attrs.get("htmlurl") or "").strip()
                yield OpmlFeed(xml_url, label, html_url if _is_http(html_url) else None, category)
            yield from _walk(outline, category, count)
        else:
            yield from _walk(outline, label or category, count)


def _child(element: Any, name: str) -> Any:
    for child in element:
        if isinstance(child.tag, str) and _local_name(child) == name:
            return child
    return None


def _local_name(element: Any) -> str:
    return str(element.tag).rpartition("}")[2].lower()


def _clean(value: str | None) -> str | None:
    return " ".join(value.split()) or None if value else None


def _is_http(url: str) -> bool:
    try:
        canonical_url(url)
    except InvalidURL:
        return False
    return True
