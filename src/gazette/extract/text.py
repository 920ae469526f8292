"""Plain text with paragraph structure from (already sanitized) HTML fragments.

Sanitized HTML (the output of :func:`gazette.extract.sanitize.sanitize_html`) is
serialized by html5ever in a regular form: every tag is ``<name>`` or
``</name>`` with ``name="value"`` attributes, ``<`` in text is escaped, and
there are no comments, scripts or styles. Such fragments are read with one
regular expression, without building a tree (about five times faster).
Anything else goes through a real HTML parser (lexbor); both give the same
paragraphs.
"""

from __future__ import annotations

import html as html_lib
import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

BLOCK_TAGS = frozenset(
    {
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "figcaption", "pre", "td", "th",
        "dd", "dt", "div", "section", "article", "ul", "ol", "dl", "table", "tr", "figure", "header",
        "footer", "aside", "br", "hr",
    }
)  # fmt: skip
SKIP_TAGS = frozenset({"script", "style", "template", "noscript"})

_TAG = re.compile(r'<(/?)([a-z][a-z0-9]*)(?:[\s/][^>"]*(?:"[^"]*"[^>"]*)*)?>')
_PARSER_ONLY = re.compile(
    r"<(?:script|style|template|noscript|noembed|noframes|iframe|textarea|title|xmp|plaintext|svg|math)\b"
)
"""What only a parser reads right: raw-text, template and foreign elements (and NUL characters)."""


def html_to_paragraphs(html: str) -> list[str]:
    """The fragment's text blocks in order; inline runs between blocks form blocks of their own."""
    if not html.strip():
        return []
    regular = _regular_paragraphs(html)
    return regular if regular is not None else _parsed_paragraphs(html)


def _regular_paragraphs(html: str) -> list[str] | None:
    """Paragraphs of a fragment in html5ever's serialized form; None when it is not in that form."""
    if "\x00" in html or _PARSER_ONLY.search(html):
        return None
    blocks: list[str] = []
    pending: list[str] = []
    position = 0
    for match in _TAG.finditer(html):
        text = html[position : match.start()]
        if "<" in text:
            return None
        if text:
            pending.append(html_lib.unescape(text) if "&" in text else text)
        position = match.end()
        if match.group(2) in BLOCK_TAGS:
            _flush(blocks, pending)
    rest = html[position:]
    if "<" in rest:
        return None
    if rest:
        pending.append(html_lib.unescape(rest) if "&" in rest else rest)
    _flush(blocks, pending)
    return blocks


def _parsed_paragraphs(html: str) -> list[str]:
    body = LexborHTMLParser(html).body
    if body is None:
        return []
    blocks: list[str] = []
    pending: list[str] = []
    _walk(body, blocks, pending)
    _flush(blocks, pending)
    return blocks


def _walk(node: LexborNode, blocks: list[str], pending: list[str]) -> None:
    for child in node.iter(include_text=True):
        tag = child.tag
        if tag == "-text":
            pending.append(child.text_content or "")
        elif tag in SKIP_TAGS:
            continue
        elif tag in BLOCK_TAGS:
            _flush(blocks, pending)
            _walk(child, blocks, pending)
            _flush(blocks, pending)
        else:
            _walk(child, blocks, pending)


def _flush(blocks: list[str], pending: list[str]) -> None:
    """End the current block, its whitespace collapsed (``str.split`` splits where ``\\s`` would match)."""
    text = " ".join("".join(pending).split())
    if text:
        blocks.append(text)
    pending.clear()


def html_to_text(html: str) -> str:
    """Paragraphs separated by blank lines."""
    return "\n\n".join(html_to_paragraphs(html))
