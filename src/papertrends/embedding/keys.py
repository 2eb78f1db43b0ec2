"""The embedding cache's key: what a vector means, never how it was computed.

A vector is the model's reading of a text: the key names the model, the longest input it reads and the text
recipe. It does not name the runtime or its arithmetic: sentence-transformers in fp32 and OpenVINO in bf16 or f32
run the same weights and agree at cosine >= 0.999 (tests/test_embed.py holds them to it), so they share one cache,
and a database moved between a CPU with bf16 and one without re-embeds nothing. A quantised model is another
model (its vectors agree at about 0.998) and is cached apart. Which runtime computed a vector is kept beside it
as provenance.
"""

from __future__ import annotations

from papertrends.config import EmbeddingConfig
from papertrends.embedding.text import TEXT_RECIPE

# backend -> the model variant it computes ("": the model's own weights, at any precision that keeps 0.999)
MODEL_VARIANT = {"st-fp32": "", "openvino": "", "onnx-int8": "+int8-dynamic-v2", "openvino-int8": "+int8-static-v1"}


def embedding_key(config: EmbeddingConfig) -> str:
    """`all-MiniLM-L6-v2/len256/title-abstract-v1`: a pure function of the config."""
    return f"{config.model}{MODEL_VARIANT[config.backend]}/len{config.max_seq_length}/{TEXT_RECIPE}"
