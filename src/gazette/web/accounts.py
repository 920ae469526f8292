"""Register, log in and out, the profile page, password change, account deletion and API tokens."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from gazette.models import Role, User
from gazette.web.auth import (
    LOGIN_FAILURE_BY_ACCOUNT,
    LOGIN_FAILURE_BY_IP,
    AccountError,
    CsrfDep,
    UserDep,
    authenticate,
    check_new_password,
    client_ip,
    create_user,
    current_user,
    end_session,
    hash_password,
    limits_of,
    password_matches,
    record,
    render,
    safe_next,
    see_other,
    start_session,
    store_of,
    throttled,
    token_digest,
)

router = APIRouter()
API_TOKEN_PREFIX = "gz_"  # noqa: S105 -- a public prefix, not a secret

Text = Annotated[str, Form(max_length=2000)]
OptionalText = Annotated[str, Form(max_length=2000)]
NextField = Annotated[str, Form(max_length=2000)]


@router.get("/register")
def register_form(request: Request, next: str = "/") -> Response:
    return render(request, "accounts/register.html", {"next": safe_next(next), "error": None})


@router.post("/register", dependencies=[CsrfDep])
def register(
    request: Request,
    username: Text,
    password: Text,
    password_confirm: Text,
    email: OptionalText = "",
    next: NextField = "/",
) -> Response:
    username = username.strip()
    try:
        if password != password_confirm:
            raise AccountError("The two passwords differ.")
        user = create_user(store_of(request), username, password, Role.READER, email.strip() or None)
    except AccountError as exc:
        context = {"next": safe_next(next), "error": str(exc), "username": username, "email": email}
        return render(request, "accounts/register.html", context, status_code=400)
    response = see_other(safe_next(next))
    start_session(request, response, user)
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "accounts/login.html", {"next": safe_next(next), "error": None})


@router.post("/login", dependencies=[CsrfDep])
def login(request: Request, username: Text, password: Text, next: NextField = "/") -> Response:
    limits = limits_of(request)
    account, ip = username.strip().lower(), client_ip(request)
    window = limits.login_window_seconds
    context: dict[str, object] = {"next": safe_next(next), "username": username}
    if throttled(request, LOGIN_FAILURE_BY_ACCOUNT, account, limits.login_failures_per_account, window) or (
        throttled(request, LOGIN_FAILURE_BY_IP, ip, limits.login_failures_per_ip, window)
    ):
        minutes = max(1, window // 60)
        context["error"] = f"Too many failed logins. Try again in {minutes} minutes."
        return render(request, "accounts/login.html", context, status_code=429)
    user = authenticate(store_of(request), username.strip(), password)
    if user is None or user.suspended:
        record(request, LOGIN_FAILURE_BY_ACCOUNT, account)
        record(request, LOGIN_FAILURE_BY_IP, ip)
        context["error"] = "This account is suspended." if user else "Wrong username or password."
        return render(request, "accounts/login.html", context, status_code=403 if user else 401)
    store_of(request).clear_events(LOGIN_FAILURE_BY_ACCOUNT, account)
    response = see_other(safe_next(next))
    start_session(request, response, user)
    return response


@router.post("/logout", dependencies=[CsrfDep])
def logout(request: Request) -> Response:
    response = see_other("/")
    end_session(request, response)
    return response


@router.get("/me")
def profile(request: Request, user: UserDep) -> Response:
    return render(request, "accounts/profile.html", _profile_context(request, user))


def _profile_context(request: Request, user: User, **extra: object) -> dict[str, object]:
    assert user.id is not None
    store = store_of(request)
    return {
        "user": user,
        "tokens": store.api_tokens(user.id),
        "searches": store.saved_searches(user.id),
        "new_token": None,
        "error": None,
        "message": None,
        **extra,
    }


@router.post("/me/password", dependencies=[CsrfDep])
def change_password(
    request: Request, user: UserDep, password: Text, new_password: Text, password_confirm: Text
) -> Response:
    assert user.id is not None
    try:
        if not password_matches(user.password_hash, password):
            raise AccountError("Your current password is not right.")
        check_new_password(new_password, password_confirm)
    except AccountError as exc:
        return render(request, "accounts/profile.html", _profile_context(request, user, error=str(exc)), 400)
    store = store_of(request)
    store.set_password_hash(user.id, hash_password(new_password))
    store.delete_user_sessions(user.id)
    response = see_other("/me")
    start_session(request, response, user)
    return response


@router.post("/me/delete", dependencies=[CsrfDep])
def delete_account(request: Request, user: UserDep, password: Text, comments: Text = "keep") -> Response:
    """Delete the account; ``comments=keep`` leaves them as by a deleted user, ``delete`` erases them."""
    assert user.id is not None
    if not password_matches(user.password_hash, password):
        context = _profile_context(request, user, error="Your password is not right; nothing was deleted.")
        return render(request, "accounts/profile.html", context, 400)
    store = store_of(request)
    if comments == "delete":
        store.erase_user_comments(user.id)
    store.delete_user(user.id)
    response = see_other("/")
    end_session(request, response)
    return response


@router.post("/me/tokens", dependencies=[CsrfDep])
def create_api_token(request: Request, user: UserDep, name: Annotated[str, Form(max_length=100)]) -> Response:
    """Create an API token; it is shown once, only its hash is kept."""
    assert user.id is not None
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    store_of(request).add_api_token(user.id, name.strip() or "API token", token_digest(token))
    return render(request, "accounts/profile.html", _profile_context(request, user, new_token=token))


@router.post("/me/tokens/{token_id}/revoke", dependencies=[CsrfDep])
def revoke_api_token(request: Request, user: UserDep, token_id: int) -> Response:
    assert user.id is not None
    if not store_of(request).revoke_api_token(user.id, token_id):
        return render(
            request, "accounts/profile.html", _profile_context(request, user, error="No such token."), 404
        )
    return see_other("/me")


def user_for_api_token(request: Request, token: str) -> User | None:
    """The user an ``Authorization: Bearer`` token belongs to (for the JSON API), or None."""
    if not token.startswith(API_TOKEN_PREFIX) or len(token) > 200:
        return None
    return store_of(request).user_for_token_hash(token_digest(token))


def login_link(request: Request) -> str:
    """Where a "log in to comment" link should point, returning to this page afterwards."""
    return "/login?next=" + request.url.path if current_user(request) is None else request.url.path
