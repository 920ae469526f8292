"""Geometry for the story page's inline SVG charts, computed here so templates only place shapes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

TIMELINE_WIDTH = 600
TIMELINE_HEIGHT = 120
TIMELINE_BINS = 24
BAR_ROW = 26
COVERAGE_WIDTH = 600
COVERAGE_LABEL = 180


@dataclass(slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    start: datetime | None = None
    end: datetime | None = None
    label: str = ""


@dataclass(slots=True)
class Timeline:
    bars: list[Bar]
    start: datetime
    end: datetime
    width: int = TIMELINE_WIDTH
    height: int = TIMELINE_HEIGHT


@dataclass(slots=True)
class Coverage:
    bars: list[Bar]
    width: int = COVERAGE_WIDTH
    height: int = 0
    label_width: int = COVERAGE_LABEL


def timeline(times: Sequence[datetime | None], bins: int = TIMELINE_BINS) -> Timeline | None:
    """Articles per time bin across the story's span; None when no article has a time."""
    known = sorted(when for when in times if when is not None)
    if not known:
        return None
    start, end = known[0], known[-1]
    span = max(end - start, timedelta(hours=1))
    step = span / bins
    counts = [0] * bins
    for when in known:
        counts[min(bins - 1, int((when - start) / step))] += 1
    tallest = max(counts)
    slot = TIMELINE_WIDTH / bins
    plot = TIMELINE_HEIGHT - 20
    bars = []
    for index, count in enumerate(counts):
        height = plot * count / tallest if count else 0.0
        bars.append(
            Bar(
                x=round(index * slot + 1, 1),
                y=round(plot - height, 1),
                width=round(slot - 2, 1),
                height=round(height, 1),
                count=count,
                start=start + step * index,
                end=start + step * (index + 1),
            )
        )
    return Timeline(bars=bars, start=start, end=start + span)


def coverage(outlets: Sequence[tuple[str, int]]) -> Coverage | None:
    """One horizontal bar per outlet, longest first; None when there are none."""
    if not outlets:
        return None
    ordered = sorted(outlets, key=lambda item: (-item[1], item[0]))
    most = ordered[0][1] or 1
    room = COVERAGE_WIDTH - COVERAGE_LABEL - 40
    bars = [
        Bar(
            x=COVERAGE_LABEL,
            y=index * BAR_ROW + 4,
            width=round(max(2.0, room * count / most), 1),
            height=BAR_ROW - 8,
            count=count,
            label=name,
        )
        for index, (name, count) in enumerate(ordered)
    ]
    return Coverage(bars=bars, height=len(bars) * BAR_ROW)
