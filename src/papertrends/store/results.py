"""A run's results (topics, assignments, prevalence, trends, topic events) and the queries over them."""

from __future__ import annotations

import json
from dataclasses import asdict

import numpy as np
import pandas as pd

from papertrends.faults import crash_point
from papertrends.prevalence import overall_shares
from papertrends.records import (
    Analysis,
    AnalysisInputs,
    EarlierTrends,
    FitMetrics,
    PreviousRun,
    ReportHistory,
    RunSummary,
)
from papertrends.store.corpus import CorpusTables
from papertrends.store.runs import RunBook
from papertrends.store.vectors import EmbeddingCache


class Results(CorpusTables, EmbeddingCache, RunBook):
    """The per-run result tables: what an analysis reads of the store, and what it leaves."""

    def analysis_inputs(self, model_id: str, history_key: str) -> AnalysisInputs:
        """Everything an analysis reads, in one go: every paper with its vector under `model_id`, the sightings,
        the last completed run, and its weeks if they were computed under `history_key` (`trends.history_key`)."""
        papers, embeddings = self.corpus(model_id)
        previous = self.previous_run()
        earlier = self.earlier_trends(previous.run_id, history_key) if previous else None
        return AnalysisInputs(papers, embeddings, self.sightings(), previous, earlier, self.next_topic_id())

    def save_analysis(self, run_id: int, analysis: Analysis) -> None:
        """A run's topics, assignments, prevalence, trends and topic events, and the state the next analysis reads
        (corpus hash, papers fitted, fit metrics, history key), in one transaction."""
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
            "trend_history": analysis.trend_history,
            "term_trends": analysis.moving_terms,
            "term_history": analysis.term_history,
            "topic_events": analysis.events,
        }
        with self.transaction():
            for table, frame in frames.items():
                self.db.execute(f"DELETE FROM {table} WHERE run_id = ?", [run_id])
                self._insert(table, frame.assign(run_id=run_id), on_conflict="fail")
                crash_point("save")
            self.db.execute(
                "UPDATE runs SET corpus_hash = ?, fitted_papers = ?, fit_metrics = ?, history_key = ? WHERE run_id = ?",
                [analysis.corpus_hash, analysis.fitted_papers, json.dumps(asdict(analysis.metrics)),
                 analysis.history_key, run_id],
            )  # fmt: skip

    def previous_run(self) -> PreviousRun | None:
        """What the last completed run left for the next: its fit's identity, figures, topics and assignments."""
        row = self.db.execute(
            """SELECT run_id, corpus_hash, config_hash, coalesce(fitted_papers, 0), fit_metrics
               FROM runs WHERE status = 'completed' ORDER BY run_id DESC LIMIT 1"""
        ).fetchone()
        if row is None:
            return None
        topics, assignments = self.load_topics(int(row[0]))
        metrics = FitMetrics.from_dict(json.loads(row[4]) if row[4] else None)
        return PreviousRun(int(row[0]), row[1] or "", row[2] or "", int(row[3]), metrics, topics, assignments)

    def earlier_trends(self, run_id: int, key: str) -> EarlierTrends | None:
        """A run's daily prevalence (its areas' `day` rows and its research lines' `line-day` rows) and status
        history, if they were computed under the history key `key` (`trends.history_key`); None otherwise."""
        row = self.db.execute("SELECT history_key FROM runs WHERE run_id = ?", [run_id]).fetchone()
        if row is None or row[0] != key:
            return None
        daily = self.db.execute(
            """SELECT "window", window_start, topic_id, n, total FROM prevalence
               WHERE run_id = ? AND "window" IN ('day', 'line-day')""",
            [run_id],
        ).df()
        history = self.db.execute(
            "SELECT as_of, topic_id, status, effect, q_value, since FROM trend_history WHERE run_id = ? "
            "ORDER BY as_of, topic_id",
            [run_id],
        ).df()
        return EarlierTrends(daily, history)

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
        """Each topic's share of all sightings in a run (`prevalence.overall_shares`)."""
        daily = self.db.execute(
            """SELECT "window", topic_id, n FROM prevalence WHERE run_id = ? AND "window" = 'day'""", [run_id]
        ).df()
        return overall_shares(daily)

    def report_history(self, run_id: int, *, papers: int, topics: int, finished_at: str) -> ReportHistory:
        """What the report of run `run_id` shows of the runs before it (this run is listed as completed, with
        `papers`, `topics` and `finished_at`, before its row says so)."""
        rows = self.db.execute(
            "SELECT run_id, finished_at, status, summary FROM runs WHERE status = 'completed' ORDER BY run_id"
        ).fetchall()
        listed = [{"run_id": run_id, "finished_at": finished_at, "status": "completed", "papers": papers,
                   "topics": topics}]  # fmt: skip
        for rid, finished, _status, summary in rows:
            if rid != run_id:
                s = RunSummary.from_dict(json.loads(summary) if summary else {})
                listed.append({"run_id": int(rid), "finished_at": finished, "status": "completed",
                               "papers": s.papers_total or "", "topics": s.n_topics or ""})  # fmt: skip
        listed.sort(key=lambda r: r["run_id"])
        earlier = [r["run_id"] for r in listed if r["run_id"] < run_id]
        return ReportHistory(
            listings=self.paper_listings(),
            history=self.topic_history(),
            previous_shares=self.topic_shares(max(earlier)) if earlier else {},
            runs=pd.DataFrame(listed, columns=["run_id", "finished_at", "status", "papers", "topics"]),
        )
