"""Summary styles, translation and cited answers over one stored article."""

from __future__ import annotations

import re
from dataclasses import dataclass

from babel import Locale

from gazette.ai.answers import (
    Answer,
    Summary,
    Translation,
    grounded_answer,
    numbered_segments,
    plain,
    points,
)
from gazette.ai.client import LlmClient
from gazette.ai.document import ArticleDoc
from gazette.ai.prompts import (
    SUMMARY_STYLES,
    numbered_sentences,
    question_messages,
    summary_messages,
    translation_messages,
)

MAX_QUESTION_CHARS = 500
SUMMARY_SENTENCES = 3
TRANSLATION_CHUNK_CHARS = 2_000
MAX_TRANSLATION_CHARS = 12_000
# A translation is about as long as its source; a token is rarely under two characters.
CHARS_PER_TOKEN = 2
SCOPES = ("summary", "full")
_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}$")
_NAMES = Locale("en")


class FeatureError(ValueError):
    """A request the reader must change (an unknown style, a bad language code, an empty question)."""


@dataclass(frozen=True, slots=True)
class Language:
    tag: str
    name: str


def language(code: str) -> Language:
    """A BCP 47-style tag (``de``, ``pt-BR``, ``zh-Hant``) whose primary language Babel knows."""
    value = code.strip()
    if not _TAG.match(value):
        raise FeatureError("The language must be a code such as de, fr or pt-BR.")
    primary, *rest = value.split("-")
    name = _NAMES.languages.get(primary.lower())
    if not name:
        raise FeatureError(f"Unknown language code {primary.lower()!r}.")
    tag = "-".join([primary.lower(), *rest])
    return Language(tag, str(name))


def summary_style(style: str) -> str:
    if style not in SUMMARY_STYLES:
        raise FeatureError(f"The style must be one of: {', '.join(SUMMARY_STYLES)}.")
    return style


def question_text(question: str) -> str:
    text = " ".join(question.split())
    if not text:
        raise FeatureError("Ask a question about the article.")
    if len(text) > MAX_QUESTION_CHARS:
        raise FeatureError(f"Questions may have at most {MAX_QUESTION_CHARS} characters.")
    return text


def translation_scope(scope: str) -> str:
    if scope not in SCOPES:
        raise FeatureError("The scope must be summary or full.")
    return scope


def summarize(client: LlmClient, doc: ArticleDoc, style: str) -> Summary:
    reply = plain(
        client.complete(summary_messages(doc, summary_style(style), client.config.max_prompt_chars))
    )
    listed = points(reply) if style in ("bullets", "timeline") else []
    return Summary(style, reply, listed, client.config.model)


def answer(client: LlmClient, doc: ArticleDoc, question: str) -> Answer:
    asked = question_text(question)
    numbered = numbered_sentences(doc, client.config.max_prompt_chars)
    if not numbered:
        raise FeatureError("This article has no text to answer from.")
    reply = plain(client.complete(question_messages(doc, numbered, asked)))
    valid = {n for n, _ in numbered}
    return grounded_answer(reply, asked, doc, valid, client.config.model)


def translation_calls(doc: ArticleDoc, scope: str) -> int:
    """How many model requests :func:`translate` will make (for the rate limit)."""
    return len(_chunks(_segments(doc, scope)[0]))


def translate(client: LlmClient, doc: ArticleDoc, code: str, scope: str = "summary") -> Translation:
    """The title and summary (or the whole text, in chunks of sentences) in another language.

    The title is segment 1; paragraphs of the full text are rebuilt from the
    breaks between the original sentences. Past MAX_TRANSLATION_CHARS the
    rest of a long article is left out and the result says ``truncated``.
    """
    target = language(code)
    segments, truncated = _segments(doc, translation_scope(scope))
    translated: list[str] = []
    for chunk in _chunks(segments):
        texts = [text for text, _ in chunk]
        tokens = max(client.config.max_tokens, sum(map(len, texts)) // CHARS_PER_TOKEN + 64)
        reply = client.complete(translation_messages(texts, target.name, target.tag), max_tokens=tokens)
        parts = numbered_segments(reply, len(chunk))
        translated.extend(parts if parts is not None else [reply.strip()] + [""] * (len(chunk) - 1))
    title, body = translated[0], translated[1:]
    paragraphs = _paragraphs(body, [breaks for _, breaks in segments[1:]])
    return Translation(target.tag, target.name, scope, title, paragraphs, client.config.model, truncated)


def _segments(doc: ArticleDoc, scope: str) -> tuple[list[tuple[str, bool]], bool]:
    """``(text, starts_paragraph)`` for the title and then the summary or the text's sentences,
    and whether sentences past MAX_TRANSLATION_CHARS were left out."""
    if scope == "summary":
        summary = list(doc.summary) or [
            doc.sentence(i) for i in range(min(SUMMARY_SENTENCES, len(doc.sentences)))
        ]
        return [(doc.title, True)] + [(sentence, i == 0) for i, sentence in enumerate(summary)], False
    segments = [(doc.title, True)]
    size = 0
    previous_end = 0
    for index, (start, end) in enumerate(doc.sentences):
        size += end - start
        if size > MAX_TRANSLATION_CHARS and index > 0:
            return segments, True
        segments.append((doc.sentence(index), index == 0 or "\n\n" in doc.text[previous_end:start]))
        previous_end = end
    return segments, False


def _chunks(segments: list[tuple[str, bool]]) -> list[list[tuple[str, bool]]]:
    chunks: list[list[tuple[str, bool]]] = []
    size = 0
    for segment in segments:
        if not chunks or size + len(segment[0]) > TRANSLATION_CHUNK_CHARS:
            chunks.append([])
            size = 0
        chunks[-1].append(segment)
        size += len(segment[0])
    return chunks


def _paragraphs(sentences: list[str], starts: list[bool]) -> list[str]:
    paragraphs: list[list[str]] = []
    for sentence, starts_paragraph in zip(sentences, starts, strict=True):
        if starts_paragraph or not paragraphs:
            paragraphs.append([])
        if sentence:
            paragraphs[-1].append(sentence)
    return [" ".join(parts) for parts in paragraphs if parts]
