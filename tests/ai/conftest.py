"""The stand-in LLM server and the sample article, for the ai/ tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from gazette.ai import ArticleDoc, LlmClient, LlmConfig

from .llm_server import LlmServer
from .samples import API_KEY, sample_doc


@pytest.fixture
def llm() -> Iterator[LlmServer]:
    server = LlmServer().start()
    yield server
    server.stop()


@pytest.fixture
def doc() -> ArticleDoc:
    return sample_doc()


@pytest.fixture
def client_for() -> Iterator[Callable[..., LlmClient]]:
    """Makes clients of the stand-in server (model ``test-model``, 256 tokens), closed after the test."""
    clients: list[LlmClient] = []

    def make(base_url: str, timeout: float = 5.0, api_key: str = API_KEY) -> LlmClient:
        client = LlmClient(LlmConfig(base_url, "test-model", api_key, timeout, 256))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
