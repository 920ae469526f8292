"""The ``gazette`` command.

Every subcommand takes ``--db URL``. Problems a user can fix (bad settings,
an unmigrated or unreachable database, a port in use) print one line on
stderr and exit 1, without a traceback; usage errors exit 2. JSON goes to
stdout alone (conventions in docs/cli-json.md); human output goes to stderr.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from gazette.config import ConfigError, Settings, load_settings
from gazette.models import Feed
from gazette.store import Store, StoreError, open_store

app = typer.Typer(
    name="gazette",
    help="Gazette: a self-hosted, AI-assisted news aggregator.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)

DbOption = Annotated[
    str | None, typer.Option("--db", help="Database URL (default: GAZETTE_DATABASE_URL or a SQLite file).")
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]


class UserError(Exception):
    """A problem the user can fix; printed as one line."""


def rfc3339(when: datetime | None) -> str | None:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if when else None


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


def settings_for(db: str | None, **overrides: Any) -> Settings:
    settings = load_settings(database_url=db, **overrides)
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    for chatty in ("alembic", "httpx", "httpcore"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, logging.getLogger().level))
    return settings


def store_for(settings: Settings, *, migrated: bool = True) -> Store:
    return open_store(settings.resolved_database_url, migrated=migrated)


def ensure_data_dir(settings: Settings) -> None:
    if settings.database_url:
        return
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(
            f"cannot create data directory {settings.data_dir} ({exc.strerror}); set GAZETTE_DATA_DIR"
        ) from None


@app.command()
def init(db: DbOption = None) -> None:
    """Create the data directory and an up-to-date database."""
    settings = settings_for(db)
    ensure_data_dir(settings)
    store = store_for(settings, migrated=False)
    store.migrate()
    err.print(f"Database ready: {store.url}")


@app.command()
def migrate(db: DbOption = None) -> None:
    """Upgrade the database schema in place."""
    settings = settings_for(db)
    ensure_data_dir(settings)
    store = store_for(settings, migrated=False)
    before, after = store.migrate()
    if before == after:
        err.print(f"Already at revision {after}: {store.url}")
    else:
        err.print(f"Migrated {store.url} from {before or 'empty'} to {after}")


@app.command()
def stats(db: DbOption = None, as_json: JsonFlag = False) -> None:
    """Counts of sources, feeds, articles, stories, entities, quotes, users and comments."""
    counts = store_for(settings_for(db)).stats()
    data = {
        "sources": counts.sources,
        "feeds": counts.feeds,
        "articles": counts.articles,
        "stories": counts.stories,
        "entities": counts.entities,
        "quotes": counts.quotes,
        "users": counts.users,
        "comments": counts.comments,
    }
    if as_json:
        emit_json(data)
    else:
        for key, value in data.items():
            err.print(f"{key:>9}: {value}")


def check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UserError(f"port {port} on {host} is in use; pass --port to pick another") from None
            raise UserError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


@app.command()
def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    no_poll: Annotated[bool, typer.Option("--no-poll", help="Don't run the feed scheduler.")] = False,
) -> None:
    """Serve the web UI and API (and poll feeds, unless --no-poll or Celery workers do it)."""
    settings = settings_for(db)
    store = store_for(settings)
    check_port_free(host, port)
    from gazette.server import serve_app

    err.print(f"Gazette on http://{host}:{port}/  (database: {store.url})")
    if settings.broker_url and not no_poll:
        err.print("GAZETTE_BROKER_URL is set: `gazette schedule` and `gazette worker` do the polling")
    poll = not no_poll and not settings.broker_url
    asyncio.run(serve_app(settings, store, host, port, poll=poll))


PASS_THROUGH = {"allow_extra_args": True, "ignore_unknown_options": True}


@app.command(context_settings=PASS_THROUGH)
def worker(ctx: typer.Context) -> None:
    """Run a Celery worker (needs GAZETTE_BROKER_URL and PostgreSQL); extra arguments go to celery."""
    from gazette.workers import main_worker

    raise typer.Exit(main_worker(ctx.args))


@app.command(context_settings=PASS_THROUGH)
def schedule(ctx: typer.Context) -> None:
    """Queue due polls, enrichment, clustering and the purge for Celery workers (--tick SECONDS, --once)."""
    from gazette.workers import main_scheduler

    raise typer.Exit(main_scheduler(ctx.args))


@app.command()
def demo(
    db: DbOption = None,
    port: Annotated[int, typer.Option(help="Port for the web UI.")] = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Ingest, then exit.")] = False,
    fresh: Annotated[bool, typer.Option("--fresh", help="Rebuild the demo database.")] = False,
    no_poll: Annotated[bool, typer.Option("--no-poll", help="Don't keep polling after the ingest.")] = False,
) -> None:
    """Start the bundled sample publishers, ingest them through the pipeline, serve the UI."""
    from gazette.demo.run import run_demo

    settings = settings_for(db)
    ensure_data_dir(settings)
    if not no_serve:
        check_port_free("127.0.0.1", port)
    run_demo(settings, port=port, serve=not no_serve, fresh=fresh, poll=not no_poll, console=err)


def new_password(from_stdin: bool) -> str:
    """The new account's password: stdin's first line, or asked twice on a terminal."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UserError("no terminal to ask for the password on; pipe it in with --password-stdin")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    return password


@app.command("create-user")
def create_user_command(
    username: Annotated[str, typer.Argument(help="The new account's name.")],
    db: DbOption = None,
    admin: Annotated[bool, typer.Option("--admin", help="Make it an administrator.")] = False,
    moderator: Annotated[bool, typer.Option("--moderator", help="Make it a moderator.")] = False,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin's first line.")
    ] = False,
) -> None:
    """Create an account (a reader, unless --admin or --moderator)."""
    from gazette.models import Role
    from gazette.web.auth import AccountError, create_user

    if admin and moderator:
        raise UserError("choose one of --admin and --moderator")
    role = Role.ADMIN if admin else Role.MODERATOR if moderator else Role.READER
    store = store_for(settings_for(db))
    password = new_password(password_stdin)
    try:
        user = create_user(store, username, password, role)
    except AccountError as exc:
        raise UserError(str(exc)) from None
    err.print(f"Created {user.role.value} {user.username} (id {user.id})", highlight=False)


def feed_record(feed: Feed, counts: dict[int, int]) -> dict[str, Any]:
    return {
        "id": str(feed.id),
        "url": feed.url,
        "title": feed.title,
        "status": feed.status.value,
        "paused_by": feed.paused_by.value if feed.paused_by else None,
        "error": feed.error,
        "last_fetched": rfc3339(feed.last_fetched),
        "next_poll": rfc3339(feed.next_poll),
        "articles": counts.get(feed.id or 0, 0),
    }


@app.command()
def feeds(db: DbOption = None, as_json: JsonFlag = False) -> None:
    """List feeds with their status, last error and next poll."""
    store = store_for(settings_for(db))
    counts = store.article_counts_by_feed()
    records = [feed_record(feed, counts) for feed in store.list_feeds()]
    if as_json:
        emit_json(records)
        return
    table = Table("id", "status", "articles", "title / url", "error", box=None)
    for record in records:
        table.add_row(
            record["id"],
            record["status"],
            str(record["articles"]),
            record["title"] or record["url"],
            record["error"] or "",
        )
    err.print(table)


@app.command()
def add(
    url: Annotated[str, typer.Argument(help="A feed URL, or a site URL to discover feeds from.")],
    db: DbOption = None,
    take_all: Annotated[bool, typer.Option("--all", help="Add every feed found without asking.")] = False,
    category: Annotated[str | None, typer.Option(help="Folder to file the feed under.")] = None,
) -> None:
    """Add a feed, discovering it from a site URL when needed."""
    from gazette.ingest.fetch import FetchError
    from gazette.ingest.subscribe import NoFeedFound, find_feeds, subscribe
    from gazette.runner import fetcher_for

    settings = settings_for(db)
    store = store_for(settings)

    async def discover() -> list[Any]:
        fetcher = fetcher_for(settings)
        try:
            return await find_feeds(fetcher, url)
        finally:
            await fetcher.aclose()

    try:
        found = asyncio.run(discover())
    except (FetchError, NoFeedFound) as exc:
        raise UserError(str(exc)) from None
    chosen = found if take_all or len(found) == 1 else choose_feeds(found)
    for feed, new in subscribe(store, chosen, category):
        err.print(f"{'Added' if new else 'Already have'} feed {feed.id}: {feed.title or feed.url}")


def choose_feeds(found: list[Any]) -> list[Any]:
    """Ask on a terminal which feeds to add; without one, list them and exit 2."""
    listing = "\n".join(f"  {n}. {f.url}  {f.title or ''}" for n, f in enumerate(found, 1))
    if not sys.stdin.isatty():
        err.print(f"Several feeds found; add one by its URL, or pass --all:\n{listing}", highlight=False)
        raise typer.Exit(2)
    err.print(f"Several feeds found:\n{listing}", highlight=False)
    answer = typer.prompt("Which ones? (numbers separated by spaces, or 'all')", default="1")
    if answer.strip().lower() == "all":
        return found
    picked = [int(part) for part in answer.split() if part.isdigit() and 1 <= int(part) <= len(found)]
    if not picked:
        raise UserError("nothing chosen")
    return [found[n - 1] for n in picked]


@app.command()
def fetch(
    feed_ids: Annotated[
        list[int] | None, typer.Argument(help="Fetch these feeds (default: the due ones).")
    ] = None,
    db: DbOption = None,
    every: Annotated[bool, typer.Option("--all", help="Fetch every active feed now.")] = False,
) -> None:
    """Fetch feeds that are due (or all, or the ones named); conditional GET always applies."""
    from gazette.demo.run import ingest

    settings = settings_for(db)
    store = store_for(settings)
    if feed_ids:
        ids = feed_ids
    elif every:
        ids = [feed.id for feed in store.active_feeds() if feed.id is not None]
    else:
        ids = [feed.id for feed in store.due_feeds() if feed.id is not None]
    summary = ingest(store, settings, ids, err)
    err.print(
        f"{len(ids)} feeds: {summary.new} new articles, {summary.updated} updated, "
        f"{summary.not_modified} not modified, {summary.failed} failed"
    )


@app.command("import-opml")
def import_opml(
    source: Annotated[str, typer.Argument(help="An OPML file, or an http(s) URL of one.")],
    db: DbOption = None,
) -> None:
    """Add the feeds listed in an OPML file, with folders as categories."""
    from gazette.ingest.fetch import FetchError, fetch_sync
    from gazette.ingest.opml import OpmlError, parse_opml

    settings = settings_for(db)
    store = store_for(settings)
    try:
        if source.startswith(("http://", "https://")):
            content = fetch_sync(
                source,
                allow=settings.fetch_allow,
                user_agent=settings.user_agent,
                ca_bundle=settings.fetch_ca_bundle,
            ).content
        else:
            content = Path(source).read_bytes()
        entries = parse_opml(content)
    except (OSError, FetchError, OpmlError) as exc:
        raise UserError(f"cannot import {source}: {exc}") from None
    added = 0
    for entry in entries:
        _, new = store.add_feed(
            Feed(url=entry.url, title=entry.title, site_url=entry.html_url, category=entry.category)
        )
        added += new
    err.print(f"{added} feeds added, {len(entries) - added} already present")


@app.command("export-opml")
def export_opml(db: DbOption = None) -> None:
    """Print every feed as OPML 2.0, with categories as folders."""
    from gazette.ingest.opml import OpmlFeed, write_opml

    store = store_for(settings_for(db))
    listed = [
        OpmlFeed(url=f.url, title=f.title, html_url=f.site_url, category=f.category)
        for f in store.list_feeds()
    ]
    sys.stdout.write(write_opml(listed))


@app.command()
def extract(
    files: Annotated[list[Path], typer.Argument(help="HTML files (.html or .html.gz).")],
    jsonl: Annotated[bool, typer.Option("--jsonl", help="One JSON object per file on stdout.")] = False,
    url: Annotated[str | None, typer.Option(help="The pages' URL, for resolving links.")] = None,
) -> None:
    """Extract article text and metadata from HTML files."""
    import gzip

    from gazette.extract.article import extract_article

    failed = False
    for path in files:
        try:
            raw = path.read_bytes()
            if path.suffix == ".gz":
                raw = gzip.decompress(raw)
            record = extract_article(raw, url).to_json(path)
        except (OSError, EOFError, ValueError) as exc:
            failed = True
            record = {"path": str(path), "error": str(exc)}
        if jsonl:
            emit_json(record)
        else:
            err.print(f"{path}: {record.get('title') or record.get('error')}")
    if failed:
        raise typer.Exit(1)


@app.command("import-page")
def import_page(
    source: Annotated[Path, typer.Argument(help="A scraped page, as text or HTML.")],
    as_json: JsonFlag = False,
    now: Annotated[
        str | None, typer.Option(help="RFC 3339 time that relative times count back from.")
    ] = None,
) -> None:
    """Split a scraped aggregator page into its article, related articles and the noise removed."""
    from gazette.extract.scraped import import_page as split_page

    try:
        moment = datetime.fromisoformat(now.replace("Z", "+00:00")) if now else datetime.now(UTC)
    except ValueError:
        raise typer.BadParameter(f"--now {now!r} is not an RFC 3339 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        content = source.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise UserError(f"cannot read {source}: {exc.strerror}") from None
    record = split_page(content, now=moment).to_json()
    if as_json:
        emit_json(record)
    else:
        err.print(record["article"]["title"] or "(no title)")


@app.command()
def enrich(
    db: DbOption = None,
    jsonl: Annotated[
        Path | None,
        typer.Option("--jsonl", help="Enrich the records of this JSON Lines file instead of the store."),
    ] = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Also redo failed and out-of-date enrichments.")
    ] = False,
) -> None:
    """Enrich articles: sentences, entities, quotes, numbers, keywords, summary, embedding."""
    if jsonl is not None:
        enrich_jsonl(jsonl)
        return
    from gazette.demo.run import enrich_with_progress

    settings = settings_for(db)
    store = store_for(settings)
    if rebuild:
        store.clear_enrichment_errors()
    done = enrich_with_progress(store, err)
    err.print(f"{done} articles enriched; {store.enrichment_failures()} have failed enrichments")


def enrich_jsonl(path: Path) -> None:
    """One output line per input line, in order; a bad line prints its error in its place."""
    from gazette.enrich.pipeline import enrich_many

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None
    records: list[tuple[str, dict[str, Any] | None, str | None]] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                raise ValueError("each line needs a JSON object with a string 'text'")
            records.append((str(record.get("id", number)), record, None))
        except ValueError as exc:
            records.append((str(number), None, f"line {number}: {exc}"))
    good = [(record.get("title") or "", record["text"]) for _, record, _ in records if record is not None]
    results = iter(enrich_many(good))
    failed = False
    for record_id, record, error in records:
        if record is None:
            failed = True
            emit_json({"id": record_id, "error": error})
        else:
            emit_json(next(results).to_json(record_id))
    if failed:
        raise typer.Exit(1)


@app.command()
def cluster(
    jsonl: Annotated[
        Path, typer.Option("--jsonl", help="JSON Lines: id, text, and optional title, published, source.")
    ],
) -> None:
    """Cluster articles into stories with the live system's online method, in input order."""
    from gazette.stories.cli import cluster_jsonl

    try:
        lines = [line for line in jsonl.read_text(encoding="utf-8").splitlines() if line.strip()]
    except OSError as exc:
        raise UserError(f"cannot read {jsonl}: {exc.strerror}") from None
    records: list[dict[str, Any]] = []
    for number, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
        except ValueError as exc:
            record = {"id": str(number), "error": f"line {number}: {exc}"}
        records.append(record if isinstance(record, dict) else {"id": str(number), "error": "not an object"})
    failed = False
    for result in cluster_jsonl(records):
        failed = failed or "error" in result
        emit_json(result)
    if failed:
        raise typer.Exit(1)


def article_brief(article: Any, sources: dict[int | None, str]) -> dict[str, Any]:
    return {
        "id": str(article.id),
        "title": article.title,
        "source": sources.get(article.source_id),
        "published": rfc3339(article.published),
        "url": article.url,
    }


@app.command()
def related(
    article_id: Annotated[int, typer.Argument(help="Article id.")],
    db: DbOption = None,
    as_json: JsonFlag = False,
) -> None:
    """The related articles the article page shows: other outlets on the same event first."""
    store = store_for(settings_for(db))
    if store.get_article(article_id) is None:
        raise UserError(f"no article {article_id}")
    sources = {source.id: source.name for source in store.list_sources()}
    items = [
        article_brief(r.article, sources) | {"score": round(r.score, 4)}
        for r in store.related_articles(article_id)
    ]
    if as_json:
        emit_json({"id": str(article_id), "related": items})
    else:
        for item in items:
            err.print(f"{item['score']:.2f}  {item['source']}: {item['title']}")


@app.command()
def story(
    story_id: Annotated[int, typer.Argument(help="Story id.")],
    db: DbOption = None,
    as_json: JsonFlag = False,
) -> None:
    """What the story page shows: title, summary, coverage by outlet, differences."""
    store = store_for(settings_for(db))
    found = store.get_story(story_id)
    if found is None:
        raise UserError(f"no story {story_id}")
    sources = {source.id: source.name for source in store.list_sources()}
    members = store.story_articles(story_id)
    data: dict[str, Any] = {
        "id": str(story_id),
        "title": found.title,
        "summary": found.summary,
        "updated": rfc3339(found.updated),
        "outlets": sorted({name for a in members if (name := sources.get(a.source_id))}),
        "articles": [
            article_brief(a, sources) | {"duplicate_of": str(a.duplicate_of) if a.duplicate_of else None}
            for a in members
        ],
        "entities": [
            {"id": str(c.entity.id), "name": c.entity.name, "type": c.entity.type}
            for c in store.story_entities(story_id)
        ],
        "differences": found.differences,
    }
    if as_json:
        emit_json(data)
    else:
        err.print(f"{data['title']}\n{len(members)} articles from {len(data['outlets'])} outlets")


def main() -> None:
    """Entry point: run the app, turning known problems into one-line errors."""
    try:
        app()
    except (ConfigError, StoreError, UserError) as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
