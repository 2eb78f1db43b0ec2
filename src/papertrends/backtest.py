"""Replays the history as scheduled runs would have seen it: `papertrends backtest --from DATE --every month`.

At each step only the digests dated up to that day are in the store, and the step is a real run
(`pipeline.run_once`: the functions the flow's tasks call): the same decision to reuse, place into or refit the
topics (`analysis.decide`), the same fit, prevalence and trends, and the run is recorded so the next step builds on
it as the next scheduled run would. What each step reported (every
topic's status, effect, q value and since when it is emerging) is printed and written as CSV. Vectors come from the
configured store's embedding cache where it has them; the rest are embedded.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from papertrends.config import Settings
from papertrends.embedding import make_embedder
from papertrends.ingest import ReadResult, read_snapshots
from papertrends.pipeline import run_once
from papertrends.records import Analysis
from papertrends.store import open_store

COLUMNS = ["as_of", "papers", "decision", "topic_id", "label", "status", "effect", "q_value", "since"]


@dataclass(frozen=True, slots=True)
class Step:
    as_of: date
    papers: int
    decision: str
    topics: int
    statuses: dict[str, int]


def steps(first: date, last: date, every: str) -> list[date]:
    """Step dates from `first` to `last` (the last digest always included): weekly (Sundays) or month ends."""
    freq = {"week": "W-SUN", "month": "ME"}[every]
    days = [d.date() for d in pd.date_range(first, last, freq=freq)]
    return days + [last] if not days or days[-1] < last else days


def _cached_vectors(settings: Settings, model_id: str) -> dict[str, np.ndarray]:
    path = settings.store.path
    if not path.exists():
        return {}
    with open_store(path, read_only=True) as store:
        rows = store.db.execute("SELECT text_hash, vector FROM embeddings WHERE model_id = ?", [model_id]).fetchall()
    return {h: np.frombuffer(v, dtype=np.float32) for h, v in rows}


def backtest(
    settings: Settings,
    start: date | None,
    every: str = "month",
    *,
    say: Callable[[str], None] = print,
    on_step: Callable[[date, Analysis], None] | None = None,
) -> tuple[list[Step], pd.DataFrame]:
    """Run the analysis at each step from `start` over the digests up to it. Returns the steps and, per step and
    topic, what the report would have said (COLUMNS); `on_step` sees each step's whole analysis. With no `start`,
    the first step is eight weeks after the first digest: before that there is no past to depart from."""
    source = settings.snapshots
    read = read_snapshots(source.folder, fmt=source.format, dates=source.dates, fields=source.fields,
                          approximate=source.approximate_dates)  # fmt: skip
    snapshots = sorted(read.snapshots, key=lambda s: s.digest.value)
    if not snapshots:
        raise ValueError(f"no snapshot could be read under {settings.snapshots.folder}")
    if start is None:
        start = snapshots[0].digest.value + timedelta(weeks=8)
    embedder = make_embedder(settings.embedding)
    cached = _cached_vectors(settings, embedder.model_id)
    rows, done = [], []
    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "backtest.duckdb") as store:
        taken = 0
        for as_of in steps(max(start, snapshots[0].digest.value), snapshots[-1].digest.value, every):
            upto = [s for s in snapshots[taken:] if s.digest.value <= as_of]
            taken += len(upto)
            _, result = run_once(store, settings, embedder, ReadResult(len(upto), 0, tuple(upto), ()), cached=cached)
            if on_step is not None:
                on_step(as_of, result)
            trends = result.area_trends
            statuses = trends["status"].value_counts().to_dict()
            step = Step(as_of, len(result.papers), result.decision.value, result.n_topics, statuses)
            done.append(step)
            rows.append(trends.assign(as_of=as_of, papers=len(result.papers), decision=result.decision.value))
            flagged = trends[trends["status"].isin(["emerging", "rising", "fading"])]
            said = "; ".join(f"{r.label} {r.status}" for r in flagged.itertuples()) or "all steady"
            say(f"{as_of}  {len(result.papers):6d} papers  {result.decision.value:6s}  {result.n_topics:3d} topics  "
                f"{said}")  # fmt: skip
    table = pd.concat(rows, ignore_index=True).reindex(columns=COLUMNS) if rows else pd.DataFrame(columns=COLUMNS)
    return done, table
