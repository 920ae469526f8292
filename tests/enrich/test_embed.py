from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from gazette.enrich.embed import (
    DIMENSIONS,
    article_text,
    article_vector,
    embed_texts,
    from_bytes,
    load_model,
    to_bytes,
)


def test_embeddings_are_normalized_float32() -> None:
    vectors = embed_texts(["Drones attacked an oil depot.", "A cat nurses sick animals."])
    assert vectors.shape == (2, DIMENSIONS)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert embed_texts([]).shape == (0, DIMENSIONS)


def test_similar_texts_are_closer() -> None:
    drone, drone_again, cat = embed_texts(
        [
            "Drones attacked an industrial site in Russia overnight.",
            "An overnight drone strike hit a Russian factory.",
            "The cat shelter in Poland has a new feline nurse.",
        ]
    )
    assert float(drone @ drone_again) > float(drone @ cat) + 0.2


def test_model_is_loaded_once() -> None:
    assert load_model() is load_model()


def test_article_vector_uses_title_and_lead() -> None:
    text = " ".join(["word"] * 1000)
    assert article_text("Title", text).startswith("Title. word")
    assert len(article_text("Title", text).split()) < 200
    assert article_text("", "body") == "body"
    assert article_vector("Putin visits Kursk", "He met officials.").shape == (DIMENSIONS,)


def test_float16_round_trip() -> None:
    vector = embed_texts(["A sentence."])[0]
    data = to_bytes(vector)
    assert len(data) == 2 * DIMENSIONS
    restored = from_bytes(data)
    assert restored.dtype == np.float32
    assert float(vector @ restored) == pytest.approx(1.0, abs=1e-3)


def test_importing_does_not_load_torch() -> None:
    code = "import sys, gazette.enrich.embed, gazette.enrich.pipeline; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
