"""The connection every part of the store shares: opening (with the schema brought up to date), transactions,
and inserting a frame."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from papertrends.store.schema import prepare


def now() -> datetime:
    """UTC, without a zone: what the TIMESTAMP columns hold."""
    return datetime.now(UTC).replace(tzinfo=None)


class StoreError(RuntimeError):
    pass


class Database:
    """A connection to the DuckDB file. DuckDB's file lock keeps a second writing process out."""

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        """`read_only` opens an existing database as it is (no schema changes), beside no writer."""
        self.path = path
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as e:
            raise StoreError(
                f"cannot open the database {path}: {e}. Is another papertrends run using it? Wait for it to end."
            ) from e
        if not read_only:
            prepare(self.db)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        self.db.execute("BEGIN TRANSACTION")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _insert(self, table: str, frame: pd.DataFrame, *, on_conflict: str = "ignore") -> None:
        """Insert a frame's columns; on a key already there: "ignore", "replace", or "fail" (plain INSERT)."""
        if frame.empty:
            return
        verb = {"ignore": "INSERT OR IGNORE", "replace": "INSERT OR REPLACE", "fail": "INSERT"}[on_conflict]
        cols = ", ".join(f'"{c}"' for c in frame.columns)
        self.db.register("_frame", frame)
        try:
            self.db.execute(f"{verb} INTO {table} ({cols}) SELECT {cols} FROM _frame")
        finally:
            # Inside a failed transaction this fails too; the rollback that follows drops the view, and the first
            # error is the one that propagates.
            with suppress(duckdb.Error):
                self.db.unregister("_frame")
