from __future__ import annotations

from pathlib import Path

import pytest

from gazette.ingest.opml import MAX_OPML_BYTES, OpmlError, OpmlFeed, parse_opml, write_opml


def test_parse_opml_2_with_nested_folders(test_data: Path) -> None:
    feeds = parse_opml((test_data / "feeds" / "subscriptions.opml").read_bytes())
    assert feeds == [
        OpmlFeed("http://127.0.0.1:8101/feed.xml", "Top level", "http://127.0.0.1:8101/", None),
        OpmlFeed("http://127.0.0.1:8102/atom.xml", "The Daily", None, "News"),
        OpmlFeed("http://127.0.0.1:8103/feed.json", "Town & Gown", None, "Local"),
    ]


def test_parse_opml_1_latin1(test_data: Path) -> None:
    assert parse_opml((test_data / "feeds" / "opml1.opml").read_bytes()) == [
        OpmlFeed("http://127.0.0.1:8104/rss", "Caf\u00e9", None, None)
    ]


def test_round_trip_escapes_and_keeps_folders() -> None:
    feeds = [
        OpmlFeed(
            "http://127.0.0.1:8101/a?x=1&y=2",
            'Quotes "&" <angles>',
            "http://127.0.0.1:8101/",
            "Tech & Science",
        ),
        OpmlFeed("http://127.0.0.1:8102/b", None, None, None),
        OpmlFeed("http://127.0.0.1:8103/c", "C", None, "Tech & Science"),
    ]
    document = write_opml(feeds, title="Mine <all>")
    assert document.startswith("<?xml version='1.0' encoding='UTF-8'?>")
    assert 'version="2.0"' in document
    assert "<all>" not in document
    assert "&amp;" in document
    assert document.count('text="Tech &amp; Science"') == 1
    assert parse_opml(document.encode("utf-8")) == [
        feeds[0],
        OpmlFeed("http://127.0.0.1:8103/c", "C", None, "Tech & Science"),
        OpmlFeed("http://127.0.0.1:8102/b", "http://127.0.0.1:8102/b", None, None),
    ]


def test_write_opml_of_nothing_is_valid() -> None:
    assert parse_opml(write_opml([]).encode()) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "malformed|empty"),
        (b"<opml><body>", "malformed"),
        (b"<html><body></body></html>", "not an OPML"),
        (
            b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b'<opml version="2.0"><body><outline text="&b;" xmlUrl="http://127.0.0.1:8101/"/></body></opml>',
            "entities",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b'<opml version="2.0"><body><outline text="&xxe;" xmlUrl="http://127.0.0.1:8101/"/></body></opml>',
            "entities",
        ),
    ],
)
def test_bad_opml_is_refused(body: bytes, message: str) -> None:
    with pytest.raises(OpmlError, match=message):
        parse_opml(body)


def test_opml_size_cap() -> None:
    with pytest.raises(OpmlError, match="too large"):
        parse_opml(b"<opml>" + b" " * MAX_OPML_BYTES + b"</opml>")


def test_opml_outline_cap() -> None:
    outlines = "".join(f'<outline text="f{i}" xmlUrl="http://127.0.0.1:8101/{i}"/>' for i in range(10_001))
    with pytest.raises(OpmlError, match="too many outlines"):
        parse_opml(f'<opml version="2.0"><body>{outlines}</body></opml>'.encode())


def test_opml_at_the_outline_cap_is_fine() -> None:
    outlines = "".join(f'<outline text="f{i}" xmlUrl="http://127.0.0.1:8101/{i}"/>' for i in range(10_000))
    assert len(parse_opml(f'<opml version="2.0"><body>{outlines}</body></opml>'.encode())) == 10_000
