"""What a run says to people, built from the records the steps hand on: the summary the CLI prints and
`runs.summary` keeps (`RunSummary`), the run as its report states it (`RunInfo`), the report's input, and the
content of the Prefect artifacts. Pure: the flow calls these and publishes or saves what they return.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace

import pandas as pd

from papertrends.config import Settings
from papertrends.prevalence import overall_shares
from papertrends.records import (
    Analysis,
    IngestSummary,
    ReportHistory,
    ReportInput,
    RunInfo,
    RunSummary,
    StoreCounts,
)
from papertrends.report import package_versions

LEVEL_NAMES = {"topic": "area", "subtopic": "research line"}
TREND_TABLE = ["topic_id", "level", "label", "status", "effect", "q_value", "share"]


def started(run_id: int, ingest: IngestSummary, counts: StoreCounts, embedded: int, settings: Settings, *,
            fetched: int, seconds: dict[str, float], runtime: str) -> RunSummary:  # fmt: skip
    """The summary of a run that has stored and embedded what was new and is about to analyse."""
    return RunSummary(run_id, "running", ingest, counts.snapshots, counts.papers, counts.digest_dates,
                      counts.rejected_files, embedded, fetched=fetched, seconds=seconds,
                      settings_hash=settings.settings_hash(), partial_total=counts.partial_papers,
                      embedding_runtime=runtime)  # fmt: skip


def analysed(summary: RunSummary, analysis: Analysis) -> RunSummary:
    """The summary with what the analysis found: topics, outliers, the fit's figures, the areas' statuses."""
    statuses = {str(k): int(n) for k, n in analysis.area_trends["status"].value_counts().items()}
    outliers = round(analysis.outlier_share, 4)
    return replace(summary, n_topics=analysis.n_topics, n_subtopics=analysis.n_subtopics, outlier_share=outliers,
                   metrics=analysis.metrics, statuses=statuses)  # fmt: skip


def run_info(summary: RunSummary, analysis: Analysis, settings: Settings, *, model_id: str, snapshot_hash: str,
             uncertain_dates: tuple[str, ...]) -> RunInfo:  # fmt: skip
    """The run as its report states it: when, over what, and with which settings and packages."""
    days = analysis.prevalence.loc[analysis.prevalence["window"] == "day", "window_start"]
    return RunInfo(
        run_id=summary.run_id,
        finished_at=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        n_papers=summary.papers_total,
        n_snapshots=summary.snapshots_total,
        n_digests=summary.digest_dates,
        first_digest=str(days.min()) if len(days) else "",
        last_digest=str(days.max()) if len(days) else "",
        n_topics=analysis.n_topics,
        outlier_share=analysis.outlier_share,
        model_id=model_id,
        seed=settings.topics.seed,
        fit_hash=settings.fit_hash(),
        snapshot_hash=snapshot_hash,
        quality=json.dumps(analysis.metrics.quality or {}),
        versions=package_versions(),
        config=settings.as_toml(),
        uncertain_dates=uncertain_dates,
        embedding_runtime=summary.embedding_runtime,
    )


def report_input(run: RunInfo, analysis: Analysis, past: ReportHistory, settings: Settings) -> ReportInput:
    """Everything the report shows: this run's analysis and what the store holds of the runs before it."""
    return ReportInput(run=run, topics=analysis.topics, assignments=analysis.assignments,
                       prevalence=analysis.prevalence, trends=analysis.trends, papers=analysis.papers,
                       events=analysis.events, listings=past.listings, history=past.history,
                       previous_shares=past.previous_shares, runs=past.runs, trend_history=analysis.trend_history,
                       term_trends=analysis.moving_terms, term_history=analysis.term_history,
                       window=settings.trends.window,
                       top=settings.report.top_topics)  # fmt: skip


def trends_artifact(analysis: Analysis) -> pd.DataFrame:
    """Each topic's trend with its share of all sightings (TREND_TABLE): the Prefect table artifact."""
    shares = overall_shares(analysis.prevalence)
    table = analysis.trends.assign(share=analysis.trends["topic_id"].map(shares).round(4))
    return table.sort_values("topic_id", ignore_index=True)[TREND_TABLE]


def run_markdown(summary: RunSummary, analysis: Analysis) -> str:
    """The run as the Prefect UI shows it on the flow run: what happened, the biggest movers, rejected files and new
    topics."""
    i, events = summary.ingest, analysis.events
    new_topics = events[events["kind"] == "new"].sort_values("topic_id")
    trends = analysis.trends.sort_values("topic_id", ignore_index=True)
    movers = trends.loc[trends["effect"].abs().sort_values(ascending=False, kind="stable").index].head(5)
    lines = [
        f"# papertrends run {summary.run_id}",
        "",
        f"- new digests: **{i.new_snapshots}** ({summary.digest_dates} in all); new papers: **{i.new_papers}** "
        f"({summary.papers_total} in all); embeddings computed: {summary.embeddings_computed}",
        f"- topics: **{summary.n_topics}**, outliers {summary.outlier_share:.1%}; new topics: {len(new_topics)}",
        f"- trends: {', '.join(f'{n} {k}' for k, n in sorted(summary.statuses.items()))}",
        f"- rejected files this run: {i.rejected_files} ({summary.rejected_total} in all)",
        "",
        "## Biggest movers",
        "",
        "| topic | level | status | effect (pts / 30 days) | q |",
        "|---|---|---|---|---|",
        *[
            f"| {r.label} | {LEVEL_NAMES.get(r.level, r.level)} | {r.status} | {r.effect:+.2f} | {r.q_value:.3f} |"
            for r in movers.itertuples()
        ],
    ]
    if i.rejections:
        lines += ["", "## Rejected files", "", *[f"- `{r}`" for r in i.rejections]]
    if not new_topics.empty:
        lines += ["", "## New topics", "", *[f"- {r.topic_id}: {r.detail}" for r in new_topics.itertuples()]]
    return "\n".join(lines)
