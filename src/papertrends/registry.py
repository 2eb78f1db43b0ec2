"""Topic identity across runs: each topic of a new fit is matched one-to-one to the previous run's topics.

Matching is an assignment problem over shared papers (Jaccard) and centroid similarity: a matched topic keeps its
id and label, an unmatched one gets a new id, a previous topic with no match is gone. Overlaps that are not
one-to-one are recorded as merges (several previous topics feed one new one) and splits (one previous topic feeds
several). Pure: no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from papertrends.records import Retention, TopicEvent

SHARE_FOR_LINK = 0.3  # a previous topic "feeds" a new one when this share of its papers went there


@dataclass(frozen=True)
class Known:
    """A topic as the previous run left it."""

    topic_id: int
    label: str
    members: frozenset[str]
    centroid: np.ndarray


@dataclass(frozen=True)
class Alignment:
    ids: dict[int, int]  # local id of the new fit -> registry id
    labels: dict[int, str]
    events: list[TopicEvent] = field(default_factory=list)


def _label_still_fits(old_label: str, terms: list[str]) -> bool:
    words = {w for t in terms for w in t.split()}
    return any(set(part.split()) <= words for part in old_label.split(", "))


def align(
    members: Mapping[int, frozenset[str]],
    cents: Mapping[int, np.ndarray],
    labels: Mapping[int, str],
    terms: Mapping[int, list[str]],
    previous: list[Known],
    *,
    next_id: int,
    min_overlap: float,
    min_similarity: float,
) -> Alignment:
    """The new fit's topics matched one-to-one to `previous` (ids and labels kept where matched, new ids from
    `next_id`), with the events a reader is told: renamed, new, gone, merged and split topics, in that order."""
    local = sorted(members)
    score, feeds = _scores(local, members, cents, previous, min_overlap, min_similarity)
    ids, out_labels, events, matched_prev = _matched(local, previous, score, labels, terms)
    for t in local:
        if t not in ids:
            ids[t] = next_id
            out_labels[t] = labels[t]
            events.append(TopicEvent("new", next_id, (), labels[t]))
            next_id += 1
    for j, old in enumerate(previous):
        if j not in matched_prev:
            events.append(TopicEvent("gone", old.topic_id, (old.topic_id,), old.label))
    events += _merges_and_splits(local, previous, feeds, ids, out_labels)
    return Alignment(ids, out_labels, events)


def _scores(
    local: list[int],
    members: Mapping[int, frozenset[str]],
    cents: Mapping[int, np.ndarray],
    previous: list[Known],
    min_overlap: float,
    min_similarity: float,
) -> tuple[np.ndarray, np.ndarray]:
    """New topics x previous topics: the matching score (Jaccard of their papers plus half their centroids'
    similarity, 0 where neither reaches its bar), and the share of each previous topic's papers in each new one."""
    score = np.zeros((len(local), len(previous)))
    jaccard = np.zeros_like(score)
    feeds = np.zeros_like(score)  # share of the previous topic's papers that went to the new one
    for i, t in enumerate(local):
        for j, old in enumerate(previous):
            shared = len(members[t] & old.members)
            jaccard[i, j] = shared / max(1, len(members[t] | old.members))
            feeds[i, j] = shared / max(1, len(old.members))
            sim = float(cents[t] @ old.centroid) if len(old.centroid) == len(cents[t]) else 0.0
            ok = jaccard[i, j] >= min_overlap or sim >= min_similarity
            score[i, j] = (jaccard[i, j] + 0.5 * max(sim, 0.0)) if ok else 0.0
    return score, feeds


def _matched(
    local: list[int],
    previous: list[Known],
    score: np.ndarray,
    labels: Mapping[int, str],
    terms: Mapping[int, list[str]],
) -> tuple[dict[int, int], dict[int, str], list[TopicEvent], set[int]]:
    """The best one-to-one assignment with a positive score: each matched new topic's id and label (the old label
    while it still fits the topic's terms, else the new one, which is a renaming), and the matched previous ones."""
    ids: dict[int, int] = {}
    out_labels: dict[int, str] = {}
    events: list[TopicEvent] = []
    matched_prev: set[int] = set()
    if not (local and previous):
        return ids, out_labels, events, matched_prev
    rows, cols = linear_sum_assignment(-score)
    for i, j in zip(rows, cols, strict=True):
        if score[i, j] <= 0:
            continue
        t, old = local[i], previous[j]
        ids[t] = old.topic_id
        matched_prev.add(j)
        if _label_still_fits(old.label, terms.get(t, [])):
            out_labels[t] = old.label
        else:
            out_labels[t] = labels[t]
            events.append(TopicEvent("renamed", old.topic_id, (old.topic_id,), f"{old.label} -> {labels[t]}"))
    return ids, out_labels, events, matched_prev


def _merges_and_splits(
    local: list[int], previous: list[Known], feeds: np.ndarray, ids: dict[int, int], out_labels: dict[int, str]
) -> list[TopicEvent]:
    """A new topic fed by several previous ones is a merge; a previous topic feeding several new ones is a split
    (feeding: `SHARE_FOR_LINK` of the previous topic's papers went there)."""
    events: list[TopicEvent] = []
    for i, t in enumerate(local):
        fed_by = [previous[j].topic_id for j in range(len(previous)) if feeds[i, j] >= SHARE_FOR_LINK]
        if len(fed_by) >= 2:
            events.append(
                TopicEvent("merged", ids[t], tuple(sorted(fed_by)), f"{len(fed_by)} topics now in {out_labels[t]}")
            )
    for j, old in enumerate(previous):
        into = [ids[local[i]] for i in range(len(local)) if feeds[i, j] >= SHARE_FOR_LINK]
        if len(into) >= 2:
            events.append(
                TopicEvent(
                    "split", old.topic_id, (old.topic_id,), f"{old.label} -> topics {sorted(into)}", tuple(sorted(into))
                )
            )
    return events


def retention(previous: Mapping[str, int], current: Mapping[str, int], kept_ids: set[int]) -> Retention:
    """How well ids survived, over the papers the previous run assigned to a topic (outliers left out).

    `by_topic`: share of them in a previous topic whose id lives on; `by_paper`: share still under the same id.
    """
    assigned = {p: t for p, t in previous.items() if t >= 0}
    if not assigned:
        return Retention(by_topic=1.0, by_paper=1.0)
    by_topic = sum(1 for t in assigned.values() if t in kept_ids) / len(assigned)
    by_paper = sum(1 for p, t in assigned.items() if current.get(p) == t) / len(assigned)
    return Retention(by_topic=round(by_topic, 4), by_paper=round(by_paper, 4))
