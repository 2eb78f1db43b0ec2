"""What a run does with its topics: reuse the last fit, place new papers into it, or fit again. A pure function
of what the last completed run left and what the corpus is now."""

from __future__ import annotations

from collections.abc import Collection

from papertrends.records import Decision, PreviousRun


def decide(
    previous: PreviousRun | None,
    corpus: str,
    paper_ids: Collection[str],
    fit_hash: str,
    refit_share: float,
    *,
    force: bool = False,
) -> Decision:
    """REUSE when the corpus hash (papers, texts, fit settings) is the last run's; PLACE when the last fit used
    these settings, no paper left, and the papers placed since that fit, with the new ones, stay under
    `refit_share` of the papers it saw; REFIT otherwise, and always when forced or with no previous run."""
    if previous is None or force:
        return Decision.REFIT
    if previous.corpus_hash == corpus:
        return Decision.REUSE
    fitted = previous.fitted_papers
    if previous.fit_hash != fit_hash or fitted <= 0:
        return Decision.REFIT
    known = set(previous.assignments["paper_id"])
    ids = set(paper_ids)
    if not known <= ids:
        return Decision.REFIT
    new = len(ids - known)
    if new and not len(previous.topics):
        return Decision.REFIT
    placed_before = len(known) - fitted
    return Decision.PLACE if placed_before + new < refit_share * fitted else Decision.REFIT
