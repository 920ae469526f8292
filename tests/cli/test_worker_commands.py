"""`gazette worker` and `gazette schedule` refuse to start without a broker and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize("command", [["worker", "-Q", "stories"], ["schedule", "--once"]])
def test_scale_out_commands_explain_what_they_need(command: list[str], tmp_path: Path) -> None:
    env = {"GAZETTE_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "gazette", *command], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert "GAZETTE_BROKER_URL is empty" in done.stderr
    sqlite = subprocess.run(
        [sys.executable, "-m", "gazette", *command],
        env={**env, "GAZETTE_BROKER_URL": "redis://127.0.0.1:1/0"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert sqlite.returncode == 2
    assert "PostgreSQL" in sqlite.stderr
