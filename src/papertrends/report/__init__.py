"""Interactive HTML reports: pure figure builders and one writer."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from papertrends.report.figures import build_heatmap_figure, build_prevalence_figure
from papertrends.report.writer import ReportData, write_report

__all__ = ["render_report"]


def render_report(folder: Path, run: Mapping[str, Any], analysis: Any, *, top: int = 20) -> Path:
    """Build the figures and write the report folder; returns the path of index.html."""
    topics = analysis.topics[analysis.topics["level"] == "topic"]
    daily = analysis.prevalence[analysis.prevalence["window"] == "day"].rename(columns={"window_start": "digest_date"})
    outliers = {"topic_id": -1, "label": "outliers", "size": int((analysis.assignments["topic_id"] < 0).sum())}
    figures = {
        "prevalence": build_prevalence_figure(daily, topics, top=top),
        "heatmap": build_heatmap_figure(daily, topics, top=max(top, 40)),
    }
    data = ReportData(
        run,
        topics,
        daily,
        analysis.papers,
        analysis.trends,
        analysis.events,
        outliers,
        analysis.topics,
        analysis.prevalence,
    )
    return write_report(folder, data, figures)
