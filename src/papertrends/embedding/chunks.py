"""Embedding many texts: in chunks that are stored as they come, in this process, a spawned one, or elsewhere."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np

from papertrends.config import EmbeddingConfig
from papertrends.embedding.runtimes import Embedder, make_embedder
from papertrends.faults import crash_point

_LOADED: dict[EmbeddingConfig, Embedder] = {}


def encode_texts(config: EmbeddingConfig, texts: Sequence[str]) -> tuple[np.ndarray, str]:
    """Embed with the model `config` names, loaded once per process (a Dask worker keeps it between batches).

    Returns the vectors and their provenance (the runtime that computed them, on whichever machine this ran)."""
    if config not in _LOADED:
        _LOADED[config] = make_embedder(config)
    embedder = _LOADED[config]
    return embedder.encode(texts), embedder.provenance


def loaded_models() -> int:
    """How many models this process holds (a Dask worker that embedded holds one)."""
    return len(_LOADED)


Chunks = Callable[[list[list[str]]], Iterable[tuple[np.ndarray, str]]]


def in_own_process(config: EmbeddingConfig) -> Chunks:
    """A `map_chunks` that embeds in one spawned process, for large jobs on one machine.

    The model and its runtime's memory leave with that process, before the fit needs memory of its own, and the
    store saves one chunk while the next is embedded.
    """

    def run(chunks: list[list[str]]) -> Iterator[tuple[np.ndarray, str]]:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        try:
            yield from pool.map(encode_texts, [config] * len(chunks), chunks)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    return run


def embed_in_chunks(
    items: Sequence[tuple[str, str]],
    embedder: Embedder,
    save: Callable[[list[str], np.ndarray, str], None],
    *,
    chunk_size: int,
    progress: bool = True,
    map_chunks: Chunks | None = None,
) -> int:
    """Embed (key, text) pairs, shortest texts first so batches pad little, saving after every chunk.

    `save(keys, vectors, provenance)` stores a chunk; a run killed part-way keeps every chunk saved before the
    kill. Returns how many texts were embedded. `map_chunks` computes the chunks' vectors elsewhere (e.g. on a
    cluster's workers), yielding (vectors, provenance) in order.
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
    results = (
        map_chunks(texts) if map_chunks is not None else ((embedder.encode(t), embedder.provenance) for t in texts)
    )
    try:
        for chunk, (vectors, provenance) in zip(chunks, results, strict=True):
            save([key for key, _ in chunk], vectors, provenance)
            crash_point("embed")
            if bar is not None:
                bar.update(len(chunk))
    finally:
        if bar is not None:
            bar.close()
    return len(ordered)
