"""One run's analysis, with no I/O: `analyse(inputs, settings)` takes what the store loaded up front
(`Store.analysis_inputs`: papers, vectors, sightings, the last run's topics and weeks) and returns the `Analysis`
the store saves after (`Store.save_analysis`). Inside: a pure function decides what to do with the topics
(`decide`); they are reused, placed into (`place`) or fitted anew (`fit`); then prevalence, trends and each week's
status are measured (`measure`).
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from papertrends.analysis.decide import decide
from papertrends.analysis.fit import refit
from papertrends.analysis.place import place_new_papers
from papertrends.analysis.rules import corpus_hash, documents, with_user_labels
from papertrends.config import Settings
from papertrends.phrase_counts import PhraseCounts, count_phrases
from papertrends.prevalence import WINDOWS, prevalence, prevalence_by_published
from papertrends.records import Analysis, AnalysisInputs, Decision, EarlierTrends, Fitted, PreviousRun, no_events
from papertrends.terms import phrase_trends
from papertrends.trends import history_and_table, history_key, trend_table

__all__ = ["Analysis", "AnalysisInputs", "analyse", "corpus_hash", "count_phrases_ahead", "decide", "documents",
           "measure"]  # fmt: skip


def reused(papers: pd.DataFrame, previous: PreviousRun) -> Fitted:
    """The last completed run's topics as they are (its fit's figures, but no id retention: no id moved)."""
    metrics = replace(previous.metrics, id_retention=None, placed_papers=None, reused_run=previous.run_id)
    return Fitted(Decision.REUSE, papers, previous.topics, previous.assignments, no_events(), metrics,
                  previous.fitted_papers)  # fmt: skip


def analyse(inputs: AnalysisInputs, settings: Settings, *, force: bool = False) -> Analysis:
    """Reuse, place into or refit the topics over every paper, then measure prevalence and trends."""
    papers, previous, t = inputs.papers, inputs.previous, settings.topics
    chash = corpus_hash(papers["text_hash"].tolist(), settings.fit_hash())
    decision = decide(previous, chash, papers["paper_id"].tolist(), settings.fit_hash(), t.refit_share, force=force)
    if decision is Decision.REUSE and previous is not None:
        fitted = reused(papers, previous)
    elif decision is Decision.PLACE and previous is not None:
        fitted = place_new_papers(papers, inputs.embeddings, previous, t.outlier_quantile)
    else:
        fitted = fit_anew(inputs, settings)
    return measure(replace(fitted, topics=with_user_labels(fitted.topics, t.labels)), chash, inputs.sightings,
                   settings, inputs.earlier, inputs.phrases)  # fmt: skip


def fit_anew(inputs: AnalysisInputs, settings: Settings) -> Fitted:
    """A fit over every paper, ids carried over from the previous run; scored for coherence with `[topics] evaluate`
    (the topics a reader sees: bench/compare.py scores BERTopic's own clusters against them)."""
    docs = documents(inputs.papers)
    fitted = refit(inputs.papers, inputs.embeddings, docs, inputs.previous, inputs.next_topic_id, settings)
    if not settings.topics.evaluate:
        return fitted
    from papertrends.quality import evaluate

    top = fitted.topics[fitted.topics["level"] == "topic"]
    quality = evaluate({"topics": {int(r.topic_id): [w for w, _ in r.top_terms] for r in top.itertuples()}}, docs)
    return replace(fitted, metrics=replace(fitted.metrics, quality=quality))


def line_assignments(assignments: pd.DataFrame, topics: pd.DataFrame) -> pd.DataFrame:
    """The assignments with each paper's research line as its topic (-1 outside a listed line): what prevalence
    and the trend tests read to measure the lines as they measure the areas."""
    listed = set(topics.loc[topics["level"] == "subtopic", "topic_id"])
    return assignments.assign(topic_id=assignments["subtopic_id"].where(assignments["subtopic_id"].isin(listed), -1))


def subtopic_trends(
    assignments: pd.DataFrame, sightings: pd.DataFrame, topics: pd.DataFrame, settings: Settings
) -> pd.DataFrame:
    """Each research line's status by the areas' test on its own share of each digest, corrected across lines: a
    line inside an area (video generation inside image generation) can emerge while its area does not."""
    listed = set(topics.loc[topics["level"] == "subtopic", "topic_id"])
    if not listed:
        return pd.DataFrame(columns=["topic_id", "status", "first_seen", "last_seen"])
    table = trend_table(prevalence(line_assignments(assignments, topics), sightings, "day"), settings.trends)
    return table[table["topic_id"].isin(listed)]


def _per_level(earlier: EarlierTrends | None, window: str) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """One level's part of the last run's weeks: its `window` rows of daily prevalence and their topics' history."""
    if earlier is None:
        return None
    mine = earlier.daily[earlier.daily["window"] == window]
    return mine.drop(columns="window"), earlier.history[earlier.history["topic_id"].isin(set(mine["topic_id"]))]


def count_phrases_ahead(papers: pd.DataFrame, sightings: pd.DataFrame, settings: Settings) -> PhraseCounts | None:
    """The phrase counts `measure` will read for `papers` (every paper of the store, in paper_id order) and the
    store's `sightings`: what can be counted before the papers' vectors are there."""
    return count_phrases(papers, dated(sightings), settings.trends, settings.vectorizer)


def dated(sightings: pd.DataFrame) -> pd.DataFrame:
    """The sightings a trend may rest on: those whose digest states its own date (`certain`), or all of them when
    none does (a folder of files dated only by their times still has a history, all of it equally uncertain)."""
    if "certain" not in sightings or not sightings["certain"].any():
        return sightings
    return sightings[sightings["certain"].astype(bool)]


def measure(
    fitted: Fitted,
    chash: str,
    sightings: pd.DataFrame,
    settings: Settings,
    earlier: EarlierTrends | None = None,
    phrases: PhraseCounts | None = None,
) -> Analysis:
    """Prevalence per digest date, week, month and publication month; each topic's trend and status.
    `earlier`: the last run's daily prevalence and status history, whose unchanged weeks are not computed again.
    The charts show every sighting; the trend tests read only the `dated` ones, so a file dated by its time alone
    (a copy or a checkout sets it) never makes a topic emerge. `phrases`: the phrase counts of these papers and
    dated sightings, counted ahead (`count_phrases_ahead`); counted here when they are not of them."""
    assignments = fitted.assignments
    lined = line_assignments(assignments, fitted.topics)
    windows = [prevalence(assignments, sightings, w) for w in WINDOWS]
    # The research lines' shares sit beside the areas' under windows of their own (`line-day`, `line-week`), so
    # that nothing summing a window's topics counts a paper twice.
    line_windows = [prevalence(lined, sightings, w).assign(window=f"line-{w}") for w in ("day", "week")]
    shares = pd.concat([*windows, prevalence_by_published(assignments, fitted.papers), *line_windows],
                       ignore_index=True)  # fmt: skip
    tested = dated(sightings)
    daily = shares[shares["window"] == "day"] if tested is sightings else prevalence(assignments, tested, "day")
    line_daily = line_windows[0].assign(window="day") if tested is sightings else prevalence(lined, tested, "day")
    history, trends = history_and_table(daily, settings.trends, _per_level(earlier, "day"))
    line_history, lines = history_and_table(line_daily, settings.trends, _per_level(earlier, "line-day"))
    lines = lines[lines["topic_id"].isin(set(fitted.topics.loc[fitted.topics["level"] == "subtopic", "topic_id"]))]
    history = pd.concat([history, line_history], ignore_index=True)
    topics = fitted.topics.drop(columns=[c for c in ("status", "first_seen", "last_seen") if c in fitted.topics])
    both = pd.concat([trends.assign(level="topic"), lines.assign(level="subtopic")], ignore_index=True)
    topics = topics.merge(both[["topic_id", "status", "first_seen", "last_seen"]], on="topic_id", how="left")
    labels = dict(zip(topics["topic_id"], topics["label"], strict=True))
    trends = both.assign(label=both["topic_id"].map(labels))
    terms, term_history = phrase_trends(fitted.papers, tested, assignments, settings.trends, settings.vectorizer,
                                        phrases)  # fmt: skip
    return Analysis(chash, fitted.papers, topics, assignments, shares, trends, fitted.events, fitted.metrics,
                    fitted.decision, fitted.fitted_papers, history, terms, history_key(settings.trends),
                    term_history)  # fmt: skip
