"""What the phrase layer reads that no topic changes: each paper's phrases, each digest day's count of them, and the
trailing year's slope test of every phrase. Pure.

It is most of the phrase layer's time (profiled on a day added at 46k papers: 6.6 of its 10.9 s, the tokens,
n-grams, the days' counts and the slopes) and needs only the papers' words and the days they were listed, so the
update flow counts it in a thread while the new papers are embedded in another process (`flows/update.py`), and
the analysis takes it when it is of the very papers, sightings and settings it analyses with (`PhraseCounts.fits`);
otherwise it counts them itself.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd
from scipy import sparse

from papertrends.config import TrendsConfig, VectorizerConfig
from papertrends.slopes import slopes
from papertrends.trends import benjamini_hochberg

MIN_PAPERS = 20  # a phrase in fewer papers is not tested


@dataclass(frozen=True)
class PhraseCounts:
    """The papers x phrases matrix (1 where a paper uses a phrase) and the phrases; per digest day in date order,
    each phrase's papers listed that day (`counts`), the day's papers (`totals`) and the days (`when`); and over the
    trailing `window_days`, each phrase's slope (`effect`, share per day), its p and BH q values and its mean share.
    `key`: the papers, sightings and settings counted with (`fingerprint`)."""

    key: str
    x: sparse.csc_matrix
    terms: np.ndarray
    counts: np.ndarray
    totals: np.ndarray
    when: pd.DatetimeIndex
    effect: np.ndarray
    p: np.ndarray
    q: np.ndarray
    mean_share: np.ndarray

    def fits(
        self, papers: pd.DataFrame, sightings: pd.DataFrame, config: TrendsConfig, vectorizer: VectorizerConfig
    ) -> bool:
        """Whether these are the counts of `papers` (in their order, with their texts) listed as `sightings` say,
        counted with these settings (the trend window, the stop words)."""
        return self.key == fingerprint(papers, sightings, config, vectorizer)


def fingerprint(
    papers: pd.DataFrame, sightings: pd.DataFrame, config: TrendsConfig, vectorizer: VectorizerConfig
) -> str:
    """A hash of the settings the counts read (`window_days`, the stop words), of the papers (ids and texts, in
    order) and of the sightings (day and paper, in order). A paper's text
    is its `text_hash` where the frame has one (`identity.text_hash` of its title and abstract, as the store keeps
    it: hashing 46k abstracts again costs 0.2 s), else its title and abstract."""
    texts = ["text_hash"] if "text_hash" in papers else ["title", "abstract"]
    digest = hashlib.sha256(repr((config.window_days, vectorizer.stop_words)).encode())
    for frame in (papers[["paper_id", *texts]], sightings[["digest_date", "paper_id"]]):
        digest.update(pd.util.hash_pandas_object(frame.astype(str), index=False).to_numpy().tobytes())
    return digest.hexdigest()


def count_phrases(
    papers: pd.DataFrame, sightings: pd.DataFrame, config: TrendsConfig, vectorizer: VectorizerConfig
) -> PhraseCounts | None:
    """The phrase counts of `papers` listed as `sightings` say (the dated ones: what the trend tests read); None
    when there is nothing to test (no paper, no phrase in enough papers, fewer than 4 days in the window)."""
    if papers.empty or sightings.empty:
        return None
    from papertrends.vectorizer import phrase_matrix  # scikit-learn: imported when run, not with this module

    texts = (papers["title"].fillna("") + ". " + papers["abstract"].fillna("")).tolist()
    try:
        x, terms = phrase_matrix(texts, vectorizer.stop_words, min(MIN_PAPERS, max(2, len(texts) // 2)))
    except ValueError:  # no phrase in enough papers
        return None
    counts, totals, when = digest_counts(papers, sightings, x)
    window = (when >= when.max() - timedelta(days=config.window_days)) & (totals > 0)
    if window.sum() < 4:
        return None
    offsets = (when[window] - when[window].min()).days.to_numpy(dtype=float)
    shares = counts[window] / totals[window, None]
    effect, p = slopes(offsets, shares, totals[window])
    mean_share = (totals[window] / totals[window].sum()) @ shares
    return PhraseCounts(fingerprint(papers, sightings, config, vectorizer), x, terms, counts, totals, when, effect, p,
                        benjamini_hochberg(p), mean_share)  # fmt: skip


def digest_counts(
    papers: pd.DataFrame, sightings: pd.DataFrame, x: sparse.csc_matrix
) -> tuple[np.ndarray, np.ndarray, pd.DatetimeIndex]:
    """Per digest day (in date order): each phrase's papers listed that day (days x phrases), the day's papers in
    all, and the days. A paper listed twice on one day counts once."""
    row_of = {p: i for i, p in enumerate(papers["paper_id"])}
    seen = sightings.drop_duplicates(["paper_id", "digest_date"])
    seen = seen[seen["paper_id"].isin(row_of)]
    dates = pd.to_datetime(seen["digest_date"])
    days = sorted(dates.unique())
    day_of = {d: i for i, d in enumerate(days)}
    listing = sparse.csr_matrix(
        (np.ones(len(seen)), (dates.map(day_of).to_numpy(), seen["paper_id"].map(row_of).to_numpy())),
        shape=(len(days), x.shape[0]),
    )
    counts = np.asarray((listing @ x).todense(), dtype=float)  # digests x phrases
    totals = np.asarray(listing.sum(axis=1)).ravel()
    return counts, totals, pd.DatetimeIndex(days)
