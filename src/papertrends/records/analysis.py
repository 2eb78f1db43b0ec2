"""What an analysis reads and hands back: the last run's topics (`PreviousRun`) and weeks (`EarlierTrends`), all
of its inputs (`AnalysisInputs`), the topics a run ends with (`Fitted`) and its results (`Analysis`). Each checks
its frames' columns (`frames.py`) when built."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd

from papertrends import frames
from papertrends.records.run import Decision, FitMetrics

if TYPE_CHECKING:  # its module imports the trend tests: not at every start of the command
    from papertrends.phrase_counts import PhraseCounts

OUTLIER = -1  # the topic id of a paper in no topic


@dataclass(frozen=True)
class PreviousRun:
    """What the last completed run left that the next one needs: its fit's identity and its topics."""

    run_id: int
    corpus_hash: str
    fit_hash: str
    fitted_papers: int  # papers its last full fit saw (placing since then adds none)
    metrics: FitMetrics
    topics: pd.DataFrame  # frames.TOPICS
    assignments: pd.DataFrame  # frames.ASSIGNMENTS

    FRAMES: ClassVar = {"topics": frames.TOPICS, "assignments": frames.ASSIGNMENTS}

    def __post_init__(self) -> None:
        frames.check(self)


@dataclass(frozen=True)
class EarlierTrends:
    """The last run's daily prevalence (its areas' `day` and its research lines' `line-day` rows) and weekly status
    history, kept because they were computed under this run's history key: weeks a new run need not test again."""

    daily: pd.DataFrame  # frames.DAILY
    history: pd.DataFrame  # frames.HISTORY

    FRAMES: ClassVar = {"daily": frames.DAILY, "history": frames.HISTORY}

    def __post_init__(self) -> None:
        frames.check(self)


@dataclass(frozen=True)
class AnalysisInputs:
    """Everything an analysis reads, loaded up front (`Store.analysis_inputs`): the analysis does no I/O."""

    papers: pd.DataFrame  # frames.PAPERS, in paper_id order
    embeddings: np.ndarray  # one row per paper, in the same order
    sightings: pd.DataFrame  # frames.SIGHTINGS (+ certain)
    previous: PreviousRun | None  # the last completed run
    earlier: EarlierTrends | None  # its prevalence and history, when computed under the same history key
    next_topic_id: int  # the first registry id a new topic may take
    phrases: PhraseCounts | None = None  # the papers' phrase counts, counted ahead (the analysis checks they fit)

    FRAMES: ClassVar = {"papers": frames.PAPERS, "sightings": frames.SIGHTINGS}

    def __post_init__(self) -> None:
        frames.check(self)
        if len(self.embeddings) != len(self.papers):
            raise ValueError(f"{len(self.papers)} papers but {len(self.embeddings)} embeddings")


@dataclass(frozen=True)
class Fitted:
    """The topics a run ends with, before prevalence and trends: reused, placed into, or fitted anew."""

    decision: Decision
    papers: pd.DataFrame  # frames.PAPERS
    topics: pd.DataFrame  # frames.TOPICS
    assignments: pd.DataFrame  # frames.ASSIGNMENTS
    events: pd.DataFrame  # frames.EVENTS
    metrics: FitMetrics
    fitted_papers: int  # papers the last full fit saw

    FRAMES: ClassVar = {"topics": frames.TOPICS, "assignments": frames.ASSIGNMENTS, "events": frames.EVENTS}

    def __post_init__(self) -> None:
        frames.check(self)


@dataclass(frozen=True, slots=True)
class TopicEvent:
    """What a reader is told about a topic's identity across runs (`registry.align`)."""

    kind: str  # renamed, new, gone, merged, split
    topic_id: int
    previous_ids: tuple[int, ...]  # the previous run's topics it concerns
    detail: str
    into: tuple[int, ...] = ()  # a split's new topics


EVENT_COLUMNS = list(frames.EVENTS)


def no_events() -> pd.DataFrame:
    return frames.empty(frames.EVENTS)


@dataclass(frozen=True)
class Analysis:
    """A run's results: what the store saves (`Store.save_analysis`) and the report shows."""

    corpus_hash: str
    papers: pd.DataFrame  # frames.PAPERS
    topics: pd.DataFrame  # frames.MEASURED_TOPICS: both levels, with their status
    assignments: pd.DataFrame  # frames.ASSIGNMENTS
    prevalence: pd.DataFrame  # frames.PREVALENCE: every window, the research lines' under `line-day`, `line-week`
    trends: pd.DataFrame  # frames.LEVEL_TRENDS: areas (level "topic") and research lines (level "subtopic")
    events: pd.DataFrame  # frames.EVENTS
    metrics: FitMetrics
    decision: Decision
    fitted_papers: int  # papers the last full fit saw
    trend_history: pd.DataFrame  # frames.HISTORY: the status as each week reported it
    term_trends: pd.DataFrame  # frames.TERM_TRENDS
    history_key: str  # the trend rules and settings `trend_history` was computed under
    term_history: pd.DataFrame  # frames.TERM_HISTORY: the weeks each research term was flagged

    FRAMES: ClassVar = {"topics": frames.MEASURED_TOPICS, "assignments": frames.ASSIGNMENTS,
                        "prevalence": frames.PREVALENCE, "trends": frames.LEVEL_TRENDS, "events": frames.EVENTS,
                        "trend_history": frames.HISTORY, "term_trends": frames.TERM_TRENDS,
                        "term_history": frames.TERM_HISTORY}  # fmt: skip

    def __post_init__(self) -> None:
        frames.check(self)

    @property
    def top(self) -> pd.DataFrame:
        return self.topics[self.topics["level"] == "topic"]

    @property
    def area_trends(self) -> pd.DataFrame:
        """The top-level topics' trends (`trends` holds the research lines' too)."""
        return self.trends[self.trends["level"] == "topic"]

    @property
    def moving_terms(self) -> pd.DataFrame:
        """The phrases that rise, fade, emerge or are gone (what is saved and shown): steady ones are left out."""
        return self.term_trends[self.term_trends["status"] != "steady"]

    @property
    def n_topics(self) -> int:
        return int(len(self.top))

    @property
    def n_subtopics(self) -> int:
        return int((self.topics["level"] == "subtopic").sum())

    @property
    def outlier_share(self) -> float:
        return float((self.assignments["topic_id"] == OUTLIER).mean()) if len(self.assignments) else 0.0
