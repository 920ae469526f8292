"""The long-running process: the web app and, optionally, the feed scheduler in one event loop."""

from __future__ import annotations

import asyncio

import uvicorn

from gazette.config import Settings
from gazette.runner import Runner, fetcher_for
from gazette.store import Store
from gazette.web.app import create_app


async def serve_app(settings: Settings, store: Store, host: str, port: int, poll: bool) -> None:
    config = uvicorn.Config(
        create_app(settings, store), host=host, port=port, log_level="warning", proxy_headers=False
    )
    server = uvicorn.Server(config)
    runner = (
        Runner(store, fetcher_for(settings), settings.poll_concurrency, settings.retention_days)
        if poll
        else None
    )
    scheduler = asyncio.create_task(runner.run_forever()) if runner else None
    try:
        await server.serve()
    finally:
        if scheduler is not None:
            scheduler.cancel()
        if runner is not None:
            await runner.aclose()
