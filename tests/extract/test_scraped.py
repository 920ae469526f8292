"""Scraped aggregator pages: the seed page plus hand-made pages imitating other aggregators."""

from __future__ import annotations

import gzip
import html
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gazette.extract.scraped import (
    ImportedPage,
    import_page,
    import_page_command,
    looks_like_html,
    rfc3339_utc,
)

NOW = datetime(2026, 11, 25, 14, 3, tzinfo=UTC)
SEED = "000_e4ce4c2e7cd94050"
PAGES = [
    f"{SEED}.txt",
    "scraped_newshub.txt",
    "scraped_flipfeed.txt",
    "scraped_briefly.txt",
    "scraped_wirepost.html",
]


def expected_for(page: Path) -> dict[str, Any]:
    stem = page.name.split(".")[0]
    expected: dict[str, Any] = json.loads((page.parent / f"{stem}.expected.json").read_text("utf-8"))
    return expected


def expected_paragraphs(expected: dict[str, Any]) -> list[str]:
    return [item if isinstance(item, str) else item["heading"] for item in expected["article"]["paragraphs"]]


def expected_headings(expected: dict[str, Any]) -> list[str]:
    return [item["heading"] for item in expected["article"]["paragraphs"] if isinstance(item, dict)]


def minutes_ago(minutes: int) -> str:
    return (NOW - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def assert_matches(record: dict[str, Any], expected: dict[str, Any]) -> None:
    article = record["article"]
    assert article["title"] == expected["article"]["title"]
    assert article["standfirst"] == expected["article"]["standfirst"]
    assert article["text"].split("\n\n") == expected_paragraphs(expected)
    assert article["headings"] == expected_headings(expected)
    assert record["removed"] == expected["removed"]
    got = [(item["source"], item["published"], item["title"], item["text"]) for item in record["related"]]
    want = [
        (item["source"], minutes_ago(item["minutes_ago"]), item["title"], item["text"])
        for item in expected["related"]
    ]
    assert got == want


@pytest.fixture(scope="module")
def seed_dir(test_data: Path) -> Path:
    return test_data / "seed"


@pytest.fixture(scope="module")
def seed_text(seed_dir: Path) -> str:
    return (seed_dir / f"{SEED}.txt").read_text("utf-8")


@pytest.fixture(scope="module")
def seed_expected(seed_dir: Path) -> dict[str, Any]:
    return expected_for(seed_dir / f"{SEED}.txt")


@pytest.mark.parametrize("name", PAGES)
def test_page_matches_its_expected_record(seed_dir: Path, name: str) -> None:
    page = seed_dir / name
    record = import_page(page.read_text("utf-8"), now=NOW).to_json()
    assert_matches(record, expected_for(page))


def test_seed_article_keeps_every_paragraph_in_order_and_no_removed_line(
    seed_text: str, seed_expected: dict[str, Any]
) -> None:
    page = import_page(seed_text, now=NOW)
    text = page.article.text
    position = 0
    for paragraph in expected_paragraphs(seed_expected):
        found = text.find(paragraph, position)
        assert found >= 0, paragraph
        position = found + len(paragraph)
    blocks = text.split("\n\n")
    assert not [line for line in seed_expected["removed"] if line in blocks]
    assert page.article.headings == ["BREAKING AWAY"]


def test_seed_related_blocks_have_source_time_title_and_text(
    seed_text: str, seed_expected: dict[str, Any]
) -> None:
    related = import_page(seed_text, now=NOW).related
    assert [item.source for item in related] == ["Reuters", "Telegraph", "Daily Mail"]
    for item, expected in zip(related, seed_expected["related"], strict=True):
        assert item.published == NOW - timedelta(minutes=expected["minutes_ago"])
        assert item.title == expected["title"]
        assert item.text == expected["text"]


def test_to_json_has_exactly_the_documented_shape(seed_text: str) -> None:
    record = import_page(seed_text, now=NOW).to_json()
    assert set(record) == {"article", "related", "removed"}
    assert set(record["article"]) == {"title", "standfirst", "text", "headings"}
    for item in record["related"]:
        assert set(item) == {"source", "published", "title", "text"}
        assert item["published"].endswith("Z")
    json.dumps(record)


def test_empty_page_gives_nulls_not_missing_fields() -> None:
    assert import_page("\n \n", now=NOW).to_json() == {
        "article": {"title": None, "standfirst": None, "text": None, "headings": []},
        "related": [],
        "removed": [],
    }


@pytest.mark.parametrize(
    "token", ["12", "•", "|", "…", "***", "ADVERTISEMENT", "Advertisement", "Share this article"]
)
def test_other_stray_tokens_are_removed_like_the_seed_numbers(
    seed_text: str, seed_expected: dict[str, Any], token: str
) -> None:
    noisy = seed_text.replace("\n13\n", f"\n{token}\n").replace("\n13\n", f"\n{token}\n")
    expected = dict(
        seed_expected, removed=[token if line == "13" else line for line in seed_expected["removed"]]
    )
    assert_matches(import_page(noisy, now=NOW).to_json(), expected)


def test_other_chrome_words_end_the_article(seed_text: str, seed_expected: dict[str, Any]) -> None:
    swaps = {
        "Try Our AI Features": "Sign up for our newsletter",
        "Explore what Daily8 AI can do for you:": "Get the best stories in your inbox every day:",
        "Comments": "Log in to comment",
        "No comments yet...": "Be the first to comment",
        "Related Articles": "More from Daily8",
    }
    page = seed_text
    for old, new in swaps.items():
        page = page.replace(f"\n{old}\n", f"\n{new}\n")
    expected = dict(seed_expected, removed=[swaps.get(line, line) for line in seed_expected["removed"]])
    assert_matches(import_page(page, now=NOW).to_json(), expected)


@pytest.mark.parametrize(
    ("layout", "fmt"),
    [
        ("seed", "{source}\n{ago}\n- {source}\n"),
        ("time first", "{ago}\n{source}\n"),
        ("one line", "{source} · {ago}\n"),
        ("marked", "Source: {source}\n{ago}\n"),
    ],
)
def test_related_block_layouts(seed_text: str, seed_expected: dict[str, Any], layout: str, fmt: str) -> None:
    page = seed_text
    for source, ago in [
        ("Reuters", "16 minutes ago"),
        ("Telegraph", "29 minutes ago"),
        ("Daily Mail", "36 minutes ago"),
    ]:
        page = page.replace(f"\n{source}\n{ago}\n- {source}\n", "\n" + fmt.format(source=source, ago=ago))
    assert_matches(import_page(page, now=NOW).to_json(), seed_expected)


@pytest.mark.parametrize(
    ("ago", "delta"),
    [
        ("16 minutes ago", timedelta(minutes=16)),
        ("5 min ago", timedelta(minutes=5)),
        ("an hour ago", timedelta(hours=1)),
        ("2 hours ago", timedelta(hours=2)),
        ("3 hrs ago", timedelta(hours=3)),
        ("yesterday", timedelta(days=1)),
        ("3 days ago", timedelta(days=3)),
        ("a week ago", timedelta(weeks=1)),
        ("just now", timedelta(0)),
        ("Updated 45 mins ago", timedelta(minutes=45)),
    ],
)
def test_relative_times_become_absolute(seed_text: str, ago: str, delta: timedelta) -> None:
    page = seed_text.replace("\n16 minutes ago\n", f"\n{ago}\n")
    first = import_page(page, now=NOW).related[0]
    assert first.source == "Reuters"
    assert first.published == NOW - delta


def test_seed_as_html_gives_the_same_record(seed_text: str, seed_expected: dict[str, Any]) -> None:
    lines = [line for line in seed_text.splitlines() if line.strip()]

    def element(position: int, line: str) -> str:
        if position == 0:
            return f"<h1>{html.escape(line)}</h1>"
        if line == "BREAKING AWAY":
            return f"<h2>{line}</h2>"
        return f"<p>{html.escape(line)}</p>"

    body = "\n".join(element(position, line) for position, line in enumerate(lines))
    page = f"<!DOCTYPE html><html><head><title>Seed</title></head><body><main>{body}</main></body></html>"
    assert looks_like_html(page)
    assert_matches(import_page(page, now=NOW).to_json(), seed_expected)


def test_crlf_line_endings(seed_text: str, seed_expected: dict[str, Any]) -> None:
    assert_matches(import_page(seed_text.replace("\n", "\r\n"), now=NOW).to_json(), seed_expected)


def test_promo_headline_goes_but_crossheads_and_unpunctuated_lede_stay() -> None:
    page = "\n".join(
        [
            "Harbour cranes return to Rotterdam after strike ends",
            "Dock workers went back to work on Monday after a week-long walkout over pay.",
            "The port authority said ships had been queueing off the coast since Thursday",
            "Unions accepted a 6% rise over two years after talks that ran through the weekend.",
            "Antwerp Port Sees Record Container Volumes As Rival Stalls",
            "Shipping lines said the backlog would take about ten days to clear.",
            "WHAT THE DEAL MEANS",
            "The agreement runs until 2028 and includes a new early-retirement scheme.",
            "Next steps",
            "Both sides will meet again in the spring to review staffing levels.",
        ]
    )
    page_record = import_page(page, now=NOW)
    assert page_record.article.title == "Harbour cranes return to Rotterdam after strike ends"
    assert page_record.article.headings == ["WHAT THE DEAL MEANS", "Next steps"]
    assert "The port authority said ships had been queueing off the coast since Thursday" in (
        page_record.article.paragraphs
    )
    assert page_record.removed == ["Antwerp Port Sees Record Container Volumes As Rival Stalls"]


def test_line_continuing_a_sentence_is_not_a_promo() -> None:
    page = "\n".join(
        [
            "Rail fares to rise in March",
            "Season tickets will cost more from next spring, the government confirmed on Tuesday.",
            "Ministers said the increase was the smallest in five years.",
            "The Department for Transport said the increase of 3 per cent",
            "was below inflation for the second year in a row.",
        ]
    )
    imported = import_page(page, now=NOW)
    assert imported.removed == []
    assert imported.article.paragraphs[-2] == "The Department for Transport said the increase of 3 per cent"


def test_rfc3339_utc_converts_and_drops_microseconds() -> None:
    from datetime import timezone

    moment = datetime(2026, 11, 25, 15, 3, 7, 123456, tzinfo=timezone(timedelta(hours=1)))
    assert rfc3339_utc(moment) == "2026-11-25T14:03:07Z"
    assert rfc3339_utc(None) is None


def test_naive_now_is_taken_as_utc(seed_text: str) -> None:
    naive = import_page(seed_text, now=NOW.replace(tzinfo=None)).related[0]
    assert naive.published == NOW - timedelta(minutes=16)


@pytest.mark.parametrize("name", ["scraped_newshub.txt", "scraped_wirepost.html"])
def test_command_reads_files(seed_dir: Path, name: str) -> None:
    record = import_page_command(str(seed_dir / name), NOW)
    assert_matches(record, expected_for(seed_dir / name))


def test_command_reads_gzipped_html_and_legacy_charsets(tmp_path: Path, seed_dir: Path) -> None:
    source = (seed_dir / "scraped_wirepost.html").read_text("utf-8")
    legacy = source.replace('<meta charset="utf-8">', '<meta charset="windows-1252">')
    path = tmp_path / "page.html.gz"
    path.write_bytes(gzip.compress(legacy.replace("&copy;", "©").encode("cp1252")))
    record = import_page_command(str(path), NOW)
    assert record["article"]["title"] == "Lagos opens first metro line to the mainland"
    assert "© 2026 WirePost Ltd" in record["removed"]


def test_command_refuses_urls_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="ingest fetcher"):
        import_page_command("https://example.org/page", NOW)
    with pytest.raises(FileNotFoundError, match="no such file"):
        import_page_command(str(tmp_path / "missing.txt"), NOW)


def test_command_defaults_now_to_the_current_time(seed_dir: Path) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    record = import_page_command(str(seed_dir / f"{SEED}.txt"), None)
    published = datetime.strptime(record["related"][0]["published"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert published >= before - timedelta(minutes=16)


LINE = st.one_of(
    st.sampled_from(
        ["13", "•", "Advertisement", "Comments", "Related Articles", "2 hours ago", "- Reuters", ""]
    ),
    st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc", "Cf"]), max_size=80),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(LINE, max_size=30))
def test_any_text_imports_without_losing_or_inventing_lines(lines: list[str]) -> None:
    page: ImportedPage = import_page("\n".join(lines), now=NOW, is_html=False)
    source_lines = {line.strip() for line in "\n".join(lines).splitlines()}
    assert all(line in source_lines for line in page.removed)
    assert all(block.text in source_lines for block in page.article.blocks)
    page.to_json()
