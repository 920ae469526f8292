"""``gazette create-user`` run as a user runs it (a subprocess; on a pseudo-terminal for the prompt),
and the demo's account. (Here rather than in tests/cli because the accounts work owns them.)"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from gazette.config import load_settings
from gazette.demo.run import DEMO_PASSWORD, DEMO_USERNAME, demo_login, ensure_demo_account
from gazette.models import Role
from gazette.store import Store
from gazette.web.auth import authenticate, create_user, use_password_hasher

from .accounts_support import CHEAP_ARGON2ID, PASSWORD


def gazette(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GAZETTE_")}
    env["GAZETTE_DATA_DIR"] = str(tmp_path / "data")
    return subprocess.run(
        [sys.executable, "-m", "gazette", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'users.db'}"
    store = Store(url)
    store.migrate()
    store.close()
    return url


def user_role(url: str, name: str) -> Role | None:
    store = Store(url)
    try:
        user = store.user_by_name(name)
        return user.role if user else None
    finally:
        store.close()


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("flag", "role"), [("--admin", Role.ADMIN), ("--moderator", Role.MODERATOR), (None, Role.READER)]
)
def test_create_user_from_stdin(tmp_path: Path, db: str, flag: str | None, role: Role) -> None:
    args = ["create-user", "casey", "--password-stdin", "--db", db, *([flag] if flag else [])]
    result = gazette(tmp_path, *args, stdin=PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    assert f"Created {role.value} casey" in result.stderr and PASSWORD not in result.stderr + result.stdout
    assert user_role(db, "casey") is role
    store = Store(db)
    try:
        assert authenticate(store, "casey", PASSWORD) is not None
    finally:
        store.close()


@pytest.mark.parametrize(
    ("args", "stdin", "needle"),
    [
        (["taken", "--password-stdin"], PASSWORD + "\n", "taken"),
        (["newbie", "--password-stdin"], "short\n", "at least 10"),
        (["<bad>", "--password-stdin"], PASSWORD + "\n", "Usernames are"),
        (["newbie"], "", "--password-stdin"),
        (["newbie", "--admin", "--moderator", "--password-stdin"], PASSWORD + "\n", "one of"),
    ],
)
def test_create_user_refusals_are_one_line(
    tmp_path: Path, db: str, args: list[str], stdin: str, needle: str
) -> None:
    store = Store(db)
    use_password_hasher(CHEAP_ARGON2ID)
    create_user(store, "taken", PASSWORD)
    store.close()
    line = one_line_error(gazette(tmp_path, "create-user", *args, "--db", db, stdin=stdin))
    assert needle in line, line
    assert user_role(db, "newbie") is None


def read_until(leader: int, needle: bytes, output: bytes) -> bytes:
    """``output`` plus what the terminal printed until ``needle`` (30 s at most)."""
    deadline = time.monotonic() + 30
    while needle not in output:
        assert time.monotonic() < deadline, output
        ready, _, _ = select.select([leader], [], [], 1)
        if ready:
            output += os.read(leader, 1024)
    return output


def type_hidden(leader: int, text: bytes) -> None:
    """Type once the prompt turned echo off: getpass flushes input typed before it did."""
    deadline = time.monotonic() + 30
    while termios.tcgetattr(leader)[3] & termios.ECHO:
        assert time.monotonic() < deadline, "the password prompt never hid the input"
        time.sleep(0.01)
    os.write(leader, text)


def test_create_user_asks_twice_on_a_terminal(tmp_path: Path, db: str) -> None:
    """On a pseudo-terminal the password is prompted for with echo off, and confirmed."""
    leader, follower = os.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GAZETTE_")}
    env["GAZETTE_DATA_DIR"] = str(tmp_path / "data")
    process = subprocess.Popen(
        [sys.executable, "-m", "gazette", "create-user", "terry", "--db", db],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        start_new_session=True,
    )
    os.close(follower)
    try:
        output = read_until(leader, b"Password:", b"")
        type_hidden(leader, PASSWORD.encode() + b"\n")
        output = read_until(leader, b"Repeat for confirmation:", output)
        type_hidden(leader, PASSWORD.encode() + b"\n")
        output = read_until(leader, b"Created reader terry", output)
        assert process.wait(timeout=60) == 0
    finally:
        os.close(leader)
        if process.poll() is None:
            process.kill()
            process.wait()
    assert PASSWORD.encode() not in output
    assert user_role(db, "terry") is Role.READER


def test_demo_account_is_created_once_and_shown_while_unchanged(tmp_path: Path, db: str) -> None:
    use_password_hasher(CHEAP_ARGON2ID)
    store = Store(db)
    try:
        settings = load_settings(data_dir=tmp_path / "data")
        assert ensure_demo_account(store, settings) is True
        assert ensure_demo_account(store, settings) is False
        demo = authenticate(store, DEMO_USERNAME, DEMO_PASSWORD)
        assert demo is not None and demo.role is Role.ADMIN
        assert demo_login(store) == f"{DEMO_USERNAME} / {DEMO_PASSWORD}"
        assert demo.id is not None
        store.set_password_hash(demo.id, CHEAP_ARGON2ID.hash("a private password"))
        assert demo_login(store) is None
    finally:
        store.close()


def test_no_demo_account_beside_existing_accounts(tmp_path: Path, db: str) -> None:
    use_password_hasher(CHEAP_ARGON2ID)
    store = Store(db)
    try:
        create_user(store, "owner", PASSWORD, Role.ADMIN)
        assert ensure_demo_account(store, load_settings(data_dir=tmp_path / "data")) is False
        assert store.user_by_name(DEMO_USERNAME) is None
    finally:
        store.close()
