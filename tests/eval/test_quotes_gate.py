"""Quote/speaker gate on PolNeAR dev: scores must stay at or above eval/floors/quotes.json."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def load_gate() -> ModuleType:
    """``eval/quotes.py`` by path, so a ``tests/eval/__init__.py`` shadowing ``eval`` cannot break it."""
    path = Path(__file__).resolve().parents[2] / "eval" / "quotes.py"
    spec = importlib.util.spec_from_file_location("gazette_eval_quotes", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


quotes = load_gate()


def test_quotes_gate(shared_data: Path) -> None:
    result = quotes.run(shared_data)
    print(quotes.table(result))
    assert quotes.failures(result, quotes.load_floors()) == []


def test_gold_reader_handles_discontinuous_and_sourceless_spans() -> None:
    text = 'He said "yes" and "no" today. "Maybe," someone wrote.'
    ann = (
        "T1\tSource 0 2\tHe\n"
        "T2\tCue 3 7\tsaid\n"
        'T3\tContent 8 13;18 22\t"yes" "no"\n'
        "E1\tAttribution:T2 Content:T3 Cue:T2 Source:T1\n"
        'T4\tContent 30 38\t"Maybe,"\n'
        "E2\tAttribution-no-source:T5 Content:T4 \n"
        "a stray annotator note line\n"
    )
    first, second = quotes.gold_quotes(ann, text)
    assert first.content == [(8, 13), (18, 22)]
    assert first.source == [(0, 2)]
    assert second.source == []
