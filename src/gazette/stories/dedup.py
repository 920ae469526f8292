"""Near-duplicate detection: MinHash LSH over word 5-gram shingles (datasketch).

Wire copy republished by several outlets differs by a headline, a byline or a
trailing paragraph; its shingle sets still overlap heavily. A story lists such
copies as "also published by" instead of as separate coverage.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

NUM_PERM = 64
THRESHOLD = 0.7
MIN_SHINGLES = 8
SCHEME = "affine32"


_PERMUTATIONS: dict[int, Any] = {}


def _permutations(num_perm: int) -> Any:
    """The (seeded, deterministic) MinHash permutations, built once per size: building them dominates."""
    if num_perm not in _PERMUTATIONS:
        from datasketch import MinHash

        _PERMUTATIONS[num_perm] = MinHash(num_perm=num_perm, scheme=SCHEME).permutations
    return _PERMUTATIONS[num_perm]


def minhash_of(shingles: Iterable[int], num_perm: int = NUM_PERM) -> Any:
    """Return a datasketch ``MinHash`` of 32-bit shingle hashes."""
    from datasketch import MinHash

    minhash = MinHash(
        num_perm=num_perm, hashfunc=_identity, scheme=SCHEME, permutations=_permutations(num_perm)
    )
    values = np.fromiter(shingles, dtype=np.uint64)
    if values.size:
        minhash.update_batch(values)
    return minhash


def _identity(value: Any) -> Any:
    return value


class NearDuplicateIndex:
    """Finds an already indexed article whose text nearly equals a new one's."""

    def __init__(self, threshold: float = THRESHOLD, num_perm: int = NUM_PERM) -> None:
        from datasketch import MinHashLSH

        self.threshold = threshold
        self.num_perm = num_perm
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._hashes: dict[str, Any] = {}

    def __len__(self) -> int:
        return len(self._hashes)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._hashes

    def find(self, shingles: frozenset[int]) -> str | None:
        """Return the id of the most similar indexed near-duplicate, or None."""
        if len(shingles) < MIN_SHINGLES or not self._hashes:
            return None
        return self._find(minhash_of(shingles, self.num_perm))

    def find_or_add(self, article_id: str, shingles: frozenset[int]) -> str | None:
        """Return the near-duplicate original of an article, indexing the article when it has none."""
        if len(shingles) < MIN_SHINGLES:
            return None
        minhash = minhash_of(shingles, self.num_perm)
        original = self._find(minhash) if self._hashes else None
        if original is None and article_id not in self._hashes:
            self._lsh.insert(article_id, minhash)
            self._hashes[article_id] = minhash
        return original

    def _find(self, minhash: Any) -> str | None:
        scored = [(minhash.jaccard(self._hashes[key]), key) for key in self._lsh.query(minhash)]
        best = max(scored, default=None)
        if best is None or best[0] < self.threshold:
            return None
        return str(best[1])

    def add(self, article_id: str, shingles: frozenset[int]) -> None:
        """Index an article (ignored when too short to judge or already indexed)."""
        if len(shingles) < MIN_SHINGLES or article_id in self._hashes:
            return
        minhash = minhash_of(shingles, self.num_perm)
        self._lsh.insert(article_id, minhash)
        self._hashes[article_id] = minhash

    def remove(self, article_id: str) -> None:
        if self._hashes.pop(article_id, None) is not None:
            self._lsh.remove(article_id)

    def export(self) -> tuple[list[str], np.ndarray[Any, Any]]:
        """Return the indexed ids and their MinHash values (one row each), for snapshots."""
        ids = list(self._hashes)
        rows = [np.asarray(self._hashes[key].hashvalues) for key in ids]
        matrix = np.stack(rows) if rows else np.zeros((0, self.num_perm), dtype=np.uint64)
        return ids, matrix

    def load(self, ids: list[str], matrix: np.ndarray[Any, Any]) -> None:
        """Re-index ids with MinHash values from :meth:`export`."""
        from datasketch import MinHash

        for key, values in zip(ids, matrix, strict=True):
            minhash = MinHash(
                num_perm=self.num_perm,
                hashfunc=_identity,
                hashvalues=values,
                scheme=SCHEME,
                permutations=_permutations(self.num_perm),
            )
            self._lsh.insert(key, minhash)
            self._hashes[key] = minhash
