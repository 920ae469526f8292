from __future__ import annotations

import re
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

import pytest

from gazette.ingest import feeds as feeds_module
from gazette.ingest.feeds import FeedParseError, ParsedFeed, clamp_date, parse_feed, plain_text

FEED_URL = "http://127.0.0.1:8101/feeds/feed.xml"


@pytest.fixture(scope="module")
def feeds_dir(test_data: Path) -> Path:
    return test_data / "feeds"


def parse_fixture(feeds_dir: Path, name: str, content_type: str | None = None) -> ParsedFeed:
    return parse_feed((feeds_dir / name).read_bytes(), url=FEED_URL, content_type=content_type)


def all_text(feed: ParsedFeed) -> str:
    """Every field of the feed and its entries as one string, to search for leaks."""
    return repr(asdict(feed))


# --- formats -------------------------------------------------------------------------------------


def test_rss091(feeds_dir: Path) -> None:
    feed = parse_fixture(feeds_dir, "rss091.xml")
    assert (feed.kind, feed.title, feed.site_url, feed.bozo_error) == (
        "rss",
        "Old Times",
        "http://127.0.0.1:8101/",
        None,
    )
    assert [e.link for e in feed.entries] == [
        "http://127.0.0.1:8101/first.html",
        "http://127.0.0.1:8101/second.html",
    ]
    assert feed.entries[0].published is None


def test_rss092_enclosure_image_and_escaped_html_summary(feeds_dir: Path) -> None:
    entry = parse_fixture(feeds_dir, "rss092.xml").entries[0]
    assert entry.image == "http://127.0.0.1:8101/cover.png"
    assert entry.summary == "<p>Escaped <b>HTML</b> description</p>"
    assert entry.categories == ["Audio"]
    assert entry.content_html is None


def test_rss10(feeds_dir: Path) -> None:
    feed = parse_fixture(feeds_dir, "rss10.rdf")
    assert feed.kind == "rdf"
    entry = feed.entries[0]
    assert entry.author == "Ada Lovelace"
    assert entry.published == datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    assert entry.categories == ["Science"]


def test_rss20_with_content_encoded(feeds_dir: Path) -> None:
    feed = parse_fixture(feeds_dir, "rss20.xml", "application/rss+xml; charset=utf-8")
    assert (feed.kind, feed.title, feed.feed_url) == ("rss", "The Daily Example", FEED_URL)
    first, second = feed.entries
    assert first.key == first.guid == "daily-example-0001"
    assert first.link == "http://127.0.0.1:8101/news/bridge?utm_source=rss&utm_medium=feed&id=7"
    assert first.canonical_url == "http://127.0.0.1:8101/news/bridge?id=7"
    assert first.title == "Council approves the new bridge"
    assert first.author == "Maria Rossi"
    assert first.published == datetime(2024, 3, 5, 13, 30, tzinfo=UTC)
    assert first.published.tzinfo is not None
    assert first.summary == "<p>The council voted 7-2 in favour.</p>"
    assert first.content_html is not None
    assert first.content_html.startswith("<p>The city council voted")
    assert first.has_full_content
    assert first.image == "http://127.0.0.1:8101/img/bridge-thumb.jpg"
    assert first.categories == ["Local", "Transport"]
    assert second.guid is None
    assert second.key == second.canonical_url == "http://127.0.0.1:8101/news/weather"
    assert second.image == "http://127.0.0.1:8101/img/rain.jpg"
    assert not second.has_full_content


def test_atom10(feeds_dir: Path) -> None:
    feed = parse_fixture(feeds_dir, "atom10.xml", "application/atom+xml")
    assert (feed.kind, feed.title, feed.site_url) == ("atom", "Atom & Eve", "http://127.0.0.1:8102/")
    xhtml, only_updated = feed.entries
    assert xhtml.title == "An XHTML title"
    assert xhtml.link == "http://127.0.0.1:8102/blog/posts/xhtml-title"  # xml:base applies
    assert xhtml.published == datetime(2024, 3, 5, 6, 0, tzinfo=UTC)
    assert xhtml.updated == datetime(2024, 3, 6, 9, 30, tzinfo=UTC)
    assert xhtml.content_html == "<p>Full <strong>XHTML</strong> content.</p>"
    assert xhtml.categories == ["Essays"]
    assert xhtml.author is not None
    assert "<" not in xhtml.author
    assert only_updated.published == only_updated.updated == datetime(2024, 3, 4, 10, 0, tzinfo=UTC)
    assert only_updated.content_html == "<p>Escaped HTML content</p>"


def test_json_feed_11(feeds_dir: Path) -> None:
    feed = parse_fixture(feeds_dir, "jsonfeed11.json", "application/feed+json")
    assert (feed.kind, feed.title, feed.site_url) == ("json", "JSON Journal", "http://127.0.0.1:8103/")
    second, first = feed.entries
    assert second.key == "j-2"
    assert second.title == "Second post"
    assert second.canonical_url == "http://127.0.0.1:8103/posts/2"
    assert second.author == "Guest Writer"
    assert second.published == datetime(2024, 3, 5, 10, 0, tzinfo=UTC)
    assert second.updated == datetime(2024, 3, 5, 10, 0, tzinfo=UTC)
    assert second.image == "http://127.0.0.1:8101/images/2.png"
    assert second.categories == ["greetings", "json"]
    assert first.key == "1"
    assert first.author == "Jay Son"  # the feed's authors
    assert first.published is None  # "not a date"
    assert first.content_html == "<p>Plain text &lt;not markup&gt;.</p><p>Second paragraph.</p>"


def test_json_feed_10_detected_without_content_type(feeds_dir: Path) -> None:
    feed = parse_fixture(feeds_dir, "jsonfeed10.json")
    assert feed.kind == "json"
    entry = feed.entries[0]
    assert entry.author == "Solo Author"
    assert entry.image == "http://127.0.0.1:8103/banner.jpg"


@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"title": "x"}', b"[1, 2]", b'{"items": "nope"}', b"{" * 100_000],
)
def test_bad_json_is_a_feed_parse_error(body: bytes) -> None:
    with pytest.raises(FeedParseError):
        parse_feed(body, url=FEED_URL, content_type="application/json")


# --- bad input -----------------------------------------------------------------------------------


def test_malformed_xml_is_recovered_with_bozo_error(feeds_dir: Path) -> None:
    feed = parse_fixture(feeds_dir, "malformed.xml")
    assert feed.bozo_error is not None
    assert "not well-formed" in feed.bozo_error
    assert [e.title for e in feed.entries] == ["Unescaped ampersand & an unclosed tag", "Second survives"]


def test_html_entities_in_xml(feeds_dir: Path) -> None:
    feed = parse_fixture(feeds_dir, "html-entities.xml")
    assert feed.title == "Caf\u00e9 Society"
    assert feed.entries[0].title == "Cr\u00e8me br\u00fbl\u00e9e \u2014 \u00a9 2024"


TITLE = "Caf\u00e9 \u00fcber \u00e0 la cr\u00e8me"


def _doc(declaration: str = "") -> str:
    return (
        f"{declaration}<rss version='2.0'><channel><title>{TITLE}</title>"
        f"<item><title>{TITLE}</title><link>http://127.0.0.1:8101/x</link></item></channel></rss>"
    )


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (_doc("<?xml version='1.0' encoding='iso-8859-1'?>").encode("latin-1"), None),
        (_doc("<?xml version='1.0' encoding='iso-8859-1'?>").encode("latin-1"), "application/rss+xml"),
        (b"\xef\xbb\xbf" + _doc("<?xml version='1.0' encoding='utf-8'?>").encode(), None),
        (_doc("<?xml version='1.0' encoding='utf-16'?>").encode("utf-16"), None),
        (_doc("<?xml version='1.0' encoding='utf-16'?>").encode("utf-16"), "text/xml"),
        (_doc().encode(), None),
        (_doc().encode(), "text/xml"),  # RFC 3023 says us-ascii; the body is UTF-8
        (_doc("<?xml version='1.0' encoding='utf-8'?>").encode(), "text/html; charset=iso-8859-1"),
        (_doc("<?xml version='1.0' encoding='iso-8859-1'?>").encode(), "application/xml; charset=utf-8"),
        (_doc("<?xml version='1.0' encoding='utf-8'?>").encode("latin-1"), "application/xml; charset=utf-8"),
        (_doc("<?xml version='1.0' encoding='x-no-such-charset'?>").encode(), None),
    ],
)
def test_wrong_missing_and_conflicting_charsets(body: bytes, content_type: str | None) -> None:
    feed = parse_feed(body, url=FEED_URL, content_type=content_type)
    assert len(feed.entries) == 1
    title = feed.entries[0].title
    if body.isascii() or b"\xc3" in body:
        assert title == TITLE
    else:
        assert title.startswith("Caf")
        assert title.endswith("me")


def test_billion_laughs_is_refused(feeds_dir: Path) -> None:
    with pytest.raises(FeedParseError, match="nested XML entities"):
        parse_fixture(feeds_dir, "billion-laughs.xml")


def test_quadratic_blowup_does_not_expand() -> None:
    entity = "x" * 100_000
    body = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "{entity}">\n]>\n'
        f"<rss version='2.0'><channel><title>q</title><item><title>{'&a;' * 20_000}</title>"
        f"<description>{'&a;' * 20_000}</description><link>http://127.0.0.1:8101/q</link>"
        "</item></channel></rss>"
    ).encode()
    feed = parse_feed(body, url=FEED_URL)
    assert len(all_text(feed)) < 2 * len(body)
    assert "x" * 1000 not in all_text(feed)


def test_xxe_is_refused(feeds_dir: Path) -> None:
    with pytest.raises(FeedParseError, match="external XML entity"):
        parse_fixture(feeds_dir, "xxe.xml")


@pytest.mark.parametrize(
    "declaration",
    ['<!ENTITY % remote "x">', "<!ENTITY logo PUBLIC '-//X//EN' 'http://127.0.0.1:9/logo'>"],
)
def test_parameter_and_public_entities_are_refused(declaration: str) -> None:
    body = f'<?xml version="1.0"?><!DOCTYPE rss [{declaration}]><rss version="2.0"><channel/></rss>'
    with pytest.raises(FeedParseError, match="external XML entity"):
        parse_feed(body.encode(), url=FEED_URL)


def test_plain_entity_declarations_are_dropped_and_the_feed_kept() -> None:
    body = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY nbsp "&#160;">\n<!ENTITY co "A &amp; B">\n]>\n'
        b"<rss version='2.0'><channel><title>Plain</title><item><title>One&nbsp;two</title>"
        b"<link>http://127.0.0.1:8101/plain</link></item></channel></rss>"
    )
    feed = parse_feed(body, url=FEED_URL)
    assert [entry.link for entry in feed.entries] == ["http://127.0.0.1:8101/plain"]


def test_unterminated_internal_subset_is_an_error() -> None:
    with pytest.raises(FeedParseError, match="DOCTYPE"):
        parse_feed(b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "b">', url=FEED_URL)


@pytest.mark.parametrize("name", ["page.html"])
def test_html_page_is_not_a_feed(feeds_dir: Path, name: str) -> None:
    with pytest.raises(FeedParseError, match="HTML page"):
        parse_fixture(feeds_dir, name, "text/html; charset=utf-8")


@pytest.mark.parametrize("body", [b"", b"   \n\t", b"\x00\x01\x02garbage", b"plain text, no markup"])
def test_empty_or_garbage_body_is_an_error(body: bytes) -> None:
    with pytest.raises(FeedParseError):
        parse_feed(body, url=FEED_URL)


def test_empty_feed_has_no_entries(feeds_dir: Path) -> None:
    feed = parse_fixture(feeds_dir, "empty.xml")
    assert feed.entries == []
    assert feed.title == "Nothing yet"


def test_duplicate_and_missing_guids_get_distinct_keys(feeds_dir: Path) -> None:
    entries = parse_fixture(feeds_dir, "guids.xml").entries
    keys = [e.key for e in entries]
    assert len(keys) == len(set(keys)) == 5  # the exact repeat of "Two" is dropped
    assert keys[0] == "http://127.0.0.1:8101/"
    assert keys[1].startswith("http://127.0.0.1:8101/#sha1:")
    assert keys[2] == "http://127.0.0.1:8101/three"  # canonical link, tracking removed
    assert keys[3].startswith("sha1:")
    assert keys[4].startswith("sha1:")


def test_keys_are_stable_across_parses(feeds_dir: Path) -> None:
    first = [e.key for e in parse_fixture(feeds_dir, "guids.xml").entries]
    assert first == [e.key for e in parse_fixture(feeds_dir, "guids.xml").entries]


def test_missing_unparseable_and_future_dates(feeds_dir: Path) -> None:
    before = datetime.now(UTC)
    entries = {e.title: e for e in parse_fixture(feeds_dir, "dates.xml").entries}
    after = datetime.now(UTC)
    assert entries["No date"].published is None
    assert entries["Garbage date"].published is None
    future = entries["Far future"].published
    assert future is not None
    assert before <= future <= after
    assert entries["Offset date"].published == datetime(2024, 3, 5, 19, 30, tzinfo=UTC)


def test_clamp_date() -> None:
    now = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
    assert clamp_date(now + timedelta(days=400), now) == now
    assert clamp_date(now + timedelta(minutes=2), now) == now + timedelta(minutes=2)
    assert clamp_date(datetime(2020, 1, 1), now) == datetime(2020, 1, 1, tzinfo=UTC)
    plus_two = datetime(2024, 1, 1, 13, 0, tzinfo=UTC).astimezone(tz=None)
    assert clamp_date(plus_two, now) == now


def test_markup_in_titles_authors_categories_and_urls(feeds_dir: Path) -> None:
    feed = parse_fixture(feeds_dir, "markup.xml")
    assert feed.site_url is None  # javascript: link dropped
    assert feed.title is not None
    assert "<" not in feed.title
    entry, script_link = feed.entries
    assert entry.title == "Bold move by AT&T"
    assert entry.author == "Mallory"
    assert entry.categories == ["Politics"]
    assert entry.link is not None
    assert not set('<>"') & set(entry.link)
    assert entry.summary == '<p onclick="alert(1)">kept raw</p>'  # raw: the extract stage sanitizes
    assert script_link.link is None
    assert script_link.canonical_url is None


def test_plain_text() -> None:
    assert plain_text("  <b>A</b>\n &amp;  <i>B</i> a < b ") == "A & B a < b"
    assert plain_text(None) == ""
    assert len(plain_text("x" * 5000)) == 1000


# --- size and depth ------------------------------------------------------------------------------


def test_ten_thousand_entries_are_all_kept() -> None:
    items = "".join(
        f"<item><guid>g{i}</guid><title>Item {i}</title><link>http://127.0.0.1:8101/{i}</link></item>"
        for i in range(10_000)
    )
    body = f"<rss version='2.0'><channel><title>Big</title>{items}</channel></rss>".encode()
    feed = parse_feed(body, url=FEED_URL)
    assert len(feed.entries) == 10_000
    assert len({e.key for e in feed.entries}) == 10_000


def test_ten_megabyte_entry() -> None:
    paragraph = "<p>" + "word " * 200 + "</p>"
    content = paragraph * (10 * 1024 * 1024 // len(paragraph))
    body = (
        "<rss version='2.0' xmlns:content='http://purl.org/rss/1.0/modules/content/'><channel><item>"
        f"<title>Huge</title><link>http://127.0.0.1:8101/huge</link>"
        f"<content:encoded><![CDATA[{content}]]></content:encoded></item></channel></rss>"
    ).encode()
    entry = parse_feed(body, url=FEED_URL).entries[0]
    assert entry.content_html is not None
    assert len(entry.content_html) == len(content)
    assert entry.has_full_content


def test_512_deep_nesting() -> None:
    deep = "<x>" * 512 + "deep" + "</x>" * 512
    body = (
        f"<rss version='2.0'><channel><title>Deep</title><item><title>t</title>"
        f"<link>http://127.0.0.1:8101/deep</link><description>{deep}</description>{deep}</item>"
        "</channel></rss>"
    ).encode()
    feed = parse_feed(body, url=FEED_URL)
    assert [e.link for e in feed.entries] == ["http://127.0.0.1:8101/deep"]


def test_deeply_nested_json_is_an_error_or_a_feed() -> None:
    body = (
        b'{"version": "https://jsonfeed.org/version/1.1", "items": [], "x": ' + b"[" * 512 + b"]" * 512 + b"}"
    )
    assert parse_feed(body, url=FEED_URL).entries == []


# --- full articles in <description> --------------------------------------------------------------

_PARAGRAPH = (
    "<p>The harbour authority will change the ferry timetable from May, adding two early crossings on"
    " weekdays and dropping the last boat on Sunday evenings, which carried few passengers.</p>\n"
)


def test_full_descriptions_fixture(feeds_dir: Path) -> None:
    """Each entry's guid says whether its description is the whole article (full-*) or a teaser."""
    feed = parse_fixture(feeds_dir, "full-descriptions.xml")
    assert len(feed.entries) == 8
    for entry in feed.entries:
        assert entry.content_html is None
        assert entry.guid is not None
        assert entry.has_full_content == entry.guid.startswith("full-"), entry.guid


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [(1, False), (2, False), (3, False), (6, True), (40, True)],
)
def test_description_needs_several_paragraphs_and_length(paragraphs: int, expected: bool) -> None:
    assert feeds_module.has_full_content(None, _PARAGRAPH * paragraphs) is expected


@pytest.mark.parametrize(
    "ending",
    [
        "<p>... and the rest of the story</p>",
        "<p>They said the work would take [&hellip;]</p>",
        '<p><a href="/x">Continue reading &rarr;</a></p>',
        '<p><a href="/x">Read the full story</a></p>',
        '<a href="/x">More &raquo;</a>',
        '<p><a href="/x">Weiterlesen</a></p>',
        '<p><a href="/x">Lire la suite</a></p>',
        "<p>Leer más</p>",
        '<p>Read more</p><p>The post <a href="/x">Ferry</a> appeared first on <a href="/">Weekly</a>.</p>',
    ],
)
def test_description_ending_like_a_teaser_is_not_full(ending: str) -> None:
    assert not feeds_module.has_full_content(None, _PARAGRAPH * 8 + ending)


def test_teaser_words_early_in_a_full_description_do_not_matter() -> None:
    early = "<p>Read more about the ferry... in last week's issue.</p>"
    assert feeds_module.has_full_content(None, early + _PARAGRAPH * 8)


def test_plain_text_and_link_lists_are_not_full() -> None:
    plain = " ".join(plain_text(_PARAGRAPH) for _ in range(10))
    assert not feeds_module.has_full_content(None, plain)
    links = "".join(f'<p><a href="/n/{i}">{plain_text(_PARAGRAPH)}</a></p>' for i in range(10))
    assert not feeds_module.has_full_content(None, links)
    unclosed = "".join(f'<p><a href="/n/{i}">{plain_text(_PARAGRAPH)}</p>' for i in range(10))
    assert not feeds_module.has_full_content(None, unclosed)


def test_huge_description_is_judged_from_its_ends() -> None:
    body = _PARAGRAPH * 20_000
    assert feeds_module.has_full_content(None, body)
    assert not feeds_module.has_full_content(None, body + "<p>[…]</p>")
    padded = '<p style="' + "x" * 20_000 + '">' + _PARAGRAPH * 8
    assert feeds_module.has_full_content(None, padded)


def test_content_encoded_rules_are_unchanged() -> None:
    assert feeds_module.has_full_content(_PARAGRAPH * 4, "<p>short</p>")
    assert not feeds_module.has_full_content("<p>short</p>", _PARAGRAPH * 8)


# --- corpus --------------------------------------------------------------------------------------

_HEADER_RE = re.compile(rb"Header:\s*Content-type:\s*([^\r\n]*)", re.IGNORECASE)


@pytest.fixture(scope="module")
def corpus_results(shared_data: Path) -> list[tuple[str, ParsedFeed | Exception]]:
    """Every corpus file's path and its parsed feed, or the exception parse_feed raised (parsed once)."""
    root = shared_data / "feeds" / "feedparser-tests"
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.name != "LICENSE")
    results: list[tuple[str, ParsedFeed | Exception]] = []
    for path in files:
        body = path.read_bytes()
        header = _HEADER_RE.search(body[:2000])
        content_type = header.group(1).decode("latin-1").strip() if header else None
        name = str(path.relative_to(root))
        try:
            results.append(
                (name, parse_feed(body, url=f"http://127.0.0.1:8101/{name}", content_type=content_type))
            )
        except Exception as exc:
            results.append((name, exc))
    return results


def test_feedparser_corpus_never_crashes(corpus_results: list[tuple[str, ParsedFeed | Exception]]) -> None:
    assert len(corpus_results) >= 2106
    crashers = [
        f"{name}: {type(result).__name__}: {result}"
        for name, result in corpus_results
        if isinstance(result, Exception) and not isinstance(result, FeedParseError)
    ]
    assert not crashers, f"{len(crashers)} corpus files crashed parse_feed:\n" + "\n".join(crashers[:50])
    assert sum(isinstance(result, ParsedFeed) for _, result in corpus_results) >= 2090


def test_feedparser_corpus_has_no_full_descriptions(
    corpus_results: list[tuple[str, ParsedFeed | Exception]],
) -> None:
    """Measured: none of the corpus's 749 description-only entries is a whole article (all are short)."""
    description_only = [
        (name, entry)
        for name, result in corpus_results
        if isinstance(result, ParsedFeed)
        for entry in result.entries
        if entry.content_html is None
    ]
    assert len(description_only) >= 700
    assert [name for name, entry in description_only if entry.has_full_content] == []


# --- the lxml fast path gives what feedparser gives -----------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "rss091.xml",
        "rss092.xml",
        "rss20.xml",
        "atom10.xml",
        "guids.xml",
        "markup.xml",
        "full-descriptions.xml",
    ],
)
def test_fast_path_matches_feedparser_on_fixtures(feeds_dir: Path, name: str) -> None:
    body = (feeds_dir / name).read_bytes()
    fast = feeds_module._parse_well_formed(body, url=FEED_URL, content_type=None)
    if fast is not None:
        assert asdict(fast) == asdict(feeds_module._parse_xml_feed(body, url=FEED_URL, content_type=None))


def test_fast_path_takes_common_feeds_and_leaves_the_rest_to_feedparser(feeds_dir: Path) -> None:
    for name in ("rss20.xml", "guids.xml"):
        assert feeds_module._parse_well_formed(
            (feeds_dir / name).read_bytes(), url=FEED_URL, content_type=None
        )
    for name in ("malformed.xml", "xxe.xml", "billion-laughs.xml", "html-entities.xml", "rss10.rdf"):
        body = (feeds_dir / name).read_bytes()
        assert feeds_module._parse_well_formed(body, url=FEED_URL, content_type=None) is None


def test_fast_path_matches_feedparser_on_corpus(shared_data: Path) -> None:
    root = shared_data / "feeds" / "feedparser-tests"
    taken = 0
    mismatches: list[str] = []
    for path in sorted(root.rglob("*.xml")):
        body = path.read_bytes()
        header = _HEADER_RE.search(body[:2000])
        content_type = header.group(1).decode("latin-1").strip() if header else None
        url = f"http://127.0.0.1:8101/{path.relative_to(root)}"
        fast = feeds_module._parse_well_formed(body, url=url, content_type=content_type)
        if fast is None:
            continue
        taken += 1
        slow = feeds_module._parse_xml_feed(body, url=url, content_type=content_type)
        if asdict(fast) != asdict(slow):
            mismatches.append(str(path.relative_to(root)))
    assert not mismatches, f"fast path differs from feedparser on {len(mismatches)} files: {mismatches[:30]}"
    assert taken >= 700


@pytest.mark.parametrize(
    ("author", "name"),
    [
        ("newsroom@harbor.example (Lucia Fernandes)", "Lucia Fernandes"),
        ("Jane Doe <jane@example.org>", "Jane Doe"),
        ("Jane Doe", "Jane Doe"),
    ],
)
def test_rss_author_forms_give_the_name(author: str, name: str) -> None:
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>http://a.example/</link>'
        f"<item><title>x</title><link>http://a.example/1</link><guid>1</guid><author>{escape(author)}</author>"
        "<description>s</description></item></channel></rss>"
    ).encode()
    assert parse_feed(feed, url="http://a.example/feed").entries[0].author == name
