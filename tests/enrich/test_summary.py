from __future__ import annotations

import numpy as np

from gazette.enrich.embed import embed_texts
from gazette.enrich.summary import clean_sentence, key_points, shorten, summarize

ARTICLE = [
    "Gary Locke will be confirmed as Kilmarnock's permanent manager on Friday.",
    "An announcement will be made by the Rugby Park club on Friday morning.",
    "The former Hearts boss is being given a three-year deal.",
    "Gary Locke will be confirmed as the permanent manager on Friday, sources said.",
    "'I'd be over the moon to get it,' he said.",
    "Scroll down for video",
    "The weather in Ayrshire was mild on Thursday.",
]


def test_summary_indices_are_in_document_order_and_distinct() -> None:
    chosen = summarize(ARTICLE, n=3, max_words=1000)
    assert chosen == sorted(set(chosen))
    assert len(chosen) == 3
    assert 0 in chosen


def test_redundant_sentences_are_not_both_chosen() -> None:
    vectors = embed_texts(ARTICLE)
    chosen = summarize(ARTICLE, vectors=vectors, n=3, max_words=1000)
    assert not {0, 3} <= set(chosen)
    assert 5 not in chosen


def test_word_budget_stops_early() -> None:
    assert summarize(ARTICLE, n=3, max_words=5) == [0]


def test_title_pulls_in_matching_sentence() -> None:
    sentences = [
        "It was a quiet day in the village.",
        "Residents gathered for the annual fair.",
        "Children played games on the green.",
        "Later a meteorite crashed into the church roof.",
    ]
    assert 3 not in summarize(sentences, n=1)
    vectors = embed_texts(sentences)
    title_vector = embed_texts(["Meteorite crashes into village church"])[0]
    assert summarize(sentences, vectors=vectors, title_vector=title_vector, n=2, max_words=1000)[-1] == 3
    assert 3 in summarize(sentences, title="Meteorite crashes into village church", n=2, max_words=1000)


def test_empty_and_tiny_inputs() -> None:
    assert summarize([]) == []
    assert summarize(["Only one sentence here."]) == [0]
    assert key_points([]) == []
    assert summarize(["a b c d e f g h i."], vectors=np.zeros((1, 384), dtype=np.float32)) == [0]


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
    assert 1 <= len(points) <= 5
    assert all(len(point.split()) <= 23 for point in points)
    assert points[0] == "The council approved the new budget on Tuesday."
    assert shorten("one two three", max_words=2) == "one two…"
