from __future__ import annotations

import json
from pathlib import Path

import pysbd
from hypothesis import given
from hypothesis import strategies as st

from gazette.enrich.sentences import (
    detect_language,
    paragraph_spans,
    pysbd_sentences,
    reading_minutes,
    sentence_texts,
    split_sentences,
)


def test_offsets_point_at_the_sentences() -> None:
    text = 'Mr. Smith went to Washington.  He said "Hi there." Then he left!\n\nU.S. officials agreed.'
    spans = split_sentences(text)
    assert [text[start:end] for start, end in spans] == [
        "Mr. Smith went to Washington.",
        'He said "Hi there."',
        "Then he left!",
        "U.S. officials agreed.",
    ]


def test_sentences_never_cross_paragraphs() -> None:
    text = "The first paragraph has no final stop\n\nthe second one starts in lower case. It goes on."
    spans = split_sentences(text)
    paragraph_break = text.index("\n\n")
    assert all(end <= paragraph_break or start > paragraph_break for start, end in spans)
    assert text[spans[0][0] : spans[0][1]] == "The first paragraph has no final stop"


def test_a_caption_pasted_into_the_text_is_split_off() -> None:
    text = (
        "People who never divorced can expect an income 13% higher than a colleague "
        "The cost of divorce can wreck retirement. It was seen by The Mail on Sunday."
    )
    assert sentence_texts(text, split_sentences(text)) == [
        "People who never divorced can expect an income 13% higher than a colleague",
        "The cost of divorce can wreck retirement.",
        "It was seen by The Mail on Sunday.",
    ]


def test_a_caption_label_run_into_the_text_starts_a_sentence() -> None:
    text = (
        "She pleaded not guilty to two charges involving marriage licences "
        "Sullen: Barrientos, seen here in court on Friday, is accused of marrying 10 men. "
        "Her skin has improved since she started the course "
        "Skin Therapy: 'After a couple of weeks I was like wow,' she said."
    )
    assert sentence_texts(text, split_sentences(text)) == [
        "She pleaded not guilty to two charges involving marriage licences",
        "Sullen: Barrientos, seen here in court on Friday, is accused of marrying 10 men.",
        "Her skin has improved since she started the course",
        "Skin Therapy: 'After a couple of weeks I was like wow,' she said.",
    ]


def test_names_and_titles_before_a_colon_do_not_start_a_sentence() -> None:
    texts = [
        # a speaker introduced by a verb of saying or by a title
        "The teenager then sent a message and texted Barnes: 'She threatened me,' it read.",
        "Labour's work and pensions spokesman Rachel Reeves said: 'The rise is shocking,' she added.",
        # a multi-word name: its first word is never written in lower case here
        "He retired with his daughter, rabbi Laura Janner-Klausner Signed: The letter was sent.",
        # a possessive, a title after a determiner and a number, an open quote
        "Mulumbu has tipped the forward for the players' Player Award: He deserves it.",
        "He was the best golfer and was named the 2014 Amateur Champion: A great week.",
        "The government argued for less spending on ‘crackpot Government Schemes: Their words’ today.",
    ]
    for text in texts:
        assert len(split_sentences(text)) == 1, text


def test_a_sentence_opener_after_a_preposition_or_verb_of_saying_continues() -> None:
    text = "The report about the merger was first seen by The Mail on Sunday and said The Times agreed."
    assert len(split_sentences(text)) == 1


def test_line_breaks_inside_a_paragraph_are_flattened() -> None:
    text = "A sentence that wraps\nonto a second line. Another one."
    assert sentence_texts(text, split_sentences(text)) == [
        "A sentence that wraps onto a second line.",
        "Another one.",
    ]


def test_other_languages_use_their_rules() -> None:
    text = "Der Zug kam um 8 Uhr an. Danach fuhr er weiter nach Berlin."
    assert len(split_sentences(text, "de")) == 2
    assert len(split_sentences(text, "xx")) == 2


def test_empty_and_blank_text() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\n \n") == []
    assert paragraph_spans("\n\nabc\n\n") == [(2, 5)]


@given(st.text(alphabet=st.sampled_from(list("ab .!?\n'\"Mr")), max_size=200))
def test_spans_are_ordered_trimmed_and_inside_the_text(text: str) -> None:
    spans = split_sentences(text)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        assert text[start:end] == text[start:end].strip()
        previous_end = end
    covered = "".join(text[start:end] for start, end in spans)
    assert "".join(covered.split()) == "".join(text.split())


def test_detect_language() -> None:
    assert detect_language("The government announced new rules for drones on Wednesday.") == "en"
    assert detect_language("Die Bundesregierung hat am Mittwoch neue Regeln für Drohnen beschlossen.") == "de"
    assert detect_language("Le gouvernement a annoncé mercredi de nouvelles règles pour les drones.") == "fr"
    assert detect_language("Hi") is None
    assert detect_language("   12 345 678 90 !!! ") is None


def test_reading_minutes() -> None:
    assert reading_minutes("") == 1
    assert reading_minutes("word " * 230) == 1
    assert reading_minutes("word " * 1150) == 5


def test_pysbd_sentences_are_what_segment_returns(shared_data: Path) -> None:
    """Skipping pysbd's char-span pass changes no sentence (checked on real news text)."""
    corpus = shared_data / "summaries" / "frank" / "articles.jsonl"
    texts = [json.loads(line)["article"] for line in corpus.read_text().splitlines()[:120] if line.strip()]
    texts += ["Dr. Smith went to Washington, D.C. on Jan. 5. He met Mr. Jones at 3 p.m. Then he left."]
    segmenter = pysbd.Segmenter(language="en", clean=False)
    for text in texts:
        expected = [piece.strip() for piece in segmenter.segment(text) if piece.strip()]
        assert [piece.strip() for piece in pysbd_sentences(segmenter, text) if piece.strip()] == expected
