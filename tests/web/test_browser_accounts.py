"""Accounts and comments in Chromium: register, log out and in from the header, comment and reply
on an article; and comment bodies carrying script vectors render inert for every kind of viewer.

The site is a real uvicorn server on 127.0.0.1 with the page cache on; every request the
pages make goes through :class:`~tests.web.browsing.Watch`, which aborts and records anything
outside loopback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gazette.models import Role
from gazette.web.auth import SESSION_COOKIE
from tests.conftest import TEST_DATA

from .accounts_support import PASSWORD, Site, csrf_from, running_site
from .browsing import Watch
from .conftest import OpenPage

pytestmark = pytest.mark.browser

MARKDOWN_VECTORS = [
    "[click me](javascript:window.__xss=1)",
    "[vb](vbscript:msgbox(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '[quote break](http://127.0.0.2/" onmouseover="window.__xss=1)',
    "![pixel](http://127.0.0.2/pixel.gif)",
    "<http://127.0.0.2/autolink>",
    "</textarea><script>window.__xss=1</script>",
    "`<script>window.__xss=1</script>`",
    "> <img src=x onerror=window.__xss=1>",
    "- <svg onload=window.__xss=1>\n- **<b onmouseover=window.__xss=1>bold</b>**",
    "*<iframe srcdoc='<script>parent.__xss=1</script>'></iframe>*",
    "{{ 7*7 }} {% raw %} ${window.__xss=1}",
]
BAD_TAGS = "script, iframe, object, embed, svg, img, style, video, form, meta, base, math"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with running_site(
        tmp_path, cache_seconds=10, comments_per_user=200, comments_per_ip=200, max_links_per_comment=100
    ) as live:
        yield live


def submit(watch: Watch, button: str) -> None:
    """Click a form's submit button and wait for the page it leads to."""
    with watch.page.expect_navigation():
        watch.page.click(button)
    watch.page.wait_for_load_state("load")


def test_register_log_in_comment_and_reply(site: Site, open_page: OpenPage) -> None:
    watch = open_page(site.base)
    article = f"/articles/{site.article_id}"
    watch.goto(article)
    assert watch.page.locator("#comments").inner_text().count("Log in") >= 1
    submit(watch, "header.site >> text=Register")
    watch.page.fill("#reg-username", "wren")
    watch.page.fill("#reg-password", PASSWORD)
    watch.page.fill("#reg-confirm", PASSWORD)
    submit(watch, "main button[type=submit]")
    assert watch.page.url == site.base + article
    assert watch.page.locator("header.site a.username").inner_text() == "wren"

    submit(watch, "header.site >> text=Log out")
    assert watch.page.locator("header.site a.username").count() == 0
    watch.goto(article)
    submit(watch, "header.site >> text=Log in")
    watch.page.fill("#login-username", "wren")
    watch.page.fill("#login-password", PASSWORD)
    submit(watch, "main button[type=submit]")
    assert watch.page.url == site.base + article

    watch.page.fill("#new-comment", "The harbour wall held, *just*.")
    submit(watch, "#comments .comment-form >> text=Post comment")
    first = watch.page.locator("#comments li.comment").first
    assert first.locator(".author").inner_text() == "wren"
    assert first.locator(".comment-body em").inner_text() == "just"
    comment_id = first.get_attribute("id")
    assert comment_id and watch.page.url.endswith(f"{article}#{comment_id}")

    first.locator("summary", has_text="Reply").click()
    watch.page.fill(f"#reply-{comment_id.removeprefix('comment-')}", "Replying to **myself**.")
    submit(watch, f"#{comment_id} .comment-actions button:text-is('Reply')")
    reply = watch.page.locator(f"#{comment_id} ol.replies li.comment")
    assert reply.count() == 1
    assert reply.locator(".comment-body strong").inner_text() == "myself"
    assert watch.page.locator(".comment-count").inner_text() == "2 comments"

    watch.goto("/")
    assert watch.page.locator(f"a.comment-link[href='{article}#comments']").inner_text() == "2 comments"
    watch.clean()
    assert watch.foreign == []


def vectors() -> list[str]:
    data = json.loads((TEST_DATA / "web" / "xss.json").read_text(encoding="utf-8"))
    return [*data["bodies"], *data["titles"], *data["authors"], *MARKDOWN_VECTORS]


def post_all(client: httpx.Client, site: Site, bodies: list[str]) -> list[int]:
    ids = []
    for body in bodies:
        token = csrf_from(client, "/me")
        response = client.post(
            f"/articles/{site.article_id}/comments", data={"csrf_token": token, "body": body}
        )
        assert response.status_code == 303, (body, response.status_code, response.text[:200])
        ids.append(int(response.headers["location"].rsplit("#comment-", 1)[1]))
    return ids


def log_in_browser(watch: Watch, client: httpx.Client | None) -> None:
    if client is not None:
        token = client.cookies[SESSION_COOKIE]
        watch.page.context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": watch.base}])


def check_inert(watch: Watch, path: str) -> None:
    """No script ran, and the comment bodies hold no active element, handler or script URL."""
    watch.goto(path)
    page = watch.page
    assert page.evaluate("typeof window.__xss") == "undefined", path
    bad = page.eval_on_selector_all(
        "#comments .comment-body",
        f"els => els.flatMap(e => [...e.querySelectorAll('{BAD_TAGS}')].map(x => x.outerHTML))",
    )
    assert bad == [], bad
    handlers = page.eval_on_selector_all(
        "#comments .comment-body *",
        "els => els.flatMap(e => [...e.attributes].map(a => a.name)).filter(n => n.startsWith('on'))",
    )
    assert handlers == [], handlers
    for href in page.eval_on_selector_all("#comments a[href]", "els => els.map(e => e.getAttribute('href'))"):
        assert not href.lower().lstrip().startswith(("javascript:", "vbscript:", "data:")), href


def test_comment_script_vectors_render_inert(site: Site, open_page: OpenPage) -> None:
    """Anonymous readers, the author (whose edit forms hold the raw text), another reader and a
    moderator (who sees held comments too) all get inert pages."""
    mallory = site.as_new("mallory")
    bodies = vectors()
    assert len(post_all(mallory, site, bodies)) == len(bodies)
    viewers = {
        "anonymous": None,
        "author": mallory,
        "reader": site.as_new("rhea"),
        "moderator": site.as_new("moe", Role.MODERATOR),
    }
    for name, client in viewers.items():
        watch = open_page(site.base)
        log_in_browser(watch, client)
        check_inert(watch, f"/articles/{site.article_id}")
        assert watch.page.locator("#comments li.comment").count() == len(bodies), name
        check_inert(watch, f"/articles/{site.article_id}/comments")
        watch.goto("/")
        assert watch.page.evaluate("typeof window.__xss") == "undefined", name
        assert watch.page.locator("header.site a.username").count() == (0 if client is None else 1), name
        watch.clean()
        assert watch.foreign == [], name
    own_page = mallory.get(f"/articles/{site.article_id}").text
    assert "</textarea><script>" not in own_page and "&lt;/textarea&gt;&lt;script&gt;" in own_page
