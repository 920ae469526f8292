"""The LLM settings: off by default, validated, and the API key kept secret."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gazette.ai import AiService, llm_config
from gazette.config import ConfigError, load_settings

from .samples import API_KEY


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("GAZETTE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("GAZETTE_DATA_DIR", str(tmp_path / "data"))


def test_off_by_default() -> None:
    settings = load_settings()
    assert settings.llm_base_url == "" and not AiService(llm_config(settings)).enabled


def test_configured_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GAZETTE_LLM_BASE_URL", "http://127.0.0.1:11434/v1/")
    monkeypatch.setenv("GAZETTE_LLM_MODEL", "llama3.2:3b")
    monkeypatch.setenv("GAZETTE_LLM_API_KEY", API_KEY)
    settings = load_settings()
    config = llm_config(settings)
    assert config.base_url == "http://127.0.0.1:11434/v1" and config.model == "llama3.2:3b"
    assert config.api_key == API_KEY and AiService(config).enabled
    for shown in (repr(settings), str(settings.model_dump()), settings.model_dump_json(), repr(config)):
        assert API_KEY not in shown


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"llm_base_url": "127.0.0.1:11434", "llm_model": "m"}, "llm_base_url"),
        ({"llm_base_url": "file:///etc/passwd", "llm_model": "m"}, "llm_base_url"),
        ({"llm_base_url": "http://127.0.0.1:11434/v1"}, "GAZETTE_LLM_MODEL"),
        ({"llm_timeout": 0}, "llm_timeout"),
        ({"llm_max_tokens": 1}, "llm_max_tokens"),
        ({"llm_requests_per_user": 0}, "llm_requests_per_user"),
    ],
)
def test_bad_llm_settings_are_one_line_errors(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(**overrides)


def test_a_bad_url_is_not_echoed_since_it_may_hold_credentials() -> None:
    with pytest.raises(ConfigError, match="llm_base_url") as caught:
        load_settings(llm_base_url="ftp://user:hunter2@127.0.0.1/v1", llm_model="m")
    assert "hunter2" not in str(caught.value)
