"""What every quality gate shares: pinned floors, read and checked the same way."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def load_floors(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def floor_failures(result: dict[str, Any], floors: dict[str, Any], hash_key: str, path: Path) -> list[str]:
    """Floors broken by ``result``; a changed corpus (``hash_key`` differs) counts as one."""
    problems = []
    if result[hash_key] != floors[hash_key]:
        problems.append(f"corpus changed: re-pin eval/floors/{path.name} on purpose")
    for metric, floor in floors["minimums"].items():
        value = float(result[metric])
        if value < floor:
            problems.append(f"{metric} {value:.4f} < floor {floor:.4f}")
    return problems
