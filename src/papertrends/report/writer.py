"""Turns figures and data into files: the report folder, written atomically, plotly.js once per folder."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from papertrends.files import atomic_write


@dataclass(frozen=True, slots=True)
class ReportData:
    """Everything a report shows, already computed."""

    run: Mapping[str, Any]
    topics: pd.DataFrame  # top-level: topic_id, label, size, top_terms [(term, weight)], representative, status
    prevalence: pd.DataFrame  # per digest date: digest_date, topic_id, n, total, share, lo, hi
    papers: pd.DataFrame  # paper_id, title, arxiv_id (at least the representative ones)
    trends: pd.DataFrame  # topic_id, label, status, effect, p_value, q_value, window
    events: pd.DataFrame  # kind, level, topic_id, previous_ids, detail
    outliers: Mapping[str, Any]
    all_topics: pd.DataFrame  # both levels, for the export
    all_prevalence: pd.DataFrame  # every window, for the export


def figure_json(fig: go.Figure) -> Markup:
    """A figure as JSON that is safe inside a <script> element: no '<' survives, so no '</script>'."""
    return Markup(fig.to_json().replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def ensure_plotly_js(folder: Path) -> str:
    """Write plotly.js into the folder's assets once; return its path relative to the folder."""
    import plotly
    from plotly.offline import get_plotlyjs

    name = f"assets/plotly-{plotly.__version__}.min.js"
    target = folder / name
    if not target.exists():
        atomic_write(target, get_plotlyjs())
    return name


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("papertrends.report", "templates"),
        autoescape=select_autoescape(["html"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _topic_cards(data: ReportData) -> list[dict[str, Any]]:
    titles = dict(zip(data.papers["paper_id"], data.papers["title"], strict=True))
    arxiv = dict(zip(data.papers["paper_id"], data.papers["arxiv_id"], strict=True))
    shares = data.prevalence.groupby("topic_id")["n"].sum() / max(1, data.prevalence["n"].sum())
    cards = []
    for row in data.topics.sort_values(["size", "topic_id"], ascending=[False, True]).itertuples():
        cards.append(
            {
                "topic_id": row.topic_id,
                "label": row.label,
                "size": row.size,
                "status": getattr(row, "status", None),
                "share": float(shares.get(row.topic_id, 0.0)),
                "terms": [(t, w) for t, w in row.top_terms],
                "papers": [{"title": titles.get(p, p), "arxiv_id": arxiv.get(p)} for p in row.representative],
            }
        )
    return cards


def write_report(folder: Path, data: ReportData, figures: Mapping[str, go.Figure]) -> Path:
    """Write index.html and the CSV exports under `folder`; return the page's path."""
    folder.mkdir(parents=True, exist_ok=True)
    plotly_js = ensure_plotly_js(folder)
    page = (
        _environment()
        .get_template("index.html")
        .render(
            run=data.run,
            plotly_js=plotly_js,
            figures={name: figure_json(fig) for name, fig in figures.items()},
            topics=_topic_cards(data),
            outliers=data.outliers,
            trends=data.trends.to_dict("records"),
        )
    )
    index = folder / "index.html"
    atomic_write(index, page)
    for name, frame in exports(data).items():
        atomic_write(folder / "data" / f"{name}.csv", frame.to_csv(index=False))
    return index


TOPIC_COLUMNS = ["topic_id", "label", "top_terms", "size", "parent_id", "status", "first_seen", "last_seen", "level"]
PREVALENCE_COLUMNS = ["window_start", "window", "topic_id", "n", "total", "share", "lo", "hi", "upvote_share"]
TREND_COLUMNS = ["topic_id", "label", "status", "effect", "p_value", "q_value", "window"]


def exports(data: ReportData) -> dict[str, pd.DataFrame]:
    """topics.csv, prevalence.csv and trends.csv, with the columns the README documents."""
    topics = data.all_topics.assign(
        top_terms=data.all_topics["top_terms"].map(lambda ts: " | ".join(t for t, _ in ts)),
        parent_id=data.all_topics["parent_id"].map(lambda p: "" if p is None or pd.isna(p) else int(p)),
    )
    return {
        "topics": topics.reindex(columns=TOPIC_COLUMNS),
        "prevalence": data.all_prevalence.reindex(columns=PREVALENCE_COLUMNS),
        "trends": data.trends.reindex(columns=TREND_COLUMNS),
    }
