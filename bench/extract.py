"""Pages per second: ours (gazette.extract.article) against trafilatura 2.3.1, same files, one run.

Each side runs in a fresh Python process over the same list of files, so start-up
(imports, the language model, first-call caches) is part of its time, as it is for
a user running ``gazette extract FILE...``. Reading the files is included for both.
The peer is ``trafilatura.extract(html, include_comments=False, favor_precision=True)``.

    .venv/bin/python bench/extract.py [--shared ../shared/data] [--limit N] [--runs N]

Prints wall-clock and CPU pages/s for both and the ratio ours/peer (> 1 means we are faster),
per run and, with ``--runs`` > 1, the median ratios. The two sides alternate within a run.
CPU time is the fairer figure on a shared machine; wall time is what a user waits.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

REPO = Path(__file__).resolve().parents[1]


def corpus(shared: Path, limit: int | None) -> list[str]:
    root = shared / "extraction"
    evaldata = json.loads((root / "trafilatura-eval" / "evaldata.json").read_text(encoding="utf-8"))
    files: list[Path] = []
    for item in evaldata.values():
        for sub in ("cache", "eval"):
            path = root / "trafilatura-eval" / sub / item["file"]
            if path.is_file():
                files.append(path)
                break
    files.extend(sorted((root / "readability-test-pages").glob("*/source.html")))
    return [str(f) for f in files[:limit]]


def worker(side: str, listing: Path) -> None:
    """Extract every listed file; prints nothing but a count, so output costs nothing."""
    paths = listing.read_text(encoding="utf-8").splitlines()
    if side == "ours":
        from gazette.extract.article import extract_article

        for path in paths:
            extract_article(Path(path).read_bytes())
    else:
        from trafilatura import extract

        for path in paths:
            extract(Path(path).read_bytes(), include_comments=False, favor_precision=True)
    print(len(paths))


def timed_run(side: str, listing: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one worker process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, __file__, "--worker", side, str(listing)],
        check=True,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description="extraction pages/s, ours vs trafilatura")
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--runs", type=int, default=1, help="repeat, then print the median ratios")
    parser.add_argument("--worker", nargs=2, metavar=("SIDE", "LISTING"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], Path(args.worker[1]))
        return 0
    files = corpus(args.shared, args.limit)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as listing:
        listing.write("\n".join(files))
    print(f"{len(files)} pages (trafilatura-eval + readability-test-pages), start-up included")
    wall_ratios, cpu_ratios = [], []
    for run in range(1, args.runs + 1):
        results = {side: timed_run(side, Path(listing.name)) for side in ("peer", "ours")}
        print(f"run {run}: {'':<1}{'wall pages/s':>14}{'CPU pages/s':>14}")
        for side, (wall, cpu) in results.items():
            print(f"{side:<8}{len(files) / wall:>14.1f}{len(files) / cpu:>14.1f}")
        (peer_wall, peer_cpu), (ours_wall, ours_cpu) = results["peer"], results["ours"]
        wall_ratios.append(peer_wall / ours_wall)
        cpu_ratios.append(peer_cpu / ours_cpu)
        print(f"{'ratio':<8}{wall_ratios[-1]:>14.2f}{cpu_ratios[-1]:>14.2f}   (ours/peer pages/s)")
    Path(listing.name).unlink()
    if args.runs > 1:
        print(f"median  {median(wall_ratios):>14.2f}{median(cpu_ratios):>14.2f}   over {args.runs} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
