"""The report writer: scraped text stays text, files are written whole, plotly.js once per folder."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pandas as pd

from papertrends.analysis import Analysis
from papertrends.report import render_report

HOSTILE = '</script><script>alert(1)</script><img src=x onerror=alert(2)> <b>bold</b> <a href="javascript:x">l</a>'


def _data() -> Analysis:
    topics = pd.DataFrame(
        [
            {
                "topic_id": 0,
                "level": "topic",
                "parent_id": None,
                "label": HOSTILE,
                "size": 2,
                "top_terms": [("<script>", 0.5), ("graph", 0.2)],
                "representative": ["p1", "p2"],
                "status": "steady",
            },
        ]
    )
    prevalence = pd.DataFrame(
        [
            {
                "window_start": date(2025, 1, d),
                "window": "day",
                "topic_id": t,
                "n": n,
                "total": 3,
                "share": n / 3,
                "lo": 0.1,
                "hi": 0.9,
                "upvote_share": None,
            }
            for d in (1, 2)
            for t, n in ((-1, 1), (0, 2))
        ]
    )
    papers = pd.DataFrame(
        [
            {"paper_id": "p1", "title": HOSTILE, "arxiv_id": "2501.00001"},
            {"paper_id": "p2", "title": "Plain & simple", "arxiv_id": None},
            {"paper_id": "p3", "title": "Lost", "arxiv_id": None},
        ]
    )
    trends = pd.DataFrame(
        [
            {
                "topic_id": 0,
                "label": HOSTILE,
                "status": "steady",
                "effect": 0.1,
                "p_value": 0.5,
                "q_value": 0.5,
                "window": "2025-01-01..2025-01-02",
            }
        ]
    )
    assignments = pd.DataFrame({"paper_id": ["p1", "p2", "p3"], "topic_id": [0, 0, -1]})
    return Analysis("h", papers, topics, assignments, prevalence, trends, pd.DataFrame())


def test_scraped_text_is_escaped_everywhere(tmp_path: Path) -> None:
    page = render_report(tmp_path, {"run_id": 1, "outlier_share": 1 / 3}, _data()).read_text()
    assert "<script>alert" not in page and "<img" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="javascript' not in page
    assert page.count("<script") == 2  # plotly.js, and the figures
    assert "https://arxiv.org/abs/2501.00001" in page
    figures = re.search(r"var figures = (\{.*?\});\n", page, re.S)
    assert figures is not None
    data = json.loads(figures.group(1))
    names = [trace["name"] for trace in data["fig-prevalence"]["data"]]
    assert any("&lt;script&gt;" in n for n in names)  # plotly shows entities as the literal characters


def test_plotly_js_is_written_once_and_files_are_whole(tmp_path: Path) -> None:
    render_report(tmp_path, {"run_id": 1, "outlier_share": 0.0}, _data())
    render_report(tmp_path, {"run_id": 2, "outlier_share": 0.0}, _data())
    assert len(list((tmp_path / "assets").glob("plotly-*.min.js"))) == 1
    assert not list(tmp_path.rglob("*.tmp"))
    assert (tmp_path / "data" / "topics.csv").exists() and (tmp_path / "data" / "prevalence.csv").exists()
