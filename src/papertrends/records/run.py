"""A run's records for people and its fit's figures: what the CLI prints, `runs.summary` keeps (`RunSummary`, as
JSON through `as_dict` / `from_dict`, which takes what an older papertrends stored too) and the report states of
the run (`RunInfo`); what the store holds (`StoreCounts`); what an ingest did (`IngestSummary`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from enum import Enum
from typing import Any


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
