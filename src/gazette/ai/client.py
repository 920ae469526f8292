"""A small client for OpenAI-compatible chat completion endpoints (Ollama, llama.cpp, vLLM).

The endpoint is configured by the administrator, so it may live on loopback or
a private network: it does not go through the feed fetcher's SSRF guard. No
URL a user supplies ever reaches it, redirects are not followed (the API key
stays with the configured host) and proxy environment variables are ignored.
Every failure becomes one :class:`LlmError` whose message is fit for a reader;
neither the message nor any log line contains the API key.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

log = logging.getLogger(__name__)

MAX_REPLY_BYTES = 4 << 20
TEMPERATURE = 0.2
_THINKING = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)


class LlmError(Exception):
    """The language model could not give an answer; ``str()`` is a message for the reader."""

    def __init__(self, message: str, status: int = 502) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class LlmConfig:
    base_url: str
    model: str
    api_key: str = field(default="", repr=False)
    timeout: float = 60.0
    max_tokens: int = 512
    max_prompt_chars: int = 8_000

    @property
    def enabled(self) -> bool:
        return bool(self.base_url and self.model)


@dataclass(frozen=True, slots=True)
class Message:
    role: str
    content: str


class LlmClient:
    """One chat completion per :meth:`complete` call; safe to share between threads."""

    def __init__(self, config: LlmConfig) -> None:
        self.config = config
        headers = {"accept": "application/json"}
        if config.api_key:
            headers["authorization"] = f"Bearer {config.api_key}"
        self._http = httpx.Client(
            timeout=httpx.Timeout(config.timeout),
            headers=headers,
            follow_redirects=False,
            trust_env=False,
        )

    def close(self) -> None:
        self._http.close()

    def complete(self, messages: list[Message], max_tokens: int | None = None) -> str:
        """The assistant's reply text, without any ``<think>`` section; raises LlmError."""
        payload = {
            "model": self.config.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "temperature": TEMPERATURE,
            "max_tokens": max_tokens or self.config.max_tokens,
            "stream": False,
        }
        body = self._post(payload)
        return reply_text(body)

    def _post(self, payload: dict[str, Any]) -> bytes:
        url = f"{self.config.base_url}/chat/completions"
        try:
            with self._http.stream("POST", url, json=payload) as response:
                if response.status_code >= 300:
                    raise LlmError(_status_message(response.status_code))
                return _capped_body(response, time.monotonic() + self.config.timeout)
        except httpx.TimeoutException:
            log.warning("LLM request timed out after %ss", self.config.timeout)
            raise LlmError(
                f"The language model did not answer within {self.config.timeout:g} seconds.", 504
            ) from None
        except httpx.ConnectError:
            log.warning("could not connect to the LLM endpoint")
            raise LlmError("The language model endpoint is unreachable; try again later.", 503) from None
        except httpx.HTTPError as exc:
            log.warning("LLM request failed: %s", type(exc).__name__)
            raise LlmError("The connection to the language model failed.") from None


def _capped_body(response: httpx.Response, deadline: float) -> bytes:
    """The body, refused past MAX_REPLY_BYTES or the deadline (a server may send it a byte at a time)."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_REPLY_BYTES:
            raise LlmError("The language model's reply was too large.")
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("total deadline passed")
        chunks.append(chunk)
    return b"".join(chunks)


def _status_message(status: int) -> str:
    log.warning("LLM endpoint answered HTTP %s", status)
    if status in (401, 403):
        return "The language model endpoint refused Gazette's credentials (check GAZETTE_LLM_API_KEY)."
    if status == 404:
        return "The language model endpoint or model was not found (check GAZETTE_LLM_MODEL)."
    if status == 429:
        return "The language model is busy; try again later."
    if 300 <= status < 400:
        return "The language model endpoint redirected; configure its final address."
    return f"The language model failed (HTTP {status})."


def reply_text(body: bytes) -> str:
    """The first choice's message content from a chat completion body; raises LlmError."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise LlmError("The language model sent a reply Gazette could not read.") from None
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise LlmError("The language model sent no answer.")
    message = choices[0].get("message")
    content = message.get("content") if isinstance(message, dict) else choices[0].get("text")
    if not isinstance(content, str):
        raise LlmError("The language model sent no answer.")
    text = _THINKING.sub("", content).strip()
    if not text:
        raise LlmError("The language model sent an empty answer.")
    return text
