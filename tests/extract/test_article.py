"""extract_article on small realistic pages, and the cleanup rules one by one."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml.html import HtmlElement
from selectolax.lexbor import LexborHTMLParser

from gazette.extract.article import (
    Block,
    Extracted,
    PageText,
    cascade,
    drop_invisible,
    element_text,
    extract_article,
    is_layout_table,
    is_thin,
    parse_page,
    render_html,
    trafilatura_options,
)
from gazette.extract.cleanup import (
    Context,
    clean_blocks,
    is_byline,
    is_furniture,
    normalized,
    split_captions,
)
from gazette.extract.metadata import (
    PageMetadata,
    byline_name,
    document_byline,
    read_metadata,
    without_site_suffix,
)


def load(test_data: Path, name: str) -> Extracted:
    return extract_article((test_data / "extract" / name).read_bytes())


def test_news_page_metadata_and_clean_body(test_data: Path) -> None:
    page = load(test_data, "harbour-news.html")
    assert page.title == "Harbour bridge to close for six months of repairs"
    assert page.author == "Jane Doe"
    assert page.published == datetime(2026, 3, 14, 8, 30, tzinfo=UTC)
    assert page.updated == datetime(2026, 3, 14, 11, 5, tzinfo=UTC)
    assert page.language == "en"
    assert page.site_name == "The Coastal Courier"
    assert page.image == "https://courier.example/img/bridge.jpg"
    assert not page.partial
    assert [block.text[:40] for block in page.blocks] == [
        "The harbour bridge, which carries more t",
        "Engineers found last winter that several",
        '"We would rather close the bridge on our',
        "A temporary ferry shuttle will run every",
        "Local businesses near the ferry terminal",
    ]
    for noise in ("By Jane Doe", "1.2k shares", "Read more", "newsletter", "cookies", "Home", "©"):
        assert noise not in page.text
    assert page.text == "\n\n".join(block.text for block in page.blocks)


def test_german_page_drops_byline_credit_promo_and_related_list(test_data: Path) -> None:
    page = load(test_data, "stadtrat-de.html")
    assert page.title == "Stadtrat beschließt neue Radwege"
    assert page.author == "Max Mustermann"
    assert page.published == datetime(2026, 5, 2, 7, 15, tzinfo=UTC)
    assert page.language == "de"
    assert len(page.blocks) == 3
    assert page.text.startswith("Der Stadtrat hat am Donnerstagabend")
    assert page.text.endswith("über die genaue Planung mitreden können.")
    for noise in (
        "Von Max",
        "Foto: dpa",
        "Lesen Sie auch",
        "Mehr zum Thema",
        "Radfahrer fordern",
        "Kommentare",
    ):
        assert noise not in page.text


def test_paywall_teaser_is_partial_and_staff_byline_removed(test_data: Path) -> None:
    page = load(test_data, "paywall-teaser.html")
    assert page.partial
    assert page.author == "Sam Lee, Priya Natarajan"
    assert page.published == datetime(2026, 8, 20, tzinfo=UTC)
    assert page.image == "https://ledger.example/battery.png"
    assert page.title == "Inside the race to build a cheaper battery"
    assert [block.kind for block in page.blocks] == ["p", "p"]
    assert "Staff writer" not in page.text
    assert "Subscribe" not in page.text


def test_language_detected_when_page_declares_none(test_data: Path) -> None:
    page = load(test_data, "blog-fr.html")
    assert page.language == "fr"
    assert page.title == "Notre week-end à la montagne"
    assert page.author is None
    assert page.published is None
    assert "Partager sur Facebook" not in page.text
    assert len(page.blocks) == 3


def test_to_json_has_every_field_with_rfc3339_times(test_data: Path) -> None:
    record = load(test_data, "harbour-news.html").to_json("pages/harbour-news.html")
    assert set(record) == {
        "id", "path", "title", "author", "published", "updated", "language",
        "site_name", "image", "partial", "text", "html",
    }  # fmt: skip
    assert record["id"] == record["path"] == "pages/harbour-news.html"
    assert record["published"] == "2026-03-14T08:30:00Z"
    assert record["updated"] == "2026-03-14T11:05:00Z"


@pytest.mark.parametrize("html", ["", b"", "<html></html>", b"\x00\x01\x02"])
def test_empty_or_garbage_input_gives_empty_record(html: str | bytes) -> None:
    page = extract_article(html)
    assert page.text == ""
    assert page.blocks == []
    assert page.html == ""


def test_html_is_built_from_escaped_text_only() -> None:
    blocks = [
        Block("h", "Tom & Jerry <script>"),
        Block("p", 'a "quoted" <img src=x onerror=alert(1)>\nsecond line'),
        Block("li", "one"),
        Block("li", "two"),
        Block("quote", "<b>said</b>"),
        Block("caption", "Photo <i>"),
    ]
    assert render_html(blocks) == "\n".join(
        [
            "<h2>Tom &amp; Jerry &lt;script&gt;</h2>",
            "<p>a &quot;quoted&quot; &lt;img src=x onerror=alert(1)&gt;<br>second line</p>",
            "<ul>",
            "<li>one</li>",
            "<li>two</li>",
            "</ul>",
            "<blockquote>&lt;b&gt;said&lt;/b&gt;</blockquote>",
            "<figure><figcaption>Photo &lt;i&gt;</figcaption></figure>",
        ]
    )


@pytest.mark.parametrize(
    "text",
    [
        "1.2k shares",
        "352 Kommentare",
        "Share on Facebook",
        "Read more: How the bridge was built",
        "Lesen Sie auch: Neue Buslinie",
        "VEA TAMBIÉN: Otra noticia",
        "Sign up for our morning newsletter and get the news in your inbox.",
        "We use cookies to improve your experience.",
    ],
)
def test_furniture_lines(text: str) -> None:
    assert is_furniture(Block("p", text))


@pytest.mark.parametrize(
    "text",
    [
        "Many of us get our best ideas in the shower, or when we least think about it.",
        "The company sent a newsletter to 2,000 customers on Monday, the regulator said in its report.",
        "Shares in the company fell 12% on Monday.",
    ],
)
def test_prose_is_not_furniture(text: str) -> None:
    assert not is_furniture(Block("p", text))


def test_bylines() -> None:
    assert is_byline("By Jane Doe", None)
    assert is_byline("Jane Doe, Staff writer", None)
    assert is_byline("jane doe", "Jane Doe")
    assert not is_byline("By the end of the year, prices had doubled.", None)


def test_pull_quote_repeating_a_paragraph_is_dropped() -> None:
    sentence = "We would rather close the bridge on our own terms than have it closed for us"
    blocks = [
        Block("p", f'"{sentence}," said Ahmed Karimi.'),
        Block("quote", sentence),
        Block("quote", "Other words"),
    ]
    assert clean_blocks(blocks, Context()).blocks == [blocks[0], blocks[2]]


def test_caption_glued_to_a_paragraph_is_split_off() -> None:
    caption = normalized("Workers inspect the corroded cables under the bridge deck.")
    blocks = [
        Block("p", "Workers inspect the corroded cables under the bridge deck. The council said on Tuesday.")
    ]
    assert split_captions(blocks, frozenset({caption})) == [
        Block("caption", "Workers inspect the corroded cables under the bridge deck."),
        Block("p", "The council said on Tuesday."),
    ]


def test_repeated_headline_and_standfirst_at_top_are_dropped() -> None:
    context = Context(title="Big news", description="The short summary.")
    blocks = [
        Block("h", "Big news"),
        Block("p", "The short summary."),
        Block("p", "The short summary."),
        Block("p", "Body text that stays."),
    ]
    assert clean_blocks(blocks, context).blocks == [blocks[1], blocks[3]]


def test_cdata_json_ld_byline_parts_and_marked_up_date(test_data: Path) -> None:
    page = load(test_data, "valley-report.html")
    assert page.title == "Orchard growers count the cost of a late frost"
    assert page.author == "Ana Ruiz"
    assert page.published == datetime(2026, 3, 3, 6, 45, tzinfo=UTC)
    assert len(page.blocks) == 4
    assert page.text.startswith("Apple and cherry growers")
    for noise in ("4 min read", "Recommended", "Beekeepers", "About the author", "vineyard", "Last updated"):
        assert noise not in page.text


def dom_metadata(html: str) -> PageMetadata:
    tree = parse_page(html)
    assert tree is not None
    return read_metadata(tree, None, LexborHTMLParser(html))


def test_property_meta_wins_over_name_meta() -> None:
    html = (
        '<html><head><meta name="dc.title" content="From name">'
        '<meta property="dc:title" content="From property"></head><body><p>x</p></body></html>'
    )
    assert dom_metadata(html).title == "From property"


@pytest.mark.parametrize(
    ("name", "headline", "title"),
    [
        (
            "List of films featuring time loops",
            "Wikimedia list article",
            "List of films featuring time loops",
        ),
        ("Example News", "Storm closes the coast road for a week", "Storm closes the coast road for a week"),
    ],
)
def test_json_ld_name_or_headline_whichever_matches_the_page_title(
    name: str, headline: str, title: str
) -> None:
    html = (
        f"<html><head><title>{title} - Example News</title>"
        '<script type="application/ld+json">{"@type": "Article", '
        f'"name": "{name}", "headline": "{headline}"}}</script></head><body><p>x</p></body></html>'
    )
    assert dom_metadata(html).title == title


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("By Joshua Sokol May 20, 2019", "Joshua Sokol"),
        ("César Salza 1 de diciembre de 2017 3:00 AM PST", "César Salza"),
        ("Nicolas Perriault —", "Nicolas Perriault"),
        ("James Akinaka • 8h", "James Akinaka"),
        ("Last Updated: January 7, 2025", None),
    ],
)
def test_byline_name_drops_prefix_dates_and_separators(raw: str, name: str | None) -> None:
    assert byline_name(raw) == name


def test_byline_in_a_comment_or_sidebar_box_is_skipped() -> None:
    html = (
        '<html><body><div id="comments"><div class="byline">Commenter</div></div>'
        '<div class="author-box"><a class="author-link">Real Author</a><div class="author-title">Editor</div>'
        "</div></body></html>"
    )
    assert document_byline(LexborHTMLParser(html)) == "Real Author"


def test_title_without_site_suffix() -> None:
    assert without_site_suffix("Storm closes the coast road - Example News") == "Storm closes the coast road"
    assert without_site_suffix("Home | Site") == "Home | Site"


@pytest.mark.parametrize(
    "text",
    [
        "4 min read",
        "Lesezeit: 3 Minuten",
        "Sie sind aktuell nicht eingeloggt.",
        "© 2026 Example Media. All rights reserved.",
        "24. März 2004, 19:49 | Genesis",
        "Letzte Änderung 14.02.2019",
        "2021-10-16 | Botschaft",
        "Kommentare insgesamt: 0",
        "Keine Kommentare (Kommentare erscheinen erst nach unserer Freigabe)",
        "If you enjoyed reading this post, would you consider supporting our work?",
    ],
)
def test_notices_are_furniture(text: str) -> None:
    assert is_furniture(Block("p", text))


@pytest.mark.parametrize(
    "block",
    [
        Block("p", "12. März 2020 war ein kalter Tag."),
        Block("li", "12 March 2020 – schools close"),
        Block("p", "He urged readers to donate to the flood appeal before the end of the month."),
    ],
)
def test_dated_prose_and_timeline_items_are_kept(block: Block) -> None:
    assert not is_furniture(block)


def test_promo_heading_and_author_biography_are_dropped() -> None:
    blocks = [
        Block("p", "Body text."),
        Block("h", "Empfohlene Beiträge"),
        Block("li", "Another story"),
        Block("h", "Über den Autor"),
        Block("p", "Max schreibt seit 2010 über Verkehr."),
        Block("h", "Nächster Abschnitt"),
        Block("p", "More body text."),
    ]
    assert clean_blocks(blocks, Context()).blocks == [blocks[0], blocks[5], blocks[6]]


def test_agency_and_picture_credits_are_dropped() -> None:
    blocks = [Block("p", "Body text."), Block("p", "aja/PAP"), Block("p", "Beitragsbild: Titelseite der FAZ")]
    assert clean_blocks(blocks, Context()).blocks == [blocks[0]]


def test_full_cascade_only_for_thin_bodies() -> None:
    from lxml.etree import fromstring

    long_body = fromstring("<body><p>" + "word " * 400 + "</p></body>")
    assert not is_thin(long_body, "word " * 400)
    assert is_thin(fromstring("<body><p>short</p></body>"), "short")
    tables = fromstring("<body><p>a</p><table/><table/></body>")
    assert is_thin(tables, "x" * 2000)


def test_table_layout_page_keeps_only_the_story(test_data: Path) -> None:
    """An old-style page laid out in table cells: masthead, nav, sidebar and footer are cells too."""
    page = load(test_data, "table-layout.html")
    assert page.author == "Tom Hadley"
    assert [block.text[:40] for block in page.blocks] == [
        "The county will raise the flood walls al",
        "The work, estimated at 4.2 million dolla",
        "Residents who spoke at Monday's meeting ",
        "The county board will vote on the contra",
    ]
    for noise in ("Courier-Journal", "LOCAL NEWS", "Obituaries", "Levee report", "Copyright", "Top Stories"):
        assert noise not in page.text


def test_layout_tables_hold_stories_data_tables_do_not() -> None:
    from lxml.etree import fromstring

    story = "<p>" + "A long paragraph of the story. " * 10 + "</p>"
    layout = fromstring(f"<table><row><cell><head>Headline</head>{story}</cell><cell/></row></table>")
    data = fromstring(
        "<table><row><cell><p>Capital</p></cell><cell><p>Wellington</p></cell></row>"
        "<row><cell>Population</cell><cell>5,100,000</cell></row></table>"
    )
    assert is_layout_table(layout)
    assert not is_layout_table(data)


@pytest.mark.parametrize(
    ("first", "kept"),
    [
        ("NOV. 25 (Northern Wire) — A woman was released.", "A woman was released."),
        ("LONDON, Nov 25 (Reuters) - Shares fell.", "Shares fell."),
        ("HOUSTON, Texas (KTRK) -- A salon closed.", "A salon closed."),
        ("(Leipzig) - Von Preisbremsen im Energiemarkt.", "(Leipzig) - Von Preisbremsen im Energiemarkt."),
        ("I (think) - this stays.", "I (think) - this stays."),
    ],
)
def test_wire_dateline_is_removed_from_the_first_paragraph(first: str, kept: str) -> None:
    blocks = [Block("h", "Subhead"), Block("p", first), Block("p", "NOV. 26 (AP) — A later paragraph.")]
    cleaned = clean_blocks(blocks, Context()).blocks
    assert [block.text for block in cleaned] == ["Subhead", kept, "NOV. 26 (AP) — A later paragraph."]


@pytest.mark.parametrize(
    "text",
    [
        "Reporting by Wire Staff; editing by Ines Barros",
        "Additional reporting by Steve Gorman; Editing by Marguerita Choy and Simon Cameron-Moore",
        "(Reporting by Jane Doe in London)",
    ],
)
def test_wire_credit_lines_are_dropped(text: str) -> None:
    blocks = [Block("p", "Body text."), Block("p", text)]
    assert clean_blocks(blocks, Context()).blocks == [blocks[0]]


@pytest.mark.parametrize(
    "text",
    [
        ">> Quake hits island off south Iran",
        "► Watch: the storm arrives",
        "Sponsored · Upgrade your kitchen this season.",
        "Go deeper: Ten fire engines were tackling the blaze",
        "Have a news tip? Email tips@ledger.example.",
    ],
)
def test_promo_arrows_sponsored_lines_and_tip_boxes_are_furniture(text: str) -> None:
    assert is_furniture(Block("p", text))


@pytest.mark.parametrize(
    "text",
    [
        ">>> def foo(bar=[]): return bar",
        "»Das ist zu wenig«, sagte die Ministerin.",
        "Reporting by the team showed that the pumps had failed twice.",
    ],
)
def test_code_prompts_german_quotes_and_prose_are_kept(text: str) -> None:
    blocks = [Block("p", text)]
    assert clean_blocks(blocks, Context()).blocks == blocks


def test_section_label_over_the_headline_is_dropped() -> None:
    context = Context(title="Storm closes the coast road")
    blocks = [Block("h", "Business"), Block("h", "Storm closes the coast road"), Block("p", "Body text.")]
    assert clean_blocks(blocks, context).blocks == [blocks[2]]
    subhead = [Block("p", "Body text."), Block("h", "Background"), Block("p", "More body text.")]
    assert clean_blocks(subhead, context).blocks == subhead


def test_truncated_teaser_repeating_a_paragraph_is_dropped() -> None:
    paragraph = "Staunton police on Friday arrested a terminally ill woman in the 1967 killings of two women."
    blocks = [
        Block("p", paragraph),
        Block("p", "Staunton police on Friday arrested a terminally ill woman in…"),
    ]
    assert clean_blocks(blocks, Context()).blocks == [blocks[0]]
    other = [Block("p", paragraph), Block("p", "Another story entirely, cut off in the middle of a long…")]
    assert clean_blocks(other, Context()).blocks == other


FIXTURES = sorted(p.name for p in (Path(__file__).resolve().parents[1] / "data" / "extract").glob("*.html"))


def test_hidden_elements_are_not_extracted(test_data: Path) -> None:
    page = load(test_data, "hidden-content.html")
    assert "four times a day" in page.text
    assert "Timetables are posted at both terminals" in page.text
    for hidden in ("Log in to keep reading", "Forgot your password", "old draft", "☰"):
        assert hidden not in page.text


def test_gallery_slides_stay_and_a_page_hidden_until_scripts_run_keeps_its_text(test_data: Path) -> None:
    tree = parse_page((test_data / "extract" / "hidden-content.html").read_bytes())
    assert tree is not None
    drop_invisible(tree)
    text = tree.text_content()
    assert "Slide two: the upper deck" in text
    assert "Log in to keep reading" not in text
    assert "old draft" not in text
    story = "<p>" + "The council met on Tuesday to discuss the ferry. " * 20 + "</p>"
    markup = f'<html><body><div style="visibility: hidden">{story}</div><p>Loading</p></body></html>'
    hidden_page = parse_page(markup)
    assert hidden_page is not None
    drop_invisible(hidden_page)
    assert "The council met on Tuesday" in hidden_page.text_content()


def html2txt_length(tree: HtmlElement) -> int:
    from trafilatura.baseline import html2txt

    return len(html2txt(tree))


def page_text_upper_bound(tree: HtmlElement) -> int:
    page = PageText(tree)
    return page.text_bound() + 2 * page.block_count()


@pytest.mark.parametrize("name", FIXTURES)
def test_page_text_bound_is_never_below_the_rendered_page(test_data: Path, name: str) -> None:
    tree = parse_page((test_data / "extract" / name).read_bytes())
    assert tree is not None
    assert page_text_upper_bound(tree) >= html2txt_length(tree)


PIECES = st.sampled_from(
    [
        "word", "two words", " ", "\n  ", "\u00a0", "x\u2003y", "<p>", "</p>", "<div>", "</div>", "<br>",
        "<span>", "</span>", "<b>", "</b>", "<li>", "<script>var a = 1;  b</script>", "<style> p {} </style>",
        "<aside>side note</aside>", "<footer>foot</footer>", "<td>cell</td>", "<h2>", "</h2>",
        '<div class="cookie-banner">we use cookies</div>', "<svg><text>icon</text></svg>",
    ]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(PIECES, min_size=1, max_size=40))
def test_page_text_bound_holds_on_generated_pages(pieces: list[str]) -> None:
    tree = parse_page("<html><head><title>t</title></head><body>" + "".join(pieces) + "</body></html>")
    if tree is not None:
        assert page_text_upper_bound(tree) >= html2txt_length(tree)


def trafilatura_two_runs(tree: HtmlElement) -> str:
    """What the cascade replaces: trafilatura's own sequence, fast, then in full on a thin body."""
    from trafilatura.core import trafilatura_sequence

    body, text, _, _ = trafilatura_sequence(tree, trafilatura_options(fast=True), None)
    if is_thin(body, text):
        body, text, _, _ = trafilatura_sequence(tree, trafilatura_options(fast=False), None)
    return text


def assert_same_as_trafilatura(page: bytes) -> None:
    ours_tree, their_tree = parse_page(page), parse_page(page)
    assert ours_tree is not None
    assert their_tree is not None
    assert cascade(ours_tree, None)[1] == trafilatura_two_runs(their_tree)


@pytest.mark.parametrize("name", FIXTURES)
def test_cascade_gives_trafilatura_sequence_result(test_data: Path, name: str) -> None:
    assert_same_as_trafilatura((test_data / "extract" / name).read_bytes())


def test_cascade_gives_trafilatura_sequence_result_on_dev_pages(shared_data: Path) -> None:
    """Every tenth readability test page: thin pages, escalations and teaser boxes among them."""
    pages = sorted((shared_data / "extraction" / "readability-test-pages").glob("*/source.html"))
    for path in pages[::10]:
        assert_same_as_trafilatura(path.read_bytes())


@pytest.mark.parametrize("name", FIXTURES)
def test_parse_page_gives_trafilatura_loader_tree(test_data: Path, name: str) -> None:
    from lxml.html import tostring
    from trafilatura.utils import load_html

    page = (test_data / "extract" / name).read_bytes()
    ours, theirs = parse_page(page), load_html(page)
    assert ours is not None
    assert theirs is not None
    assert tostring(ours) == tostring(theirs)
    assert all(isinstance(element, HtmlElement) for element in ours.iter("*"))


@pytest.mark.parametrize("html", ["", b"", "<html></html>", b"\x00\x01\x02", "plain text", "<p>x</p>"])
def test_parse_page_rejects_what_trafilatura_loader_rejects(html: str | bytes) -> None:
    from trafilatura.utils import load_html

    assert (parse_page(html) is None) == (load_html(html) is None)


def test_table_cells_left_as_html_are_lines_and_inline_code_stays_inline() -> None:
    from lxml.etree import fromstring

    quote = fromstring("<quote><th>Release</th><th>Date</th><td>4.2.3</td><td>April 2014</td></quote>")
    assert element_text(quote) == "Release\nDate\n4.2.3\nApril 2014"
    paragraph = fromstring("<p>Call <code>os.scandir()</code> instead of <code>os.listdir()</code>.</p>")
    assert element_text(paragraph) == "Call os.scandir() instead of os.listdir()."
