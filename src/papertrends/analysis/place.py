"""New papers placed into the last fit's topics, without fitting again."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from papertrends.records import Decision, Fitted, PreviousRun, no_events
from papertrends.topics import OUTLIER, most_similar
from papertrends.topics.levels import similarity_floors


def place_new_papers(
    papers: pd.DataFrame, embeddings: np.ndarray, previous: PreviousRun, outlier_quantile: float
) -> Fitted:
    """Each paper the last fit has not seen joins the area whose centroid is most similar, if it is at least as
    close as that area's members are at `outlier_quantile` (the rule that placed the fit's outliers), and the
    nearest research line in it (`_placed`); it sits on the map at the mean position of its 5 nearest papers. Terms
    and ids stay as they were: a reader sees
    the same topics, with today's papers in them. (`decide` says when placing is right.)"""
    topics, assignments = previous.topics, previous.assignments
    ids = papers["paper_id"].tolist()
    row = {pid: i for i, pid in enumerate(ids)}
    old = assignments.assign(row=assignments["paper_id"].map(row))
    fresh = np.flatnonzero(~papers["paper_id"].isin(set(assignments["paper_id"])).to_numpy())
    if len(fresh):
        added = _placed(embeddings, old, topics, fresh, outlier_quantile)
        assignments = pd.concat([assignments, added.assign(paper_id=[ids[i] for i in fresh])], ignore_index=True)
    counts = pd.concat(
        [assignments["topic_id"], assignments["subtopic_id"].dropna().astype(int)], ignore_index=True
    ).value_counts()
    topics = topics.assign(size=topics["topic_id"].map(counts).fillna(0).astype(int))
    share = float(np.mean(assignments["topic_id"] == OUTLIER)) if len(assignments) else 0.0
    metrics = replace(previous.metrics, id_retention=None, reused_run=None, placed_papers=len(fresh),
                      outliers_after=round(share, 4))  # fmt: skip
    return Fitted(Decision.PLACE, papers, topics, assignments.sort_values("paper_id", ignore_index=True),
                  no_events(), metrics, previous.fitted_papers)  # fmt: skip


def _placed(
    embeddings: np.ndarray, old: pd.DataFrame, topics: pd.DataFrame, fresh: np.ndarray, quantile: float
) -> pd.DataFrame:
    """topic_id, subtopic_id, x, y of the papers at rows `fresh`, as the fit placed its own papers: the area whose
    centroid is nearest, if the paper is as close as that area's members are (at `quantile`), then the nearest of
    that area's research lines (a paper in an area is in one of its lines)."""
    areas = topics[topics["level"] == "topic"]
    area_ids = areas["topic_id"].to_numpy()
    cents = np.stack(areas["centroid"].tolist())
    members = old[old["topic_id"] >= 0]
    index = {int(t): k for k, t in enumerate(area_ids)}
    member_labels = members["topic_id"].astype(int).map(index)
    known = member_labels.notna().to_numpy()
    floor = similarity_floors(embeddings[members["row"].to_numpy()[known]],
                              member_labels[known].astype(int).to_numpy(), cents, quantile)  # fmt: skip
    sims = embeddings[fresh] @ cents.T
    best = sims.argmax(axis=1)
    close = sims[np.arange(len(fresh)), best] >= floor[best]
    top = [int(area_ids[b]) if ok else OUTLIER for b, ok in zip(best, close, strict=True)]
    lines = topics[topics["level"] == "subtopic"]
    sub: list[int | None] = [None] * len(fresh)
    for k, area in enumerate(top):
        inside = lines[lines["parent_id"] == area] if area != OUTLIER else lines.iloc[:0]
        if len(inside):
            nearest = (np.stack(inside["centroid"].tolist()) @ embeddings[fresh[k]]).argmax()
            sub[k] = int(inside["topic_id"].iloc[nearest])
    near, _ = most_similar(embeddings[fresh], embeddings[old["row"].to_numpy()], 5)
    xy = old[["x", "y"]].to_numpy()[near].mean(axis=1)
    return pd.DataFrame(
        {
            "topic_id": top,
            "subtopic_id": pd.array(sub, dtype="Int64"),
            "x": np.round(xy[:, 0], 4),
            "y": np.round(xy[:, 1], 4),
        }
    )
