"""Only the new work: new papers placed in the last fit's topics, and a run with nothing new that does nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import SAMPLES, preload_embeddings
from papertrends.config import load_settings
from papertrends.ingest import up_to_date
from papertrends.store import open_store

LAST = "004_290da2b1a9fff3c8.txt"  # 70 entries, 61 papers the other four samples do not list


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None, sample_vectors) -> dict:
    from flows.update import update_flow

    tmp = tmp_path_factory.mktemp("incremental")
    folder = tmp / "snapshots"
    folder.mkdir()
    for f in sorted(SAMPLES.iterdir()):
        if f.name != LAST:
            shutil.copy(f, folder / f.name)
    db = tmp / "pt.duckdb"
    preload_embeddings(db, sample_vectors)
    overrides = {
        "snapshots": {"folder": folder},
        "store": {"path": db},
        "report": {"folder": tmp / "reports"},
        "topics": {"refit_share": 0.5},  # 61 new papers are 20% of the 299 fitted: placed, not refitted
    }
    out = {"tmp": tmp, "db": db, "folder": folder, "overrides": overrides}
    out["first"] = update_flow(overrides=overrides, progress=False)
    shutil.copy(SAMPLES / LAST, folder / LAST)
    out["placed"] = update_flow(overrides=overrides, progress=False)
    out["refit"] = update_flow(overrides=overrides, progress=False, refit=True)
    return out


def _assignments(db: Path, run_id: int):  # noqa: ANN202
    with open_store(db) as store:
        return store.load_topics(run_id)


def test_new_papers_join_the_last_fits_topics_without_a_refit(runs: dict) -> None:
    first, placed = runs["first"], runs["placed"]
    assert first.papers_total == 299 and placed.papers_total == 360
    assert placed.metrics.placed_papers == 61
    with open_store(runs["db"]) as store:
        fitted = store.db.execute("SELECT run_id, fitted_papers FROM runs ORDER BY run_id").fetchall()
    assert fitted[:2] == [(1, 299), (2, 299)]  # placing adds papers to the fit's topics, not to the fit
    topics1, before = _assignments(runs["db"], 1)
    topics2, after = _assignments(runs["db"], 2)
    assert topics1["topic_id"].tolist() == topics2["topic_id"].tolist()  # the same topics, the same ids
    assert topics1["top_terms"].tolist() == topics2["top_terms"].tolist()
    merged = before.merge(after, on="paper_id", suffixes=("_1", "_2"))
    assert len(merged) == 299 and (merged["topic_id_1"] == merged["topic_id_2"]).all()  # nobody moved
    new = after[~after["paper_id"].isin(before["paper_id"])]
    assert len(new) == 61
    fit_outliers = first.metrics.outliers_after  # most join a topic; outliers about as often as in the fit
    assert (new["topic_id"] == -1).mean() <= 2 * fit_outliers + 0.1
    assert set(new["topic_id"]) <= set(topics2.loc[topics2["level"] == "topic", "topic_id"]) | {-1}
    if (topics2["level"] == "subtopic").any():  # placed in an area, then in one of its research lines
        parents = dict(zip(topics2["topic_id"], topics2["parent_id"], strict=True))
        subs = new[new["subtopic_id"].notna()]
        assert all(parents[int(s)] == t for s, t in zip(subs["subtopic_id"], subs["topic_id"], strict=True))
        with_lines = set(topics2["parent_id"].dropna().astype(int))
        assert not new.loc[new["subtopic_id"].isna(), "topic_id"].isin(with_lines).any()
    sizes = topics2.set_index("topic_id")["size"]
    counts = after[after["topic_id"] >= 0]["topic_id"].value_counts()
    assert all(sizes[t] == n for t, n in counts.items())  # sizes follow the placed papers
    assert after["x"].between(-1, 1).all() and after["y"].between(-1, 1).all()


def test_placement_agrees_with_a_refit(runs: dict) -> None:
    """A full refit (ids anchored to the previous run) puts most placed papers in the topic they were placed in."""
    _, placed = _assignments(runs["db"], 2)
    _, refit = _assignments(runs["db"], 3)
    assert runs["refit"].metrics.placed_papers is None
    _, before = _assignments(runs["db"], 1)
    new = placed[~placed["paper_id"].isin(before["paper_id"]) & (placed["topic_id"] >= 0)]
    both = new.merge(refit, on="paper_id", suffixes=("_placed", "_refit"))
    agree = (both["topic_id_placed"] == both["topic_id_refit"]).mean()
    assert agree >= 0.6, agree


def test_a_run_with_nothing_new_is_answered_without_running(runs: dict) -> None:
    settings = load_settings().with_overrides(**runs["overrides"])
    last = up_to_date(settings)
    assert last is not None and last.run_id == 3
    assert up_to_date(settings.with_overrides(trends={"alpha": 0.01})) is None  # other settings: run again
    extra = runs["folder"] / "2025-07-01.json"
    extra.write_text('[{"paper": {"id": "2507.00001", "title": "T", "summary": "S"}}]')
    try:
        assert up_to_date(settings) is None  # a file not read before
    finally:
        extra.unlink()
    assert up_to_date(settings) is not None
    with open_store(runs["db"]) as store:  # a run that was killed after storing: its work is not analysed yet
        killed = store.start_run(settings.fit_hash(), "m")
    assert up_to_date(settings) is None
    with open_store(runs["db"]) as store:
        store.db.execute("DELETE FROM runs WHERE run_id = ?", [killed])
    assert up_to_date(settings) is not None
    (runs["tmp"] / "reports" / "index.html").rename(runs["tmp"] / "index.html.away")
    try:
        assert up_to_date(settings) is None  # the report is gone: a run writes it again
    finally:
        (runs["tmp"] / "index.html.away").rename(runs["tmp"] / "reports" / "index.html")
