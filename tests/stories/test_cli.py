"""``cluster_jsonl`` on a small fixture with two quakes in one province, a wire copy and a cup final."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gazette.stories.cli import cluster_jsonl, parse_time


@pytest.fixture(scope="module")
def output(test_data: Path) -> dict[str, dict[str, Any]]:
    lines = [json.loads(line) for line in (test_data / "stories" / "articles.jsonl").read_text().splitlines()]
    lines.append({"id": "broken", "text": ""})
    return {str(record["id"]): record for record in cluster_jsonl(lines)}


def test_same_event_shares_a_story_and_different_events_do_not(output: dict[str, dict[str, Any]]) -> None:
    story = {key: record.get("story") for key, record in output.items()}
    assert story["q1"] == story["q2"] == story["q3"] == story["q6"]
    assert story["q4"] == story["q5"] != story["q1"]
    assert story["f1"] == story["f2"] not in (story["q1"], story["q4"])


def test_wire_copy_is_a_near_duplicate(output: dict[str, dict[str, Any]]) -> None:
    assert output["q6"]["duplicate_of"] == "q2"
    assert all(output[key]["duplicate_of"] is None for key in ("q1", "q2", "q3", "q4", "q5", "f1", "f2"))


def test_bad_input_reports_an_error_in_its_place(output: dict[str, dict[str, Any]]) -> None:
    assert list(output)[-1] == "broken"
    assert output["broken"] == {"id": "broken", "error": "missing text"}


def test_parse_time_accepts_rfc3339() -> None:
    assert parse_time("2026-03-03T05:10:00Z") == parse_time("2026-03-03T07:10:00+02:00")
    assert parse_time(None) is None
    with pytest.raises(ValueError, match="RFC 3339"):
        parse_time(12)
