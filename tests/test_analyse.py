"""The analysis on in-memory records, with no database: what a run does with its topics, from inputs built
straight from the sample files and their precomputed vectors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import SAMPLES
from papertrends import frames
from papertrends.analysis import analyse
from papertrends.catalog import build_catalog
from papertrends.config import Settings
from papertrends.ingest import read_snapshots
from papertrends.records import AnalysisInputs, Decision, EarlierTrends, PreviousRun


def _inputs(vectors: dict[str, np.ndarray], days: int | None = None, previous: PreviousRun | None = None,
            earlier: EarlierTrends | None = None) -> AnalysisInputs:  # fmt: skip
    """The first `days` sample digests as the store would load them: papers in id order, one sighting per digest
    date and paper."""
    snapshots = sorted(read_snapshots(SAMPLES).snapshots, key=lambda s: s.digest.value)[:days]
    catalog = build_catalog(snapshots, {})
    papers = pd.DataFrame([{c: getattr(p, c) for c in frames.PAPERS} for p in catalog.changed.values()])
    papers = papers.sort_values("paper_id", ignore_index=True)
    certain = {s.content_hash: s.digest.certain for s in snapshots}
    rows = [{"digest_date": s.digest_date, "paper_id": s.paper_id, "rank": s.rank, "upvotes": s.upvotes,
             "certain": certain[s.snapshot_id]} for s in catalog.sightings]  # fmt: skip
    sightings = pd.DataFrame(rows)
    sightings = sightings.groupby(["digest_date", "paper_id"], as_index=False).agg(
        rank=("rank", "min"), upvotes=("upvotes", "max"), certain=("certain", "any")
    )
    embeddings = np.stack([vectors[h] for h in papers["text_hash"]])
    next_id = 0 if previous is None else int(previous.topics["topic_id"].max()) + 1
    return AnalysisInputs(papers, embeddings, sightings, previous, earlier, next_id)


def _previous(analysis, run_id: int = 1) -> tuple[PreviousRun, EarlierTrends]:  # noqa: ANN001
    """What a store would hand the next run after saving `analysis`."""
    daily = analysis.prevalence[analysis.prevalence["window"].isin(["day", "line-day"])]
    previous = PreviousRun(run_id, analysis.corpus_hash, Settings().fit_hash(), analysis.fitted_papers,
                           analysis.metrics, analysis.topics, analysis.assignments)  # fmt: skip
    return previous, EarlierTrends(daily[list(frames.DAILY)], analysis.trend_history)


@pytest.fixture(scope="module")
def first(sample_vectors):  # noqa: ANN001, ANN201
    inputs = _inputs(sample_vectors[1], days=4)
    return inputs, analyse(inputs, Settings())


def test_a_first_analysis_fits_both_levels_and_measures_them_from_records_alone(first) -> None:  # noqa: ANN001
    inputs, analysis = first
    assert analysis.decision is Decision.REFIT
    assert len(analysis.assignments) == len(inputs.papers) and analysis.fitted_papers == len(inputs.papers)
    # 198 papers: 5-6 areas, and 3-7 research lines listed under the areas that hold two or more (one line is its
    # area, and is not listed again); every listed line under an area, and its papers in that area
    assert analysis.n_topics >= 3 and analysis.n_subtopics >= 2
    topics = analysis.topics.set_index("topic_id")
    lines = topics[topics["level"] == "subtopic"]
    assert set(lines["parent_id"]) <= set(topics.index[topics["level"] == "topic"])
    held = analysis.assignments[analysis.assignments["subtopic_id"].isin(lines.index)]
    assert (held["topic_id"].to_numpy() == lines.loc[held["subtopic_id"], "parent_id"].to_numpy()).all()
    assert set(analysis.trends["level"]) == {"topic", "subtopic"}
    assert set(analysis.topics["topic_id"]) == set(analysis.trends["topic_id"])
    assert {"day", "week", "line-day"} <= set(analysis.prevalence["window"])


def test_the_same_inputs_again_reuse_the_fit_and_new_papers_are_placed_into_it(first, sample_vectors) -> None:  # noqa: ANN001
    inputs, analysis = first
    previous, earlier = _previous(analysis)
    again = analyse(_inputs(sample_vectors[1], days=4, previous=previous, earlier=earlier), Settings())
    assert again.decision is Decision.REUSE
    pd.testing.assert_frame_equal(again.assignments, analysis.assignments)
    pd.testing.assert_frame_equal(again.trend_history, analysis.trend_history)  # the weeks taken up, unchanged
    more = _inputs(sample_vectors[1], previous=previous, earlier=earlier)
    added = set(more.papers["paper_id"]) - set(inputs.papers["paper_id"])
    placed = analyse(more, Settings().with_overrides(topics={"refit_share": 0.9}))
    assert added and placed.decision is Decision.PLACE
    kept = placed.assignments.merge(analysis.assignments, on="paper_id", suffixes=("", "_before"))
    assert (kept["topic_id"] == kept["topic_id_before"]).all()  # placing moves no paper already placed
    assert set(placed.assignments["paper_id"]) == set(more.papers["paper_id"])


def test_a_frame_missing_a_column_is_refused_where_it_is_handed_on(sample_vectors) -> None:  # noqa: ANN001
    inputs = _inputs(sample_vectors[1], days=1)
    with pytest.raises(frames.FrameError, match="AnalysisInputs.papers lacks the columns abstract"):
        AnalysisInputs(inputs.papers.drop(columns="abstract"), inputs.embeddings, inputs.sightings, None, None, 0)
    with pytest.raises(ValueError, match="papers but"):
        AnalysisInputs(inputs.papers, inputs.embeddings[:-1], inputs.sightings, None, None, 0)
