"""The story gate on ECB+: BCubed floors in four orders, related P@3, beating TF-IDF."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval import stories


@pytest.fixture(scope="module")
def result(shared_data: Path) -> dict[str, object]:
    """One run (features computed once, reused for every order) shared by the checks below."""
    return stories.run(shared_data)


@pytest.mark.slow
def test_stories_meet_their_floors(result: dict[str, object]) -> None:
    print("\n" + stories.table(result))
    assert stories.failures(result, stories.load_floors()) == []


@pytest.mark.slow
def test_stories_beat_the_tfidf_baseline(result: dict[str, object]) -> None:
    for metric in ("bcubed_f1_mean", "bcubed_f1_worst", "tuning_bcubed_f1_mean"):
        ours, peer = result[metric], result[f"baseline_{metric}"]
        assert isinstance(ours, float) and isinstance(peer, float)
        assert ours > peer, metric


def test_floors_file_is_complete() -> None:
    pinned = json.loads(stories.FLOORS.read_text())
    assert len(pinned["corpus_sha256"]) == 64
    assert {"bcubed_f1_mean", "bcubed_f1_worst", "heldout_bcubed_f1_mean", "related_p_at_3"} <= set(
        pinned["minimums"]
    )


def test_bcubed_of_known_clusterings() -> None:
    gold = ["a", "a", "b", "b"]
    assert stories.bcubed(["x", "x", "y", "y"], gold, range(4)) == (1.0, 1.0, 1.0)
    precision, recall, _ = stories.bcubed(["x", "x", "x", "x"], gold, range(4))
    assert (precision, recall) == (0.5, 1.0)
    precision, recall, _ = stories.bcubed(["1", "2", "3", "4"], gold, range(4))
    assert (precision, recall) == (1.0, 0.5)
