"""A fit over every paper, its topics given their registry ids (carried over from the previous run's)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from papertrends.config import Settings
from papertrends.faults import crash_point
from papertrends.records import EVENT_COLUMNS, Decision, FitMetrics, Fitted, PreviousRun
from papertrends.registry import Known, align, retention
from papertrends.topics import OUTLIER, TopicModel


def refit(
    papers: pd.DataFrame,
    embeddings: np.ndarray,
    docs: list[str],
    previous: PreviousRun | None,
    next_id: int,
    settings: Settings,
) -> Fitted:
    """Fit both levels over every paper, ids matched to the previous run's."""
    crash_point("fit")
    model = TopicModel(settings).fit(docs, embeddings, papers["paper_id"].tolist())
    topics, assignments, events = with_registry_ids(model, previous, next_id, settings)
    kept = None
    if previous is not None:
        old = dict(zip(previous.assignments["paper_id"], previous.assignments["topic_id"], strict=True))
        now = dict(zip(assignments["paper_id"], assignments["topic_id"], strict=True))
        alive = set(topics.loc[topics["level"] == "topic", "topic_id"]) & set(old.values())
        kept = retention(old, now, alive)
    metrics = FitMetrics(
        outliers_after=round(model.outlier_share_, 4),
        outliers_before=round(model.outliers_before_, 4),
        subtopics=int((topics["level"] == "subtopic").sum()),
        id_retention=kept,
    )
    return Fitted(Decision.REFIT, papers, topics, assignments, events, metrics, len(papers))


def _known(topics: pd.DataFrame, assignments: pd.DataFrame, level: str) -> list[Known]:
    column = "topic_id" if level == "topic" else "subtopic_id"
    members = assignments.groupby(column)["paper_id"].agg(frozenset).to_dict()
    rows = topics[topics["level"] == level]
    return [
        Known(int(r.topic_id), r.label, members.get(r.topic_id, frozenset()), r.centroid) for r in rows.itertuples()
    ]


def with_registry_ids(
    model: TopicModel, previous: PreviousRun | None, next_id: int, settings: Settings
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Give the fitted topics (both levels) their registry ids; returns topics, assignments, events."""
    local = model.local_table()
    ids = np.array(model.paper_ids_)
    t = settings.topics
    mapping: dict[str, dict[int, int]] = {}
    events: list[dict[str, object]] = []  # rows of the events frame: each TopicEvent with its level
    labels: dict[str, dict[int, str]] = {}
    for level, data in (("topic", model.topics_), ("subtopic", model.subtopics_)):
        rows = local[local["level"] == level]
        members = {int(k): frozenset(ids[data.labels == k]) for k in rows["local_id"]}
        cents = {int(k): data.centroids[int(k)] for k in rows["local_id"]}
        terms = {int(r.local_id): [w for w, _ in r.top_terms] for r in rows.itertuples()}
        known = _known(previous.topics, previous.assignments, level) if previous is not None else []
        result = align(
            members,
            cents,
            dict(zip(rows["local_id"], rows["label"], strict=True)),
            terms,
            known,
            next_id=next_id,
            min_overlap=t.match_overlap,
            min_similarity=t.match_similarity,
        )
        next_id = max([next_id, *[i + 1 for i in result.ids.values()]])
        mapping[level], labels[level] = result.ids, result.labels
        events += [{"kind": e.kind, "level": level, "topic_id": e.topic_id, "previous_ids": list(e.previous_ids),
                    "detail": e.detail} for e in result.events]  # fmt: skip
    out = local.copy()
    out["topic_id"] = [mapping[lv][lid] for lv, lid in zip(out["level"], out["local_id"], strict=True)]
    out["label"] = [labels[lv][lid] for lv, lid in zip(out["level"], out["local_id"], strict=True)]
    out["parent_id"] = [
        mapping["topic"][int(p)] if lv == "subtopic" and p is not None and not pd.isna(p) else None
        for lv, p in zip(out["level"], out["parent_local"], strict=True)
    ]
    out["centroid"] = [
        (model.topics_ if lv == "topic" else model.subtopics_).centroids[lid]
        for lv, lid in zip(out["level"], out["local_id"], strict=True)
    ]
    top = mapping["topic"]
    sub = mapping["subtopic"]
    assignments = pd.DataFrame(
        {
            "paper_id": model.paper_ids_,
            "topic_id": [top.get(int(k), OUTLIER) for k in model.topics_.labels],
            "subtopic_id": pd.array([sub.get(int(k)) for k in model.subtopics_.labels], dtype="Int64"),
            "x": model.coordinates_[:, 0],
            "y": model.coordinates_[:, 1],
        }
    )
    return out.drop(columns=["local_id", "parent_local"]), assignments, pd.DataFrame(events, columns=EVENT_COLUMNS)
