from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
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


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def sample_vectors() -> tuple[str, dict[str, np.ndarray]]:
    """Real all-MiniLM-L6-v2 vectors of the sample papers, computed once by tests/make_fixtures.py."""
    data = np.load(FIXTURES / "sample_embeddings.npz")
    vectors = data["vectors"].astype(np.float32)
    return str(data["model_id"]), dict(zip(data["hashes"].tolist(), vectors, strict=True))


def preload_embeddings(db: Path, sample_vectors: tuple[str, dict[str, np.ndarray]]) -> int:
    """Put the precomputed vectors into a store, as an earlier run would have left them."""
    from papertrends.store import open_store

    model_id, table = sample_vectors
    with open_store(db) as store:
        store.save_embeddings(model_id, list(table), np.stack(list(table.values())))
    return len(table)
