"""StoryIndex on hand-made vectors: joins, new stories, time windows, merges, duplicates, snapshots."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np

from gazette.stories.describe import StoryMember, digest
from gazette.stories.features import ArticleFeatures, features_for, lead_sentences
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
ELECTION_2008 = "Voters in Norvia elect a parliament in Kessel on Sunday, December 14, 2008, in 125 seats."
ELECTION_2008_AGAIN = (
    "Norvia's parliament vote of 2008: polls opened in Kessel for 125 seats, officials said."
)
ELECTION_2013 = "Norvia votes on Sunday, December 15, 2013: two parties run for 125 seats in Kessel."


def test_same_event_joins_and_other_event_on_the_same_topic_starts_a_story() -> None:
    index = StoryIndex(dimensions=DIM)
    first = index.assign(article("a1", unit(1, 0.1), QUAKE_A))
    second = index.assign(article("a2", unit(1, 0.2), QUAKE_A2, source="B"))
    other = index.assign(article("b1", unit(0.4, 1), QUAKE_B))
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
    index.assign(article("b1", unit(0.4, 1), QUAKE_B, source="C", hours=3))
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


def test_lead_sentences() -> None:
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


def test_a_story_holding_two_events_is_split_into_them() -> None:
    params = StoryParams(
        vector_weight=1.0,
        names_weight=0.0,
        numbers_weight=0.0,
        years_weight=0.0,
        join_threshold=0.1,
        merge_threshold=0.9,
        split_ratio=0.75,
        split_min_group=3,
    )
    index = StoryIndex(params, dimensions=DIM)
    texts = [QUAKE_A, QUAKE_A2, QUAKE_A3]
    first = [index.assign(article(f"a{i}", unit(1, 0.05 * i), texts[i], hours=i)) for i in range(3)]
    assert {a.story_id for a in first} == {first[0].story_id}
    others = [ELECTION_2008, ELECTION_2013]
    later = [index.assign(article(f"b{i}", unit(0.3, 1, 0.05 * i), others[i], hours=3 + i)) for i in range(2)]
    assert all(not a.split and a.story_id == first[0].story_id for a in later)
    last = index.assign(article("b2", unit(0.3, 1, 0.1), QUAKE_B, hours=5))
    assert last.split == {last.story_id: ["b0", "b1"]} and last.split_from == first[0].story_id
    assert last.story_id != first[0].story_id
    assert sorted(index.members(first[0].story_id)) == ["a0", "a1", "a2"]
    assert sorted(index.members(last.story_id)) == ["b0", "b1", "b2"]
    assert index.story_of("b0") == last.story_id
    assert index.assign(article("b3", unit(0.3, 1), QUAKE_B, hours=6)).story_id == last.story_id


def test_a_tight_story_is_not_split() -> None:
    params = StoryParams(vector_weight=1.0, names_weight=0.0, numbers_weight=0.0, years_weight=0.0)
    index = StoryIndex(replace(params, split_ratio=0.75), dimensions=DIM)
    texts = [f"Report {word}: {QUAKE_A}" for word in "one two three four five six seven eight".split()]
    results = [index.assign(article(f"a{i}", unit(1, 0.1 * (i % 3)), texts[i], hours=i)) for i in range(8)]
    assert not any(r.split for r in results)
    assert index.story_count == 1


def test_snapshots_of_the_first_version_still_restore() -> None:
    index = StoryIndex(dimensions=DIM)
    index.assign(article("a1", unit(1, 0.1), QUAKE_A))
    index.assign(article("a2", unit(1, 0.12), QUAKE_A2, source="B"))
    with np.load(io.BytesIO(index.snapshot())) as arrays:
        saved = {name: arrays[name] for name in arrays.files}
    header = json.loads(saved["header"].tobytes().decode())
    header["version"] = 1
    header["stories"] = [[i, s, m, t["names"], t["numbers"]] for i, s, m, t in header["stories"]]
    header["articles"] = [
        [*row[:3], row[3]["names"], row[3]["numbers"], *row[4:]] for row in header["articles"]
    ]
    saved["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    old = io.BytesIO()
    np.savez_compressed(old, **saved)
    restored = StoryIndex.restore(old.getvalue())
    assert restored.members(restored.story_of("a1")) == ["a1", "a2"]
    assert restored.assign(article("a3", unit(1, 0.1), QUAKE_A3)).story_id == restored.story_of("a1")


def test_copies_move_with_their_original_when_a_story_splits() -> None:
    params = StoryParams(
        vector_weight=1.0,
        names_weight=0.0,
        numbers_weight=0.0,
        years_weight=0.0,
        words_weight=0.0,
        join_threshold=0.1,
        merge_threshold=0.9,
    )
    index = StoryIndex(params, dimensions=DIM)
    for i, text in enumerate([QUAKE_A, QUAKE_A2, QUAKE_A3]):
        index.assign(article(f"a{i}", unit(1, 0.05 * i), text, hours=i))
    index.assign(article("b0", unit(0.3, 1), ELECTION_2008, hours=3))
    copy = index.assign(article("b0-copy", unit(0.9, 0.5), ELECTION_2008 + " Via the wire.", hours=3))
    assert copy.duplicate_of == "b0" and index.duplicate_of("b0-copy") == "b0"
    index.assign(article("b1", unit(0.3, 1, 0.05), ELECTION_2013, hours=4))
    last = index.assign(article("b2", unit(0.3, 1, 0.1), QUAKE_B, hours=5))
    assert last.split and sorted(index.members(last.story_id)) == ["b0", "b0-copy", "b1", "b2"]


def test_quiet_stories_retire_and_the_index_shrinks() -> None:
    index = StoryIndex(StoryParams(retire_after=timedelta(days=30)), dimensions=DIM)
    old = index.assign(article("a1", unit(1, 0.1), QUAKE_A, hours=0))
    index.assign(article("a2", unit(1, 0.2), QUAKE_A2, hours=1, source="B"))
    recent = index.assign(article("b1", unit(0.4, 1), QUAKE_B, hours=24 * 40))
    before = len(index.snapshot())
    assert index.retire(T0 + timedelta(days=41)) == [old.story_id]
    assert index.story_ids() == [recent.story_id] and len(index) == 1
    assert len(index.snapshot()) < before
    again = index.assign(article("b2", unit(0.4, 1), QUAKE_B + " Brenn visits.", hours=24 * 40 + 2))
    assert again.story_id == recent.story_id
    restored = StoryIndex.restore(index.snapshot())
    assert restored.members(recent.story_id) == ["b1", "b2"]


def test_retired_articles_leave_the_duplicate_and_related_pools() -> None:
    index = StoryIndex(dimensions=DIM)
    text = " ".join([QUAKE_A] * 3)
    index.assign(article("a1", unit(1), text, hours=0, source="Wire"))
    index.assign(article("b1", unit(0.4, 1), QUAKE_B, hours=24 * 40))
    index.retire(T0 + timedelta(days=40))
    copy = index.assign(article("a2", unit(1), text + " Again.", hours=24 * 40, source="Metro"))
    assert copy.duplicate_of is None
    assert "a1" not in [r.id for r in index.related(article("q", unit(1), QUAKE_A2, hours=None))]


def test_articles_dated_in_the_future_do_not_retire_everything() -> None:
    index = StoryIndex(dimensions=DIM)
    index.assign(article("a1", unit(1, 0.1), QUAKE_A, hours=0))
    index.assign(article("f1", unit(0.4, 1), QUAKE_B, hours=24 * 365 * 5))
    assert index.retire(T0 + timedelta(days=1)) == []
    assert len(index) == 2


def test_undated_stories_retire_after_enough_joins_elsewhere() -> None:
    index = StoryIndex(StoryParams(retire_idle_joins=2), dimensions=DIM)
    idle = index.assign(article("u1", unit(0, 0, 1), ELECTION_2008, hours=None))
    index.assign(article("a1", unit(1, 0.1), QUAKE_A))
    assert index.retire(T0) == []
    index.assign(article("a2", unit(1, 0.2), QUAKE_A2, hours=1))
    index.assign(article("a3", unit(1, 0.3), QUAKE_A3, hours=2))
    assert index.retire(T0) == [idle.story_id]
    assert sorted(index.members(index.story_of("a1"))) == ["a1", "a2", "a3"]
