"""Interactive HTML reports: pure figure builders and page contexts, and one writer."""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd

from papertrends.report.pages import ReportInput
from papertrends.report.writer import write_report

__all__ = ["ReportInput", "build_report", "package_versions", "write_report"]

PACKAGES = ("papertrends", "bertopic", "umap-learn", "hdbscan", "scikit-learn", "sentence-transformers", "torch",
            "pandas", "plotly", "prefect", "duckdb")  # fmt: skip


def package_versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def _runs_table(runs: pd.DataFrame, current: int) -> pd.DataFrame:
    rows = []
    for r in runs.itertuples():
        summary = json.loads(r.summary) if isinstance(r.summary, str) and r.summary else {}
        status = "completed" if r.run_id == current else r.status
        if status != "completed":
            continue
        rows.append(
            {
                "run_id": int(r.run_id),
                "finished_at": r.finished_at,
                "status": status,
                "papers": summary.get("papers_total", ""),
                "topics": summary.get("n_topics", ""),
            }
        )
    return pd.DataFrame(rows, columns=["run_id", "finished_at", "status", "papers", "topics"])


def build_report(
    folder: Path,
    store: Any,
    run: Mapping[str, Any],
    analysis: Any,
    *,
    window: str = "week",
    top: int = 20,
    keep_runs: int = 20,
) -> Path:
    """Gather what the pages show from the store and the run's analysis, and write the report folder."""
    runs = store.runs()
    previous = runs[(runs["status"] == "completed") & (runs["run_id"] < run["run_id"])]
    previous_shares = store.topic_shares(int(previous["run_id"].max())) if len(previous) else {}
    current = _runs_table(runs, int(run["run_id"]))
    if int(run["run_id"]) not in set(current["run_id"]):
        extra = {
            "run_id": int(run["run_id"]),
            "finished_at": run.get("finished_at", ""),
            "status": "completed",
            "papers": run.get("n_papers", ""),
            "topics": analysis.n_topics,
        }
        current = pd.concat([current, pd.DataFrame([extra])], ignore_index=True)
    data = ReportInput(
        run=run,
        topics=analysis.topics,
        assignments=analysis.assignments,
        prevalence=analysis.prevalence,
        trends=analysis.trends,
        papers=analysis.papers,
        listings=store.paper_listings(),
        events=analysis.events,
        history=store.topic_history(),
        previous_shares=previous_shares,
        runs=current,
        window=window,
        top=top,
    )
    return write_report(folder, data, keep_runs=keep_runs)
