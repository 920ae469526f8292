"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gazette.config import Settings, ensure_secret_key
from gazette.store import Store
from gazette.web import accounts, admin, browse, comments, me, moderation, pages, syndication
from gazette.web.ai_routes import close_ai_service
from gazette.web.ai_routes import router as ai_router
from gazette.web.api import router as api_router
from gazette.web.auth import AuthLimits, auth_limits_from, login_redirect_url
from gazette.web.cache import PageCache
from gazette.web.readers import router as readers_router
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


def wants_html(request: Request) -> bool:
    """A browser asking for a page (not the JSON API, not a script)."""
    accept = request.headers.get("accept", "")
    return (
        request.method in ("GET", "HEAD")
        and "text/html" in accept
        and not request.url.path.startswith("/api/")
    )


async def login_or_error(request: Request, exc: Exception) -> Response:
    """Browsers that need to log in are sent to the login form (and back here after); others get JSON."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 401 and wants_html(request):
        return RedirectResponse(login_redirect_url(request), status_code=303)
    return await http_exception_handler(request, exc)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Release what requests opened lazily (the LLM client's connections) when the server stops."""
    yield
    close_ai_service(app)


def create_app(
    settings: Settings,
    store: Store,
    *,
    cache_seconds: float = PAGE_CACHE_SECONDS,
    auth_limits: AuthLimits | None = None,
) -> FastAPI:
    """The web app over ``store``; links are built from ``settings.base_url``, never the Host header.

    ``cache_seconds`` is how long an anonymous GET response may be served from
    the page micro-cache (0 turns it off). ``auth_limits`` defaults to the
    settings' limits (tests pass their own, with a clock they can move).
    Swagger UI is off: it needs a CDN and inline scripts, which our CSP refuses;
    the schema stays at ``/api/openapi.json``.
    """
    ensure_secret_key(settings)
    app = FastAPI(
        title="Gazette", docs_url=None, redoc_url=None, openapi_url="/api/openapi.json", lifespan=lifespan
    )
    app.state.settings = settings
    app.state.store = store
    app.state.auth_limits = auth_limits or auth_limits_from(settings)
    app.state.templates = templates_for(settings)
    app.add_exception_handler(StarletteHTTPException, login_or_error)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(PageCache, seconds=cache_seconds)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(pages.router)
    app.include_router(browse.router)
    app.include_router(api_router)
    app.include_router(ai_router)
    app.include_router(accounts.router)
    app.include_router(comments.router)
    app.include_router(moderation.router)
    app.include_router(me.router)
    app.include_router(admin.router)
    app.include_router(syndication.router)
    app.include_router(readers_router)
    return app
