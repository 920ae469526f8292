"""Who is asking, and may they: passwords, server-side sessions, CSRF tokens, throttles and roles.

Sessions are random tokens in an HttpOnly, SameSite=Lax cookie (Secure when
``settings.secure_cookies``); the database keeps only their SHA-256, so a
leaked database does not leak sessions, and deleting the rows (logout,
suspension) ends them at once.

CSRF tokens are HMACs under the app's secret key: of the session token once
logged in, else of a random value in a separate anonymous cookie (so the login
and register forms are protected too). Every state-changing route checks the
form's ``csrf_token`` with :func:`require_csrf`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from gazette.config import Settings
from gazette.models import Role, User
from gazette.store import Store, StoreError
from gazette.store.util import utcnow

SESSION_COOKIE = "gazette_session"
CSRF_COOKIE = "gazette_csrf"
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
LOGIN_FAILURE_BY_ACCOUNT = "login-account"
LOGIN_FAILURE_BY_IP = "login-ip"
COMMENT_BY_IP = "comment-ip"
ROLE_RANK = {Role.READER: 0, Role.MODERATOR: 1, Role.ADMIN: 2}


class _Hashing:
    """The argon2id hasher in use, and a hash to verify against for unknown names (made lazily)."""

    def __init__(self) -> None:
        self.hasher = PasswordHasher()  # argon2id, the library's RFC 9106 low-memory parameters
        self.dummy: str | None = None

    def dummy_hash(self) -> str:
        if self.dummy is None:
            self.dummy = self.hasher.hash("not a real password; keeps failed logins as slow as real ones")
        return self.dummy


_hashing = _Hashing()


def use_password_hasher(hasher: PasswordHasher) -> None:
    """Hash with other argon2id parameters (from settings, or cheap ones in tests); old hashes still verify
    and are upgraded at the next login."""
    _hashing.hasher = hasher
    _hashing.dummy = None


@dataclass(slots=True)
class AuthLimits:
    """Account, comment and moderation limits, from ``Settings`` (see :func:`auth_limits_from`).

    ``create_app`` puts them on ``app.state.auth_limits``; tests may replace
    them there. ``clock`` is the time source, so tests can move time instead of
    sleeping.
    """

    session_days: int = 30
    login_window_seconds: int = 900
    login_failures_per_account: int = 5
    login_failures_per_ip: int = 20
    comment_window_seconds: int = 600
    comments_per_user: int = 10
    comments_per_ip: int = 30
    edit_window_seconds: int = 900
    max_comment_length: int = 10_000
    max_links_per_comment: int = 3
    hold_first_comments: bool = False
    max_depth: int = 6
    thread_page_size: int = 50
    clock: Callable[[], datetime] = field(default=utcnow)


def auth_limits_from(settings: Settings, clock: Callable[[], datetime] = utcnow) -> AuthLimits:
    """The limits the settings configure (``comment_edit_seconds`` is ``edit_window_seconds`` here)."""
    return AuthLimits(
        session_days=settings.session_days,
        login_window_seconds=settings.login_window_seconds,
        login_failures_per_account=settings.login_failures_per_account,
        login_failures_per_ip=settings.login_failures_per_ip,
        comment_window_seconds=settings.comment_window_seconds,
        comments_per_user=settings.comments_per_user,
        comments_per_ip=settings.comments_per_ip,
        edit_window_seconds=settings.comment_edit_seconds,
        max_comment_length=settings.max_comment_length,
        max_links_per_comment=settings.max_links_per_comment,
        hold_first_comments=settings.hold_first_comments,
        max_depth=settings.comment_max_depth,
        thread_page_size=settings.comment_page_size,
        clock=clock,
    )


class AccountError(ValueError):
    """A form value the user must fix; the message says what."""


def limits_of(request: Request) -> AuthLimits:
    limits = getattr(request.app.state, "auth_limits", None)
    if limits is None:
        limits = request.app.state.auth_limits = auth_limits_from(settings_of(request))
    assert isinstance(limits, AuthLimits)
    return limits


def store_of(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# passwords and users


def hash_password(password: str) -> str:
    return _hashing.hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hashing.hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_new_credentials(username: str, password: str, password_confirm: str | None = None) -> None:
    """Raise AccountError unless the username and password are acceptable for a new account."""
    if not USERNAME_PATTERN.match(username):
        raise AccountError(
            "Usernames are 3-32 letters, digits, '.', '_' or '-', starting with a letter or digit."
        )
    check_new_password(password, password_confirm)


def check_new_password(password: str, password_confirm: str | None = None) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"Passwords may have at most {MAX_PASSWORD_LENGTH} characters.")
    if password_confirm is not None and password != password_confirm:
        raise AccountError("The two passwords differ.")


def create_user(
    store: Store, username: str, password: str, role: Role = Role.READER, email: str | None = None
) -> User:
    """Create an account (for ``gazette create-user --admin`` and the register form).

    Raises AccountError for an unacceptable name or password, or a name that is taken.
    """
    check_new_credentials(username, password)
    try:
        return store.add_user(
            User(username=username, password_hash=hash_password(password), role=role, email=email or None)
        )
    except StoreError as exc:
        if "taken" in str(exc):
            raise AccountError("That username is taken.") from None
        raise


def authenticate(store: Store, username: str, password: str) -> User | None:
    """The user when the password matches, else None; as slow for unknown names as for known ones."""
    user = store.user_by_name(username) if USERNAME_PATTERN.match(username) else None
    if user is None:
        password_matches(_hashing.dummy_hash(), password)
        return None
    if not password_matches(user.password_hash, password):
        return None
    if _hashing.hasher.check_needs_rehash(user.password_hash) and user.id is not None:
        store.set_password_hash(user.id, hash_password(password))
    return user


def has_role(user: User | None, role: Role) -> bool:
    return user is not None and not user.suspended and ROLE_RANK[user.role] >= ROLE_RANK[role]


# sessions


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(request: Request, response: Response, user: User) -> str:
    """Log ``user`` in: end the request's old session (no fixation) and set a fresh session cookie."""
    assert user.id is not None
    store = store_of(request)
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        store.delete_session(token_digest(old))
    limits = limits_of(request)
    token = secrets.token_urlsafe(32)
    store.add_session(token_digest(token), user.id, limits.clock() + timedelta(days=limits.session_days))
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=limits.session_days * 86400,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings_of(request).secure_cookies,
    )
    request.state.user = user
    request.state.session_token = token
    return token


def end_session(request: Request, response: Response) -> None:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        store_of(request).delete_session(token_digest(token))
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=settings_of(request).secure_cookies
    )
    request.state.user = None
    request.state.session_token = None


def current_user(request: Request) -> User | None:
    """The logged-in user of this request (looked up once per request), or None."""
    if hasattr(request.state, "user"):
        user: User | None = request.state.user
        return user
    token = request.cookies.get(SESSION_COOKIE)
    user = None
    if token and len(token) < 200:
        user = store_of(request).session_user(token_digest(token), limits_of(request).clock())
    request.state.user = user
    request.state.session_token = token if user else None
    return user


def require_user(request: Request) -> User:
    user = current_user(request)
    if user is None:
        raise HTTPException(status_code=401, detail="Log in first.")
    return user


def require_moderator(request: Request) -> User:
    user = require_user(request)
    if not has_role(user, Role.MODERATOR):
        raise HTTPException(status_code=403, detail="Moderators only.")
    return user


def require_admin(request: Request) -> User:
    user = require_user(request)
    if not has_role(user, Role.ADMIN):
        raise HTTPException(status_code=403, detail="Administrators only.")
    return user


# CSRF


def _sign(request: Request, message: str) -> str:
    key = settings_of(request).secret_key.encode("utf-8")
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The token forms on this page must carry; may queue a new anonymous CSRF cookie (see render)."""
    if current_user(request) is not None:
        return _sign(request, "session:" + str(request.state.session_token))
    value = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf_cookie", None)
    if not value:
        value = secrets.token_urlsafe(24)
        request.state.new_csrf_cookie = value
    return _sign(request, "anonymous:" + value)


def _expected_csrf(request: Request) -> str | None:
    if current_user(request) is not None:
        return _sign(request, "session:" + str(request.state.session_token))
    value = request.cookies.get(CSRF_COOKIE)
    return _sign(request, "anonymous:" + value) if value else None


async def require_csrf(request: Request) -> None:
    """403 unless the form's ``csrf_token`` is the one issued to this browser."""
    form = await request.form()
    given = form.get("csrf_token")
    expected = _expected_csrf(request)
    if not isinstance(given, str) or expected is None or not hmac.compare_digest(given, expected):
        raise HTTPException(
            status_code=403, detail="The form expired or came from elsewhere; reload and retry."
        )


def set_pending_cookies(request: Request, response: Response) -> None:
    """Set the anonymous CSRF cookie that :func:`csrf_token` created for this page, if any."""
    value = getattr(request.state, "new_csrf_cookie", None)
    if value:
        response.set_cookie(
            CSRF_COOKIE,
            value,
            path="/",
            httponly=True,
            samesite="lax",
            secure=settings_of(request).secure_cookies,
        )


# rendering and redirects


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """A page from our templates, with the CSRF token and user in its context; never cached."""
    full = {"csrf_token": csrf_token(request), "current_user": current_user(request), **context}
    response: Response = request.app.state.templates.TemplateResponse(
        request, name, full, status_code=status_code
    )
    response.headers["cache-control"] = "no-store"
    set_pending_cookies(request, response)
    return response


@dataclass(frozen=True, slots=True)
class Nav:
    """What the site header shows about the viewer (``nav`` in every template)."""

    user: User | None
    logout_csrf: str
    can_moderate: bool
    is_admin: bool
    login_url: str
    register_url: str


def nav_context(request: Request) -> dict[str, Any]:
    """The header's account links, for every page (a Jinja2 context processor).

    Anonymous visitors get no CSRF token here, so pages served to them set no
    cookie and stay cacheable; the logout form's token is the session's.
    """
    user = current_user(request)
    back = request.url.path
    if back in ("/login", "/register", "/logout") or back == "/":
        here = ""
    else:
        here = "?" + urlencode({"next": back})
    nav = Nav(
        user=user,
        logout_csrf=csrf_token(request) if user else "",
        can_moderate=has_role(user, Role.MODERATOR),
        is_admin=has_role(user, Role.ADMIN),
        login_url="/login" + here,
        register_url="/register" + here,
    )
    return {"nav": nav, "current_user": user}


def login_redirect_url(request: Request) -> str:
    """``/login?next=`` this request's path and query, when that is a safe local target."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/login?" + urlencode({"next": safe_next(target)})


def safe_next(value: str | None, default: str = "/") -> str:
    """``value`` when it is a path on this site, else ``default``: refuses ``//evil``, ``/\\evil``, URLs."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return default
    if "\\" in value or any(ord(char) < 32 or ord(char) == 127 for char in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def throttled(request: Request, kind: str, key: str, limit: int, window_seconds: int) -> bool:
    """True when ``key`` already did ``kind`` ``limit`` times within the window."""
    limits = limits_of(request)
    since = limits.clock() - timedelta(seconds=window_seconds)
    return store_of(request).count_events(kind, key, since) >= limit


def record(request: Request, kind: str, key: str) -> None:
    store_of(request).record_event(kind, key, limits_of(request).clock())


UserDep = Annotated[User, Depends(require_user)]
OptionalUserDep = Annotated[User | None, Depends(current_user)]
ModeratorDep = Annotated[User, Depends(require_moderator)]
AdminDep = Annotated[User, Depends(require_admin)]
CsrfDep = Depends(require_csrf)
