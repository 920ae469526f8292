"""The sample article and the test API key, shared by the ai/ and web AI tests."""

from __future__ import annotations

import json

from gazette.ai import ArticleDoc, make_doc
from gazette.enrich.sentences import split_sentences
from tests.conftest import TEST_DATA

API_KEY = "sk-test-5ecret-key-never-shown"


def sample() -> dict[str, str]:
    data: dict[str, str] = json.loads((TEST_DATA / "ai" / "article.json").read_text(encoding="utf-8"))
    return data


def sample_doc(article_id: int = 7) -> ArticleDoc:
    data = sample()
    spans = [list(span) for span in split_sentences(data["text"], "en")]
    return make_doc(article_id, data["title"], data["text"], spans, [], "en")
