"""The article page's AI tools (no-JavaScript forms) and their JSON API.

Who may do what: anyone may read results already generated (cached summaries
show on the article page for everyone); making the model work needs a logged-in
user, because every request costs the instance's compute, and is limited per
user and per client address over ``llm_window_seconds``. POSTs need the CSRF
token: the form field on pages, the ``X-CSRF-Token`` header (or a
``csrf_token`` member) for the JSON API, whose ``GET /api/articles/{id}/ai``
hands it to logged-in callers. With no LLM configured the forms are replaced
by a note and the API answers 503.

Model output is untrusted: templates escape it (never ``|safe``) and the JSON
carries it as plain strings.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from gazette.ai import (
    SUMMARY_STYLES,
    AiResult,
    AiService,
    Answer,
    ArticleDoc,
    FeatureError,
    LlmError,
    Summary,
    Translation,
    llm_config,
    make_doc,
    normalized_args,
)
from gazette.models import Article, User
from gazette.web.auth import (
    CsrfDep,
    UserDep,
    client_ip,
    csrf_token,
    current_user,
    limits_of,
    render,
    see_other,
    settings_of,
    store_of,
)

router = APIRouter()
log = logging.getLogger(__name__)
_service_lock = threading.Lock()

AI_BY_USER = "ai-user"
AI_BY_IP = "ai-ip"
MAX_API_BODY = 16_384
TOKEN_LENGTH = 24
DOCS_URL = "https://github.com/gazette-news/gazette/blob/main/docs/configuration.md#language-model"
OFFLINE = "No language model is configured on this instance (see GAZETTE_LLM_BASE_URL)."
STYLE_LABELS = {
    "brief": "One sentence",
    "bullets": "Bullet points",
    "explain": "Explained simply",
    "timeline": "Timeline",
}
TRANSLATION_SCOPES = {"summary": "Title and summary", "full": "Whole article"}
FeatureField = Annotated[str, Form(max_length=20)]
ShortField = Annotated[str, Form(max_length=40)]
QuestionField = Annotated[str, Form(max_length=2_000)]


class AiRefused(Exception):
    """A request refused before or while asking the model; ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def ai_service(request: Request) -> AiService:
    """The app's AiService, made from the settings on first use."""
    with _service_lock:
        service = getattr(request.app.state, "ai_service", None)
        if service is None:
            service = request.app.state.ai_service = AiService(llm_config(settings_of(request)))
    assert isinstance(service, AiService)
    return service


def close_ai_service(app: FastAPI) -> None:
    """Close the app's AiService (its HTTP client), if a request made one."""
    service = getattr(app.state, "ai_service", None)
    if isinstance(service, AiService):
        service.close()


def article_doc(request: Request, article: Article) -> ArticleDoc:
    """The article with the sentence offsets and summary the enrich stage stored."""
    assert article.id is not None
    stored = store_of(request).enrichment(article.id)
    data = stored.data if stored is not None and isinstance(stored.data, dict) else {}
    return make_doc(
        article.id,
        article.title,
        article.text or "",
        data.get("sentences"),
        data.get("summary") or (),
        article.language,
    )


def _article(request: Request, article_id: int) -> Article:
    article = store_of(request).get_article(article_id) if 0 < article_id < 2**63 else None
    if article is None:
        raise AiRefused(404, "No such article")
    return article


# the article page's panel


@dataclass(slots=True)
class AiPanel:
    """What ``ai/_panel.html`` needs (the article page passes it as ``ai``)."""

    enabled: bool
    article_id: int
    model: str = ""
    user: User | None = None
    csrf_token: str = ""
    login_url: str = ""
    docs_url: str = DOCS_URL
    summaries: list[Summary] = field(default_factory=list)
    result: AiResult | None = None
    expired: bool = False
    styles: dict[str, str] = field(default_factory=lambda: dict(STYLE_LABELS))
    scopes: dict[str, str] = field(default_factory=lambda: dict(TRANSLATION_SCOPES))

    @property
    def answer(self) -> Answer | None:
        return self.result if isinstance(self.result, Answer) else None

    @property
    def translation(self) -> Translation | None:
        return self.result if isinstance(self.result, Translation) else None


def ai_panel(request: Request, article: Article) -> AiPanel:
    """The AI tools for ``article``: cached summaries, the result ``?ai=TOKEN`` names, and the forms."""
    assert article.id is not None
    service = ai_service(request)
    if not service.enabled:
        return AiPanel(enabled=False, article_id=article.id)
    doc = article_doc(request, article)
    summaries = [
        found
        for style in SUMMARY_STYLES
        if isinstance(found := service.cached(doc, "summary", (style,)), Summary)
    ]
    token = request.query_params.get("ai", "")
    result = service.by_token(doc, token) if len(token) == TOKEN_LENGTH and token.isalnum() else None
    user = current_user(request)
    return AiPanel(
        enabled=True,
        article_id=article.id,
        model=service.config.model,
        user=user,
        csrf_token=csrf_token(request) if user else "",
        login_url=f"/login?next=/articles/{article.id}",
        summaries=[summary for summary in summaries if summary is not result],
        result=result,
        expired=bool(token) and result is None,
    )


@router.post("/articles/{article_id}/ai", dependencies=[CsrfDep])
def ask_from_page(
    request: Request,
    user: UserDep,
    article_id: int,
    feature: FeatureField,
    style: ShortField = "brief",
    lang: ShortField = "",
    scope: ShortField = "summary",
    question: QuestionField = "",
) -> Response:
    """The panel's forms: generate, then show the result on the article page (POST, redirect, GET)."""
    args = {"style": style, "lang": lang, "scope": scope, "question": question}
    try:
        token, _, _ = generate(request, user, article_id, feature, args)
    except AiRefused as exc:
        back = f"/articles/{article_id}" if exc.status != 404 else "/"
        return render(request, "ai/error.html", {"message": str(exc), "back": back}, status_code=exc.status)
    return see_other(f"/articles/{article_id}?ai={token}#ai-result")


def generate(
    request: Request, user: User, article_id: int, feature: str, args: dict[str, str]
) -> tuple[str, AiResult, bool]:
    """``(token, result, cached)``: the cached result, or a fresh one within the user's limits."""
    service = ai_service(request)
    if not service.enabled:
        raise AiRefused(503, OFFLINE)
    article = _article(request, article_id)
    if feature not in ("summary", "translate", "ask"):
        raise AiRefused(422, "Unknown AI feature.")
    try:
        normalized = normalized_args(feature, args)
    except FeatureError as exc:
        raise AiRefused(422, str(exc)) from None
    doc = article_doc(request, article)
    token = service.token(doc, feature, normalized)
    found = service.by_token(doc, token)
    if found is not None:
        return token, found, True
    _spend(request, user, service.calls_needed(doc, feature, normalized))
    try:
        return token, service.run(doc, feature, normalized), False
    except FeatureError as exc:
        raise AiRefused(422, str(exc)) from None
    except LlmError as exc:
        log.warning("AI %s for article %s failed: %s", feature, article_id, exc)
        raise AiRefused(exc.status, str(exc)) from None


def _spend(request: Request, user: User, calls: int) -> None:
    """Count ``calls`` model requests against the user's and the address's limits, or refuse (429)."""
    settings, limits, store = settings_of(request), limits_of(request), store_of(request)
    since = limits.clock() - timedelta(seconds=settings.llm_window_seconds)
    ip = client_ip(request)
    used_by_user = store.count_events(AI_BY_USER, str(user.id), since)
    used_by_ip = store.count_events(AI_BY_IP, ip, since)
    if (
        used_by_user + calls > settings.llm_requests_per_user
        or used_by_ip + calls > settings.llm_requests_per_ip
    ):
        raise AiRefused(429, "You have used the AI tools a lot recently; try again later.")
    now = limits.clock()
    for _ in range(calls):
        store.record_event(AI_BY_USER, str(user.id), now)
        store.record_event(AI_BY_IP, ip, now)


# JSON API


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=status)


def _result_json(article_id: int, token: str, result: AiResult, cached: bool) -> dict[str, Any]:
    return {"article_id": str(article_id), "token": token, "cached": cached, **result.to_json()}


@router.get("/api/articles/{article_id}/ai")
def api_status(request: Request, article_id: int) -> JSONResponse:
    """Whether the AI features are on, what they accept, and the CSRF token for a logged-in caller."""
    try:
        _article(request, article_id)
    except AiRefused as exc:
        return _error(exc.status, str(exc))
    service = ai_service(request)
    user = current_user(request)
    return JSONResponse(
        {
            "enabled": service.enabled,
            "model": service.config.model if service.enabled else None,
            "features": ["summary", "translate", "ask"] if service.enabled else [],
            "styles": list(SUMMARY_STYLES),
            "scopes": list(TRANSLATION_SCOPES),
            "login_required": True,
            "csrf_token": csrf_token(request) if user else None,
        },
        headers={"cache-control": "private, no-store"},
    )


@router.get("/api/articles/{article_id}/ai/{feature}")
def api_cached(request: Request, article_id: int, feature: str) -> JSONResponse:
    """A result already generated (anyone may read it); 404 until someone generated it."""
    service = ai_service(request)
    if not service.enabled:
        return _error(503, OFFLINE)
    try:
        article = _article(request, article_id)
        if feature not in ("summary", "translate"):
            raise AiRefused(404, "Only summaries and translations can be read back; POST to ask.")
        args = normalized_args(feature, dict(request.query_params))
    except AiRefused as exc:
        return _error(exc.status, str(exc))
    except FeatureError as exc:
        return _error(422, str(exc))
    doc = article_doc(request, article)
    found = service.cached(doc, feature, args)
    if found is None:
        return _error(404, "Not generated yet: a logged-in user can POST to this address to generate it.")
    return JSONResponse(_result_json(article_id, service.token(doc, feature, args), found, True))


@router.post("/api/articles/{article_id}/ai/{feature}")
async def api_generate(request: Request, article_id: int, feature: str) -> JSONResponse:
    """Generate (or return the cached) summary, translation or cited answer.

    Body: a JSON object, ``{"style"}``, ``{"lang", "scope"}`` or ``{"question"}``.
    """
    if not ai_service(request).enabled:
        return _error(503, OFFLINE)
    body = await request.body()
    if len(body) > MAX_API_BODY:
        return _error(413, "The request body is too large.")
    try:
        args = _json_args(body)
    except ValueError as exc:
        return _error(422, str(exc))
    try:
        token, result, cached = await run_in_threadpool(_api_generate, request, article_id, feature, args)
    except AiRefused as exc:
        return _error(exc.status, str(exc))
    return JSONResponse(_result_json(article_id, token, result, cached))


def _api_generate(
    request: Request, article_id: int, feature: str, args: dict[str, str]
) -> tuple[str, AiResult, bool]:
    _article(request, article_id)
    user = current_user(request)
    if user is None:
        raise AiRefused(401, "Log in first.")
    given = request.headers.get("x-csrf-token") or args.pop("csrf_token", "")
    if not hmac.compare_digest(given.encode("utf-8"), csrf_token(request).encode("utf-8")):
        raise AiRefused(403, "Send the CSRF token from GET /api/articles/{id}/ai as X-CSRF-Token.")
    return generate(request, user, article_id, feature, args)


def _json_args(body: bytes) -> dict[str, str]:
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ValueError("The body must be a JSON object.") from None
    if not isinstance(data, dict) or not all(isinstance(value, str) for value in data.values()):
        raise ValueError("The body must be a JSON object of strings.")
    return {str(key): value for key, value in data.items()}
