"""The report writer: scraped text stays text, files are written whole, plotly.js once per folder."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from papertrends.records import RunInfo
from papertrends.report import ReportInput, write_report

HOSTILE = '</script><script>alert(1)</script><img src=x onerror=alert(2)> <b>bold</b> <a href="javascript:x">l</a>'


def _data(run_id: int = 1) -> ReportInput:
    topics = pd.DataFrame([
        {"topic_id": 0, "level": "topic", "parent_id": None, "label": HOSTILE, "size": 2,
         "top_terms": [("<script>", 0.5), ("graph", 0.2)], "representative": ["p1", "p2"], "status": "rising",
         "centroid": np.array([1.0, 0.0])},
        {"topic_id": 1, "level": "topic", "parent_id": None, "label": "plain", "size": 1,
         "top_terms": [("plain", 0.5)], "representative": ["p3"], "status": "steady", "centroid": np.array([0.0, 1.0])},
    ])  # fmt: skip
    prevalence = pd.DataFrame([
        {"window_start": date(2025, 1, d), "window": w, "topic_id": t, "n": n, "total": 3, "share": n / 3,
         "lo": 0.1, "hi": 0.9, "upvote_share": 0.5}
        for w in ("day", "week", "month")
        for d in (6, 7)
        for t, n in ((0, 2), (1, 1))
    ])  # fmt: skip
    papers = pd.DataFrame(
        [
            {"paper_id": "p1", "title": HOSTILE, "arxiv_id": "2501.00001"},
            {"paper_id": "p2", "title": "Plain & simple", "arxiv_id": None},
            {"paper_id": "p3", "title": "Third", "arxiv_id": "2501.00003"},
        ]
    )
    trends = pd.DataFrame([
        {"topic_id": 0, "label": HOSTILE, "status": "rising", "effect": 1.5, "p_value": 0.01, "q_value": 0.02,
         "window": "2025-01-06..2025-01-07"},
        {"topic_id": 1, "label": "plain", "status": "steady", "effect": -0.1, "p_value": 0.5, "q_value": 0.5,
         "window": "2025-01-06..2025-01-07"},
    ])  # fmt: skip
    assignments = pd.DataFrame({"paper_id": ["p1", "p2", "p3"], "topic_id": [0, 0, 1], "subtopic_id": [None] * 3,
                                "x": [0.1, 0.2, -0.5], "y": [0.3, 0.1, 0.9]})  # fmt: skip
    listings = pd.DataFrame({"paper_id": ["p1", "p2", "p3"], "digest_dates": [["2025-01-06"]] * 3,
                             "upvotes": [3, None, 1]})  # fmt: skip
    run = RunInfo(run_id=run_id, finished_at="2025-01-07 08:00 UTC", n_papers=3, n_snapshots=2, n_digests=2,
                  first_digest="2025-01-06", last_digest="2025-01-07", n_topics=2, outlier_share=0.0, model_id="m",
                  seed=42, fit_hash="f", snapshot_hash="s", quality="{}", versions={"plotly": "x"},
                  config="[topics]\nlabel = \"<script>\"")  # fmt: skip
    runs = pd.DataFrame([{"run_id": run_id, "finished_at": "2025-01-07", "status": "completed", "papers": 3,
                          "topics": 2}])  # fmt: skip
    weeks = [date(2024, 11, 3) + timedelta(weeks=k) for k in range(10)]
    statuses = ["steady"] * 4 + ["emerging"] * 3 + ["rising"] * 3
    history = pd.DataFrame(
        [{"as_of": w, "topic_id": 0, "status": s, "effect": 0.5, "q_value": 0.01,
          "since": date(2024, 11, 25) if s == "emerging" else None} for w, s in zip(weeks, statuses, strict=True)]
        + [{"as_of": w, "topic_id": 1, "status": "steady", "effect": 0.0, "q_value": 0.9, "since": None}
           for w in weeks]
    )  # fmt: skip
    terms = pd.DataFrame([
        {"term": "agent <b>", "status": "rising", "effect": 2.5, "relative": 0.8, "p_value": 1e-5, "q_value": 1e-3,
         "papers": 40, "first_seen": date(2024, 11, 3), "n_topics": 2, "topic_ids": "0 1"},
        {"term": "convolution", "status": "fading", "effect": -1.0, "relative": -0.3, "p_value": 1e-4,
         "q_value": 1e-2, "papers": 30, "first_seen": date(2024, 11, 3), "n_topics": 1, "topic_ids": "1"},
    ])  # fmt: skip
    return ReportInput(run, topics, assignments, prevalence, trends, papers, listings, runs=runs,
                       trend_history=history, term_trends=terms)  # fmt: skip


def _pages(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.html"))


def test_scraped_text_is_escaped_on_every_page(tmp_path: Path) -> None:
    write_report(tmp_path, _data())
    pages = _pages(tmp_path)
    assert {p.relative_to(tmp_path).as_posix() for p in pages} >= {
        "index.html", "topics/0.html", "topics/1.html", "runs/index.html", "runs/1/index.html",
    }  # fmt: skip
    for page in pages:
        text = page.read_text()
        assert "<script>alert" not in text and "<img" not in text and "<b>bold" not in text, page
        assert 'href="javascript' not in text and not re.search(r"<[a-z]+[^>]*\sonerror=", text)
        assert len(re.findall(r"<script", text)) == 4, page  # plotly.js, the template, the figures, the script
        for href in re.findall(r'href="([^"]*)"', text):
            assert href.startswith(("https://arxiv.org/abs/", "https://huggingface.co/papers/")) or "://" not in href
    index = (tmp_path / "index.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in index
    figures = json.loads(re.search(r"window.PT_FIGURES = (\{.*?\});</script>", index, re.S).group(1))
    names = [t["name"] for t in figures["stacked-week"]["data"]]
    assert any("&lt;script&gt;" in n for n in names)  # plotly shows entities as the literal characters
    hover = figures["map"]["data"][0]["text"]
    assert any("&lt;/script&gt;&lt;script&gt;" in t for t in hover)


def test_plotly_js_once_per_folder_and_runs_are_kept(tmp_path: Path) -> None:
    write_report(tmp_path, _data(1))
    write_report(tmp_path, _data(2))
    assert len(list((tmp_path / "assets").glob("plotly-*.min.js"))) == 1
    assert not list(tmp_path.rglob("*.tmp")) and not list((tmp_path / "runs").glob(".run-*"))
    assert (tmp_path / "runs" / "1" / "index.html").exists() and (tmp_path / "runs" / "2" / "index.html").exists()
    assert 'src="../../../assets/plotly-' in (tmp_path / "runs" / "2" / "topics" / "0.html").read_text()
    for name in ("topics", "prevalence", "trends"):
        assert (tmp_path / "data" / f"{name}.csv").exists() and (
            tmp_path / "runs" / "2" / "data" / f"{name}.csv"
        ).exists()


def test_same_inputs_give_the_same_bytes(tmp_path: Path) -> None:
    write_report(tmp_path / "a", _data())
    write_report(tmp_path / "b", _data())
    for page in _pages(tmp_path / "a"):
        twin = tmp_path / "b" / page.relative_to(tmp_path / "a")
        assert page.read_bytes() == twin.read_bytes(), page


def test_figures_are_the_same_unchecked_as_plotly_checks_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run builds its figures without plotly's checks (`figures.CHECKED`); checked, every page is the same byte for
    byte, and a property plotly does not know is refused."""
    from papertrends.report import figures

    write_report(tmp_path / "unchecked", _data())
    monkeypatch.setattr(figures, "CHECKED", True)
    write_report(tmp_path / "checked", _data())
    pages = _pages(tmp_path / "unchecked")
    assert len(pages) >= 5
    for page in pages:
        assert page.read_bytes() == (tmp_path / "checked" / page.relative_to(tmp_path / "unchecked")).read_bytes()
    with pytest.raises(ValueError, match="modee"):
        figures.trace(go.Scatter, x=[1], modee="lines")


def test_each_weeks_status_is_told_on_the_topic_page_listed_on_the_index_and_exported(tmp_path: Path) -> None:
    write_report(tmp_path, _data())
    topic = (tmp_path / "topics" / "0.html").read_text(encoding="utf-8")
    assert (
        "steady 2024-11-03 .. 2024-11-24, emerging since 2024-11-25 (reported 2024-12-01 .. 2024-12-15), "
        "rising since 2024-12-22" in topic
    )
    assert 'data-figure="status"' in topic
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    changed = index[index.index('id="status-changes"') :].split("</ul>")[0]
    assert "emerging</span> to <span" in changed and "2024-12-22" in changed and "topics/1.html" not in changed
    history = pd.read_csv(tmp_path / "data" / "trend_history.csv")
    assert list(history.columns) == ["as_of", "topic_id", "label", "status", "effect", "q_value", "since"]
    assert len(history) == 20 and history[history["topic_id"] == 1]["status"].eq("steady").all()


def test_rising_and_fading_phrases_are_on_the_index_their_topics_pages_and_exported(tmp_path: Path) -> None:
    write_report(tmp_path, _data())
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    rising = index[index.index('id="terms-rising"') :].split("</table>")[0]
    assert "agent &lt;b&gt;" in rising and 'href="topics/0.html"' in rising and "convolution" not in rising
    assert "convolution" in index[index.index('id="terms-fading"') :].split("</table>")[0]
    assert "agent &lt;b&gt;" in (tmp_path / "topics" / "0.html").read_text(encoding="utf-8")
    assert "convolution" not in (tmp_path / "topics" / "0.html").read_text(encoding="utf-8")
    terms = pd.read_csv(tmp_path / "data" / "term_trends.csv")
    assert list(terms["term"]) == ["agent <b>", "convolution"] and list(terms["topic_ids"].astype(str)) == ["0 1", "1"]


def test_time_axes_of_one_or_two_points_span_days_not_milliseconds() -> None:
    from papertrends.report.figures import build_status_band, build_topic_share_figure

    one = pd.DataFrame({"window_start": [date(2026, 1, 9)], "window": ["day"], "topic_id": [3], "n": [4],
                        "total": [20], "share": [0.2], "lo": [0.1], "hi": [0.4], "upvote_share": [0.3]})  # fmt: skip
    axis = build_topic_share_figure(one, 3, "agents", "day").layout.xaxis
    assert axis.type == "date" and list(axis.range) == ["2026-01-06", "2026-01-12"] and axis.tickformat == "%Y-%m-%d"
    history = pd.DataFrame({"as_of": [date(2026, 1, 11)], "topic_id": [3], "status": ["steady"], "effect": [0.1]})
    band = build_status_band(history, "agents")
    assert list(band.layout.xaxis.range) == ["2026-01-04", "2026-01-18"]
    assert band.data[0].width == 7 * 86_400_000 and band.data[0].offset == -7 * 86_400_000  # the week it reports
    long = pd.concat([one.assign(window_start=date(2025, 6, 1) + pd.Timedelta(days=7 * i)) for i in range(10)])
    assert build_topic_share_figure(long, 3, "agents", "day").layout.xaxis.range is None  # plotly's own, as ever


def test_the_headline_names_the_most_specific_movers_once() -> None:
    """A rising research line inside a steady area shows, with its area; an area whose lines rise is not repeated
    by them; an area that rises with no line of its own rising shows as the area."""
    from dataclasses import replace

    from papertrends.report.pages import headline

    def topic(t: int, level: str, parent: int | None, label: str) -> dict:
        return {"topic_id": t, "level": level, "parent_id": parent, "label": label, "size": 5,
                "top_terms": [(label, 1.0)], "representative": [], "status": "steady",
                "centroid": np.zeros(2)}  # fmt: skip

    topics = pd.DataFrame([topic(0, "topic", None, "vision"), topic(1, "topic", None, "agents"),
                           topic(2, "topic", None, "robots"), topic(10, "subtopic", 0, "video generation"),
                           topic(11, "subtopic", 0, "segmentation"),
                           topic(12, "subtopic", 1, "agent memory")])  # fmt: skip
    moves = {0: ("topic", "steady", 0.1), 1: ("topic", "rising", 2.0), 2: ("topic", "rising", 1.0),
             10: ("subtopic", "rising", 0.8), 11: ("subtopic", "steady", 0.0),
             12: ("subtopic", "rising", 1.5)}  # fmt: skip
    trends = pd.DataFrame([{"topic_id": t, "level": lv, "label": topics.set_index("topic_id").loc[t, "label"],
                            "status": st, "effect": e, "p_value": 0.001, "q_value": 0.01,
                            "since": date(2025, 4, 28) if t == 12 else None}
                           for t, (lv, st, e) in moves.items()])  # fmt: skip
    box = headline(replace(_data(), topics=topics, trends=trends))["rising"]
    assert [r["label"] for r in box] == ["agent memory", "video generation", "robots"]
    assert box[0]["since"] == "2025-04-28" and box[1]["since"] is None  # since when it rises, where known
    assert box[1]["area"] == "vision" and box[1]["href"] == "topics/0.html#line-10"
    assert box[2]["area"] is None and box[2]["href"] == "topics/2.html"
