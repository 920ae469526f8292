"""Polite polling: when to fetch a feed next.

Pure functions over times and headers, so the policy is testable without a
network: adaptive intervals from a feed's posting frequency, the server's own
caching headers, Retry-After, exponential backoff on errors, and automatic
pausing after a month of failure.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from itertools import pairwise

MIN_INTERVAL = 5 * 60
MAX_INTERVAL = 24 * 3600
DEFAULT_INTERVAL = 3600
PAUSE_AFTER = timedelta(days=30)
JITTER = 0.1


def adaptive_interval(entry_times: Sequence[datetime]) -> int:
    """Seconds between polls from the feed's recent posting rhythm: half the median gap, clamped."""
    times = sorted(entry_times, reverse=True)[:20]
    if len(times) < 2:
        return DEFAULT_INTERVAL
    gaps = sorted((a - b).total_seconds() for a, b in pairwise(times))
    median = gaps[len(gaps) // 2]
    return clamp_interval(int(median / 2))


def clamp_interval(seconds: float) -> int:
    return int(min(MAX_INTERVAL, max(MIN_INTERVAL, seconds)))


def server_min_interval(headers: Mapping[str, str], now: datetime) -> int:
    """The freshness lifetime the server asked for (Cache-Control max-age or Expires), or 0."""
    for directive in headers.get("cache-control", "").split(","):
        name, _, value = directive.strip().partition("=")
        if name.lower() == "max-age" and value.strip().isdigit():
            return int(value.strip())
    expires = headers.get("expires")
    if expires:
        try:
            when = parsedate_to_datetime(expires)
        except (TypeError, ValueError):
            return 0
        if when.tzinfo is not None:
            return max(0, int((when - now).total_seconds()))
    return 0


def with_jitter(seconds: int, rng: random.Random | None = None) -> int:
    """Spread polls so feeds added together don't stay in lock-step."""
    spread = (rng or random).uniform(-JITTER, JITTER)
    return int(seconds * (1 + spread))


def next_poll_after_success(
    now: datetime, interval: int, headers: Mapping[str, str], rng: random.Random | None = None
) -> datetime:
    wanted = max(interval, min(server_min_interval(headers, now), MAX_INTERVAL))
    return now + timedelta(seconds=with_jitter(clamp_interval(wanted), rng))


def backoff_delay(error_count: int, interval: int, retry_after: datetime | None, now: datetime) -> int:
    """Exponential backoff from the feed's interval, never earlier than the server's Retry-After."""
    delay = min(MAX_INTERVAL, max(MIN_INTERVAL, interval) * 2 ** max(0, error_count - 1))
    if retry_after is not None:
        delay = max(delay, int((retry_after - now).total_seconds()))
    return int(min(delay, 7 * MAX_INTERVAL))


def should_pause(failing_since: datetime | None, now: datetime) -> bool:
    return failing_since is not None and now - failing_since >= PAUSE_AFTER
