"""The embedding cache's key names what a vector means, not the runtime's arithmetic: a database moved between
machines (a CPU with bf16, one without, sentence-transformers) re-embeds nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pytest

from conftest import SAMPLE_FILES
from papertrends.config import EmbeddingConfig
from papertrends.embedding import embedding_key, make_embedder
from papertrends.store import open_store


def test_the_key_is_the_same_for_every_runtime_of_the_same_model() -> None:
    key = embedding_key(EmbeddingConfig())
    assert key == "all-MiniLM-L6-v2/len256/title-abstract-v1"
    for backend, precision in [
        ("st-fp32", "auto"),
        ("openvino", "f32"),
        ("openvino", "bf16"),
        ("openvino", "int8"),
        ("openvino", "auto"),
    ]:
        assert embedding_key(EmbeddingConfig(backend=backend, precision=precision)) == key
    assert embedding_key(EmbeddingConfig(backend="onnx-int8")) != key  # a quantised model: cached apart
    assert embedding_key(EmbeddingConfig(max_seq_length=128)) != key  # reads less of each text: other vectors
    assert make_embedder(EmbeddingConfig()).model_id == key  # known without loading any runtime


@pytest.mark.slow
@pytest.mark.model
@pytest.mark.parametrize(("first", "then"), [("st-fp32", "openvino"), ("openvino", "st-fp32")])
def test_a_database_moved_to_another_runtime_embeds_nothing(
    tmp_path: Path, prefect_harness: None, first: str, then: str
) -> None:
    from flows.update import update_flow

    folder = tmp_path / "snapshots"
    folder.mkdir()
    shutil.copy(SAMPLE_FILES[1], folder)  # 24 papers
    here = {"snapshots": {"folder": folder}, "store": {"path": tmp_path / "a.duckdb"},
            "report": {"folder": tmp_path / "ra"}, "embedding": {"backend": first}}  # fmt: skip
    made = update_flow(overrides=here, progress=False)
    assert made.embeddings_computed == 24
    shutil.copy(tmp_path / "a.duckdb", tmp_path / "b.duckdb")  # the database moves to another machine
    there = {**here, "store": {"path": tmp_path / "b.duckdb"}, "report": {"folder": tmp_path / "rb"},
             "embedding": {"backend": then, "precision": "f32"}}  # fmt: skip
    moved = update_flow(overrides=there, progress=False, refit=True)
    assert moved.status == "completed" and moved.embeddings_computed == 0
    with open_store(tmp_path / "b.duckdb") as store:
        provenance = {r[0] for r in store.db.execute("SELECT DISTINCT backend FROM embeddings").fetchall()}
    assert provenance == {make_embedder(EmbeddingConfig(backend=first)).provenance}  # who computed them, kept


def test_vectors_stored_under_the_old_runtime_keys_move_to_the_new_key(tmp_path: Path) -> None:
    """A database written before the key lost its runtime: its vectors are kept, none is computed again."""
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute(
        "CREATE TABLE embeddings (text_hash VARCHAR NOT NULL, model_id VARCHAR NOT NULL, dim INTEGER NOT NULL, "
        "vector BLOB NOT NULL, PRIMARY KEY (text_hash, model_id))"
    )
    v = np.ones(4, dtype=np.float32).tobytes()
    rows = [("a", "all-MiniLM-L6-v2/openvino-bf16/len256"), ("a", "all-MiniLM-L6-v2/st-fp32/len256"),
            ("b", "all-MiniLM-L6-v2/openvino-f32/len256"), ("c", "all-MiniLM-L6-v2/onnx-int8/len256"),
            ("d", "some/other-model")]  # fmt: skip
    con.executemany("INSERT INTO embeddings VALUES (?, ?, 4, ?)", [(h, m, v) for h, m in rows])
    con.close()
    with open_store(db) as store:
        got = store.db.execute("SELECT text_hash, model_id, backend FROM embeddings ORDER BY 1, 2").fetchall()
    key = "all-MiniLM-L6-v2/len256/title-abstract-v1"
    assert got == [
        ("a", key, "openvino-bf16"),  # two runtimes had embedded it: one vector kept
        ("b", key, "openvino-f32"),
        ("c", "all-MiniLM-L6-v2+int8-dynamic/len256/title-abstract-v1", "onnx-int8"),
        ("d", "some/other-model", None),
    ]


def test_a_database_is_brought_to_todays_layout_once_and_again_after_an_older_version(tmp_path: Path) -> None:
    """The layout's fingerprint in the database spares each later open the checks; a database an older version
    left (another fingerprint) is brought to today's layout again."""
    db = tmp_path / "pt.duckdb"
    with open_store(db) as store:
        store.db.execute("DROP TABLE rejections")  # what only the checks would put back
    with open_store(db) as store:
        tables = {t for (t,) in store.db.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert "rejections" not in tables  # the fingerprint stood: no check ran
        store.db.execute("UPDATE layout SET fingerprint = 'older'")
    with open_store(db) as store:
        tables = {t for (t,) in store.db.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert "rejections" in tables
