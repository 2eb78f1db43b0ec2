"""Regenerate tests/fixtures/sample_embeddings.npz: real all-MiniLM-L6-v2 vectors of the sample papers.

Tests that do not test the model itself read these instead of running it. They are computed by
sentence-transformers in fp32, the reference runtime, so they are the same whatever CPU made them; their key is
the default config's (the runtime-free cache key). Run: python tests/make_fixtures.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from papertrends.config import EmbeddingConfig
from papertrends.embedding import make_embedder
from papertrends.ingest import read_snapshots, store_snapshots
from papertrends.store import open_store

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    embedder = make_embedder(EmbeddingConfig(backend="st-fp32"))
    assert embedder.model_id == make_embedder(EmbeddingConfig()).model_id  # one cache for both runtimes
    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "f.duckdb") as store:
        store_snapshots(store, read_snapshots(ROOT / "snapshots"))
        missing = store.missing_embeddings(embedder.model_id)
    hashes = [h for h, _ in missing]
    vectors = embedder.encode([t for _, t in missing])
    out = ROOT / "tests" / "fixtures" / "sample_embeddings.npz"
    np.savez_compressed(out, model_id=embedder.model_id, hashes=np.array(hashes), vectors=vectors.astype(np.float16))
    print(f"{out}: {len(hashes)} vectors for {embedder.model_id}")


if __name__ == "__main__":
    main()
