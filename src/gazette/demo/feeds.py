"""Feed documents for the demo publishers: RSS 2.0, RSS 1.0 (RDF), Atom 1.0 and JSON Feed 1.1.

Written by hand rather than with a feed library so each format looks the way
real publishers write it (namespaces, guid styles, author conventions differ).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape, quoteattr

from gazette.demo.profiles import FeedFormat


@dataclass(frozen=True, slots=True)
class FeedItem:
    id: str
    url: str
    title: str
    author: str
    published: datetime
    summary: str
    content_html: str
    image_url: str | None


@dataclass(frozen=True, slots=True)
class FeedChannel:
    title: str
    description: str
    site_url: str
    feed_url: str
    host: str
    email: str
    updated: datetime
    items: tuple[FeedItem, ...]


def rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def rss2_document(channel: FeedChannel, full_content: bool) -> str:
    """RSS 2.0; with ``full_content`` the article HTML rides in ``content:encoded``."""
    items = []
    for item in channel.items:
        parts = [
            f"<title>{escape(item.title)}</title>",
            f"<link>{escape(item.url)}</link>",
            f"<pubDate>{format_datetime(item.published, usegmt=True)}</pubDate>",
            f"<description>{escape(item.summary)}</description>",
        ]
        if full_content:
            parts.append(f'<guid isPermaLink="false">{escape(channel.host)}:{escape(item.id)}</guid>')
            parts.append(f"<dc:creator>{escape(item.author)}</dc:creator>")
            parts.append(f"<content:encoded><![CDATA[{cdata_safe(item.content_html)}]]></content:encoded>")
            if item.image_url:
                parts.append(
                    f'<media:content url={quoteattr(item.image_url)} medium="image" type="image/png"/>'
                )
        else:
            parts.append(f'<guid isPermaLink="true">{escape(item.url)}</guid>')
            parts.append(f"<author>{escape(channel.email)} ({escape(item.author)})</author>")
            if item.image_url:
                parts.append(f'<enclosure url={quoteattr(item.image_url)} length="0" type="image/png"/>')
        items.append("    <item>\n      " + "\n      ".join(parts) + "\n    </item>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"'
        ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">\n'
        "  <channel>\n"
        f"    <title>{escape(channel.title)}</title>\n"
        f"    <link>{escape(channel.site_url)}</link>\n"
        f"    <description>{escape(channel.description)}</description>\n"
        "    <language>en</language>\n"
        f"    <lastBuildDate>{format_datetime(channel.updated, usegmt=True)}</lastBuildDate>\n"
        f'    <atom:link href={quoteattr(channel.feed_url)} rel="self" type="application/rss+xml"/>\n'
        + "\n".join(items)
        + "\n  </channel>\n</rss>\n"
    )


def rss1_document(channel: FeedChannel) -> str:
    """RSS 1.0 (RDF Site Summary) with Dublin Core creator and date."""
    sequence = "\n".join(f"        <rdf:li rdf:resource={quoteattr(i.url)}/>" for i in channel.items)
    items = "\n".join(
        f"  <item rdf:about={quoteattr(item.url)}>\n"
        f"    <title>{escape(item.title)}</title>\n"
        f"    <link>{escape(item.url)}</link>\n"
        f"    <description>{escape(item.summary)}</description>\n"
        f"    <dc:creator>{escape(item.author)}</dc:creator>\n"
        f"    <dc:date>{rfc3339(item.published)}</dc:date>\n"
        f"    <dc:identifier>{escape(item.id)}</dc:identifier>\n"
        "  </item>"
        for item in channel.items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
        f"  <channel rdf:about={quoteattr(channel.feed_url)}>\n"
        f"    <title>{escape(channel.title)}</title>\n"
        f"    <link>{escape(channel.site_url)}</link>\n"
        f"    <description>{escape(channel.description)}</description>\n"
        f"    <dc:date>{rfc3339(channel.updated)}</dc:date>\n"
        "    <items>\n      <rdf:Seq>\n"
        f"{sequence}\n"
        "      </rdf:Seq>\n    </items>\n"
        "  </channel>\n"
        f"{items}\n"
        "</rdf:RDF>\n"
    )


def atom_document(channel: FeedChannel, full_content: bool) -> str:
    """Atom 1.0; ids are tag URIs, as careful publishers make them."""
    entries = []
    for item in channel.items:
        parts = [
            f"<id>tag:{escape(channel.host)},2026:{escape(item.id)}</id>",
            f'<title type="text">{escape(item.title)}</title>',
            f'<link rel="alternate" type="text/html" href={quoteattr(item.url)}/>',
            f"<author><name>{escape(item.author)}</name></author>",
            f"<published>{rfc3339(item.published)}</published>",
            f"<updated>{rfc3339(item.published)}</updated>",
            f'<summary type="text">{escape(item.summary)}</summary>',
        ]
        if full_content:
            parts.append(f'<content type="html">{escape(item.content_html)}</content>')
        if item.image_url:
            parts.append(f'<link rel="enclosure" type="image/png" href={quoteattr(item.image_url)}/>')
        entries.append("  <entry>\n    " + "\n    ".join(parts) + "\n  </entry>")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">\n'
        f"  <id>{escape(channel.site_url)}</id>\n"
        f"  <title>{escape(channel.title)}</title>\n"
        f"  <subtitle>{escape(channel.description)}</subtitle>\n"
        f"  <updated>{rfc3339(channel.updated)}</updated>\n"
        f'  <link rel="self" type="application/atom+xml" href={quoteattr(channel.feed_url)}/>\n'
        f'  <link rel="alternate" type="text/html" href={quoteattr(channel.site_url)}/>\n'
        f"  <icon>{escape(channel.site_url)}favicon.ico</icon>\n" + "\n".join(entries) + "\n</feed>\n"
    )


def json_feed_document(channel: FeedChannel) -> str:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""
    items: list[dict[str, object]] = []
    for item in channel.items:
        entry: dict[str, object] = {
            "id": item.id,
            "url": item.url,
            "title": item.title,
            "content_html": item.content_html,
            "summary": item.summary,
            "date_published": rfc3339(item.published),
            "date_modified": rfc3339(item.published),
            "authors": [{"name": item.author}],
            "language": "en",
        }
        if item.image_url:
            entry["image"] = item.image_url
        items.append(entry)
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": channel.title,
        "home_page_url": channel.site_url,
        "feed_url": channel.feed_url,
        "description": channel.description,
        "icon": channel.site_url + "favicon.ico",
        "favicon": channel.site_url + "favicon.ico",
        "language": "en",
        "items": items,
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def cdata_safe(text: str) -> str:
    return text.replace("]]>", "]]]]><![CDATA[>")


FEED_CONTENT_TYPES: dict[FeedFormat, str] = {
    FeedFormat.RSS2_FULL: "application/rss+xml; charset=utf-8",
    FeedFormat.RSS2_SUMMARY: "application/rss+xml; charset=utf-8",
    FeedFormat.ATOM_FULL: "application/atom+xml; charset=utf-8",
    FeedFormat.ATOM_SUMMARY: "application/atom+xml; charset=utf-8",
    FeedFormat.JSON_FEED: "application/feed+json; charset=utf-8",
    FeedFormat.RSS1_RDF: "application/rdf+xml; charset=utf-8",
}

FEED_WRITERS: dict[FeedFormat, Callable[[FeedChannel], str]] = {
    FeedFormat.RSS2_FULL: lambda channel: rss2_document(channel, full_content=True),
    FeedFormat.RSS2_SUMMARY: lambda channel: rss2_document(channel, full_content=False),
    FeedFormat.ATOM_FULL: lambda channel: atom_document(channel, full_content=True),
    FeedFormat.ATOM_SUMMARY: lambda channel: atom_document(channel, full_content=False),
    FeedFormat.JSON_FEED: json_feed_document,
    FeedFormat.RSS1_RDF: rss1_document,
}


def feed_document(feed_format: FeedFormat, channel: FeedChannel) -> str:
    return FEED_WRITERS[feed_format](channel)
