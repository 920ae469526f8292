"""The demo content builder: detokenizing ECB+, headlines, selection, reproducibility."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from gazette.demo.build_content import (
    CONTENT_DIR,
    build,
    detokenize,
    ecb_title_and_paragraphs,
    first_sentence,
    headline_from_sentence,
    wikinews_paragraphs,
)


@pytest.mark.parametrize(
    ("tokenized", "prose"),
    [
        ("the 33 - year - old actress 's rep", "the 33-year-old actress's rep"),
        ("Ketsoyan said `` American Pie'' star", "Ketsoyan said \u201cAmerican Pie\u201d star"),
        ("Lohan \u2019 s attorney , Shawn Holley", "Lohan\u2019s attorney, Shawn Holley"),
        ("she did n't say", "she didn't say"),
        ("paid $ 4 million ( about half )", "paid $4 million (about half)"),
        ("at 1: 10PM on 5 / 3 / 2013", "at 1:10PM on 5/3/2013"),
        ("his players - - most notably", "his players \u2014 most notably"),
        ("Malibu , California - the same facility", "Malibu, California - the same facility"),
        ("a hit - and - run driver", "a hit-and-run driver"),
        ("the U. S. Marshals at 3 p. m.", "the U.S. Marshals at 3 p.m."),
    ],
)
def test_detokenize_turns_ecb_tokens_into_prose(tokenized: str, prose: str) -> None:
    assert detokenize(tokenized) == prose


def test_first_sentence_skips_abbreviations() -> None:
    text = "Gov. Sarah Palin's church in the L.A. area burned at 3 p.m. on Friday. Nobody was hurt."
    assert first_sentence(text) == "Gov. Sarah Palin's church in the L.A. area burned at 3 p.m. on Friday."


def test_long_lead_sentences_become_short_headlines() -> None:
    sentence = (
        "Former Kutztown University football player Brian Nichols has received a sentence of life in "
        "prison without parole for a March 2005 shooting spree, according to reports."
    )
    headline = headline_from_sentence(sentence)
    assert len(headline) <= 101
    assert headline.startswith("Former Kutztown University football player Brian Nichols")
    assert not headline.endswith(",")


def test_real_ecbplus_records_read_as_news(test_data: Path) -> None:
    lines = (test_data / "demo" / "ecbplus_sample.jsonl").read_text(encoding="utf-8").splitlines()
    records = {r["id"]: r for r in map(json.loads, lines)}
    title, paragraphs = ecb_title_and_paragraphs(records["1_1ecbplus"]["text"], is_plus=True)
    assert title == "Lindsay Lohan Leaves Betty Ford, Checks Into Malibu Rehab"
    body = "\n\n".join(paragraphs)
    assert "First Published" not in body, "the dateline is dropped"
    assert "90-day court-mandated rehab" in body
    assert 'Betty Ford," Holley said' in body
    title, paragraphs = ecb_title_and_paragraphs(records["1_10ecb"]["text"], is_plus=False)
    assert title.startswith("Perennial party girl Tara Reid checked herself into Promises")
    assert paragraphs[0].startswith(title)
    for record in records.values():
        _, paragraphs = ecb_title_and_paragraphs(record["text"], record["event"].endswith("plus"))
        body = "\n\n".join(paragraphs)
        for token in ("``", "''", " 's ", " ,", " .", " - year"):
            assert token not in body
        assert all(p.count('"') % 2 == 0 for p in paragraphs), "quotes stay within one paragraph"


def test_wikinews_dateline_is_dropped() -> None:
    raw = "Friday, January 4, 2019\u00a0\n\n\nFirst paragraph.  \n\n\nSecond\u00a0paragraph.\n"
    assert wikinews_paragraphs(raw) == ["First paragraph.", "Second paragraph."]


def test_rebuilding_from_shared_data_reproduces_the_bundle(shared_data: Path, tmp_path: Path) -> None:
    articles = build(shared_data, tmp_path)
    bundled = (CONTENT_DIR / "articles.jsonl").read_bytes()
    assert (tmp_path / "articles.jsonl").read_bytes() == bundled, "run python -m gazette.demo.build_content"
    assert (tmp_path / "ATTRIBUTION.md").read_bytes() == (CONTENT_DIR / "ATTRIBUTION.md").read_bytes()
    origins = Counter(a.origin for a in articles)
    assert origins["wikinews"] >= 100
    assert origins["ecbplus"] >= 140
    size = sum(f.stat().st_size for f in tmp_path.rglob("*") if f.is_file())
    assert size < 1_500_000
