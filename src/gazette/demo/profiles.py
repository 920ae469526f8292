"""The bundled demo publishers: who they are, how their feeds and pages look.

Shared by the content builder (which needs slugs and staff names for bylines)
and the server (which needs everything else). Plain data, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FeedFormat(StrEnum):
    RSS2_FULL = "rss2-full"
    """RSS 2.0 with the full article HTML in ``content:encoded``."""
    RSS2_SUMMARY = "rss2-summary"
    """RSS 2.0 with only a short ``<description>``: readers must fetch the page."""
    ATOM_FULL = "atom-full"
    ATOM_SUMMARY = "atom-summary"
    JSON_FEED = "json-feed"
    RSS1_RDF = "rss1-rdf"


FEED_MIME_TYPES: dict[FeedFormat, str] = {
    FeedFormat.RSS2_FULL: "application/rss+xml",
    FeedFormat.RSS2_SUMMARY: "application/rss+xml",
    FeedFormat.ATOM_FULL: "application/atom+xml",
    FeedFormat.ATOM_SUMMARY: "application/atom+xml",
    FeedFormat.JSON_FEED: "application/feed+json",
    FeedFormat.RSS1_RDF: "application/rdf+xml",
}


@dataclass(frozen=True, slots=True)
class Profile:
    """Everything that makes one demo publisher look different from the others."""

    slug: str
    name: str
    tagline: str
    feed_format: FeedFormat
    feed_path: str
    article_path: str
    """A ``str.format`` pattern with ``{y}``, ``{m}``, ``{d}``, ``{slug}`` and ``{id}``."""
    template: str
    accent: str
    background: str
    font: str
    json_ld: bool
    staff: tuple[str, ...]
    sections: tuple[str, ...]


PROFILES: tuple[Profile, ...] = (
    Profile(
        slug="daily-ledger",
        name="The Daily Ledger",
        tagline="Accounts of the day, since 1887",
        feed_format=FeedFormat.RSS2_FULL,
        feed_path="/feed.xml",
        article_path="/{y}/{m}/{d}/{slug}-{id}.html",
        template="article_ledger.html",
        accent="#8b1e1e",
        background="#fbf8f1",
        font="Georgia, 'Times New Roman', serif",
        json_ld=True,
        staff=("Margaret Hollis", "Daniel Okafor", "Priya Raman", "Thomas Weld"),
        sections=("World", "Nation", "Business", "Culture", "Opinion"),
    ),
    Profile(
        slug="harbor-city-times",
        name="Harbor City Times",
        tagline="News from the waterfront and beyond",
        feed_format=FeedFormat.RSS2_SUMMARY,
        feed_path="/rss",
        article_path="/news/{y}/{m}/{d}/{slug}-{id}",
        template="article_harbor.html",
        accent="#0b5d8c",
        background="#ffffff",
        font="Helvetica, Arial, sans-serif",
        json_ld=False,
        staff=("Lucia Fernandes", "Ben Achterberg", "Grace Nakamura"),
        sections=("Local", "Port & Transit", "Sports", "Weather", "Obituaries"),
    ),
    Profile(
        slug="northern-wire",
        name="Northern Wire",
        tagline="Fast, factual, first",
        feed_format=FeedFormat.ATOM_FULL,
        feed_path="/atom.xml",
        article_path="/wire/{id}/{slug}",
        template="article_wire.html",
        accent="#1f6f43",
        background="#f4f6f5",
        font="'Trebuchet MS', Verdana, sans-serif",
        json_ld=True,
        staff=("Wire Staff", "Erik Lindqvist", "Aino Korhonen", "Sam Whitaker"),
        sections=("Latest", "Markets", "Politics", "Science", "Tech"),
    ),
    Profile(
        slug="metro-gazette",
        name="Metro Gazette Online",
        tagline="Your city, your stories",
        feed_format=FeedFormat.JSON_FEED,
        feed_path="/feed.json",
        article_path="/metro/{y}/{m}/{d}/{slug}-{id}/",
        template="article_metro.html",
        accent="#d9480f",
        background="#fff9f5",
        font="'Segoe UI', Roboto, sans-serif",
        json_ld=False,
        staff=("Jasmine Cole", "Victor Amado", "Hannah Brightwell"),
        sections=("Metro", "Entertainment", "Food", "Crime", "Lifestyle"),
    ),
    Profile(
        slug="evening-post-dispatch",
        name="The Evening Post-Dispatch",
        tagline="The evening paper of record",
        feed_format=FeedFormat.RSS1_RDF,
        feed_path="/index.rdf",
        article_path="/story/{slug}-{id}.html",
        template="article_evening.html",
        accent="#333366",
        background="#f7f7fa",
        font="'Palatino Linotype', Palatino, serif",
        json_ld=True,
        staff=("Arthur Pembridge", "Cecilia Duarte", "Nora Fitzgerald", "Raymond Choi"),
        sections=("Front Page", "Courts", "Statehouse", "Sports", "Letters"),
    ),
    Profile(
        slug="global-brief",
        name="Global Brief",
        tagline="The world in five minutes",
        feed_format=FeedFormat.ATOM_SUMMARY,
        feed_path="/feeds/all.atom",
        article_path="/brief/{y}-{m}-{d}/{slug}-{id}.html",
        template="article_brief.html",
        accent="#5b2a86",
        background="#ffffff",
        font="system-ui, sans-serif",
        json_ld=False,
        staff=("Global Brief Desk", "Amara Diallo", "Kenji Sato"),
        sections=("Briefing", "Europe", "Americas", "Asia-Pacific", "Africa"),
    ),
)


def profile_slugs() -> list[str]:
    return [profile.slug for profile in PROFILES]


def profile_by_slug(slug: str) -> Profile:
    for profile in PROFILES:
        if profile.slug == slug:
            return profile
    raise KeyError(slug)
