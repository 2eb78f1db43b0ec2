"""Phrases that rise or fall across topics: "agent" rising in six topics is a finding of its own. Pure.

Each phrase of the vocabulary (1-3-grams of titles and abstracts, stop words out, in at least `MIN_PAPERS` papers)
gets the topics' trend test: a weighted least-squares regression of its share of each digest's papers on time over
the trailing `window_days`, variance from the residuals, p-values Benjamini-Hochberg corrected across phrases. A
phrase's topics are those holding at least `SPREAD_SHARE` of its papers.

A reader wants research terms, once each. So a significant phrase is reported as moving only when it names
something: its papers gather in one area at least `MIN_LIFT` times as much as the area's share of all papers
(boilerplate such as "new avenues" or "meticulously curated" spreads like the corpus does), more than chance
would gather them (a binomial test in each area, Bonferroni across the areas, under `GATHERED`: a phrase in 20
papers spread at random over 16 areas has a largest-area lift near 3), and it is no fragment of a link ("data
https") nor only numbers ("14b", "2025").

A research term's status in the table is what this week's report says of it: its status in the last week of the
weekly history (`term_weeks.phrase_history`: emerging by the step test, rising or fading by the trailing year's
slope, a flag kept under twice alpha once given), so the table and the history never disagree; the `q_value`
column stays the trailing year's test across every phrase. Without a weekly history yet (too few dense weeks),
the trailing year's test alone gives it.

Variants are one line: phrases that are the same words up to a plural ("world model", "world models"), or a
longer phrase whose papers lie mostly within a shorter one's ("video world models" in "world models"), are listed
under the one with the most papers, in `variants`. A shorter phrase lists a longer one only when it is about as
specific (its lift at least `AS_SPECIFIC` times the longer one's): "reinforcement learning verifiable rewards" is
not hidden under "learning", nor "vision language action" under "action".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse, stats

from papertrends import frames
from papertrends.config import TrendsConfig, VectorizerConfig
from papertrends.phrase_counts import MIN_PAPERS, PhraseCounts, count_phrases
from papertrends.term_weeks import phrase_history, since, this_week

COLUMNS = list(frames.TERM_TRENDS)
HISTORY_COLUMNS = list(frames.TERM_HISTORY)
SPREAD_SHARE = 0.1  # a topic holding this much of a phrase's papers is one it spreads over
MIN_LIFT = 2.0  # a phrase's papers gather in one area at least this much more than all papers do
GATHERED = 0.01  # ... and chance would gather them so in some area with at most this probability
WITHIN = 0.8  # a longer phrase with this share of its papers inside a shorter one's is its variant
AS_SPECIFIC = 0.8  # ... when the shorter one's lift is at least this share of the longer one's
LINK_WORDS = frozenset({"http", "https", "www", "com", "github", "org", "io", "html"})


def _stem(term: str) -> str:
    """The phrase with each word's plural 's' taken off: 'world models' and 'world model' meet."""
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in term.split())


def lifts(x: sparse.csc_matrix, topic_of: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """For each phrase column: the share of its assigned papers in its largest area over that area's share of all
    assigned papers (1: spread as the corpus is)."""
    counts, base = _area_counts(x, topic_of, columns)
    held = counts.sum(axis=1)
    top = counts.argmax(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = counts[np.arange(len(columns)), top] / held / np.maximum(base[top], 1e-9)
    return np.where(held > 0, out, 1.0)


def gathering_chance(x: sparse.csc_matrix, topic_of: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """For each phrase column: the chance that some area would hold as many of its assigned papers as one does,
    were they spread as all papers are (the smallest binomial tail over the areas, times the areas; at most 1)."""
    counts, base = _area_counts(x, topic_of, columns)
    if not counts.size:
        return np.ones(len(columns))
    tail = stats.binom.sf(counts - 1, counts.sum(axis=1, keepdims=True), base[None, :])
    return np.minimum(tail.min(axis=1) * len(base), 1.0)


def research_terms(x: sparse.csc_matrix, terms: np.ndarray, topic_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(which phrases name something, their lifts): in at least `MIN_PAPERS` papers, gathered in one area (a lift
    of `MIN_LIFT` that chance would give under `GATHERED`), no link fragment and not only numbers."""
    columns = np.arange(len(terms))
    lift = lifts(x, topic_of, columns)
    words = [str(t).split() for t in terms]
    link = np.array([bool(set(w) & LINK_WORDS) for w in words], dtype=bool)
    numbers = np.array([all(any(c.isdigit() for c in word) for word in w) for w in words], dtype=bool)
    n_papers = np.asarray(x.sum(axis=0)).ravel()
    named = (lift >= MIN_LIFT) & ~link & ~numbers & (n_papers >= MIN_PAPERS)
    named[named] = gathering_chance(x, topic_of, columns[named]) < GATHERED
    return named, lift


def _area_counts(x: sparse.csc_matrix, topic_of: np.ndarray, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(phrases x areas: each phrase column's assigned papers in each area, each area's share of all assigned
    papers)."""
    assigned = topic_of >= 0
    if not assigned.any() or not len(columns):
        return np.zeros((len(columns), 0)), np.zeros(0)
    base = np.bincount(topic_of[assigned]) / assigned.sum()
    area = sparse.csr_matrix((np.ones(int(assigned.sum())), (np.flatnonzero(assigned), topic_of[assigned])),
                             shape=(x.shape[0], len(base)))  # fmt: skip
    return np.asarray((x[:, columns].T @ area).todense()), base


def merge_variants(
    terms: np.ndarray, x: sparse.csc_matrix, moving: np.ndarray, status: np.ndarray, lift: np.ndarray
) -> dict[int, int]:
    """Moving phrase column -> the column it is listed under (itself, or the variant with the most papers)."""
    cols = [int(j) for j in np.flatnonzero(moving)]
    size = {j: x[:, j].nnz for j in cols}
    owner = {j: j for j in cols}

    def root(j: int) -> int:
        while owner[j] != j:
            j = owner[j]
        return j

    def join(a: int, b: int) -> None:
        a, b = root(a), root(b)
        if a != b:
            keep, drop = (a, b) if (size[a], -a) >= (size[b], -b) else (b, a)
            owner[drop] = keep

    by_stem: dict[tuple[str, str], int] = {}
    for j in cols:
        key = (_stem(str(terms[j])), str(status[j]))
        if key in by_stem:
            join(j, by_stem[key])
        else:
            by_stem[key] = j
    padded = {j: f" {_stem(str(terms[j]))} " for j in cols}
    for j in cols:  # a longer phrase mostly inside a shorter one that it contains
        for k in cols:
            if k == j or status[k] != status[j] or padded[k] == padded[j] or padded[k] not in padded[j]:
                continue
            if lift[k] < AS_SPECIFIC * lift[j]:
                continue  # a generic word does not stand for the research term that contains it
            inside = len(np.intersect1d(x[:, j].indices, x[:, k].indices, assume_unique=True))
            if inside >= WITHIN * size[j]:
                join(j, k)
    return {j: root(j) for j in cols}


def term_trends(
    papers: pd.DataFrame,
    sightings: pd.DataFrame,
    assignments: pd.DataFrame,
    config: TrendsConfig,
    vectorizer: VectorizerConfig,
) -> pd.DataFrame:
    """`phrase_trends`' table alone."""
    return phrase_trends(papers, sightings, assignments, config, vectorizer)[0]


def phrase_trends(
    papers: pd.DataFrame,
    sightings: pd.DataFrame,
    assignments: pd.DataFrame,
    config: TrendsConfig,
    vectorizer: VectorizerConfig,
    counted: PhraseCounts | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per tested phrase: status (rising, fading, steady), effect (percentage points of papers per 30
    days) and relative effect (that change as a share of its mean share), p and q values, papers using it, the
    first digest listing one of them, the topics it spreads over, and since when its weekly flags say so; and the
    research terms' weekly statuses (`term_weeks.phrase_history`: every phrase that names something, as each
    week's report would have said it). `counted`: these papers' phrase counts, counted ahead
    (`phrase_counts.count_phrases`); taken only when they are of these very papers and sightings."""
    empty = pd.DataFrame(columns=COLUMNS), pd.DataFrame(columns=HISTORY_COLUMNS)
    if counted is None or not counted.fits(papers, sightings, config, vectorizer):
        counted = count_phrases(papers, sightings, config, vectorizer)
    if counted is None:
        return empty
    c = counted
    first = np.argmax(c.counts > 0, axis=0)
    n_papers = np.asarray(c.x.sum(axis=0)).ravel().astype(int)
    significant = (c.q < config.alpha) & (n_papers >= MIN_PAPERS)
    topic_of = papers["paper_id"].map(assignments.set_index("paper_id")["topic_id"]).fillna(-1).to_numpy(int)
    research, lift = research_terms(c.x, c.terms, topic_of)
    history = phrase_history(c.counts[:, research], c.totals, c.when, c.terms[research], config)
    tested = np.where(significant & research, np.where(c.effect > 0, "rising", "fading"), "steady")
    status = this_week(history, c.terms, c.when.max().date(), tested)
    direction = np.where(status == "emerging", "rising", status)  # "world model" emerging, "world models" rising
    variants = _listed_once(merge_variants(c.terms, c.x, status != "steady", direction, lift), c.terms, status)
    spread = _spread(c.x, topic_of, status)
    table = pd.DataFrame(
        {
            "term": c.terms, "status": status, "effect": np.round(c.effect * 100, 4),
            "relative": np.round(c.effect / np.maximum(c.mean_share, 1e-9), 4), "p_value": c.p, "q_value": c.q,
            "papers": n_papers, "first_seen": list(c.when[first].date),
            "n_topics": [len(s) for s in spread], "topic_ids": [" ".join(map(str, s)) for s in spread],
            "variants": ["; ".join(sorted(variants.get(j, []))) for j in range(len(c.terms))],
            "lift": np.round(lift, 3),
        }
    )  # fmt: skip
    table["since"] = since(history, table.set_index("term")["status"], c.when.max().date()).to_numpy()
    table = table.sort_values(["status", "effect", "term"], ascending=[True, False, True], ignore_index=True)
    return table, history


def _listed_once(listed_under: dict[int, int], terms: np.ndarray, status: np.ndarray) -> dict[int, list[str]]:
    """Each listed phrase column -> its variants' phrases; a variant's own status becomes steady, since it is
    reported under the phrase it is listed with (`status` is changed in place)."""
    variants: dict[int, list[str]] = {}
    for j, k in listed_under.items():
        if j != k:
            variants.setdefault(k, []).append(str(terms[j]))
            status[j] = "steady"  # listed under its variant
    return variants


def _spread(x: sparse.csc_matrix, topic_of: np.ndarray, status: np.ndarray) -> list[list[int]]:
    """For each phrase column that moves: the topics holding at least `SPREAD_SHARE` of its assigned papers (none
    for a steady phrase)."""
    spread: list[list[int]] = []
    for j in range(len(status)):
        if status[j] == "steady":
            spread.append([])
            continue
        held = topic_of[x[:, j].indices]
        held = held[held >= 0]
        ids, n = np.unique(held, return_counts=True)
        spread.append(sorted(int(t) for t in ids[n >= SPREAD_SHARE * max(len(held), 1)]))
    return spread
