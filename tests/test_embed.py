"""The real embedding model, offline, and the cache that keeps it from running twice on the same text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import SAMPLES
from papertrends.config import EmbeddingConfig
from papertrends.embedding import Embedder, EmbeddingError, embed_in_chunks, make_embedder, model_path
from papertrends.ingest import read_snapshots, store_snapshots
from papertrends.store import open_store

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return make_embedder(EmbeddingConfig(batch_size=8))


def test_packaged_model_is_found_and_unknown_models_say_what_to_do() -> None:
    assert (model_path("all-MiniLM-L6-v2") / "model.safetensors").exists()
    with pytest.raises(EmbeddingError, match=r"\[embedding\] model"):
        model_path("no-such-model")


def test_vectors_are_normalised_and_meaningful(embedder: Embedder) -> None:
    v = embedder.encode(
        [
            "Graph neural networks for molecule property prediction.",
            "Message passing networks predict properties of molecular graphs.",
            "A survey of reinforcement learning for robot locomotion.",
        ]
    )
    assert v.shape == (3, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2


def test_cache_embeds_each_text_once(tmp_path: Path, embedder: Embedder) -> None:
    folder = tmp_path / "snaps"
    folder.mkdir()
    (folder / "one.txt").write_bytes((SAMPLES / "001_5bd9d39c3c7e27dd.txt").read_bytes())
    with open_store(tmp_path / "t.duckdb") as store:
        store_snapshots(store, read_snapshots(folder))
        saved: list[int] = []

        def save(keys: list[str], vectors: np.ndarray, provenance: str) -> None:
            saved.append(len(keys))
            store.save_embeddings(embedder.model_id, keys, vectors, provenance)

        missing = store.missing_embeddings(embedder.model_id)
        assert embed_in_chunks(missing, embedder, save, chunk_size=10, progress=False) == 24
        assert saved == [10, 10, 4]  # stored chunk by chunk: a kill loses one chunk at most
        assert store.missing_embeddings(embedder.model_id) == []
        assert embed_in_chunks(store.missing_embeddings(embedder.model_id), embedder, save, chunk_size=10) == 0
        papers, matrix = store.corpus(embedder.model_id)
        assert matrix.shape == (24, 384) and len(papers) == 24
        assert store.missing_embeddings("another-model") != []  # the cache is keyed by model too


@pytest.mark.parametrize(
    ("backend", "precision", "mean", "floor", "odd", "one_cache"),
    [
        ("openvino", "f32", 0.999, 0.999, 0.999, True),
        ("openvino", "bf16", 0.999, 0.999, 0.999, True),  # f32 on a CPU without bf16: the same bar
        # int8 weights, activations quantised per token as it runs: 0.99928 on 6,141 abstracts, min 0.99876
        ("openvino", "int8", 0.999, 0.998, 0.99, True),
        # bf16, int8 or f32, whichever this CPU (or PAPERTRENDS_EMBEDDING_PRECISION) picks: the loosest of their bars
        ("openvino", "auto", 0.999, 0.998, 0.99, True),
        ("onnx-int8", "auto", 0.99, 0.97, 0.97, False),
        # static int8, its activations' ranges calibrated on abstracts: an empty text, one letter and one word 600
        # times fall outside them (0.89-0.98); abstracts and titles alone stay above 0.97 (0.99 on 150 titles)
        ("openvino-int8", "auto", 0.99, 0.97, 0.85, False),
    ],
)
def test_fast_backends_give_sentence_transformers_vectors(
    backend: str, precision: str, mean: float, floor: float, odd: float, one_cache: bool
) -> None:
    """The exported model, its tokeniser and the pooling reproduce sentence-transformers, in any batch order.
    `mean` and `floor` hold for the abstracts, `odd` for three degenerate texts.

    Runtimes that agree at a mean cosine >= 0.999 share one cache key; a model quantised further is cached apart."""
    texts = [line.strip() for line in (SAMPLES / "001_5bd9d39c3c7e27dd.txt").read_text().splitlines() if len(line) > 80]
    texts = texts[:24] + ["", "x", "word " * 600]  # empty, one token, and one past the length limit
    reference = make_embedder(EmbeddingConfig(backend="st-fp32", batch_size=8)).encode(texts)
    fast = make_embedder(EmbeddingConfig(backend=backend, precision=precision, batch_size=5))
    assert (fast.model_id == make_embedder(EmbeddingConfig(backend="st-fp32")).model_id) is one_cache
    vectors = fast.encode(texts)
    cosine = (reference * vectors).sum(axis=1)
    assert vectors.shape == reference.shape and vectors.dtype == np.float32
    assert cosine[:-3].mean() > mean and cosine[:-3].min() > floor and cosine[-3:].min() > odd, cosine


def test_batches_are_padded_to_a_few_shapes_and_never_past_the_length_limit() -> None:
    """Token counts are rounded up to a multiple of 32 (the runtime keeps kernels per shape seen), capped at the
    truncation length, which need not be a multiple; the padding is masked, so the vectors do not move."""
    texts = ["x", "a short title", "graph networks " * 8, "word " * 40, "word " * 600]
    config = EmbeddingConfig(backend="openvino", precision="f32", batch_size=1, max_seq_length=48)
    fast = make_embedder(config)
    run, _ = fast._load()  # type: ignore[attr-defined] - the TokenEncoder's compiled model
    widths: list[int] = []

    def recording(feed: dict[str, np.ndarray]) -> np.ndarray:
        widths.append(feed["input_ids"].shape[1])
        return run(feed)

    fast._run = recording  # type: ignore[attr-defined]
    vectors = fast.encode(texts)
    assert widths == [32, 32, 32, 48, 48]  # 3, 5 and 18 tokens; 42; 602 cut to 48
    reference = make_embedder(EmbeddingConfig(backend="st-fp32", batch_size=1, max_seq_length=48)).encode(texts)
    assert (reference * vectors).sum(axis=1).min() > 0.999
