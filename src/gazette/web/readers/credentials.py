"""Reader-app passwords and the tokens derived from them.

A reader-app password is random (144 bits), made by the server and shown once,
so fast hashes are enough to store it: nobody can brute-force a 24-character
random secret from its SHA-256, which is why argon2 (needed for the
human-chosen web password) is not used here. The Fever protocol sends
``md5("user:password")`` as its key, so we store the SHA-256 of that too.
The account's web password is never accepted by these APIs.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request

from gazette.models import User
from gazette.store.readers import ReaderStore
from gazette.web.auth import settings_of, store_of

PASSWORD_BYTES = 18  # 24 url-safe characters


def new_reader_password() -> str:
    return secrets.token_urlsafe(PASSWORD_BYTES)


def clientlogin_digest(password: str) -> str:
    return hashlib.sha256(password.encode("utf-8")).hexdigest()


def fever_api_key(username: str, password: str) -> str:
    """The key a Fever client sends: md5 of ``username:password`` (the protocol's choice, not ours)."""
    return hashlib.md5(f"{username}:{password}".encode(), usedforsecurity=False).hexdigest()


def fever_digest(api_key: str) -> str:
    return hashlib.sha256(api_key.strip().lower().encode("utf-8")).hexdigest()


def readers_of(request: Request) -> ReaderStore:
    return store_of(request)


def _sign(request: Request, message: str) -> str:
    key = settings_of(request).secret_key.encode("utf-8")
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def auth_token(request: Request, user_id: int, digest: str) -> str:
    """The ClientLogin ``Auth`` token: user id and a signature over the password digest."""
    return f"{user_id}/{_sign(request, f'greader-auth:{user_id}:{digest}')}"


def action_token(request: Request, auth: str) -> str:
    """The ``T`` token POSTs must carry, tied to the Auth token (57 characters, as Google's were)."""
    return _sign(request, f"greader-action:{auth}")[:57]


def user_for_auth_token(request: Request, token: str) -> User | None:
    user_id_text, _, _ = token.partition("/")
    if not user_id_text.isdigit() or len(token) > 200 or not 0 < int(user_id_text) < 2**63:
        return None
    readers = readers_of(request)
    digest = readers.reader_digest(int(user_id_text))
    if digest is None or not hmac.compare_digest(token, auth_token(request, int(user_id_text), digest)):
        return None
    return readers.active_user(int(user_id_text))


def register_password(request: Request, user: User) -> str:
    """Make, store (as digests) and return a new reader-app password for ``user``, replacing any old one."""
    assert user.id is not None
    password = new_reader_password()
    key = fever_api_key(user.username, password)
    readers_of(request).set_reader_password(user.id, clientlogin_digest(password), fever_digest(key))
    return password
