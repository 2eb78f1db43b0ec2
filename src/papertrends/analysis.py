"""One run's analysis: fit (or reuse) topics, give them their registry ids, measure prevalence and trends."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from papertrends.config import Settings
from papertrends.faults import crash_point
from papertrends.prevalence import WINDOWS, prevalence, prevalence_by_published
from papertrends.registry import Known, align, retention
from papertrends.embedding.text import embedding_text
from papertrends.store import Store
from papertrends.topics import OUTLIER, TopicModel, most_similar
from papertrends.trends import trend_table

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Analysis:
    corpus_hash: str
    papers: pd.DataFrame  # paper_id, title, abstract, text_hash, published, arxiv_id
    topics: pd.DataFrame  # topic_id, level, parent_id, label, size, top_terms, representative, centroid, status...
    assignments: pd.DataFrame  # paper_id, topic_id, subtopic_id
    prevalence: pd.DataFrame  # window_start, window, topic_id, n, total, share, lo, hi, upvote_share
    trends: pd.DataFrame  # topic_id, status, effect, p_value, q_value, window, first_seen, last_seen, n
    events: pd.DataFrame  # kind, topic_id, previous_ids, detail
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def top(self) -> pd.DataFrame:
        return self.topics[self.topics["level"] == "topic"]

    @property
    def n_topics(self) -> int:
        return int(len(self.top))

    @property
    def outlier_share(self) -> float:
        return float((self.assignments["topic_id"] == OUTLIER).mean()) if len(self.assignments) else 0.0


def corpus_hash(text_hashes: list[str], fit_hash: str) -> str:
    """The same papers with the same texts and the same fit settings give the same hash."""
    digest = hashlib.sha256(fit_hash.encode())
    for h in sorted(text_hashes):
        digest.update(h.encode())
    return digest.hexdigest()[:16]


def documents(papers: pd.DataFrame) -> list[str]:
    return [embedding_text(t, a) for t, a in zip(papers["title"], papers["abstract"], strict=True)]


def _known(topics: pd.DataFrame, assignments: pd.DataFrame, level: str) -> list[Known]:
    column = "topic_id" if level == "topic" else "subtopic_id"
    members = assignments.groupby(column)["paper_id"].agg(frozenset).to_dict()
    rows = topics[topics["level"] == level]
    return [
        Known(int(r.topic_id), r.label, members.get(r.topic_id, frozenset()), r.centroid) for r in rows.itertuples()
    ]


def _with_registry_ids(
    model: TopicModel, previous: tuple[pd.DataFrame, pd.DataFrame] | None, next_id: int, settings: Settings
) -> tuple[pd.DataFrame, pd.DataFrame, list[dict]]:
    """Give the fitted topics (both levels) their registry ids; returns topics, assignments, events."""
    local = model.local_table()
    ids = np.array(model.paper_ids_)
    t = settings.topics
    mapping: dict[str, dict[int, int]] = {}
    events: list[dict] = []
    labels: dict[str, dict[int, str]] = {}
    for level, data in (("topic", model.topics_), ("subtopic", model.subtopics_)):
        rows = local[local["level"] == level]
        members = {int(k): frozenset(ids[data.labels == k]) for k in rows["local_id"]}
        cents = {int(k): data.centroids[int(k)] for k in rows["local_id"]}
        terms = {int(r.local_id): [w for w, _ in r.top_terms] for r in rows.itertuples()}
        known = _known(*previous, level) if previous is not None else []
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
        events += [{**e, "level": level} for e in result.events]
    out = local.copy()
    out["topic_id"] = [mapping[lv][lid] for lv, lid in zip(out["level"], out["local_id"], strict=True)]
    out["label"] = [
        t.labels.get(tid, labels[lv][lid])
        for lv, lid, tid in zip(out["level"], out["local_id"], out["topic_id"], strict=True)
    ]
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
    return out.drop(columns=["local_id", "parent_local"]), assignments, events


def place_new_papers(
    papers: pd.DataFrame,
    embeddings: np.ndarray,
    previous: tuple[pd.DataFrame, pd.DataFrame],
    last_metrics: dict[str, Any],
    settings: Settings,
) -> dict[str, Any] | None:
    """Put papers added since the last fit into its topics, without refitting; None when a refit is due.

    A refit is due when the fit's settings changed, a paper left the corpus, or the papers placed since the last
    full fit would reach `[topics] refit_share` of the papers it saw. Otherwise each new paper joins the subtopic
    whose centroid is most similar, if it is at least as close as that subtopic's members are at `outlier_quantile`
    (the rule that placed BERTopic's outliers), and sits on the map at the mean position of its 5 nearest papers.
    Topic terms and ids stay as they were: a reader sees the same topics, with today's papers in them.
    """
    topics, assignments = previous
    fitted = int(last_metrics.get("fitted_papers") or 0)
    if last_metrics.get("fit_hash") != settings.fit_hash() or not fitted:
        return None
    known = set(assignments["paper_id"])
    ids = papers["paper_id"].tolist()
    if len(known - set(ids)):
        return None
    new = np.array([pid not in known for pid in ids])
    if (len(known) - fitted + int(new.sum())) >= settings.topics.refit_share * fitted:
        return None
    quantile = settings.topics.outlier_quantile
    row = {pid: i for i, pid in enumerate(ids)}
    old = assignments.assign(row=assignments["paper_id"].map(row))
    # The finest level there is: subtopics, or the topics themselves when the fit needed no grouping.
    level = "subtopic" if (topics["level"] == "subtopic").any() else "topic"
    column = "subtopic_id" if level == "subtopic" else "topic_id"
    rows = topics[topics["level"] == level]
    fresh = np.flatnonzero(new)
    if len(fresh) and not len(rows):
        return None
    if len(fresh):
        level_ids = rows["topic_id"].to_numpy()
        cents = np.stack(rows["centroid"].tolist())
        members = old[old[column].notna() & (old[column] >= 0)]
        floor = np.array(
            [
                np.quantile(embeddings[members.loc[members[column] == t, "row"].to_numpy()] @ c, quantile)
                if (members[column] == t).any()
                else 1.0
                for t, c in zip(level_ids, cents, strict=True)
            ]
        )
        sims = embeddings[fresh] @ cents.T
        best = sims.argmax(axis=1)
        close = sims[np.arange(len(fresh)), best] >= floor[best]
        found = [int(level_ids[b]) if ok else None for b, ok in zip(best, close, strict=True)]
        if level == "subtopic":
            parent = dict(zip(rows["topic_id"], rows["parent_id"], strict=True))
            sub = found
            top = [int(parent[s]) if s is not None and parent.get(s) is not None else OUTLIER for s in sub]
        else:
            sub = [None] * len(found)
            top = [t if t is not None else OUTLIER for t in found]
        near, _ = most_similar(embeddings[fresh], embeddings[old["row"].to_numpy()], 5)
        xy = old[["x", "y"]].to_numpy()[near].mean(axis=1)
        added = pd.DataFrame(
            {
                "paper_id": [ids[i] for i in fresh],
                "topic_id": top,
                "subtopic_id": pd.array(sub, dtype="Int64"),
                "x": np.round(xy[:, 0], 4),
                "y": np.round(xy[:, 1], 4),
            }
        )
        assignments = pd.concat([assignments, added], ignore_index=True)
    counts = pd.concat(
        [assignments["topic_id"], assignments["subtopic_id"].dropna().astype(int)], ignore_index=True
    ).value_counts()
    topics = topics.assign(size=topics["topic_id"].map(counts).fillna(0).astype(int))
    labels = settings.topics.labels
    topics = topics.assign(
        label=[labels.get(i, lab) for i, lab in zip(topics["topic_id"], topics["label"], strict=True)]
    )
    share = float(np.mean(assignments["topic_id"] == OUTLIER)) if len(assignments) else 0.0
    metrics = {k: v for k, v in last_metrics.items() if k not in ("id_retention", "reused_run")}
    return {
        "papers": papers,
        "topics": topics,
        "assignments": assignments.sort_values("paper_id", ignore_index=True),
        "events": [],
        "metrics": metrics | {"placed_papers": len(fresh), "outliers_after": round(share, 4)},
    }


def fit_or_reuse(store: Store, settings: Settings, model_id: str, *, force: bool = False) -> dict[str, Any]:
    """Fit over every stored paper, or reuse the last completed run's topics when nothing that matters changed."""
    papers, embeddings = store.corpus(model_id)
    chash = corpus_hash(papers["text_hash"].tolist(), settings.fit_hash())
    last = store.last_completed_run()
    previous = store.load_topics(last["run_id"]) if last else None
    if last and previous is not None and last["corpus_hash"] == chash and not force:
        topics, assignments = previous
        labels = settings.topics.labels
        topics = topics.assign(
            label=[labels.get(i, lab) for i, lab in zip(topics["topic_id"], topics["label"], strict=True)]
        )
        return {
            "papers": papers,
            "corpus_hash": chash,
            "topics": topics,
            "assignments": assignments,
            "events": [],
            # The reused fit's own figures, but not its id retention: no ids moved in this run.
            "metrics": {
                k: v for k, v in (last.get("metrics") or {}).items() if k not in ("id_retention", "placed_papers")
            }
            | {"reused_run": int(last["run_id"])},
        }
    if last and previous is not None and not force:
        placed = place_new_papers(papers, embeddings, previous, last.get("metrics") or {}, settings)
        if placed is not None:
            return placed | {"corpus_hash": chash}
    crash_point("fit")
    docs = documents(papers)
    anchors = None
    if previous is not None:
        assigned = previous[1][previous[1]["topic_id"] >= 0]
        anchors = {int(t): frozenset(ps) for t, ps in assigned.groupby("topic_id")["paper_id"]}
    model = TopicModel(settings).fit(docs, embeddings, papers["paper_id"].tolist(), anchors=anchors)
    topics, assignments, events = _with_registry_ids(model, previous, store.next_topic_id(), settings)
    metrics: dict[str, Any] = {
        "fit_hash": settings.fit_hash(),
        "fitted_papers": len(papers),
        "outliers_before": round(model.outliers_before_, 4),
        "outliers_after": round(model.outlier_share_, 4),
        "subtopics": int((topics["level"] == "subtopic").sum()),
    }
    if previous is not None:
        old = dict(zip(previous[1]["paper_id"], previous[1]["topic_id"], strict=True))
        now = dict(zip(assignments["paper_id"], assignments["topic_id"], strict=True))
        kept = set(topics.loc[topics["level"] == "topic", "topic_id"]) & set(old.values())
        metrics["id_retention"] = retention(old, now, kept)
    if settings.topics.evaluate:
        from papertrends.quality import evaluate

        top = topics[topics["level"] == "topic"]
        # The topics a reader sees (bench/compare.py scores BERTopic's own clusters against them).
        metrics["quality"] = evaluate(
            {"topics": {int(r.topic_id): [w for w, _ in r.top_terms] for r in top.itertuples()}}, docs
        )
    return {
        "papers": papers,
        "corpus_hash": chash,
        "topics": topics,
        "assignments": assignments,
        "events": events,
        "metrics": metrics,
    }


def analyse(store: Store, settings: Settings, model_id: str, *, force: bool = False) -> Analysis:
    fitted = fit_or_reuse(store, settings, model_id, force=force)
    sightings = store.sightings()
    assignments = fitted["assignments"]
    shares = pd.concat(
        [prevalence(assignments, sightings, w) for w in WINDOWS]
        + [prevalence_by_published(assignments, fitted["papers"])],
        ignore_index=True,
    )
    trends = trend_table(shares[shares["window"] == "day"], settings.trends)
    topics = fitted["topics"].drop(columns=[c for c in ("status", "first_seen", "last_seen") if c in fitted["topics"]])
    topics = topics.merge(trends[["topic_id", "status", "first_seen", "last_seen"]], on="topic_id", how="left")
    labels = dict(zip(topics["topic_id"], topics["label"], strict=True))
    trends = trends.assign(label=trends["topic_id"].map(labels))
    events = pd.DataFrame(fitted["events"], columns=["kind", "level", "topic_id", "previous_ids", "detail"])
    return Analysis(
        fitted["corpus_hash"], fitted["papers"], topics, assignments, shares, trends, events, fitted["metrics"]
    )
