"""Interactive HTML reports: pure figure builders and one writer."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from papertrends.report.figures import build_heatmap_figure, build_prevalence_figure
from papertrends.report.writer import ReportData, write_report

__all__ = ["render_report"]


def render_report(
    folder: Path,
    run: Mapping[str, Any],
    topics: pd.DataFrame,
    prevalence: pd.DataFrame,
    papers: pd.DataFrame,
    *,
    top: int = 20,
) -> Path:
    """Build the figures and write the report folder; returns the path of index.html."""
    figures = {
        "prevalence": build_prevalence_figure(prevalence, topics, top=top),
        "heatmap": build_heatmap_figure(prevalence, topics, top=max(top, 40)),
    }
    return write_report(folder, ReportData(run, topics, prevalence, papers), figures)
