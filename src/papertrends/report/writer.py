"""Turns a run's results into the report folder: pages, exports, and plotly.js once per folder.

    reports/index.html            the latest run: headline, shares over time, topic map, topic table, changes
    reports/topics/<id>.html      one page per topic
    reports/data/*.csv            topics, prevalence, trends, trend_history (each week's status), term_trends
    reports/runs/index.html       every run, newest first
    reports/runs/<run>/...        each run's own pages and exports, as they were
    reports/assets/               plotly.js, the figures' template and the report's script, shared by every page

Each page is computed and rendered once and written twice (the latest run's pages, and its copy under runs/), with
only the links back to the folder's root differing. Every file is written to a temporary name and renamed into
place, and a run's folder is built aside and renamed whole, so a browser or a copy job never sees half a report.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from papertrends import frames
from papertrends.faults import crash_point
from papertrends.files import atomic_write
from papertrends.records import ReportInput
from papertrends.report.figures import TEMPLATE
from papertrends.report.pages import index_context, index_figures, runs_context, topic_context

TOPIC_COLUMNS = ["topic_id", "label", "top_terms", "size", "parent_id", "status", "first_seen", "last_seen", "level"]
PREVALENCE_COLUMNS = list(frames.PREVALENCE)
TREND_COLUMNS = ["topic_id", "level", "label", "status", "effect", "p_value", "q_value", "window", "since"]
HISTORY_COLUMNS = ["as_of", "topic_id", "label", "status", "effect", "q_value", "since"]
TERM_COLUMNS = list(frames.TERM_TRENDS)


def _safe_json(value: object) -> Markup:
    """JSON that is safe inside a <script> element: no '<', '>' or '&' survives as such."""
    from plotly.utils import PlotlyJSONEncoder

    text = json.dumps(value, cls=PlotlyJSONEncoder, separators=(",", ":"), sort_keys=True)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def figure_json(fig: go.Figure) -> Markup:
    """A figure as JSON for a page, without its template: the page draws it with the shared one (`ensure_assets`).

    Read trace by trace: `Figure.to_plotly_json` would write the figures' numpy arrays as base64 ("bdata"), and the
    pages, their tests and their readers take plain JSON lists."""
    spec = {"data": [trace.to_plotly_json() for trace in fig.data], "layout": fig.layout.to_plotly_json()}
    spec["layout"].pop("template", None)
    return _safe_json(spec)


def ensure_assets(folder: Path) -> dict[str, str]:
    """plotly.js, the figures' template and the report's script, written once into `folder/assets`; returns
    their paths in it."""
    import plotly
    import plotly.io as pio
    from plotly.offline import get_plotlyjs

    template = f"window.PT_TEMPLATE = {_safe_json(pio.templates[TEMPLATE].to_plotly_json())};\n"
    stamp = hashlib.sha256(template.encode()).hexdigest()[:12]
    names = {"plotly": f"assets/plotly-{plotly.__version__}.min.js", "template": f"assets/template-{stamp}.js",
             "script": "assets/papertrends.js"}  # fmt: skip
    if not (folder / names["plotly"]).exists():
        atomic_write(folder / names["plotly"], get_plotlyjs())
    if not (folder / names["template"]).exists():
        atomic_write(folder / names["template"], template)
    script = files("papertrends.report").joinpath("static/papertrends.js").read_text(encoding="utf-8")
    target = folder / names["script"]
    if not target.exists() or target.read_text(encoding="utf-8") != script:
        atomic_write(target, script)
    return names


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("papertrends.report", "templates"),
        autoescape=select_autoescape(["html"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda v, digits=1: f"{100 * float(v):.{digits}f}%"
    env.filters["signed"] = lambda v: f"{float(v):+.2f}"
    return env


def exports(data: ReportInput) -> dict[str, pd.DataFrame]:
    """topics.csv, prevalence.csv, trends.csv, trend_history.csv, term_trends.csv (the rising and fading
    phrases) and term_history.csv (the weeks each research term was flagged), with the columns the README
    documents."""
    topics = data.topics.assign(
        top_terms=data.topics["top_terms"].map(lambda ts: " | ".join(t for t, _ in ts)),
        parent_id=data.topics["parent_id"].map(lambda p: "" if p is None or pd.isna(p) else int(p)),
    )
    labels = dict(zip(data.topics["topic_id"], data.topics["label"], strict=True))
    history = data.trend_history.assign(label=data.trend_history.get("topic_id", pd.Series(dtype=int)).map(labels))
    return {
        "topics": topics.reindex(columns=TOPIC_COLUMNS),
        "prevalence": data.prevalence.reindex(columns=PREVALENCE_COLUMNS),
        "trends": data.trends.reindex(columns=TREND_COLUMNS),
        "trend_history": history.reindex(columns=HISTORY_COLUMNS),
        "term_trends": data.term_trends.reindex(columns=TERM_COLUMNS),
        "term_history": data.term_history.reindex(columns=list(frames.TERM_HISTORY)),
    }


@dataclass(frozen=True)
class Page:
    """One page, computed: where it goes, its template, its context and its figures' JSON."""

    path: str  # relative to the folder it is written to
    template: str
    context: Mapping[str, object]
    figures: Mapping[str, Markup]


def run_pages(data: ReportInput) -> list[Page]:
    """Every page of one run, topic pages first and index.html last (see `write_pages`)."""
    pages = []
    for topic_id in data.top_level["topic_id"]:
        context, figures = topic_context(data, int(topic_id))
        pages.append(Page(f"topics/{int(topic_id)}.html", "topic.html", context,
                          {k: figure_json(f) for k, f in figures.items()}))  # fmt: skip
    figures = {k: figure_json(f) for k, f in index_figures(data).items()}
    pages.append(Page("index.html", "index.html", index_context(data), figures))
    return pages


def _page(env: Environment, page: Page, root: str, assets: Mapping[str, str]) -> str:
    root = "../" * page.path.count("/") + root
    return env.get_template(page.template).render(
        root=root, assets={k: root + v for k, v in assets.items()}, figures=page.figures, **page.context
    )


@dataclass(frozen=True)
class Rendered:
    """Pages rendered once, with a marker where the way back to the report folder goes: it differs between the
    latest run's pages and their copy under runs/, and nothing else does. The marker is drawn afresh for each
    report, so no text of a page (a title, a label) can hold it."""

    marker: str
    texts: Mapping[str, str]  # page path -> text

    @classmethod
    def of(cls, pages: list[Page], env: Environment, assets: Mapping[str, str]) -> Rendered:
        marker = f"@root-{secrets.token_hex(8)}@"
        return cls(marker, {page.path: _page(env, page, marker, assets) for page in pages})

    def at(self, path: str, root: str) -> str:
        """The page at `path` for a folder whose way back to the report folder is `root`."""
        return self.texts[path].replace(self.marker, root)


def write_pages(target: Path, csvs: Mapping[str, str], pages: Rendered, root: str) -> list[Path]:
    """One run's pages and exports (`csvs`: each export's text) under `target`; `root` leads from `target` back
    to the report folder.

    index.html is written last: until then the previous index, and what it links to, stand as they were."""
    written = []
    paths = list(pages.texts)
    for path in paths[:-1]:
        atomic_write(target / path, pages.at(path, root))
        written.append(target / path)
        if root == "":
            crash_point("report")  # half-way through the latest pages
    for name, text in csvs.items():
        atomic_write(target / "data" / f"{name}.csv", text)
    index = paths[-1]
    atomic_write(target / index, pages.at(index, root))
    written.append(target / index)
    return written


def remove_leftovers(folder: Path) -> None:
    """Temporary files and half-built run folders that a killed run left behind."""
    for tmp in folder.rglob(".*.tmp"):
        tmp.unlink(missing_ok=True)
    for staging in (folder / "runs").glob(".run-*") if (folder / "runs").exists() else []:
        shutil.rmtree(staging, ignore_errors=True)


def write_report(folder: Path, data: ReportInput, *, keep_runs: int = 20) -> Path:
    """Write the latest run's pages at the top of `folder`, its own copy under runs/, and the runs index."""
    folder.mkdir(parents=True, exist_ok=True)
    remove_leftovers(folder)
    assets = ensure_assets(folder)
    env = _environment()
    run_id = data.run.run_id
    runs = folder / "runs"
    runs.mkdir(exist_ok=True)
    staging = runs / f".run-{run_id}-{secrets.token_hex(6)}"
    staging.mkdir(mode=0o777)  # less the umask, as any folder: tempfile.mkdtemp's 0700 would hide it from others
    pages = Rendered.of(run_pages(data), env, assets)
    csvs = {name: frame.to_csv(index=False) for name, frame in exports(data).items()}  # the run's copy and the top's
    try:
        write_pages(staging, csvs, pages, "../../")
        final = runs / str(run_id)
        if final.exists():
            shutil.rmtree(final)
        staging.rename(final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    kept = sorted((int(p.name) for p in runs.iterdir() if p.is_dir() and p.name.isdigit()), reverse=True)
    for old in kept[keep_runs:]:
        shutil.rmtree(runs / str(old), ignore_errors=True)
    listed = data.runs[data.runs["run_id"].isin(kept[:keep_runs])] if not data.runs.empty else data.runs
    context = runs_context(ReportInput(**{**data.__dict__, "runs": listed}))
    atomic_write(runs / "index.html", _page(env, Page("index.html", "runs.html", context, {}), "../", assets))
    topic_dir = folder / "topics"
    current = {str(int(t)) for t in data.top_level["topic_id"]}
    for stale in topic_dir.glob("*.html") if topic_dir.exists() else []:
        if stale.stem not in current:
            stale.unlink()  # a topic that is gone keeps its page in the runs that had it
    write_pages(folder, csvs, pages, "")
    return folder / "index.html"
