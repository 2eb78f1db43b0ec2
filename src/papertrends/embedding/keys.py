"""The embedding cache's key: what a vector means, never how it was computed.

A vector is the model's reading of a text: the key names the model, the longest input it reads and the text
recipe. It does not name the runtime or its arithmetic: sentence-transformers in fp32 and OpenVINO in bf16, f32 or
int8 with activations quantised per token as it runs (`[embedding] precision`) agree at a mean cosine >= 0.999
(tests/test_embed.py holds them to it; int8 0.99928, min 0.99876 on 6,141 abstracts) and give topics that agree at
the stability bar (docs/stability.md), so they share one cache, and a database moved between a CPU with bf16 and
one without re-embeds nothing. A quantised model whose vectors fall under 0.999 (onnx-int8, activations scaled
per batch: 0.9978; openvino-int8, scales calibrated ahead of time: 0.9974) is another model and is cached apart.
Which runtime computed a vector is kept beside it as provenance.
"""

from __future__ import annotations

from papertrends.config import EmbeddingConfig
from papertrends.embedding.text import TEXT_RECIPE

# backend -> the model variant it computes ("": the model's own reading, at any precision that keeps 0.999)
MODEL_VARIANT = {"st-fp32": "", "openvino": "", "onnx-int8": "+int8-dynamic-v2", "openvino-int8": "+int8-static-v1"}


def embedding_key(config: EmbeddingConfig) -> str:
    """`all-MiniLM-L6-v2/len256/title-abstract-v1`: a pure function of the config."""
    return f"{config.model}{MODEL_VARIANT[config.backend]}/len{config.max_seq_length}/{TEXT_RECIPE}"
