"""Interactive HTML reports: pure figure builders and page contexts, and one writer. What the pages show is
gathered before (`records.Analysis`, `Store.report_history`) into a `records.ReportInput`."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from papertrends.records import ReportInput
from papertrends.report.writer import write_report

__all__ = ["ReportInput", "package_versions", "write_report"]

PACKAGES = ("papertrends", "bertopic", "umap-learn", "hdbscan", "scikit-learn", "sentence-transformers", "torch",
            "pandas", "plotly", "prefect", "duckdb")  # fmt: skip


def package_versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out
