"""The middle layer's rules, each with a known answer: what a run decides, how new papers are placed, the outlier
bar, the user's labels, topic shares, the run summary's round trip, the cut of subtopics into topics."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pandas as pd

from papertrends.analysis.decide import decide
from papertrends.analysis.place import place_new_papers
from papertrends.analysis.rules import corpus_hash, with_user_labels
from papertrends.prevalence import overall_shares
from papertrends.records import Decision, FitMetrics, IngestSummary, PreviousRun, Retention, RunSummary
from papertrends.topics.levels import similarity_floors


def _previous(papers: int = 100, fitted: int = 100, corpus: str = "c1", fit_hash: str = "f1") -> PreviousRun:
    topics = pd.DataFrame(
        {
            "topic_id": [0, 1, 10, 11],
            "level": ["topic", "topic", "subtopic", "subtopic"],
            "parent_id": [None, None, 0, 1],
            "label": ["a", "b", "a1", "b1"],
            "size": [0, 0, 0, 0],
            "top_terms": [[("a", 1.0)], [("b", 1.0)], [("a1", 1.0)], [("b1", 1.0)]],
            "representative": [[], [], [], []],
            "centroid": [np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([1.0, 0.0]), np.array([0.0, 1.0])],
        }
    )
    ids = [f"p{i:03d}" for i in range(papers)]
    assignments = pd.DataFrame(
        {
            "paper_id": ids,
            "topic_id": [i % 2 for i in range(papers)],
            "subtopic_id": pd.array([10 + i % 2 for i in range(papers)], dtype="Int64"),
            "x": [float(i % 2) for i in range(papers)],
            "y": [0.0] * papers,
        }
    )
    return PreviousRun(1, corpus, fit_hash, fitted, FitMetrics(subtopics=2), topics, assignments)


def test_the_decision() -> None:
    prev = _previous()
    ids = list(prev.assignments["paper_id"])
    assert decide(None, "c1", ids, "f1", 0.05) is Decision.REFIT
    assert decide(prev, "c1", ids, "f1", 0.05) is Decision.REUSE
    assert decide(prev, "c1", ids, "f1", 0.05, force=True) is Decision.REFIT
    assert decide(prev, "c2", [*ids, "n1", "n2"], "f1", 0.05) is Decision.PLACE  # 2 new < 5% of 100
    assert decide(prev, "c2", [*ids, *[f"n{i}" for i in range(5)]], "f1", 0.05) is Decision.REFIT  # 5 is not < 5
    assert decide(prev, "c2", [*ids, "n1"], "f2", 0.05) is Decision.REFIT  # other fit settings
    assert decide(prev, "c2", ids[1:], "f1", 0.05) is Decision.REFIT  # a paper left
    placed_before = _previous(papers=104, fitted=100)  # 4 placed since the fit: one more reaches 5%
    assert decide(placed_before, "c2", [*placed_before.assignments["paper_id"], "n1"], "f1", 0.05) is Decision.REFIT


def test_placing_joins_the_nearest_subtopic_above_its_bar_and_keeps_ids() -> None:
    prev = _previous(papers=6, fitted=6)
    papers = pd.DataFrame({"paper_id": [*prev.assignments["paper_id"], "n1", "n2"]})
    old = [[1, 0], [0, 1], [0.8, 0.6], [0, 1], [1, 0], [0, 1]]  # a1's members reach 0.8, b1's 1.0
    vectors = np.array([*old, [0.99, 0.141], [0.7071, 0.7071]], dtype=float)
    placed = place_new_papers(papers, vectors, prev, outlier_quantile=0.0)
    rows = placed.assignments.set_index("paper_id")
    assert rows.loc["n1", "subtopic_id"] == 10 and rows.loc["n1", "topic_id"] == 0  # close to a1's members
    assert rows.loc["n2", "topic_id"] == -1 and pd.isna(rows.loc["n2", "subtopic_id"])  # below every bar
    assert rows.loc["n1", "x"] == 0.4  # the mean position of its 5 nearest papers: three at 0, two at 1
    assert placed.decision is Decision.PLACE and placed.metrics.placed_papers == 2
    assert placed.metrics.outliers_after == round(1 / 8, 4) and placed.fitted_papers == 6
    assert dict(zip(placed.topics["topic_id"], placed.topics["size"], strict=True)) == {0: 4, 1: 3, 10: 4, 11: 3}


def test_the_outlier_bar_is_the_quantile_of_the_members_similarity() -> None:
    x = np.array([[1, 0], [0.8, 0.6], [0.6, 0.8], [0, 1]], dtype=float)
    labels = np.array([0, 0, 0, 1])
    centroids = np.array([[1.0, 0.0], [0.0, 1.0], [0.7071, 0.7071]])
    floors = similarity_floors(x, labels, centroids, 0.5)
    assert np.allclose(floors, [0.8, 1.0, 1.0])  # median of 1, .8, .6; the one member; no members: 1.0
    among = np.array([True, False, True, True])
    assert np.allclose(similarity_floors(x, labels, centroids, 0.0, among=among), [0.6, 1.0, 1.0])


def test_user_labels_win_and_shares_count_every_sighting() -> None:
    topics = pd.DataFrame({"topic_id": [0, 1], "label": ["fitted a", "fitted b"]})
    assert with_user_labels(topics, {1: "mine"})["label"].tolist() == ["fitted a", "mine"]
    prevalence = pd.DataFrame({"window": ["day", "day", "day", "week"], "topic_id": [0, 1, 0, 0], "n": [1, 2, 1, 100]})
    assert overall_shares(prevalence) == {0: 0.5, 1: 0.5}
    assert corpus_hash(["b", "a"], "f") == corpus_hash(["a", "b"], "f") != corpus_hash(["a", "b"], "g")


def test_the_run_summary_survives_its_json_and_old_summaries_read() -> None:
    ingest = IngestSummary(5, 0, 5, 0, 360, 0, 381, 381, 381, 0, ("x.txt: line 3: bad",))
    summary = RunSummary(3, "completed", ingest, 5, 360, 5, 0, 360, n_topics=8,
                         metrics=FitMetrics(outliers_after=0.05, id_retention=Retention(1.0, 0.9)))  # fmt: skip
    import json

    assert RunSummary.from_dict(json.loads(json.dumps(summary.as_dict()))) == summary
    old = {
        "run_id": 2,
        "status": "completed",
        "ingest": asdict(ingest),
        "metrics": {"fit_hash": "f", "fitted_papers": 9},
    }
    assert RunSummary.from_dict(old).metrics == FitMetrics()  # control state no longer travels in the metrics


def test_measure_keeps_a_history_for_every_research_line_and_takes_up_the_last_runs_weeks() -> None:
    """On in-memory records, without a database: line 11 takes over area 1 while area 1 holds its share. Both
    levels get weekly histories; given the last run's days and weeks, the unchanged weeks are taken from it."""
    from datetime import date, timedelta

    from papertrends.analysis import measure
    from papertrends.config import Settings
    from papertrends.records import EarlierTrends, Fitted, no_events

    prev = _previous(papers=400)
    days = [date(2025, 1, 6) + timedelta(days=d) for d in range(140)]
    rng = np.random.default_rng(3)
    ids = prev.assignments["paper_id"].tolist()
    line_of = dict(zip(ids, prev.assignments["subtopic_id"], strict=True))
    topics = prev.topics.assign(top_terms=[[("a", 1.0)]] * 4, representative=[[]] * 4,
                                parent_id=pd.array([None, None, 0, 1], dtype="Int64"))  # fmt: skip
    # area 1 splits into lines 11 (late) and 12 (early): its share stays, its lines swap
    topics = pd.concat([topics, topics.iloc[[3]].assign(topic_id=12, label="b2")], ignore_index=True)
    assignments = prev.assignments.assign(subtopic_id=pd.array(
        [12 if line_of[p] == 11 and int(p[1:]) < 200 else line_of[p] for p in ids], dtype="Int64"))  # fmt: skip
    rows = []
    for k, day in enumerate(days):
        late = k >= 90
        for p in rng.choice(ids, 12, replace=False):
            sub = assignments.set_index("paper_id").loc[p, "subtopic_id"]
            if sub == 10 or (sub == 11) == late or rng.random() < 0.1:
                rows.append({"paper_id": p, "digest_date": day, "upvotes": 1, "certain": True})
    sightings = pd.DataFrame(rows)
    papers = pd.DataFrame({"paper_id": ids, "title": ["paper"] * len(ids), "abstract": ["words"] * len(ids),
                           "published": [None] * len(ids)})  # fmt: skip
    fitted = Fitted(Decision.REFIT, papers, topics, assignments, no_events(), FitMetrics(), len(ids))
    settings = Settings().with_overrides(trends={"window_days": 400, "min_papers": 5})
    first = measure(fitted, "c", sightings, settings)
    levels = dict(zip(first.trends["topic_id"], first.trends["level"], strict=True))
    assert levels == {0: "topic", 1: "topic", 10: "subtopic", 11: "subtopic", 12: "subtopic"}
    status = dict(zip(first.trends["topic_id"], first.trends["status"], strict=True))
    assert status[11] in ("rising", "emerging") and status[12] in ("fading", "gone")
    assert status[1] not in ("rising", "emerging")
    assert {10, 11, 12} <= set(first.trend_history["topic_id"])  # the lines' weeks, beside the areas'
    assert {"line-day", "line-week"} <= set(first.prevalence["window"])
    earlier = EarlierTrends(first.prevalence[first.prevalence["window"].isin(["day", "line-day"])],
                            first.trend_history.assign(effect=first.trend_history["effect"] + 1))  # fmt: skip
    again = measure(fitted, "c", sightings, settings, earlier)
    assert np.allclose(again.trend_history["effect"], first.trend_history["effect"] + 1)  # nothing recomputed
