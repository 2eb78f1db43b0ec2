"""The embedding cache: a vector per (text hash, what the vector means), with the runtime that computed it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from papertrends.embedding.text import embedding_text
from papertrends.store.database import Database


class EmbeddingCache(Database):
    """Vectors by text hash and cache key (`embedding.keys`)."""

    def missing_embeddings(self, model_id: str) -> list[tuple[str, str]]:
        """(text_hash, text) of every paper whose current text has no vector for `model_id`."""
        rows = self.db.execute(
            """SELECT DISTINCT p.text_hash, p.title, p.abstract FROM papers p
               ANTI JOIN embeddings e ON e.text_hash = p.text_hash AND e.model_id = ?
               ORDER BY p.text_hash""",
            [model_id],
        ).fetchall()
        return [(h, embedding_text(t, a)) for h, t, a in rows]

    def save_embeddings(self, model_id: str, hashes: Sequence[str], vectors: np.ndarray, backend: str) -> None:
        """Vectors under their cache key `model_id`, with the runtime that computed them (`backend`)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        frame = pd.DataFrame(
            {
                "text_hash": list(hashes),
                "model_id": model_id,
                "dim": vectors.shape[1],
                "vector": [v.tobytes() for v in vectors],
                "backend": backend,
            }
        )
        with self.transaction():
            self._insert("embeddings", frame)

    def corpus(self, model_id: str) -> tuple[pd.DataFrame, np.ndarray]:
        """Every paper with its embedding, in paper_id order: the documents a fit sees."""
        rows = self.db.execute(
            """SELECT p.paper_id, p.title, p.abstract, p.text_hash, p.published, p.arxiv_id, p.organization, e.dim,
                      e.vector
               FROM papers p JOIN embeddings e ON e.text_hash = p.text_hash AND e.model_id = ?
               ORDER BY p.paper_id""",
            [model_id],
        ).fetchall()
        frame = pd.DataFrame(
            [r[:7] for r in rows],
            columns=["paper_id", "title", "abstract", "text_hash", "published", "arxiv_id", "organization"],
        )
        dim = rows[0][7] if rows else 0
        matrix = np.frombuffer(b"".join(r[8] for r in rows), dtype=np.float32).reshape(len(rows), dim)
        return frame, matrix
