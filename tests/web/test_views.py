"""The read-only queries the pages use (store/views.py), on a filled SQLite store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from gazette.store import Store
from gazette.store.views import ArticleFilter

from .fill import Filled


def test_briefs_counts_and_filters(web_store: Store, filled: Filled) -> None:
    latest = web_store.latest_briefs(limit=10)
    assert [brief.id for brief in latest][:2] == [filled.articles["bridge"], filled.articles["bridge-copy"]]
    assert web_store.count_articles() == 5
    assert web_store.count_articles(ArticleFilter(language="de")) == 1
    assert web_store.count_articles(ArticleFilter(since=datetime.now(UTC) - timedelta(minutes=45))) == 2
    assert web_store.article_counts_by_source() == {
        filled.sources[0]: 2,
        filled.sources[1]: 2,
        filled.sources[2]: 1,
    }
    assert web_store.article_languages() == ["de", "en"]


def test_story_cards_rank_and_carry_outlets_and_image(web_store: Store, filled: Filled) -> None:
    cards = web_store.story_cards()
    assert [card.story.id for card in cards] == [filled.story]
    card = cards[0]
    assert sorted(card.outlets) == sorted(filled.sources)
    assert card.image == "/static/missing-lead.jpg" and card.recent_articles == 4


def test_search_page_counts_and_filters(web_store: Store, filled: Filled) -> None:
    hits, total = web_store.search_page("bridge", limit=1)
    assert total >= 3 and len(hits) == 1
    hits, total = web_store.search_page("bridge source:ledger")
    assert {hit.source_name for hit in hits} == {"Daily Ledger"} and total == len(hits)
    assert web_store.search_page("bridge", where=ArticleFilter(source_id=filled.sources[2]))[1] == 0


def test_semantic_page_ranks_by_cosine(web_store: Store, filled: Filled) -> None:
    query = np.frombuffer(
        web_store.enrichment_vectors([filled.articles["bruecke"]])[filled.articles["bruecke"]],
        dtype=np.float16,
    )
    found, total = web_store.semantic_page(query.astype(np.float32), limit=2)
    assert total == 4 and found[0][0].id == filled.articles["bruecke"] and found[0][1] > 0.99
    english, total = web_store.semantic_page(query.astype(np.float32), where=ArticleFilter(language="en"))
    assert total == 3 and filled.articles["bruecke"] not in {brief.id for brief, _ in english}


def test_quotes_in_context_and_entity_stories(web_store: Store, filled: Filled) -> None:
    quotes = web_store.quotes_in_context(story_id=filled.story)
    assert [(q.speaker, q.article_title) for q in quotes] == [
        ("Ana Lopez", "Bridge closes after inspectors find cracks")
    ]
    assert quotes[0].entity_id == filled.people["ana lopez"]
    assert [s.id for s in web_store.entity_stories(filled.people["ana lopez"])] == [filled.story]
