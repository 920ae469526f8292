"""Differences gate on labelled ECB+ pairs: precision must stay at or above eval/floors/differences.json."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def load_gate() -> ModuleType:
    """``eval/differences.py`` by path, so a ``tests/eval/__init__.py`` shadowing ``eval`` cannot break it."""
    path = Path(__file__).resolve().parents[2] / "eval" / "differences.py"
    spec = importlib.util.spec_from_file_location("gazette_eval_differences", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


differences = load_gate()


def test_differences_gate(shared_data: Path) -> None:
    result = differences.run(shared_data)
    print(differences.table(result))
    assert result["labelled"] >= 40
    assert differences.failures(result, differences.load_floors()) == []


def test_label_file_is_well_formed() -> None:
    labels = differences.load_labels()
    assert len(labels) >= 40
    assert {True, False} == {label["label"] for label in labels}
    for label in labels:
        assert label["kind"] in {"number", "quote", "attribution"}
        assert label["reason"].strip()
        assert label["a"]["doc"] != label["b"]["doc"]
        for side in (label["a"], label["b"]):
            assert side["value"] and side["sentence"]


def test_score_counts_unlabelled_pairs_as_false() -> None:
    labels = [
        {
            "event": "1ecb",
            "kind": "number",
            "a": {"doc": "x", "value": "3"},
            "b": {"doc": "y", "value": "4"},
            "label": True,
        },
        {
            "event": "1ecb",
            "kind": "number",
            "a": {"doc": "x", "value": "3"},
            "b": {"doc": "z", "value": "9"},
            "label": False,
        },
    ]
    reported = [
        ("1ecb", "number", frozenset({("y", "4"), ("x", "3")})),
        ("1ecb", "number", frozenset({("x", "3"), ("w", "7")})),
    ]
    result = differences.score(labels, reported)
    assert result["precision"] == 0.5
    assert result["recall"] == 1.0
    assert result["unlabelled"] == 1
    assert result["unlabelled_pairs"] == ["1ecb number: w: 7 | x: 3"]
