from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gazette.enrich.embed import embed_texts
from gazette.enrich.sentences import sentence_texts, split_sentences
from gazette.enrich.summary import clean_sentence, key_points, sentence_scores, shorten, summarize

DATA = Path(__file__).resolve().parent.parent / "data" / "enrich"

ARTICLE = [
    "Gary Locke will be confirmed as Kilmarnock's permanent manager on Friday.",
    "An announcement will be made by the Rugby Park club on Friday morning.",
    "The former Hearts boss is being given a three-year deal.",
    "Gary Locke will be confirmed as the permanent manager on Friday, sources said.",
    "'I'd be over the moon to get it,' he said.",
    "Scroll down for video",
    "The weather in Ayrshire was mild on Thursday.",
]


def seed_sentences() -> tuple[str, list[str]]:
    """Title and first twelve sentences (the pipeline's candidates) of the real scraped seed article."""
    article = json.loads((DATA / "seed_article.json").read_text(encoding="utf-8"))["article"]
    text = "\n\n".join(paragraph for paragraph in article["paragraphs"] if isinstance(paragraph, str))
    return article["title"], sentence_texts(text, split_sentences(text))[:12]


def test_summary_indices_are_in_document_order_and_distinct() -> None:
    chosen = summarize(ARTICLE)
    assert chosen == sorted(set(chosen))
    assert len(chosen) == 3
    assert 0 in chosen
    assert 5 not in chosen


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="abc xyz.!?'\"ABC", max_size=80), max_size=15))
def test_summary_keeps_three_sentences_whenever_there_are_three(sentences: list[str]) -> None:
    chosen = summarize(sentences)
    assert len(chosen) == min(3, len(sentences))
    assert chosen == sorted(set(chosen))
    assert all(0 <= index < len(sentences) for index in chosen)


def test_redundant_sentences_are_not_both_chosen() -> None:
    assert not {0, 3} <= set(summarize(ARTICLE, n=3))
    vectors = embed_texts(ARTICLE)
    chosen = summarize(ARTICLE, vectors=vectors, n=3)
    assert not {0, 3} <= set(chosen)
    assert 5 not in chosen


def test_word_budget_stops_early() -> None:
    assert summarize(ARTICLE, n=3, max_words=5) == [0]


def test_run_on_sentence_loses_to_a_later_sentence_of_normal_length() -> None:
    run_on = (
        "The council also discussed "
        + ", ".join(f"item {number} on the agenda" for number in range(40))
        + "."
    )
    sentences = [
        "The city council approved a new budget for schools on Tuesday night.",
        "Spending on school buildings will rise by ten per cent next year.",
        run_on,
        "Teachers welcomed the budget, which also funds smaller classes.",
    ]
    assert summarize(sentences) == [0, 1, 3]


def test_sentence_on_the_articles_subject_beats_an_aside() -> None:
    sentences = [
        "A storm flooded the harbour town of Porthleven overnight.",
        "Firefighters pumped water from flooded homes near the harbour until dawn.",
        "The town's annual regatta had been held there the week before.",
        "Residents said the harbour wall had been breached by the storm surge.",
        "Council officers will inspect the harbour wall and flooded homes on Monday.",
    ]
    scores = sentence_scores(sentences)
    assert scores[3] > scores[2]


def test_title_raises_only_sentences_that_share_its_words() -> None:
    sentences = [
        "It was a quiet day in the village of Little Bramley.",
        "Residents gathered on the green for the annual summer fair.",
        "Later that afternoon a meteorite crashed into the church roof.",
        "Children played games while their parents sold home-made cakes.",
    ]
    title = "Meteorite crashes into village church"
    plain, titled = sentence_scores(sentences), sentence_scores(sentences, title=title)
    assert titled[2] > plain[2]
    assert titled[1] == plain[1] and titled[3] == plain[3]
    assert summarize(sentences, n=2) == [0, 1]
    assert summarize(sentences, title=title, n=2) == [0, 2]
    vectors = embed_texts(sentences)
    title_vector = embed_texts([title])[0]
    assert summarize(sentences, vectors=vectors, title_vector=title_vector, n=2) == [0, 2]


def test_boilerplate_and_opening_quotes_are_demoted() -> None:
    scores = sentence_scores(ARTICLE)
    assert scores[5] < min(scores[index] for index in (0, 1, 2, 6))
    assert scores[4] < scores[3]


def test_seed_article_summary_keeps_its_unpunctuated_lead() -> None:
    title, sentences = seed_sentences()
    chosen = summarize(sentences, title=title)
    assert len(chosen) == 3
    assert chosen[0] == 0
    assert not sentences[0].rstrip().endswith(".")
    points = key_points(sentences, title=title)
    assert 3 <= len(points) <= 5
    assert points[0] == "Vladimir Putin has never been coy about his Soviet nostalgia."


def test_empty_and_tiny_inputs() -> None:
    assert summarize([]) == []
    assert summarize(["Only one sentence here."]) == [0]
    assert summarize(["One sentence.", "Two sentences."]) == [0, 1]
    assert key_points([]) == []
    assert summarize(["a b c d e f g h i."], vectors=np.zeros((1, 384), dtype=np.float32)) == [0]
    assert summarize(["", "   ", "!!!"]) == [0, 1, 2]


def test_datelines_and_bylines_are_trimmed() -> None:
    assert clean_sentence("(CNN)They may not be extraterrestrials.") == "They may not be extraterrestrials."
    assert clean_sentence("Boston (CNN)Guilty across the board.") == "Guilty across the board."
    assert clean_sentence("New Delhi, India (CNN) -- As the earth shook.") == "As the earth shook."
    assert (
        clean_sentence(
            "By . Daily Mail Reporter . PUBLISHED: . 12:01 EST, 1 May 2014 | . "
            "UPDATED: . 12:30 EST, 1 May 2014 . A man was arrested."
        )
        == "A man was arrested."
    )
    assert clean_sentence("A plain sentence (AP) stays.") == "A plain sentence (AP) stays."


def test_key_points_are_short() -> None:
    long_sentence = (
        "The council approved the new budget on Tuesday - a plan that raises spending on schools, roads, "
        "parks and libraries across the whole county by nearly ten per cent next year."
    )
    points = key_points([long_sentence, *ARTICLE], n=5)
    assert len(points) == 5
    assert all(len(point.split()) <= 23 for point in points)
    assert points[0] == "The council approved the new budget on Tuesday."
    assert shorten("one two three", max_words=2) == "one two…"
