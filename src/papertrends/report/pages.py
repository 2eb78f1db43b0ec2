"""What each page shows, computed from a run's results. Pure: data in, template contexts out."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from papertrends.prevalence import overall_shares
from papertrends.records import ReportInput
from papertrends.report.figures import (
    build_prevalence_figure,
    build_research_lines_figure,
    build_status_band,
    build_terms_figure,
    build_topic_lines_figure,
    build_topic_map_figure,
    build_topic_share_figure,
    ranked_topics,
    sparkline_svg,
)
from papertrends.trends import as_date, status_periods, status_story

WINDOWS = ("day", "week", "month")


def topic_shares(data: ReportInput) -> dict[int, float]:
    return overall_shares(data.prevalence)


def _sparkline(data: ReportInput, topic_id: int) -> str:
    rows = data.prevalence[(data.prevalence["window"] == "week") & (data.prevalence["topic_id"] == topic_id)]
    return sparkline_svg(rows.sort_values("window_start")["share"].tail(52).tolist())


def headline(data: ReportInput, n: int = 8) -> dict[str, list[dict[str, Any]]]:
    """The movers of each kind, the most specific first: the research lines that moved, then the areas that moved
    and none of whose lines is listed beside them (an area is not repeated by each of its lines)."""
    trends = data.trends if "level" in data.trends else data.trends.assign(level="topic")
    parent = dict(zip(data.topics["topic_id"], data.topics["parent_id"], strict=True))
    labels = dict(zip(data.topics["topic_id"], data.topics["label"], strict=True))
    out: dict[str, list[dict[str, Any]]] = {}
    for status, ascending in (("rising", False), ("emerging", False), ("fading", True)):
        moving = trends[trends["status"] == status].sort_values(["effect", "topic_id"], ascending=[ascending, True])
        lines = moving[moving["level"] == "subtopic"]
        held = {int(parent[t]) for t in lines["topic_id"] if pd.notna(parent.get(t))}
        areas = moving[(moving["level"] == "topic") & ~moving["topic_id"].isin(held)]
        rows = []
        for r in pd.concat([lines, areas]).head(n).itertuples():
            t, area = int(r.topic_id), parent.get(r.topic_id)
            since = as_date(getattr(r, "since", None))
            inside = r.level == "subtopic" and pd.notna(area)
            rows.append({"topic_id": t, "label": r.label, "effect": float(r.effect), "q_value": float(r.q_value),
                         "spark": "" if inside else _sparkline(data, t),
                         "href": f"topics/{int(area)}.html#line-{t}" if inside else f"topics/{t}.html",
                         "area": labels.get(area) if inside else None,
                         "since": str(since) if since else None})  # fmt: skip
        out[status] = rows
    return out


def topic_rows(data: ReportInput) -> list[dict[str, Any]]:
    shares = topic_shares(data)
    trends = data.trends.set_index("topic_id")
    rows = []
    for r in data.top_level.sort_values(["size", "topic_id"], ascending=[False, True]).itertuples():
        t = int(r.topic_id)
        rows.append({
            "topic_id": t, "label": r.label, "size": int(r.size), "share": shares.get(t, 0.0),
            "status": trends["status"].get(t, ""), "effect": float(trends["effect"].get(t, 0.0)),
            "q_value": float(trends["q_value"].get(t, 1.0)), "terms": [w for w, _ in r.top_terms][:6],
        })  # fmt: skip
    return rows


def status_changes(data: ReportInput, weeks: int = 8) -> list[dict[str, Any]]:
    """Topics whose status changed within the last `weeks` weekly reports: from what, to what, and when."""
    history = data.trend_history
    if history.empty:
        return []
    labels = dict(zip(data.top_level["topic_id"], data.top_level["label"], strict=True))
    recent = sorted(history["as_of"].unique())[-(weeks + 1) :]
    out = []
    for topic_id, rows in history[history["as_of"].isin(recent)].groupby("topic_id"):
        rows = rows.sort_values("as_of")
        turns = rows[rows["status"] != rows["status"].shift()].iloc[1:]
        if turns.empty or int(topic_id) not in labels:
            continue
        last = turns.iloc[-1]
        before = rows[rows["as_of"] < last["as_of"]]["status"].iloc[-1]
        out.append({"topic_id": int(topic_id), "label": labels[int(topic_id)], "before": before,
                    "after": last["status"], "as_of": str(last["as_of"])[:10]})  # fmt: skip
    return sorted(out, key=lambda c: (c["as_of"], c["topic_id"]), reverse=True)


def term_rows(data: ReportInput, status: str, n: int = 15, topic_id: int | None = None) -> list[dict[str, Any]]:
    """The phrases rising (emerging ones among them) or fading most for their size, across topics or in one topic."""
    terms = data.term_trends
    if terms.empty:
        return []
    terms = terms[terms["status"].isin(["rising", "emerging"] if status == "rising" else [status])]
    if topic_id is not None:
        mine = [str(topic_id) in str(ids or "").split() for ids in terms["topic_ids"]]
        terms = terms[np.asarray(mine, dtype=bool)]
    terms = terms.sort_values("relative", ascending=status == "fading").head(n)
    return [{"term": r.term, "status": r.status, "effect": float(r.effect), "relative": float(r.relative),
             "q_value": float(r.q_value), "papers": int(r.papers), "first_seen": str(r.first_seen)[:10],
             "n_topics": int(r.n_topics),
             "topic_ids": [int(t) for t in str(r.topic_ids or "").split()],
             "variants": str(getattr(r, "variants", "") or ""), "since": str(as_date(getattr(r, "since", None)) or "")}
            for r in terms.itertuples()]  # fmt: skip


def changes(data: ReportInput, n: int = 8) -> dict[str, Any]:
    """What changed since the last run: topic events, and the biggest movers in share."""
    events = data.events.to_dict("records") if not data.events.empty else []
    events = [e for e in events if e.get("level", "topic") == "topic"]
    shares = topic_shares(data)
    labels = dict(zip(data.top_level["topic_id"], data.top_level["label"], strict=True))
    movers = sorted(
        ({"topic_id": t, "label": labels[t], "before": data.previous_shares[t], "after": shares.get(t, 0.0),
          "delta": shares.get(t, 0.0) - data.previous_shares[t]}
         for t in labels if t in data.previous_shares),
        key=lambda m: (-abs(m["delta"]), m["topic_id"]),
    )[:n]  # fmt: skip
    return {"events": events, "movers": [m for m in movers if abs(m["delta"]) > 0], "first": not data.previous_shares,
            "statuses": status_changes(data)}  # fmt: skip


def map_points(data: ReportInput) -> pd.DataFrame:
    first = {
        p: ds[0] if len(ds) else ""
        for p, ds in zip(data.listings.get("paper_id", []), data.listings.get("digest_dates", []), strict=True)
    }
    points = data.assignments.merge(data.papers[["paper_id", "title"]], on="paper_id")
    points = points.dropna(subset=["x", "y"])
    return points.assign(first_digest=points["paper_id"].map(first).fillna(""))


def index_figures(data: ReportInput) -> dict[str, Any]:
    topics = data.top_level
    figures: dict[str, Any] = {}
    for window in WINDOWS:
        figures[f"stacked-{window}"] = build_prevalence_figure(data.prevalence, topics, window, data.top)
        figures[f"lines-{window}"] = build_topic_lines_figure(data.prevalence, topics, window)
    points = map_points(data)
    if not points.empty:
        figures["map"] = build_topic_map_figure(points, topics)
    return figures


def index_context(data: ReportInput) -> dict[str, Any]:
    order = ranked_topics(data.top_level)
    labels = dict(zip(data.top_level["topic_id"], data.top_level["label"], strict=True))
    return {
        "run": data.run,
        "headline": headline(data),
        "topics": topic_rows(data),
        "changes": changes(data),
        "terms": {"rising": term_rows(data, "rising"), "fading": term_rows(data, "fading", 10)},
        "selector": [{"topic_id": t, "label": labels[t]} for t in order],
        "window": data.window,
        "windows": WINDOWS,
    }


def related_topics(data: ReportInput, topic_id: int, n: int = 5) -> list[dict[str, Any]]:
    top = data.top_level.reset_index(drop=True)
    if "centroid" not in top or len(top) < 2:
        return []
    matrix = np.stack(top["centroid"].map(lambda c: np.asarray(c, dtype=float)))
    me = int(np.flatnonzero(top["topic_id"].to_numpy() == topic_id)[0])
    sims = matrix @ matrix[me]
    order = [i for i in np.argsort(-sims, kind="stable") if i != me][:n]
    return [{"topic_id": int(top.loc[i, "topic_id"]), "label": top.loc[i, "label"], "similarity": float(sims[i])}
            for i in order]  # fmt: skip


def representative(papers: pd.DataFrame, ids: list[str]) -> list[dict[str, Any]]:
    """Title and arXiv id of the papers `ids`, in their order (a paper no longer stored shows its id)."""
    shown = papers[papers["paper_id"].isin(ids)]
    titles = dict(zip(shown["paper_id"], shown["title"], strict=True))
    arxiv = dict(zip(shown["paper_id"], shown["arxiv_id"], strict=True))
    return [{"title": titles.get(p, p), "arxiv_id": arxiv.get(p)} for p in ids]


def topic_context(data: ReportInput, topic_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The context and the figures of one topic's page."""
    row = data.top_level[data.top_level["topic_id"] == topic_id].iloc[0]
    members = data.assignments[data.assignments["topic_id"] == topic_id]
    listed = data.papers.merge(members[["paper_id", "subtopic_id"]], on="paper_id")
    if not data.listings.empty:
        listings = data.listings[data.listings["paper_id"].isin(members["paper_id"])]
        listed = listed.merge(listings, on="paper_id", how="left")
    subtopics = data.topics[(data.topics["level"] == "subtopic") & (data.topics["parent_id"] == topic_id)]
    # This topic's rows and its lines' rows of the prevalence, taken once: every figure below reads one of them.
    own = data.prevalence[data.prevalence["topic_id"] == topic_id]
    of_lines = data.prevalence[data.prevalence["topic_id"].isin(subtopics["topic_id"])]
    trend = data.trends[data.trends["topic_id"] == topic_id]
    history = data.history
    if not history.empty:

        def involves(event: pd.Series) -> bool:
            previous = event["previous_ids"] if event["previous_ids"] is not None else []
            return event["topic_id"] == topic_id or topic_id in list(previous)

        mine = history.apply(involves, axis=1)
        history = history[mine & (history["level"] == "topic")]
    line_of = dict(zip(subtopics["topic_id"], subtopics["label"], strict=True))
    papers = [
        {"title": r.title, "line": line_of.get(r.subtopic_id) if pd.notna(r.subtopic_id) else None,
         "arxiv_id": r.arxiv_id if isinstance(r.arxiv_id, str) else None,
         "organization": r.organization if isinstance(getattr(r, "organization", None), str) else None,
         "digest_dates": list(getattr(r, "digest_dates", []) or []),
         "upvotes": None if pd.isna(getattr(r, "upvotes", None)) else int(r.upvotes)}
        for r in listed.sort_values(["title"]).itertuples()
    ]  # fmt: skip
    context = {
        "run": data.run,
        "topic": {"topic_id": topic_id, "label": row["label"], "size": int(row["size"]),
                  "terms": list(row["top_terms"]), "status": trend["status"].iloc[0] if len(trend) else "",
                  "effect": float(trend["effect"].iloc[0]) if len(trend) else 0.0,
                  "q_value": float(trend["q_value"].iloc[0]) if len(trend) else 1.0,
                  "first_seen": trend["first_seen"].iloc[0] if "first_seen" in trend and len(trend) else None,
                  "last_seen": trend["last_seen"].iloc[0] if "last_seen" in trend and len(trend) else None},
        "representative": representative(data.papers, list(row["representative"])),
        "subtopics": line_rows(data, subtopics, of_lines),
        "papers": papers,
        "related": related_topics(data, topic_id),
        "history": history.to_dict("records") if not history.empty else [],
        "story": "",
        "rising_terms": term_rows(data, "rising", 10, topic_id),
        "window": data.window,
        "windows": WINDOWS,
    }  # fmt: skip
    figures = {f"share-{w}": build_topic_share_figure(own, topic_id, row["label"], w) for w in WINDOWS}
    past = data.trend_history[data.trend_history["topic_id"] == topic_id] if not data.trend_history.empty else None
    if past is not None and not past.empty:
        figures["status"] = build_status_band(past, row["label"])
        context["story"] = status_story(status_periods(past))
    if len(subtopics):
        figures["lines"] = build_research_lines_figure(of_lines, subtopics, row["label"])
    figures["terms"] = build_terms_figure(list(row["top_terms"]), row["label"])
    return context, figures


def line_rows(data: ReportInput, lines: pd.DataFrame, prevalence: pd.DataFrame) -> list[dict[str, Any]]:
    """An area's research lines, largest first: id, label, size, status, effect, q, top terms, a sparkline of its
    weekly share (from `prevalence`: the lines' rows of it, or all) and the story of its weekly statuses."""
    trends = data.trends.set_index("topic_id")
    weekly = prevalence[prevalence["window"] == "line-week"]
    history = data.trend_history
    rows = []
    for r in lines.sort_values(["size", "topic_id"], ascending=[False, True]).itertuples():
        t = int(r.topic_id)
        past = history[history["topic_id"] == t] if not history.empty else history
        shares = weekly[weekly["topic_id"] == t].sort_values("window_start")["share"].tail(52).tolist()
        rows.append({"topic_id": t, "label": r.label, "size": int(r.size),
                     "status": r.status if isinstance(r.status, str) else "",
                     "effect": float(trends["effect"].get(t, 0.0)), "q_value": float(trends["q_value"].get(t, 1.0)),
                     "terms": [w for w, _ in r.top_terms][:6], "spark": sparkline_svg(shares),
                     "story": status_story(status_periods(past)) if len(past) else ""})  # fmt: skip
    return rows


def runs_context(data: ReportInput) -> dict[str, Any]:
    rows = []
    for r in data.runs.sort_values("run_id", ascending=False).itertuples():
        rows.append({"run_id": int(r.run_id), "finished_at": str(r.finished_at)[:16], "status": r.status,
                     "papers": r.papers, "topics": r.topics})  # fmt: skip
    return {"run": data.run, "runs": rows}
