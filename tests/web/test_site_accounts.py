"""Accounts and comments wired into the pages: the header, comment sections, counts, read marks,
the page cache and the login redirect, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lxml import html as lxml_html

from gazette.models import Role
from gazette.web.auth import SESSION_COOKIE

from .accounts_support import Site, csrf_from, running_site

HTML = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with running_site(tmp_path, cache_seconds=60) as live:
        yield live


def page(client: httpx.Client, path: str) -> lxml_html.HtmlElement:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return lxml_html.fromstring(response.text)


def header_links(tree: lxml_html.HtmlElement) -> dict[str, str]:
    return {
        str(a.text_content()).strip(): str(a.get("href"))
        for a in tree.xpath("//header[@class='site']//nav[@class='account-links']//a")
    }


def post_comment(client: httpx.Client, target: str, body: str, parent: int | None = None) -> int:
    data = {"csrf_token": csrf_from(client, "/me"), "body": body}
    if parent is not None:
        data["parent_id"] = str(parent)
    response = client.post(target, data=data)
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("#comment-", 1)[1])


def test_header_shows_the_viewer_and_their_roles(site: Site) -> None:
    article = f"/articles/{site.article_id}"
    anonymous = page(site.client(), article)
    assert header_links(anonymous) == {
        "Log in": f"/login?next=%2Farticles%2F{site.article_id}",
        "Register": f"/register?next=%2Farticles%2F{site.article_id}",
    }
    assert anonymous.xpath("//head/link[@href='/static/accounts.css']")
    assert not anonymous.xpath("//main//link")
    reader = page(site.as_new("rita"), article)
    assert header_links(reader) == {"rita": "/me"}
    [logout] = reader.xpath("//header//form[@action='/logout']")
    assert logout.get("method") == "post" and logout.xpath(".//input[@name='csrf_token']/@value")[0]
    assert set(header_links(page(site.as_new("mona", Role.MODERATOR), "/"))) == {"mona", "Moderation"}
    assert set(header_links(page(site.as_new("adam", Role.ADMIN), "/"))) == {"adam", "Moderation", "Admin"}


def test_logout_from_the_header_form(site: Site) -> None:
    client = site.as_new("lou")
    tree = page(client, f"/articles/{site.article_id}")
    token = tree.xpath("//header//form[@action='/logout']//input[@name='csrf_token']/@value")[0]
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert "Log in" in header_links(page(client, "/"))


def test_cache_never_mixes_anonymous_and_logged_in_pages(site: Site) -> None:
    """The page cache is on (60 s): both orders, on the article and the front page."""
    article, anonymous = f"/articles/{site.article_id}", site.client()
    assert "Log in" in header_links(page(anonymous, article))
    kim = site.as_new("kim")
    assert kim.cookies.get(SESSION_COOKIE)
    mine = kim.get(article)
    assert header_links(lxml_html.fromstring(mine.text)) == {"kim": "/me"}
    assert mine.headers["cache-control"] == "private, no-store"
    assert lxml_html.fromstring(mine.text).xpath("//form[@class='comment-form']")
    assert "Log in" in header_links(page(anonymous, article))
    assert "kim" not in page(site.client(), article).text_content()
    assert header_links(page(kim, "/")) == {"kim": "/me"}
    assert "kim" not in header_links(page(site.client(), "/"))
    assert "cache-control" not in site.client().get("/").headers


def test_article_and_story_pages_carry_their_threads(site: Site) -> None:
    alice, bob = site.as_new("alice"), site.as_new("bob")
    first = post_comment(alice, f"/articles/{site.article_id}/comments", "First *words*")
    reply = post_comment(bob, f"/articles/{site.article_id}/comments", "A reply", parent=first)
    on_story = post_comment(bob, f"/stories/{site.story_id}/comments", "About the story")
    tree = page(bob, f"/articles/{site.article_id}")
    [section] = tree.xpath("//section[@id='comments']")
    assert section.xpath(f".//li[@id='comment-{first}']//em/text()") == ["words"]
    assert section.xpath(f".//li[@id='comment-{first}']//li[@id='comment-{reply}']")
    assert section.xpath(".//p[contains(@class,'comment-count')]/text()") == ["2 comments"]
    assert section.xpath(f".//form[@action='/articles/{site.article_id}/comments']")
    story = page(site.client(), f"/stories/{site.story_id}")
    [story_section] = story.xpath("//section[@id='comments']")
    assert story_section.xpath(f".//li[@id='comment-{on_story}']")
    assert f"/login?next=/stories/{site.story_id}" in story_section.xpath(".//a/@href")


def test_front_page_counts_comments_on_articles_and_story_cards(site: Site) -> None:
    ada = site.as_new("ada")
    for body in ("one", "two"):
        post_comment(ada, f"/articles/{site.article_id}/comments", body)
    post_comment(ada, f"/stories/{site.story_id}/comments", "story talk")
    site.store.update_story(site.story_id)  # counts its article, so the front page shows its card
    tree = page(ada, "/")
    links = {str(a.get("href")): str(a.text_content()) for a in tree.xpath("//a[@class='comment-link']")}
    assert links == {
        f"/articles/{site.article_id}#comments": "2 comments",
        f"/stories/{site.story_id}#comments": "1 comment",
    }


def test_opening_an_article_marks_it_read(site: Site) -> None:
    reader = site.as_new("reed")
    user = site.store.user_by_name("reed")
    assert user is not None and user.id is not None
    assert site.store.article_state(user.id, site.article_id) == (False, False)
    page(reader, f"/articles/{site.article_id}")
    assert site.store.article_state(user.id, site.article_id)[0] is True
    unread = page(reader, "/me/unread")
    assert f"/articles/{site.article_id}" not in unread.xpath("//main//a/@href")


def test_browsers_needing_a_login_are_redirected_and_sent_back(site: Site) -> None:
    site.user("nina")
    client = site.client()
    response = client.get("/me/unread?page=1", headers=HTML)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fme%2Funread%3Fpage%3D1"
    login = page(client, response.headers["location"])
    assert login.xpath("//input[@name='next']/@value") == ["/me/unread?page=1"]
    back = client.post(
        "/login",
        data={
            "csrf_token": login.xpath("//input[@name='csrf_token']/@value")[0],
            "username": "nina",
            "password": "correct horse battery",
            "next": "/me/unread?page=1",
        },
    )
    assert back.status_code == 303 and back.headers["location"] == "/me/unread?page=1"


@pytest.mark.parametrize("accept", ["application/json", "*/*", None])
def test_api_and_script_clients_keep_a_json_401(site: Site, accept: str | None) -> None:
    response = site.client().get("/me", headers={"accept": accept} if accept else {})
    assert response.status_code == 401
    assert response.json() == {"detail": "Log in first."}


def test_posting_without_login_stays_401(site: Site) -> None:
    response = site.client().post(f"/articles/{site.article_id}/comments", data={"body": "x"}, headers=HTML)
    assert response.status_code in (401, 403)


def test_swagger_ui_is_off_and_the_schema_is_served(site: Site) -> None:
    client = site.client()
    assert client.get("/api/docs").status_code == 404
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200 and "/api/articles/{article_id}" in schema.json()["paths"]
