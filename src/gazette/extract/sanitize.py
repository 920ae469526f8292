"""Make untrusted HTML safe to show: publisher feeds and pages, comments, LLM output.

Everything Gazette renders as HTML passes through :func:`sanitize_html`, built on
nh3 (the Rust ammonia sanitizer, which parses like a browser) with an explicit
allowlist of tags and attributes. nh3 checks URL schemes only on ``href`` and
``src`` and cannot look at a whole element, so this module adds:

- an attribute filter that checks every URL-bearing attribute itself (``href``,
  ``src``, ``srcset``, ``cite``), resolves relative URLs against the article's
  address and keeps only numeric sizes;
- a pass over the serialized output that drops tracking pixels (and, when
  iframes are allowed, iframes outside the embed allowlist). nh3 serializes
  every attribute as ``name="value"`` with ``"`` escaped and escapes ``<`` in
  text, so a regular expression reads its output exactly.

The smaller helpers cover text that must never be HTML: :func:`escape_text`,
:func:`plain_text` (titles, authors and categories that arrive as markup) and
:func:`text_to_html` (``text/plain`` content).
"""

from __future__ import annotations

import functools
import html
import logging
import re
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

import nh3

logger = logging.getLogger(__name__)

__all__ = [
    "ALLOWED_TAGS",
    "LINK_REL",
    "MAX_NESTING_DEPTH",
    "escape_text",
    "plain_text",
    "sanitize_html",
    "text_to_html",
]

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
        "b", "strong", "i", "em", "u", "s", "sub", "sup", "small", "mark", "abbr", "cite", "q",
        "blockquote", "pre", "code", "kbd", "ul", "ol", "li", "dl", "dt", "dd",
        "a", "img", "figure", "figcaption", "picture", "source",
        "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
        "span", "div", "time", "details", "summary",
    }
)  # fmt: skip
"""Elements kept in sanitized output; everything else is unwrapped or removed."""

LINK_REL = "noopener noreferrer nofollow"
"""The ``rel`` every link carries (it also makes ``target="_blank"`` safe)."""

# Elements removed with everything inside them: code, styling, embedded
# documents, form controls, and raw-text elements whose text is markup.
_REMOVED_WITH_CONTENT = frozenset(
    {
        "script", "style", "template", "noscript", "noembed", "noframes", "xmp", "plaintext",
        "title", "textarea", "select", "button", "object", "applet", "embed", "frame",
        "frameset", "svg", "math", "head", "iframe",
    }
)  # fmt: skip

_GENERIC_ATTRIBUTES = frozenset({"title", "lang", "dir"})
_TAG_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "hreflang"}),
    "img": frozenset({"src", "srcset", "sizes", "alt", "width", "height"}),
    "source": frozenset({"srcset", "sizes", "media", "type"}),
    "blockquote": frozenset({"cite"}),
    "q": frozenset({"cite"}),
    "time": frozenset({"datetime"}),
    "ol": frozenset({"start", "reversed"}),
    "li": frozenset({"value"}),
    "td": frozenset({"colspan", "rowspan"}),
    "th": frozenset({"colspan", "rowspan", "scope"}),
    "details": frozenset({"open"}),
}
_IFRAME_ATTRIBUTES = frozenset({"src", "width", "height", "allowfullscreen"})

# Added after cleaning, in this order (nh3's own set_tag_attribute_values and
# link_rel would add them in a random order, making output differ run to run).
_ADDED_ATTRIBUTES: dict[str, str] = {
    "a": f' rel="{LINK_REL}" target="_blank" referrerpolicy="no-referrer"',
    "img": ' loading="lazy" decoding="async" referrerpolicy="no-referrer"',
    "iframe": ' sandbox="allow-scripts allow-same-origin allow-popups allow-presentation"'
    ' loading="lazy" referrerpolicy="strict-origin-when-cross-origin"',
}

_LINK_SCHEMES = frozenset({"http", "https", "mailto"})
_WEB_SCHEMES = frozenset({"http", "https"})
_DATA_IMAGE = re.compile(r"data:image/(?:png|gif|jpeg|webp)(?:;[a-z0-9=.+-]+)*,", re.IGNORECASE)
_EMBED_PREFIXES = (
    "https://www.youtube.com/embed/",
    "https://www.youtube-nocookie.com/embed/",
    "https://player.vimeo.com/video/",
)

_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))
_TAB_OR_NEWLINE = re.compile("[\t\n\r]")
_SIZE = re.compile(r"\d{1,5}")
_INTEGER = re.compile(r"-?\d{1,6}")
_SRCSET_DESCRIPTOR = re.compile(r"\d+(?:\.\d+)?[wx]")

_TRACKER_SRC = re.compile(
    r"""
    ^https?://(?:
        feeds\.feedburner\.com/~r/
      | [^/?#]*stats\.wordpress\.com/b\.gif
      | (?:[^/?#]*[.@])?pixel\.
      | [^/?#]*/(?:[^?#]*/)?(?:pixel|beacon)(?:\.(?:gif|png|jpe?g|php)|[/?#]|$)
    )
    """,
    re.IGNORECASE | re.VERBOSE,
)

_START_TAG = r"<({names})((?:\s+[^\s\"'>/=]+(?:=\"[^\"]*\")?)*)\s*/?>"
_LINK_OR_IMAGE_TAG = re.compile(_START_TAG.format(names="a|img"))
_IFRAME_ELEMENT = re.compile(_START_TAG.format(names="iframe") + r".*?</iframe>", re.DOTALL)
_SERIALIZED_ATTRIBUTE = re.compile(r"([^\s\"'>/=]+)(?:=\"([^\"]*)\")?")

_PLAIN_BREAK_TAGS = frozenset(
    {
        "p", "br", "hr", "div", "li", "dt", "dd", "tr", "td", "th", "h1", "h2", "h3", "h4",
        "h5", "h6", "blockquote", "pre", "figcaption", "caption", "summary",
    }
)  # fmt: skip
_ANY_TAG = re.compile(r"<[^>]*>")
_BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")

# html5ever (inside nh3) scans the whole stack of open elements for each block-level
# start tag, so deep nesting costs depth x tags: 20,000 nested <div> take seconds,
# 200,000 take minutes. Inputs with many tags get a linear estimate of their depth
# first; beyond MAX_NESTING_DEPTH (browsers stop nesting at 512) they become text.
MAX_NESTING_DEPTH = 1024
_TAG_COUNT_WORTH_CHECKING = 8 * MAX_NESTING_DEPTH
_TAG_TOKEN = re.compile(r"<(/?)([a-zA-Z][^\s/>]*)")
_NOT_NESTING = frozenset(
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "rb", "rt",
        "rp", "thead", "tbody", "tfoot", "colgroup", "caption", "html", "head", "body",
    }
)  # fmt: skip
# A URL attribute whose value may be relative (anything but http(s)://, or any srcset). A false
# match only costs a cleaner of its own; a miss would drop the URL (nh3's "deny"), never keep it.
_MAYBE_RELATIVE_URL = re.compile(r"""srcset\s*=|(?:href|src|cite)\s*=\s*(?!["']?https?://)""", re.IGNORECASE)
_RAW_TEXT_BLOCK = re.compile(
    r"<(script|style)\b.*?(?:</\1\s*>|$)|<!--.*?(?:-->|$)", re.IGNORECASE | re.DOTALL
)


def sanitize_html(html_text: str, *, base_url: str | None = None, allow_iframes: bool = False) -> str:
    """Return ``html_text`` reduced to inert, allowlisted markup.

    Relative URLs are resolved against ``base_url`` (the article's address); without
    a usable http(s) base they are dropped, since in Gazette's pages they would point
    at Gazette itself. With ``allow_iframes``, ``<iframe>`` embeds from YouTube and
    Vimeo are kept (sandboxed); every other iframe is removed.
    """
    if _too_deep_to_parse(html_text):
        logger.warning("HTML nested deeper than %d elements: kept as plain text", MAX_NESTING_DEPTH)
        return text_to_html(_text_without_parsing(html_text))
    base = _usable_base(base_url)
    if base is None or not _MAYBE_RELATIVE_URL.search(html_text):
        cleaner = _shared_cleaner(allow_iframes)
    else:
        cleaner = _cleaner(base, allow_iframes)
    cleaned = cleaner.clean(html_text)
    if "<a" in cleaned or "<img" in cleaned:
        cleaned = _LINK_OR_IMAGE_TAG.sub(_finished_link_or_image, cleaned)
    if allow_iframes and "<iframe" in cleaned:
        cleaned = _IFRAME_ELEMENT.sub(_finished_embed, cleaned)
    return cleaned


def _cleaner(base: str | None, allow_iframes: bool) -> nh3.Cleaner:
    """Return an nh3 cleaner that resolves relative URLs against ``base`` (drops them without one)."""
    embeds = {"iframe"} if allow_iframes else set()
    return nh3.Cleaner(
        tags=ALLOWED_TAGS | embeds,
        clean_content_tags=_REMOVED_WITH_CONTENT - embeds,
        attributes=_attributes(allow_iframes),
        attribute_filter=_attribute_filter(base),
        strip_comments=True,
        link_rel=None,
        url_schemes=set(_LINK_SCHEMES | {"data"}),
        url_relative=("rewrite_with_base", base) if base else "deny",
    )


@functools.cache
def _shared_cleaner(allow_iframes: bool) -> nh3.Cleaner:
    """The cleaner for HTML whose URLs are all absolute: the base does not matter, so one serves all.

    Building a cleaner costs about half of sanitizing a typical feed entry, and
    most entries link only to absolute URLs.
    """
    return _cleaner(None, allow_iframes)


def escape_text(text: str) -> str:
    """Return ``text`` escaped for use as HTML text or a quoted attribute value."""
    return html.escape(text, quote=True)


def plain_text(html_text: str) -> str:
    """Return the text of an HTML fragment: markup removed, entities decoded, whitespace collapsed.

    For titles, authors and categories that arrive as HTML; the result is text, so
    escape it (or let the template engine escape it) when it is shown.
    """
    if _too_deep_to_parse(html_text):
        return _text_without_parsing(html_text)
    kept = nh3.clean(
        html_text,
        tags=set(_PLAIN_BREAK_TAGS),
        clean_content_tags=set(_REMOVED_WITH_CONTENT),
        attributes={},
        link_rel=None,
    )
    return " ".join(html.unescape(_ANY_TAG.sub(" ", kept)).split())


def text_to_html(text: str) -> str:
    """Return ``text/plain`` content as escaped ``<p>`` paragraphs; single newlines become ``<br>``."""
    normalized = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not normalized:
        return ""
    paragraphs = _BLANK_LINES.split(normalized)
    return "".join(f"<p>{escape_text(p.strip()).replace(chr(10), '<br>')}</p>" for p in paragraphs)


def _too_deep_to_parse(html_text: str) -> bool:
    """Return True when ``html_text`` has enough tags to matter and nests beyond MAX_NESTING_DEPTH."""
    if html_text.count("<") < _TAG_COUNT_WORTH_CHECKING:
        return False
    return _estimated_depth(html_text) > MAX_NESTING_DEPTH


def _estimated_depth(html_text: str) -> int:
    """Return the deepest stack of open elements a tag-by-tag walk reaches.

    An end tag closes back to the nearest open element of its name and is ignored
    otherwise, as in the HTML parser; void and self-closing-by-sibling elements
    (``<p>``, ``<li>``, table rows and cells) are not counted.
    """
    stack: list[str] = []
    open_count: dict[str, int] = {}
    deepest = 0
    for match in _TAG_TOKEN.finditer(html_text):
        name = match.group(2).lower()
        if name in _NOT_NESTING:
            continue
        if not match.group(1):
            stack.append(name)
            open_count[name] = open_count.get(name, 0) + 1
            deepest = max(deepest, len(stack))
        elif open_count.get(name):
            while (closed := stack.pop()) != name:
                open_count[closed] -= 1
            open_count[name] -= 1
    return deepest


def _text_without_parsing(html_text: str) -> str:
    """Return the text of markup too deep to parse: scripts, styles and comments dropped, tags removed."""
    text = _ANY_TAG.sub(" ", _RAW_TEXT_BLOCK.sub(" ", html_text))
    return " ".join(html.unescape(text).split())


def _attributes(allow_iframes: bool) -> dict[str, set[str]]:
    attributes = {tag: set(names) for tag, names in _TAG_ATTRIBUTES.items()}
    attributes["*"] = set(_GENERIC_ATTRIBUTES)
    if allow_iframes:
        attributes["iframe"] = set(_IFRAME_ATTRIBUTES)
    return attributes


def _usable_base(base_url: str | None) -> str | None:
    """Return the base URL cleaned, or None unless it is an absolute http(s) URL with a host."""
    if base_url is None:
        return None
    cleaned = _cleaned_url(base_url)
    parts = urlsplit(cleaned)
    if parts.scheme.lower() not in _WEB_SCHEMES or not parts.netloc:
        return None
    return cleaned


def _cleaned_url(value: str) -> str:
    """Return ``value`` as a browser's URL parser reads it: outer C0/space stripped, tabs/newlines gone."""
    return _TAB_OR_NEWLINE.sub("", value.strip(_C0_AND_SPACE))


def _attribute_filter(base: str | None) -> Callable[[str, str, str], str | None]:
    """Return nh3's attribute callback; it runs after nh3's own checks and has the last word."""

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if attribute in ("href", "src", "cite"):
            return _checked_url(tag, attribute, value, base)
        if attribute == "srcset":
            return _checked_srcset(value, base)
        if attribute in ("width", "height"):
            return value.strip() if _SIZE.fullmatch(value.strip()) else None
        if attribute in ("start", "value", "colspan", "rowspan"):
            return value.strip() if _INTEGER.fullmatch(value.strip()) else None
        return value

    return keep


def _checked_url(tag: str, attribute: str, value: str, base: str | None) -> str | None:
    """Return the URL to keep for this attribute, or None to drop the attribute.

    A relative ``href`` or ``src`` is returned as it is: nh3 resolves those against
    the base right after this filter, with the browser's URL rules and at Rust speed.
    Other attributes are resolved here.
    """
    url = _cleaned_url(value)
    if not url:
        return None
    if tag == "img" and attribute == "src" and _DATA_IMAGE.match(url):
        return url
    if not _SCHEME.match(url):
        if base is None or tag == "iframe":
            return None
        if attribute in ("href", "src"):
            return url
        url = urljoin(base, url.replace("\\", "/"))
    scheme = url.split(":", 1)[0].lower()
    if tag == "a" and attribute == "href":
        return url if scheme in _LINK_SCHEMES else None
    if tag == "iframe":
        return url if url.startswith(_EMBED_PREFIXES) else None
    return url if scheme in _WEB_SCHEMES else None


def _absolute_url(url: str, base: str | None) -> str | None:
    """Return ``url`` if it has a scheme, else resolved against ``base``; None if that is impossible."""
    if not url:
        return None
    if _SCHEME.match(url):
        return url
    if base is None:
        return None
    resolved = urljoin(base, url.replace("\\", "/"))
    return resolved if _SCHEME.match(resolved) else None


def _checked_srcset(value: str, base: str | None) -> str | None:
    """Return the srcset with only http(s) candidates and valid descriptors, or None if none is left."""
    kept = []
    for url, descriptor in _srcset_candidates(value):
        absolute = _absolute_url(url, base)
        if absolute is None or absolute.split(":", 1)[0].lower() not in _WEB_SCHEMES:
            continue
        if _TRACKER_SRC.match(absolute):
            continue
        if descriptor and not _SRCSET_DESCRIPTOR.fullmatch(descriptor):
            continue
        kept.append(f"{absolute} {descriptor}" if descriptor else absolute)
    return ", ".join(kept) if kept else None


def _srcset_candidates(value: str) -> list[tuple[str, str]]:
    """Return (url, descriptor) pairs, split as the HTML srcset parsing algorithm splits them."""
    candidates = []
    position, length = 0, len(value)
    while position < length:
        while position < length and (value[position].isspace() or value[position] == ","):
            position += 1
        start = position
        while position < length and not value[position].isspace():
            position += 1
        url = value[start:position]
        if not url:
            break
        if url.endswith(","):
            candidates.append((url.rstrip(","), ""))
            continue
        start, depth = position, 0
        while position < length and (value[position] != "," or depth > 0):
            depth += {"(": 1, ")": -1}.get(value[position], 0)
            position += 1
        candidates.append((url, value[start:position].strip()))
    return candidates


def _serialized_attributes(attributes: str) -> dict[str, str]:
    """Return the attributes of a start tag as nh3 serialized them, values unescaped."""
    return {
        name.lower(): html.unescape(value or "") for name, value in _SERIALIZED_ATTRIBUTE.findall(attributes)
    }


def _finished_link_or_image(match: re.Match[str]) -> str:
    """Return an ``<a>``/``<img>`` start tag with its fixed attributes added, or nothing for a pixel.

    Links get ``rel``, ``target`` and ``referrerpolicy`` only when they have an href;
    images without any source left and tracking pixels are removed.
    """
    tag, attributes = match.group(1), match.group(2)
    values = _serialized_attributes(attributes)
    if tag == "a" and "href" not in values:
        return match.group(0)
    if tag == "img" and _is_tracking_pixel(values):
        return ""
    return f"<{tag}{attributes}{_ADDED_ATTRIBUTES[tag]}>"


def _is_tracking_pixel(attributes: dict[str, str]) -> bool:
    """Return True for an image with no source left, from a known tracker, or sized as a pixel."""
    if "src" not in attributes:
        return "srcset" not in attributes
    return bool(_TRACKER_SRC.match(attributes["src"])) or _is_pixel_sized(attributes)


def _is_pixel_sized(attributes: dict[str, str]) -> bool:
    """Return True for a 0-wide or 0-high image, or one declared at most 1x1."""
    sizes = [
        int(size) if size.isdigit() else None
        for size in (attributes.get("width", ""), attributes.get("height", ""))
    ]
    if 0 in sizes:
        return True
    return all(size is not None and size <= 1 for size in sizes)


def _finished_embed(match: re.Match[str]) -> str:
    """Return an allowlisted ``<iframe>`` with its raw-text content removed, or nothing without a src."""
    attributes = match.group(2)
    if "src" not in _serialized_attributes(attributes):
        return ""
    return f"<iframe{attributes}{_ADDED_ATTRIBUTES['iframe']}></iframe>"
