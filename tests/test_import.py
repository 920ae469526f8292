"""`import gazette` (and the CLI's module) must not load the heavy libraries."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("torch", "spacy", "sentence_transformers", "transformers")


def test_import_gazette_loads_no_heavy_library() -> None:
    code = (
        "import sys, gazette, gazette.cli, gazette.models, gazette.config, gazette.store; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == ""
