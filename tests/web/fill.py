"""A store filled through the Store API with every kind of record the pages render."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape

import numpy as np

from gazette.models import Article, Feed, FeedStatus, Quote, QuoteKind, Source
from gazette.store import EntityMention, Store


@dataclass(slots=True)
class Filled:
    sources: list[int] = field(default_factory=list)
    feeds: list[int] = field(default_factory=list)
    articles: dict[str, int] = field(default_factory=dict)
    story: int = 0
    lonely_story: int = 0
    people: dict[str, int] = field(default_factory=dict)


def vector(seed: int) -> bytes:
    """A normalized 384-d float16 vector, as the enrich stage stores them."""
    values = np.random.default_rng(seed).standard_normal(384).astype(np.float32)
    return (values / np.linalg.norm(values)).astype(np.float16).tobytes()


def add_source(store: Store, name: str, host: str, favicon: str | None = None) -> tuple[int, int]:
    source = store.source_for(
        Source(key=f"https://{host}:443", name=name, site_url=f"https://{host}/", favicon_url=favicon)
    )
    assert source.id is not None
    feed, _ = store.add_feed(Feed(url=f"https://{host}/feed.xml", source_id=source.id, title=f"{name} news"))
    assert feed.id is not None
    return source.id, feed.id


def add_article(
    store: Store,
    feed_id: int,
    source_id: int,
    slug: str,
    title: str,
    minutes_ago: int,
    *,
    html: str | None = None,
    text: str = "",
    author: str | None = None,
    language: str = "en",
    image: str | None = None,
) -> int:
    host = store.get_source(source_id)
    assert host is not None
    url = f"{host.site_url}{slug}"
    article = Article(
        url=url,
        canonical_url=url,
        title=title,
        source_id=source_id,
        feed_id=feed_id,
        author=author,
        published=datetime.now(UTC) - timedelta(minutes=minutes_ago),
        fetched=datetime.now(UTC),
        language=language,
        text=text or f"{title}. The body of {slug}.",
        html=f"<p>{escape(title)}.</p><p>The body of {slug}.</p>" if html is None else html,
        image=image,
        content_hash=slug,
    )
    return store.save_entries(feed_id, [(slug, article)]).new_ids[0]


def fill_store(store: Store) -> Filled:
    """Relative times on the pages are exact when rendered within a minute of this call."""
    now = datetime.now(UTC)
    filled = Filled()
    harbour, harbour_feed = add_source(
        store, "Harbour Times", "harbour.example", "/static/missing-favicon.ico"
    )
    ledger, ledger_feed = add_source(store, "Daily Ledger", "ledger.example")
    zeitung, zeitung_feed = add_source(store, "Die Zeitung", "zeitung.example")
    filled.sources = [harbour, ledger, zeitung]
    filled.feeds = [harbour_feed, ledger_feed, zeitung_feed]
    failing = store.get_feed(zeitung_feed)
    assert failing is not None
    failing.status = FeedStatus.FAILED
    failing.error = "HTTP 503 from zeitung.example"
    failing.error_count = 3
    failing.failing_since = now - timedelta(hours=5)
    failing.next_poll = now + timedelta(minutes=30, seconds=20)
    store.save_feed(failing)

    body = (
        "<p>The bridge over the river closed on Monday after inspectors found cracks.</p>"
        "<p>&#8220;We cannot take any risks,&#8221; said Mayor Ana Lopez.</p>"
    )
    a = filled.articles
    a["bridge"] = add_article(
        store,
        harbour_feed,
        harbour,
        "bridge",
        "Bridge closes after inspectors find cracks",
        16,
        html=body,
        author="Jo Reporter",
        image="/static/missing-lead.jpg",
        text="The bridge over the river closed on Monday after inspectors found cracks. "
        "\u201cWe cannot take any risks,\u201d said Mayor Ana Lopez.",
    )
    a["bridge-ledger"] = add_article(
        store,
        ledger_feed,
        ledger,
        "bridge-ledger",
        "City shuts river bridge; 40 cracks found",
        50,
        text="The city shut the river bridge. Inspectors found 40 cracks, officials said.",
    )
    a["bridge-copy"] = add_article(
        store, ledger_feed, ledger, "bridge-copy", "Bridge closes after inspectors find cracks (wire)", 40
    )
    a["bruecke"] = add_article(
        store,
        zeitung_feed,
        zeitung,
        "bruecke",
        "Brücke nach Rissen gesperrt",
        120,
        language="de",
        text="Die Brücke wurde gesperrt.",
    )
    a["weather"] = add_article(store, harbour_feed, harbour, "weather", "Sunny weekend ahead", 300)

    people = [
        EntityMention(key="ana lopez", name="Ana Lopez", type="PERSON", mentions=2),
        EntityMention(key="city council", name="City Council", type="ORG"),
        EntityMention(key="riverton", name="Riverton", type="GPE"),
    ]
    quote = Quote(
        article_id=a["bridge"],
        text="We cannot take any risks",
        start=80,
        end=104,
        kind=QuoteKind.DIRECT,
        speaker="Ana Lopez",
        cue="said",
    )
    store.save_enrichment(
        a["bridge"],
        1,
        {
            "language": "en",
            "summary": ["The river bridge closed after inspectors found cracks."],
            "key_points": ["Inspectors found cracks", "The mayor closed the bridge"],
            "keywords": ["bridge", "inspectors"],
            "reading_minutes": 2,
        },
        vector(1),
        people,
        [quote],
    )
    store.save_enrichment(
        a["bridge-ledger"],
        1,
        {"language": "en", "summary": ["The city shut the bridge."]},
        vector(2),
        people[:2],
    )
    store.save_enrichment(
        a["bruecke"], 1, {"language": "de", "summary": ["Die Brücke wurde gesperrt."]}, vector(3)
    )
    store.save_enrichment(a["weather"], 1, {"language": "en"}, vector(4))
    with store.engine.connect() as conn:
        from sqlalchemy import text

        rows = conn.execute(text("SELECT id, key FROM entities")).all()
    filled.people = {key: int(entity_id) for entity_id, key in rows}

    story = store.create_story("River bridge closed", created=now - timedelta(hours=2))
    for key in ("bridge", "bridge-ledger", "bruecke"):
        store.assign_story(a[key], story)
    store.assign_story(a["bridge-copy"], story, duplicate_of=a["bridge"])
    store.update_story(
        story,
        summary="Inspectors found cracks in the river bridge, and the city closed it.",
        differences=[
            {
                "kind": "number",
                "what": "How many cracks",
                "accounts": [
                    {
                        "article_id": a["bridge"],
                        "source": "Harbour Times",
                        "value": "several",
                        "sentence": "Inspectors found cracks.",
                    },
                    {
                        "article_id": a["bridge-ledger"],
                        "source": "Daily Ledger",
                        "value": "40",
                        "sentence": "Inspectors found 40 cracks, officials said.",
                    },
                ],
            },
            {"kind": "odd", "accounts": "not a list"},
            "not a dict",  # type: ignore[list-item]
        ],
    )
    filled.story = story
    filled.lonely_story = store.create_story("A story with no articles")
    store.save_related(a["bridge"], [(a["bridge-ledger"], 0.91), (a["weather"], 0.2), (a["bruecke"], 0.8)])
    return filled
