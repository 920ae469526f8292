"""StoryIndex on hand-made vectors: joins, new stories, time windows, merges, duplicates, snapshots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from gazette.stories.describe import StoryMember, digest
from gazette.stories.features import ArticleFeatures, features_for, lead_sentences, number_counts
from gazette.stories.index import StoryIndex, StoryParams

DIM = 8
T0 = datetime(2026, 3, 3, 12, tzinfo=UTC)


def unit(*weights: float) -> np.ndarray:
    vector = np.zeros(DIM, dtype=np.float32)
    vector[: len(weights)] = weights
    return (vector / np.linalg.norm(vector)).astype(np.float32)


def article(
    id: str, vector: np.ndarray, text: str, hours: float | None = 0, source: str = "A"
) -> ArticleFeatures:
    published = None if hours is None else T0 + timedelta(hours=hours)
    return features_for(id, text, vector, published=published, source=source, title=text.split(".")[0])


QUAKE_A = "Quake of 6.4 hits Mirest in Valdora. Governor Elena Kovas said 12 died and 340 were hurt."
QUAKE_A2 = "Governor Elena Kovas: 12 dead, 340 injured after Mirest earthquake (6.4) in Valdora province."
QUAKE_A3 = "Rescuers dig in Mirest, Valdora, where 12 people died in a 6.4 magnitude tremor; Kovas visits."
QUAKE_B = "Quake of 5.1 hits Sarn on the Valdora coast. Mayor Tomas Brenn said 3 were hurt."


def test_same_event_joins_and_other_event_on_the_same_topic_starts_a_story() -> None:
    index = StoryIndex(dimensions=DIM)
    first = index.assign(article("a1", unit(1, 0.1), QUAKE_A))
    second = index.assign(article("a2", unit(1, 0.2), QUAKE_A2, source="B"))
    other = index.assign(article("b1", unit(0.6, 1), QUAKE_B))
    assert first.new_story and not second.new_story
    assert second.story_id == first.story_id
    assert other.new_story and other.story_id != first.story_id


def test_assign_is_idempotent() -> None:
    index = StoryIndex(dimensions=DIM)
    features = article("a1", unit(1), QUAKE_A)
    assert index.assign(features).story_id == index.assign(features).story_id
    assert len(index) == 1


def test_stories_outside_the_time_window_are_not_candidates() -> None:
    index = StoryIndex(StoryParams(window=timedelta(days=3)), dimensions=DIM)
    early = index.assign(article("a1", unit(1), QUAKE_A, hours=0))
    late = index.assign(article("a2", unit(1), QUAKE_A2, hours=24 * 30))
    assert late.story_id != early.story_id


def test_near_duplicate_joins_its_original_and_is_listed_as_also_published() -> None:
    index = StoryIndex(dimensions=DIM)
    text = " ".join([QUAKE_A] * 3)
    index.assign(article("a1", unit(1), text, source="Wire"))
    copy = index.assign(article("a2", unit(0.9, 0.1), text + " Reporting by the desk.", source="Metro"))
    assert copy.duplicate_of == "a1"
    story = index.story(copy.story_id)
    assert [entry.id for entry in story.also_published["a1"]] == ["a2"]
    assert [entry.id for entry in story.timeline] == ["a1"]
    assert story.outlets == ["Metro", "Wire"]


def test_stories_merge_when_they_converge() -> None:
    params = StoryParams(
        vector_weight=1.0, names_weight=0.0, numbers_weight=0.0, join_threshold=0.6, merge_threshold=0.3
    )
    index = StoryIndex(params, dimensions=DIM)
    left = index.assign(article("a1", unit(1, 0), QUAKE_A))
    right = index.assign(article("a2", unit(0, 1), QUAKE_A2))
    assert left.story_id != right.story_id
    bridge = index.assign(article("a3", unit(1, 1), QUAKE_A3))
    assert bridge.merged
    assert index.story_count == 1
    assert sorted(index.members(bridge.story_id)) == ["a1", "a2", "a3"]


def test_related_ranks_same_story_other_outlets_first() -> None:
    index = StoryIndex(dimensions=DIM)
    query = article("a1", unit(1, 0.1), QUAKE_A, source="A")
    index.assign(query)
    index.assign(article("a2", unit(1, 0.12), QUAKE_A2, source="A", hours=1))
    index.assign(article("a3", unit(1, 0.3), QUAKE_A3, source="B", hours=2))
    index.assign(article("b1", unit(0.6, 1), QUAKE_B, source="C", hours=3))
    related = index.related(query, k=3)
    assert [r.id for r in related] == ["a3", "a2", "b1"]
    assert related[0].source == "B" and related[0].published == T0 + timedelta(hours=2)


def test_snapshot_restores_the_same_state() -> None:
    index = StoryIndex(dimensions=DIM)
    index.assign(article("a1", unit(1, 0.1), " ".join([QUAKE_A] * 3)))
    index.assign(article("b1", unit(1, 0.15), QUAKE_B, hours=None))
    restored = StoryIndex.restore(index.snapshot())
    assert restored.story_ids() == index.story_ids()
    assert restored.story(restored.story_of("a1")) == index.story(index.story_of("a1"))
    copy = restored.assign(article("a2", unit(1, 0.1), " ".join([QUAKE_A] * 3) + " Again."))
    assert copy.duplicate_of == "a1"
    assert restored.assign(article("a3", unit(1, 0.1), QUAKE_A2)).story_id == index.story_of("a1")


def test_feature_helpers() -> None:
    assert number_counts("A 6.4 quake, 1,200 hurt in 2026")["1200"] == 1
    assert lead_sentences("Short.\nThe first real sentence is here. And a second one follows it.")[0] == (
        "The first real sentence is here."
    )


def test_digest_titles_and_summarizes_from_the_central_members() -> None:
    members = [
        StoryMember("x", unit(1, 0), "Central headline", ("Quake hits the town of Mirest today.",)),
        StoryMember("z", unit(1, 0.3), None, ("Quake hits the town of Mirest today, officials say.",)),
        StoryMember("w", unit(1, -0.3), "Other headline", ("Something else entirely is said here.",)),
    ]
    story = digest("s1", members)
    assert story.title == "Central headline"
    assert story.summary[0] == "Quake hits the town of Mirest today."
    assert len(story.summary) == 2
