"""The embedded database: one DuckDB file holding snapshots, papers, sightings, embeddings and runs."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from papertrends.catalog import Catalog, Paper
from papertrends.embedding.text import embedding_text
from papertrends.faults import crash_point
from papertrends.snapshots import ParseError, Snapshot

SCHEMA = """
CREATE TABLE IF NOT EXISTS snapshots (
    snapshot_id VARCHAR PRIMARY KEY,      -- sha256 of the file's bytes: the same content is the same snapshot
    source VARCHAR NOT NULL, digest_date DATE NOT NULL, date_rule VARCHAR NOT NULL, date_note VARCHAR,
    format VARCHAR NOT NULL, n_entries INTEGER NOT NULL, n_stored INTEGER NOT NULL, warnings VARCHAR[],
    ingested_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,   -- a changed file at the same path is a new version of that snapshot
    superseded BOOLEAN NOT NULL DEFAULT false);  -- a later version replaced this one: its sightings are history
CREATE TABLE IF NOT EXISTS rejections (
    content_hash VARCHAR PRIMARY KEY, source VARCHAR NOT NULL, line INTEGER, reason VARCHAR NOT NULL,
    n_entries INTEGER NOT NULL, rejected_at TIMESTAMP NOT NULL);
CREATE TABLE IF NOT EXISTS papers (
    paper_id VARCHAR PRIMARY KEY, arxiv_id VARCHAR, title_key VARCHAR NOT NULL, title VARCHAR NOT NULL,
    abstract VARCHAR NOT NULL, text_hash VARCHAR NOT NULL, published DATE, n_authors INTEGER,
    authors VARCHAR[], organization VARCHAR, updated_at TIMESTAMP NOT NULL);
CREATE TABLE IF NOT EXISTS sightings (
    snapshot_id VARCHAR NOT NULL, paper_id VARCHAR NOT NULL, digest_date DATE NOT NULL, rank INTEGER NOT NULL,
    upvotes INTEGER, PRIMARY KEY (snapshot_id, paper_id));
CREATE TABLE IF NOT EXISTS embeddings (
    text_hash VARCHAR NOT NULL,
    model_id VARCHAR NOT NULL,            -- what the vector means: model, max length, text recipe (embedding.keys)
    dim INTEGER NOT NULL, vector BLOB NOT NULL,
    backend VARCHAR,                      -- provenance: the runtime and arithmetic that computed it
    PRIMARY KEY (text_hash, model_id));
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY, started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP, status VARCHAR NOT NULL,
    config_hash VARCHAR, corpus_hash VARCHAR, model_id VARCHAR, summary JSON);
CREATE TABLE IF NOT EXISTS topics (
    run_id INTEGER NOT NULL, topic_id INTEGER NOT NULL,  -- registry id: the same topic keeps it across runs
    level VARCHAR NOT NULL, parent_id INTEGER, label VARCHAR NOT NULL, size INTEGER NOT NULL,
    top_terms JSON NOT NULL, representative JSON NOT NULL, status VARCHAR, first_seen DATE, last_seen DATE,
    centroid BLOB, PRIMARY KEY (run_id, topic_id));
CREATE TABLE IF NOT EXISTS assignments (
    run_id INTEGER NOT NULL, paper_id VARCHAR NOT NULL, topic_id INTEGER NOT NULL, subtopic_id INTEGER,
    x DOUBLE, y DOUBLE, PRIMARY KEY (run_id, paper_id));
CREATE TABLE IF NOT EXISTS prevalence (
    run_id INTEGER NOT NULL, "window" VARCHAR NOT NULL, window_start DATE NOT NULL, topic_id INTEGER NOT NULL,
    n INTEGER NOT NULL, total INTEGER NOT NULL, share DOUBLE NOT NULL, lo DOUBLE, hi DOUBLE, upvote_share DOUBLE,
    PRIMARY KEY (run_id, "window", window_start, topic_id));
CREATE TABLE IF NOT EXISTS trends (
    run_id INTEGER NOT NULL, topic_id INTEGER NOT NULL, label VARCHAR, status VARCHAR NOT NULL, effect DOUBLE,
    p_value DOUBLE, q_value DOUBLE, "window" VARCHAR, first_seen DATE, last_seen DATE, n INTEGER,
    PRIMARY KEY (run_id, topic_id));
CREATE TABLE IF NOT EXISTS topic_events (
    run_id INTEGER NOT NULL, kind VARCHAR NOT NULL, level VARCHAR NOT NULL, topic_id INTEGER,
    previous_ids INTEGER[], detail VARCHAR);
"""

# Columns added since a table was first created: a database from an earlier papertrends gains them on open.
MIGRATIONS = """
ALTER TABLE snapshots ADD COLUMN IF NOT EXISTS version INTEGER DEFAULT 1;
ALTER TABLE snapshots ADD COLUMN IF NOT EXISTS superseded BOOLEAN DEFAULT false;
ALTER TABLE embeddings ADD COLUMN IF NOT EXISTS backend VARCHAR;
"""
# Before the key named only what a vector means, it named the runtime too ("MODEL/openvino-bf16/len256"): such
# vectors are the same model's and move to the runtime-free key, their runtime kept as provenance. Where two
# runtimes embedded one text, one vector is kept (they agree at cosine >= 0.999).
OLD_EMBEDDING_KEY = r"^(.+)/(openvino-bf16|openvino-f32|st-fp32|onnx-int8)/len([0-9]+)$"
REKEY_EMBEDDINGS = f"""
INSERT OR IGNORE INTO embeddings (text_hash, model_id, dim, vector, backend)
SELECT text_hash, new_key, dim, vector, old_backend FROM (
    SELECT text_hash, dim, vector,
           regexp_extract(model_id, '{OLD_EMBEDDING_KEY}', 2) AS old_backend,
           regexp_extract(model_id, '{OLD_EMBEDDING_KEY}', 1)
             || CASE WHEN regexp_extract(model_id, '{OLD_EMBEDDING_KEY}', 2) = 'onnx-int8' THEN '+int8-dynamic'
                     ELSE '' END
             || '/len' || regexp_extract(model_id, '{OLD_EMBEDDING_KEY}', 3) || '/title-abstract-v1' AS new_key
    FROM embeddings WHERE regexp_matches(model_id, '{OLD_EMBEDDING_KEY}'))
QUALIFY row_number() OVER (PARTITION BY text_hash, new_key ORDER BY old_backend) = 1;
DELETE FROM embeddings WHERE regexp_matches(model_id, '{OLD_EMBEDDING_KEY}');
"""
# Per-run results are derived data: a table from an older layout is dropped and made anew (its runs are history).
DERIVED = {"topics": "centroid", "assignments": "subtopic_id", "prevalence": "upvote_share"}

_PAPER_COLUMNS = [
    "paper_id",
    "arxiv_id",
    "title_key",
    "title",
    "abstract",
    "text_hash",
    "published",
    "n_authors",
    "authors",
    "organization",
]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class StoreError(RuntimeError):
    pass


class Store:
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
        if read_only:
            return
        for table, newest_column in DERIVED.items():
            columns = {
                r[0]
                for r in self.db.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
                ).fetchall()
            }
            if columns and newest_column not in columns:
                self.db.execute(f"DROP TABLE {table}")
        self.db.execute(SCHEMA)
        self.db.execute(MIGRATIONS)
        with self.transaction():
            self.db.execute(REKEY_EMBEDDINGS)

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

    # -- ingest ---------------------------------------------------------------------------------------------
    def seen_hashes(self) -> set[str]:
        rows = self.db.execute("SELECT snapshot_id FROM snapshots UNION SELECT content_hash FROM rejections")
        return {r[0] for r in rows.fetchall()}

    def papers(self) -> dict[str, Paper]:
        rows = self.db.execute(f"SELECT {', '.join(_PAPER_COLUMNS)} FROM papers").fetchall()
        return {
            r[0]: Paper(
                paper_id=r[0],
                arxiv_id=r[1],
                title_key=r[2],
                title=r[3],
                abstract=r[4],
                text_hash=r[5],
                published=r[6],
                n_authors=r[7],
                authors=tuple(r[8] or ()),
                organization=r[9],
            )
            for r in rows
        }

    def save_ingest(
        self,
        snapshots: Sequence[Snapshot],
        catalog: Catalog,
        rejected: Sequence[ParseError],
        rejected_hashes: Sequence[str],
    ) -> None:
        """Write a batch of snapshots, their papers and sightings, and the rejected files, in one transaction."""
        now = _now()
        stored = {}
        for s in catalog.sightings:
            stored[s.snapshot_id] = stored.get(s.snapshot_id, 0) + 1
        snaps = pd.DataFrame(
            [
                {
                    "snapshot_id": s.content_hash,
                    "source": s.source,
                    "digest_date": s.digest.value,
                    "date_rule": s.digest.rule,
                    "date_note": s.digest.note,
                    "format": s.format,
                    "n_entries": len(s.entries),
                    "n_stored": stored.get(s.content_hash, 0),
                    "warnings": list(s.warnings),
                    "ingested_at": now,
                    "version": 1,
                    "superseded": False,
                }
                for s in snapshots
            ]
        )
        papers = pd.DataFrame(
            [{**asdict(p), "authors": list(p.authors), "updated_at": now} for p in catalog.changed.values()]
        )
        sightings = pd.DataFrame([asdict(s) for s in catalog.sightings])
        rejects = pd.DataFrame(
            [
                {
                    "content_hash": h,
                    "source": e.source,
                    "line": e.line,
                    "reason": str(e),
                    "n_entries": e.n_entries,
                    "rejected_at": now,
                }
                for e, h in zip(rejected, rejected_hashes, strict=True)
            ]
        )
        with self.transaction():
            crash_point("ingest")
            if not snaps.empty:
                versions = dict(
                    self.db.execute(
                        "SELECT source, max(version) FROM snapshots WHERE source IN (SELECT unnest(?)) GROUP BY source",
                        [snaps["source"].tolist()],
                    ).fetchall()
                )
                snaps["version"] = [versions.get(src, 0) + 1 for src in snaps["source"]]
                self.db.execute(
                    "UPDATE snapshots SET superseded = true WHERE source IN (SELECT unnest(?))",
                    [snaps["source"].tolist()],
                )
            self._insert("snapshots", snaps)
            self._insert("papers", papers, on_conflict="replace")
            self._insert("sightings", sightings)
            self._insert("rejections", rejects)

    # -- embeddings -----------------------------------------------------------------------------------------
    def missing_embeddings(self, model_id: str) -> list[tuple[str, str]]:
        """(text_hash, text) of every paper whose current text has no vector for `model_id`."""
        rows = self.db.execute(
            """SELECT DISTINCT p.text_hash, p.title, p.abstract FROM papers p
               ANTI JOIN embeddings e ON e.text_hash = p.text_hash AND e.model_id = ?
               ORDER BY p.text_hash""",
            [model_id],
        ).fetchall()
        return [(h, embedding_text(t, a)) for h, t, a in rows]

    def save_embeddings(self, model_id: str, hashes: Sequence[str], vectors: np.ndarray, backend: str) -> None:
        """Vectors under their cache key `model_id`, with the runtime that computed them (`backend`)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        frame = pd.DataFrame(
            {
                "text_hash": list(hashes),
                "model_id": model_id,
                "dim": vectors.shape[1],
                "vector": [v.tobytes() for v in vectors],
                "backend": backend,
            }
        )
        with self.transaction():
            self._insert("embeddings", frame)

    def corpus(self, model_id: str) -> tuple[pd.DataFrame, np.ndarray]:
        """Every paper with its embedding, in paper_id order: the documents a fit sees."""
        rows = self.db.execute(
            """SELECT p.paper_id, p.title, p.abstract, p.text_hash, p.published, p.arxiv_id, p.organization, e.dim,
                      e.vector
               FROM papers p JOIN embeddings e ON e.text_hash = p.text_hash AND e.model_id = ?
               ORDER BY p.paper_id""",
            [model_id],
        ).fetchall()
        frame = pd.DataFrame(
            [r[:7] for r in rows],
            columns=["paper_id", "title", "abstract", "text_hash", "published", "arxiv_id", "organization"],
        )
        dim = rows[0][7] if rows else 0
        matrix = np.frombuffer(b"".join(r[8] for r in rows), dtype=np.float32).reshape(len(rows), dim)
        return frame, matrix

    def sightings(self) -> pd.DataFrame:
        """One row per (digest date, paper): re-saved snapshots of one digest count once."""
        frame = self.db.execute(
            """SELECT s.digest_date, s.paper_id, min(s.rank) AS rank, max(s.upvotes) AS upvotes
               FROM sightings s JOIN snapshots n ON n.snapshot_id = s.snapshot_id AND NOT n.superseded
               GROUP BY s.digest_date, s.paper_id ORDER BY s.digest_date, s.paper_id"""
        ).df()
        frame["digest_date"] = pd.to_datetime(frame["digest_date"]).dt.date
        return frame

    def counts(self) -> dict[str, int]:
        one = self.db.execute(
            """SELECT (SELECT count(*) FROM snapshots), (SELECT count(*) FROM papers),
                      (SELECT count(*) FROM sightings), (SELECT count(*) FROM rejections),
                      (SELECT count(DISTINCT digest_date) FROM snapshots)"""
        ).fetchone()
        assert one is not None
        return dict(zip(["snapshots", "papers", "sightings", "rejected_files", "digest_dates"], one, strict=True))

    def find_papers(self, query: str) -> list[Paper]:
        """By paper id, arXiv id (any version), or else the words of the title."""
        from papertrends.identity import normalize_arxiv_id, normalize_title

        papers = self.papers()
        arxiv = normalize_arxiv_id(query.removeprefix("arxiv:"))
        exact = [p for p in papers.values() if query in (p.paper_id,) or (arxiv and p.arxiv_id == arxiv)]
        if exact:
            return exact
        words = normalize_title(query)
        return sorted(
            (p for p in papers.values() if words and words in normalize_title(p.title)), key=lambda p: p.title
        )

    def paper_history(self, paper_id: str) -> pd.DataFrame:
        """Every sighting of a paper: digest date, rank, upvotes, and the snapshot it came from."""
        return self.db.execute(
            """SELECT s.digest_date, s.rank, s.upvotes, n.source, n.version, n.superseded
               FROM sightings s JOIN snapshots n USING (snapshot_id)
               WHERE s.paper_id = ? ORDER BY s.digest_date, n.version""",
            [paper_id],
        ).df()

    def rejections(self) -> pd.DataFrame:
        return self.db.execute("SELECT source, line, reason, n_entries FROM rejections ORDER BY source").df()

    # -- runs -----------------------------------------------------------------------------------------------
    def start_run(self, config_hash: str, model_id: str) -> int:
        with self.transaction():
            self.db.execute(
                "UPDATE runs SET status = 'interrupted', finished_at = ? WHERE status = 'running'", [_now()]
            )
            row = self.db.execute("SELECT coalesce(max(run_id), 0) + 1 FROM runs").fetchone()
            assert row is not None
            run_id = int(row[0])
            self.db.execute(
                "INSERT INTO runs (run_id, started_at, status, config_hash, model_id) VALUES (?, ?, 'running', ?, ?)",
                [run_id, _now(), config_hash, model_id],
            )
        return run_id

    def save_results(self, run_id: int, analysis: Any) -> None:
        """A run's topics, assignments, prevalence, trends and topic events, in one transaction."""
        topics = analysis.topics.assign(
            top_terms=analysis.topics["top_terms"].map(json.dumps),
            representative=analysis.topics["representative"].map(json.dumps),
            centroid=analysis.topics["centroid"].map(lambda c: np.asarray(c, dtype=np.float32).tobytes()),
        )
        frames = {
            "topics": topics,
            "assignments": analysis.assignments,
            "prevalence": analysis.prevalence,
            "trends": analysis.trends,
            "topic_events": analysis.events,
        }
        with self.transaction():
            for table, frame in frames.items():
                self.db.execute(f"DELETE FROM {table} WHERE run_id = ?", [run_id])
                self._insert(table, frame.assign(run_id=run_id), on_conflict="fail")
                crash_point("save")
            self.db.execute("UPDATE runs SET corpus_hash = ? WHERE run_id = ?", [analysis.corpus_hash, run_id])

    def last_completed_run(self) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT run_id, corpus_hash, config_hash, summary FROM runs WHERE status = 'completed' "
            "ORDER BY run_id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        summary = json.loads(row[3]) if row[3] else {}
        return {"run_id": row[0], "corpus_hash": row[1], "config_hash": row[2], "metrics": summary.get("metrics")}

    def newest_run(self) -> dict[str, Any] | None:
        """The latest run whatever its status (a killed run stays 'running'), with its summary."""
        row = self.db.execute("SELECT run_id, status, summary FROM runs ORDER BY run_id DESC LIMIT 1").fetchone()
        if row is None:
            return None
        return {"run_id": row[0], "status": row[1], "summary": json.loads(row[2]) if row[2] else {}}

    def current_snapshots(self) -> int:
        return self.db.execute("SELECT count(*) FROM snapshots WHERE NOT superseded").fetchone()[0]

    def load_topics(self, run_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        """A run's topics (top_terms and representative as lists, centroid as an array) and assignments."""
        topics = self.db.execute(
            """SELECT topic_id, level, parent_id, label, size, top_terms, representative, status, first_seen,
                      last_seen, centroid FROM topics WHERE run_id = ? ORDER BY level, topic_id""",
            [run_id],
        ).df()
        topics["top_terms"] = topics["top_terms"].map(lambda s: [tuple(x) for x in json.loads(s)])
        topics["representative"] = topics["representative"].map(json.loads)
        topics["centroid"] = topics["centroid"].map(lambda b: np.frombuffer(bytes(b), dtype=np.float32))
        topics["parent_id"] = topics["parent_id"].astype("object").where(topics["parent_id"].notna(), None)
        assignments = self.db.execute(
            "SELECT paper_id, topic_id, subtopic_id, x, y FROM assignments WHERE run_id = ? ORDER BY paper_id", [run_id]
        ).df()
        return topics, assignments

    def topic_history(self) -> pd.DataFrame:
        """Every recorded topic event of every run: run_id, kind, level, topic_id, previous_ids, detail."""
        return self.db.execute(
            """SELECT e.run_id, r.finished_at, e.kind, e.level, e.topic_id, e.previous_ids, e.detail
               FROM topic_events e JOIN runs r USING (run_id) ORDER BY e.run_id, e.kind, e.topic_id"""
        ).df()

    def topic_shares(self, run_id: int) -> dict[int, float]:
        """Each topic's share of all sightings in a run (per-digest counts summed)."""
        rows = self.db.execute(
            """SELECT topic_id, sum(n) / sum(sum(n)) OVER () FROM prevalence
               WHERE run_id = ? AND "window" = 'day' GROUP BY topic_id""",
            [run_id],
        ).fetchall()
        return {int(t): float(v) for t, v in rows}

    def paper_listings(self) -> pd.DataFrame:
        """Per paper (current snapshot versions): the digest dates it was listed on and its highest upvotes."""
        frame = self.db.execute(
            """SELECT s.paper_id, list(DISTINCT s.digest_date ORDER BY s.digest_date) AS digest_dates,
                      max(s.upvotes) AS upvotes
               FROM sightings s JOIN snapshots n ON n.snapshot_id = s.snapshot_id AND NOT n.superseded
               GROUP BY s.paper_id"""
        ).df()
        frame["digest_dates"] = frame["digest_dates"].map(lambda ds: [str(d)[:10] for d in ds])
        return frame

    def snapshot_fingerprint(self) -> tuple[int, str]:
        """How many current snapshots there are, and a hash of their contents' hashes."""
        import hashlib

        ids = [
            r[0]
            for r in self.db.execute(
                "SELECT snapshot_id FROM snapshots WHERE NOT superseded ORDER BY snapshot_id"
            ).fetchall()
        ]
        return len(ids), hashlib.sha256("".join(ids).encode()).hexdigest()[:16]

    def next_topic_id(self) -> int:
        """Registry ids are never reused: the next is one past the largest a completed run gave (an interrupted
        run's ids were never shown, so a rerun gives the same ones)."""
        row = self.db.execute(
            """SELECT coalesce(max(topic_id), -1) + 1 FROM topics
               WHERE run_id IN (SELECT run_id FROM runs WHERE status = 'completed')"""
        ).fetchone()
        return int(row[0]) if row else 0

    def finish_run(self, run_id: int, status: str, summary: dict[str, Any]) -> None:
        self.db.execute(
            "UPDATE runs SET status = ?, finished_at = ?, summary = ? WHERE run_id = ?",
            [status, _now(), json.dumps(summary, default=str), run_id],
        )

    def runs(self) -> pd.DataFrame:
        return self.db.execute("SELECT * FROM runs ORDER BY run_id").df()


@contextmanager
def open_store(path: Path, *, read_only: bool = False) -> Iterator[Store]:
    store = Store(path, read_only=read_only)
    try:
        yield store
    finally:
        store.close()
