"""One writer per database: a second run is refused with a clear message, and a killed run frees the lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from papertrends.lock import DatabaseBusyError, RunLock

HOLD = "import sys, time; from pathlib import Path; from papertrends.lock import RunLock\n" \
       "with RunLock(Path(sys.argv[1])):\n    print('locked', flush=True); time.sleep(60)\n"  # fmt: skip


def _holder(db: Path) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(db)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "locked"
    return process


def test_a_second_run_is_refused_while_one_holds_the_database(tmp_path: Path) -> None:
    db = tmp_path / "pt.duckdb"
    holder = _holder(db)
    try:
        with pytest.raises(DatabaseBusyError, match=r"in use by another papertrends run \(pid \d+"), RunLock(db):
            pass
        start = time.monotonic()
        with pytest.raises(DatabaseBusyError), RunLock(db, wait_seconds=1.0, poll_seconds=0.1):
            pass
        assert time.monotonic() - start >= 1.0  # it waited its turn before giving up
    finally:
        holder.kill()
        holder.wait()


def test_a_killed_run_leaves_the_database_free(tmp_path: Path) -> None:
    db = tmp_path / "pt.duckdb"
    holder = _holder(db)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    with RunLock(db):
        pass


def test_the_cli_refuses_a_second_run(tmp_path: Path) -> None:
    db = tmp_path / "pt.duckdb"
    holder = _holder(db)
    try:
        env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect")}
        done = subprocess.run([sys.executable, "-m", "papertrends.cli", "run", "--db", str(db), "--snapshots",
                               str(tmp_path), "--no-progress"], env=env, capture_output=True, text=True,
                              timeout=300)  # fmt: skip
        assert done.returncode == 1
        assert "is in use by another papertrends run" in done.stderr
        # One message, no engine traceback above it (Prefect's log keeps a flow run's states; none was started).
        assert "Traceback" not in done.stderr + done.stdout
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    finally:
        holder.kill()
        holder.wait()
