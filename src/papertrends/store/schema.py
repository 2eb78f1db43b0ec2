"""The database's tables, the columns added since each was first created, and the one rewrite of old keys."""

from __future__ import annotations

import hashlib

import duckdb

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
    config_hash VARCHAR, corpus_hash VARCHAR, model_id VARCHAR,
    summary JSON,                         -- for people: what the CLI prints (records.RunSummary)
    fitted_papers INTEGER,                -- papers the run's last full fit saw (placing papers since adds none)
    fit_metrics JSON,                     -- the fit's figures (records.FitMetrics), carried to the next run
    history_key VARCHAR);                 -- the trend rules and settings its status history was computed under
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
    level VARCHAR DEFAULT 'topic', PRIMARY KEY (run_id, topic_id));
CREATE TABLE IF NOT EXISTS trend_history (
    run_id INTEGER NOT NULL, as_of DATE NOT NULL, topic_id INTEGER NOT NULL, status VARCHAR NOT NULL, effect DOUBLE,
    q_value DOUBLE, since DATE, PRIMARY KEY (run_id, as_of, topic_id));
CREATE TABLE IF NOT EXISTS term_trends (
    run_id INTEGER NOT NULL, term VARCHAR NOT NULL, status VARCHAR NOT NULL, effect DOUBLE, relative DOUBLE,
    p_value DOUBLE, q_value DOUBLE, papers INTEGER, first_seen DATE, n_topics INTEGER, topic_ids VARCHAR,
    variants VARCHAR, lift DOUBLE, PRIMARY KEY (run_id, term));
CREATE TABLE IF NOT EXISTS term_history (
    run_id INTEGER NOT NULL, as_of DATE NOT NULL, term VARCHAR NOT NULL, status VARCHAR NOT NULL, ratio DOUBLE,
    q_value DOUBLE, since DATE, PRIMARY KEY (run_id, as_of, term));
CREATE TABLE IF NOT EXISTS topic_events (
    run_id INTEGER NOT NULL, kind VARCHAR NOT NULL, level VARCHAR NOT NULL, topic_id INTEGER,
    previous_ids INTEGER[], detail VARCHAR);
"""

# Columns added since a table was first created: a database from an earlier papertrends gains them on open.
MIGRATIONS = """
ALTER TABLE snapshots ADD COLUMN IF NOT EXISTS version INTEGER DEFAULT 1;
ALTER TABLE snapshots ADD COLUMN IF NOT EXISTS superseded BOOLEAN DEFAULT false;
ALTER TABLE embeddings ADD COLUMN IF NOT EXISTS backend VARCHAR;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS fitted_papers INTEGER;
ALTER TABLE trends ADD COLUMN IF NOT EXISTS since DATE;
ALTER TABLE papers ADD COLUMN IF NOT EXISTS partial BOOLEAN DEFAULT false;
ALTER TABLE trends ADD COLUMN IF NOT EXISTS level VARCHAR DEFAULT 'topic';
ALTER TABLE term_trends ADD COLUMN IF NOT EXISTS variants VARCHAR;
ALTER TABLE term_trends ADD COLUMN IF NOT EXISTS lift DOUBLE;
ALTER TABLE term_trends ADD COLUMN IF NOT EXISTS since DATE;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS fit_metrics JSON;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS history_key VARCHAR;
"""
# Runs of an earlier papertrends kept the analysis's state inside their summary: it moves to the columns of its own.
STATE_FROM_SUMMARY = """
UPDATE runs SET
    fitted_papers = coalesce(fitted_papers, TRY_CAST(json_extract(summary, '$.metrics.fitted_papers') AS INTEGER)),
    fit_metrics = coalesce(fit_metrics, json_extract(summary, '$.metrics')),
    history_key = coalesce(history_key, json_extract_string(summary, '$.history_key'))
WHERE summary IS NOT NULL AND (fit_metrics IS NULL OR history_key IS NULL OR fitted_papers IS NULL);
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


# What `prepare` does, as a fingerprint: a database that holds it is at today's layout.
LAYOUT = hashlib.sha256(
    "\n".join([SCHEMA, MIGRATIONS, STATE_FROM_SUMMARY, REKEY_EMBEDDINGS, repr(sorted(DERIVED.items()))]).encode()
).hexdigest()[:16]


def prepare(db: duckdb.DuckDBPyConnection) -> None:
    """Bring a writable database to today's layout: derived tables of an older layout dropped, tables created,
    columns added and filled from older runs' summaries, old embedding keys rewritten (in one transaction). A
    database already brought to it (`LAYOUT` in its `layout` table) is left as it is: a run opens its database
    once a step, and the checks cost more than the opening."""
    if at_layout(db):
        return
    for table, newest_column in DERIVED.items():
        columns = {
            r[0]
            for r in db.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
            ).fetchall()
        }
        if columns and newest_column not in columns:
            db.execute(f"DROP TABLE {table}")
    db.execute(SCHEMA)
    db.execute(MIGRATIONS)
    db.execute(STATE_FROM_SUMMARY)
    db.execute("BEGIN TRANSACTION")
    try:
        db.execute(REKEY_EMBEDDINGS)
        db.execute("CREATE TABLE IF NOT EXISTS layout (fingerprint VARCHAR NOT NULL)")
        db.execute("DELETE FROM layout")
        db.execute("INSERT INTO layout VALUES (?)", [LAYOUT])
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def at_layout(db: duckdb.DuckDBPyConnection) -> bool:
    """Whether `prepare` has brought this database to today's layout."""
    try:
        row = db.execute("SELECT fingerprint FROM layout").fetchone()
    except duckdb.CatalogException:
        return False
    return row is not None and row[0] == LAYOUT
