"""The command line, run as a user runs it: a subprocess, exit codes, stdout and stderr."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


def gazette(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("GAZETTE_")} | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "gazette", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=120,
    )


@pytest.fixture
def data_env(tmp_path: Path) -> dict[str, str]:
    return {"GAZETTE_DATA_DIR": str(tmp_path / "data")}


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_init_then_stats_json(tmp_path: Path, data_env: dict[str, str]) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    assert gazette("init", "--db", db, env=data_env).returncode == 0
    result = gazette("stats", "--json", "--db", db, env=data_env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == dict.fromkeys(
        ["sources", "feeds", "articles", "stories", "entities", "quotes", "users", "comments"], 0
    )


def test_unmigrated_database_is_refused_with_hint(tmp_path: Path, data_env: dict[str, str]) -> None:
    db = f"sqlite:///{tmp_path / 'new.db'}"
    result = gazette("stats", "--json", "--db", db, env=data_env)
    assert_one_line_error(result, "gazette migrate")
    assert result.stdout == ""
    assert gazette("migrate", "--db", db, env=data_env).returncode == 0
    assert gazette("stats", "--json", "--db", db, env=data_env).returncode == 0


def test_unknown_database_scheme(data_env: dict[str, str]) -> None:
    assert_one_line_error(gazette("stats", "--db", "mysql://x/y", env=data_env), "not supported")


def test_unreachable_postgres(data_env: dict[str, str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = gazette("stats", "--db", f"postgresql://u@127.0.0.1:{port}/db", env=data_env)
    assert_one_line_error(result, "cannot reach PostgreSQL")


def test_corrupted_sqlite_file(tmp_path: Path, data_env: dict[str, str]) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not a database, just bytes" * 200)
    assert_one_line_error(gazette("stats", "--db", f"sqlite:///{bad}", env=data_env), "not a valid SQLite")


def test_read_only_data_directory(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        # root ignores permission bits; a path under a regular file is unwritable for everyone
        blocker = tmp_path / "file"
        blocker.write_text("x")
        data_dir = blocker / "data"
    else:
        data_dir = tmp_path / "ro"
        data_dir.mkdir(mode=0o500)
    result = gazette("init", env={"GAZETTE_DATA_DIR": str(data_dir)})
    assert_one_line_error(result, str(data_dir))


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def test_port_in_use(tmp_path: Path, data_env: dict[str, str], busy_port: int) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    gazette("init", "--db", db, env=data_env)
    result = gazette("serve", "--db", db, "--port", str(busy_port), "--no-poll", env=data_env)
    assert_one_line_error(result, f"port {busy_port}", "--port")


def test_usage_errors_exit_2(data_env: dict[str, str]) -> None:
    assert gazette("stats", "--no-such-flag", env=data_env).returncode == 2
