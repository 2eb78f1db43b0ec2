"""Crash safety: real runs (the `papertrends` command) killed with SIGKILL at each stage, then run again.

After every kill the database opens, the previous report stands whole, the killed run is marked interrupted by
the next one, embeddings finished before the kill are kept, and the run that finally completes gives the same
topics as runs that were never interrupted. The kills are chained, each rerun dying one stage further on, so
every stage's kill is followed by a recovery through that stage.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CACHE, ROOT, SAMPLE_FILES, preload_embeddings
from papertrends.faults import POINTS
from papertrends.store import open_store

pytestmark = pytest.mark.slow


def _setup(where: Path, sample_vectors) -> tuple[Path, dict[str, str]]:
    folder = where / "snapshots"
    folder.mkdir(parents=True)
    for path in SAMPLE_FILES[:3]:
        shutil.copy(path, folder)
    model_id, table = sample_vectors
    # Leave the last sample's papers unembedded, so that the second run embeds (and can be killed doing it).
    from papertrends.identity import text_hash
    from papertrends.snapshots import read_snapshot

    last = {text_hash(e.title, e.abstract) for e in read_snapshot(SAMPLE_FILES[4]).entries}
    preload_embeddings(where / "pt.duckdb", (model_id, {h: v for h, v in table.items() if h not in last}))
    config = where / "papertrends.toml"
    text = (ROOT / "config" / "papertrends.toml").read_text()
    text = text.replace("evaluate = true", "evaluate = false").replace("chunk_size = 512", "chunk_size = 16")
    config.write_text(text)
    from prefect.settings import PREFECT_API_URL

    # The runs report to the test session's Prefect server: no ephemeral server to start for each of them.
    env = {**os.environ, "PREFECT_HOME": str(where / "prefect"), "NUMBA_CACHE_DIR": str(CACHE / "numba"),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_API_URL": str(PREFECT_API_URL.value())}  # fmt: skip
    return config, env


def _run(where: Path, config: Path, env: dict[str, str], crash: str | None = None) -> subprocess.CompletedProcess:
    """The real command, in its own process group; output to files, so nothing it leaves behind holds a pipe."""
    run_env = {k: v for k, v in env.items() if k != "PAPERTRENDS_CRASH_AT"}
    if crash:
        run_env["PAPERTRENDS_CRASH_AT"] = crash
    out, err = where / "out.log", where / "err.log"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "papertrends.cli", "--config", str(config), "run", "--snapshots", "snapshots",
             "--db", "pt.duckdb", "--reports", "reports", "--no-progress"],
            cwd=where, env=run_env, stdout=stdout, stderr=stderr, start_new_session=True,
        )  # fmt: skip
        try:
            code = process.wait(timeout=600)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
    return subprocess.CompletedProcess(process.args, code, out.read_text(), err.read_text())


def _result(db: Path) -> tuple[list, list, int]:
    with open_store(db) as store:
        previous = store.previous_run()
        assert previous is not None
        run = {"run_id": previous.run_id}
        topics = store.db.execute(
            "SELECT topic_id, level, label, size FROM topics WHERE run_id = ? ORDER BY topic_id", [run["run_id"]]
        ).fetchall()
        assignments = store.db.execute(
            "SELECT paper_id, topic_id FROM assignments WHERE run_id = ? ORDER BY paper_id", [run["run_id"]]
        ).fetchall()
        embedded = store.db.execute("SELECT count(*) FROM embeddings").fetchone()[0]
    return topics, assignments, embedded


def _pages(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_killed_at_every_stage_then_the_same_result(tmp_path: Path, sample_vectors, prefect_harness: None) -> None:
    reference, crashed = tmp_path / "reference", tmp_path / "crashed"
    results = {}
    for where in (reference, crashed):
        config, env = _setup(where, sample_vectors)
        first = _run(where, config, env)
        assert first.returncode == 0, first.stderr[-2000:]
        for path in SAMPLE_FILES[3:]:
            shutil.copy(path, where / "snapshots")
        results[where] = (config, env)
    done = _run(reference, *results[reference])
    assert done.returncode == 0, done.stderr[-2000:]
    expected = _result(reference / "pt.duckdb")

    config, env = results[crashed]
    before = _pages(crashed / "reports")
    embedded_before = _result(crashed / "pt.duckdb")[2]
    for point in POINTS:
        killed = _run(crashed, config, env, crash=point)
        assert killed.returncode == -9, (point, killed.returncode, killed.stderr[-2000:])
        with open_store(crashed / "pt.duckdb") as store:  # the database opens, and the run is still 'running'
            assert store.runs()["status"].iloc[-1] == "running"
        now = _pages(crashed / "reports")
        visible = {name: data for name, data in now.items() if not Path(name).name.startswith(".")}
        if point != "report":
            assert {k: v for k, v in visible.items() if not k.startswith("runs/")} == {
                k: v for k, v in before.items() if not k.startswith("runs/")
            }, point  # the previous report stands as it was
        else:
            assert visible["index.html"] == before["index.html"]  # written last: the previous one stands
            for name, data in visible.items():
                if name.endswith(".html"):
                    assert data.rstrip().endswith(b"</html>"), name  # every page whole
        if point == "embed":
            assert _result(crashed / "pt.duckdb")[2] == embedded_before + 16  # the chunk done before the kill
    final = _run(crashed, config, env)
    assert final.returncode == 0, final.stderr[-2000:]
    assert "embeddings  " in final.stdout
    got = _result(crashed / "pt.duckdb")
    assert got[0] == expected[0] and got[1] == expected[1] and got[2] == expected[2]
    with open_store(crashed / "pt.duckdb") as store:
        statuses = store.runs()["status"].tolist()
    assert statuses == ["completed", *["interrupted"] * len(POINTS), "completed"]
    assert not [p for p in (crashed / "reports").rglob(".*") if p.name.endswith(".tmp")]
