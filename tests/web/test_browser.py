"""The pages in Chromium: content, links, relative times, no console errors or CSP violations,
accessibility (axe-core), and script vectors rendered inert.

One browser per session; servers are real uvicorn instances on 127.0.0.1. Every
request the pages make is routed through :class:`Watch`, which lets loopback
through and aborts (and records) anything else, so no packet leaves the machine.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gazette.config import load_settings
from gazette.extract.sanitize import sanitize_html
from gazette.store import Store
from tests.conftest import REPO, TEST_DATA

from .browsing import VIEWPORTS, Watch
from .conftest import LiveServer
from .fill import Filled, add_article, add_source, fill_store

SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
RELATIVE = re.compile(r"^(just now|\d+ (second|minute|hour|day|week|month|year)s? ago|in \d+ \w+)$")

pytestmark = pytest.mark.browser


def _serve(store: Store, tmp: Path) -> Iterator[str]:
    server = LiveServer(load_settings(data_dir=tmp), store, cache_seconds=10)
    base = server.start()
    try:
        yield base
    finally:
        server.stop()


@pytest.fixture(scope="module")
def filled_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Filled]]:
    root = tmp_path_factory.mktemp("filled")
    store = Store(f"sqlite:///{root / 'web.db'}")
    store.migrate()
    filled = fill_store(store)
    for base in _serve(store, root / "data"):
        yield base, filled
    store.close()


@pytest.fixture(scope="module")
def demo_site(demo_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = Store(demo_db)
    yield from _serve(store, tmp_path_factory.mktemp("demo-web"))
    store.close()


def _ignore_missing_images(watch: Watch) -> list[str]:
    """Console errors other than 404s for images we made missing on purpose."""
    return [error for error in watch.errors if "404" not in error]


def shoot(watch: Watch, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    watch.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def check_times(watch: Watch) -> int:
    times = watch.page.eval_on_selector_all(
        "time[data-relative]",
        "els => els.map(e => [e.getAttribute('datetime'), e.title, e.textContent.trim()])",
    )
    for datetime_attr, title, text in times:
        assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", datetime_attr), datetime_attr
        assert "UTC" in title
        assert RELATIVE.match(text), text
    return len(times)


def first_href(watch: Watch, selector: str) -> str | None:
    link = watch.page.query_selector(selector)
    return link.get_attribute("href") if link else None


def test_demo_walkthrough(demo_site: str, open_page: Any) -> None:
    """Front page → story (if any) → article → related (if any) → entity (if any) → search, on the demo."""
    for viewport in VIEWPORTS:
        watch = open_page(demo_site, viewport)
        watch.goto("/")
        assert watch.page.title() == "Gazette"
        assert watch.page.locator("main h2").first.is_visible()
        assert check_times(watch) > 0
        shoot(watch, f"demo-front-{viewport}")
        story = first_href(watch, ".cards a.headline")
        if story:
            watch.goto(story)
            assert watch.page.locator("h1").inner_text()
            shoot(watch, f"demo-story-{viewport}")
        article = first_href(watch, "a.headline[href^='/articles/']")
        assert article is not None
        watch.goto(article)
        assert watch.page.locator("article h1").inner_text()
        assert watch.page.locator("#comments h2").inner_text() == "Comments"
        assert watch.page.locator(".article .body").inner_text().strip()
        check_times(watch)
        shoot(watch, f"demo-article-{viewport}")
        related = first_href(watch, ".related a.headline")
        if related:
            watch.goto(related)
        entity = first_href(watch, "a[href^='/entities/']")
        if entity:
            watch.goto(entity)
            shoot(watch, f"demo-entity-{viewport}")
        word = watch.page.locator("h1").first.inner_text().split()[0]
        watch.page.fill("#site-q", word)
        watch.page.press("#site-q", "Enter")
        watch.page.wait_for_load_state("load")
        assert "/search?q=" in watch.page.url
        assert watch.page.locator("#results-heading").inner_text()
        shoot(watch, f"demo-search-{viewport}")
        watch.goto("/feeds")
        shoot(watch, f"demo-feeds-{viewport}")
        watch.clean()


def filled_paths(filled: Filled) -> dict[str, str]:
    return {
        "front": "/",
        "article": f"/articles/{filled.articles['bridge']}",
        "article-de": f"/articles/{filled.articles['bruecke']}",
        "story": f"/stories/{filled.story}",
        "source": f"/sources/{filled.sources[0]}",
        "entity": f"/entities/{filled.people['ana lopez']}",
        "search": "/search?q=bridge",
        "feeds": "/feeds",
    }


def test_filled_pages_render_cleanly_at_both_widths(filled_site: tuple[str, Filled], open_page: Any) -> None:
    base, filled = filled_site
    for viewport in VIEWPORTS:
        watch = open_page(base, viewport)
        for name, path in filled_paths(filled).items():
            watch.goto(path)
            check_times(watch)
            shoot(watch, f"{name}-{viewport}")
        assert _ignore_missing_images(watch) == [], watch.errors
        assert watch.dialogs == [] and watch.outside == []


def test_broken_images_leave_no_box_and_links_work(filled_site: tuple[str, Filled], open_page: Any) -> None:
    base, filled = filled_site
    watch = open_page(base)
    watch.goto(f"/articles/{filled.articles['bridge']}")
    watch.page.wait_for_selector(".media.lead.broken", state="attached")
    assert not watch.page.locator(".media.lead").is_visible()
    assert watch.page.locator("header .favicon-letter").first.inner_text() == "H"
    assert watch.page.get_attribute(".media.lead img", "referrerpolicy") == "no-referrer"
    watch.page.click(".coverage a")
    watch.page.wait_for_url(f"**/stories/{filled.story}")
    watch.page.click("text=Ana Lopez")
    watch.page.wait_for_url(f"**/entities/{filled.people['ana lopez']}")
    assert watch.page.locator("h1").inner_text() == "Ana Lopez"
    watch.page.keyboard.press("Tab")
    assert watch.page.evaluate("document.activeElement.className") == "skip"


def test_no_serious_accessibility_violations(filled_site: tuple[str, Filled], open_page: Any) -> None:
    base, filled = filled_site
    axe = (TEST_DATA / "web" / "axe.min.js").read_text(encoding="utf-8")
    problems: dict[str, list[str]] = {}
    phone_too = {"front", "article", "story"}
    for viewport in VIEWPORTS:
        watch = open_page(base, viewport, bypass_csp=True)
        for name, path in filled_paths(filled).items():
            if viewport == "phone" and name not in phone_too:
                continue
            watch.goto(path)
            watch.page.add_script_tag(content=axe)
            result = watch.page.evaluate("async () => await axe.run(document)")
            serious = [
                f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['html'][:120]})"
                for v in result["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            if serious:
                problems[f"{name}-{viewport}"] = serious
    assert problems == {}


@pytest.fixture(scope="module")
def xss_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[int]]]:
    root = tmp_path_factory.mktemp("xss")
    store = Store(f"sqlite:///{root / 'web.db'}")
    store.migrate()
    vectors = json.loads((TEST_DATA / "web" / "xss.json").read_text(encoding="utf-8"))
    source_id, feed_id = add_source(store, "<script>window.__xss=1</script>Evil Source", "evil.example")
    ids = []
    for index, body in enumerate(vectors["bodies"]):
        title = vectors["titles"][index % len(vectors["titles"])]
        author = vectors["authors"][index % len(vectors["authors"])]
        html = sanitize_html(body)
        ids.append(
            add_article(store, feed_id, source_id, f"x{index}", title, index + 1, html=html, author=author)
        )
    story = store.create_story(vectors["titles"][0], created=datetime.now(UTC))
    for article_id in ids[:3]:
        store.assign_story(article_id, story)
    store.update_story(
        story,
        summary=vectors["titles"][1],
        differences=[
            {
                "kind": "<script>window.__xss=1</script>",
                "what": vectors["titles"][2],
                "accounts": [
                    {
                        "article_id": ids[0],
                        "source": vectors["authors"][0],
                        "value": vectors["titles"][3],
                        "sentence": body,
                    }
                    for body in vectors["bodies"][:3]
                ],
            }
        ],
    )
    for base in _serve(store, root / "data"):
        yield base, [*ids, -story]
    store.close()


def test_script_vectors_render_inert(xss_site: tuple[str, list[int]], open_page: Any) -> None:
    base, ids = xss_site
    watch = open_page(base)
    paths = ["/", "/feeds", "/search?q=script", "/search?q=xss"]
    paths += [f"/stories/{-i}" for i in ids if i < 0]
    paths += [f"/articles/{i}" for i in ids if i > 0]
    paths += [f"/sources/{watch_source}" for watch_source in (1,)]
    for path in paths:
        watch.goto(path)
        for link in watch.page.query_selector_all("main a[href], main button, main details summary"):
            href = link.get_attribute("href") or ""
            assert not href.lower().lstrip().startswith(("javascript:", "vbscript:", "data:")), href
        assert watch.page.evaluate("typeof window.__xss") == "undefined", path
    watch.clean()
    assert watch.foreign == []
