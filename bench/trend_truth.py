"""Checks papertrends' statuses against a truth it did not make: when research lines rose, from the abstracts' words.

    python bench/trend_truth.py [--corpus ../shared/data/hf-daily-api] [--json docs/bench-trend-truth.json]

The research lines and their phrases were chosen before looking at papertrends' output on this data. For each
line, its weekly share of the digests' papers (a paper counts in each week it is listed, as prevalence does) is
searched for a rising change point (PELT, as a topic's share is, against the segment before it: `onset_of`):
that week is the line's onset, found from the words alone, without the topic model. Then papertrends is run as a
user would (the default config over the whole folder), and for each line:

- its topic: the top-level topic holding most of the line's papers (and how much of them it holds);
- the first week, from 8 weeks before the onset on, that the topic's status history (as each week's report would
  have said it) calls it emerging or rising; the lag is that week minus the onset (negative: flagged before);
- detected: flagged within 13 weeks of the onset.

False alarms: a topic's first emerging week is a false alarm when the papers using its own words (at least 2 of
its 5 best c-TF-IDF terms in title + abstract) did not rise around it: their weekly share in the 8 weeks either
side is under 1.3 times the half year before, or not significantly above it (Welch's t-test, p < 0.05). Each flag
also says whether the test can judge it (`judged`: those windows inside the data); the summary's `*_judged` pairs
are (flags judged, false alarms among them), beside the counts over every flag.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

# Chosen before looking at papertrends' output; matched case-insensitively in title + abstract (every pattern of a
# line must match). The first seven were chosen in round two; the rest were added on 2026-12-06 from the lines the
# issue names and the themes of the digests' year, each with why a reader follows it, before any run of the new model.
LINES = {
    "agents": (r"\bagent(s|ic)?\b",),
    "RL for reasoning (GRPO...)": (r"\bgrpo\b|\brlvr\b|reinforcement learning|\brl\b", r"reason"),
    "VLA / embodied": (r"vision[- ]language[- ]action|\bvlas?\b|\bembodied\b",),
    "video generation": (r"video generation|text-to-video|video diffusion|video synthesis",),
    "state-space models": (r"state[- ]space model|\bmamba\b|\bssms?\b",),
    "mixture of experts": (r"mixture[- ]of[- ]experts|\bmoe\b",),
    "diffusion language models": (r"diffusion language model|masked diffusion|\bdllms?\b|discrete diffusion",),
    "agent memory": (r"\bagent", r"\bmemory\b"),  # agents that remember across sessions
    "GUI / computer-use agents": (r"\bgui\b|graphical user interface|computer[- ]use|web agents?\b|mobile agents?\b",),
    "deep research": (r"deep research|research agents?\b",),  # agents that search and write reports
    "world models": (r"\bworld models?\b",),
    "speculative decoding": (r"speculative decoding|speculative sampling|draft model",),
    "3D Gaussian splatting": (r"gaussian splatting|\b3dgs\b",),
    "KV-cache compression": (r"\bkv[- ]?cache",),
    "code generation / SWE agents": (r"code generation|swe-bench|software engineering|coding agents?|code agents?",),
    "image editing": (r"image editing|instruction-based editing|image manipulation",),
    "retrieval-augmented generation": (r"retrieval[- ]augmented|\brag\b",),
    "reward models / preference optimisation": (r"reward models?\b|\brlhf\b|preference optimi[sz]ation|\bdpo\b",),
    "multimodal reasoning": (r"multimodal|vision[- ]language|\bmllms?\b|\blvlms?\b", r"reason"),
    "speech and audio generation": (r"text-to-speech|\btts\b|speech synthesis|audio generation|music generation",),
    "quantisation": (r"quantiz(ation|ed|e)\b|low-bit",),
    "test-time scaling": (r"test[- ]time (scaling|compute)",),
    "long context": (r"long[- ]context",),
    "hallucination": (r"hallucinat",),
}
# Why a reader follows each line (written with the patterns, before any output of the research-line model).
REASONS = {
    "agents": "the year's largest theme: LLMs that act with tools",
    "RL for reasoning (GRPO...)": "DeepSeek-R1's recipe: reinforcement learning for reasoning, from early 2025",
    "VLA / embodied": "vision-language-action models for robots",
    "video generation": "text-to-video models (Sora and its followers)",
    "state-space models": "Mamba and other alternatives to attention",
    "mixture of experts": "sparse models of every large lab",
    "diffusion language models": "text by denoising instead of left to right",
    "agent memory": "agents that remember across sessions: named by the issue",
    "GUI / computer-use agents": "agents that operate screens, browsers and phones",
    "deep research": "agents that search and write reports",
    "world models": "models that predict environments: 1% to 7% of a month's papers (the issue)",
    "speculative decoding": "faster decoding with a draft model",
    "3D Gaussian splatting": "the 3D representation that replaced NeRFs",
    "KV-cache compression": "serving long contexts in less memory",
    "code generation / SWE agents": "models that write and fix code, SWE-bench",
    "image editing": "instruction-based image editing models",
    "retrieval-augmented generation": "grounding answers in retrieved documents",
    "reward models / preference optimisation": "RLHF, DPO and the reward models behind them",
    "multimodal reasoning": "reasoning over images and video by MLLMs",
    "speech and audio generation": "text-to-speech and music models",
    "quantisation": "low-bit weights and activations",
    "test-time scaling": "spending more compute at inference",
    "long context": "models that read very long inputs",
    "hallucination": "measuring and reducing made-up content",
}
WINDOW_BEFORE = timedelta(weeks=8)
DETECTED_WITHIN = timedelta(weeks=13)


def cpu_name() -> str:
    out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    return next((ln.split(":", 1)[1].strip() for ln in out.splitlines() if ln.startswith("Model name")), "?")


def weekly_share(mask: pd.Series, sightings: pd.DataFrame) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray]:
    """Per ISO week: papers listed that match, and papers listed."""
    seen = sightings.drop_duplicates(["paper_id", "digest_date"]).copy()
    day = pd.to_datetime(seen["digest_date"])
    seen["week"] = (day - pd.to_timedelta(day.dt.day_of_week, unit="D")).dt.normalize()
    seen["hit"] = seen["paper_id"].map(mask).fillna(False).astype(bool)
    grouped = seen.groupby("week")["hit"].agg(["sum", "count"])
    return pd.DatetimeIndex(grouped.index), grouped["sum"].to_numpy(float), grouped["count"].to_numpy(float)


def onset_of(mask: pd.Series, sightings: pd.DataFrame) -> pd.Timestamp | None:
    """The line's onset from its words: the last change point of its weekly share (PELT, as papertrends finds
    them) after which the share is at least twice that of the segment before it, at p < 0.01. This is the truth's
    own rule, kept as it was when the lines were written down (2026-12-06) whatever the product's rule becomes:
    papertrends now compares a rise with all of a topic's past, and the truth must not move with it."""
    from papertrends.changes import MIN_SEGMENT, RISE, rise_p, segment_bounds

    weeks, n, total = weekly_share(mask, sightings)
    keep = total > 0
    weeks, n, total = weeks[keep], n[keep], total[keep]
    if len(n) < 2 * MIN_SEGMENT or n.sum() == 0:
        return None
    bounds = segment_bounds(n / total)
    index = np.arange(len(n))
    for k in range(len(bounds) - 2, 0, -1):
        before = (index >= bounds[k - 1]) & (index < bounds[k])
        after = (index >= bounds[k]) & (index < bounds[k + 1])
        rate_before, rate_after = n[before].sum() / total[before].sum(), n[after].sum() / total[after].sum()
        if rate_after >= RISE * max(rate_before, 1e-9) and rate_after > rate_before:
            return weeks[bounds[k]] if rise_p(n, total, after, before) < 0.01 else None
    return None


def matches(papers: pd.DataFrame, patterns: tuple[str, ...]) -> pd.Series:
    text = (papers["title"].fillna("") + " " + papers["abstract"].fillna("")).str.lower()
    hit = np.ones(len(papers), dtype=bool)
    for pattern in patterns:
        hit &= text.str.contains(pattern, regex=True).to_numpy()
    return pd.Series(hit, index=papers["paper_id"].to_numpy())


def run_papertrends(corpus: Path, work: Path) -> tuple[object, pd.DataFrame, float]:
    """A default run over the folder, vectors preloaded from the test cache where it has them."""
    from conftest import CACHE, preload_embeddings
    from papertrends.config import load_settings
    from papertrends.embedding import make_embedder
    from papertrends.ingest import read_snapshots
    from papertrends.pipeline import run_once
    from papertrends.store import open_store

    settings = load_settings(ROOT / "config" / "papertrends.toml")
    embedder = make_embedder(settings.embedding)
    db = work / "t.duckdb"
    cache = CACHE / "hf-daily-embeddings.npz"
    if cache.exists():
        data = np.load(cache)
        vectors = dict(zip(data["hashes"].tolist(), data["vectors"], strict=True))
        preload_embeddings(db, (str(data["model_id"]), vectors))
    start = time.perf_counter()
    with open_store(db) as store:
        _, result = run_once(store, settings, embedder, read_snapshots(corpus))
        sightings = store.sightings()
    return result, sightings, time.perf_counter() - start


def first_flag(history: pd.DataFrame, topic_id: int, after: pd.Timestamp) -> pd.Timestamp | None:
    mine = history[(history["topic_id"] == topic_id) & history["status"].isin(["emerging", "rising"])]
    when = pd.to_datetime(mine["as_of"])
    when = when[when >= after]
    return when.min() if len(when) else None


def moved(mask: pd.Series, sightings: pd.DataFrame, flag: pd.Timestamp) -> tuple[bool, float]:
    """Whether the matching papers' weekly share around a flag (8 weeks either side) rose above the half year
    before it: at least 1.3 times, Welch's t-test p < 0.05. Returns (moved, ratio)."""
    from papertrends.changes import welch_greater

    weeks, n, total = weekly_share(mask, sightings)
    share = n / np.maximum(total, 1)
    after = (weeks >= flag - WINDOW_BEFORE) & (weeks <= flag + WINDOW_BEFORE)
    before = (weeks >= flag - WINDOW_BEFORE - timedelta(weeks=26)) & (weeks < flag - WINDOW_BEFORE)
    if before.sum() < 4 or after.sum() < 4:
        return False, float("nan")
    ratio = float(share[after].mean() / max(share[before].mean(), 1e-9))
    return ratio >= 1.3 and welch_greater(share[after], share[before]) < 0.05, ratio


def judged(span: tuple[pd.Timestamp, pd.Timestamp], flag: pd.Timestamp) -> bool:
    """Whether the words test's windows around a flag lie inside the data: the half year before and the 8 weeks
    either side. A flag in the data's last 8 weeks has no weeks after it to rise in, and one in its first 34 weeks
    no half year before it: the test cannot tell a false alarm there from a true one."""
    return bool(flag - WINDOW_BEFORE - timedelta(weeks=26) >= span[0] and flag + WINDOW_BEFORE <= span[1])


def data_span(sightings: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first and last digest day: what `judged` compares a flag with."""
    days = pd.to_datetime(sightings["digest_date"])
    return days.min(), days.max()


def false_alarms(
    result: object, sightings: pd.DataFrame, history: pd.DataFrame | None = None
) -> tuple[int, int, list[dict[str, object]]]:
    """(topics ever emerging, false alarms, every flag): a topic's first emerging week is a false alarm when the
    papers using its own words (at least 2 of its 5 best c-TF-IDF terms) did not rise around it. `history`: another
    weekly status history of the run's topics or subtopics (default: the run's own, of its topics)."""
    history = result.trend_history if history is None else history  # type: ignore[attr-defined]
    papers = result.papers  # type: ignore[attr-defined]
    terms = {int(r.topic_id): [w for w, _ in list(r.top_terms)[:5]] for r in result.topics.itertuples()}  # type: ignore[attr-defined]
    text = (papers["title"].fillna("") + " " + papers["abstract"].fillna("")).str.lower()
    flags, span = [], data_span(sightings)
    for topic_id, rows in history[history["status"] == "emerging"].groupby("topic_id"):
        words = terms.get(int(topic_id), [])
        hits = sum(text.str.contains(r"\b" + re.escape(w) + r"\b", regex=True).to_numpy().astype(int) for w in words)
        mask = pd.Series(np.asarray(hits) >= 2, index=papers["paper_id"].to_numpy())
        first = pd.Timestamp(rows["as_of"].min())
        rose, ratio = moved(mask, sightings, first)
        flags.append({"topic_id": int(topic_id), "words": words, "first_flag": str(first.date()),
                      "words_ratio": round(ratio, 2), "false": not rose,
                      "judged": judged(span, first)})  # fmt: skip
    return len(flags), sum(f["false"] for f in flags), flags


def subtopic_flags(result: object, sightings: pd.DataFrame, rows: list[dict[str, object]],
                   masks: dict[str, pd.Series]) -> pd.DataFrame:  # fmt: skip
    """The same check one level down: the subtopic holding most of the line's papers, and the first week that the
    topics' test on its own share (every subtopic's weekly status, corrected across subtopics, from the digests up
    to that week) calls it emerging or rising. A run reports each subtopic's status on its own day; this is what
    weekly runs would have said. Adds `subtopic`, `sub_held`, `sub_first_flag`, `sub_lag_days`, `sub_detected`;
    returns that weekly history."""
    from papertrends.config import load_settings
    from papertrends.prevalence import prevalence
    from papertrends.trends import status_history

    topics, assignments = result.topics, result.assignments  # type: ignore[attr-defined]
    listed = set(topics.loc[topics["level"] == "subtopic", "topic_id"])
    labels = dict(zip(topics["topic_id"], topics["label"], strict=True))
    sub = assignments["subtopic_id"].where(assignments["subtopic_id"].isin(listed), -1)
    daily = prevalence(assignments.assign(topic_id=sub), sightings, "day")
    history = status_history(daily, load_settings(ROOT / "config" / "papertrends.toml").trends)
    held_by = pd.Series(sub.to_numpy(), index=assignments["paper_id"].to_numpy())
    for r in rows:
        mask = masks[str(r["line"])]
        held = held_by[held_by.index.isin(mask[mask].index)]
        held = held[held >= 0]
        subtopic = int(held.mode().iloc[0]) if len(held) else None
        onset = pd.Timestamp(r["onset"]) if r["onset"] else None
        flag = (
            first_flag(history, subtopic, onset - WINDOW_BEFORE) if subtopic is not None and onset is not None else None
        )
        lag = (flag - onset).days if flag is not None and onset is not None else None
        r.update({"subtopic": f"{subtopic}: {labels.get(subtopic, '')}" if subtopic is not None else None,
                  "sub_held": round(float((held == subtopic).mean()), 2) if subtopic is not None else None,
                  "sub_first_flag": str(flag.date()) if flag is not None else None, "sub_lag_days": lag,
                  "sub_detected": lag is not None and lag <= DETECTED_WITHIN.days})  # fmt: skip
    return history


def best_topic(mask: pd.Series, result: object) -> tuple[str, int | None, float]:
    """The topic, at either level, whose papers best match the line's: (level, id, F1)."""
    topics, assignments = result.topics, result.assignments.set_index("paper_id")  # type: ignore[attr-defined]
    line = mask[mask].index
    best: tuple[str, int | None, float] = ("", None, 0.0)
    for level, column in (("topic", "topic_id"), ("subtopic", "subtopic_id")):
        held = assignments[column]
        held = held[held.isin(set(topics.loc[topics["level"] == level, "topic_id"]))]
        sizes, inside = held.value_counts(), held[held.index.isin(line)].value_counts()
        for t, k in inside.items():
            f1 = 2 * k / (sizes[t] + len(line))
            if f1 > best[2]:
                best = (level, int(t), float(f1))
    return best


def research_lines(result: object, sightings: pd.DataFrame, rows: list[dict[str, object]],
                   sub_history: pd.DataFrame) -> None:  # fmt: skip
    """Per line: the best-matching topic at any level (F1), whether a moving phrase names it, and the first week the
    best topic's level's weekly history flags it from 8 weeks before the onset, and the onset it said then. Adds
    `best`, `f1`, `phrases`, `best_first_flag`, `best_lag_days`, `flagged_30`, `said_since`, `said_error_days`."""
    papers, terms = result.papers, result.term_trends  # type: ignore[attr-defined]
    labels = dict(zip(result.topics["topic_id"], result.topics["label"], strict=True))  # type: ignore[attr-defined]
    moving = terms[terms["status"].isin(["rising", "emerging", "fading"])] if len(terms) else terms
    for r in rows:
        patterns = LINES[str(r["line"])]
        level, topic, f1 = best_topic(matches(papers, patterns), result)
        named = [t for t, v in zip(moving.get("term", []), moving.get("variants", []), strict=True)
                 if any(all(re.search(p, s) for p in patterns) for s in [str(t), *str(v).split("; ")])]  # fmt: skip
        onset = pd.Timestamp(r["onset"]) if r["onset"] else None
        history = result.trend_history if level == "topic" else sub_history  # type: ignore[attr-defined]
        flag = first_flag(history, topic, onset - WINDOW_BEFORE) if topic is not None and onset is not None else None
        lag = (flag - onset).days if flag is not None and onset is not None else None
        said = None  # the onset papertrends gave with that first flag ("rising since ...", "emerging since ...")
        if flag is not None:
            at = history[(history["topic_id"] == topic) & (pd.to_datetime(history["as_of"]) == flag)]
            said = pd.Timestamp(at["since"].iloc[0]) if len(at) and pd.notna(at["since"].iloc[0]) else None
        r.update(
            {
                "said_since": str(said.date()) if said is not None else None,
                "said_error_days": (said - onset).days if said is not None and onset is not None else None,
            }
        )
        by_phrase = phrase_flag(result, patterns, onset)
        phrase_lag = (by_phrase[0] - onset).days if by_phrase is not None and onset is not None else None
        r.update({"reason": REASONS[str(r["line"])],
                  "best": f"{'area' if level == 'topic' else 'line'} {topic}: {labels.get(topic, '')}",
                  "f1": round(f1, 2), "phrases": named[:3], "best_first_flag": str(flag.date()) if flag else None,
                  "best_lag_days": lag, "topic_flagged_30": lag is not None and lag <= 30,
                  "phrase_first_flag": str(by_phrase[0].date()) if by_phrase else None,
                  "phrase_flagged": by_phrase[1] if by_phrase else None, "phrase_lag_days": phrase_lag,
                  "flagged_30": any(x is not None and x <= 30 for x in (lag, phrase_lag))})  # fmt: skip


def phrase_flag(
    result: object, patterns: tuple[str, ...], onset: pd.Timestamp | None
) -> tuple[pd.Timestamp, str] | None:
    """The first week, from 8 weeks before the onset on, that the run's weekly history of research terms
    (`term_history`: as each week's report would have said it) calls a phrase naming the line emerging or rising,
    and that phrase."""
    history = result.term_history  # type: ignore[attr-defined]
    if onset is None or history.empty:
        return None
    up = history[history["status"].isin(["emerging", "rising"])]
    up = up[[all(re.search(p, str(t)) for p in patterns) for t in up["term"]]]
    up = up[pd.to_datetime(up["as_of"]) >= onset - WINDOW_BEFORE]
    if up.empty:
        return None
    first = up.sort_values(["as_of", "term"]).iloc[0]
    return pd.Timestamp(first["as_of"]), str(first["term"])


def phrase_false_alarms(result: object, sightings: pd.DataFrame) -> tuple[int, int, list[dict[str, object]]]:
    """(research terms ever flagged rising or emerging, false alarms, every first flag): the words test of
    `false_alarms` on the papers using the phrase (as `vectorizer.phrase_matrix` counts them)."""
    from papertrends.vectorizer import phrase_matrix

    history, papers = result.term_history, result.papers  # type: ignore[attr-defined]
    up = history[history["status"].isin(["emerging", "rising"])]
    if up.empty:
        return 0, 0, []
    texts = (papers["title"].fillna("") + ". " + papers["abstract"].fillna("")).tolist()
    x, terms = phrase_matrix(texts, "english", 20)
    column = {str(t): j for j, t in enumerate(terms)}
    flags, span = [], data_span(sightings)
    for term, rows in up.groupby("term"):
        uses = np.zeros(len(papers), dtype=bool)
        uses[x[:, column[str(term)]].indices] = True
        first = pd.Timestamp(rows["as_of"].min())
        rose, ratio = moved(pd.Series(uses, index=papers["paper_id"].to_numpy()), sightings, first)
        by = str(rows.loc[pd.to_datetime(rows["as_of"]) == first, "status"].iloc[0])  # the step test or the slope
        flags.append({"term": str(term), "first_flag": str(first.date()), "status": by,
                      "words_ratio": round(ratio, 2), "false": not rose,
                      "judged": judged(span, first)})  # fmt: skip
    return len(flags), sum(f["false"] for f in flags), flags


def replayed(args: argparse.Namespace, rows: list[dict[str, object]], masks: dict[str, pd.Series]) -> None:
    """The same check on what a replay of scheduled runs reported: at each step, the topic holding most of the
    line's papers that step had, and its status that step. Adds `replay_first_flag` and `replay_lag_days`."""
    from conftest import CACHE, preload_embeddings
    from papertrends.backtest import backtest
    from papertrends.config import load_settings

    flags: dict[str, pd.Timestamp] = {}
    onsets = {r["line"]: pd.Timestamp(r["onset"]) for r in rows if r["onset"]}

    def on_step(as_of: object, result: object) -> None:
        when = pd.Timestamp(as_of)
        held_by = result.assignments.set_index("paper_id")["topic_id"]  # type: ignore[attr-defined]
        status = result.trends.set_index("topic_id")["status"]  # type: ignore[attr-defined]
        for line, mask in masks.items():
            onset = onsets.get(line)
            if line in flags or onset is None or when < onset - WINDOW_BEFORE:
                continue
            held = held_by[held_by.index.isin(mask[mask].index)]
            held = held[held >= 0]
            if len(held) and status.get(int(held.mode().iloc[0])) in ("emerging", "rising"):
                flags[line] = when

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "cache.duckdb"
        data = np.load(CACHE / "hf-daily-embeddings.npz")
        preload_embeddings(
            db, (str(data["model_id"]), dict(zip(data["hashes"].tolist(), data["vectors"], strict=True)))
        )
        settings = load_settings(ROOT / "config" / "papertrends.toml").with_overrides(
            snapshots={"folder": args.corpus}, store={"path": db}
        )
        start = time.perf_counter()
        steps, _ = backtest(settings, pd.Timestamp(args.start).date(), args.backtest, on_step=on_step)
        seconds = time.perf_counter() - start
    print(f"backtest: {len(steps)} steps every {args.backtest} in {seconds:.0f} s")
    for r in rows:
        flag = flags.get(str(r["line"]))
        r["replay_first_flag"] = str(flag.date()) if flag is not None else None
        r["replay_lag_days"] = (flag - onsets[str(r["line"])]).days if flag is not None else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "data" / "hf-daily-api")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--backtest", choices=("week", "month"), help="also replay the history (papertrends backtest)"
                        " and check the statuses each step reported with that step's own topics")  # fmt: skip
    parser.add_argument("--from", dest="start", default="2024-07-31", help="the backtest's first step")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result, sightings, seconds = run_papertrends(args.corpus, Path(tmp))
    papers, history = result.papers, result.trend_history
    assignments = result.assignments.set_index("paper_id")["topic_id"]
    labels = dict(zip(result.topics["topic_id"], result.topics["label"], strict=True))
    rows = []
    for line, patterns in LINES.items():
        mask = matches(papers, patterns)
        onset = onset_of(mask, sightings)
        held = assignments[assignments.index.isin(mask[mask].index)]
        held = held[held >= 0]
        topic = int(held.mode().iloc[0]) if len(held) else None
        flag = first_flag(history, topic, onset - WINDOW_BEFORE) if topic is not None and onset is not None else None
        lag = (flag - onset).days if flag is not None and onset is not None else None
        rows.append({
            "line": line, "papers": int(mask.sum()), "onset": str(onset.date()) if onset is not None else None,
            "topic": f"{topic}: {labels.get(topic, '')}" if topic is not None else None,
            "held": round(float((held == topic).mean()), 2) if topic is not None else None,
            "first_flag": str(flag.date()) if flag is not None else None, "lag_days": lag,
            "detected": lag is not None and lag <= DETECTED_WITHIN.days,
        })  # fmt: skip
    sub_history = subtopic_flags(
        result, sightings, rows, {line: matches(papers, patterns) for line, patterns in LINES.items()}
    )
    research_lines(result, sightings, rows, sub_history)
    n_flags, n_false, false = false_alarms(result, sightings)
    n_sub_flags, n_sub_false, sub_false = false_alarms(result, sightings, sub_history)
    n_phrase_flags, n_phrase_false, phrase_false = phrase_false_alarms(result, sightings)
    if args.backtest:
        replayed(args, rows, {line: matches(papers, patterns) for line, patterns in LINES.items()})
    with_onset = [r for r in rows if r["onset"]]
    summary = {
        "cpu": cpu_name(), "python": platform.python_version(), "run_seconds": round(seconds, 1),
        "papers": len(papers), "topics": int(result.n_topics),
        "lines_with_onset": len(with_onset), "detected": sum(r["detected"] for r in with_onset),
        "detected_by_subtopics": sum(r["sub_detected"] or r["detected"] for r in with_onset),
        "emerging_topics": n_flags, "false_alarms": n_false, "flags": false, "lines": rows,
        "emerging_subtopics": n_sub_flags, "subtopic_false_alarms": n_sub_false, "subtopic_flags": sub_false,
        "research_lines": int(result.n_subtopics), "n_lines": len(rows),
        "covered": sum(r["f1"] >= 0.5 or bool(r["phrases"]) for r in rows),
        "with_topic": sum(r["f1"] >= 0.5 for r in rows),
        "flagged_within_30_days": sum(r["flagged_30"] for r in with_onset),
        "flagged_within_30_days_by_topics": sum(r["topic_flagged_30"] for r in with_onset),
        "phrases_flagged": n_phrase_flags, "phrase_false_alarms": n_phrase_false, "phrase_flags": phrase_false,
        "phrases_first_emerging": sum(f["status"] == "emerging" for f in phrase_false),
        "phrase_false_alarms_first_emerging": sum(f["status"] == "emerging" and f["false"] for f in phrase_false),
        **{f"{name}_judged": [sum(f["judged"] for f in flags), sum(f["judged"] and f["false"] for f in flags)]
           for name, flags in (("topic_flags", false), ("subtopic_flags", sub_false), ("phrase_flags", phrase_false))},
        "onset_said_within_30_days": sum(r["said_error_days"] is not None and abs(r["said_error_days"]) <= 30
                                         for r in with_onset),
    }  # fmt: skip
    print(f"{'line':28s} {'papers':>6s} {'onset':>10s} {'first flag':>10s} {'lag':>5s}  topic (share of line)")
    for r in rows:
        lag = f"{r['lag_days']:+d}" if r["lag_days"] is not None else "-"
        print(f"{r['line']:28s} {r['papers']:6d} {r['onset'] or '-':>10s} {r['first_flag'] or '-':>10s} {lag:>5s}"
              f"  {r['topic']} ({r['held']})")  # fmt: skip
    print("subtopics (the same test on each subtopic's share, week by week): line, first flag, lag, subtopic")
    for r in rows:
        lag = f"{r['sub_lag_days']:+d}" if r["sub_lag_days"] is not None else "-"
        print(f"  {r['line']:28s} {r['sub_first_flag'] or '-':>10s} {lag:>5s}  {r['subtopic']} ({r['sub_held']})")
    if args.backtest:
        print("replayed (each step's own topics and statuses): line, first flag, lag")
        for r in rows:
            lag = f"{r['replay_lag_days']:+d}" if r.get("replay_lag_days") is not None else "-"
            print(f"  {r['line']:28s} {r.get('replay_first_flag') or '-':>10s} {lag:>5s}")
    for level, flags in (("topic", false), ("subtopic", sub_false)):
        for f in flags:
            print(f"  emerging from {f['first_flag']}: {level} {f['topic_id']} ({', '.join(f['words'])}): its words'"
                  f" share x{f['words_ratio']} around it{' (false alarm)' if f['false'] else ''}")  # fmt: skip
    print(
        "\nresearch lines: the best topic at any level (F1), a moving phrase naming it, onset, the topic's first flag"
        " and lag, the first flagged phrase naming it and its lag"
    )
    for r in rows:
        lag = f"{r['best_lag_days']:+d}" if r["best_lag_days"] is not None else "-"
        phrase_lag = f"{r['phrase_lag_days']:+d}" if r["phrase_lag_days"] is not None else "-"
        print(f"  {r['line']:40s} {r['papers']:5d}  {r['best'][:48]:48s} F1 {r['f1']:.2f}  "
              f"{'; '.join(r['phrases'])[:30] or '-':30s} {r['onset'] or '-':>10s} {r['best_first_flag'] or '-':>10s}"
              f" {lag:>5s}  {r['phrase_flagged'] or '-':>24s} {phrase_lag:>5s}")  # fmt: skip
    print(f"covered {summary['covered']} of {len(rows)} (F1 >= 0.5 or a phrase), {summary['with_topic']} by a topic "
          f"of F1 >= 0.5; flagged within 30 days of the onset: {summary['flagged_within_30_days']} of "
          f"{len(with_onset)} by a topic or a phrase ({summary['flagged_within_30_days_by_topics']} by a topic); "
          f"research terms ever flagged rising: {n_phrase_flags}, {n_phrase_false} of them false alarms "
          f"({summary['phrase_false_alarms_first_emerging']} of the {summary['phrases_first_emerging']} first "
          f"flagged by the step test); "
          f"the onset said with the flag within 30 days of the words' onset: "
          f"{summary['onset_said_within_30_days']}; {summary['topics']} areas, "
          f"{summary['research_lines']} research lines")  # fmt: skip
    from papertrends.trends import status_periods, status_story

    summary["stories"] = {f"{t}: {labels[t]}": status_story(status_periods(h)) for t, h in history.groupby("topic_id")}
    print("\nEach topic's status, week by week:")
    for name, story in summary["stories"].items():
        print(f"  {name}\n    {story}")
    print(
        f"detected {summary['detected']} of {len(with_onset)} onsets by topics, {summary['detected_by_subtopics']} by "
        f"topics or subtopics; {n_flags} topics ever emerging, {n_false} of them false alarms; {n_sub_flags} "
        f"subtopics ever emerging, {n_sub_false} false alarms; run {seconds:.0f} s on {summary['cpu']}"
    )
    print("flags the words test can judge (its windows inside the data), and how many of them are false: "
          + "; ".join(f"{k[:-7].replace('_', ' ')} {v[1]} of {v[0]}" for k, v in summary.items()
                      if k.endswith("_judged")))  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1, default=str) + "\n")


if __name__ == "__main__":
    main()
