"""Settings that depend on the corpus's size, by one documented rule.

A constant tuned for 6,000 papers gives 2 topics for 360 papers and hundreds for 50,000. papertrends scales
with the square root of the number of papers N (the README's "Topics: sizes" section, tested at 300, 3,000 and
30,000 papers):

- HDBSCAN's `min_cluster_size` (the smallest subtopic): max(5, round(sqrt(N) / 2)): 9 at 360 papers, 38 at
  5,800, 87 at 30,000. Leaf clusters of that size come out at about sqrt(N) / 2.7 subtopics (7 at 360, 28 at
  5,800, 64 at 30,000): more papers, more and larger subtopics.
- The number of top-level topics: sqrt(N) / 10, at least 8 and at most 30: 8 up to about 7,000 papers, 17 at
  30,000, 30 from 90,000.
- UMAP's `n_neighbors` stays 15 (a local notion, not a size), fewer only for a corpus smaller than that.

A number in the config (`[hdbscan] min_cluster_size = 40`, `[topics] top_level_topics = 12`) wins over the rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from papertrends.config import Settings

MIN_TOP_LEVEL, MAX_TOP_LEVEL = 8, 30


@dataclass(frozen=True, slots=True)
class FitSizes:
    n_neighbors: int
    min_cluster_size: int
    top_level_topics: int


def fit_sizes(settings: Settings, n: int) -> FitSizes:
    """The size-dependent settings for a corpus of `n` papers."""
    root = math.sqrt(max(n, 1))
    mcs = settings.hdbscan.min_cluster_size
    top = settings.topics.top_level_topics
    return FitSizes(
        n_neighbors=min(settings.umap.n_neighbors, max(2, n - 1)),
        min_cluster_size=max(5, round(root / 2)) if mcs == "auto" else int(mcs),
        top_level_topics=min(MAX_TOP_LEVEL, max(MIN_TOP_LEVEL, round(root / 10))) if top == "auto" else int(top),
    )
