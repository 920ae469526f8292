"""extract_article on small realistic pages, and the cleanup rules one by one."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from gazette.extract.article import Block, Extracted, extract_article, render_html
from gazette.extract.cleanup import (
    Context,
    clean_blocks,
    is_byline,
    is_furniture,
    normalized,
    split_captions,
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
