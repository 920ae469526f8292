"""Shared test fixtures.

Gates that read ``../shared/data`` skip with a clear line when it is absent,
except under ``CI=true``, where a missing dependency is a failure: a green CI
that skipped its gates proves nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TEST_DATA = REPO / "tests" / "data"
SHARED = REPO.parent / "shared"
SHARED_DATA = SHARED / "data"
IN_CI = os.environ.get("CI", "").lower() == "true"


def require(condition: bool, what: str) -> None:
    """Skip (or, under CI=true, fail) when a test's outside dependency is missing."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{what} is missing, and CI=true forbids skipping", pytrace=False)
    pytest.skip(f"{what} is missing")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    require(SHARED_DATA.is_dir(), f"shared data ({SHARED_DATA})")
    return SHARED_DATA


@pytest.fixture(scope="session")
def test_data() -> Path:
    return TEST_DATA


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _postgres_bin() -> Path | None:
    import shutil

    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if found:
        return found[-1].parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL server for the session: GAZETTE_TEST_POSTGRES_URL, or one started here.

    As root, PostgreSQL must run as the ``postgres`` user, in a directory it owns.
    """
    given = os.environ.get("GAZETTE_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    bindir = _postgres_bin()
    require(bindir is not None, "PostgreSQL (pg_ctl; install the postgresql package)")
    assert bindir is not None
    import pwd
    import shutil
    import subprocess
    import tempfile

    as_postgres: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="gazette-pg-"))
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        shutil.chown(root, entry.pw_uid, entry.pw_gid)
        as_postgres = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    data = root / "data"
    run = subprocess.run
    run(
        [*as_postgres, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
        check=True,
        capture_output=True,
    )
    options = f"-k {root} -h 127.0.0.1 -p {port} -c fsync=off -c full_page_writes=off"
    run(
        [
            *as_postgres,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(root / "log"),
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        run(
            [*as_postgres, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo database, built once per test session through the real pipeline.

    The sample publishers stay up for the session (on free ports), so tests can
    poll again or follow article links.
    """
    from rich.console import Console

    from gazette.config import load_settings
    from gazette.demo.run import prepare_demo

    data_dir = tmp_path_factory.mktemp("demo")
    settings = load_settings(data_dir=data_dir)
    # On a thread of its own: prepare_demo runs its own event loop, and a browser test that ran
    # first leaves Playwright's loop running on this one.
    with ThreadPoolExecutor(max_workers=1) as thread:
        prepared = thread.submit(
            prepare_demo, settings, fresh=True, console=Console(stderr=True), ports=[0] * 6
        )
        store, publishers = prepared.result()
    store.close()
    try:
        yield settings.resolved_database_url
    finally:
        publishers.stop()
