"""The AI panel and API over real HTTP: uvicorn on 127.0.0.1 and a stand-in OpenAI-compatible server."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from lxml import html as lxml_html

from gazette.ai.service import AiService, llm_config
from gazette.config import load_settings
from gazette.enrich.sentences import split_sentences
from gazette.store import Store
from gazette.web.app import create_app
from tests.ai.llm_server import LlmServer, closed_port
from tests.ai.samples import API_KEY, sample

from .accounts_support import Site, post_form, running_site
from .fill import Filled, add_article, add_source

XSS = (
    '<script>alert(1)</script> <img src=x onerror="alert(2)"> '
    '[click](javascript:alert(3)) <a href="javascript:alert(4)">x</a> [1]'
)


@contextmanager
def ai_site(tmp_path: Path, llm: LlmServer | None, **settings: Any) -> Iterator[tuple[Site, int]]:
    """The site with an LLM configured (``llm`` None: a closed port) and the sample article enriched."""
    base_url = llm.base_url if llm else f"http://127.0.0.1:{closed_port()}/v1"
    config = {
        "llm_base_url": base_url,
        "llm_model": "test-model",
        "llm_api_key": API_KEY,
        "llm_timeout": 5.0,
        **settings,
    }
    with running_site(tmp_path, settings=config) as site:
        yield site, enriched_sample(site)


def enriched_sample(site: Site) -> int:
    data = sample()
    source_id, feed_id = add_source(site.store, "River Post", "river.example")
    article_id = add_article(site.store, feed_id, source_id, "rebuild", data["title"], 5, text=data["text"])
    spans = [list(span) for span in split_sentences(data["text"], "en")]
    summary = ["The city council voted on Tuesday to rebuild the old river bridge."]
    site.store.save_enrichment(
        article_id, 1, {"sentences": spans, "summary": summary, "language": "en"}, None
    )
    return article_id


@pytest.fixture
def llm() -> Iterator[LlmServer]:
    server = LlmServer().start()
    yield server
    server.stop()


@pytest.fixture
def site(tmp_path: Path, llm: LlmServer) -> Iterator[tuple[Site, int]]:
    with ai_site(tmp_path, llm) as live:
        yield live


def page_of(client: httpx.Client, url: str) -> lxml_html.HtmlElement:
    response = client.get(url)
    assert response.status_code == 200, response.text[:300]
    return lxml_html.fromstring(response.text)


def ask_form(client: httpx.Client, article_id: int, **data: str) -> httpx.Response:
    return post_form(client, f"/articles/{article_id}", f"/articles/{article_id}/ai", data)


def api_post(client: httpx.Client, article_id: int, feature: str, body: dict[str, str]) -> httpx.Response:
    token = client.get(f"/api/articles/{article_id}/ai").json()["csrf_token"]
    return client.post(f"/api/articles/{article_id}/ai/{feature}", json=body, headers={"x-csrf-token": token})


def panel_text(page: lxml_html.HtmlElement) -> str:
    [panel] = page.xpath("//section[@class='ai-panel']")
    return " ".join(panel.text_content().split())


# offline (the default)


def test_offline_by_default_the_panel_says_what_is_needed(web: httpx.Client, filled: Filled) -> None:
    article = filled.articles["bridge"]
    page = page_of(web, f"/articles/{article}")
    text = panel_text(page)
    assert "The river bridge closed after inspectors found cracks." in text
    assert "need a language model endpoint" in text and "GAZETTE_LLM_BASE_URL" in text
    assert page.xpath("//section[@class='ai-panel']//a[contains(@href,'configuration.md')]")
    assert not page.xpath("//form[contains(@action,'/ai')]")
    status = web.get(f"/api/articles/{article}/ai").json()
    assert status["enabled"] is False and status["features"] == []
    for response in (
        web.post(f"/api/articles/{article}/ai/ask", json={"question": "Why?"}),
        web.get(f"/api/articles/{article}/ai/summary", params={"style": "brief"}),
    ):
        assert response.status_code == 503
        assert "No language model is configured" in response.json()["detail"]


# reading and asking


def test_anonymous_readers_see_a_login_link_and_cannot_make_the_model_work(
    site: tuple[Site, int], llm: LlmServer
) -> None:
    live, article = site
    anonymous = live.client()
    text = panel_text(page_of(anonymous, f"/articles/{article}"))
    assert "Log in to ask questions" in text and "test-model" in text
    response = anonymous.post(f"/api/articles/{article}/ai/ask", json={"question": "Why?"})
    assert response.status_code == 401
    assert anonymous.post(
        f"/articles/{article}/ai", data={"feature": "ask", "question": "Why?"}
    ).status_code in (
        401,
        403,
    )
    assert llm.requests == []


def test_a_question_from_the_page_is_answered_with_checked_citations(
    site: tuple[Site, int], llm: LlmServer
) -> None:
    live, article = site
    alice = live.as_new("alice")
    response = ask_form(alice, article, feature="ask", question="Why is the bridge being rebuilt?")
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(f"/articles/{article}?ai=") and "bridge" not in location
    page = page_of(alice, location)
    answer = page.xpath("string(//p[@class='ai-answer'])")
    assert answer == "The council voted to rebuild it [1]. Inspectors found cracks [2]."
    assert page.xpath("//p[@class='ai-answer']/a/@href") == ["#ai-cite-1", "#ai-cite-2"]
    assert page.xpath("//ol[@class='ai-citations']/li/@id") == ["ai-cite-1", "ai-cite-2"]
    assert page.xpath("//ol[@class='ai-citations']/li/@value") == ["1", "2"]
    cited = page.xpath("//ol[@class='ai-citations']/li[2]//p/text()")
    assert cited == ["Inspectors found 40 cracks in the main span in February."]
    assert not page.xpath("//*[contains(@class,'ai-ungrounded')]")
    assert len(llm.requests) == 1
    assert (
        ask_form(alice, article, feature="ask", question="Why is the bridge  being rebuilt?").headers[
            "location"
        ]
        == location
    )
    assert len(llm.requests) == 1, "the same question is answered from the cache"
    gone = page_of(alice, f"/articles/{article}?ai={'0' * 24}")
    assert "no longer kept" in panel_text(gone) and not gone.xpath("//p[@class='ai-answer']")


def test_the_api_answers_with_offsets_into_the_stored_text(site: tuple[Site, int], llm: LlmServer) -> None:
    live, article = site
    alice = live.as_new("alice")
    response = api_post(alice, article, "ask", {"question": "When does construction start?"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["grounded"] is True and body["cached"] is False and body["article_id"] == str(article)
    text = sample()["text"]
    assert [c["n"] for c in body["citations"]] == [1, 2]
    for citation in body["citations"]:
        assert text[citation["start"] : citation["end"]] == citation["sentence"]
    assert "[7]" not in body["answer"] and "[1]" in body["answer"]


def test_an_answer_citing_nothing_real_is_flagged(site: tuple[Site, int], llm: LlmServer) -> None:
    live, article = site
    llm.replies["ask"] = "The bridge is made of cheese [42]."
    alice = live.as_new("alice")
    body = api_post(alice, article, "ask", {"question": "What is it made of?"}).json()
    assert body["grounded"] is False and body["citations"] == []
    assert body["answer"] == "The bridge is made of cheese."
    location = ask_form(alice, article, feature="ask", question="What is it made of?").headers["location"]
    page = page_of(alice, location)
    [warning] = page.xpath("//p[contains(@class,'ai-ungrounded')]/text()")
    assert "cites no sentence of the article" in warning


def test_api_posts_need_the_csrf_token(site: tuple[Site, int], llm: LlmServer) -> None:
    live, article = site
    alice = live.as_new("alice")
    response = alice.post(f"/api/articles/{article}/ai/summary", json={"style": "brief"})
    assert response.status_code == 403
    response = alice.post(
        f"/api/articles/{article}/ai/summary", json={"style": "brief"}, headers={"x-csrf-token": "forged"}
    )
    assert response.status_code == 403
    assert (
        alice.post(f"/articles/{article}/ai", data={"feature": "summary", "style": "brief"}).status_code
        == 403
    )
    assert llm.requests == []


def test_summary_styles_are_cached_and_readable_by_anyone(site: tuple[Site, int], llm: LlmServer) -> None:
    live, article = site
    alice = live.as_new("alice")
    anonymous = live.client()
    assert (
        anonymous.get(f"/api/articles/{article}/ai/summary", params={"style": "bullets"}).status_code == 404
    )
    body = api_post(alice, article, "summary", {"style": "bullets"}).json()
    assert body["points"] == [
        "The council voted to rebuild the bridge.",
        "Inspectors found 40 cracks.",
        "Work starts in June 2027.",
    ]
    cached = anonymous.get(f"/api/articles/{article}/ai/summary", params={"style": "bullets"})
    assert cached.status_code == 200 and cached.json()["cached"] is True
    assert cached.json()["points"] == body["points"]
    page = page_of(anonymous, f"/articles/{article}")
    assert page.xpath("//ul[@class='ai-points']/li/text()") == body["points"]
    assert ask_form(alice, article, feature="summary", style="brief").status_code == 303
    assert len(llm.requests) == 2


def test_translation_from_the_page(site: tuple[Site, int], llm: LlmServer) -> None:
    live, article = site
    alice = live.as_new("alice")
    location = ask_form(alice, article, feature="translate", lang="de", scope="summary").headers["location"]
    page = page_of(alice, location)
    [block] = page.xpath("//div[@class='ai-translation']")
    assert block.get("lang") == "de"
    assert block.xpath("./p/strong/text()") == [f"DE: {sample()['title']}"]
    assert block.xpath("./p[2]/text()") == [
        "DE: The city council voted on Tuesday to rebuild the old river bridge."
    ]
    full = api_post(alice, article, "translate", {"lang": "pt-BR", "scope": "full"}).json()
    assert full["language"] == "pt-BR" and full["language_name"] == "Portuguese"
    assert len(full["paragraphs"]) == 4


@pytest.mark.parametrize(
    "body",
    [
        {"lang": "deutsch"},
        {"lang": "zz"},
        {"lang": "de", "scope": "everything"},
        {"lang": "<script>"},
    ],
)
def test_bad_translation_requests_are_422(
    site: tuple[Site, int], llm: LlmServer, body: dict[str, str]
) -> None:
    live, article = site
    alice = live.as_new("alice")
    response = api_post(alice, article, "translate", body)
    assert response.status_code == 422 and "detail" in response.json()
    assert llm.requests == []


def test_malformed_api_requests_are_4xx(site: tuple[Site, int], llm: LlmServer) -> None:
    live, article = site
    alice = live.as_new("alice")
    token = alice.get(f"/api/articles/{article}/ai").json()["csrf_token"]
    headers = {"x-csrf-token": token, "content-type": "application/json"}
    url = f"/api/articles/{article}/ai"
    assert alice.post(f"{url}/ask", content=b"{not json", headers=headers).status_code == 422
    assert alice.post(f"{url}/ask", content=b'{"question": 3}', headers=headers).status_code == 422
    assert alice.post(f"{url}/ask", content=b"x" * 20_000, headers=headers).status_code == 413
    assert alice.post(f"{url}/poem", json={}, headers=headers).status_code == 422
    assert alice.post(f"{url}/ask", json={"question": " "}, headers=headers).status_code == 422
    assert (
        alice.post("/api/articles/999999/ai/ask", json={"question": "Why?"}, headers=headers).status_code
        == 404
    )
    assert alice.get("/api/articles/999999/ai").status_code == 404
    assert alice.get(f"{url}/summary", params={"style": "sonnet"}).status_code == 422
    form = ask_form(alice, article, feature="translate", lang="xx-<b>")
    assert form.status_code == 422 and "The language must be a code" in form.text
    assert llm.requests == []


# untrusted output


def test_html_in_model_output_is_inert(site: tuple[Site, int], llm: LlmServer) -> None:
    live, article = site
    for feature in ("ask", "brief", "translate"):
        llm.replies[feature] = XSS
    alice = live.as_new("alice")
    for data in (
        {"feature": "ask", "question": "Anything?"},
        {"feature": "summary", "style": "brief"},
        {"feature": "translate", "lang": "de"},
    ):
        location = ask_form(alice, article, **data).headers["location"]
        raw = alice.get(location).text
        page = lxml_html.fromstring(raw)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
        assert not [s for s in page.xpath("//script") if not (s.get("src") or "").startswith("/static/")]
        assert not page.xpath("//*[@onerror]")
        assert not [h for h in page.xpath("//@href") if h.strip().lower().startswith("javascript:")]
    body = api_post(alice, article, "ask", {"question": "Anything?"}).json()
    assert body["answer"].startswith("<script>alert(1)</script>")  # JSON carries text; clients escape it


# failures


@pytest.mark.parametrize(
    ("mode", "status", "message"),
    [("status", 500, "failed (HTTP 500)"), ("garbage", 0, "could not read"), ("empty", 0, "no answer")],
)
def test_model_failures_are_clear_errors(
    site: tuple[Site, int], llm: LlmServer, mode: str, status: int, message: str
) -> None:
    live, article = site
    llm.mode, llm.status_code = mode, status
    alice = live.as_new("alice")
    response = api_post(alice, article, "summary", {"style": "explain"})
    assert response.status_code == 502 and message in response.json()["detail"]
    page = ask_form(alice, article, feature="summary", style="explain")
    assert page.status_code == 502 and "text/html" in page.headers["content-type"]
    assert message in lxml_html.fromstring(page.text).xpath("string(//p[@role='alert'])")


def test_a_slow_model_times_out_with_504(tmp_path: Path, llm: LlmServer) -> None:
    llm.mode = "slow"
    with ai_site(tmp_path, llm, llm_timeout=0.3) as (live, article):
        alice = live.as_new("alice")
        response = api_post(alice, article, "ask", {"question": "Why?"})
        assert (
            response.status_code == 504 and "did not answer within 0.3 seconds" in response.json()["detail"]
        )


def test_an_unreachable_model_is_503(tmp_path: Path) -> None:
    with ai_site(tmp_path, None) as (live, article):
        alice = live.as_new("alice")
        response = api_post(alice, article, "ask", {"question": "Why?"})
        assert response.status_code == 503 and "unreachable" in response.json()["detail"]
        page = ask_form(alice, article, feature="ask", question="Why?")
        assert page.status_code == 503 and "unreachable" in page.text


def test_requests_are_rate_limited_per_user(tmp_path: Path, llm: LlmServer) -> None:
    with ai_site(tmp_path, llm, llm_requests_per_user=2, llm_window_seconds=3600) as (live, article):
        alice = live.as_new("alice")
        assert api_post(alice, article, "summary", {"style": "brief"}).status_code == 200
        assert api_post(alice, article, "summary", {"style": "explain"}).status_code == 200
        assert api_post(alice, article, "summary", {"style": "brief"}).status_code == 200, "cached: free"
        refused = api_post(alice, article, "summary", {"style": "timeline"})
        assert refused.status_code == 429 and "try again later" in refused.json()["detail"]
        assert ask_form(alice, article, feature="ask", question="Why?").status_code == 429
        bob = live.as_new("bob")
        assert api_post(bob, article, "summary", {"style": "timeline"}).status_code == 200
        live.clock.advance(3601)
        assert api_post(alice, article, "summary", {"style": "bullets"}).status_code == 200
        assert len(llm.requests) == 4


def test_the_api_key_is_sent_as_bearer_and_never_shown(
    site: tuple[Site, int], llm: LlmServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    live, article = site
    alice = live.as_new("alice")
    seen = [api_post(alice, article, "ask", {"question": "Why?"}).text]
    assert llm.requests[0].headers["authorization"] == f"Bearer {API_KEY}"
    llm.mode = "status"
    seen.append(api_post(alice, article, "ask", {"question": "Why not?"}).text)
    seen.append(ask_form(alice, article, feature="summary", style="timeline").text)
    seen.extend(alice.get(url).text for url in (f"/articles/{article}", f"/api/articles/{article}/ai", "/me"))
    seen.append(live.client().get(f"/articles/{article}").text)
    assert all(API_KEY not in text for text in seen)
    assert API_KEY not in caplog.text


def test_the_llm_client_is_closed_when_the_app_stops(
    web_store: Store, tmp_path: Path, llm: LlmServer
) -> None:
    settings = load_settings(data_dir=tmp_path / "data", llm_base_url=llm.base_url, llm_model="test-model")
    app = create_app(settings, web_store, cache_seconds=0)
    with TestClient(app):
        service = app.state.ai_service = AiService(llm_config(settings))
        client = service.client()
        assert not client._http.is_closed
    assert client._http.is_closed
