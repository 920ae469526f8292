from __future__ import annotations

import httpx

from .fill import Filled


def test_article_api_returns_the_article_its_enrichment_and_related(
    web: httpx.Client, filled: Filled
) -> None:
    body = web.get(f"/api/articles/{filled.articles['bridge']}").json()
    assert body["id"] == str(filled.articles["bridge"])
    assert body["title"] == "Bridge closes after inspectors find cracks"
    assert body["source"]["name"] == "Harbour Times"
    assert body["published"].endswith("Z") and body["story_id"] == str(filled.story)
    assert body["enrichment"]["key_points"] == ["Inspectors found cracks", "The mayor closed the bridge"]
    assert {e["name"] for e in body["enrichment"]["entities"]} == {"Ana Lopez", "City Council", "Riverton"}
    assert body["enrichment"]["quotes"][0]["speaker"] == "Ana Lopez"
    assert body["related"][0]["id"] == str(filled.articles["bridge-ledger"])


def test_article_api_without_enrichment(web: httpx.Client, filled: Filled) -> None:
    body = web.get(f"/api/articles/{filled.articles['bridge-copy']}").json()
    assert body["enrichment"] is None and body["duplicate_of"] == str(filled.articles["bridge"])


def test_story_api_returns_articles_and_robust_differences(web: httpx.Client, filled: Filled) -> None:
    body = web.get(f"/api/stories/{filled.story}").json()
    assert body["title"] == "River bridge closed" and body["source_count"] == 3
    assert len(body["articles"]) == 4
    assert [d["what"] for d in body["differences"]] == ["How many cracks"]


def test_search_api_returns_escaped_highlighted_snippets(web: httpx.Client, filled: Filled) -> None:
    body = web.get("/api/search", params={"q": "bridge", "limit": 2}).json()
    assert body["total"] >= 3 and len(body["hits"]) == 2
    assert "<mark>" in body["hits"][0]["snippet_html"]
    assert web.get("/api/search", params={"q": "bridge", "offset": 2, "limit": 2}).json()["offset"] == 2
    assert web.get("/api/search", params={"q": "  "}).json()["total"] == 0


def test_api_answers_bad_input_with_4xx(web: httpx.Client, filled: Filled) -> None:
    for path in (
        "/api/articles/999999",
        "/api/articles/0",
        "/api/articles/abc",
        "/api/articles/99999999999999999999999999",
        "/api/stories/999999",
        "/api/stories/-5",
        "/api/search",
        "/api/search?q=a&limit=0",
        "/api/search?q=a&limit=1000",
        "/api/search?q=a&offset=-1",
        "/api/search?q=a&from=2020-02-30",
        "/api/search?q=a&mode=x",
        "/api/search?q=" + "x" * 600,
        "/api/search?q=%22%22%22*%20OR%20NEAR(",
    ):
        status = web.get(path).status_code
        assert 200 <= status < 500 and status != 500, path
        if "NEAR" not in path:
            assert 400 <= status < 500, path
