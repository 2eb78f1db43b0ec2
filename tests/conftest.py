from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "snapshots"
SHARED_DATA = ROOT.parent / "shared" / "data"
HF_DAILY = SHARED_DATA / "hf-daily-api"
FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE_FILES = sorted(SAMPLES.glob("*.txt"))

needs_shared = pytest.mark.skipif(not HF_DAILY.is_dir(), reason="../shared/data is not beside the repo")


def pytest_configure(config: pytest.Config) -> None:
    # Prefect keeps its state in a throwaway home, talks to no one, and stays quiet.
    home = tempfile.mkdtemp(prefix="papertrends-prefect-")
    os.environ["PREFECT_HOME"] = home
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
    os.environ.pop("PREFECT_API_URL", None)
    os.environ["HF_HUB_OFFLINE"] = "1"


def pytest_unconfigure(config: pytest.Config) -> None:
    # The throwaway home goes with the session; only Prefect's own folder name is removed, never a user's home.
    home = os.environ.get("PREFECT_HOME", "")
    if Path(home).name.startswith("papertrends-prefect-"):
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def sample_vectors() -> tuple[str, dict[str, np.ndarray]]:
    """Real all-MiniLM-L6-v2 vectors of the sample papers (sentence-transformers, fp32), computed once by
    tests/make_fixtures.py. Their key is the default config's on any CPU: no test depends on its precision."""
    data = np.load(FIXTURES / "sample_embeddings.npz")
    vectors = data["vectors"].astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return str(data["model_id"]), dict(zip(data["hashes"].tolist(), vectors, strict=True))


def preload_embeddings(db: Path, sample_vectors: tuple[str, dict[str, np.ndarray]]) -> int:
    """Put the precomputed vectors into a store, as an earlier run would have left them."""
    from papertrends.store import open_store

    model_id, table = sample_vectors
    with open_store(db) as store:
        store.save_embeddings(model_id, list(table), np.stack(list(table.values())), "st-fp32")
    return len(table)


CACHE = ROOT / ".cache"


@pytest.fixture(scope="session")
def hf_embeddings() -> tuple[str, dict[str, np.ndarray]]:
    """Real all-MiniLM-L6-v2 vectors of every paper in ../shared/data/hf-daily-api.

    Computed once (about 6 minutes on 2 cores) and kept in .cache/ beside the repo's files (ignored by git),
    so later runs of the suite on the same checkout read them back.
    """
    if not HF_DAILY.is_dir():
        pytest.skip("../shared/data is not beside the repo")
    from papertrends.config import EmbeddingConfig
    from papertrends.embedding import make_embedder
    from papertrends.ingest import read_snapshots, store_snapshots
    from papertrends.store import open_store

    embedder = make_embedder(EmbeddingConfig())
    path = CACHE / "hf-daily-embeddings.npz"
    cached: dict[str, np.ndarray] = {}
    if path.exists():
        data = np.load(path)
        if str(data["model_id"]) == embedder.model_id:
            cached = dict(zip(data["hashes"].tolist(), data["vectors"], strict=True))
    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "e.duckdb") as store:
        store_snapshots(store, read_snapshots(HF_DAILY))
        missing = [(h, t) for h, t in store.missing_embeddings(embedder.model_id) if h not in cached]
    if missing:  # papers the cache has not seen (a parser that now reads more of the data): embed only those
        vectors = embedder.encode([t for _, t in missing])  # any runtime of the key: they agree at cosine >= 0.999
        cached.update(zip([h for h, _ in missing], vectors, strict=True))
        CACHE.mkdir(exist_ok=True)
        np.savez(
            path, model_id=embedder.model_id, hashes=np.array(list(cached)), vectors=np.stack(list(cached.values()))
        )
    return embedder.model_id, cached


def permuted_dates(frame: pd.DataFrame, column: str, rng: np.random.Generator) -> pd.DataFrame:
    """`frame` with its dates shuffled among themselves, each date's rows moving together: the permutation
    control, which keeps every digest whole and leaves no trend in time to find."""
    days = frame[column].unique()
    return frame.assign(**{column: frame[column].map(dict(zip(days, rng.permutation(days), strict=True)))})
