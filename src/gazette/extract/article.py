"""Main text and metadata of one article page.

``extract_article(html, url)`` parses the page once, reads its metadata
(:mod:`gazette.extract.metadata`), drops what a browser would not show
(``hidden``, ``aria-hidden``, inline ``display: none``), lets trafilatura
find the body (its cascade, run fast first and in full only on a thin body:
:func:`cascade`), turns trafilatura's XML body into typed blocks, removes
the furniture trafilatura keeps (:mod:`gazette.extract.cleanup`) and renders
display HTML from the blocks. The HTML is built only from escaped text and a fixed set of tags, so
it is safe by construction (the nh3 sanitizer is for HTML we did not build).

Pages laid out in table cells (masthead, story, sidebar) are the one layout
trafilatura reads badly: with no known article container it keeps the whole
table. There the body is re-extracted from the element whose own paragraphs
hold the most text, and any layout table left is read cell by cell.
"""

from __future__ import annotations

import html as html_module
import re
from contextlib import suppress
from copy import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from lxml.etree import XPath, _Element
from lxml.html import HtmlElement
from selectolax.lexbor import LexborHTMLParser

from gazette.extract.cleanup import Block, BlockKind, Context, clean_blocks, normalized
from gazette.extract.metadata import PageMetadata, read_metadata

__all__ = ["Block", "BlockKind", "Extracted", "extract_article", "render_html"]

CAPTION_SELECTOR = "figcaption, [class*=caption i], [class*=bildunterschrift i], [class*=legende i]"
SPACES = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")
HTML_TAGS = {"p": "p", "h": "h2", "quote": "blockquote"}
BLOCK_TAGS = frozenset({"p", "code", "head", "list", "quote", "table", "div"})
LINE_TAGS = BLOCK_TAGS | {"item", "row", "cell", "tr", "td", "th"}
"""Elements on lines of their own inside a block (``td``/``th``: table cells trafilatura left as HTML)."""
LAYOUT_CELL_TEXT = 200
"""Characters: a table cell with a heading and this much text holds a story, not data."""
FULL_CASCADE_BELOW = 1000
"""Characters: a fast-mode body shorter than this gets trafilatura's full cascade."""
INVISIBLE = XPath(
    'descendant::*[@hidden or @aria-hidden="true" or contains(@style, "none") or contains(@style, "hidden")]'
    "[descendant::text()[normalize-space()]]"
)
"""Candidates for :func:`drop_invisible` that hold text (the style is checked by ``HIDING_STYLE``)."""
PAGE_TEXT_LENGTH = XPath("string-length(.)")
NORMALIZED_LENGTH = XPath("string-length(normalize-space(.))")
HIDING_STYLE = re.compile(r"(?:display\s*:\s*none|visibility\s*:\s*hidden)\b", re.IGNORECASE)
STATE_CLASS = re.compile(
    r"(?:is-|has-|js-)?(?:hidden|hide|show|shown|active|inactive|current|visible|invisible|"
    r"open|opened|closed|collapsed?|d-none)",
    re.IGNORECASE,
)
"""Class names that say whether an element is shown, not what it is."""
VISIBLE_SHARE = 4
"""Hidden elements stay when removing them would leave less than 1/4 of the page's text."""


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
    """One lenient parse with trafilatura's loader rules (charset sniffing, repairs, rejection test).

    The parser is trafilatura's, except for the element classes (:func:`html_parser`).
    """
    from lxml.etree import LxmlError
    from lxml.html import fromstring
    from trafilatura.utils import decode_file, is_dubious_html, repair_faulty_html

    page = decode_file(html)
    beginning = page[:50].lower()
    dubious = is_dubious_html(beginning)
    page = repair_faulty_html(page, beginning)
    try:
        tree = fromstring(page, parser=html_parser())
    except (ValueError, LxmlError):
        tree = None
    if tree is None or len(tree) < 1:
        try:
            tree = fromstring(page.encode("utf8", "surrogatepass"), parser=html_parser())
        except (ValueError, LxmlError):
            return None
    if dubious and len(tree) < 2:
        return None
    return tree if isinstance(tree, HtmlElement) else None


@cache
def html_parser() -> Any:
    """trafilatura's parser settings, with lxml's C-level element classes.

    ``lxml.html``'s parser chooses a class per tag (``FormElement``,
    ``InputElement``, ...) in a Python callback run for every element proxy
    lxml creates: ~3 million on the dev sets, ~5% of our CPU. Here every
    element is a plain ``HtmlElement``, which is all trafilatura, htmldate and
    the metadata reader use.
    """
    from lxml import etree
    from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction

    parser = etree.HTMLParser(
        collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True, remove_pis=True
    )
    parser.set_element_class_lookup(
        etree.ElementDefaultClassLookup(
            element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
        )
    )
    return parser


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
    """trafilatura's body of the page (comments off), or None when it finds no text. Prunes ``tree``."""
    drop_invisible(tree)
    try:
        body, text = cascade(tree, url)
    except (TypeError, ValueError):
        return None
    return body if text else None


def cascade(tree: HtmlElement, url: str | None) -> tuple[_Element, str]:
    """trafilatura's extraction cascade, run fast first and in full only where the fast body looks thin.

    This is ``trafilatura.core.trafilatura_sequence`` with comments off, taken
    apart so the two runs share their work. The full run adds a comparison
    with readability's and jusText's results, which can only win on a short or
    paragraph-less body, so long bodies skip it (a third less CPU on the dev
    sets, same scores). Both runs start from the same pruned and converted
    tree and share the main extractor's result, unless the page has teaser
    boxes (the fast run's last-resort recovery keeps them, the full run's
    does not). The page-coverage check of the recall escalation is
    computed once and usually bounded without rendering the page
    (:class:`PageText`). The internals used are private to trafilatura, hence
    the pinned version.
    """
    from trafilatura import core
    from trafilatura.external import compare_extraction
    from trafilatura.htmlprocessing import prune_unwanted_nodes
    from trafilatura.main_extractor import extract_content
    from trafilatura.xpaths import (
        RAW_TREE_PRUNE_XPATH,
        REMOVE_COMMENTS_AND_LISTS_XPATH,
        TEASER_DISCARD_XPATH,
    )

    fast, full = trafilatura_options(fast=True), trafilatura_options(fast=False)
    is_forum = core._forum_thread_page(tree)
    tree = prune_unwanted_nodes(tree, RAW_TREE_PRUNE_XPATH)
    if not is_forum:
        tree = prune_unwanted_nodes(tree, REMOVE_COMMENTS_AND_LISTS_XPATH)
    cleaned, backup = core._prepare_tree(tree, full, url)
    has_teasers = any(expression(cleaned) for expression in TEASER_DISCARD_XPATH)
    main_body, main_text = extract_content(cleaned, fast)
    page = PageText(tree)
    body, text = rescued(main_body, main_text, tree, url, page, fast)
    if not is_thin(body, text):
        return body, text
    if has_teasers:
        cleaned, backup = core._prepare_tree(tree, full, url)
        main_body, main_text = extract_content(cleaned, full)
    body, text = compare_extraction(backup, copy(tree), main_body, main_text, full)
    return rescued(body, text, tree, url, page, full)


def rescued(
    body: _Element, text: str, tree: HtmlElement, url: str | None, page: PageText, options: Any
) -> tuple[_Element, str]:
    """Stages 3 and 4 of trafilatura's cascade: the baseline on a tiny body, recall escalation on a short one.

    The escalation retries in recall mode (and, in full mode, with jusText)
    when the body covers less than a fifth of the page's text.
    """
    from trafilatura import core
    from trafilatura.baseline import baseline
    from trafilatura.external import justext_rescue

    if len(text) < options.min_extracted_size:
        b_body, b_text, b_len = baseline(tree)
        if b_len > len(text):
            body, text = b_body, b_text
    if not 0 < len(text) < core.ESCALATION_MAX_LENGTH or not page.covers_little(len(text)):
        return body, text
    recall = copy(options)
    recall.focus = "recall"
    r_body, r_text = body, ""
    with suppress(Exception):  # as trafilatura: a failed candidate must not cost the body we have
        r_body, r_text = core._recall_retry(tree, recall, url)
    j_body, j_text = body, ""
    if not options.fast:
        with suppress(Exception):
            j_body, j_text = justext_rescue(copy(tree), options)
    if len(j_text) > len(r_text) and len(j_text) > core.ESCALATION_JUSTEXT_RATIO * len(text):
        return j_body, j_text
    if len(r_text) >= options.min_extracted_size and len(r_text) > core.ESCALATION_ACCEPT_RATIO * len(text):
        return r_body, r_text
    return body, text


class PageText:
    """Whether an extraction covers little of a page's text, as trafilatura's escalation check decides it.

    trafilatura compares the body's length with ``html2txt`` of the whole page
    (a copy of the tree, cleaned and rendered: ~10% of our CPU). An upper
    bound on that length is cheap: the page's whitespace-normalized text
    length, less its scripts and styles (which ``html2txt`` removes), plus one
    space on each side of every block element (``html2txt`` spaces them).
    Removing text never lengthens the normalized text, and each inserted space
    lengthens it by at most one, so when the body covers a fifth of the bound
    it covers a fifth of the page, and the rendering is skipped. Otherwise the
    exact length is computed, once for both runs.
    """

    def __init__(self, tree: HtmlElement) -> None:
        self.tree = tree
        self.length: int | None = None

    def covers_little(self, text_length: int) -> bool:
        from trafilatura.baseline import html2txt
        from trafilatura.core import ESCALATION_PAGE_SHARE as share

        if self.length is None:
            text = self.text_bound()
            if text_length >= share * text and text_length >= share * (text + 2 * self.block_count()):
                return False
            self.length = len(html2txt(self.tree))
        return text_length < share * self.length

    def root(self) -> HtmlElement:
        body = self.tree.find(".//body")
        return self.tree if body is None else body

    def text_bound(self) -> int:
        """The page's normalized text length, less that of its scripts and styles."""
        root = self.root()
        length = int(NORMALIZED_LENGTH(root))
        for element in root.iter("script", "style"):
            length -= max(0, int(NORMALIZED_LENGTH(element)) - 1)
        return length

    def block_count(self) -> int:
        """How many elements ``html2txt`` puts spaces around."""
        from trafilatura.baseline import _BLOCK_ELEMS

        return sum(1 for _ in self.root().iter(*_BLOCK_ELEMS))


def drop_invisible(tree: HtmlElement) -> None:
    """Remove what a browser would not show: ``hidden``, ``aria-hidden="true"``, inline display:none.

    trafilatura prunes hidden elements inside the container it picks, but its
    comparison with readability and jusText reads the raw page, where hidden
    copies and collapsed duplicates come back. A page that hides its whole
    text until a script runs keeps it (nothing would be left to read), and so
    do the hidden slides of a gallery or panels of a tab set (:func:`is_panel`).
    """
    body = tree.find("body")
    candidates = INVISIBLE(body) if body is not None else []
    hidden = [element for element in candidates if is_invisible(element) and not is_panel(element)]
    if not hidden:
        return
    marked = set(hidden)
    outer = [element for element in hidden if not any(a in marked for a in element.iterancestors())]
    removed = sum(len(element.text_content()) for element in outer)
    if removed * VISIBLE_SHARE > (VISIBLE_SHARE - 1) * int(PAGE_TEXT_LENGTH(tree)):
        return
    for element in outer:
        element.drop_tree()


def is_invisible(element: HtmlElement) -> bool:
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return True
    return bool(HIDING_STYLE.search(element.get("style", "")))


def is_panel(element: HtmlElement) -> bool:
    """A hidden slide or tab: a visible sibling has the same tag and classes (hiding ones aside)."""
    key = panel_classes(element)
    if not key:
        return False
    parent = element.getparent()
    siblings = parent.iterchildren(element.tag) if parent is not None else iter(())
    return any(
        sibling is not element and not is_invisible(sibling) and panel_classes(sibling) == key
        for sibling in siblings
    )


def panel_classes(element: HtmlElement) -> frozenset[str]:
    """The element's classes without those that hide or show it ("hidden", "is-active", ...)."""
    return frozenset(c for c in element.get("class", "").split() if not STATE_CLASS.fullmatch(c))


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
        elif child.tag in LINE_TAGS and not (child.tag == "code" and element.tag == "p"):
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
