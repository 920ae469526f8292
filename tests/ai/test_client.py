"""The OpenAI-compatible client against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from gazette.ai import LlmClient, LlmError, Message
from gazette.ai.client import reply_text

from .llm_server import LlmServer, closed_port
from .samples import API_KEY

MakeClient = Callable[..., LlmClient]
ASK = [Message("system", "Be brief."), Message("user", "Summarize in one sentence.")]


def test_sends_an_openai_chat_request_with_the_key_as_bearer(llm: LlmServer, client_for: MakeClient) -> None:
    reply = client_for(llm.base_url).complete(ASK)
    assert reply == "The council will rebuild the closed river bridge."
    [request] = llm.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.body["model"] == "test-model" and request.body["max_tokens"] == 256
    assert request.body["stream"] is False
    assert request.body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Summarize in one sentence."},
    ]


def test_no_key_sends_no_authorization_header(llm: LlmServer, client_for: MakeClient) -> None:
    client_for(llm.base_url, api_key="").complete(ASK)
    assert "authorization" not in llm.requests[0].headers


@pytest.mark.parametrize(
    ("mode", "status", "message", "http_status"),
    [
        ("status", 500, r"failed \(HTTP 500\)", 502),
        ("status", 401, "refused Gazette's credentials", 502),
        ("status", 404, "not found", 502),
        ("status", 429, "busy", 502),
        ("garbage", 0, "could not read", 502),
        ("empty", 0, "no answer", 502),
        ("redirect", 0, "redirected", 502),
    ],
)
def test_failures_become_one_clear_error(
    llm: LlmServer, client_for: MakeClient, mode: str, status: int, message: str, http_status: int
) -> None:
    llm.mode, llm.status_code = mode, status
    with pytest.raises(LlmError, match=message) as caught:
        client_for(llm.base_url).complete(ASK)
    assert caught.value.status == http_status
    assert len(llm.requests) == 1, "redirects are not followed"


def test_a_slow_model_times_out(llm: LlmServer, client_for: MakeClient) -> None:
    llm.mode = "slow"
    with pytest.raises(LlmError, match=r"did not answer within 0\.3 seconds") as caught:
        client_for(llm.base_url, timeout=0.3).complete(ASK)
    assert caught.value.status == 504


def test_a_refused_connection_is_unreachable(client_for: MakeClient) -> None:
    with pytest.raises(LlmError, match="unreachable") as caught:
        client_for(f"http://127.0.0.1:{closed_port()}/v1").complete(ASK)
    assert caught.value.status == 503


def test_the_key_never_reaches_logs_or_errors(
    llm: LlmServer, client_for: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = client_for(llm.base_url)
    client.complete(ASK)
    llm.mode = "status"
    with pytest.raises(LlmError) as caught:
        client.complete(ASK)
    assert API_KEY not in caplog.text and API_KEY not in str(caught.value)
    assert API_KEY not in repr(client.config)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"choices": [{"message": {"content": "<think>hmm</think>\\n Yes."}}]}', "Yes."),
        (b'{"choices": [{"text": "Legacy completion."}]}', "Legacy completion."),
    ],
)
def test_reply_text_reads_chat_and_legacy_shapes(body: bytes, expected: str) -> None:
    assert reply_text(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"[]",
        b'{"choices": "x"}',
        b'{"choices": [{"message": {"content": 3}}]}',
        b'{"choices": [{"message": {"content": "  "}}]}',
        b"\xff\xfe",
    ],
)
def test_reply_text_refuses_malformed_bodies(body: bytes) -> None:
    with pytest.raises(LlmError):
        reply_text(body)
