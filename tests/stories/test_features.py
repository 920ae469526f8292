"""Text features of one article: the term bags the story index compares."""

from __future__ import annotations

import numpy as np

from gazette.stories.features import (
    LEAD_NAME_BOOST,
    LEAD_NAME_WORDS,
    ArticleInput,
    build_features,
    features_for,
    lead_weighted_name_counts,
    name_counts,
    number_counts,
    word_counts,
    year_counts,
)

TEXT = (
    "Wladimir Klitschko stopped Tony Thompson in the sixth round in Bern on Saturday, "
    "his 2012 title defence. The 36-year-old champion improved to 58-3 with 51 knockouts."
)


def test_years_are_four_digit_years_written_alone() -> None:
    years = year_counts("Elections of 2008 and 2013 (after 1991); not 12008, 2008.5, 2,013 or 1850.")
    assert years == {"2008": 1, "2013": 1, "1991": 1}


def test_words_are_lowercase_content_words_without_stopwords_or_digits() -> None:
    words = word_counts("The Knockout came in the sixth round, after which they said 51 knockouts.")
    assert words["knockout"] == 1 and words["knockouts"] == 1 and words["sixth"] == 1
    assert not {"the", "after", "which", "they", "said", "in", "51"} & set(words)


def test_names_and_numbers() -> None:
    names = name_counts(TEXT, ["Wladimir Klitschko"])
    assert names["thompson"] == 1 and names["entity:wladimir klitschko"] == 1
    assert "sixth" not in names
    assert number_counts("A 6.4 quake, 1,200 hurt in 2026")["1200"] == 1


def test_names_at_the_top_count_more_than_background_names() -> None:
    background = " ".join(["filler"] * LEAD_NAME_WORDS)
    text = f"Boston made Teixeira an offer. {background} Earlier, Anaheim had offered Teixeira less."
    names = lead_weighted_name_counts(text, ["Boston Red Sox"])
    assert names["boston"] == 1 + LEAD_NAME_BOOST and names["anaheim"] == 1
    assert names["teixeira"] == 2 + LEAD_NAME_BOOST
    assert names["entity:boston red sox"] == 1


def test_features_for_fills_every_bag_from_title_and_text() -> None:
    vector = np.full(4, 0.5, dtype=np.float32)
    features = features_for("a1", TEXT, vector, title="Klitschko retains belts in 2012")
    assert features.years["2012"] == 2
    assert features.words["belts"] == 1 and features.words["knockouts"] == 1
    assert features.names["klitschko"] == 2 * (1 + LEAD_NAME_BOOST)
    assert features.numbers["58"] == 1
    assert features.title == "Klitschko retains belts in 2012"


def test_build_features_uses_given_vectors() -> None:
    vectors = np.eye(2, dtype=np.float32)
    built = build_features([ArticleInput("a", TEXT), ArticleInput("b", "Quake in 2005.")], vectors)
    assert [f.id for f in built] == ["a", "b"]
    assert built[1].years == {"2005": 1}
    assert np.array_equal(built[1].vector, vectors[1])
