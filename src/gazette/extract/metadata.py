"""Page metadata (title, byline, dates, language, site name, image) from one parsed tree.

Sources, strongest first: JSON-LD article objects, ``<meta>`` tags (Open Graph,
``article:``, Dublin Core, Parse.ly, Twitter), then the document itself
(``<title>``, ``<h1>``, ``rel=author`` / ``itemprop=author`` / ``.byline``
elements) and, for dates only, htmldate's quick (non-extensive) search.
The order of the meta keys follows Mozilla Readability's, which is what the
readability test pages were annotated with.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lxml.html import HtmlElement

ARTICLE_TYPES = frozenset(
    {
        "article",
        "advertisercontentarticle",
        "newsarticle",
        "analysisnewsarticle",
        "askpublicnewsarticle",
        "backgroundnewsarticle",
        "opinionnewsarticle",
        "reportagenewsarticle",
        "reviewnewsarticle",
        "report",
        "satiricalarticle",
        "scholarlyarticle",
        "medicalscholarlyarticle",
        "socialmediaposting",
        "blogposting",
        "liveblogposting",
        "discussionforumposting",
        "techarticle",
        "apireference",
    }
)
TITLE_KEYS = (
    "dc:title",
    "dcterm:title",
    "og:title",
    "weibo:article:title",
    "weibo:webpage:title",
    "title",
    "twitter:title",
    "parsely-title",
)
AUTHOR_KEYS = (
    "dc:creator",
    "dcterm:creator",
    "author",
    "parsely-author",
    "article:author",
    "sailthru.author",
)
SITE_KEYS = ("og:site_name", "application-name", "twitter:site")
IMAGE_KEYS = ("og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src")
PUBLISHED_KEYS = (
    "article:published_time",
    "article:published",
    "og:article:published_time",
    "parsely-pub-date",
    "dc:date",
    "dcterm:created",
    "date",
    "pubdate",
    "publishdate",
    "sailthru.date",
)
UPDATED_KEYS = ("article:modified_time", "og:updated_time", "og:article:modified_time", "dcterm:modified")
LANGUAGE_KEYS = ("content-language", "dc:language", "language", "og:locale")

BYLINE_XPATH = (
    ".//*[@rel='author' or contains(@itemprop, 'author') or "
    "contains(translate(@class, 'BYLINE', 'byline'), 'byline') or "
    "contains(translate(@class, 'AUTHOR', 'author'), 'author') or "
    "contains(translate(@id, 'BYLINE', 'byline'), 'byline')]"
)
BYLINE_PREFIX = re.compile(r"^\s*(?:by|von|par|por|di|door|av|af)\s*[:\s]\s*", re.IGNORECASE)
WHITESPACE = re.compile(r"\s+")
LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{2,3}(?:[-_][a-zA-Z0-9]{2,8})*$")


@dataclass(slots=True)
class PageMetadata:
    title: str | None = None
    author: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    language: str | None = None
    site_name: str | None = None
    image: str | None = None
    description: str | None = None
    accessible_for_free: bool | None = None


def clean_text(value: str | None) -> str | None:
    """Unescape entities and collapse whitespace; None for empty."""
    if value is None:
        return None
    text = WHITESPACE.sub(" ", html.unescape(value)).strip()
    return text or None


def meta_values(tree: HtmlElement) -> dict[str, str]:
    """First non-empty ``content`` per normalized ``name``/``property``/``http-equiv`` key."""
    values: dict[str, str] = {}
    for meta in tree.iter("meta"):
        content = clean_text(meta.get("content"))
        if content is None:
            continue
        for attribute in ("property", "name", "http-equiv", "itemprop"):
            raw = meta.get(attribute)
            if not raw:
                continue
            for key in raw.lower().split():
                values.setdefault(key.replace(".", ":") if key.startswith("dc") else key, content)
    return values


def json_ld_objects(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    """Every JSON object found in the page's ld+json scripts, ``@graph`` members included."""
    for script in tree.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower() or not script.text:
            continue
        try:
            data = json.loads(script.text.strip().strip(";"))
        except ValueError:
            continue
        yield from _walk_json(data, depth=0)


def _walk_json(data: Any, depth: int) -> Iterator[dict[str, Any]]:
    if depth > 6:
        return
    if isinstance(data, list):
        for item in data:
            yield from _walk_json(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        graph = data.get("@graph")
        if graph is not None:
            yield from _walk_json(graph, depth + 1)


def _types(obj: dict[str, Any]) -> set[str]:
    raw = obj.get("@type")
    names = raw if isinstance(raw, list) else [raw]
    return {str(name).lower() for name in names if name}


def article_object(tree: HtmlElement) -> dict[str, Any] | None:
    """The first JSON-LD object typed as an article (NewsArticle, BlogPosting, ...)."""
    for obj in json_ld_objects(tree):
        if _types(obj) & ARTICLE_TYPES:
            return obj
    return None


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        name = value.get("name")
        return [name] if isinstance(name, str) else []
    if isinstance(value, list):
        return [name for item in value for name in _names(item)]
    return []


def _first_url(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return _first_url(value.get("url") or value.get("contentUrl"))
    if isinstance(value, list) and value:
        return _first_url(value[0])
    return None


def json_ld_author(obj: dict[str, Any]) -> str | None:
    names = [name for name in (clean_text(n) for n in _names(obj.get("author"))) if name]
    names = [name for name in names if not name.startswith("http")]
    return ", ".join(dict.fromkeys(names)) or None


def parse_datetime(value: str | None) -> datetime | None:
    """An ISO 8601 / RFC 3339 string as an aware UTC datetime (naive values are taken as UTC)."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    if re.match(r"^\d{4}-\d{2}-\d{2} \d", text):
        text = text.replace(" ", "T", 1)
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    parsed = parsed.astimezone(UTC)
    return parsed if 1990 <= parsed.year <= datetime.now(UTC).year + 1 else None


def htmldate_published(tree: HtmlElement, url: str | None) -> datetime | None:
    """htmldate's quick search (no dateparser pass: that one costs more than the extraction)."""
    from htmldate import find_date

    try:
        found = find_date(tree, url=url, extensive_search=False, original_date=True)
    except (ValueError, TypeError):
        return None
    return parse_datetime(found) if found else None


def language_tag(value: str | None) -> str | None:
    """The primary subtag of a BCP 47 / locale value (``en-GB``, ``de_DE`` → ``en``, ``de``)."""
    if not value:
        return None
    candidate = value.split(",")[0].strip()
    if not LANGUAGE_TAG.match(candidate):
        return None
    return candidate.replace("_", "-").split("-")[0].lower()


def document_title(tree: HtmlElement) -> str | None:
    """``<title>``, or the single ``<h1>`` when the title is missing."""
    title = tree.find(".//title")
    text = clean_text(title.text_content()) if title is not None else None
    if text:
        return text
    headings = tree.findall(".//h1")
    return clean_text(headings[0].text_content()) if len(headings) == 1 else None


def strip_byline_prefix(text: str) -> str:
    return BYLINE_PREFIX.sub("", text, count=1).strip()


def document_byline(tree: HtmlElement) -> str | None:
    """Text of the first short author/byline element in the page."""
    for element in tree.xpath(BYLINE_XPATH):
        if element.tag in {"meta", "link", "body", "html", "article", "section", "main"}:
            continue
        text = clean_text(element.text_content())
        if text and 2 < len(text) < 100:
            return text
    return None


def _first(values: dict[str, str], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = values.get(key)
        if value:
            return value
    return None


def _meta_author(values: dict[str, str]) -> str | None:
    author = _first(values, AUTHOR_KEYS)
    if author is None or author.startswith("http"):
        return None
    return author


def page_language(tree: HtmlElement, values: dict[str, str], obj: dict[str, Any] | None) -> str | None:
    """Language declared by the page: ``<html lang>``, meta tags, then JSON-LD ``inLanguage``."""
    root = tree.getroottree().getroot()
    declared = (
        root.get("lang") or root.get("xml:lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    )
    for value in (declared, _first(values, LANGUAGE_KEYS), (obj or {}).get("inLanguage")):
        tag = language_tag(value if isinstance(value, str) else None)
        if tag:
            return tag
    return None


def read_metadata(tree: HtmlElement, url: str | None = None) -> PageMetadata:
    """All page-level metadata we can find without running the text extractor."""
    values = meta_values(tree)
    obj = article_object(tree)
    ld = obj or {}
    headline = ld.get("headline") or ld.get("name")
    free = ld.get("isAccessibleForFree")
    published = parse_datetime(ld.get("datePublished") if isinstance(ld.get("datePublished"), str) else None)
    published = published or parse_datetime(_first(values, PUBLISHED_KEYS))
    updated = parse_datetime(ld.get("dateModified") if isinstance(ld.get("dateModified"), str) else None)
    updated = updated or parse_datetime(_first(values, UPDATED_KEYS))
    publisher = ld.get("publisher")
    site = _names(publisher)[0] if _names(publisher) else None
    return PageMetadata(
        title=clean_text(headline if isinstance(headline, str) else None)
        or clean_text(_first(values, TITLE_KEYS))
        or document_title(tree),
        author=json_ld_author(ld) or clean_text(_meta_author(values)) or _byline_name(tree),
        published=published or htmldate_published(tree, url),
        updated=updated,
        language=page_language(tree, values, obj),
        site_name=clean_text(_first(values, SITE_KEYS) or site),
        image=clean_text(_first(values, IMAGE_KEYS) or _first_url(ld.get("image"))),
        description=clean_text(values.get("description") or values.get("og:description")),
        accessible_for_free=_accessible(free),
    )


def _byline_name(tree: HtmlElement) -> str | None:
    byline = document_byline(tree)
    return strip_byline_prefix(byline) or None if byline else None


def _accessible(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    return None
