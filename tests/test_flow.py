"""The update flow end to end on the samples, under a real (temporary) Prefect server."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import SAMPLE_FILES, SAMPLES, preload_embeddings
from papertrends.records import Retention
from papertrends.store import open_store


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None, sample_vectors) -> dict:
    from flows.update import update_flow

    tmp = tmp_path_factory.mktemp("flow")
    db = tmp / "pt.duckdb"
    preloaded = preload_embeddings(db, sample_vectors)
    overrides = {"snapshots": {"folder": SAMPLES}, "store": {"path": db}, "report": {"folder": tmp / "reports"}}
    first = update_flow(overrides=overrides, progress=False)
    second = update_flow(overrides=overrides, progress=False)
    forced = update_flow(overrides=overrides, progress=False, refit=True)
    return {"tmp": tmp, "db": db, "first": first, "second": second, "forced": forced, "preloaded": preloaded}


def test_first_run_ingests_everything_and_embeds_nothing_cached(two_runs: dict) -> None:
    first = two_runs["first"]
    assert first.status == "completed"
    assert first.ingest.new_snapshots == 5 and first.ingest.new_papers == 360
    assert first.embeddings_computed == 0  # all 360 vectors were already in the cache
    assert 3 <= first.n_topics <= 30 and 0 <= first.outlier_share < 0.5
    assert set(first.seconds) == {"read", "store", "embed", "fit", "report"}


def test_second_run_has_nothing_new(two_runs: dict) -> None:
    second = two_runs["second"]
    assert second.ingest.unchanged == 5 and second.ingest.new_snapshots == 0
    assert second.ingest.new_papers == 0 and second.embeddings_computed == 0
    assert second.papers_total == 360


def test_same_inputs_and_seed_give_the_same_topics(two_runs: dict) -> None:
    assert two_runs["second"].metrics.reused_run == 1  # nothing changed: the first run's fit is reused
    assert two_runs["forced"].metrics.id_retention == Retention(by_topic=1.0, by_paper=1.0)
    with open_store(two_runs["db"]) as store:
        a = store.db.execute("SELECT paper_id, topic_id FROM assignments WHERE run_id = 1 ORDER BY 1").df()
        b = store.db.execute("SELECT paper_id, topic_id FROM assignments WHERE run_id = 2 ORDER BY 1").df()
        c = store.db.execute("SELECT paper_id, topic_id FROM assignments WHERE run_id = 3 ORDER BY 1").df()
        runs = store.runs()
    assert len(a) == 360 and a.equals(b) and a.equals(c)  # c: refitted from scratch, the same seed
    assert runs["status"].tolist() == ["completed", "completed", "completed"]
    assert runs["corpus_hash"].nunique() == 1


def test_prevalence_is_stored_and_exported(two_runs: dict) -> None:
    csv = pd.read_csv(two_runs["tmp"] / "reports" / "data" / "prevalence.csv")
    assert list(csv.columns) == [
        "window_start",
        "window",
        "topic_id",
        "n",
        "total",
        "share",
        "lo",
        "hi",
        "upvote_share",
    ]
    assert set(csv["window"]) == {"day", "week", "month", "published-month", "line-day", "line-week"}
    lines = csv[csv["window"] == "line-day"]  # the research lines' shares: each paper in its line or outside all
    assert ((lines.groupby("window_start")["share"].sum() - 1).abs() < 1e-9).all()
    daily = csv[csv["window"] == "day"]
    assert daily["window_start"].nunique() == 5
    sums = daily.groupby("window_start")["share"].sum()
    assert ((sums - 1).abs() < 1e-9).all()
    totals = daily.groupby("window_start")["total"].first()
    assert sorted(totals.tolist()) == sorted([41, 24, 172, 74, 70])
    assert ((daily["lo"] <= daily["share"]) & (daily["share"] <= daily["hi"])).all()
    with open_store(two_runs["db"]) as store:
        stored = store.db.execute(
            "SELECT count(*), sum(n) FROM prevalence WHERE run_id = 2 AND \"window\" = 'day'"
        ).fetchone()
    assert stored == (len(daily), 381)


def test_topics_and_trends_exports(two_runs: dict) -> None:
    data = two_runs["tmp"] / "reports" / "data"
    topics = pd.read_csv(data / "topics.csv")
    trends = pd.read_csv(data / "trends.csv")
    assert list(topics.columns)[:8] == [
        "topic_id",
        "label",
        "top_terms",
        "size",
        "parent_id",
        "status",
        "first_seen",
        "last_seen",
    ]
    assert list(trends.columns) == [
        "topic_id",
        "level",
        "label",
        "status",
        "effect",
        "p_value",
        "q_value",
        "window",
        "since",
    ]
    for level in ("topic", "subtopic"):  # every area and every listed research line has its trend
        listed = topics[topics["level"] == level]
        assert set(trends.loc[trends["level"] == level, "topic_id"]) == set(listed["topic_id"])
    assert set(trends["status"]) <= {"emerging", "rising", "steady", "fading", "gone"}
    assert ((trends["q_value"] >= trends["p_value"] - 1e-12) & (trends["q_value"] <= 1)).all()


def test_report_is_offline_and_shows_topics(two_runs: dict) -> None:
    reports = Path(two_runs["tmp"]) / "reports"
    html = (reports / "index.html").read_text()
    scripts = list((reports / "assets").glob("plotly-*.min.js"))
    assert len(scripts) == 1 and f'src="assets/{scripts[0].name}"' in html
    assert "cdn" not in html.lower().replace("cdn-", "") and "https://cdn" not in html
    topics = pd.read_csv(reports / "data" / "topics.csv")
    for label in topics.loc[topics["level"] == "topic", "label"]:
        assert label.replace("&", "&amp;") in html
    assert all(f'id="fig-{name}"' in html for name in ("stacked", "lines", "map"))
    assert len(list((reports / "topics").glob("*.html"))) == len(topics[topics["level"] == "topic"])


def test_phrases_counted_while_many_papers_are_embedded_are_those_counted_after(
    prefect_harness: None, tmp_path: Path, sample_vectors, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Papers added to a fit, more than one embedding chunk: the flow counts the phrases in its runner's thread
    while they are embedded (timed as "phrases"), and the analysis finds the same phrases, figures and statuses
    as a run that counts them after the embedding (one chunk). A first run counts them after."""
    import shutil

    from flows.update import update_steps

    from papertrends import analysis, phrase_counts, terms
    from papertrends.config import load_settings

    calls = []

    def counting(*args: object) -> object:
        calls.append(1)
        return phrase_counts.count_phrases(*args)

    monkeypatch.setattr(terms, "count_phrases", counting)
    monkeypatch.setattr(analysis, "count_phrases", counting)
    analyses = {}
    for chunk in (20, 512):
        folder = tmp_path / str(chunk)
        (folder / "snapshots").mkdir(parents=True)
        settings = load_settings(None).with_overrides(
            snapshots={"folder": folder / "snapshots"}, store={"path": folder / "pt.duckdb"},
            report={"folder": folder / "reports"}, embedding={"chunk_size": chunk}, topics={"refit_share": 0.5},
        )  # fmt: skip
        preload_embeddings(folder / "pt.duckdb", sample_vectors)
        for files in (SAMPLE_FILES[:4], SAMPLE_FILES[4:]):  # a fit, then papers placed into it
            for file in files:
                shutil.copy(file, folder / "snapshots")
            calls.clear()
            summary, analyses[chunk] = update_steps(settings, progress=False, publish=False)
            assert summary.status == "completed" and len(calls) == 1  # counted once: ahead and taken, or after
        assert summary.metrics.placed_papers == summary.ingest.new_papers > 20
        assert ("phrases" in summary.seconds) == (chunk == 20)
    ahead, after = analyses[20], analyses[512]
    assert len(after.term_trends) > 100
    pd.testing.assert_frame_equal(ahead.term_trends, after.term_trends)
    pd.testing.assert_frame_equal(ahead.term_history, after.term_history)
