"""Topics: BERTopic over an ensemble of UMAP layouts with a consensus of their HDBSCAN clusters, in two levels.

- `neighbors`: exact cosine neighbours;
- `backends`: umap-learn and hdbscan, or cuML on a GPU;
- `ensemble`: the members' layouts (BERTopic's reduction step);
- `consensus`: the clusters most members agree on, refined on the vectors (BERTopic's clustering step);
- `levels`: subtopics grouped into top-level topics, centroids, map positions;
- `terms`: c-TF-IDF terms and labels;
- `sizes`: the settings that scale with the corpus;
- `model`: `TopicModel`, the estimator the analysis fits.
"""

from papertrends.topics.backends import reduction_and_clustering
from papertrends.topics.levels import Level, centroids
from papertrends.topics.model import OUTLIER, TopicModel
from papertrends.topics.neighbors import exact_neighbors, most_similar
from papertrends.topics.sizes import FitSizes, fit_sizes
from papertrends.topics.terms import build_ctfidf, build_vectorizer, make_label, topic_terms

__all__ = [
    "OUTLIER",
    "FitSizes",
    "Level",
    "TopicModel",
    "build_ctfidf",
    "build_vectorizer",
    "centroids",
    "exact_neighbors",
    "fit_sizes",
    "make_label",
    "most_similar",
    "reduction_and_clustering",
    "topic_terms",
]
