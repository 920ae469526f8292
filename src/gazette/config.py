"""One validated settings object.

Precedence, lowest first: built-in defaults < TOML file named by
``GAZETTE_CONFIG`` < ``GAZETTE_*`` environment variables < CLI flags (passed to
:func:`load_settings` as overrides). Every field is documented in
``docs/configuration.md``; a test keeps the two in step.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

WEAK_SECRETS = frozenset({"", "changeme", "change-me", "secret", "dev", "development", "insecure", "gazette"})
MIN_SECRET_LENGTH = 32


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class ConfigError(Exception):
    """A setting is missing, malformed or unsafe; the message says which and how to fix it."""


class _TomlSource(PydanticBaseSettingsSource):
    """Reads the TOML file named by GAZETTE_CONFIG (keys are field names, without the prefix)."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        self._data = _read_toml(os.environ.get("GAZETTE_CONFIG"))

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return {key: value for key, value in self._data.items() if key in self.settings_cls.model_fields}


def _read_toml(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"GAZETTE_CONFIG names {path}, which does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"GAZETTE_CONFIG file {path} is not valid TOML: {exc}") from None
    section = data.get("gazette", data)
    return {str(key).lower(): value for key, value in section.items()}


class Settings(BaseSettings):
    """Gazette's settings. Field docs are the user-facing documentation."""

    model_config = SettingsConfigDict(env_prefix="GAZETTE_", extra="ignore", validate_default=True)

    env: Environment = Field(Environment.DEVELOPMENT, description="development or production")
    data_dir: Path = Field(Path("data"), description="Directory for the SQLite database and secrets")
    database_url: str = Field("", description="SQLAlchemy URL; default sqlite in data_dir")
    secret_key: str = Field("", description="Signs sessions and tokens; generated on first run")
    base_url: str = Field("http://127.0.0.1:8000", description="Public URL used in links and feeds")
    fetch_allow: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="host:port pairs allowed despite being private"
    )
    retention_days: int = Field(0, ge=0, description="Purge unstarred articles older than this; 0 keeps all")
    log_level: str = Field("INFO", description="Python logging level")
    log_format: LogFormat = Field(LogFormat.TEXT, description="text or json")
    secure_cookies: bool = Field(False, description="Mark session cookies Secure (required in production)")
    poll_concurrency: int = Field(16, ge=1, le=256, description="Feeds fetched at once by the scheduler")
    broker_url: str = Field(
        "", description="Redis URL of the Celery broker (redis://host:6379/0); empty runs jobs in-process"
    )
    fetch_timeout: float = Field(
        30.0, gt=0, description="Total deadline for one outbound request, in seconds"
    )
    fetch_ca_bundle: Path | None = Field(
        None, description="PEM file of CAs trusted for https fetches instead of certifi's bundle"
    )
    user_agent: str = Field(
        "Gazette/0.1 (+https://github.com/gazette-news/gazette)", description="User-Agent"
    )
    session_days: int = Field(30, ge=1, le=3650, description="How long a login lasts, in days")
    login_window_seconds: int = Field(
        900, ge=1, le=86_400, description="Window over which failed logins are counted"
    )
    login_failures_per_account: int = Field(
        5, ge=1, le=10_000, description="Failed logins per account within the window before refusing"
    )
    login_failures_per_ip: int = Field(
        20, ge=1, le=100_000, description="Failed logins per client address within the window"
    )
    comment_window_seconds: int = Field(
        600, ge=1, le=86_400, description="Window over which comments are counted for rate limits"
    )
    comments_per_user: int = Field(10, ge=1, le=10_000, description="Comments per user within the window")
    comments_per_ip: int = Field(30, ge=1, le=100_000, description="Comments per address within the window")
    comment_edit_seconds: int = Field(
        900, ge=0, le=604_800, description="How long after posting a comment may be edited"
    )
    max_comment_length: int = Field(10_000, ge=1, le=100_000, description="Longest comment, in characters")
    max_links_per_comment: int = Field(
        3, ge=0, le=1000, description="Comments with more links are held for moderation"
    )
    hold_first_comments: bool = Field(False, description="Hold a new account's first comment for moderation")
    comment_max_depth: int = Field(6, ge=1, le=32, description="Deepest reply nesting shown")
    comment_page_size: int = Field(50, ge=1, le=1000, description="Top-level comments per page of a thread")
    llm_base_url: str = Field(
        "", description="OpenAI-compatible API base URL (e.g. http://127.0.0.1:11434/v1); empty turns AI off"
    )
    llm_model: str = Field("", max_length=200, description="Model name sent to the LLM endpoint")
    llm_api_key: SecretStr = Field(
        SecretStr(""), description="Bearer token for the LLM endpoint, if it needs one (never shown)"
    )
    llm_timeout: float = Field(60.0, gt=0, le=3600, description="Deadline for one LLM request, in seconds")
    llm_max_tokens: int = Field(512, ge=16, le=32_768, description="Most tokens one LLM reply may use")
    llm_max_prompt_chars: int = Field(
        8_000, ge=1_000, le=1_000_000, description="Most characters of article text in one LLM prompt"
    )
    llm_window_seconds: int = Field(
        86_400, ge=1, le=2_592_000, description="Window over which LLM requests are counted for rate limits"
    )
    llm_requests_per_user: int = Field(
        50, ge=1, le=1_000_000, description="LLM requests one user may cause within the window"
    )
    llm_requests_per_ip: int = Field(
        200, ge=1, le=1_000_000, description="LLM requests one client address may cause within the window"
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlSource(settings_cls))

    @field_validator("fetch_allow", mode="before")
    @classmethod
    def _split_allow(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("fetch_allow")
    @classmethod
    def _check_allow(cls, value: list[str]) -> list[str]:
        for pair in value:
            host, sep, port = pair.rpartition(":")
            if not sep or not host or not port.isdigit():
                raise ValueError(f"fetch_allow entry {pair!r} must be an exact host:port pair")
        return value

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError(f"base_url {value!r} must be an absolute http(s) URL")
        return value.rstrip("/")

    @field_validator("llm_base_url")
    @classmethod
    def _check_llm_base_url(cls, value: str) -> str:
        if not value:
            return ""
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment:
            # the value is not echoed: it may carry credentials
            raise ValueError("llm_base_url must be an absolute http(s) URL such as http://127.0.0.1:11434/v1")
        return value.rstrip("/")

    @field_validator("broker_url")
    @classmethod
    def _check_broker_url(cls, value: str) -> str:
        if value and urlsplit(value).scheme not in {"redis", "rediss"}:
            # the value is not echoed: it may carry a password
            raise ValueError(
                "broker_url must be a redis:// or rediss:// URL, or empty for the embedded runner"
            )
        return value

    @field_validator("log_level")
    @classmethod
    def _check_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"log_level {value!r} is not a logging level")
        return level

    @model_validator(mode="after")
    def _require_llm_model(self) -> Settings:
        if self.llm_base_url and not self.llm_model.strip():
            raise ValueError("llm_base_url is set, so GAZETTE_LLM_MODEL must name the model to use")
        return self

    @model_validator(mode="after")
    def _refuse_insecure_production(self) -> Settings:
        if self.env is not Environment.PRODUCTION:
            return self
        if self.secret_key.lower() in WEAK_SECRETS or len(self.secret_key) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"production needs GAZETTE_SECRET_KEY of at least {MIN_SECRET_LENGTH} random characters"
            )
        if not self.secure_cookies or not self.base_url.startswith("https://"):
            raise ValueError("production needs an https GAZETTE_BASE_URL and GAZETTE_SECURE_COOKIES=true")
        return self

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir.resolve() / 'gazette.db'}"


def load_settings(**overrides: Any) -> Settings:
    """Build the settings; CLI flags arrive as ``overrides`` (None values are ignored)."""
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        settings = Settings(**given)
    except ValidationError as exc:
        raise ConfigError(_first_error(exc)) from None
    except SettingsError as exc:
        raise ConfigError(str(exc)) from None
    return settings


def ensure_secret_key(settings: Settings) -> str:
    """The configured secret, or the one generated on first run and kept in the data directory."""
    if not settings.secret_key:
        settings.secret_key = stored_secret_key(settings.data_dir)
    return settings.secret_key


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "settings"
    return f"invalid setting {where}: {error['msg']}"


def stored_secret_key(data_dir: Path) -> str:
    """The secret generated on first run and kept in the data directory (mode 0600)."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    except OSError as exc:
        raise ConfigError(
            f"data directory {data_dir} is not writable ({exc.strerror}); set GAZETTE_DATA_DIR elsewhere"
        ) from None
    return key
