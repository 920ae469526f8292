"""``gazette cluster --jsonl IN.jsonl``: the live online clustering over a file, in input order.

Each input line is ``{"id", "title"?, "text", "published"? (RFC 3339), "source"?}``;
each output line is ``{"id", "story", "duplicate_of"}`` (or ``{"id", "error"}``).
Story ids are those in force after the whole input is read: a story merged into
another later on reports the surviving id.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from gazette.stories.features import ArticleFeatures, ArticleInput, build_features
from gazette.stories.index import StoryIndex, StoryParams

BATCH = 64


def parse_time(value: object) -> datetime | None:
    """An RFC 3339 string as an aware UTC datetime (naive times are taken as UTC)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"published must be an RFC 3339 string, not {type(value).__name__}")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def article_input(line: dict[str, Any]) -> ArticleInput:
    """Validate one input record."""
    if "id" not in line or line["id"] is None:
        raise ValueError("missing id")
    text = line.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("missing text")
    title = line.get("title")
    source = line.get("source")
    return ArticleInput(
        id=str(line["id"]),
        text=text,
        title=str(title) if title else None,
        published=parse_time(line.get("published")),
        source=str(source) if source else None,
        entities=tuple(str(e) for e in line.get("entities") or ()),
    )


def cluster_jsonl(
    lines: Iterable[dict[str, Any]], params: StoryParams | None = None
) -> Iterator[dict[str, Any]]:
    """Cluster records in input order; yield one output record per input, in input order."""
    inputs: list[ArticleInput | str] = []
    ids: list[str] = []
    for line in lines:
        ids.append(str(line.get("id")) if isinstance(line, dict) else "None")
        try:
            if not isinstance(line, dict):
                raise ValueError("each line must be a JSON object")
            inputs.append(article_input(line))
        except ValueError as error:
            inputs.append(str(error))
    valid = [item for item in inputs if isinstance(item, ArticleInput)]
    features: list[ArticleFeatures] = []
    for start in range(0, len(valid), BATCH):
        features.extend(build_features(valid[start : start + BATCH]))
    index = StoryIndex(params)
    duplicates = {f.id: index.assign(f).duplicate_of for f in features}
    for article_id, item in zip(ids, inputs, strict=True):
        if isinstance(item, str):
            yield {"id": article_id, "error": item}
        else:
            yield {"id": item.id, "story": index.story_of(item.id), "duplicate_of": duplicates[item.id]}
