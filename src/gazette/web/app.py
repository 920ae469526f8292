"""The FastAPI application factory."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gazette.config import Settings, ensure_secret_key
from gazette.store import Store
from gazette.web import accounts, admin, browse, comments, me, moderation, pages
from gazette.web.api import router as api_router
from gazette.web.cache import PageCache
from gazette.web.render import templates_for

STATIC = Path(__file__).parent / "static"
PAGE_CACHE_SECONDS = 10.0

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' http: https: data:; script-src 'self'; "
        "style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


class SecurityHeaders:
    """Adds the security headers to every response (pure ASGI: cheap on every request)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(settings: Settings, store: Store, *, cache_seconds: float = PAGE_CACHE_SECONDS) -> FastAPI:
    """The web app over ``store``; links are built from ``settings.base_url``, never the Host header.

    ``cache_seconds`` is how long an anonymous GET response may be served from
    the page micro-cache (0 turns it off).
    """
    ensure_secret_key(settings)
    app = FastAPI(title="Gazette", docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json")
    app.state.settings = settings
    app.state.store = store
    app.state.templates = templates_for(settings)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(PageCache, seconds=cache_seconds)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(pages.router)
    app.include_router(browse.router)
    app.include_router(api_router)
    app.include_router(accounts.router)
    app.include_router(comments.router)
    app.include_router(moderation.router)
    app.include_router(me.router)
    app.include_router(admin.router)
    return app
