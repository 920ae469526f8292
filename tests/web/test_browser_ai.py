"""The article page's AI panel in Chromium: log in, ask a question through the form, follow the
redirect to the answer, follow its citation links; axe-core finds no serious violations with or
without a language model configured; no console errors or CSP violations; screenshots at both widths.

The site is a real uvicorn server on 127.0.0.1 and the model is the stand-in OpenAI-compatible
server of tests/ai/llm_server.py; every request the pages make goes through
:class:`~tests.web.browsing.Watch`, which aborts and records anything outside loopback.
"""

from __future__ import annotations

from collections.abc import Iterator
from html import escape
from pathlib import Path

import pytest

from gazette.config import load_settings
from gazette.enrich.sentences import split_sentences
from gazette.store import Store
from gazette.web.auth import SESSION_COOKIE
from tests.ai.llm_server import LlmServer
from tests.ai.samples import sample
from tests.conftest import REPO, TEST_DATA

from .accounts_support import PASSWORD, Site
from .browsing import VIEWPORTS, Watch
from .conftest import LiveServer, OpenPage
from .fill import Filled, add_article, add_source
from .test_ai_panel import ai_site

pytestmark = pytest.mark.browser

SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
QUESTION = "Why is the bridge being rebuilt?"
ANSWER = "The council voted to rebuild it [1]. Inspectors found cracks [2]."
SECOND_CITED = "Inspectors found 40 cracks in the main span in February."
SHORT_WINDOW = {"width": 1280, "height": 500}
"""A desktop window shorter than the article page's side column once it shows an answer."""
FILLER = "Paragraph {} of the report goes over the council debate again, at length and in detail."


@pytest.fixture
def llm() -> Iterator[LlmServer]:
    server = LlmServer().start()
    yield server
    server.stop()


@pytest.fixture
def ai_live(tmp_path: Path, llm: LlmServer) -> Iterator[tuple[Site, int]]:
    with ai_site(tmp_path, llm) as (site, _):
        yield site, long_article(site)


def long_article(site: Site) -> int:
    """The sample article followed by enough paragraphs to be taller than the screen, enriched."""
    data = sample()
    text = "\n\n".join([data["text"], *(FILLER.format(n) for n in range(1, 13))])
    source_id, feed_id = add_source(site.store, "Valley Courier", "valley.example")
    html = "".join(f"<p>{escape(paragraph)}</p>" for paragraph in text.split("\n\n"))
    article_id = add_article(site.store, feed_id, source_id, "long", data["title"], 9, html=html, text=text)
    spans = [list(span) for span in split_sentences(text, "en")]
    site.store.save_enrichment(article_id, 1, {"sentences": spans, "summary": [], "language": "en"}, None)
    return article_id


def shoot(watch: Watch, name: str) -> None:
    """The whole page, and the AI panel alone (``NAME-panel.png``) to check its layout at a glance."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    watch.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    watch.page.locator("section.ai-panel").screenshot(path=str(SCREENSHOTS / f"{name}-panel.png"))


def submit(watch: Watch, button: str) -> None:
    """Click a form's submit button and wait for the page it leads to."""
    with watch.page.expect_navigation():
        watch.page.click(button)
    watch.page.wait_for_load_state("load")


def serious_violations(watch: Watch) -> list[str]:
    """axe-core's serious and critical findings on the current page (needs a bypass_csp page)."""
    watch.page.add_script_tag(content=(TEST_DATA / "web" / "axe.min.js").read_text(encoding="utf-8"))
    result = watch.page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['html'][:120]})"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def in_viewport(watch: Watch, selector: str) -> bool:
    """Whether the top of the element ``selector`` names is on screen (after a jump to a fragment)."""
    top = watch.page.eval_on_selector(selector, "e => e.getBoundingClientRect().top")
    return 0 <= float(top) < float(watch.page.viewport_size["height"])


def log_in(watch: Watch, username: str) -> None:
    """Follow the panel's 'Log in' link and log in; the form sends the reader back to the article."""
    article = watch.page.url
    submit(watch, "#ai >> text=Log in")
    watch.page.fill("#login-username", username)
    watch.page.fill("#login-password", PASSWORD)
    submit(watch, "main button[type=submit]")
    assert watch.page.url == article


def ask(watch: Watch, question: str) -> str:
    """Ask through the panel's form; the path (with ``?ai=``) and fragment of the answer page."""
    watch.page.fill("#ai-question", question)
    submit(watch, "#ai form:has(#ai-question) button[type=submit]")
    return str(watch.page.url).removeprefix(watch.base)


def with_session(open_page: OpenPage, watch: Watch, viewport: str, bypass_csp: bool = False) -> Watch:
    """A fresh page in a new context carrying ``watch``'s session cookie."""
    other = open_page(watch.base, viewport, bypass_csp=bypass_csp)
    cookies = [c for c in watch.page.context.cookies() if c["name"] == SESSION_COOKIE]
    other.page.context.add_cookies(cookies)
    return other


def test_ask_the_article_and_follow_the_citations(
    ai_live: tuple[Site, int], llm: LlmServer, open_page: OpenPage
) -> None:
    live, article = ai_live
    live.user("ada")
    watch = open_page(live.base)
    watch.goto(f"/articles/{article}")
    assert watch.page.locator("#ai-question").count() == 0
    log_in(watch, "ada")
    watch.page.set_viewport_size(SHORT_WINDOW)

    location = ask(watch, QUESTION)
    assert location.startswith(f"/articles/{article}?ai=") and location.endswith("#ai-result")
    assert in_viewport(watch, "#ai-result")
    assert watch.page.locator(".ai-question").inner_text() == QUESTION
    assert watch.page.locator(".ai-answer").inner_text() == ANSWER
    links = watch.page.locator(".ai-answer a")
    assert links.all_inner_texts() == ["[1]", "[2]"]
    assert watch.page.locator(".ai-ungrounded").count() == 0
    links.nth(1).click()
    watch.page.wait_for_function("location.hash === '#ai-cite-2'")
    assert in_viewport(watch, "#ai-cite-2")
    assert watch.page.locator("#ai-cite-2").inner_text().strip() == SECOND_CITED
    assert watch.page.eval_on_selector("#ai-cite-2", "e => e.matches(':target')")
    shoot(watch, "ai-cited-short-window")

    llm.replies["ask"] = "The bridge is made of cheese [42]."
    ungrounded = ask(watch, "What is the bridge made of?")
    assert "cites no sentence of the article" in watch.page.locator(".ai-ungrounded").inner_text()
    assert watch.page.locator(".ai-answer a").count() == 0
    watch.clean()
    assert watch.foreign == []

    assert look_and_check(open_page, watch, {"answer": location, "ungrounded": ungrounded}) == {}
    assert len(llm.requests) == 2, "showing a result again does not ask the model"


def look_and_check(open_page: OpenPage, watch: Watch, pages: dict[str, str]) -> dict[str, list[str]]:
    """Screenshots of ``pages`` (name: path) at both widths, and in the dark scheme on the desktop,
    with no console errors or CSP violations; axe-core's serious findings on each, by page."""
    problems: dict[str, list[str]] = {}
    for viewport, scheme in (*((viewport, "light") for viewport in VIEWPORTS), ("desktop", "dark")):
        seen = with_session(open_page, watch, viewport)
        checked = with_session(open_page, watch, viewport, bypass_csp=True)
        for page in (seen, checked):
            page.page.emulate_media(color_scheme=scheme)
        suffix = viewport if scheme == "light" else f"{viewport}-{scheme}"
        for name, path in pages.items():
            seen.goto(path)
            shoot(seen, f"ai-{name}-{suffix}")
            checked.goto(path)
            if found := serious_violations(checked):
                problems[f"{name}-{suffix}"] = found
        seen.clean()
    return problems


def test_a_model_error_page_is_accessible(
    ai_live: tuple[Site, int], llm: LlmServer, open_page: OpenPage
) -> None:
    live, article = ai_live
    llm.mode = "status"
    live.user("ada")
    watch = open_page(live.base, bypass_csp=True)
    watch.goto(f"/articles/{article}")
    log_in(watch, "ada")
    watch.page.select_option("#ai-style", "explain")
    with watch.page.expect_navigation() as navigation:
        watch.page.click("#ai form:has(#ai-style) button[type=submit]")
    assert navigation.value.status == 502
    assert "failed (HTTP 500)" in watch.page.locator("[role=alert]").inner_text()
    assert serious_violations(watch) == []
    submit(watch, "main >> text=Back to the article")
    assert watch.page.url == f"{live.base}/articles/{article}"


@pytest.fixture
def offline_base(web_store: Store, filled: Filled, tmp_path: Path) -> Iterator[tuple[str, Filled]]:
    server = LiveServer(load_settings(data_dir=tmp_path / "data"), web_store)
    yield server.start(), filled
    server.stop()


def test_the_offline_panel_is_accessible(offline_base: tuple[str, Filled], open_page: OpenPage) -> None:
    base, filled = offline_base
    path = f"/articles/{filled.articles['bridge']}"
    problems: dict[str, list[str]] = {}
    for viewport in VIEWPORTS:
        watch = open_page(base, viewport)
        watch.goto(path)
        assert "need a language model endpoint" in watch.page.locator("#ai .ai-offline").inner_text()
        assert watch.page.locator("#ai form").count() == 0
        shoot(watch, f"ai-offline-{viewport}")
        assert [e for e in watch.errors if "404" not in e] == [], watch.errors
        checked = open_page(base, viewport, bypass_csp=True)
        checked.goto(path)
        if found := serious_violations(checked):
            problems[viewport] = found
    assert problems == {}
