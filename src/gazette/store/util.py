"""Small helpers shared by the store's table groups."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import TypeVar

T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(UTC)


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
