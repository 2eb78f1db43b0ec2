"""Topics and trends on the real digests (../shared/data/hf-daily-api): readable, stable, trustworthy."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from conftest import HF_DAILY, needs_shared, permuted_dates, preload_embeddings
from papertrends.config import load_settings
from papertrends.embedding import make_embedder
from papertrends.ingest import read_snapshots
from papertrends.pipeline import run_once
from papertrends.store import open_store
from papertrends.trends import status_periods, status_story, trend_table

pytestmark = [needs_shared, pytest.mark.slow]


def _link_files(folder: Path, last_day: str | None) -> None:
    folder.mkdir(exist_ok=True)
    for path in sorted(HF_DAILY.glob("*.json")):
        if (last_day is None or path.stem <= last_day) and not (folder / path.name).exists():
            os.symlink(path, folder / path.name)


def _run(db: Path, folder: Path, model_id: str):
    settings = load_settings(Path(__file__).resolve().parents[1] / "config" / "papertrends.toml")
    settings = settings.with_overrides(topics={"refit_share": 0.0})  # a month added refits: ids must survive it
    embedder = make_embedder(settings.embedding)
    assert embedder.model_id == model_id  # every vector is preloaded: none is computed
    with open_store(db) as store:
        summary, result = run_once(store, settings, embedder, read_snapshots(folder, seen=store.seen_hashes()))
    assert summary.embeddings_computed == 0
    return result, settings


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, hf_embeddings) -> dict:
    tmp = tmp_path_factory.mktemp("hf")
    db, folder = tmp / "hf.duckdb", tmp / "digests"
    preload_embeddings(db, hf_embeddings)
    _link_files(folder, "2025-11-30")
    november, settings = _run(db, folder, hf_embeddings[0])
    _link_files(folder, None)
    december, _ = _run(db, folder, hf_embeddings[0])
    figures = {
        "papers": [len(november.papers), len(december.papers)],
        "topics": [november.n_topics, december.n_topics],
        "subtopics": [november.metrics.subtopics, december.metrics.subtopics],
        "metrics_december": december.metrics,
        "statuses": december.trends["status"].value_counts().to_dict(),
        "flagged": december.trends[december.trends["status"] != "steady"].to_dict("records"),
        "history": {
            f"{t}: {december.topics.set_index('topic_id').loc[t, 'label']}": status_story(status_periods(h))
            for t, h in december.trend_history.groupby("topic_id")
        },
    }
    print("\nhf-daily-api figures:", json.dumps(figures, default=str, indent=1))
    return {"november": november, "december": december, "settings": settings, "db": db}


def test_a_readable_number_of_topics_with_finer_ones_kept(runs: dict) -> None:
    november, december = runs["november"], runs["december"]
    # Areas of at least sqrt(N) / 2 papers, at most sqrt(N) / 2.8 of them (27 for 5,841 papers); research lines of
    # at least sqrt(N) / 6.5 = 12 papers inside them (topics/sizes.py): 77 on the whole of hf-daily-api.
    assert 15 <= november.n_topics <= 28 and 15 <= december.n_topics <= 28
    assert 55 <= december.metrics.subtopics <= 110
    largest = december.top["size"].max() / len(december.papers)
    assert largest <= 0.15, largest
    subs = december.topics[december.topics["level"] == "subtopic"]
    assert set(subs["parent_id"].dropna().astype(int)) <= set(december.top["topic_id"])


def test_outliers_are_reassigned_and_quality_is_reported(runs: dict) -> None:
    m = runs["december"].metrics
    assert m.outliers_before is not None and m.quality is not None
    assert m.outliers_before > 0.2 and m.outliers_after <= 0.15
    assert -1 <= m.quality["topics"]["npmi"] <= 1 and 0 < m.quality["topics"]["diversity"] <= 1


def test_an_added_month_keeps_the_ids_of_90_percent_of_assigned_papers(runs: dict) -> None:
    retention = runs["december"].metrics.id_retention
    assert retention is not None and retention.by_topic >= 0.9 and retention.by_paper >= 0.85


def test_permuted_digest_dates_flag_at_most_5_percent(runs: dict) -> None:
    daily = runs["december"].prevalence
    daily = daily[daily["window"] == "day"]
    rng = np.random.default_rng(0)
    flagged = []
    for _ in range(10):
        table = trend_table(permuted_dates(daily, "window_start", rng), runs["settings"].trends)
        flagged.append(table["status"].isin(["rising", "fading", "emerging"]).mean())
    assert np.mean(flagged) <= 0.05, flagged


def test_subtopics_get_statuses_and_permuted_dates_flag_at_most_5_percent_of_them(runs: dict) -> None:
    from papertrends.analysis import subtopic_trends

    december, settings = runs["december"], runs["settings"]
    subtopics = december.topics[december.topics["level"] == "subtopic"]
    assert subtopics["status"].isin(["emerging", "rising", "steady", "fading", "gone"]).all()
    assert (subtopics["status"] != "steady").any()  # two years of real digests: some line inside a topic moved
    with open_store(runs["db"], read_only=True) as store:
        sightings = store.sightings()
    rng = np.random.default_rng(1)
    flagged = []
    for _ in range(10):
        permuted = permuted_dates(sightings, "digest_date", rng)
        table = subtopic_trends(december.assignments, permuted, december.topics, settings)
        flagged.append(table["status"].isin(["rising", "fading", "emerging"]).mean())
    assert np.mean(flagged) <= 0.05, flagged
