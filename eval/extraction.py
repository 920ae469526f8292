"""Extraction quality: ours against trafilatura 2.3.1 (the peer), on two dev sets, in one run.

Scores
------
* ``trafilatura-eval`` (990 pages): snippet precision / recall / F1 exactly as
  trafilatura's own gate (``tests/eval_common.py``) computes them. Per page,
  after collapsing whitespace on both sides, tp = ``with`` snippets found in
  the text, fn = ``with`` snippets not found, fp = ``without`` snippets found,
  tn = ``without`` snippets not found; a crash or an empty result finds
  nothing. Counts are summed over the corpus (micro average) and
  F1 = 2·tp / (2·tp + fp + fn). Files are looked up in ``cache/`` then ``eval/``.
* ``readability-test-pages`` (130 pages): word-shingle F1 against the text of
  ``expected.html``: tokens are lowercased ``\\w+`` words, shingles are word
  4-grams counted as multisets, F1 from the multiset overlap; the mean over
  pages is reported (a page where both sides are empty scores 1).
* Metadata accuracy on the readability pages: title and byline count as equal
  after NFKC + casefold + whitespace collapse, or once a trailing site-name
  suffix (" | Site", " - Site", " — Site", " – Site") is removed from either
  side; language compares primary subtags. Pages whose expected value is null
  are left out of that field.
* A second byline figure, ``byline_name_accuracy``, printed as "byline
  (name-normalized: leading 'By'/'by' dropped on both sides)": Readability's
  expected bylines are the raw text of the byline element ("By Erin
  Cunningham") while we return the name; this figure drops a leading "By"
  from both sides before the same comparison. Both figures are gated.

The peer is ``trafilatura.extract(html, include_comments=False,
favor_precision=True)``; for metadata it is trafilatura's ``bare_extraction``
with the same settings plus ``with_metadata=True`` (it reports no language).

Gate
----
``eval/floors/extraction.json`` pins our floors, the peer's numbers at the time
and a sha256 of the corpus file list and sizes. ``python -m eval.extraction``
runs ours and the peer, prints the table and exits 1 when ours falls below a
floor, or when the corpus hash differs under ``CI=true`` (elsewhere it warns).
``--pin`` rewrites the floors from the current run (do it on purpose, and say
why in the commit).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FLOORS = HERE / "floors" / "extraction.json"
TRAFILATURA = Path("extraction") / "trafilatura-eval"
READABILITY = Path("extraction") / "readability-test-pages"
SHINGLE = 4
SUFFIX = re.compile(r"\s+(?:\||-|—|–|::|·|»)\s+[^|\-—–]+$")
FIELDS = (
    "trafilatura_f1",
    "readability_f1",
    "title_accuracy",
    "byline_accuracy",
    "byline_name_accuracy",
    "language_accuracy",
)
BYLINE_NAME_LABEL = "byline (name-normalized: leading 'By'/'by' dropped on both sides)"
LEADING_BY = re.compile(r"^\s*by\b\s*", re.IGNORECASE)


@dataclass(slots=True)
class Page:
    """What an extractor returns for one page (metadata may be None when not extracted)."""

    text: str
    title: str | None = None
    author: str | None = None
    language: str | None = None


Extractor = Callable[[bytes], Page]


def ours(html: bytes) -> Page:
    from gazette.extract.article import extract_article

    result = extract_article(html)
    return Page(result.text, result.title, result.author, result.language)


def peer_text(html: bytes) -> Page:
    from trafilatura import extract

    return Page(extract(html, include_comments=False, favor_precision=True) or "")


def peer_with_metadata(html: bytes) -> Page:
    from trafilatura import bare_extraction
    from trafilatura.settings import Document

    document = bare_extraction(html, include_comments=False, favor_precision=True, with_metadata=True)
    if not isinstance(document, Document):
        return Page("")
    return Page(document.text or "", document.title, document.author, None)


# --- corpus ---------------------------------------------------------------------------------


def corpus_files(shared_data: Path) -> list[Path]:
    """Every file the scores depend on, sorted."""
    files = [shared_data / TRAFILATURA / "evaldata.json"]
    for sub in ("cache", "eval"):
        files.extend(sorted((shared_data / TRAFILATURA / sub).glob("*")))
    for page in sorted((shared_data / READABILITY).iterdir()):
        if page.is_dir():
            files.extend(page / name for name in ("source.html", "expected.html", "expected-metadata.json"))
    return [f for f in files if f.is_file()]


def corpus_hash(shared_data: Path) -> str:
    """sha256 over "relative path<TAB>size" lines of every corpus file."""
    digest = hashlib.sha256()
    for path in corpus_files(shared_data):
        digest.update(f"{path.relative_to(shared_data).as_posix()}\t{path.stat().st_size}\n".encode())
    return digest.hexdigest()


def trafilatura_items(shared_data: Path, limit: int | None) -> Iterator[tuple[dict[str, Any], bytes]]:
    root = shared_data / TRAFILATURA
    evaldata = json.loads((root / "evaldata.json").read_text(encoding="utf-8"))
    items = list(evaldata.values())[:limit]
    for item in items:
        path = next(
            (root / sub / item["file"] for sub in ("cache", "eval") if (root / sub / item["file"]).is_file()),
            None,
        )
        if path is not None:
            yield item, path.read_bytes()


def readability_pages(
    shared_data: Path, limit: int | None
) -> Iterator[tuple[str, bytes, str, dict[str, Any]]]:
    from lxml import html as lxml_html

    root = shared_data / READABILITY
    pages = sorted(p for p in root.iterdir() if (p / "source.html").is_file())[:limit]
    for page in pages:
        expected_tree = lxml_html.fromstring(expected_html(page / "expected.html"))
        metadata = json.loads((page / "expected-metadata.json").read_text(encoding="utf-8"))
        yield page.name, (page / "source.html").read_bytes(), expected_tree.text_content(), metadata


def expected_html(path: Path) -> str:
    """``expected.html`` as text: the files are UTF-8 without a charset declaration.

    Handing lxml the bytes made it guess Latin-1, which garbled every non-ASCII
    expected text (0.03 shingle F1 on a Czech page whose text we extract right).
    """
    return path.read_bytes().decode("utf-8", errors="replace")


# --- scoring --------------------------------------------------------------------------------


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def snippet_counts(item: dict[str, Any], text: str | None) -> tuple[int, int, int, int]:
    """(tp, fp, fn, tn) for one page, as trafilatura's ``count_item``."""
    found = norm(text) if text else ""
    tp = sum(1 for snippet in item["with"] if found and norm(snippet) in found)
    fp = sum(1 for snippet in item["without"] if found and norm(snippet) in found)
    return tp, fp, len(item["with"]) - tp, len(item["without"]) - fp


def snippet_scores(tp: int, fp: int, fn: int, tn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    total = tp + fp + fn + tn
    return {
        "precision": precision,
        "recall": recall,
        "accuracy": (tp + tn) / total if total else 0.0,
        "f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0,
    }


def shingles(text: str) -> Counter[tuple[str, ...]]:
    tokens = re.findall(r"\w+", text.lower())
    size = min(SHINGLE, len(tokens))
    return Counter(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1)) if size else Counter()


def shingle_f1(predicted: str, expected: str) -> float:
    ours_, gold = shingles(predicted), shingles(expected)
    if not ours_ and not gold:
        return 1.0
    overlap = sum((ours_ & gold).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(ours_.values()), overlap / sum(gold.values())
    return 2 * precision * recall / (precision + recall)


def fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def without_suffix(text: str) -> str:
    return SUFFIX.sub("", text).strip()


def same_label(predicted: str | None, expected: str) -> bool:
    """Equal after folding, or once a trailing " | Site" / " - Site" / " — Site" is removed."""
    if not predicted:
        return False
    ours_, gold = fold(predicted), fold(expected)
    return bool({ours_, without_suffix(ours_)} & {gold, without_suffix(gold)})


def same_name(predicted: str | None, expected: str) -> bool:
    """``same_label`` once a leading "By"/"by" is dropped from both sides."""
    if not predicted:
        return False
    return same_label(LEADING_BY.sub("", predicted), LEADING_BY.sub("", expected))


def same_language(predicted: str | None, expected: str) -> bool:
    primary = expected.replace("_", "-").split("-")[0].lower()
    return bool(predicted) and str(predicted).replace("_", "-").split("-")[0].lower() == primary


# --- runs -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    pages: int = 0
    errors: int = 0
    seconds: float = 0.0


def timed(extractor: Extractor, html: bytes, tally: Tally) -> Page | None:
    start = time.perf_counter()
    try:
        return extractor(html)
    except Exception:
        tally.errors += 1
        return None
    finally:
        tally.seconds += time.perf_counter() - start
        tally.pages += 1


def score_trafilatura(shared_data: Path, extractor: Extractor, limit: int | None) -> dict[str, Any]:
    tally = Tally()
    for item, html in trafilatura_items(shared_data, limit):
        page = timed(extractor, html, tally)
        tp, fp, fn, tn = snippet_counts(item, page.text if page else None)
        tally.tp, tally.fp, tally.fn, tally.tn = tally.tp + tp, tally.fp + fp, tally.fn + fn, tally.tn + tn
    scores = snippet_scores(tally.tp, tally.fp, tally.fn, tally.tn)
    return {
        **scores,
        "tp": tally.tp,
        "fp": tally.fp,
        "fn": tally.fn,
        "tn": tally.tn,
        "pages": tally.pages,
        "errors": tally.errors,
        "seconds": tally.seconds,
    }


def score_readability(shared_data: Path, extractor: Extractor, limit: int | None) -> dict[str, Any]:
    tally = Tally()
    f1s: list[float] = []
    hits: dict[str, list[bool]] = {"title": [], "byline": [], "byline_name": [], "language": []}
    misses: dict[str, list[str]] = {field: [] for field in hits}
    for name, html, expected_text, expected in readability_pages(shared_data, limit):
        page = timed(extractor, html, tally) or Page("")
        f1s.append(shingle_f1(page.text, expected_text))
        checks = {
            "title": (expected.get("title"), page.title, same_label),
            "byline": (expected.get("byline"), page.author, same_label),
            "byline_name": (expected.get("byline"), page.author, same_name),
            "language": (expected.get("lang"), page.language, same_language),
        }
        for field, (gold, predicted, same) in checks.items():
            if not gold:
                continue
            hit = same(predicted, gold)
            hits[field].append(hit)
            if not hit:
                misses[field].append(f"{name}: {predicted!r} != {gold!r}")
    return {
        "f1": sum(f1s) / len(f1s) if f1s else 0.0,
        **{f"{field}_accuracy": sum(v) / len(v) if v else 0.0 for field, v in hits.items()},
        **{f"{field}_checked": len(v) for field, v in hits.items()},
        "misses": misses,
        "pages": tally.pages,
        "errors": tally.errors,
        "seconds": tally.seconds,
    }


def summary(trafilatura: dict[str, Any], readability: dict[str, Any]) -> dict[str, float]:
    return {
        "trafilatura_f1": trafilatura["f1"],
        "readability_f1": readability["f1"],
        "title_accuracy": readability["title_accuracy"],
        "byline_accuracy": readability["byline_accuracy"],
        "byline_name_accuracy": readability["byline_name_accuracy"],
        "language_accuracy": readability["language_accuracy"],
    }


def run(shared_data: Path, limit: int | None = None, peer: bool = True) -> dict[str, Any]:
    """Score ours (and, unless ``peer=False``, the peer) on both dev sets.

    Returns ``{"corpus_sha256", "limit", "ours": {...}, "peer": {...} | None}`` where each side
    holds ``summary`` (the gated numbers), ``trafilatura`` and ``readability`` details.
    """
    sides: dict[str, Any] = {"ours": (ours, ours)}
    if peer:
        sides["peer"] = (peer_text, peer_with_metadata)
    result: dict[str, Any] = {"corpus_sha256": corpus_hash(shared_data), "limit": limit, "peer": None}
    for side, (text_extractor, page_extractor) in sides.items():
        trafilatura = score_trafilatura(shared_data, text_extractor, limit)
        readability = score_readability(shared_data, page_extractor, limit)
        result[side] = {
            "summary": summary(trafilatura, readability),
            "trafilatura": trafilatura,
            "readability": readability,
        }
    return result


# --- floors ---------------------------------------------------------------------------------


def load_floors(path: Path = FLOORS) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def below_floors(result: dict[str, Any], floors: dict[str, Any]) -> list[str]:
    """Each gated score of ours under its pinned floor, as a readable line."""
    scores = result["ours"]["summary"]
    return [
        f"{name}: {scores[name]:.4f} < floor {floor:.4f}"
        for name, floor in floors["floors"].items()
        if round(scores[name], 4) < floor
    ]


def pin(result: dict[str, Any], path: Path = FLOORS) -> None:
    data = {
        "corpus_sha256": result["corpus_sha256"],
        "floors": {k: round(v, 4) for k, v in result["ours"]["summary"].items()},
        "peer": {k: round(v, 4) for k, v in result["peer"]["summary"].items()} if result["peer"] else None,
        "pinned": time.strftime("%Y-%m-%d"),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def table(result: dict[str, Any], floors: dict[str, Any] | None) -> str:
    ours_ = result["ours"]["summary"]
    peer = result["peer"]["summary"] if result["peer"] else (floors or {}).get("peer") or {}
    peer_label = "peer" if result["peer"] else "peer (pinned)"
    rows = [f"{'score':<22}{'ours':>9}{peer_label:>15}{'delta':>9}{'floor':>9}"]
    for name in FIELDS:
        other = peer.get(name)
        floor = (floors or {}).get("floors", {}).get(name)
        rows.append(
            f"{name:<22}{ours_[name]:>9.4f}"
            + (f"{other:>15.4f}{ours_[name] - other:>+9.4f}" if other is not None else f"{'-':>15}{'-':>9}")
            + (f"{floor:>9.4f}" if floor is not None else f"{'-':>9}")
        )
    rows.append(f"byline_name_accuracy = {BYLINE_NAME_LABEL}")
    for side in ("ours", "peer"):
        if result[side]:
            t = result[side]["trafilatura"]
            rows.append(
                f"{side}: trafilatura-eval tp={t['tp']} fp={t['fp']} fn={t['fn']} tn={t['tn']} "
                f"P={t['precision']:.4f} R={t['recall']:.4f} errors={t['errors']} "
                f"{t['pages'] / t['seconds']:.1f} pages/s"
            )
    return "\n".join(rows)


def default_shared() -> Path:
    return HERE.parent.parent / "shared" / "data"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--shared", type=Path, default=default_shared(), help="the shared/data folder")
    parser.add_argument("--limit", type=int, default=None, help="first N pages of each set (no gate)")
    parser.add_argument("--no-peer", action="store_true", help="skip the peer (table shows pinned peer)")
    parser.add_argument("--pin", action="store_true", help="rewrite the floors from this run")
    parser.add_argument("--misses", action="store_true", help="list metadata misses")
    args = parser.parse_args(argv)
    if not args.shared.is_dir():
        print(f"shared data not found at {args.shared}", file=sys.stderr)
        return 1 if os.environ.get("CI", "").lower() == "true" else 0
    result = run(args.shared, limit=args.limit, peer=not args.no_peer)
    floors = load_floors() if FLOORS.is_file() else None
    print(table(result, floors))
    if args.misses:
        for field, lines in result["ours"]["readability"]["misses"].items():
            print(f"\n{field} misses ({len(lines)}):\n  " + "\n  ".join(lines))
    if args.pin:
        pin(result)
        print(f"pinned floors in {FLOORS}")
        return 0
    return gate_status(result, floors, limited=args.limit is not None)


def gate_status(result: dict[str, Any], floors: dict[str, Any] | None, limited: bool) -> int:
    if floors is None or limited:
        print("gate not checked (no floors file, or --limit given)")
        return 0
    status = 0
    if floors["corpus_sha256"] != result["corpus_sha256"]:
        print("corpus hash differs from the pinned one: the floors are not comparable")
        status = 1 if os.environ.get("CI", "").lower() == "true" else 0
    failures = below_floors(result, floors)
    for line in failures:
        print("BELOW FLOOR", line)
    return 1 if failures else status


if __name__ == "__main__":
    sys.exit(main())
