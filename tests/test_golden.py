"""The same inputs give the same database rows and the same report bytes (timestamps apart): a run on the samples
with the precomputed embeddings, in a fixed layout, against the fingerprint in tests/fixtures/golden-samples.json.

A change meant to change no behaviour (a refactor) must leave every fingerprint as it is; a change that means to
change results regenerates the file (`PAPERTRENDS_UPDATE_GOLDEN=1 pytest tests/test_golden.py`) and says why in
its commit. The arithmetic is pinned so that any x86-64 CPU computes the same bits: OpenBLAS's Haswell kernels,
numba compiled for a generic x86-64, numpy without its AVX-512 loops (what differs between CPUs is which SIMD
kernels they pick, and a last bit can move a boundary paper).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pytest

from conftest import FIXTURES, ROOT, SAMPLES

GOLDEN = FIXTURES / "golden-samples.json"
STAMP = re.compile(rb"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?( UTC)?")
# The run page lists the installed packages' versions: the lock file pins them, and a fingerprint of behaviour must
# not change with the day's releases, so the list is blanked like a timestamp.
PACKAGES = re.compile(rb"(<dt>(?:packages|embedding runtime)</dt><dd>)[^<]*(</dd>)")  # and this CPU's measurement
WHEN = {"ingested_at", "updated_at", "rejected_at", "started_at", "finished_at", "summary"}  # times, and seconds
PINNED = {
    "OPENBLAS_CORETYPE": "Haswell",
    "NUMBA_CPU_NAME": "generic",
    "NPY_DISABLE_CPU_FEATURES": "AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL AVX512_SPR",
    # and the number of BLAS threads: a matrix product's last bits change with it (the fit's 512-wide vectors gave
    # other topics on 1 and 2 threads), as they do with the kernel
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
}


def fingerprint(folder: Path) -> dict[str, str]:
    """A hash per table (rows in order, time columns left out) and per report file (timestamps blanked)."""
    out = {}
    with duckdb.connect(str(folder / "data" / "papertrends.duckdb"), read_only=True) as db:
        tables = [t for (t,) in db.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        for table in tables:
            columns = [
                c
                for (c,) in db.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                    [table],
                ).fetchall()
                if c not in WHEN
            ]
            names = ", ".join(f'"{c}"' for c in columns)
            rows = db.execute(f"SELECT {names} FROM {table} ORDER BY ALL").fetchall()
            out[f"db:{table}"] = f"{hashlib.sha256(repr(rows).encode()).hexdigest()[:16]} {len(rows)} rows"
    for path in sorted((folder / "reports").rglob("*")):
        if path.is_file():
            text = PACKAGES.sub(rb"\1<packages>\2", STAMP.sub(b"<time>", path.read_bytes()))
            digest = hashlib.sha256(text).hexdigest()[:16]
            out[f"report:{path.relative_to(folder / 'reports')}"] = digest
    return out


@pytest.mark.slow
def test_the_samples_give_the_recorded_rows_and_report_bytes(tmp_path: Path, sample_vectors) -> None:
    shutil.copytree(SAMPLES, tmp_path / "snapshots")
    now = time.time()  # a checkout sets the files' times to its own day: the config states the samples' dates, so
    for snapshot in (tmp_path / "snapshots").iterdir():  # the fingerprint holds on whatever day the test runs
        os.utime(snapshot, (now, now))
    (tmp_path / "config").mkdir()
    shutil.copy(ROOT / "config" / "papertrends.toml", tmp_path / "config")  # relative paths: the same on any machine
    from papertrends.store import open_store

    model_id, table = sample_vectors
    with open_store(tmp_path / "data" / "papertrends.duckdb") as store:
        store.save_embeddings(model_id, list(table), np.stack(list(table.values())), "st-fp32")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERTRENDS_")} | PINNED
    env["PREFECT_HOME"] = str(tmp_path / "prefect")
    done = subprocess.run([sys.executable, "-m", "papertrends.cli", "run", "--no-progress"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    got = fingerprint(tmp_path)
    if os.environ.get("PAPERTRENDS_UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
    want = json.loads(GOLDEN.read_text())
    changed = {k: (want.get(k), got.get(k)) for k in sorted(set(want) | set(got)) if want.get(k) != got.get(k)}
    assert not changed, f"changed since {GOLDEN.name} (regenerate only for a change meant to change results): {changed}"
