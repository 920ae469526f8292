"""The AI features behind one object: the configured client and a bounded cache of results.

Results are cached in memory per (article, its text's digest, feature,
arguments, model), so a changed article or another model never serves an old
answer; each entry also has a short token, which the article page puts in its
URL to show that result (the question itself stays out of URLs and logs).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

from gazette.ai.answers import AiResult
from gazette.ai.client import LlmClient, LlmConfig
from gazette.ai.document import ArticleDoc
from gazette.ai.features import (
    answer,
    language,
    question_text,
    summarize,
    summary_style,
    translate,
    translation_calls,
    translation_scope,
)
from gazette.config import Settings

MAX_CACHED = 512
FEATURES = ("summary", "translate", "ask")
CacheKey = tuple[int, str, str, tuple[str, ...], str]


def llm_config(settings: Settings) -> LlmConfig:
    return LlmConfig(
        base_url=settings.llm_base_url,
        model=settings.llm_model.strip(),
        api_key=settings.llm_api_key.get_secret_value(),
        timeout=settings.llm_timeout,
        max_tokens=settings.llm_max_tokens,
        max_prompt_chars=settings.llm_max_prompt_chars,
    )


def normalized_args(feature: str, args: dict[str, str]) -> tuple[str, ...]:
    """The feature's arguments, validated and in canonical form; raises FeatureError."""
    if feature == "summary":
        return (summary_style(args.get("style", "brief")),)
    if feature == "translate":
        return (language(args.get("lang", "")).tag, translation_scope(args.get("scope", "summary")))
    if feature == "ask":
        return (question_text(args.get("question", "")),)
    raise ValueError(f"unknown feature {feature!r}")


class AiService:
    def __init__(self, config: LlmConfig, max_entries: int = MAX_CACHED) -> None:
        self.config = config
        self.max_entries = max_entries
        self._client: LlmClient | None = None
        self._results: OrderedDict[str, tuple[CacheKey, AiResult]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.config.enabled

    def client(self) -> LlmClient:
        with self._lock:
            if self._client is None:
                self._client = LlmClient(self.config)
            return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def token(self, doc: ArticleDoc, feature: str, args: tuple[str, ...]) -> str:
        return _token(self._key(doc, feature, args))

    def cached(self, doc: ArticleDoc, feature: str, args: tuple[str, ...]) -> AiResult | None:
        return self.by_token(doc, self.token(doc, feature, args))

    def by_token(self, doc: ArticleDoc, token: str) -> AiResult | None:
        """The cached result ``token`` names, if it is about this very article text."""
        with self._lock:
            hit = self._results.get(token)
            if hit is None or hit[0][:2] != (doc.article_id, doc.digest):
                return None
            self._results.move_to_end(token)
            return hit[1]

    def calls_needed(self, doc: ArticleDoc, feature: str, args: tuple[str, ...]) -> int:
        return translation_calls(doc, args[1]) if feature == "translate" else 1

    def run(self, doc: ArticleDoc, feature: str, args: tuple[str, ...]) -> AiResult:
        """Ask the model (raises LlmError or FeatureError) and cache the result."""
        work: dict[str, Callable[[], AiResult]] = {
            "summary": lambda: summarize(self.client(), doc, args[0]),
            "translate": lambda: translate(self.client(), doc, args[0], args[1]),
            "ask": lambda: answer(self.client(), doc, args[0]),
        }
        result = work[feature]()
        key = self._key(doc, feature, args)
        with self._lock:
            self._results[_token(key)] = (key, result)
            self._results.move_to_end(_token(key))
            while len(self._results) > self.max_entries:
                self._results.popitem(last=False)
        return result

    def _key(self, doc: ArticleDoc, feature: str, args: tuple[str, ...]) -> CacheKey:
        return (doc.article_id, doc.digest, feature, args, self.config.model)


def _token(key: CacheKey) -> str:
    return hashlib.sha256(repr(key).encode("utf-8")).hexdigest()[:24]
