"""What crosses a layer, typed, in one place: what a run says to people and the store's counts (`run`), what an
analysis reads and hands back (`analysis`), what the report shows (`report`). Frames inside them have the columns
`frames.py` declares, checked when the record is built.

The summary (`RunSummary`) is for people: what the next analysis needs is never read from it, the store keeps that
in columns of its own (`Store.save_analysis`).
"""

from papertrends.records.analysis import (
    EVENT_COLUMNS,
    OUTLIER,
    Analysis,
    AnalysisInputs,
    EarlierTrends,
    Fitted,
    PreviousRun,
    TopicEvent,
    no_events,
)
from papertrends.records.report import ReportHistory, ReportInput
from papertrends.records.run import (
    Decision,
    FitMetrics,
    IngestSummary,
    Retention,
    RunInfo,
    RunSummary,
    StoreCounts,
)

__all__ = ["EVENT_COLUMNS", "OUTLIER", "Analysis", "AnalysisInputs", "Decision", "EarlierTrends", "FitMetrics",
           "Fitted", "IngestSummary", "PreviousRun", "ReportHistory", "ReportInput", "Retention", "RunInfo",
           "RunSummary", "StoreCounts", "TopicEvent", "no_events"]  # fmt: skip
