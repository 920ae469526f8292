"""The optional LLM stage: summary styles, translation and cited answers over stored articles.

Off unless ``llm_base_url`` names an OpenAI-compatible endpoint (Ollama,
llama.cpp's server, vLLM). Everything the model returns is untrusted text:
callers escape it, and :mod:`gazette.ai.answers` checks its citations.
"""

from __future__ import annotations

from gazette.ai.answers import AiResult, Answer, Citation, Summary, Translation
from gazette.ai.client import LlmClient, LlmConfig, LlmError, Message
from gazette.ai.document import ArticleDoc, make_doc
from gazette.ai.features import FeatureError, language
from gazette.ai.prompts import SUMMARY_STYLES
from gazette.ai.service import FEATURES, AiService, llm_config, normalized_args

__all__ = [
    "FEATURES",
    "SUMMARY_STYLES",
    "AiResult",
    "AiService",
    "Answer",
    "ArticleDoc",
    "Citation",
    "FeatureError",
    "LlmClient",
    "LlmConfig",
    "LlmError",
    "Message",
    "Summary",
    "Translation",
    "language",
    "llm_config",
    "make_doc",
    "normalized_args",
]
