"""The small Markdown subset comments may use, rendered to HTML that is then sanitized.

Supported: paragraphs (blank-line separated; single newlines become ``<br>``),
``*em*``, ``**strong**``, ```code```, ``[text](https://link)``, ``> quotes``,
``- bullet`` and ``1. numbered`` lists. Everything else is text. The input is
HTML-escaped before any Markdown is applied, so a comment can only produce
the elements this module writes; :func:`sanitize_html` then checks link
schemes and adds ``rel`` to links as for every other displayed fragment.
"""

from __future__ import annotations

import html
import re

from gazette.extract.sanitize import sanitize_html

_BLANK_LINES = re.compile(r"\n\s*\n")
_BULLET = re.compile(r"^\s*[-*+]\s+")
_NUMBERED = re.compile(r"^\s*\d{1,9}[.)]\s+")
_QUOTE = re.compile(r"^\s*&gt;\s?")
_CODE = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\[([^\]\n]{1,500})\]\((https?://[^\s()<>\"]{1,2000})\)", re.IGNORECASE)
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_EM = re.compile(r"\*(?=\S)(.+?)(?<=\S)\*")
_PLACEHOLDER = "\x00{}\x00"
_PLACEHOLDER_PATTERN = re.compile(r"\x00(\d+)\x00")
_URL = re.compile(r"(?i)\b(?:https?://|www\.)")


def render_markdown(text: str) -> str:
    """Sanitized HTML for a comment body written in the supported Markdown subset."""
    normalized = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()
    if not normalized:
        return ""
    escaped = html.escape(normalized, quote=True)
    blocks = [_block(block) for block in _BLANK_LINES.split(escaped) if block.strip()]
    return sanitize_html("".join(blocks))


def count_links(text: str) -> int:
    """How many web addresses a comment body contains (linked or not), for the spam check."""
    return len(_URL.findall(text))


def _block(block: str) -> str:
    lines = block.strip("\n").split("\n")
    if all(_QUOTE.match(line) for line in lines):
        inner = "\n".join(_QUOTE.sub("", line, count=1) for line in lines)
        return f"<blockquote>{_paragraph(inner.split(chr(10)))}</blockquote>"
    if all(_BULLET.match(line) for line in lines):
        items = "".join(f"<li>{_inline(_BULLET.sub('', line, count=1))}</li>" for line in lines)
        return f"<ul>{items}</ul>"
    if all(_NUMBERED.match(line) for line in lines):
        items = "".join(f"<li>{_inline(_NUMBERED.sub('', line, count=1))}</li>" for line in lines)
        return f"<ol>{items}</ol>"
    return _paragraph(lines)


def _paragraph(lines: list[str]) -> str:
    return "<p>" + "<br>".join(_inline(line.strip()) for line in lines) + "</p>"


def _inline(escaped: str) -> str:
    """Inline Markdown over already-escaped text; code spans are protected from the other rules."""
    protected: list[str] = []

    def protect(fragment: str) -> str:
        protected.append(fragment)
        return _PLACEHOLDER.format(len(protected) - 1)

    text = _CODE.sub(lambda m: protect(f"<code>{m.group(1)}</code>"), escaped)
    text = _LINK.sub(lambda m: protect(f'<a href="{m.group(2)}">{_emphasis(m.group(1))}</a>'), text)
    text = _emphasis(text)
    return _PLACEHOLDER_PATTERN.sub(lambda m: protected[int(m.group(1))], text)


def _emphasis(text: str) -> str:
    text = _STRONG.sub(r"<strong>\1</strong>", text)
    return _EM.sub(r"<em>\1</em>", text)
