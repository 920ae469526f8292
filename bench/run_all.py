"""Run every benchmark in turn (`make bench`); each prints its own table beside its peer's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED_DATA = HERE.parent.parent / "shared" / "data"
BENCHMARKS = [
    ["poll.py", "--feeds", "500"],
    ["parse.py"],
    ["extract.py"],
    ["enrich.py", "--limit", "100"],
    ["stories.py", str(SHARED_DATA), "--articles", "20000", "--measure", "500"],
    ["web.py"],
]


def main() -> int:
    failed = []
    for script, *args in BENCHMARKS:
        print(f"\n=== bench/{script} {' '.join(args)}", flush=True)
        if subprocess.run([sys.executable, str(HERE / script), *args], check=False).returncode != 0:
            failed.append(script)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
