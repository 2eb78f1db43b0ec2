"""The flow on Prefect's Dask task runner against a dask.distributed LocalCluster of two workers: parsing and
embedding batches run on the workers, and the stored results are those of the default in-process runner."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import SAMPLE_FILES, preload_embeddings
from papertrends.identity import text_hash
from papertrends.snapshots import read_snapshot
from papertrends.store import open_store

pytestmark = pytest.mark.slow


def _prepare(where: Path, sample_vectors) -> dict:
    folder = where / "snapshots"
    folder.mkdir(parents=True)
    for path in SAMPLE_FILES:
        shutil.copy(path, folder)
    model_id, table = sample_vectors
    left_out = {text_hash(e.title, e.abstract) for e in read_snapshot(SAMPLE_FILES[1]).entries}  # embedded by the run
    preload_embeddings(where / "pt.duckdb", (model_id, {h: v for h, v in table.items() if h not in left_out}))
    return {"snapshots": {"folder": folder}, "store": {"path": where / "pt.duckdb"},
            "report": {"folder": where / "reports"}, "embedding": {"chunk_size": 8},
            "runner": {"files_per_batch": 2}}  # fmt: skip


def _stored(db: Path) -> dict:
    with open_store(db) as store:
        q = store.db.execute
        return {
            "counts": store.counts(),
            "papers": q("SELECT paper_id, title, text_hash FROM papers ORDER BY 1").fetchall(),
            "assignments": q("SELECT paper_id, topic_id FROM assignments ORDER BY 1").fetchall(),
            "vectors": {h: np.frombuffer(v, dtype=np.float32) for h, v in q(
                "SELECT text_hash, vector FROM embeddings").fetchall()},
        }  # fmt: skip


def test_dask_runner_gives_the_same_stored_results(tmp_path: Path, prefect_harness: None, sample_vectors) -> None:
    from dask.distributed import LocalCluster
    from flows.update import update_flow

    local = _prepare(tmp_path / "local", sample_vectors)
    update_flow(overrides=local, progress=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        spread = _prepare(tmp_path / "dask", sample_vectors)
        spread["runner"] = {**spread["runner"], "kind": "dask", "address": cluster.scheduler_address}
        summary = update_flow(overrides=spread, progress=False)  # the runner comes from the settings alone
        with cluster.get_client() as client:
            ran_on = client.run(lambda: __import__("papertrends.embedding", fromlist=["x"]).loaded_models())
    assert summary.embeddings_computed == 24 and summary.ingest.new_papers == 360
    assert sum(ran_on.values()) >= 1  # the model was loaded on the workers, not in this process
    a, b = _stored(tmp_path / "local" / "pt.duckdb"), _stored(tmp_path / "dask" / "pt.duckdb")
    assert a["counts"] == b["counts"] and a["papers"] == b["papers"] and a["assignments"] == b["assignments"]
    assert a["vectors"].keys() == b["vectors"].keys()
    assert all(np.allclose(a["vectors"][h], b["vectors"][h], atol=1e-5) for h in a["vectors"])
