"""Build the demo publishers' bundled articles from the shared data sets.

Run once (and again whenever the selection rules change)::

    python -m gazette.demo.build_content /path/to/shared/data

It writes ``content/articles.jsonl``, ``content/images/*.png``, ``LICENSE.md``
and ``ATTRIBUTION.md`` beside this module. The output is deterministic: the same
inputs always give byte-identical files, so the bundle diffs cleanly.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import struct
import sys
import zlib
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TypeVar

from gazette.demo.profiles import PROFILES, profile_slugs

T = TypeVar("T")

CONTENT_DIR = Path(__file__).resolve().parent / "content"
WIKINEWS_FILES = ("news/wikinews-en/wikinews_2019.csv", "news/wikinews-en/wikinews_2020.csv")
ECBPLUS_FILE = "stories/ecbplus/articles.jsonl"

WIKINEWS_TARGET = 110
ECBPLUS_TARGET = 150
MIN_TEXT_CHARS = 400
MIN_SHORT_EVENT_CHARS = 200
MIN_REPORTS_PER_EVENT = 3
MAX_WIKINEWS_CHARS = 6000
MAX_AGE_MINUTES = 47 * 60
IMAGE_COUNT = 8

MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
WIKINEWS_DATELINE = re.compile(
    r"^(monday|tuesday|wednesday|thursday|friday|saturday|sunday),\s+("
    + MONTHS
    + r")\s+\d{1,2},\s+\d{4}\s*$",
    re.IGNORECASE,
)
ECB_DATELINE_START = re.compile(
    r"^(posted|updated|first published|published|last updated|by)\b", re.IGNORECASE
)
ECB_MONTH = re.compile(r"\b(" + MONTHS + r")\b", re.IGNORECASE)
ECB_DATELINE_DATE = re.compile(
    r"\b(" + MONTHS + r")\b.*\b(19|20)\d\d\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b", re.IGNORECASE
)

DASH_FOLLOWERS = frozenset(
    [
        "the",
        "a",
        "an",
        "it",
        "at",
        "both",
        "but",
        "he",
        "she",
        "they",
        "we",
        "i",
        "you",
        "which",
        "who",
        "whom",
        "this",
        "that",
        "these",
        "those",
        "his",
        "her",
        "its",
        "their",
        "including",
        "not",
        "as",
        "if",
        "when",
        "while",
        "with",
        "for",
        "from",
        "so",
        "there",
        "what",
        "where",
        "although",
        "though",
        "even",
        "just",
    ]
)
CONJUNCTIONS = frozenset(("and", "or"))
HYPHEN = "-"


@dataclass(slots=True)
class DemoArticle:
    id: str
    publisher: str
    title: str
    author: str
    text: str
    age_minutes: int
    origin: str
    origin_url: str | None
    event: str | None
    image: str | None


def stable_hash(value: str) -> int:
    """A hash that, unlike ``hash()``, is the same in every process."""
    return int.from_bytes(hashlib.sha256(value.encode("utf-8")).digest()[:8], "big")


# ---------------------------------------------------------------- detokenizing


def join_hyphenated_words(line: str) -> str:
    """Turn ``33 - year - old`` into ``33-year-old`` but keep a real dash (``said - the``)."""
    tokens = line.split(" ")
    out: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        joinable = token == HYPHEN and out and out[-1] not in ("", "-") and i + 1 < len(tokens)
        if joinable:
            right = tokens[i + 1]
            right_word = right.lower().strip(",.;:!?\"'”’")
            followed_by_hyphen = i + 2 < len(tokens) and tokens[i + 2] == "-"
            is_dash = (
                right in ("", "-")
                or out[-1][-1] in ",;:"
                or right_word in DASH_FOLLOWERS
                or (right_word in CONJUNCTIONS and not followed_by_hyphen)
            )
            if not is_dash:
                out[-1] = f"{out[-1]}-{right}"
                i += 2
                continue
        out.append(token)
        i += 1
    return " ".join(out)


def attach_straight_quotes(text: str) -> str:
    """Glue ASCII double quotes to their words.

    A quote with a space on one side only already says which way it faces; one
    spaced on both sides closes after punctuation (``, " said``) and otherwise
    alternates with the quote before it.
    """
    pieces = text.split('"')
    result = pieces[0]
    open_next = True
    for piece in pieces[1:]:
        spaced_before = result[-1:] in ("", " ", "\n")
        spaced_after = piece[:1] in ("", " ", "\n")
        if result[-1:] in ("", "\n") or piece[:1] in ("", "\n"):
            opening = result[-1:] in ("", "\n")
        elif spaced_before != spaced_after:
            opening = spaced_before
        elif spaced_before and result.rstrip(" ")[-1:] in tuple(",.!?;:"):
            opening = False
        else:
            opening = open_next
        result = f'{result}"{piece.lstrip(" ")}' if opening else f'{result.rstrip(" ")}"{piece}'
        open_next = not opening
    return result


def detokenize(line: str) -> str:
    """Undo ECB+ tokenization (``` `` ```/``''`` quotes, spaced hyphens, `` 's``, ``$ 5``)."""
    text = line.replace("\u00a0", " ").replace("\u201c", '"').replace("\u201d", '"')
    text = re.sub(r"``\s*", "\u201c", text)
    text = re.sub(r"\s*''", "\u201d", text)
    text = re.sub(r"`\s*", "\u2018", text)
    text = re.sub(r"\s+- -\s+", " \u2014 ", text)
    text = re.sub(r"\s+--\s+", " \u2014 ", text)
    text = join_hyphenated_words(text)
    text = re.sub(r"(\w) ?\u2019 ?(s|t|re|ve|ll|d|m)\b", "\\1\u2019\\2", text)
    text = re.sub(r"(\w) (n't|'s|'re|'ve|'ll|'d|'m)\b", r"\1\2", text)
    text = re.sub(r"\u201c\s+", "\u201c", text)
    text = re.sub(r"\s+\u201d", "\u201d", text)
    text = re.sub(r"\u2018\s+", "\u2018", text)
    text = re.sub(r"(\d): (\d)", r"\1:\2", text)
    text = re.sub(r"(\d) / (?=\d)", r"\1/", text)
    text = re.sub(r"([$#(\[]) ", r"\1", text)
    text = re.sub(r" ([,.;:!?%)\]])", r"\1", text)
    text = re.sub(r"\b([ap])\. m\.", r"\1.m.", text)
    text = re.sub(r"\b([A-Z])\. (?=[A-Z]\.)", r"\1.", text)
    return re.sub(r" {2,}", " ", text).strip()


# ---------------------------------------------------------------- headlines


def looks_like_headline(line: str) -> bool:
    words = line.split()
    return 3 <= len(words) <= 20 and len(line) <= 120 and not line.endswith((".", ",", ":", ";"))


def is_ecb_dateline(line: str) -> bool:
    if len(line) > 90:
        return False
    words = len(line.split())
    return (
        bool(ECB_DATELINE_START.match(line))
        or (words <= 10 and bool(ECB_DATELINE_DATE.search(line)))
        or (words <= 4 and bool(ECB_MONTH.search(line)) and any(c.isdigit() for c in line))
    )


ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "gov",
        "sen",
        "rep",
        "st",
        "jr",
        "sr",
        "lt",
        "gen",
        "col",
        "sgt",
        "capt",
        "prof",
        "rev",
        "inc",
        "corp",
        "co",
        "no",
        "vs",
        "mt",
        "ft",
    ]
)


def first_sentence(text: str) -> str:
    """The text up to the first full stop that is not an abbreviation (``Gov.``, ``L.A.``, ``p.m.``)."""
    for match in re.finditer(r"[.!?][\"\u201d\u2019]?(?=\s+[\"\u201c]?[A-Z0-9]|$)", text):
        words = text[: match.start()].split()
        last = words[-1].lower() if words else ""
        if match.group().startswith(".") and (last in ABBREVIATIONS or len(last) <= 1 or "." in last):
            continue
        return text[: match.end()]
    return text


def headline_from_sentence(sentence: str, limit: int = 100) -> str:
    """A headline from a lead sentence: cut at a clause break, else at a word, before ``limit``."""
    headline = sentence.strip().rstrip(".")
    if len(headline) <= limit:
        return headline
    clause_breaks = [m.start() for m in re.finditer(r", | \u2014 | - | after | as | when ", headline)]
    good = [pos for pos in clause_breaks if 40 <= pos <= limit]
    if good:
        return headline[: good[-1]].rstrip(" ,")
    cut = headline[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "\u2026"


# ---------------------------------------------------------------- reading


SENTENCE_ENDINGS = (".", "!", "?", '"', "'", "\u201d", "\u2019", ")", ":")


def group_sentences(lines: list[str], max_sentences: int = 3, max_chars: int = 320) -> list[str]:
    """ECB+ gives one sentence per line; news paragraphs hold two or three, and keep a quote whole."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if not current and not line.endswith(SENTENCE_ENDINGS):
            paragraphs.append(line)  # a standfirst or crosshead stands alone
            continue
        current.append(line)
        quote_open = sum(s.count('"') for s in current) % 2 == 1 and len(current) < 2 * max_sentences
        full = len(current) >= max_sentences or sum(len(s) for s in current) >= max_chars
        if full and not quote_open:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def ecb_title_and_paragraphs(raw_text: str, is_plus: bool) -> tuple[str, list[str]]:
    prose = attach_straight_quotes("\n".join(detokenize(line) for line in raw_text.split("\n")))
    lines = [line.strip() for line in prose.split("\n") if line.strip()]
    lines = [line for index, line in enumerate(lines) if index > 2 or not is_ecb_dateline(line)]
    title: str | None = None
    if is_plus and lines and looks_like_headline(lines[0]):
        title = lines.pop(0)
    if title is None:
        title = headline_from_sentence(first_sentence(lines[0]) if lines else "Untitled")
    return title, group_sentences(lines)


def wikinews_paragraphs(raw_text: str) -> list[str]:
    text = raw_text.replace("\u00a0", " ")
    paragraphs = [re.sub(r"\s+", " ", part).strip() for part in re.split(r"\n\s*\n", text)]
    paragraphs = [p for p in paragraphs if p]
    if paragraphs and WIKINEWS_DATELINE.match(paragraphs[0]):
        paragraphs.pop(0)
    return paragraphs


def read_wikinews(shared_data: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for name in WIKINEWS_FILES:
        with (shared_data / name).open(encoding="utf-8", newline="") as handle:
            rows.extend(csv.DictReader(handle))
    return rows


def read_ecbplus(shared_data: Path) -> list[dict[str, object]]:
    with (shared_data / ECBPLUS_FILE).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


# ---------------------------------------------------------------- selecting


def evenly_spaced(items: list[T], count: int) -> list[T]:
    if len(items) <= count:
        return list(items)
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def byline(publisher: str, article_id: str) -> str:
    staff = next(p.staff for p in PROFILES if p.slug == publisher)
    return staff[stable_hash(article_id) % len(staff)]


def image_for(article_id: str) -> str | None:
    """About two articles in five get one of the bundled photos."""
    digest = stable_hash("image:" + article_id)
    if digest % 5 >= 2:
        return None
    return f"images/photo-{digest // 5 % IMAGE_COUNT + 1}.png"


def select_wikinews(shared_data: Path) -> list[DemoArticle]:
    rows = sorted(read_wikinews(shared_data), key=lambda row: (row["date"], row["url"]))
    candidates: list[tuple[dict[str, str], list[str]]] = []
    for row in rows:
        paragraphs = wikinews_paragraphs(row["text"])
        text_length = len("\n\n".join(paragraphs))
        if MIN_TEXT_CHARS <= text_length <= MAX_WIKINEWS_CHARS and row["title"].strip():
            candidates.append((row, paragraphs))
    slugs = profile_slugs()
    articles: list[DemoArticle] = []
    for index, (row, paragraphs) in enumerate(evenly_spaced(candidates, WIKINEWS_TARGET)):
        article_id = f"wn{index + 1:03d}"
        publisher = slugs[index % len(slugs)]
        articles.append(
            DemoArticle(
                id=article_id,
                publisher=publisher,
                title=row["title"].strip(),
                author=byline(publisher, article_id),
                text="\n\n".join(paragraphs),
                age_minutes=0,
                origin="wikinews",
                origin_url=row["url"].replace("wikinews.org//wiki/", "wikinews.org/wiki/"),
                event=None,
                image=image_for(article_id),
            )
        )
    return articles


def ecb_sort_key(row: dict[str, object]) -> tuple[int, int]:
    match = re.match(r"(\d+)_(\d+)", str(row["id"]))
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


def long_enough_reports(
    reports: list[tuple[dict[str, object], str, list[str]]],
) -> list[tuple[dict[str, object], str, list[str]]]:
    """Reports of at least ``MIN_TEXT_CHARS``; for an event that has too few, its longest short ones.

    Topic 22's first event only has reports of 120-285 characters, and the
    stories feature needs both events of every topic.
    """

    def length(report: tuple[dict[str, object], str, list[str]]) -> int:
        return len("\n\n".join(report[2]))

    long_ones = [r for r in reports if length(r) >= MIN_TEXT_CHARS]
    if len(long_ones) >= MIN_REPORTS_PER_EVENT:
        return long_ones
    short_ones = sorted((r for r in reports if length(r) < MIN_TEXT_CHARS), key=length, reverse=True)
    wanted = {id(r) for r in long_ones + short_ones[: MIN_REPORTS_PER_EVENT - len(long_ones)]}
    return [r for r in reports if id(r) in wanted]


def select_ecbplus(shared_data: Path) -> list[DemoArticle]:
    """Up to four articles per event, each on a different publisher, both events of every topic."""
    by_event: dict[str, list[tuple[dict[str, object], str, list[str]]]] = defaultdict(list)
    for row in sorted(read_ecbplus(shared_data), key=ecb_sort_key):
        event = str(row["event"])
        title, paragraphs = ecb_title_and_paragraphs(str(row["text"]), event.endswith("plus"))
        if len("\n\n".join(paragraphs)) >= MIN_SHORT_EVENT_CHARS:
            by_event[event].append((row, title, paragraphs))
    for event, reports in by_event.items():
        by_event[event] = long_enough_reports(reports)
    events = sorted(by_event, key=lambda e: (int(re.sub(r"\D", "", e)), e))
    chosen: dict[str, list[tuple[dict[str, object], str, list[str]]]] = {e: [] for e in events}
    total = 0
    for round_index in range(len(PROFILES)):
        for event in events:
            if total < ECBPLUS_TARGET and round_index < len(by_event[event]):
                chosen[event].append(by_event[event][round_index])
                total += 1
    slugs = profile_slugs()
    articles: list[DemoArticle] = []
    for event_index, event in enumerate(events):
        for position, (row, title, paragraphs) in enumerate(chosen[event]):
            article_id = f"ecb-{row['id']}"
            publisher = slugs[(event_index + position) % len(slugs)]
            url = row.get("url")
            articles.append(
                DemoArticle(
                    id=article_id,
                    publisher=publisher,
                    title=title,
                    author=byline(publisher, article_id),
                    text="\n\n".join(paragraphs),
                    age_minutes=0,
                    origin="ecbplus",
                    origin_url=str(url) if url else None,
                    event=event,
                    image=image_for(article_id),
                )
            )
    return articles


def assign_ages(articles: list[DemoArticle]) -> None:
    """Spread publication over the last ~47 hours; one event's reports land within a few hours."""
    standalone = [a for a in articles if a.event is None]
    events = sorted({a.event for a in articles if a.event is not None})
    slots = len(standalone) + len(events)
    slot_of: dict[str, int] = {}
    order = sorted([a.id for a in standalone] + events, key=lambda key: stable_hash("slot:" + key))
    for slot, key in enumerate(order):
        slot_of[key] = slot
    for article in articles:
        base = 20 + slot_of[article.event or article.id] * (MAX_AGE_MINUTES - 260) // max(slots - 1, 1)
        jitter = stable_hash("age:" + article.id) % 240 if article.event else stable_hash(article.id) % 20
        article.age_minutes = min(base + jitter, MAX_AGE_MINUTES)


# ---------------------------------------------------------------- images


def png_bytes(width: int, height: int, pixel_row: bytes) -> bytes:
    """A PNG whose every row is ``pixel_row`` (RGB): tiny on disk, a real photo placeholder."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + pixel_row for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def gradient_row(width: int, start: tuple[int, int, int], end: tuple[int, int, int]) -> bytes:
    row = bytearray()
    for x in range(width):
        share = x / (width - 1)
        row.extend(round(s + (e - s) * share) for s, e in zip(start, end, strict=True))
    return bytes(row)


def placeholder_images() -> dict[str, bytes]:
    palette = (
        ((32, 58, 96), (210, 160, 90)),
        ((20, 90, 60), (200, 220, 140)),
        ((120, 30, 40), (250, 200, 120)),
        ((60, 60, 70), (190, 200, 215)),
        ((10, 70, 120), (120, 200, 230)),
        ((90, 40, 110), (240, 150, 170)),
        ((150, 90, 20), (250, 230, 160)),
        ((30, 30, 30), (150, 150, 150)),
    )
    return {
        f"images/photo-{index + 1}.png": png_bytes(640, 360, gradient_row(640, start, end))
        for index, (start, end) in enumerate(palette[:IMAGE_COUNT])
    }


# ---------------------------------------------------------------- writing

LICENSE_TEXT = """# Licences of the demo content

The articles in `articles.jsonl` come from two openly licensed sources. The page
chrome around them (navigation, ads, comments, bylines) and the placeholder
images in `images/` are invented for the demo and are part of Gazette.

## English Wikinews (articles with `"origin": "wikinews"`)

Text from English Wikinews, <https://en.wikinews.org/>, licensed under the
Creative Commons Attribution 2.5 Generic licence (CC BY 2.5),
<https://creativecommons.org/licenses/by/2.5/>. Each article credits Wikinews
and links its original page (`origin_url`). Changes: the leading date line was
removed, whitespace was normalized, and an invented byline was added.

## ECB+ corpus (articles with `"origin": "ecbplus"`)

Texts from the ECB+ corpus (topics 1-22), licensed under the Creative Commons
Attribution 3.0 Unported licence (CC BY 3.0),
<http://creativecommons.org/licenses/by/3.0/legalcode>.
ECB+ annotation is held copyright by Agata Cybulska, Piek Vossen and the VU
University of Amsterdam. Please cite:

> Agata Cybulska and Piek Vossen. 2014. Using a sledgehammer to crack a nut?
> Lexical diversity and event coreference resolution. In Proceedings of the 9th
> international conference on Language Resources and Evaluation (LREC2014).

Changes: the tokenized text was detokenized into normal prose, sentences were
grouped into paragraphs, datelines were dropped, headlines were taken from the
first line or derived from the first sentence, and an invented byline was added.
Where ECB+ records the original address, it is kept in `origin_url`.
"""


def attribution_markdown(articles: list[DemoArticle]) -> str:
    lines = [
        "# Attribution of the demo articles",
        "",
        "Wikinews articles: CC BY 2.5, credit Wikinews (https://en.wikinews.org/).",
        "ECB+ articles: CC BY 3.0, Cybulska & Vossen, LREC 2014. See LICENSE.md.",
        "",
        "| id | publisher | title | source |",
        "|---|---|---|---|",
    ]
    for article in articles:
        title = article.title.replace("|", "\\|")
        origin = "Wikinews" if article.origin == "wikinews" else f"ECB+ ({article.event})"
        source = f"{origin}: {article.origin_url}" if article.origin_url else origin
        lines.append(f"| {article.id} | {article.publisher} | {title} | {source} |")
    return "\n".join(lines) + "\n"


def build(shared_data: Path, out_dir: Path = CONTENT_DIR) -> list[DemoArticle]:
    articles = select_wikinews(shared_data) + select_ecbplus(shared_data)
    assign_ages(articles)
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "articles.jsonl").open("w", encoding="utf-8", newline="\n") as handle:
        for article in articles:
            handle.write(json.dumps(asdict(article), ensure_ascii=False) + "\n")
    for relative, data in placeholder_images().items():
        (out_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        (out_dir / relative).write_bytes(data)
    (out_dir / "LICENSE.md").write_text(LICENSE_TEXT, encoding="utf-8")
    (out_dir / "ATTRIBUTION.md").write_text(attribution_markdown(articles), encoding="utf-8")
    return articles


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m gazette.demo.build_content SHARED_DATA_DIR", file=sys.stderr)
        return 2
    articles = build(Path(args[0]))
    size = sum(f.stat().st_size for f in CONTENT_DIR.rglob("*") if f.is_file())
    print(f"wrote {len(articles)} articles, {size / 1024:.0f} KiB, to {CONTENT_DIR}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
