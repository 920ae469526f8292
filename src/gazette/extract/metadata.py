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
from selectolax.lexbor import LexborHTMLParser, LexborNode

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
    "og:article:author",
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

BYLINE_SELECTOR = "[rel=author], [itemprop*=author], [class*=byline i], [class*=author i], [id*=byline i]"
NAME_SELECTOR = "[itemprop*=name]"
PUBLISHED_SELECTORS = ("[itemprop=datePublished]", "time[pubdate]", "article time[datetime]")
"""Strongest first; a ``<time>`` outside the article may date a comment or a teaser."""
NOT_BYLINE_TAGS = frozenset({"meta", "link", "body", "html", "article", "section", "main"})
MONTHS = (
    "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|"
    "janv|févr|fév|avr|mai|juin|juil|août|déc|januar|februar|märz|mär|juni|juli|okt|dez|"
    "ene|abr|ago|dic|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|"
    "gen|giu|lug|ott"
)
DATE_LEAD = re.compile(
    rf"(?:\s+(?:{MONTHS})[a-zé]*\.?|\s+(?:on|at|am|le|el|il|op|de|updated|published|posted|"
    r"aktualisiert|veröffentlicht|publié|publicado|před|vor|hace|il y a))+\s*$",
    re.IGNORECASE,
)
FURNITURE_LABEL = re.compile(r"comment|sidebar|related|follow", re.IGNORECASE)
DATE_LABEL = re.compile(
    r"\b(?:updated|published|posted|aktualisiert|veröffentlicht|publié|publicado)\b", re.IGNORECASE
)
BYLINE_TRAILER = re.compile(r"[\s,;:|•·—–-]+$")
BYLINE_PREFIX = re.compile(r"^\s*(?:by|von|par|por|di|door|av|af)\s*[:\s]\s*", re.IGNORECASE)
WHITESPACE = re.compile(r"\s+")
CDATA = re.compile(r"^\s*<!\[CDATA\[|\]\]>\s*$")
TOKEN_SPLIT = re.compile(r"\W+")
TITLE_SEPARATOR = re.compile(r"\s[|\-–—\\/>»]\s")
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
    """First non-empty ``content`` per normalized key; a ``property`` tag wins over a ``name`` tag.

    RDFa ``property`` values are the ones publishers mean for machines (Readability
    reads them the same way); ``name``/``http-equiv``/``itemprop`` fill the other keys.
    """
    by_property: dict[str, str] = {}
    by_name: dict[str, str] = {}
    for meta in tree.iter("meta"):
        content = clean_text(meta.get("content"))
        if content is None:
            continue
        for attribute in ("property", "name", "http-equiv", "itemprop"):
            raw = meta.get(attribute)
            if not raw:
                continue
            values = by_property if attribute == "property" else by_name
            for key in raw.lower().split():
                values.setdefault(key.replace(".", ":") if key.startswith("dc") else key, content)
    return by_name | by_property


def json_ld_objects(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    """Every JSON object found in the page's ld+json scripts, ``@graph`` members included."""
    for script in tree.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower() or not script.text:
            continue
        try:
            data = json.loads(CDATA.sub("", script.text).strip().strip(";"))
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


def json_ld_title(obj: dict[str, Any], tree: HtmlElement) -> str | None:
    """``name`` or ``headline`` of an article object.

    When both are given and differ, ``headline`` is taken only if it matches the
    page's ``<title>`` and ``name`` does not (Wikipedia puts a description in
    ``headline``); otherwise ``name``, as Readability does.
    """
    name, headline = obj.get("name"), obj.get("headline")
    name = name if isinstance(name, str) and name.strip() else None
    headline = headline if isinstance(headline, str) and headline.strip() else None
    if name and headline and name.strip() != headline.strip():
        title = without_site_suffix(document_title(tree) or "")
        if text_similarity(headline, title) > 0.75 and text_similarity(name, title) <= 0.75:
            return headline
        return name
    return name or headline


def without_site_suffix(title: str) -> str:
    """A ``<title>`` without its last " | Site" / " - Site" part, unless that leaves under 3 words."""
    parts = TITLE_SEPARATOR.split(title)
    head = title[: title.rfind(parts[-1])].rstrip(" |-–—\\/>»") if len(parts) > 1 else title
    return head if len(head.split()) >= 3 else title


def text_similarity(a: str, b: str) -> float:
    """Share of ``b`` (by length of its word tokens) whose tokens also occur in ``a``."""
    tokens_a = {t for t in TOKEN_SPLIT.split(a.lower()) if t}
    tokens_b = [t for t in TOKEN_SPLIT.split(b.lower()) if t]
    if not tokens_a or not tokens_b:
        return 0.0
    missing = " ".join(t for t in tokens_b if t not in tokens_a)
    return 1 - len(missing) / len(" ".join(tokens_b))


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


def marked_up_published(dom: LexborHTMLParser) -> datetime | None:
    """The first machine-readable date in the page body: ``itemprop=datePublished`` or ``<time datetime>``.

    Found by lexbor's CSS engine in a fraction of htmldate's time; htmldate is
    asked only when the page has no such markup.
    """
    for selector in PUBLISHED_SELECTORS:
        for node in dom.css(selector):
            attributes = node.attributes
            moment = parse_datetime(attributes.get("datetime") or attributes.get("content"))
            if moment is not None:
                return moment
    return None


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


def document_byline(dom: LexborHTMLParser) -> str | None:
    """The author named by the page's first short byline element (``rel=author``, ``.byline``, ...).

    Inside that element, a ``itemprop=name`` part or a nested author element is
    the name itself (the rest is "By", a job title or a date). An element that
    only labels a date ("Last updated: ...") is skipped.
    """
    for node in dom.css(BYLINE_SELECTOR):
        if node.tag in NOT_BYLINE_TAGS:
            continue
        text = clean_text(node.text(deep=True))
        if not text or not 2 < len(text) < 100 or in_page_furniture(node):
            continue
        for part in (node.css_first(NAME_SELECTOR), _nested_byline(node)):
            name = clean_text(part.text(deep=True)) if part is not None else None
            if name and len(name) > 2:
                text = name
                break
        name = byline_name(text)
        if name:
            return name
    return None


def in_page_furniture(node: LexborNode) -> bool:
    """Inside a sidebar, comment, "related" or "follow" box: not the article's byline."""
    parent = node.parent
    while parent is not None and parent.tag not in ("body", "html"):
        attributes = parent.attributes
        label = f"{attributes.get('class') or ''} {attributes.get('id') or ''}"
        if FURNITURE_LABEL.search(label):
            return True
        parent = parent.parent
    return False


def _nested_byline(node: LexborNode) -> LexborNode | None:
    for child in node.css(BYLINE_SELECTOR):
        if child.mem_id != node.mem_id and len((child.text(deep=True) or "").strip()) > 2:
            return child
    return None


def byline_name(text: str) -> str | None:
    """A byline's name: "By" and a trailing date, time or separator removed."""
    name = strip_byline_prefix(text)
    digit = re.search(r"\d", name)
    if digit:
        name = DATE_LEAD.sub("", name[: digit.start()])
    name = BYLINE_TRAILER.sub("", name).strip()
    return name if len(name) > 1 and not DATE_LABEL.search(name) else None


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


def read_metadata(
    tree: HtmlElement, url: str | None = None, dom: LexborHTMLParser | None = None
) -> PageMetadata:
    """All page-level metadata we can find without running the text extractor.

    ``dom`` is the same page parsed by lexbor, whose CSS engine finds byline
    elements several times faster than XPath on lxml; it is built from ``tree``
    when not given.
    """
    dom = dom or lexbor_dom(tree)
    values = meta_values(tree)
    obj = article_object(tree)
    ld = obj or {}
    headline = json_ld_title(ld, tree)
    free = ld.get("isAccessibleForFree")
    published = parse_datetime(ld.get("datePublished") if isinstance(ld.get("datePublished"), str) else None)
    published = published or parse_datetime(_first(values, PUBLISHED_KEYS))
    updated = parse_datetime(ld.get("dateModified") if isinstance(ld.get("dateModified"), str) else None)
    updated = updated or parse_datetime(_first(values, UPDATED_KEYS))
    publisher = ld.get("publisher")
    site = _names(publisher)[0] if _names(publisher) else None
    return PageMetadata(
        title=clean_text(headline) or clean_text(_first(values, TITLE_KEYS)) or document_title(tree),
        author=json_ld_author(ld) or clean_text(_meta_author(values)) or document_byline(dom),
        published=published or marked_up_published(dom) or htmldate_published(tree, url),
        updated=updated,
        language=page_language(tree, values, obj),
        site_name=clean_text(_first(values, SITE_KEYS) or site),
        image=clean_text(_first(values, IMAGE_KEYS) or _first_url(ld.get("image"))),
        description=clean_text(values.get("description") or values.get("og:description")),
        accessible_for_free=_accessible(free),
    )


def lexbor_dom(tree: HtmlElement) -> LexborHTMLParser:
    from lxml.html import tostring

    return LexborHTMLParser(tostring(tree, encoding="unicode"))


def _accessible(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    return None
