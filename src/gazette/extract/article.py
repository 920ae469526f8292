"""Main text and metadata of one article page.

``extract_article(html, url)`` parses the page once, reads its metadata
(:mod:`gazette.extract.metadata`), lets trafilatura find the body, turns
trafilatura's XML body into typed blocks, removes the furniture trafilatura
keeps (:mod:`gazette.extract.cleanup`) and renders display HTML from the
blocks. The HTML is built only from escaped text and a fixed set of tags, so
it is safe by construction (the nh3 sanitizer is for HTML we did not build).

Pages laid out in table cells (masthead, story, sidebar) are the one layout
trafilatura reads badly: with no known article container it keeps the whole
table. There the body is re-extracted from the element whose own paragraphs
hold the most text, and any layout table left is read cell by cell.
"""

from __future__ import annotations

import html as html_module
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from lxml.etree import _Element
from lxml.html import HtmlElement
from selectolax.lexbor import LexborHTMLParser

from gazette.extract.cleanup import Block, BlockKind, Context, clean_blocks, normalized
from gazette.extract.metadata import PageMetadata, read_metadata

__all__ = ["Block", "BlockKind", "Extracted", "extract_article", "render_html"]

CAPTION_SELECTOR = "figcaption, [class*=caption i], [class*=bildunterschrift i], [class*=legende i]"
SPACES = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")
HTML_TAGS = {"p": "p", "h": "h2", "quote": "blockquote"}
BLOCK_TAGS = frozenset({"p", "code", "head", "list", "quote", "table", "div"})
LAYOUT_CELL_TEXT = 200
"""Characters: a table cell with a heading and this much text holds a story, not data."""
FULL_CASCADE_BELOW = 1000
"""Characters: a fast-mode body shorter than this gets trafilatura's full cascade."""


@dataclass(slots=True)
class Extracted:
    """What one article page holds: metadata, typed text blocks, plain text and display HTML."""

    title: str | None = None
    author: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    language: str | None = None
    site_name: str | None = None
    image: str | None = None
    text: str = ""
    blocks: list[Block] = field(default_factory=list)
    partial: bool = False
    html: str = ""

    def to_json(self, path: str | Path, id: str | None = None) -> dict[str, Any]:
        """The record ``gazette extract --jsonl`` prints; ``id`` defaults to the path as given."""
        return {
            "id": id if id is not None else str(path),
            "path": str(path),
            "title": self.title,
            "author": self.author,
            "published": rfc3339(self.published),
            "updated": rfc3339(self.updated),
            "language": self.language,
            "site_name": self.site_name,
            "image": self.image,
            "partial": self.partial,
            "text": self.text,
            "html": self.html,
        }


def rfc3339(moment: datetime | None) -> str | None:
    """``2026-11-25T14:03:00Z`` (UTC, seconds), or None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def decoded(html: str | bytes) -> str:
    """The page as text: decompressed and decoded with trafilatura's charset sniffing."""
    from trafilatura.utils import decode_file

    return decode_file(html)


def parse_page(html: str | bytes) -> HtmlElement | None:
    """One lenient parse, charset sniffing included (trafilatura's loader)."""
    from trafilatura.utils import load_html

    tree = load_html(html)
    return tree if isinstance(tree, HtmlElement) else None


def extract_article(html: str | bytes, url: str | None = None) -> Extracted:
    """Extract the article in ``html``; an empty or unparseable page gives an empty record.

    The page is decoded once and parsed twice: by lxml for trafilatura and the
    metadata, and by lexbor, whose CSS engine finds bylines and captions faster.
    """
    page = decoded(html)
    tree = parse_page(page)
    if tree is None:
        return Extracted()
    dom = LexborHTMLParser(page)
    metadata = read_metadata(tree, url, dom)
    context = Context(
        title=metadata.title,
        author=metadata.author,
        description=metadata.description,
        captions=page_captions(dom),
    )
    cleaned = clean_blocks(body_blocks(tree, url, page), context)
    text = "\n\n".join(block.text for block in cleaned.blocks)
    return Extracted(
        title=metadata.title,
        author=metadata.author,
        published=metadata.published,
        updated=metadata.updated,
        language=metadata.language or detected_language(text),
        site_name=metadata.site_name,
        image=metadata.image,
        text=text,
        blocks=cleaned.blocks,
        partial=cleaned.partial or metadata.accessible_for_free is False,
        html=render_html(cleaned.blocks),
    )


def body_blocks(tree: HtmlElement, url: str | None, page: str | None = None) -> list[Block]:
    """trafilatura's body (comments off) as blocks; [] when it finds nothing. Prunes ``tree``.

    With ``page`` (the decoded HTML ``tree`` was parsed from), a body that
    trafilatura took from a page-layout table is replaced by the article's own
    paragraph container when one holds most of the text (:func:`focused_body`).
    """
    body = body_element(tree, url)
    if body is not None and page is not None and holds_layout_table(body):
        focused = focused_body(page, url, body)
        body = body if focused is None else focused
    return list(_blocks_of(body)) if body is not None else []


def body_element(tree: HtmlElement, url: str | None) -> _Element | None:
    """trafilatura's fast cascade, then its full one only where the fast body looks thin.

    The full cascade compares trafilatura's own result with readability's and
    jusText's; that comparison can only win on a short or paragraph-less body,
    so long bodies skip it (a third less CPU on the dev sets, same scores). The
    first run prunes ``tree`` in place the same way the second run starts, so
    both run on one parse. ``trafilatura_sequence`` is trafilatura's cascade
    without the document wrapper (whose text rendering we do not use); its
    signature is internal, hence the pinned trafilatura version.
    """
    from trafilatura.core import trafilatura_sequence

    try:
        body, text, _, _ = trafilatura_sequence(tree, trafilatura_options(fast=True), url)
        if is_thin(body, text):
            body, text, _, _ = trafilatura_sequence(tree, trafilatura_options(fast=False), url)
    except (TypeError, ValueError):
        return None
    return body if text else None


def holds_layout_table(body: _Element) -> bool:
    """Whether trafilatura's body contains a table used for page layout, not for data."""
    return any(is_layout_table(table) for table in body.iter("table"))


def is_layout_table(table: _Element) -> bool:
    """A table with a cell that holds a story: a heading over paragraphs of prose.

    Old-style newspaper templates lay out masthead, story and sidebar in table
    cells; when no known article container matches, trafilatura keeps the
    whole table, and its rows would otherwise be read as data rows. Data
    tables (infoboxes, recipes, price lists) have no headings inside cells.
    """
    for cell in table.iter("cell"):
        tags = {child.tag for child in cell}
        if "head" in tags and "p" in tags and len(element_text(cell)) >= LAYOUT_CELL_TEXT:
            return True
    return False


def table_cells(table: _Element) -> list[_Element]:
    """The table's own cells in reading order (not those of tables nested in them)."""
    return [cell for row in table if row.tag == "row" for cell in row if cell.tag == "cell"]


def focused_body(page: str, url: str | None, layout_body: _Element) -> _Element | None:
    """trafilatura's body of the page's main paragraph container alone, or None.

    The container is the element whose own paragraphs carry the most text (the
    core of Readability's scoring). It is used only when its text is at least
    half of the paragraph text trafilatura found in the layout table, so a
    story split over several containers keeps the layout body.
    """
    tree = parse_page(page)
    if tree is None:
        return None
    container = paragraph_container(tree)
    if container is None or container.tag in ("body", "html"):
        return None
    found = sum(len(element_text(p)) for p in layout_body.iter("p"))
    own = sum(len(paragraph_text(p)) for p in container if p.tag == "p")
    if own * 2 < found:
        return None
    return body_element(isolated(tree, container), url)


def paragraph_container(tree: HtmlElement) -> HtmlElement | None:
    """The element whose direct ``<p>`` children hold the most text, link-only paragraphs left out."""
    scores: dict[HtmlElement, int] = {}
    for paragraph in tree.iter("p"):
        parent = paragraph.getparent()
        if parent is None:
            continue
        text = paragraph_text(paragraph)
        linked = sum(len(link.text_content()) for link in paragraph.iter("a"))
        if text and linked * 2 < len(text):
            scores[parent] = scores.get(parent, 0) + len(text)
    return max(scores, key=scores.__getitem__) if scores else None


def paragraph_text(paragraph: HtmlElement) -> str:
    return SPACES.sub(" ", paragraph.text_content()).strip()


def isolated(tree: HtmlElement, container: HtmlElement) -> HtmlElement:
    """``tree`` with its body replaced by ``<article>`` around ``container`` (head kept)."""
    from lxml.html import Element

    body = tree.find("body")
    if body is None:
        body = Element("body")
        tree.append(body)
    article = Element("article")
    article.append(container)
    for child in list(body):
        body.remove(child)
    body.text = None
    body.append(article)
    return tree


def is_thin(body: _Element, text: str) -> bool:
    """A body worth a second opinion: short, without paragraph text, or mostly tables."""
    if len(text) < FULL_CASCADE_BELOW:
        return True
    return not body.xpath(".//p//text()") or len(body.findall(".//table")) > len(body.findall(".//p"))


@cache
def trafilatura_options(fast: bool) -> Any:
    """trafilatura's settings for our runs (built once: reading its config is not free)."""
    from trafilatura.settings import Extractor

    return Extractor(fast=fast, comments=False, tables=True)


def _blocks_of(element: _Element) -> list[Block]:
    """Blocks of a container; loose text (the container's text and children's tails) becomes paragraphs."""
    blocks = _loose("p", element.text)
    for child in element:
        tag = child.tag
        if tag in ("p", "code"):
            blocks.extend(_block("p", child))
        elif tag == "head":
            blocks.extend(_block("h", child))
        elif tag == "list":
            blocks.extend(_list_items(child))
        elif tag == "quote":
            blocks.extend(_quote_blocks(child))
        elif tag == "table" and is_layout_table(child):
            blocks.extend(block for cell in table_cells(child) for block in _blocks_of(cell))
        elif tag == "table":
            blocks.extend(_table_rows(child))
        elif tag in ("graphic", "lb"):
            pass
        elif len(child) and any(grandchild.tag in BLOCK_TAGS for grandchild in child):
            blocks.extend(_blocks_of(child))
        else:
            blocks.extend(_block("p", child))
        blocks.extend(_loose("p", child.tail))
    return blocks


def _loose(kind: BlockKind, text: str | None) -> list[Block]:
    cleaned = SPACES.sub(" ", text.replace("\n", " ")).strip() if text else ""
    return [Block(kind, cleaned)] if cleaned else []


def _block(kind: BlockKind, element: _Element) -> list[Block]:
    text = element_text(element)
    return [Block(kind, text)] if text else []


def _list_items(element: _Element) -> list[Block]:
    blocks = _loose("li", element.text)
    for item in element:
        nested = [child for child in item if child.tag == "list"]
        for child in nested:
            item.remove(child)
        blocks.extend(_block("li", item))
        for child in nested:
            blocks.extend(_list_items(child))
        blocks.extend(_loose("li", item.tail))
    return blocks


def _quote_blocks(element: _Element) -> list[Block]:
    """One quote block per paragraph of a blockquote."""
    if not any(child.tag in BLOCK_TAGS for child in element):
        return _block("quote", element)
    return [Block("quote", block.text) for block in _blocks_of(element)]


def _table_rows(element: _Element) -> list[Block]:
    blocks: list[Block] = []
    for row in element.iter("row"):
        cells = [element_text(cell) for cell in row if cell.tag == "cell"]
        text = " ".join(cell for cell in cells if cell)
        if text:
            blocks.append(Block("p", text))
    return blocks


def element_text(element: _Element) -> str:
    """Text of an element with ``<lb/>`` as a line break and whitespace collapsed per line."""
    parts: list[str] = []
    _collect(element, parts)
    lines = (SPACES.sub(" ", line).strip() for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _collect(element: _Element, parts: list[str]) -> None:
    if element.text:
        parts.append(element.text.replace("\n", " "))
    for child in element:
        if child.tag == "lb":
            parts.append("\n")
        elif child.tag in BLOCK_TAGS or child.tag in ("item", "row", "cell"):
            parts.append("\n")
            _collect(child, parts)
            parts.append("\n")
        else:
            _collect(child, parts)
        if child.tail:
            parts.append(child.tail.replace("\n", " "))


def page_captions(dom: LexborHTMLParser) -> frozenset[str]:
    """Normalized texts of the page's figure captions, to label (or unglue) them in the body."""
    captions = set()
    for node in dom.css(CAPTION_SELECTOR):
        if node.tag == "figure":
            continue
        text = normalized(node.text(deep=True))
        if 3 < len(text) < 400:
            captions.add(text)
    return frozenset(captions)


def detected_language(text: str) -> str | None:
    """py3langid's guess on the first few thousand characters, when the page declares nothing."""
    if len(text) < 40:
        return None
    import py3langid

    language, _ = py3langid.classify(text[:3000])
    return str(language)


def render_html(blocks: list[Block]) -> str:
    """Display HTML from blocks: escaped text in p, h2, ul/li, blockquote and figure/figcaption."""
    out: list[str] = []
    in_list = False
    for block in blocks:
        if block.kind == "li" and not in_list:
            out.append("<ul>")
        elif block.kind != "li" and in_list:
            out.append("</ul>")
        in_list = block.kind == "li"
        body = "<br>".join(html_module.escape(line) for line in block.text.split("\n"))
        if block.kind == "li":
            out.append(f"<li>{body}</li>")
        elif block.kind == "caption":
            out.append(f"<figure><figcaption>{body}</figcaption></figure>")
        else:
            tag = HTML_TAGS[block.kind]
            out.append(f"<{tag}>{body}</{tag}>")
    if in_list:
        out.append("</ul>")
    return "\n".join(out)


def metadata_only(html: str | bytes, url: str | None = None) -> PageMetadata | None:
    """Page metadata without running the text extractor (cheap: for feeds that carry full text)."""
    page = decoded(html)
    tree = parse_page(page)
    return read_metadata(tree, url, LexborHTMLParser(page)) if tree is not None else None
