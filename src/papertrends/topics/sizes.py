"""Settings that depend on the corpus's size, by one documented rule.

A constant tuned for 6,000 papers gives 2 topics for 360 papers and hundreds for 50,000. papertrends scales
with the square root of the number of papers N (the README's "Topics: sizes" section, tested at 300, 3,000 and
30,000 papers):

- The smallest area (`[topics] area_size`): max(5, round(sqrt(N) / 2)): 10 at 366 papers, 39 at 6,141, 87 at
  30,000. Areas of that size come out at about sqrt(N) / 2.8 (7 at 366, 27 at 6,141).
- At most sqrt(N) / 5 areas, at least 6 (`[topics] top_level_topics`): 6 at 366 papers, 16 at 6,141, 20 at
  10,000, 35 at 30,000. The consensus finds clusters at an area's grain (27 on hf-daily-api); where it finds more
  than that, k-means runs group them (levels.group_topics). Grouped areas held better across runtimes and noise
  than the clusters themselves (ARI at least 0.926 against 0.901 over six pairs of fits, docs/stability.md).
- The smallest research line (`[hdbscan] min_cluster_size`, inside an area): max(5, round(sqrt(N) / 6.5)): 5 at
  366 papers, 12 at 6,141, 15 at 10,000, 27 at 30,000; on hf-daily-api that gives 77 lines for 6,141 papers, about
  100 for 10,000.
- UMAP's `n_neighbors` stays 15 (a local notion, not a size), fewer only for a corpus smaller than that.
- Each member's UMAP runs 500 optimisation epochs up to 2,000 papers and 200 above (`[umap] n_epochs = "auto"`).
  The epochs are most of a fit's time (35 of 47 s on hf-daily-api at 500): at 6,141 papers 200 epochs agreed
  across runtimes, noise and seeds as 500 did over all pairs, in 28 s a fit instead of 48 (docs/stability.md); on
  the 360 sample papers, where 500 epochs cost under a second a member, placed papers agreed less with a refit at
  200 (31 of 54 against 35). Sizes between were not measured. UMAP's own rule is 500 up to 10,000 papers.

A number in the config (`[hdbscan] min_cluster_size = 12`, `[topics] area_size = 40`, `[umap] n_epochs = 500`)
wins over the rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from papertrends.config import Settings

SMALLEST = 5  # no cluster of fewer papers, whatever the corpus
AREA_ROOT, LINE_ROOT = 2.0, 6.5  # sqrt(N) divided by these: the smallest area, the smallest research line
AREAS_ROOT, FEWEST_AREAS = 5.0, 6  # at most sqrt(N) / 5 areas, and never fewer than 6 for that
EPOCHS_SMALL, EPOCHS, SMALL = 500, 200, 2_000  # UMAP epochs per member: 500 up to 2,000 papers, 200 above


@dataclass(frozen=True, slots=True)
class FitSizes:
    n_neighbors: int
    min_cluster_size: int  # a research line's
    area_size: int
    top_level_topics: int  # the most areas
    n_epochs: int | None  # each member's UMAP optimisation; None: UMAP's own


def fit_sizes(settings: Settings, n: int) -> FitSizes:
    """The size-dependent settings for a corpus of `n` papers."""
    root = math.sqrt(max(n, 1))
    line, area, top = settings.hdbscan.min_cluster_size, settings.topics.area_size, settings.topics.top_level_topics
    epochs = settings.umap.n_epochs
    return FitSizes(
        n_neighbors=min(settings.umap.n_neighbors, max(2, n - 1)),
        min_cluster_size=max(SMALLEST, round(root / LINE_ROOT)) if line == "auto" else int(line),
        area_size=max(SMALLEST, round(root / AREA_ROOT)) if area == "auto" else int(area),
        top_level_topics=max(FEWEST_AREAS, round(root / AREAS_ROOT)) if top == "auto" else int(top),
        n_epochs=(EPOCHS_SMALL if n <= SMALL else EPOCHS) if epochs == "auto" else epochs,
    )
