"""Finding the feeds behind a URL a user typed, and adding them."""

from __future__ import annotations

from gazette.ingest.discover import DiscoveredFeed, candidate_paths, discover_feeds, looks_like_feed
from gazette.ingest.feeds import FeedParseError, parse_feed
from gazette.ingest.fetch import Fetcher, FetchError
from gazette.models import Feed
from gazette.store import Store


class NoFeedFound(Exception):
    pass


async def find_feeds(fetcher: Fetcher, url: str) -> list[DiscoveredFeed]:
    """The feed at ``url``, or the feeds a site at ``url`` advertises or serves at common paths."""
    result = await fetcher.get(url)
    if looks_like_feed(result.content, result.content_type):
        return [DiscoveredFeed(url=result.url, title=_feed_title(result.content, result.url), type="feed")]
    found = discover_feeds(result.content, result.url)
    if found:
        return found
    for candidate in candidate_paths(result.url):
        try:
            probe = await fetcher.get(candidate)
        except FetchError:
            continue
        if looks_like_feed(probe.content, probe.content_type):
            return [DiscoveredFeed(url=probe.url, title=_feed_title(probe.content, probe.url), type="feed")]
    raise NoFeedFound(f"no feed found at {url} (no feed links in the page, none at the usual paths)")


def _feed_title(content: bytes, url: str) -> str | None:
    try:
        return parse_feed(content, url=url).title
    except FeedParseError:
        return None


def subscribe(
    store: Store, feeds: list[DiscoveredFeed], category: str | None = None
) -> list[tuple[Feed, bool]]:
    """Store the chosen feeds; returns each with whether it was new."""
    return [store.add_feed(Feed(url=found.url, title=found.title, category=category)) for found in feeds]
