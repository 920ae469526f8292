"""Comments over real HTTP: post, reply, edit, delete, report, like, sort, page, limits and XSS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lxml import html as lxml_html

from gazette.models import CommentStatus
from gazette.web.markdown import count_links, render_markdown

from .accounts_support import Site, csrf_from, running_site


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with running_site(
        tmp_path, comments_per_user=4, comments_per_ip=6, thread_page_size=3, max_depth=3
    ) as live:
        yield live


def post(client: httpx.Client, site: Site, body: str, parent: int | None = None, story: bool = False) -> int:
    """Post a comment; returns its id from the redirect's fragment."""
    target = f"/stories/{site.story_id}/comments" if story else f"/articles/{site.article_id}/comments"
    data = {"csrf_token": csrf_from(client, "/me"), "body": body}
    if parent is not None:
        data["parent_id"] = str(parent)
    response = client.post(target, data=data)
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("#comment-", 1)[1])


def act(client: httpx.Client, path: str, **data: str) -> httpx.Response:
    return client.post(path, data={"csrf_token": csrf_from(client, "/me"), **data})


def thread(client: httpx.Client, site: Site, query: str = "") -> lxml_html.HtmlElement:
    response = client.get(f"/articles/{site.article_id}/comments{query}")
    assert response.status_code == 200
    return lxml_html.fromstring(response.text)


def test_post_reply_and_read_a_thread(site: Site) -> None:
    alice = site.as_new("alice")
    bob = site.as_new("bob")
    first = post(alice, site, "Hello *world*")
    reply = post(bob, site, "> Hello\n\nAgreed, **strongly**.", parent=first)
    page = thread(site.client(), site)
    [top] = page.xpath(f"//li[@id='comment-{first}']")
    assert top.xpath(".//span[@class='author']/text()")[0] == "alice"
    assert top.xpath(".//div[@class='comment-body']/p/em/text()") == ["world"]
    [nested] = top.xpath(f".//ol[contains(@class,'replies')]/li[@id='comment-{reply}']")
    assert nested.xpath(".//blockquote/p/text()") == ["Hello"]
    assert nested.xpath(".//strong/text()") == ["strongly"]
    assert page.xpath("//p[contains(@class,'comment-count')]/text()") == ["2 comments"]
    assert "Log in" in lxml_html.tostring(page, encoding="unicode")
    assert site.store.comment_counts([site.article_id]) == {site.article_id: 2}


def test_story_comments_have_their_own_thread(site: Site) -> None:
    alice = site.as_new("alice")
    cid = post(alice, site, "On the story", story=True)
    page = alice.get(f"/stories/{site.story_id}/comments").text
    assert f'id="comment-{cid}"' in page
    assert f'id="comment-{cid}"' not in alice.get(f"/articles/{site.article_id}/comments").text
    assert site.store.story_comment_counts([site.story_id]) == {site.story_id: 1}


def test_replies_past_the_depth_limit_join_their_parents_siblings(site: Site) -> None:
    alice = site.as_new("alice")
    ids = [post(alice, site, "level 0")]
    for level in range(1, 4):
        ids.append(post(alice, site, f"level {level}", parent=ids[-1]))
    deepest = site.store.get_comment(ids[3])
    assert deepest is not None and deepest.parent_id == ids[1]
    classes = thread(alice, site).xpath(f"//li[@id='comment-{ids[3]}']/@class")[0]
    assert "depth-2" in classes


def test_edit_within_the_window_shows_edited_then_closes(site: Site) -> None:
    alice = site.as_new("alice")
    cid = post(alice, site, "frist")
    assert act(alice, f"/comments/{cid}/edit", body="first").status_code == 303
    page = thread(alice, site)
    assert page.xpath(f"//li[@id='comment-{cid}']//div[@class='comment-body']/p/text()") == ["first"]
    assert page.xpath(f"//li[@id='comment-{cid}']//span[@class='edited']/text()") == ["edited"]
    site.clock.advance(site.limits.edit_window_seconds + 1)
    assert act(alice, f"/comments/{cid}/edit", body="too late").status_code == 403
    assert not thread(alice, site).xpath(f"//form[@action='/comments/{cid}/edit']")


def test_nobody_edits_or_deletes_anothers_comment(site: Site) -> None:
    alice, bob = site.as_new("alice"), site.as_new("bob")
    cid = post(alice, site, "mine")
    assert act(bob, f"/comments/{cid}/edit", body="yours now").status_code == 403
    assert act(bob, f"/comments/{cid}/delete").status_code == 403
    assert act(bob, "/comments/999999/edit", body="x").status_code == 404
    anonymous = site.client()
    token = csrf_from(anonymous, "/login")
    assert anonymous.post(f"/comments/{cid}/delete", data={"csrf_token": token}).status_code == 401
    assert (
        anonymous.post(
            f"/articles/{site.article_id}/comments", data={"csrf_token": token, "body": "x"}
        ).status_code
        == 401
    )
    stored = site.store.get_comment(cid)
    assert stored is not None and stored.body == "mine" and stored.status is CommentStatus.VISIBLE
    assert not thread(bob, site).xpath(
        f"//form[@action='/comments/{cid}/edit' or @action='/comments/{cid}/delete']"
    )


def test_soft_delete_keeps_replies_in_place(site: Site) -> None:
    alice, bob = site.as_new("alice"), site.as_new("bob")
    first = post(alice, site, "secret thoughts")
    reply = post(bob, site, "a reply", parent=first)
    lonely = post(alice, site, "lonely")
    assert act(alice, f"/comments/{first}/delete").status_code == 303
    assert act(alice, f"/comments/{lonely}/delete").status_code == 303
    page = thread(bob, site)
    text = lxml_html.tostring(page, encoding="unicode")
    assert "secret thoughts" not in text and "[deleted]" in text
    assert page.xpath(f"//li[@id='comment-{first}']//li[@id='comment-{reply}']")
    assert not page.xpath(f"//li[@id='comment-{lonely}']")
    assert (
        act(bob, f"/articles/{site.article_id}/comments", body="late", parent_id=str(first)).status_code
        == 400
    )


def test_report_and_like(site: Site) -> None:
    alice, bob = site.as_new("alice"), site.as_new("bob")
    cid = post(alice, site, "contested")
    assert act(bob, f"/comments/{cid}/report", reason="rude").status_code == 303
    assert act(bob, f"/comments/{cid}/report", reason="again").status_code == 303
    [reported] = site.store.reported_comments()
    assert reported.reports == 1 and reported.reasons == ["rude"]
    assert act(bob, f"/comments/{cid}/like").status_code == 303
    assert act(alice, f"/comments/{cid}/like").status_code == 400
    assert "1 like" in thread(bob, site).xpath(f"//li[@id='comment-{cid}']//span[@class='likes']/text()")[0]


def test_sort_orders_and_pages(site: Site) -> None:
    alice, bob = site.as_new("alice"), site.as_new("bob")
    ids = [post(alice, site, f"comment {n}") for n in range(4)]
    act(bob, f"/comments/{ids[2]}/like")

    def shown(query: str) -> list[int]:
        items = thread(bob, site, query).xpath("//ol[@class='comments']/li/@id")
        return [int(item.split("-")[1]) for item in items]

    assert shown("") == ids[:3]
    assert shown("?cpage=2") == ids[3:]
    assert shown("?csort=newest") == ids[::-1][:3]
    assert shown("?csort=top")[0] == ids[2]
    assert bob.get(f"/articles/{site.article_id}/comments?csort=worst").status_code == 422


def test_posting_rate_limits_trigger_and_reset(site: Site) -> None:
    alice = site.as_new("alice")
    for n in range(4):
        post(alice, site, f"n{n}")
    assert act(alice, f"/articles/{site.article_id}/comments", body="one more").status_code == 429
    site.clock.advance(site.limits.comment_window_seconds + 1)
    post(alice, site, "after the window")
    post(alice, site, "and another")
    bob, carol = site.as_new("bob"), site.as_new("carol")
    for n in range(3):
        post(bob, site, f"bob {n}")
    post(carol, site, "carol's first")
    assert site.store.count_user_comments(carol_id(site)) == 1
    assert act(carol, f"/articles/{site.article_id}/comments", body="same IP").status_code == 429


def carol_id(site: Site) -> int:
    user = site.store.user_by_name("carol")
    assert user is not None and user.id is not None
    return user.id


def test_links_and_first_comments_are_held_for_review(tmp_path: Path) -> None:
    with running_site(tmp_path, hold_first_comments=True, max_links_per_comment=1) as live:
        alice = live.as_new("alice")
        first = post(alice, live, "hello")
        assert (live.store.get_comment(first) or pytest.fail("missing")).status is CommentStatus.HELD
        mine = thread(alice, live)
        assert mine.xpath(f"//li[@id='comment-{first}']//span[@class='badge']/text()") == ["awaiting review"]
        assert not thread(live.client(), live).xpath(f"//li[@id='comment-{first}']")
        live.store.set_comment_status(first, CommentStatus.VISIBLE)
        second = post(alice, live, "no links")
        spam = post(alice, live, "see https://a.example and www.b.example")
        assert (live.store.get_comment(second) or pytest.fail("missing")).status is CommentStatus.VISIBLE
        assert (live.store.get_comment(spam) or pytest.fail("missing")).status is CommentStatus.HELD


XSS_BODIES = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<button formaction="javascript:alert(1)">x</button>',
    "<video onloadstart=alert(1)><source></video>",
    "[click](javascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html,<script>alert(1)</script>)",
    '[x](https://a.example/" onmouseover="alert(1))',
    '<a href="javascript:alert(1)">x</a>',
    '<div style="width: expression(alert(1))">css</div>',
    "`<script>alert(1)</script>`",
    "**<b onclick=alert(1)>bold</b>**",
]


def test_xss_vectors_in_comments_render_inert(tmp_path: Path) -> None:
    with running_site(tmp_path, comments_per_user=100, comments_per_ip=100) as site:
        alice = site.as_new("alice")
        for body in XSS_BODIES:
            post(alice, site, body)
        page = thread(alice, site)
    assert_inert(page)


def assert_inert(page: lxml_html.HtmlElement) -> None:
    bodies = page.xpath("//div[@class='comment-body']")
    assert len(bodies) == len(XSS_BODIES)
    for body in bodies:
        assert not body.xpath(
            ".//script|.//svg|.//iframe|.//img|.//button|.//video|.//object|.//embed|.//style"
        )
        for element in body.iter():
            for name, value in element.attrib.items():
                assert not name.lower().startswith("on"), lxml_html.tostring(body)
                assert name.lower() != "style"
                assert not value.strip().lower().startswith(("javascript:", "vbscript:", "data:"))
    assert "alert(1)" in lxml_html.tostring(page, encoding="unicode")  # shown as text, not dropped silently


def test_markdown_subset() -> None:
    assert render_markdown("a *b* **c** `d`") == "<p>a <em>b</em> <strong>c</strong> <code>d</code></p>"
    assert render_markdown("- one\n- two") == "<ul><li>one</li><li>two</li></ul>"
    assert render_markdown("1. one\n2. two") == "<ol><li>one</li><li>two</li></ol>"
    assert render_markdown("> quoted") == "<blockquote><p>quoted</p></blockquote>"
    assert render_markdown("p1\n\np2") == "<p>p1</p><p>p2</p>"
    assert render_markdown("`**not bold**`") == "<p><code>**not bold**</code></p>"
    linked = lxml_html.fragment_fromstring(render_markdown("[site](https://a.example/?x=1&y=2)"))
    [anchor] = linked.xpath("//a")
    assert anchor.get("href") == "https://a.example/?x=1&y=2" and "nofollow" in anchor.get("rel", "")
    assert render_markdown("   ") == ""
    assert count_links("https://a.example http://b.example www.c.example d.example") == 3
