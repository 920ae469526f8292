"""Find a site's feeds: ``<link>`` tags in its HTML, well-known paths, and content sniffing."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

from gazette.ingest.urls import InvalidURL, canonical_url

__all__ = [
    "CANDIDATE_PATHS",
    "FEED_TYPES",
    "DiscoveredFeed",
    "candidate_paths",
    "discover_feeds",
    "looks_like_feed",
]

FEED_TYPES: dict[str, str] = {
    "application/rss+xml": "rss",
    "application/atom+xml": "atom",
    "application/rdf+xml": "rdf",
    "application/feed+json": "json",
    "application/json": "json",
}
"""Media types of ``<link rel="alternate">`` that announce a feed, with the feed kind."""

CANDIDATE_PATHS: tuple[str, ...] = (
    "/feed",
    "/rss",
    "/rss.xml",
    "/atom.xml",
    "/feed.xml",
    "/index.xml",
    "/feed.json",
    "/feeds/posts/default",
    "/?feed=rss2",
)
"""Paths where feeds commonly live (WordPress, Blogger, Hugo, Jekyll, Ghost...), most likely first."""

_XML_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
_JSON_FEED_TYPES = ("application/feed+json",)
_ROOT_RE = re.compile(r"<(?:rss|feed|rdf:rdf|channel)[\s>/]")
_SNIFF_BYTES = 2048


@dataclass(frozen=True, slots=True)
class DiscoveredFeed:
    url: str
    title: str | None
    type: str
    """The announced media type, e.g. ``application/rss+xml``."""


def discover_feeds(html: str | bytes, base_url: str) -> list[DiscoveredFeed]:
    """Return the feeds an HTML page announces, in page order, without duplicates.

    Reads ``<link rel="alternate" type="...">`` (RSS, Atom, RDF, JSON Feed) and
    ``<link rel="feed">``; relative ``href`` values are resolved against the
    page's ``<base href>`` (itself resolved against ``base_url``) or ``base_url``.
    """
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    base_node = tree.css_first("base[href]")
    base = _document_base(base_node.attributes.get("href") if base_node else None, base_url)
    found: dict[str, DiscoveredFeed] = {}
    for node in tree.css("link[href]"):
        attrs = node.attributes
        rels = set((attrs.get("rel") or "").lower().split())
        media_type = (attrs.get("type") or "").split(";")[0].strip().lower()
        is_alternate_feed = "alternate" in rels and media_type in FEED_TYPES
        if not (is_alternate_feed or "feed" in rels):
            continue
        if media_type == "application/json" and "alternate" in rels and "feed" not in rels:
            continue
        url = _absolute_http(attrs.get("href") or "", base)
        if url is None or url in found:
            continue
        title = " ".join((attrs.get("title") or "").split()) or None
        found[url] = DiscoveredFeed(url=url, title=title, type=media_type or "application/rss+xml")
    return list(found.values())


def candidate_paths(site_url: str) -> list[str]:
    """Return absolute URLs of the common feed locations on ``site_url``'s host, most likely first."""
    parts = urlsplit(canonical_url(site_url))
    root = urlunsplit((parts.scheme, parts.netloc, "/", "", ""))
    return [urljoin(root, path) for path in CANDIDATE_PATHS]


def looks_like_feed(content: bytes, content_type: str | None) -> bool:
    """Guess from the media type and the first bytes whether ``content`` is a feed (not an HTML page)."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type in _XML_FEED_TYPES or media_type in _JSON_FEED_TYPES:
        return True
    head = _decoded_head(content).lstrip().lower()
    if head.startswith("{"):
        return "jsonfeed.org/version" in head or (media_type == "application/json" and '"items"' in head)
    if "<html" in head or "<!doctype html" in head:
        return False
    return _ROOT_RE.search(head) is not None


def _document_base(href: str | None, base_url: str) -> str:
    if not href:
        return base_url
    return _absolute_http(href, base_url) or base_url


def _absolute_http(href: str, base: str) -> str | None:
    text = href.strip()
    if not text:
        return None
    try:
        absolute = urljoin(base, text)
        canonical_url(absolute)
    except (InvalidURL, ValueError):
        return None
    return absolute


def _decoded_head(content: bytes) -> str:
    head = content[:_SNIFF_BYTES]
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if head.startswith(bom):
            return head.decode(codec, "ignore")
    if head[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        return head.decode("utf-16-le" if head[0] == 0x3C else "utf-16-be", "ignore")
    return head.decode("latin-1")
