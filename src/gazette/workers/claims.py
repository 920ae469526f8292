"""Leases in Redis that keep a job from being queued again while it is queued or running.

The scheduler claims a feed (or an article's enrichment) before enqueueing it
and the task releases the claim when it is done; a claim also expires, so a
job lost with a crashed worker or a flushed broker is queued again later.
"""

from __future__ import annotations

from collections.abc import Sequence

import redis

PREFIX = "gazette:claim:"


class Claims:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    @classmethod
    def from_url(cls, url: str) -> Claims:
        return cls(redis.Redis.from_url(url))

    def claim(self, key: str, seconds: int) -> bool:
        """Take the lease ``key`` for ``seconds``; False when someone holds it."""
        return bool(self.client.set(PREFIX + key, b"1", nx=True, ex=seconds))

    def claim_each(self, keys: Sequence[str], seconds: int) -> list[str]:
        """The keys among ``keys`` whose leases were free and are now taken (one round trip)."""
        pipe = self.client.pipeline(transaction=False)
        for key in keys:
            pipe.set(PREFIX + key, b"1", nx=True, ex=seconds)
        return [key for key, taken in zip(keys, pipe.execute(), strict=True) if taken]

    def held(self, key: str) -> bool:
        return bool(self.client.exists(PREFIX + key))

    def release(self, keys: Sequence[str]) -> None:
        if keys:
            self.client.delete(*(PREFIX + key for key in keys))


def poll_claim(feed_id: int) -> str:
    return f"poll:{feed_id}"


def enrich_claim(article_id: int) -> str:
    return f"enrich:{article_id}"


CLUSTER_CLAIM = "cluster"
PURGE_CLAIM = "purge"
