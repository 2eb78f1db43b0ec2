"""What crosses a layer, typed, in one place: what the store loads for an analysis (`AnalysisInputs`, with the
`PreviousRun` and its `EarlierTrends`), what the analysis hands back (`Fitted`, then `Analysis`), the store's counts,
what the report shows of a run (`RunInfo`, `ReportHistory`) and the run's summary for people (`RunSummary`).
Frames inside them have the columns `frames.py` declares, checked when the record is built.

The summary is for people: stored as JSON in `runs.summary` (`as_dict`) and read back with `RunSummary.from_dict`,
which takes what an older papertrends stored too (missing fields get their defaults). What the next analysis needs
is never read from it: the store keeps that in columns of its own (`Store.save_analysis`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from enum import Enum
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from papertrends import frames

OUTLIER = -1  # the topic id of a paper in no topic


@dataclass(frozen=True, slots=True)
class Retention:
    """How well registry ids survived a refit, over the papers the previous run assigned to a topic."""

    by_topic: float  # share of them in a previous topic whose id lives on
    by_paper: float  # share still under the same id


@dataclass(frozen=True, slots=True)
class FitMetrics:
    """A fit's figures, as shown to a person (the summary, the report's provenance)."""

    outliers_after: float = 0.0  # share of papers in no topic
    outliers_before: float | None = None  # share outside every consensus cluster, before the outlier rule
    subtopics: int = 0
    id_retention: Retention | None = None  # after a refit over a previous run's topics
    quality: dict[str, dict[str, float]] | None = None  # NPMI and diversity, with [topics] evaluate
    reused_run: int | None = None  # the run whose fit was reused unchanged
    placed_papers: int | None = None  # new papers placed into the last fit's topics

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> FitMetrics:
        data = dict(data or {})
        if isinstance(data.get("id_retention"), dict):
            data["id_retention"] = Retention(**data["id_retention"])
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


class Decision(Enum):
    """What a run does with its topics."""

    REUSE = "reuse"  # the same papers and fit settings as the last completed run: its results as they are
    PLACE = "place"  # a few new papers: placed into the last fit's topics
    REFIT = "refit"  # a fit over every paper, ids carried over from the previous run


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

    FRAMES: ClassVar = {"papers": frames.PAPERS, "sightings": frames.SIGHTINGS}

    def __post_init__(self) -> None:
        frames.check(self)
        if len(self.embeddings) != len(self.papers):
            raise ValueError(f"{len(self.papers)} papers but {len(self.embeddings)} embeddings")


@dataclass(frozen=True, slots=True)
class StoreCounts:
    """What the store holds."""

    snapshots: int
    papers: int
    sightings: int
    rejected_files: int
    digest_dates: int
    partial_papers: int  # papers whose abstract the sources gave only in part


@dataclass(frozen=True, slots=True)
class IngestSummary:
    """What one ingest did: files seen, snapshots stored, papers new and updated, entries read and rejected."""

    files: int
    unchanged: int
    new_snapshots: int
    rejected_files: int
    new_papers: int
    updated_papers: int
    new_sightings: int
    entries_read: int
    entries_stored: int
    entries_rejected: int  # in rejected files, plus entries cut off mid-way
    rejections: tuple[str, ...] = field(default=())

    @property
    def adds_up(self) -> bool:
        return self.entries_read == self.entries_stored + self.entries_rejected


@dataclass
class RunSummary:
    """One run, as the CLI prints it, the Prefect UI shows it and `runs.summary` keeps it."""

    run_id: int
    status: str
    ingest: IngestSummary
    snapshots_total: int
    papers_total: int
    digest_dates: int
    rejected_total: int
    embeddings_computed: int
    fetched: int = 0
    n_topics: int = 0
    n_subtopics: int = 0
    outlier_share: float = 0.0
    metrics: FitMetrics = field(default_factory=FitMetrics)
    statuses: dict[str, int] = field(default_factory=dict)
    report: str = ""
    seconds: dict[str, float] = field(default_factory=dict)
    settings_hash: str = ""
    partial_total: int = 0  # papers whose abstract the sources gave only in part
    embedding_runtime: str = ""  # what computes the vectors, and why (embedding.calibrate.runtime_note)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunSummary:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        ingest = dict(values.get("ingest") or {})
        ingest["rejections"] = tuple(ingest.get("rejections") or ())
        names = {f.name for f in fields(IngestSummary)}
        values["ingest"] = IngestSummary(**{n: ingest.get(n, 0) for n in names if n != "rejections"},
                                         rejections=ingest["rejections"])  # fmt: skip
        values["metrics"] = FitMetrics.from_dict(values.get("metrics"))
        defaults = {"run_id": 0, "status": "", "snapshots_total": 0, "papers_total": 0, "digest_dates": 0,
                    "rejected_total": 0, "embeddings_computed": 0}  # fmt: skip
        return cls(**(defaults | values))


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

    FRAMES: ClassVar = {"topics": frames.MEASURED_TOPICS, "assignments": frames.ASSIGNMENTS,
                        "prevalence": frames.PREVALENCE, "trends": frames.LEVEL_TRENDS, "events": frames.EVENTS,
                        "trend_history": frames.HISTORY, "term_trends": frames.TERM_TRENDS}  # fmt: skip

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


@dataclass(frozen=True, slots=True)
class RunInfo:
    """A run as its report states it: when, over what, and with which settings and packages."""

    run_id: int
    finished_at: str
    n_papers: int
    n_snapshots: int
    n_digests: int
    first_digest: str
    last_digest: str
    n_topics: int
    outlier_share: float
    model_id: str
    seed: int
    fit_hash: str
    snapshot_hash: str
    quality: str  # the fit's NPMI and diversity, as JSON
    versions: dict[str, str]
    config: str  # the settings, as TOML
    uncertain_dates: tuple[str, ...] = ()  # "file: date (rule)" for each digest that does not state its own date
    embedding_runtime: str = ""  # what computes the vectors on this machine, and why
