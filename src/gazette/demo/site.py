"""Render one demo publisher's whole site (home page, article pages, feed, favicon, images).

Everything is rendered once when the publisher starts, so each response has a
stable body and therefore a stable strong ETag. The chrome around each article
(share counts, comments, ads, promos) is invented but deterministic: it is
derived from the article id, never from a random generator.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
import unicodedata
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from gazette.demo.feeds import FEED_CONTENT_TYPES, FeedChannel, FeedItem, feed_document
from gazette.demo.profiles import FEED_MIME_TYPES, Profile

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
HTML_TYPE = "text/html; charset=utf-8"
HOME_PAGE_ITEMS = 30
SUMMARY_CHARS = 220

AD_TEXTS = (
    "Refinance today: rates as low as you'd never believe. Check your eligibility in 60 seconds.",
    "The mattress 2 million sleepers swear by - now 40% off for a limited time.",
    "Doctors stunned: this one simple habit could add years to your life.",
    "Upgrade your kitchen this season. Free delivery on orders over $50.",
    "Learn a new language in 3 weeks. Try the app everyone is talking about.",
    "Compare flights and save up to 60% on your next getaway.",
    "Seniors in your area are switching to this car insurance plan.",
)
NEWSLETTER_PITCHES = (
    "The day's most important stories, delivered to your inbox every morning.",
    "Our editors' picks, every weekday at 6 a.m. Free for subscribers and non-subscribers alike.",
    "Start your morning with the headlines that matter - no spam, ever.",
)
COMMENTERS = (
    "harborwatcher",
    "J. Melendez",
    "quietreader42",
    "Pat O'Connell",
    "Skeptical in Suburbia",
    "linda_k",
    "TheRealBob",
    "Marguerite V.",
    "northsider",
    "oldnewsman",
)
COMMENT_TEXTS = (
    "Thanks for covering this. You won't see it reported this clearly anywhere else.",
    "I'll believe it when I see it.",
    "Does anyone know if there's going to be a follow-up on this?",
    "Great reporting as always. Sharing with my family.",
    "This paper keeps burying the real story. Unsubscribing.",
    "First!",
    "My cousin lives near there and says it's even worse than described.",
    "Who else is reading this on their lunch break?",
    "Can we please get fewer ads on this site? It's unreadable on my phone.",
    "Sad news. Thoughts are with everyone affected.",
)
EDITORS = ("Karen Hale", "Michael Ostrow", "Ines Barros")
CAPTIONS = (
    "The scene earlier this week.",
    "A file image used for illustration.",
    "Officials spoke to reporters on Tuesday.",
    "Residents gathered as news spread.",
)


@dataclass(frozen=True, slots=True)
class Resource:
    """One servable response body with its validators."""

    body: bytes
    content_type: str
    last_modified: datetime
    etag: str


@dataclass(frozen=True, slots=True)
class SiteArticle:
    id: str
    title: str
    author: str
    paragraphs: tuple[str, ...]
    published: datetime
    origin: str
    origin_url: str | None
    event: str | None
    image: str | None
    path: str


def stable_number(*parts: str) -> int:
    digest = hashlib.sha256("|".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def make_resource(body: bytes, content_type: str, last_modified: datetime) -> Resource:
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return Resource(body=body, content_type=content_type, last_modified=last_modified, etag=etag)


# ---------------------------------------------------------------- content


def load_bundled_articles() -> list[dict[str, Any]]:
    """The rows of ``content/articles.jsonl`` (built by ``gazette.demo.build_content``)."""
    text = resources.files("gazette.demo").joinpath("content/articles.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def bundled_file(relative: str) -> bytes:
    return resources.files("gazette.demo").joinpath("content", relative).read_bytes()


def slugify(title: str, max_words: int = 8) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    return "-".join(words[:max_words]) or "story"


def article_path(profile: Profile, article_id: str, title: str, published: datetime) -> str:
    return profile.article_path.format(
        y=f"{published.year:04d}",
        m=f"{published.month:02d}",
        d=f"{published.day:02d}",
        slug=slugify(title),
        id=article_id,
    )


def site_articles(profile: Profile, rows: list[dict[str, Any]], now: datetime) -> list[SiteArticle]:
    """This publisher's articles, newest first, with publication times relative to ``now``."""
    articles = []
    for row in rows:
        if row["publisher"] != profile.slug:
            continue
        published = now - timedelta(minutes=int(row["age_minutes"]))
        articles.append(
            SiteArticle(
                id=row["id"],
                title=row["title"],
                author=row["author"],
                paragraphs=tuple(p for p in row["text"].split("\n\n") if p.strip()),
                published=published,
                origin=row["origin"],
                origin_url=row["origin_url"],
                event=row["event"],
                image=row["image"],
                path=article_path(profile, row["id"], row["title"], published),
            )
        )
    articles.sort(key=lambda a: (a.published, a.id), reverse=True)
    return articles


def summary_of(article: SiteArticle, limit: int = SUMMARY_CHARS) -> str:
    first = article.paragraphs[0] if article.paragraphs else ""
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "\u2026"


def content_html(article: SiteArticle) -> str:
    return "".join(f"<p>{escape(p)}</p>" for p in article.paragraphs)


# ---------------------------------------------------------------- time formats


def iso_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def human_time(moment: datetime) -> str:
    return f"{moment:%B} {moment.day}, {moment:%Y} {moment:%H:%M} UTC"


def age_label(moment: datetime, now: datetime) -> str:
    minutes = int((now - moment).total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60}h ago"
    return f"{minutes // 1440} days ago"


def share_label(count: int) -> str:
    if count >= 1000:
        return f"{count / 1000:.1f}k shares"
    return f"{count} shares"


# ---------------------------------------------------------------- chrome


def teaser(article: SiteArticle, now: datetime) -> dict[str, str]:
    return {"path": article.path, "title": article.title, "age": age_label(article.published, now)}


def chrome_for(
    profile: Profile, article: SiteArticle, others: list[SiteArticle], now: datetime
) -> dict[str, Any]:
    """Invented, deterministic page furniture for one article."""
    seed = stable_number(profile.slug, article.id)
    count = len(others)
    picks = [others[(seed // (7**k) + k) % count] for k in range(8)] if count else []
    unique: list[SiteArticle] = []
    for pick in picks:
        if pick.id != article.id and pick not in unique:
            unique.append(pick)
    comment_count = 3 + seed % 240
    comments = [
        {
            "name": COMMENTERS[(seed + k * 3) % len(COMMENTERS)],
            "text": COMMENT_TEXTS[(seed // 11 + k * 7) % len(COMMENT_TEXTS)],
            "when": f"{1 + (seed // (k + 2)) % 23}h ago",
            "likes": (seed // (k + 5)) % 90,
        }
        for k in range(2 + seed % 3)
    ]
    words = sum(len(p.split()) for p in article.paragraphs)
    return {
        "shares": share_label(40 + seed % 9000),
        "comment_count": comment_count,
        "comments": comments,
        "related": [teaser(a, now) for a in unique[:4]],
        "promos": [teaser(a, now) for a in unique[4:6]],
        "trending": [teaser(a, now) for a in others[:5]],
        "ads": [AD_TEXTS[(seed + k) % len(AD_TEXTS)] for k in range(3)],
        "pitch": NEWSLETTER_PITCHES[seed % len(NEWSLETTER_PITCHES)],
        "editor": EDITORS[seed % len(EDITORS)],
        "read_minutes": max(1, round(words / 230)),
        "today": f"{now:%A}, {now:%B} {now.day}, {now:%Y}",
        "updated_human": human_time(article.published + timedelta(minutes=5 + seed % 50)),
        "dateline": f"{article.published:%b}. {article.published.day}".upper(),
        "standfirst": summary_of(article, 140),
        "why": "Our editors picked this story as one of today's most important developments.",
    }


def json_ld(profile: Profile, article: SiteArticle, url: str, image_url: str | None, site_url: str) -> Markup:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "datePublished": iso_time(article.published),
        "dateModified": iso_time(article.published),
        "author": [{"@type": "Person", "name": article.author}],
        "publisher": {
            "@type": "NewsMediaOrganization",
            "name": profile.name,
            "logo": {"@type": "ImageObject", "url": site_url + "favicon.ico"},
        },
        "mainEntityOfPage": url,
        "inLanguage": "en",
    }
    if image_url:
        data["image"] = [image_url]
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return Markup(text)  # noqa: S704 - JSON with "</" escaped cannot close the script element


# ---------------------------------------------------------------- rendering


@cache
def template_environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def site_context(profile: Profile, site_url: str, feed_url: str) -> dict[str, Any]:
    return {
        "slug": profile.slug,
        "name": profile.name,
        "tagline": profile.tagline,
        "accent": profile.accent,
        "background": profile.background,
        "font": profile.font,
        "feed_type": FEED_MIME_TYPES[profile.feed_format],
        "feed_url": feed_url,
        "sections": profile.sections,
        "json_ld": profile.json_ld,
        "url": site_url,
    }


def article_context(profile: Profile, article: SiteArticle, site_url: str) -> dict[str, Any]:
    url = site_url.rstrip("/") + article.path
    image_url = site_url + article.image if article.image else None
    seed = stable_number("caption", article.id)
    return {
        "id": article.id,
        "title": article.title,
        "author": article.author,
        "author_slug": slugify(article.author),
        "paragraphs": article.paragraphs,
        "url": url,
        "path": article.path,
        "summary": summary_of(article),
        "published_iso": iso_time(article.published),
        "published_human": human_time(article.published),
        "image_url": image_url,
        "image_path": "/" + article.image if article.image else None,
        "caption": CAPTIONS[seed % len(CAPTIONS)],
        "section": profile.sections[seed % len(profile.sections)],
        "origin": article.origin,
        "origin_url": article.origin_url,
        "json_ld": json_ld(profile, article, url, image_url, site_url),
    }


def render_article(
    profile: Profile, article: SiteArticle, others: list[SiteArticle], site: dict[str, Any], now: datetime
) -> str:
    template = template_environment().get_template(profile.template)
    return template.render(
        site=site,
        article=article_context(profile, article, site["url"]),
        chrome=chrome_for(profile, article, others, now),
    )


def render_home(profile: Profile, articles: list[SiteArticle], site: dict[str, Any], now: datetime) -> str:
    items = [
        {
            "path": a.path,
            "title": a.title,
            "author": a.author,
            "summary": summary_of(a),
            "published_iso": iso_time(a.published),
            "published_human": human_time(a.published),
        }
        for a in articles[:HOME_PAGE_ITEMS]
    ]
    seed = stable_number("home", profile.slug)
    return (
        template_environment()
        .get_template("home.html")
        .render(
            site=site,
            items=items,
            today=f"{now:%A}, {now:%B} {now.day}, {now:%Y}",
            ad=AD_TEXTS[seed % len(AD_TEXTS)],
            pitch=NEWSLETTER_PITCHES[seed % len(NEWSLETTER_PITCHES)],
        )
    )


def feed_channel(profile: Profile, articles: list[SiteArticle], site_url: str, feed_url: str) -> FeedChannel:
    host = site_url.split("://", 1)[1].rstrip("/")
    items = tuple(
        FeedItem(
            id=a.id,
            url=site_url.rstrip("/") + a.path,
            title=a.title,
            author=a.author,
            published=a.published,
            summary=summary_of(a),
            content_html=content_html(a),
            image_url=site_url + a.image if a.image else None,
        )
        for a in articles
    )
    return FeedChannel(
        title=profile.name,
        description=profile.tagline,
        site_url=site_url,
        feed_url=feed_url,
        host=host.split(":", 1)[0],
        email=f"newsroom@{profile.slug}.example",
        updated=max((a.published for a in articles), default=datetime(2026, 1, 1)),
        items=items,
    )


def favicon_bytes(accent: str) -> bytes:
    """A 16x16 ICO (with a PNG inside) filled with the publisher's accent colour."""
    rgb = bytes(int(accent[i : i + 2], 16) for i in (1, 3, 5))
    row = b"\x00" + rgb * 16

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * 16))
        + chunk(b"IEND", b"")
    )
    header = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", 16, 16, 0, 0, 1, 32, len(png), 6 + 16)
    return header + entry + png


def build_site(
    profile: Profile, rows: list[dict[str, Any]], site_url: str, feed_url: str, now: datetime
) -> tuple[list[SiteArticle], dict[str, Resource]]:
    """All of a publisher's responses, keyed by request path."""
    articles = site_articles(profile, rows, now)
    site = site_context(profile, site_url, feed_url)
    newest = max((a.published for a in articles), default=now)
    routes: dict[str, Resource] = {}
    home = render_home(profile, articles, site, now).encode("utf-8")
    routes["/"] = make_resource(home, HTML_TYPE, newest)
    for article in articles:
        page = render_article(profile, article, articles, site, now).encode("utf-8")
        routes[article.path] = make_resource(page, HTML_TYPE, article.published)
    feed = feed_document(profile.feed_format, feed_channel(profile, articles, site_url, feed_url))
    routes[profile.feed_path] = make_resource(
        feed.encode("utf-8"), FEED_CONTENT_TYPES[profile.feed_format], newest
    )
    routes["/favicon.ico"] = make_resource(favicon_bytes(profile.accent), "image/x-icon", now)
    for image in sorted({a.image for a in articles if a.image}):
        routes["/" + image] = make_resource(bundled_file(image), "image/png", now)
    robots = b"User-agent: *\nAllow: /\n"
    routes["/robots.txt"] = make_resource(robots, "text/plain; charset=utf-8", now)
    return articles, routes
