"""Plain text with paragraph structure from (already sanitized) HTML fragments."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

BLOCK_TAGS = frozenset(
    (
        "p h1 h2 h3 h4 h5 h6 li blockquote figcaption pre td th dd dt div section article ul ol dl "
        "table tr figure header footer aside br hr"
    ).split()
)
SKIP_TAGS = frozenset({"script", "style", "template", "noscript"})
SPACE = re.compile(r"\s+")


def html_to_paragraphs(html: str) -> list[str]:
    """The fragment's text blocks in order; inline runs between blocks form blocks of their own."""
    if not html.strip():
        return []
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
    text = SPACE.sub(" ", "".join(pending)).strip()
    if text:
        blocks.append(text)
    pending.clear()


def html_to_text(html: str) -> str:
    """Paragraphs separated by blank lines."""
    return "\n\n".join(html_to_paragraphs(html))
