"""The real newsboat, in FeedHQ mode, syncing with our Google Reader API on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import httpx

from gazette.store import Store
from tests.conftest import require

from .fill import Filled
from .test_greader import API, READ, add_reader, login

NEWSBOAT = shutil.which("newsboat") or "/usr/bin/newsboat"
APP_PASSWORD = "newsboat-app-password-42"


def reload(home: Path, base: str) -> dict[str, bool]:
    """Run ``newsboat -x reload`` and return {title: unread} from its cache database."""
    config = home / "config"
    config.write_text(
        "\n".join(
            [
                'urls-source "feedhq"',
                f'feedhq-url "{base}/api/greader/"',
                'feedhq-login "dora"',
                f'feedhq-password "{APP_PASSWORD}"',
                "feedhq-show-special-feeds no",
                "feedhq-min-items 50",
                "download-retries 1",
                "download-timeout 20",
                "",
            ]
        )
    )
    urls = home / "urls"
    urls.touch()
    env = {
        "HOME": str(home),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TERM": "dumb",
        "LANG": "C.UTF-8",
    }
    result = subprocess.run(
        [NEWSBOAT, "-x", "reload", "-C", str(config), "-c", str(home / "cache.db"), "-u", str(urls)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, (result.stdout, result.stderr)
    with sqlite3.connect(home / "cache.db") as conn:
        return {title: bool(unread) for title, unread in conn.execute("SELECT title, unread FROM rss_item")}


def test_newsboat_syncs_articles_and_read_state(
    web_store: Store, filled: Filled, web: httpx.Client, tmp_path: Path
) -> None:
    require(Path(NEWSBOAT).exists(), f"newsboat ({NEWSBOAT})")
    user = add_reader(web_store, "dora", APP_PASSWORD)
    assert user.id is not None
    web_store.subscribe_user(user.id, filled.feeds[0])
    web_store.subscribe_user(user.id, filled.feeds[1])
    home = tmp_path / "home"
    home.mkdir()
    base = str(web.base_url).rstrip("/")

    items = reload(home, base)
    assert set(items) == {
        "Bridge closes after inspectors find cracks",
        "Bridge closes after inspectors find cracks (wire)",
        "City shuts river bridge; 40 cracks found",
        "Sunny weekend ahead",
    }, "the user's subscriptions only (not the unsubscribed German feed)"
    assert all(items.values()), "nothing is read yet"

    reader = login(web, "dora", APP_PASSWORD)
    assert reader is not None
    marked = web.post(
        f"{API}/edit-tag",
        headers=reader.auth,
        data={"T": reader.token, "i": str(filled.articles["weather"]), "a": READ},
    )
    assert marked.text == "OK"
    items = reload(home, base)
    assert items["Sunny weekend ahead"] is False
    assert items["City shuts river bridge; 40 cracks found"] is True
