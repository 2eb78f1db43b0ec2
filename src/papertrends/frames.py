"""The columns of every frame that crosses a layer, declared once, and the check that a frame has them.

A record in `records.py` that holds frames names their columns in `FRAMES` and checks them on construction
(`check`), so a frame missing a column fails where it is handed on, naming the record, the field and the column,
not later inside a figure or an SQL insert.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import pandas as pd

# What the store hands the analysis.
PAPERS = ("paper_id", "title", "abstract", "text_hash", "published", "arxiv_id", "organization")
SIGHTINGS = ("digest_date", "paper_id", "rank", "upvotes")  # and `certain` where the store knows it
DAILY = ("window", "window_start", "topic_id", "n", "total")  # an earlier run's `day` / `line-day` prevalence

# What the analysis hands the store and the report.
TOPICS = ("topic_id", "level", "parent_id", "label", "size", "top_terms", "representative", "centroid")
MEASURED_TOPICS = (*TOPICS, "status", "first_seen", "last_seen")
ASSIGNMENTS = ("paper_id", "topic_id", "subtopic_id", "x", "y")
EVENTS = ("kind", "level", "topic_id", "previous_ids", "detail")
PREVALENCE = ("window_start", "window", "topic_id", "n", "total", "share", "lo", "hi", "upvote_share")
TRENDS = ("topic_id", "status", "effect", "p_value", "q_value", "window", "first_seen", "last_seen", "n", "since")
LEVEL_TRENDS = (*TRENDS, "level", "label")  # both levels' trends, as a run saves them
HISTORY = ("as_of", "topic_id", "status", "effect", "q_value", "since")
TERM_TRENDS = ("term", "status", "effect", "relative", "p_value", "q_value", "papers", "first_seen", "n_topics",
               "topic_ids", "variants", "lift", "since")  # fmt: skip
TERM_HISTORY = ("as_of", "term", "status", "ratio", "q_value", "since")  # the research terms' flagged weeks

# What the report reads of a run's frames.
REPORT_TOPICS = ("topic_id", "level", "parent_id", "label", "size", "top_terms", "representative", "status")
REPORT_TRENDS = ("topic_id", "label", "status", "effect", "q_value")
REPORT_PAPERS = ("paper_id", "title", "arxiv_id")
REPORT_TERMS = ("term", "status", "effect", "relative", "q_value", "papers", "first_seen", "n_topics", "topic_ids")

# What the store hands the report of earlier runs.
LISTINGS = ("paper_id", "digest_dates", "upvotes")
TOPIC_HISTORY = ("run_id", "finished_at", "kind", "level", "topic_id", "previous_ids", "detail")
RUNS = ("run_id", "finished_at", "status", "papers", "topics")


class FrameError(ValueError):
    """A frame handed from one layer to the next lacks columns the next one reads."""


def require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise FrameError(f"{what} lacks the columns {', '.join(missing)} (it has {', '.join(map(str, frame.columns))})")


class HoldsFrames(Protocol):
    FRAMES: Mapping[str, Sequence[str]]


def check(record: HoldsFrames, *, optional: bool = False) -> None:
    """Each of the record's frames named in its `FRAMES` has the columns given there; with `optional`, each of
    those in its `OPTIONAL` that is not empty."""
    for name, columns in getattr(record, "OPTIONAL" if optional else "FRAMES").items():
        frame = getattr(record, name)
        if not (optional and frame.empty and not len(frame.columns)):
            require(frame, columns, f"{type(record).__name__}.{name}")


def empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns))
