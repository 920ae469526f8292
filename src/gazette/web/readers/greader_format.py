"""Google Reader protocol shapes: stream and item ids, item JSON and the Atom form newsboat reads."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import escape
from typing import Any

from gazette.store.readers import ReaderFeed, ReaderItem, StateName, Stream
from gazette.web.feeds_out import rfc3339, xml_text

ITEM_PREFIX = "tag:google.com,2005:reader/item/"
STATE_PREFIX = "user/-/state/com.google/"
LABEL_PREFIX = "user/-/label/"
READING_LIST = STATE_PREFIX + "reading-list"
READ = STATE_PREFIX + "read"
STARRED = STATE_PREFIX + "starred"
KEPT_UNREAD = STATE_PREFIX + "kept-unread"
MAX_ID = 2**63 - 1
_USER_PART = re.compile(r"^user/[^/]*/")
STATE_NAMES: dict[str, StateName] = {"read": "read", "starred": "starred", "kept-unread": "unread"}


class ProtocolError(ValueError):
    """A request the protocol does not allow (answered with 400 and this message)."""


def long_item_id(article_id: int) -> str:
    return f"{ITEM_PREFIX}{article_id:016x}"


def parse_item_id(value: str) -> int:
    """An article id from the long form, the decimal short form (signed 64-bit) or ``0x`` hex."""
    text = value.strip()
    try:
        if text.startswith(ITEM_PREFIX):
            number = int(text[len(ITEM_PREFIX) :], 16)
        elif text.lower().startswith("0x"):
            number = int(text[2:], 16)
        else:
            number = int(text, 10)
    except ValueError:
        raise ProtocolError(f"not an item id: {text[:80]!r}") from None
    if number < 0:
        number += 2**64
    if not 0 < number <= MAX_ID:
        raise ProtocolError(f"item id out of range: {text[:80]!r}")
    return number


def normalized_stream_id(value: str) -> str:
    """``user/<anything>/...`` as ``user/-/...``: clients may send their numeric user id."""
    return _USER_PART.sub("user/-/", value.strip(), count=1)


def state_of(tag: str) -> StateName | None:
    """The reading state a ``user/-/state/com.google/<name>`` tag names, if one we keep."""
    tag = normalized_stream_id(tag)
    if not tag.startswith(STATE_PREFIX):
        return None
    return STATE_NAMES.get(tag[len(STATE_PREFIX) :])


def label_of(stream_id: str) -> str | None:
    stream_id = normalized_stream_id(stream_id)
    if stream_id.startswith(LABEL_PREFIX) and len(stream_id) > len(LABEL_PREFIX):
        return stream_id[len(LABEL_PREFIX) :]
    return None


def parse_stream(stream_id: str, feed_for_url: Any) -> Stream:
    """A stream id as a :class:`Stream`; ``feed_for_url`` maps a feed URL to its id (or None)."""
    normalized = normalized_stream_id(stream_id)
    states = {READING_LIST: "reading-list", READ: "read", STARRED: "starred", KEPT_UNREAD: "kept-unread"}
    if normalized in states:
        return Stream(states[normalized])  # type: ignore[arg-type]
    label = label_of(normalized)
    if label is not None:
        return Stream("label", label=label)
    if normalized.startswith("feed/"):
        target = normalized[len("feed/") :]
        if target.isdigit() and 0 < int(target) <= MAX_ID:
            return Stream("feed", feed_id=int(target))
        found = feed_for_url(target)
        return Stream("feed", feed_id=found if found is not None else -1)
    raise ProtocolError(f"unknown stream: {stream_id[:120]!r}")


def usec(when: datetime) -> int:
    return int(when.astimezone(UTC).timestamp() * 1_000_000)


def subscription_json(feed: ReaderFeed) -> dict[str, Any]:
    categories = [{"id": LABEL_PREFIX + feed.category, "label": feed.category}] if feed.category else []
    return {
        "id": f"feed/{feed.feed_id}",
        "title": feed.title,
        "categories": categories,
        "url": feed.url,
        "htmlUrl": feed.site_url or feed.url,
        "iconUrl": "",
    }


def item_categories(item: ReaderItem, feed: ReaderFeed | None) -> list[str]:
    tags = [READING_LIST]
    if feed is not None and feed.category:
        tags.append(LABEL_PREFIX + feed.category)
    tags += [LABEL_PREFIX + label for label in item.labels if feed is None or label != feed.category]
    if item.read:
        tags.append(READ)
    if item.starred:
        tags.append(STARRED)
    return tags


def item_content(item: ReaderItem) -> str:
    """The sanitized article HTML, or the escaped summary when the article has no HTML."""
    return item.html or escape(item.summary or "")


def item_json(item: ReaderItem, feed: ReaderFeed | None) -> dict[str, Any]:
    when = item.when or item.fetched
    return {
        "id": long_item_id(item.id),
        "crawlTimeMsec": str(usec(item.fetched) // 1000),
        "timestampUsec": str(usec(when)),
        "published": usec(when) // 1_000_000,
        "updated": usec(when) // 1_000_000,
        "title": item.title,
        "canonical": [{"href": item.url}],
        "alternate": [{"href": item.url, "type": "text/html"}],
        "summary": {"direction": "ltr", "content": item_content(item)},
        "author": item.author or "",
        "origin": {
            "streamId": f"feed/{item.feed_id}" if item.feed_id is not None else "feed/0",
            "title": feed.title if feed else "",
            "htmlUrl": (feed.site_url or feed.url) if feed else "",
        },
        "categories": item_categories(item, feed),
    }


def atom_document(
    stream_id: str,
    title: str,
    items: list[ReaderItem],
    feeds: dict[int, ReaderFeed],
    continuation: str | None,
) -> bytes:
    """The stream as Google Reader's Atom (``reader/atom/<stream>``), read-state as ``gr`` categories."""
    from lxml import etree

    atom = "http://www.w3.org/2005/Atom"
    gr = "http://www.google.com/schemas/reader/atom/"
    root = etree.Element(f"{{{atom}}}feed", nsmap={None: atom, "gr": gr})
    etree.SubElement(root, f"{{{atom}}}id").text = f"tag:google.com,2005:reader/{stream_id}"
    etree.SubElement(root, f"{{{atom}}}title").text = xml_text(title)
    etree.SubElement(root, f"{{{atom}}}updated").text = rfc3339(datetime.now(UTC))
    if continuation is not None:
        etree.SubElement(root, f"{{{gr}}}continuation").text = continuation
    for item in items:
        feed = feeds.get(item.feed_id) if item.feed_id is not None else None
        entry = etree.SubElement(root, f"{{{atom}}}entry")
        etree.SubElement(entry, f"{{{atom}}}id").text = long_item_id(item.id)
        for tag in item_categories(item, feed):
            label = tag.rsplit("/", 1)[-1]
            etree.SubElement(
                entry, f"{{{atom}}}category", term=tag, scheme="http://www.google.com/reader/", label=label
            )
        if not item.read:
            etree.SubElement(
                entry,
                f"{{{atom}}}category",
                term=STATE_PREFIX + "fresh",
                scheme="http://www.google.com/reader/",
                label="fresh",
            )
        etree.SubElement(entry, f"{{{atom}}}title", type="html").text = xml_text(item.title)
        etree.SubElement(entry, f"{{{atom}}}published").text = rfc3339(item.when)
        etree.SubElement(entry, f"{{{atom}}}updated").text = rfc3339(item.when)
        etree.SubElement(entry, f"{{{atom}}}link", rel="alternate", href=xml_text(item.url), type="text/html")
        etree.SubElement(entry, f"{{{atom}}}content", type="html").text = xml_text(item_content(item))
        if item.author:
            author = etree.SubElement(entry, f"{{{atom}}}author")
            etree.SubElement(author, f"{{{atom}}}name").text = xml_text(item.author)
        if feed is not None:
            source = etree.SubElement(
                entry, f"{{{atom}}}source", {f"{{{gr}}}stream-id": f"feed/{feed.feed_id}"}
            )
            etree.SubElement(source, f"{{{atom}}}id").text = f"tag:google.com,2005:reader/feed/{feed.feed_id}"
            etree.SubElement(source, f"{{{atom}}}title").text = xml_text(feed.title)
            etree.SubElement(
                source, f"{{{atom}}}link", rel="alternate", href=xml_text(feed.site_url or feed.url)
            )
    document: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return document
