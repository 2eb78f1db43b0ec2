"""Run bookkeeping: a run starts, ends with its summary, and is found again by the next run."""

from __future__ import annotations

import json

import pandas as pd

from papertrends.records import RunSummary
from papertrends.store.database import Database, now


class RunBook(Database):
    """The runs table."""

    def start_run(self, config_hash: str, model_id: str) -> int:
        with self.transaction():
            self.db.execute("UPDATE runs SET status = 'interrupted', finished_at = ? WHERE status = 'running'", [now()])
            row = self.db.execute("SELECT coalesce(max(run_id), 0) + 1 FROM runs").fetchone()
            assert row is not None
            run_id = int(row[0])
            self.db.execute(
                "INSERT INTO runs (run_id, started_at, status, config_hash, model_id) VALUES (?, ?, 'running', ?, ?)",
                [run_id, now(), config_hash, model_id],
            )
        return run_id

    def finish_run(self, run_id: int, summary: RunSummary) -> None:
        self.db.execute(
            "UPDATE runs SET status = ?, finished_at = ?, summary = ? WHERE run_id = ?",
            [summary.status, now(), json.dumps(summary.as_dict(), default=str), run_id],
        )

    def newest_run(self) -> RunSummary | None:
        """The latest run whatever its status (a killed run stays 'running'), with its summary."""
        row = self.db.execute("SELECT run_id, status, summary FROM runs ORDER BY run_id DESC LIMIT 1").fetchone()
        if row is None:
            return None
        return RunSummary.from_dict((json.loads(row[2]) if row[2] else {}) | {"run_id": row[0], "status": row[1]})

    def runs(self) -> pd.DataFrame:
        return self.db.execute("SELECT * FROM runs ORDER BY run_id").df()

    def next_topic_id(self) -> int:
        """Registry ids are never reused: the next is one past the largest a completed run gave (an interrupted
        run's ids were never shown, so a rerun gives the same ones)."""
        row = self.db.execute(
            """SELECT coalesce(max(topic_id), -1) + 1 FROM topics
               WHERE run_id IN (SELECT run_id FROM runs WHERE status = 'completed')"""
        ).fetchone()
        return int(row[0]) if row else 0
