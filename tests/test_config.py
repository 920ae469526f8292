from __future__ import annotations

import re
from pathlib import Path

import pytest

from gazette.config import ConfigError, Settings, ensure_secret_key, load_settings
from tests.conftest import REPO


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(__import__("os").environ):
        if name.startswith("GAZETTE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("GAZETTE_DATA_DIR", str(tmp_path / "data"))


def test_every_setting_is_documented() -> None:
    doc = (REPO / "docs" / "configuration.md").read_text()
    documented = set(re.findall(r"`(GAZETTE_[A-Z_]+)`", doc))
    expected = {f"GAZETTE_{name.upper()}" for name in Settings.model_fields}
    assert expected <= documented, f"undocumented: {sorted(expected - documented)}"
    assert "GAZETTE_CONFIG" in documented


def test_precedence_defaults_toml_env_flags(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    toml = tmp_path / "gazette.toml"
    toml.write_text('[gazette]\nbase_url = "https://toml.example"\nretention_days = 7\nlog_level = "debug"\n')
    monkeypatch.setenv("GAZETTE_CONFIG", str(toml))
    monkeypatch.setenv("GAZETTE_RETENTION_DAYS", "14")
    settings = load_settings(log_level="warning")
    assert settings.base_url == "https://toml.example"
    assert settings.retention_days == 14
    assert settings.log_level == "WARNING"
    assert settings.poll_concurrency == 16


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = ensure_secret_key(load_settings())
    assert len(first) >= 32
    assert ensure_secret_key(load_settings()) == first
    key_file = tmp_path / "data" / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_fetch_allow_parses_exact_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GAZETTE_FETCH_ALLOW", "127.0.0.1:8101, localhost:8102")
    assert load_settings().fetch_allow == ["127.0.0.1:8101", "localhost:8102"]
    monkeypatch.setenv("GAZETTE_FETCH_ALLOW", "127.0.0.1")
    with pytest.raises(ConfigError, match="fetch_allow"):
        load_settings()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"secret_key": "changeme", "secure_cookies": True, "base_url": "https://x.example"}, "SECRET_KEY"),
        (
            {"secret_key": "x" * 48, "secure_cookies": False, "base_url": "https://x.example"},
            "SECURE_COOKIES",
        ),
        ({"secret_key": "x" * 48, "secure_cookies": True, "base_url": "http://x.example"}, "https"),
    ],
)
def test_production_refuses_insecure_settings(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(env="production", **overrides)


def test_production_accepts_secure_settings() -> None:
    settings = load_settings(
        env="production", secret_key="k" * 48, secure_cookies=True, base_url="https://n.example"
    )
    assert settings.env.value == "production"


def test_bad_values_are_one_line_errors(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="base_url"):
        load_settings(base_url="ftp://x")
    bad = tmp_path / "bad.toml"
    bad.write_text("this is = = not toml")
    monkeypatch.setenv("GAZETTE_CONFIG", str(bad))
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings()


def test_account_and_comment_limits_come_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from gazette.web.auth import AuthLimits, auth_limits_from

    assert auth_limits_from(load_settings()) == AuthLimits(clock=auth_limits_from(load_settings()).clock)
    monkeypatch.setenv("GAZETTE_COMMENTS_PER_USER", "3")
    monkeypatch.setenv("GAZETTE_HOLD_FIRST_COMMENTS", "true")
    limits = auth_limits_from(load_settings(comment_edit_seconds=60, comment_max_depth=4))
    assert (limits.comments_per_user, limits.hold_first_comments) == (3, True)
    assert (limits.edit_window_seconds, limits.max_depth) == (60, 4)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("session_days", 0),
        ("comments_per_user", 0),
        ("max_comment_length", 200_000),
        ("comment_max_depth", 0),
    ],
)
def test_account_limits_are_validated(name: str, value: int) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings(**{name: value})


def test_the_app_takes_its_limits_from_settings(tmp_path: Path) -> None:
    from gazette.store import Store
    from gazette.web.app import create_app
    from gazette.web.auth import AuthLimits

    store = Store(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        app = create_app(load_settings(comments_per_ip=7), store)
        assert app.state.auth_limits.comments_per_ip == 7
        own = AuthLimits(comments_per_ip=1)
        assert create_app(load_settings(), store, auth_limits=own).state.auth_limits is own
    finally:
        store.close()
