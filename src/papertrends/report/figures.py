"""Figure builders: data in, go.Figure out. Pure.

Scraped text (titles, labels) is escaped before it reaches plotly, whose labels understand a subset of HTML.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

# Okabe-Ito and Paul Tol's muted scheme: distinguishable with the common colour-vision deficiencies.
PALETTE = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#332288",
    "#88CCEE",
    "#44AA99",
    "#117733",
    "#999933",
    "#DDCC77",
    "#CC6677",
    "#882255",
    "#AA4499",
]
OTHER_COLOUR = "#BBBBBB"
OUTLIER_COLOUR = "#DDDDDD"


def plot_text(text: str) -> str:
    """Text as plotly shows it literally: its pseudo-HTML tags become visible characters."""
    return html.escape(str(text), quote=False)


def _layout(fig: go.Figure, title: str, x_title: str, y_title: str) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01},
        xaxis_title=x_title,
        yaxis_title=y_title,
        template="plotly_white",
        hovermode="closest",
        margin={"l": 60, "r": 20, "t": 60, "b": 50},
        legend={"font": {"size": 11}},
        height=520,
    )
    return fig


def _shown_topics(topics: pd.DataFrame, top: int) -> list[int]:
    real = topics[topics["topic_id"] >= 0].sort_values(["size", "topic_id"], ascending=[False, True])
    return real["topic_id"].head(top).tolist()


def build_prevalence_figure(prevalence: pd.DataFrame, topics: pd.DataFrame, top: int = 20) -> go.Figure:
    """Stacked shares per digest date: the `top` largest topics, the rest summed, and the unassigned papers."""
    labels = dict(zip(topics["topic_id"], topics["label"], strict=True))
    shown = _shown_topics(topics, top)
    frame = prevalence.copy()
    frame["series"] = frame["topic_id"].where(frame["topic_id"].isin(shown) | (frame["topic_id"] < 0), -2)
    wide = frame.groupby(["digest_date", "series"])["n"].sum().unstack(fill_value=0)
    totals = wide.sum(axis=1)
    fig = go.Figure()
    for i, series in enumerate([*shown, -2, -1]):
        if series not in wide.columns:
            continue
        name = {-2: "other topics", -1: "unassigned (outliers)"}.get(series) or f"{series}: {labels[series]}"
        colour = {-2: OTHER_COLOUR, -1: OUTLIER_COLOUR}.get(series, PALETTE[i % len(PALETTE)])
        fig.add_trace(
            go.Scatter(
                x=[d.isoformat() for d in wide.index],
                y=(wide[series] / totals).round(4).tolist(),
                customdata=list(zip(wide[series].tolist(), totals.tolist(), strict=True)),
                name=plot_text(name),
                mode="lines",
                stackgroup="share",
                line={"width": 0.5, "color": colour},
                hovertemplate="%{x}<br>"
                + plot_text(name).replace("%", "%%")
                + "<br>%{y:.1%} of the digest (%{customdata[0]} of %{customdata[1]} papers)<extra></extra>",
            )
        )
    fig = _layout(fig, "Share of each digest by topic", "digest date", "share of the digest's papers")
    fig.update_yaxes(tickformat=".0%", range=[0, 1])
    return fig


def build_heatmap_figure(prevalence: pd.DataFrame, topics: pd.DataFrame, top: int = 40) -> go.Figure:
    """Topics by digest date, coloured by share: every topic readable at once."""
    labels = dict(zip(topics["topic_id"], topics["label"], strict=True))
    shown = _shown_topics(topics, top)
    wide = prevalence[prevalence["topic_id"].isin(shown)].pivot(index="topic_id", columns="digest_date", values="share")
    wide = wide.reindex(shown[::-1])
    names = [plot_text(f"{t}: {labels[t]}")[:60] for t in wide.index]
    fig = go.Figure(
        go.Heatmap(
            z=wide.round(4).values.tolist(),
            x=[d.isoformat() for d in wide.columns],
            y=names,
            colorscale="Cividis",
            colorbar={"title": {"text": "share"}, "tickformat": ".0%"},
            hovertemplate="%{y}<br>%{x}: %{z:.1%} of the digest<extra></extra>",
        )
    )
    fig = _layout(fig, "Topic share per digest date", "digest date", "topic")
    fig.update_layout(height=max(420, 22 * len(names) + 140), margin={"l": 320})
    return fig
