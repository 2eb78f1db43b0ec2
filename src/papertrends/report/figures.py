"""Figure builders: data in, go.Figure (or an SVG string) out. Pure.

The figures name no template: the report draws every one with `TEMPLATE`, written once into its assets and
shared by every page (embedded in each figure, plotly_white would be a large part of each figure's JSON and of
the time spent building it: docs/benchmarks.md).

Scraped text (titles, labels, terms) is escaped before it reaches plotly, whose labels understand a subset of
HTML: `<b>` in a title shows as the characters `<b>`, never as bold, and never as a link.
"""

from __future__ import annotations

import html
from typing import TypeVar

import numpy as np
import pandas as pd
import plotly.graph_objects as go

# Okabe-Ito, then Paul Tol's muted scheme: distinguishable with the common colour-vision deficiencies.
PALETTE = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#332288", "#88CCEE",
    "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499",
]  # fmt: skip
TEMPLATE = "plotly_white"  # the look of every figure, applied by the report's pages
OTHER_COLOUR = "#BBBBBB"
OUTLIER_COLOUR = "#DDDDDD"
WINDOW_NAMES = {"day": "digest date", "week": "week", "month": "month"}  # axis titles
WINDOWS_LABEL = {"day": "digest", "week": "week", "month": "month"}  # "share per ..."
# Plotly checks every property a figure is given against its schema and copies what it checks: about half of each
# figure's cost (docs/benchmarks.md). The builders give the same properties every run, so a run leaves it off;
# tests/test_report.py builds the report with it on too, where a misspelt property raises, and finds the same bytes.
CHECKED = False
Trace = TypeVar("Trace")


def plot_text(text: object) -> str:
    """Text as plotly shows it literally: its pseudo-HTML tags become visible characters."""
    return html.escape(str(text), quote=False).replace("$", "&#36;")


def values(data: object) -> np.ndarray:
    """A trace's data as one numpy array. Plotly validates and copies an array at once where it walks a list value
    by value, which was most of the report's time (docs/benchmarks.md); the figure's JSON is the same."""
    array = np.asarray(data)
    return array.astype(object) if array.dtype.kind == "U" else array


def dates(column: object) -> np.ndarray:
    """Dates (or their strings) as 'YYYY-MM-DD', for a trace's x."""
    return values([str(d)[:10] for d in column])  # type: ignore[attr-defined]


def trace(kind: type[Trace], **props: object) -> Trace:
    """A trace of `kind` (`go.Scatter`, `go.Bar`, ...), checked by plotly only when `CHECKED`."""
    return kind(**props, _validate=CHECKED)


def colour(topic_id: int, order: list[int]) -> str:
    if topic_id < 0:
        return OUTLIER_COLOUR
    return PALETTE[order.index(topic_id) % len(PALETTE)] if topic_id in order else OTHER_COLOUR


def figure(
    traces: list,
    title: str,
    x_title: str,
    y_title: str,
    height: int = 460,
    *,
    xaxis: dict | None = None,
    yaxis: dict | None = None,
    **layout: object,
) -> go.Figure:
    """A figure of `traces` with the report's layout (title, axis titles, margins, legend, height), `xaxis` and
    `yaxis` added to the axes' and `layout` over the rest. Given to the figure whole: plotly validates a layout
    given at construction once, where each `update_layout` or `update_xaxes` costs 1-5 ms (102 figures a run)."""
    spec = {
        "title": {"text": title, "x": 0.01},
        "xaxis": {"title": {"text": x_title}, **(xaxis or {})},
        "yaxis": {"title": {"text": y_title}, **(yaxis or {})},
        "hovermode": "closest",
        "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
        "legend": {"font": {"size": 11}},
        "height": height,
    }
    return go.Figure(traces, layout=spec | layout, _validate=CHECKED)


SHARE_AXIS = {"tickformat": ".0%", "rangemode": "tozero"}
DAY_MS = 86_400_000
PERIODS = {"day": (1, DAY_MS), "week": (7, 7 * DAY_MS), "month": (30, "M1")}  # days, and plotly's tick step


def date_axis(x: list[str], window: str) -> dict[str, object]:
    """An x axis of dates however few there are. Over one or two points plotly's automatic range zooms into
    fractions of a second ("23:59:59.9996"); a short history is shown a period either side, ticked by day, week
    or month."""
    days = sorted({str(d)[:10] for d in x if d})
    if not days:
        return {"type": "date"}
    period, tick = PERIODS[window]
    first, last = pd.Timestamp(days[0]), pd.Timestamp(days[-1])
    if (last - first).days >= 3 * period:
        return {"type": "date"}
    pad = pd.Timedelta(days=max(period, 3))
    return {"type": "date", "range": [f"{first - pad:%Y-%m-%d}", f"{last + pad:%Y-%m-%d}"], "dtick": tick,
            "tickformat": "%Y-%m-%d"}  # fmt: skip


def ranked_topics(topics: pd.DataFrame) -> list[int]:
    """Top-level topic ids, largest first: the order colours are given in."""
    real = topics[(topics["topic_id"] >= 0) & (topics.get("level", "topic") == "topic")]
    return real.sort_values(["size", "topic_id"], ascending=[False, True])["topic_id"].astype(int).tolist()


def _name(topic_id: int, labels: dict[int, str]) -> str:
    return f"{topic_id}: {labels[topic_id]}"


def build_prevalence_figure(prevalence: pd.DataFrame, topics: pd.DataFrame, window: str, top: int = 20) -> go.Figure:
    """Stacked shares per window: the `top` largest topics, the rest summed, and the unassigned papers."""
    labels = dict(zip(topics["topic_id"], topics["label"], strict=True))
    order = ranked_topics(topics)
    shown = order[:top]
    frame = prevalence[prevalence["window"] == window]
    series = frame["topic_id"].where(frame["topic_id"].isin(shown) | (frame["topic_id"] < 0), -2)
    wide = frame.assign(series=series).groupby(["window_start", "series"])["n"].sum().unstack(fill_value=0)
    totals = wide.sum(axis=1)
    traces = []
    for key in [*shown, -2, -1]:
        if key not in wide.columns:
            continue
        name = {-2: "other topics", -1: "unassigned (outliers)"}.get(key) or _name(key, labels)
        traces.append(trace(go.Scatter,
            x=dates(wide.index), y=values((wide[key] / totals).round(4)),
            customdata=values(np.stack([wide[key], totals], axis=1)),
            name=plot_text(name)[:60], mode="lines", stackgroup="share",
            line={"width": 0.5, "color": OTHER_COLOUR if key == -2 else colour(key, order)},
            hovertemplate="%{x}<br>" + plot_text(name).replace("%", "%%")
            + "<br>%{y:.1%} (%{customdata[0]} of %{customdata[1]} papers)<extra></extra>",
        ))  # fmt: skip
    return figure(
        traces,
        f"Share of the papers by topic, per {WINDOWS_LABEL[window]}",
        WINDOW_NAMES[window],
        "share",
        xaxis=date_axis([str(d) for d in wide.index], window),
        yaxis={"tickformat": ".0%", "range": [0, 1]},
    )


def interval_band(x: list[str], rows: pd.DataFrame, *, visible: bool = True) -> list[go.Scatter]:
    """The 95% interval as a shaded band: an invisible lower line, then the upper line filled down to it."""
    edge = {"mode": "lines", "line": {"width": 0}, "hoverinfo": "skip", "visible": visible}
    return [
        trace(go.Scatter, x=x, y=values(rows["lo"].round(4)), showlegend=False, name="95% interval (low)", **edge),
        trace(go.Scatter, x=x, y=values(rows["hi"].round(4)), fill="tonexty", fillcolor="rgba(0,114,178,0.18)",
                   name="95% interval", **edge),
    ]  # fmt: skip


def build_topic_lines_figure(prevalence: pd.DataFrame, topics: pd.DataFrame, window: str) -> go.Figure:
    """Each topic's share with its 95% interval as a band; three traces per topic (lo, hi, share), in
    `ranked_topics` order, all hidden but the first topic's: the page's topic selector shows one at a time."""
    labels = dict(zip(topics["topic_id"], topics["label"], strict=True))
    order = ranked_topics(topics)
    frame = prevalence[prevalence["window"] == window]
    traces = []
    for rank, topic_id in enumerate(order):
        rows = frame[frame["topic_id"] == topic_id].sort_values("window_start")
        x = dates(rows["window_start"])
        visible = rank == 0
        name = plot_text(_name(topic_id, labels))
        traces += interval_band(x, rows, visible=visible)
        traces.append(trace(go.Scatter,
            x=x, y=values(rows["share"].round(4)), mode="lines+markers", marker={"size": 4},
            line={"color": "#0072B2", "width": 2}, name=name[:60], visible=visible,
            customdata=np.stack([rows["n"], rows["total"]], axis=1),
            hovertemplate="%{x}<br>%{y:.1%} (%{customdata[0]} of %{customdata[1]} papers)<extra></extra>",
        ))  # fmt: skip
    title = f"One topic's share per {WINDOWS_LABEL[window]}, with its 95% interval"
    return figure(traces, title, WINDOW_NAMES[window], "share", height=380,
                  xaxis=date_axis([str(d) for d in frame["window_start"]], window), yaxis=SHARE_AXIS)  # fmt: skip


def build_topic_share_figure(prevalence: pd.DataFrame, topic_id: int, label: str, window: str) -> go.Figure:
    """A topic page's chart: share with its 95% interval, and its share of the upvotes."""
    rows = prevalence[(prevalence["window"] == window) & (prevalence["topic_id"] == topic_id)]
    rows = rows.sort_values("window_start")
    x = dates(rows["window_start"])
    traces = [
        *interval_band(x, rows),
        trace(go.Scatter, x=x, y=values(rows["share"].round(4)), mode="lines+markers", marker={"size": 4},
                   line={"color": "#0072B2", "width": 2}, name="share of papers",
                   customdata=np.stack([rows["n"], rows["total"]], axis=1),
                   hovertemplate="%{x}<br>%{y:.1%} of papers (%{customdata[0]} of %{customdata[1]})<extra></extra>"),
        trace(go.Scatter, x=x, y=values(rows["upvote_share"].round(4)), mode="lines", name="share of upvotes",
                   line={"color": "#E69F00", "width": 1.5, "dash": "dot"},
                   hovertemplate="%{x}<br>%{y:.1%} of upvotes<extra></extra>"),
    ]  # fmt: skip
    title = f"{plot_text(label)[:80]}: share per {WINDOWS_LABEL[window]}"
    return figure(traces, title, WINDOW_NAMES[window], "share", height=380, xaxis=date_axis(x, window),
                  yaxis=SHARE_AXIS)  # fmt: skip


def build_research_lines_figure(prevalence: pd.DataFrame, lines: pd.DataFrame, label: str) -> go.Figure:
    """An area page's chart: each of its research lines' share of all papers, per week (`line-week` rows)."""
    frame = prevalence[(prevalence["window"] == "line-week") & prevalence["topic_id"].isin(lines["topic_id"])]
    order = ranked_topics(lines.assign(level="topic"))  # ranked as the area's own topics
    labels = dict(zip(lines["topic_id"], lines["label"], strict=True))
    traces = []
    for topic_id in order:
        rows = frame[frame["topic_id"] == topic_id].sort_values("window_start")
        name = plot_text(_name(topic_id, labels))
        traces.append(trace(go.Scatter,
            x=dates(rows["window_start"]), y=values(rows["share"].round(4)), mode="lines",
            name=name[:60], line={"width": 1.5, "color": colour(topic_id, order)},
            customdata=np.stack([rows["n"], rows["total"]], axis=1) if len(rows) else [],
            hovertemplate="%{x}<br>" + name.replace("%", "%%")
            + "<br>%{y:.1%} of papers (%{customdata[0]} of %{customdata[1]})<extra></extra>",
        ))  # fmt: skip
    return figure(traces, f"{plot_text(label)[:60]}: its research lines' shares per week", "week", "share", height=380,
                  xaxis=date_axis([str(d) for d in frame["window_start"]], "week"), yaxis=SHARE_AXIS)  # fmt: skip


def build_topic_map_figure(points: pd.DataFrame, topics: pd.DataFrame) -> go.Figure:
    """Papers in 2-D, coloured by topic; hovering shows the title and the first digest date.

    `points`: x, y, topic_id, title, first_digest."""
    labels = dict(zip(topics["topic_id"], topics["label"], strict=True))
    order = ranked_topics(topics)
    traces = []
    for topic_id in [*order, -1]:
        rows = points[points["topic_id"] == topic_id]
        if rows.empty:
            continue
        name = "unassigned (outliers)" if topic_id < 0 else _name(topic_id, labels)
        traces.append(trace(go.Scattergl,
            x=values(rows["x"]), y=values(rows["y"]), mode="markers", name=plot_text(name)[:50],
            marker={"size": 5, "color": colour(topic_id, order), "opacity": 0.75},
            text=values([plot_text(t) for t in rows["title"]]), customdata=values(rows["first_digest"].astype(str)),
            hovertemplate="%{text}<br>first listed %{customdata}<extra>" + plot_text(name)[:40].replace("%", "%%")
            + "</extra>",
        ))  # fmt: skip
    bare = {"showticklabels": False, "zeroline": False, "showgrid": False}
    return figure(traces, "Topic map: each paper, placed by its embedding", "", "", height=620, xaxis=bare, yaxis=bare,
                  legend={"itemsizing": "constant", "font": {"size": 10}})  # fmt: skip


def build_terms_figure(terms: list[tuple[str, float]], label: str) -> go.Figure:
    words = [plot_text(t) for t, _ in terms][::-1]
    weights = [w for _, w in terms][::-1]
    bar = trace(go.Bar, x=weights, y=words, orientation="h", marker={"color": "#0072B2"},
                 hovertemplate="%{y}: %{x:.4f}<extra></extra>")  # fmt: skip
    return figure([bar], f"Top terms of {plot_text(label)[:60]}", "c-TF-IDF weight", "",
                  height=max(260, 26 * len(words) + 90), margin={"l": 160, "r": 20, "t": 50, "b": 50})  # fmt: skip


def sparkline_svg(values: list[float], width: int = 120, height: int = 28) -> str:
    """A small inline SVG line of `values` (numbers only: safe to put in a page as is)."""
    vals = [float(v) for v in values if v == v]
    if len(vals) < 2:
        return ""
    lo, hi = min(vals), max(vals)
    span = hi - lo or 1.0
    step = (width - 4) / (len(vals) - 1)
    points = " ".join(
        f"{2 + i * step:.1f},{height - 2 - (v - lo) / span * (height - 4):.1f}" for i, v in enumerate(vals)
    )
    return (
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="share over time"><polyline fill="none" stroke="#0072B2" stroke-width="1.5" '
        f'points="{points}"/></svg>'
    )


STATUS_COLOURS = {"emerging": "#E69F00", "rising": "#009E73", "steady": "#BBBBBB", "fading": "#0072B2",
                  "gone": "#555555"}  # fmt: skip


def build_status_band(history: pd.DataFrame, label: str) -> go.Figure:
    """One topic's status as each week reported it (`trend_history`): a band of coloured weeks under its share."""
    traces = []
    rows = history.sort_values("as_of")
    for status, colour_ in STATUS_COLOURS.items():
        mine = rows[rows["status"] == status]
        if mine.empty:
            continue
        traces.append(trace(go.Bar,  # each bar spans the week that ends on the day it was reported
            x=dates(mine["as_of"]), y=np.ones(len(mine), dtype=int), name=status, marker={"color": colour_},
            offset=-7 * DAY_MS, width=7 * DAY_MS,
            customdata=values(mine["effect"].round(2)),
            hovertemplate="week to %{x}: " + status + " (%{customdata:+.2f} pts / 30 days)<extra></extra>",
        ))  # fmt: skip
    return figure(traces, f"Status, week by week: {plot_text(label)[:60]}", "week reported", "", height=170,
                  xaxis=date_axis([str(d) for d in rows["as_of"]], "week"), yaxis={"visible": False},
                  barmode="stack", bargap=0, margin={"l": 60, "r": 20, "t": 40, "b": 40})  # fmt: skip
