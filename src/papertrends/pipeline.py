"""A run's steps as plain library calls, in the order the flow's tasks call them (`flows/update.py`: start, store,
embed, load, analyse, save), for what runs without Prefect: the backtest, the benches and the tests. The flow calls
the same functions, one task each, and adds the report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from papertrends import summary as say
from papertrends.analysis import analyse
from papertrends.config import Settings
from papertrends.embedding import Embedder
from papertrends.ingest import ReadResult, store_snapshots
from papertrends.records import Analysis, RunSummary
from papertrends.store import Store
from papertrends.trends import history_key


def embed_missing(store: Store, embedder: Embedder, cached: Mapping[str, np.ndarray] | None = None) -> int:
    """Vectors for the stored texts that have none under the embedder's key: taken from `cached` (text hash to
    vector) where it has them, computed otherwise. Returns how many were computed."""
    missing = store.missing_embeddings(embedder.model_id)
    cached = cached or {}
    known = [(h, cached[h]) for h, _ in missing if h in cached]
    if known:
        store.save_embeddings(embedder.model_id, [h for h, _ in known], np.stack([v for _, v in known]), "cache")
    rest = [(h, t) for h, t in missing if h not in cached]
    if rest:
        store.save_embeddings(embedder.model_id, [h for h, _ in rest], embedder.encode([t for _, t in rest]),
                              embedder.provenance)  # fmt: skip
    return len(rest)


def analyse_stored(store: Store, settings: Settings, model_id: str, run_id: int, *, force: bool = False) -> Analysis:
    """Load the analysis's inputs, analyse them, save the result under `run_id`."""
    analysis = analyse(store.analysis_inputs(model_id, history_key(settings.trends)), settings, force=force)
    store.save_analysis(run_id, analysis)
    return analysis


def run_once(
    store: Store,
    settings: Settings,
    embedder: Embedder,
    read: ReadResult,
    *,
    cached: Mapping[str, np.ndarray] | None = None,
    force: bool = False,
) -> tuple[RunSummary, Analysis]:
    """One run over what `read` holds, recorded as completed as the flow records it (without a report)."""
    run_id = store.start_run(settings.fit_hash(), embedder.model_id)
    ingest = store_snapshots(store, read)
    embedded = embed_missing(store, embedder, cached)
    started = say.started(run_id, ingest, store.counts(), embedded, settings, fetched=0, seconds={},
                          runtime=embedder.provenance)  # fmt: skip
    analysis = analyse_stored(store, settings, embedder.model_id, run_id, force=force)
    summary = replace(say.analysed(started, analysis), status="completed")
    store.finish_run(run_id, summary)
    return summary, analysis
