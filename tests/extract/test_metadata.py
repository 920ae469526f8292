"""Author rules of :mod:`gazette.extract.metadata`, each on a small hand-written page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from lxml.html import HtmlElement, fromstring
from selectolax.lexbor import LexborHTMLParser

from gazette.extract.metadata import (
    author_name,
    byline_name,
    document_byline,
    is_person_name,
    read_metadata,
)


def page(head: str = "", body: str = "<p>Text.</p>") -> str:
    return f"<html><head><title>A headline - Example News</title>{head}</head><body>{body}</body></html>"


def json_ld(data: dict[str, Any]) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def author_of(html: str) -> str | None:
    tree: HtmlElement = fromstring(html)
    return read_metadata(tree, None, LexborHTMLParser(html)).author


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("By Jane Doe", "Jane Doe"),
        ("Posted by Jane Doe", "Jane Doe"),
        ("Written and edited by Jane Doe", "Jane Doe"),
        ("Geschrieben von Max Muster", "Max Muster"),
        ("Publié par Marie Dupont", "Marie Dupont"),
        ("Author: Jane Doe", "Jane Doe"),
        ("Jane Doe, Staff Writer", "Jane Doe"),
        ("Jane Doe - Senior Health Correspondent", "Jane Doe"),
        ("Jane Doe | Metro desk", "Jane Doe"),
        ("Jane Doe Staff Writer", "Jane Doe"),
        ("Jane Doe, John Roe and Ann Poe - Platform Security team", "Jane Doe, John Roe and Ann Poe"),
        ("By Jane Doe and John Roe For The Daily Example", "Jane Doe and John Roe"),
        ("Organization for Transformative Works", "Organization for Transformative Works"),
        ("By Jane Doe; edited by John Roe", "Jane Doe"),
        ("Revised edition, edited by John Roe", "Revised edition, edited by John Roe"),
        ("jane@example.com (Jane Doe)", "Jane Doe"),
        ("Jane Doe jane.doe@example.com", "Jane Doe"),
        ("Jane Doe (@janedoe)", "Jane Doe"),
        ("Par Marie Dupont", "Marie Dupont"),
        ("Par : Marie Dupont", "Marie Dupont"),
        ("Von: Max Muster", "Max Muster"),
        ("Por Ana Gómez", "Ana Gómez"),
        ("Door Jan Jansen", "Jan Jansen"),
        ("di Mario Rossi", "Mario Rossi"),
        ("Da Mario Rossi", "Mario Rossi"),
        ("A cura di Mario Rossi", "Mario Rossi"),
        ("Av Sven Svensson", "Sven Svensson"),
        ("Af Lars Larsen", "Lars Larsen"),
        ("Przez Jan Kowalski", "Jan Kowalski"),
        ("Texte : Marie Dupont", "Marie Dupont"),
        ("Tekst: Jan Jansen", "Jan Jansen"),
        ("Von AFP", "AFP"),
        ("Erstellt von Max Muster", "Max Muster"),
        ("Text und Interview: Max Muster", "Max Muster"),
        ("Text and photos: Jane Doe", "Jane Doe"),
        ("Post author By Jane Doe", "Jane Doe"),
        ("Author: Di Maria", "Di Maria"),
        ("About the Author - Jane Doe", "Jane Doe"),
        ("'Jane Doe, John Roe'", "Jane Doe, John Roe"),
        ("“Jane Doe”", "Jane Doe"),
        ("publisher", None),
        ("Super User", None),
        ("Follow", None),
        ("Source: Example Wire", None),
        ("Author", None),
        ("admin", None),
        ("jane@example.com", None),
        ("https://example.com/authors/jane-doe", None),
        ('<a href="/a/jane">Jane Doe</a> <a href="/a/john">John Roe</a>', "Jane Doe, John Roe"),
    ],
)
def test_author_name_keeps_only_the_names(raw: str, name: str | None) -> None:
    assert author_name(raw) == name


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("Jane Doe Monday, February 29, 2016 @ 11:10 PM", "Jane Doe"),
        ("Jane Doe am Samstag, 3. Mai", "Jane Doe"),
        ("Ann Marshall 12 hours ago", "Ann Marshall"),
        ("By Ann Mayer, March 3, 2024", "Ann Mayer"),
        ("Von", None),
        ("Donnerstag, 4. November 2021", None),
        ("Thursday, November 4, 2021", None),
        ("Datum", None),
    ],
)
def test_byline_name_drops_weekdays_and_labels_but_not_names_that_start_like_months(
    raw: str, name: str | None
) -> None:
    assert byline_name(raw) == name


def test_byline_with_several_linked_authors_names_them_all() -> None:
    html = page(
        body='<div class="byline">By <a rel="author" href="/a/1">Jane Doe</a> and '
        '<a rel="author" href="/a/2">John Roe</a> | March 3, 2024</div><p>Text.</p>'
    )
    assert document_byline(LexborHTMLParser(html)) == "Jane Doe, John Roe"


def test_byline_name_parts_skip_the_publisher() -> None:
    html = page(
        body='<div class="byline"><span itemprop="author" itemscope itemtype="https://schema.org/Person">'
        '<span itemprop="name">Jane Doe</span></span> for <span itemprop="publisher" itemscope '
        'itemtype="https://schema.org/Organization"><span itemprop="name">Example News</span></span></div>'
    )
    assert document_byline(LexborHTMLParser(html)) == "Jane Doe"


def test_byline_text_of_adjacent_elements_is_kept_apart() -> None:
    html = page(body='<div class="author"><span>Jane Doe</span><span>jane@example.com</span></div>')
    assert document_byline(LexborHTMLParser(html)) == "Jane Doe"


@pytest.mark.parametrize("name", ["Di Maria", "Da Silva", "Von Miller", "Af Klint"])
def test_surname_particle_before_a_single_surname_is_part_of_the_name(name: str) -> None:
    assert author_name(name) == name
    assert author_name(f"By {name}") == name


def test_byline_in_a_related_box_does_not_replace_the_agency_credit() -> None:
    body = (
        '<header><span class="author" itemprop="author"><span itemprop="name">AFP</span></span></header>'
        '<aside class="related"><a href="/other">Another story</a>'
        '<span class="author">Par <span class="authorname">Marie Dupont</span></span></aside><p>Text.</p>'
    )
    assert author_of(page(body=body)) == "AFP"


def dc_creators(*names: str) -> str:
    return "".join(f'<meta name="DC.Creator" content="{name}">' for name in names)


def test_repeated_author_meta_lead_author_is_the_one_the_page_names_first() -> None:
    body = "<pre>DRAFT                Jane Q. Doe\n                     J. Roe</pre><p>Text.</p>"
    assert author_of(page(dc_creators("Roe, J.", "Doe, Jane"), body)) == "Doe, Jane"


def test_repeated_author_meta_keeps_the_tag_order_when_the_page_names_nobody() -> None:
    assert author_of(page(dc_creators("Roe, J.", "Doe, Jane"))) == "Roe, J."


def test_repeated_author_meta_lead_is_a_person_not_the_outlet() -> None:
    head = (
        '<meta name="twitter:site" content="@examplenews"><meta name="parsely-author" content="Jane Doe">'
        '<meta name="parsely-author" content="John Roe"><meta name="parsely-author" content="9 News Desk">'
    )
    body = "<nav>9 News Desk home</nav><p class='credit'>By Jane Doe, John Roe, 9 News Desk</p><p>Text.</p>"
    assert author_of(page(head, body)) == "Jane Doe"


def test_repeated_author_meta_name_tags_do_not_outrank_a_property_tag() -> None:
    head = (
        '<meta name="dc.creator" content="John Roe"><meta property="dc:creator" content="Jane Doe">'
        '<meta name="dc.creator" content="Ann Poe">'
    )
    assert author_of(page(head, "<p>Ann Poe and John Roe wrote this.</p>")) == "Jane Doe"


def test_meta_author_is_cleaned_and_a_profile_url_skipped() -> None:
    head = (
        '<meta property="article:author" content="https://example.com/jane">'
        '<meta name="author" content="By Jane Doe, Staff Writer">'
    )
    assert author_of(page(head)) == "Jane Doe"


def test_site_name_as_author_yields_to_the_person_in_the_byline() -> None:
    head = '<meta property="og:site_name" content="Example News"><meta name="author" content="Example News">'
    body = '<p class="byline">By Jane Doe</p><p>Text.</p>'
    assert author_of(page(head, body)) == "Jane Doe"


def test_organisation_author_in_json_ld_yields_to_the_person_in_the_byline() -> None:
    head = json_ld(
        {"@type": "NewsArticle", "author": {"@type": "Organization", "name": "Example Wire Service"}}
    )
    body = '<span class="author-name">Jane Doe</span><p>Text.</p>'
    assert author_of(page(head, body)) == "Jane Doe"


def test_site_name_as_author_stays_when_the_byline_is_no_person_name() -> None:
    head = '<meta property="og:site_name" content="Jane Blog"><meta name="author" content="Jane Blog">'
    body = '<span class="author-views">Views (2390)</span><p>Text.</p>'
    assert author_of(page(head, body)) == "Jane Blog"


def test_person_author_wins_over_a_different_byline_element() -> None:
    head = '<meta name="author" content="Jane Doe">'
    body = '<p class="byline">By John Roe</p>'
    assert author_of(page(head, body)) == "Jane Doe"


def test_json_ld_author_reference_is_the_last_resort() -> None:
    graph = {
        "@graph": [
            {"@type": "Article", "author": {"@id": "https://example.com/#/person/1"}},
            {"@type": "Person", "@id": "https://example.com/#/person/1", "name": "Jane Doe"},
        ]
    }
    assert author_of(page(json_ld(graph))) == "Jane Doe"
    with_byline = page(json_ld(graph), '<p class="byline">By John Roe</p>')
    assert author_of(with_byline) == "John Roe"


def test_json_ld_author_list_is_joined() -> None:
    data = {"@type": "BlogPosting", "author": [{"name": "Jane Doe"}, {"name": "By John Roe"}, "Jane Doe"]}
    assert author_of(page(json_ld(data))) == "Jane Doe, John Roe"


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("Jane Doe", True),
        ("Jane Doe, John Roe and Ann Poe", True),
        ("María Alejandra Carrasquilla", True),
        ("Madonna", False),
        ("Views (2390)", False),
        ("jane doe", False),
    ],
)
def test_is_person_name(text: str, person: bool) -> None:
    assert is_person_name(text) is person
