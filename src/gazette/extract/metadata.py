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
ORGANISATION_TYPES = frozenset(
    {
        "organization",
        "newsmediaorganization",
        "corporation",
        "educationalorganization",
        "governmentorganization",
    }
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

BYLINE_SELECTOR = (
    "[rel~=author], [itemprop*=author], [class*=byline i], [class*=author i], "
    "[class*=writtenby i], [id*=byline i]"
)
NAME_SELECTOR = "[itemprop~=name]"
PUBLISHED_SELECTORS = ("[itemprop=datePublished]", "time[pubdate]", "article time[datetime]")
"""Strongest first; a ``<time>`` outside the article may date a comment or a teaser."""
NOT_BYLINE_TAGS = frozenset({"meta", "link", "body", "html", "article", "section", "main"})
MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|"
    "janvier|février|fév|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre|"
    "janv|févr|avr|juil|déc|januar|februar|märz|mär|juni|juli|oktober|dezember|okt|dez|"
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|"
    "ene|abr|ago|dic|gennaio|giugno|luglio|ottobre|gen|giu|lug|ott"
)
WEEKDAYS = (
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    "montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|"
    "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|"
    "lunes|martes|miércoles|jueves|viernes|sábado|domingo"
)
WEEKDAY = re.compile(rf"(?:{WEEKDAYS})\.?", re.IGNORECASE)
"""A weekday left alone once a byline's date digits are cut ("Thursday, 4 November 2021")."""
DATE_LEAD = re.compile(
    rf"(?:[\s,]+(?:{MONTHS}|{WEEKDAYS})\b\.?|\s+(?:on|at|am|le|el|il|op|de|updated|published|posted|"
    r"aktualisiert|veröffentlicht|publié|publicado|před|vor|hace|il y a))+[\s,]*$",
    re.IGNORECASE,
)
"""Month, weekday and "on"/"updated" words left before a byline's date once its digits are cut."""
ROLE_WORDS = (
    r"staff|writer|reporter|correspondent|editor|columnist|contributor|journalist|critic|photographer|"
    r"producer|team|desk|redakteur(?:in)?|korrespondent(?:in)?|journalist(?:in)?|kolumnist(?:in)?|"
    r"rédact(?:eur|rice)|journaliste|correspondante?|envoyée? spéciale?|corresponsal|redactor(?:a)?|"
    r"periodista|columnista|giornalista|redattore|redattrice"
)
ROLE = re.compile(rf"(?:[\w'’-]+\s+){{0,3}}(?:{ROLE_WORDS})s?\b", re.IGNORECASE)
"""A job title after a byline's name ("Jane Doe, Staff Writer", "Jane Doe - our health editor")."""
TRAILING_ROLE = re.compile(
    r"\s+(?:senior|chief|staff|special|foreign|contributing|guest)\s+"
    r"(?:writer|reporter|correspondent|editor|columnist|contributor)s?$",
    re.IGNORECASE,
)
"""A two-word job title glued to the name without a separator ("Jane Doe Staff Writer")."""
ROLE_SEPARATOR = re.compile(r"\s*(?:[,|•·(/]|\s[–—-])\s*")
PUBLICATION_CREDIT = re.compile(
    r"\s+(?i:for|für|pour|para|per)\s+(?i:the\s+|die\s+|le\s+|la\s+|el\s+)?[A-Z].*$"
)
"""" For The Daily Example" after the names: the outlet, not an author."""
OTHER_CREDIT = re.compile(
    r"[\s,;|•·–—-]+(?:edited|photos?|photographs|photography|illustrations?|graphics|video|"
    r"additional reporting|fact[- ]checked|reviewed)\s+by\b.*$",
    re.IGNORECASE,
)
"""A second credit after the author's ("By Jane Doe. Edited by John Roe"): not an author."""
EMAIL = re.compile(r"<?[\w.+-]+@[\w-]+(?:\.[\w-]+)+>?")
HANDLE = re.compile(r"(?:^|\s)\(?@\w{2,}\)?")
EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")
TAG = re.compile(r"<[^>]*>")
ADJACENT_TAGS = re.compile(r"</[^>]+>\s*<(?!/)")
DOMAIN = re.compile(
    r"\w\.(?:com|org|net|info|biz|io|co|news|online|blog|media|eu|de|at|ch|fr|es|it|pl|cz|sk|hu|ro|nl|be|"
    r"uk|us|ca|au|nz|ie|se|no|dk|fi|pt|gr|ru|ua|jp|cn|kr|in|br|mx|ar|cl|pe|cr|tv)\b(?![.\w])",
    re.IGNORECASE,
)
"""A host name ("example.com", "news.example.co.uk"): a site, not a person."""
SOURCE_LABEL = re.compile(r"^(?:sources?|quellen?|źródło|fuente|fonte|bron|kilde|källa)\b", re.IGNORECASE)
"""A "Source: ..." credit names where a text came from, not who wrote it."""
NOT_NAMES = frozenset(
    {
        "by", "von", "par", "por", "di", "door", "av", "af", "author", "authors", "autor", "autoren",
        "auteur", "auteurs", "date", "datum", "admin", "administrator", "webmaster", "root", "unknown",
        "anonymous", "anonym", "anonyme", "anónimo", "anonimo", "guest", "user", "publisher", "super user",
        "follow", "about the author",
    }
)  # fmt: skip
"""Labels and account names that byline elements and CMS exports put where a name belongs."""
PERSON_NAME = re.compile(r"^[^\W\d_][\w'’.-]*(?:\s+[^\W\d_][\w'’.-]*){1,4}$")
NAME_WORD = re.compile(r"[^\W\d_]{3,}")
NAME_LIST_SEPARATOR = re.compile(r"\s*(?:,|;|&|\band\b|\bund\b|\bet\b|\by\b)\s*")
FURNITURE_LABEL = re.compile(r"comment|sidebar|related|follow", re.IGNORECASE)
DATE_LABEL = re.compile(
    r"\b(?:updated|published|posted|aktualisiert|veröffentlicht|publié|publicado)\b", re.IGNORECASE
)
BYLINE_TRAILER = re.compile(r"[\s,;:|•·—–(-]+$")
BYLINE_PREFIX = re.compile(
    r"^\s*(?:(?:(?:posted|written|words|story|reported|text)\s+(?:and\s+\w+\s+)?by|by|"
    r"(?:geschrieben|eingestellt|erstellt|verfasst) von|(?:publié|écrit) par|(?:publicado|escrito) por|"
    r"(?:pubblicato|scritto) da|a cura di|(?P<particle>von|di|da|af)|par|por|door|av|przez|"
    r"autor(?:in)?|auteur|(?:post\s+)?author)\s*[:\s]|about the author\s*[:\s–—-]|"
    r"(?:text|texte|tekst|texto|testo)(?:\s*(?:und|and|&|et|y|e|en|og)\s+[^\W\d_]+)?\s*:)\s*",
    re.IGNORECASE,
)
"""A credit's leading "By" in English, German, French, Spanish, Portuguese, Italian, Dutch,
Scandinavian or Polish, or a "Text:" / "Text and photos:" label; ``particle`` marks the words
that also begin surnames."""
LABEL_BEFORE_BY = re.compile(
    r"\s*(?:(?:post\s+)?author|autor(?:in)?|auteur|about the author)\b", re.IGNORECASE
)
"""A label that may stand before the credit itself ("Post author: By Jane Doe")."""
SURNAME = re.compile(r"^[^\W\d_][^\W\d_'’-]*(?:['’-][^\W\d_]+)*$")
QUOTES = frozenset("\"'“”„‘’‚«»")
WHITESPACE = re.compile(r"\s+")
SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([,;:!?)])")
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
            for key in meta_keys(raw):
                values.setdefault(key, content)
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


def article_object(objects: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The first JSON-LD object typed as an article (NewsArticle, BlogPosting, ...)."""
    for obj in objects:
        if _types(obj) & ARTICLE_TYPES:
            return obj
    return None


def objects_by_id(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """JSON-LD objects that carry an ``@id``, for resolving references such as ``{"@id": "#author"}``."""
    return {obj["@id"]: obj for obj in objects if isinstance(obj.get("@id"), str) and len(obj) > 1}


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


def _names(value: Any, index: dict[str, dict[str, Any]] | None = None) -> list[str]:
    """Names in a JSON-LD value: strings, ``{"name": ...}`` objects, lists, ``@id`` references."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        reference = value.get("@id")
        if "name" not in value and isinstance(reference, str) and index and reference in index:
            value = index[reference]
        name = value.get("name")
        if isinstance(name, list):
            name = " ".join(part for part in name if isinstance(part, str))
        return [name] if isinstance(name, str) else []
    if isinstance(value, list):
        return [name for item in value for name in _names(item, index)]
    return []


def _first_url(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return _first_url(value.get("url") or value.get("contentUrl"))
    if isinstance(value, list) and value:
        return _first_url(value[0])
    return None


def json_ld_author(obj: dict[str, Any], index: dict[str, dict[str, Any]] | None = None) -> str | None:
    """The article's ``author`` names, joined by ", "."""
    names = [name for name in (author_name(n) for n in _names(obj.get("author"), index)) if name]
    return ", ".join(dict.fromkeys(names)) or None


def json_ld_author_is_organisation(obj: dict[str, Any], index: dict[str, dict[str, Any]]) -> bool:
    """Every ``author`` of the article object is typed Organization (or a kind of it)."""
    value = obj.get("author")
    items = value if isinstance(value, list) else [value]
    resolved = [index.get(str(item.get("@id")), item) if isinstance(item, dict) else item for item in items]
    types = [_types(item) if isinstance(item, dict) else set() for item in resolved]
    return bool(types) and all(kinds & ORGANISATION_TYPES for kinds in types)


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


def strip_byline_prefix(text: str, label_seen: bool = False) -> str:
    """``text`` without its leading "By"/"Par"/"Von"/... credit word.

    "Von", "Di", "Da" and "Af" also begin surnames: capitalized, without a colon and
    before a single capitalized word ("Di Maria", "Da Silva") they are the name's
    first part and stay. After an "Author" label, a "By" may follow and goes too.
    """
    match = BYLINE_PREFIX.match(text)
    if match is None:
        return text.strip()
    rest = text[match.end() :].strip()
    particle = match.group("particle")
    if particle and particle[0].isupper() and ":" not in match.group() and is_bare_surname(rest):
        return text.strip()
    if not label_seen and LABEL_BEFORE_BY.match(match.group()):
        return strip_byline_prefix(rest, label_seen=True)
    return rest


def is_bare_surname(text: str) -> bool:
    """One word, capitalized and otherwise lower-case ("Maria", "O'Neill"), as a surname is written."""
    return bool(SURNAME.match(text)) and text[0].isupper() and not text.isupper()


def without_contacts(text: str) -> str:
    """``text`` without e-mail addresses and ``@handles``, unless nothing else is left.

    "jane@example.com (Jane Doe)", the RSS form, gives "Jane Doe".
    """
    rest = EMPTY_BRACKETS.sub("", HANDLE.sub(" ", EMAIL.sub(" ", text)))
    rest = WHITESPACE.sub(" ", rest).strip()
    if rest.startswith("(") and rest.endswith(")"):
        rest = rest[1:-1].strip()
    return rest if re.search(r"\w", rest) else text


def without_markup(text: str) -> str:
    """Text of an author value that holds escaped HTML (``<a href=...>A</a> <a ...>B</a>`` → "A, B")."""
    if "<" not in text:
        return text
    return WHITESPACE.sub(" ", TAG.sub("", ADJACENT_TAGS.sub(", <", text))).strip()


def without_role(name: str) -> str:
    """``name`` cut before a job title that follows a separator ("Jane Doe, Staff Writer")."""
    for separator in ROLE_SEPARATOR.finditer(name):
        if separator.start() > 0 and ROLE.match(name, separator.end()):
            return name[: separator.start()]
    return TRAILING_ROLE.sub("", name)


def credited_name(text: str, dated: bool) -> str | None:
    """The name(s) in an author credit: no "By", contacts, other credits, job title or outlet.

    ``dated`` credits come from the page, where a date often follows the name
    ("By Jane Doe March 3, 2024 at 9:00"): everything from the first digit goes.
    """
    if SOURCE_LABEL.match(text):
        return None
    name = strip_byline_prefix(text)
    credited = name != text.strip()
    if credited:
        name = OTHER_CREDIT.sub("", name)
    name = without_contacts(name)
    digit = re.search(r"\d", name) if dated else None
    if digit:
        name = DATE_LEAD.sub("", name[: digit.start()])
    name = without_role(BYLINE_TRAILER.sub("", name))
    if credited:
        name = PUBLICATION_CREDIT.sub("", name)
    name = unquoted(BYLINE_TRAILER.sub("", name).strip())
    return name if is_plausible_name(name) else None


def unquoted(name: str) -> str:
    """``name`` without quotes around the whole of it ("'Jane Doe, John Roe'")."""
    if len(name) > 2 and name[0] in QUOTES and name[-1] in QUOTES:
        return name[1:-1].strip()
    return name


def is_plausible_name(name: str) -> bool:
    """Not empty, a label ("Author", "Datum"), a date line, a weekday, an account or an e-mail address."""
    return (
        len(name) > 1
        and fold(name) not in NOT_NAMES
        and not DATE_LABEL.search(name)
        and not WEEKDAY.fullmatch(name)
        and not EMAIL.fullmatch(name)
    )


def author_name(value: str | None) -> str | None:
    """A clean author name from a meta tag or JSON-LD value.

    URLs (``article:author`` often holds a profile link) give None.
    """
    text = clean_text(value)
    if text is None or text.lower().startswith(("http:", "https:", "www.")):
        return None
    return credited_name(without_markup(text), dated=False)


def byline_name(text: str) -> str | None:
    """A byline element's name: "By", a trailing date, time, job title or separator removed."""
    return credited_name(text, dated=True)


def document_byline(dom: LexborHTMLParser) -> str | None:
    """The author named by the page's first short byline element (``rel=author``, ``.byline``, ...).

    Inside that element, ``itemprop=name`` parts or nested author elements are
    the names themselves (the rest is "By", a job title or a date); several of
    them ("By <a>A</a> and <a>B</a>") are joined by ", ". An element that only
    labels a date ("Last updated: ...") is skipped.
    """
    for node in dom.css(BYLINE_SELECTOR):
        if node.tag in NOT_BYLINE_TAGS:
            continue
        text = node_text(node)
        if not text or not 2 < len(text) < 100 or in_page_furniture(node):
            continue
        parts = [name for name in (byline_name(part) for part in byline_parts(node)) if name]
        name = ", ".join(dict.fromkeys(parts)) if parts else byline_name(text)
        if name:
            return name
    return None


def byline_parts(node: LexborNode) -> list[str]:
    """Texts of a byline element's name parts: its ``itemprop=name`` elements (a publisher's
    excepted), else its nested author elements of the same kind as the first one."""
    names = [_name_part_text(part) for part in node.css(NAME_SELECTOR) if not _names_publisher(part, node)]
    if not any(names):
        nested = [child for child in node.css(BYLINE_SELECTOR) if child.mem_id != node.mem_id]
        kind = _kind(nested[0]) if nested else None
        names = [_name_part_text(child) for child in nested if _kind(child) == kind]
    return [name for name in names if name and len(name) > 2]


def node_text(node: LexborNode) -> str | None:
    """An element's text with its children's texts kept apart ("Jane Doe<a>jane@...</a>")."""
    text = clean_text(node.text(deep=True, separator=" "))
    return SPACE_BEFORE_PUNCTUATION.sub(r"\1", text) if text else None


def _kind(node: LexborNode) -> tuple[str | None, str | None]:
    return node.tag, node.attributes.get("class")


def _name_part_text(node: LexborNode) -> str | None:
    return node_text(node) or clean_text(node.attributes.get("content"))


def _names_publisher(part: LexborNode, byline: LexborNode) -> bool:
    """``part`` sits in a publisher or organisation item inside ``byline``."""
    parent = part.parent
    while parent is not None and parent.mem_id != byline.mem_id:
        attributes = parent.attributes
        itemtype = (attributes.get("itemtype") or "").lower()
        if "publisher" in (attributes.get("itemprop") or "") or "organization" in itemtype:
            return True
        parent = parent.parent
    return False


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


def _first(values: dict[str, str], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = values.get(key)
        if value:
            return value
    return None


def meta_author(
    values: dict[str, str], tree: HtmlElement, dom: LexborHTMLParser, sites: list[str]
) -> str | None:
    """The first author meta tag that holds a name (not a profile URL).

    When that tag is repeated with other names (one ``DC.Creator`` per author),
    the lead author is the person the page's text names first: generators do
    not always write the tags in the document's order.
    """
    for key in AUTHOR_KEYS:
        name = author_name(values.get(key))
        if not name:
            continue
        names = repeated_meta_names(tree, key)
        if len(names) < 2:
            return name
        people = [other for other in names if is_single_person(other) and not is_site_name(other, sites)]
        return first_named(people, body_text(dom)) or name
    return None


def repeated_meta_names(tree: HtmlElement, key: str) -> list[str]:
    """Distinct author names of every ``<meta>`` tag for ``key``, in document order.

    As in :func:`meta_values`, ``property`` tags win: ``name`` tags count only without them.
    """
    by_property: list[str] = []
    by_name: list[str] = []
    for meta in tree.iter("meta"):
        for attribute in ("property", "name", "http-equiv", "itemprop"):
            if key not in meta_keys(meta.get(attribute)):
                continue
            name = author_name(meta.get("content"))
            names = by_property if attribute == "property" else by_name
            if name and name not in names:
                names.append(name)
    return by_property or by_name


def meta_keys(raw: str | None) -> set[str]:
    """The normalized keys of a ``property``/``name`` value ("DC.Creator" → "dc:creator")."""
    return {key.replace(".", ":") if key.startswith("dc") else key for key in (raw or "").lower().split()}


def body_text(dom: LexborHTMLParser) -> str:
    body = dom.body
    return fold(body.text(deep=True, separator=" ")) if body is not None else ""


def first_named(names: list[str], text: str) -> str | None:
    """The name whose words all occur in ``text`` and start earliest; None when none does."""
    positions = [name_position(name, text) for name in names]
    found = [(position, index) for index, position in enumerate(positions) if position is not None]
    return names[min(found)[1]] if found else None


def is_single_person(name: str) -> bool:
    """One person's name, in either order ("Jane Doe", "Doe, J."): 2-5 words that start with a letter."""
    return bool(PERSON_NAME.match(name.replace(",", " ", 1)))


def name_position(name: str, text: str) -> int | None:
    """Where the first of ``name``'s words (3+ letters, any order) occurs in casefolded ``text``;
    None unless every one of them occurs."""
    starts = []
    for word in NAME_WORD.findall(fold(name)):
        match = re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text)
        if match is None:
            return None
        starts.append(match.start())
    return min(starts) if starts else None


def page_author(
    ld: dict[str, Any],
    index: dict[str, dict[str, Any]],
    values: dict[str, str],
    tree: HtmlElement,
    dom: LexborHTMLParser,
) -> str | None:
    """The declared author (JSON-LD, then meta tags), else the page's byline element.

    A declared author that is the site itself or an organisation yields to a
    person named in a byline element. JSON-LD authors given only as ``@id``
    references come last: CMSs (Yoast) point them at the account that posted,
    often not the byline's name.
    """
    sites = [fold(name) for name in (*_names(ld.get("publisher"), index), *site_values(values)) if name]
    from_ld = json_ld_author(ld)
    declared = from_ld or meta_author(values, tree, dom, sites)
    by_organisation = bool(from_ld) and json_ld_author_is_organisation(ld, index)
    if declared and not by_organisation and not is_site_name(declared, sites):
        return declared
    shown = document_byline(dom)
    if declared and not (shown and is_person_name(shown) and not is_site_name(shown, sites)):
        return declared
    return shown or declared or json_ld_author(ld, index)


def is_site_name(name: str, sites: list[str]) -> bool:
    """``name`` is mostly the site's or publisher's name, part of it, or a host name: not a person."""
    folded = fold(name)
    return bool(DOMAIN.search(name)) or any(
        site and (folded in site or (site in folded and len(site) >= 0.6 * len(folded))) for site in sites
    )


def is_person_name(text: str) -> bool:
    """Every name in ``text`` ("A B", "A B, C D and E F") has 2-5 words, the first capitalized, no digits."""
    names = [name for name in NAME_LIST_SEPARATOR.split(text) if name]
    return bool(names) and all(PERSON_NAME.match(name) and name[0].isupper() for name in names)


def site_values(values: dict[str, str]) -> list[str]:
    return [values[key].lstrip("@") for key in SITE_KEYS if values.get(key)]


def fold(text: str) -> str:
    return " ".join(text.casefold().split())


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
    objects = list(json_ld_objects(tree))
    obj = article_object(objects)
    ld = obj or {}
    index = objects_by_id(objects)
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
        author=page_author(ld, index, values, tree, dom),
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
