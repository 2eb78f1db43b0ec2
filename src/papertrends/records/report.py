"""What the report shows: the runs before this one (`ReportHistory`, queried from the store) and everything it
draws (`ReportInput`). Each checks its frames' columns (`frames.py`) when built."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import pandas as pd

from papertrends import frames
from papertrends.records.run import RunInfo


@dataclass(frozen=True)
class ReportHistory:
    """What the report shows of earlier runs, queried before the report is built (`Store.report_history`)."""

    listings: pd.DataFrame  # frames.LISTINGS: per paper, the digest dates it was listed on and its upvotes
    history: pd.DataFrame  # frames.TOPIC_HISTORY: every topic event of every run
    previous_shares: dict[int, float]  # each topic's overall share in the last completed run before this one
    runs: pd.DataFrame  # frames.RUNS: the completed runs and this one

    FRAMES: ClassVar = {"listings": frames.LISTINGS, "history": frames.TOPIC_HISTORY, "runs": frames.RUNS}

    def __post_init__(self) -> None:
        frames.check(self)


@dataclass(frozen=True)
class ReportInput:
    """Everything the report shows, already computed (`summary.report_input`)."""

    FRAMES: ClassVar = {"topics": frames.REPORT_TOPICS, "assignments": frames.ASSIGNMENTS,
                        "prevalence": frames.PREVALENCE, "trends": frames.REPORT_TRENDS,
                        "papers": frames.REPORT_PAPERS}  # fmt: skip
    # Shown where given: an empty frame leaves its section out.
    OPTIONAL: ClassVar = {"listings": frames.LISTINGS, "events": frames.EVENTS, "history": frames.TOPIC_HISTORY,
                          "runs": frames.RUNS, "trend_history": frames.HISTORY,
                          "term_trends": frames.REPORT_TERMS, "term_history": frames.TERM_HISTORY}  # fmt: skip

    run: RunInfo
    topics: pd.DataFrame  # both levels, with their status
    assignments: pd.DataFrame
    prevalence: pd.DataFrame
    trends: pd.DataFrame
    papers: pd.DataFrame
    listings: pd.DataFrame = field(default_factory=pd.DataFrame)  # per paper: its digest dates and upvotes
    events: pd.DataFrame = field(default_factory=pd.DataFrame)  # this run's topic events
    history: pd.DataFrame = field(default_factory=pd.DataFrame)  # every run's topic events
    previous_shares: Mapping[int, float] = field(default_factory=dict)
    runs: pd.DataFrame = field(default_factory=pd.DataFrame)  # the completed runs and this one
    trend_history: pd.DataFrame = field(default_factory=pd.DataFrame)  # the status as each week reported it
    term_trends: pd.DataFrame = field(default_factory=pd.DataFrame)  # the moving phrases
    term_history: pd.DataFrame = field(default_factory=pd.DataFrame)  # the weeks each research term was flagged
    window: str = "week"
    top: int = 20

    def __post_init__(self) -> None:
        frames.check(self)
        frames.check(self, optional=True)

    @property
    def top_level(self) -> pd.DataFrame:
        return self.topics[self.topics["level"] == "topic"]
