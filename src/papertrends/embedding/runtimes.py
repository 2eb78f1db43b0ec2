"""The embedding runtimes, one class each behind one small interface (`Embedder`).

- `SentenceTransformerEmbedder` (`st-fp32`): sentence-transformers itself, fp32: the reference.
- `OpenVinoEmbedder` (`openvino`): the model exported once per machine to ONNX and run by OpenVINO, with no
  torch in the run's memory, in the arithmetic that measuring this machine finds fastest while keeping the vectors
  (`embedding.calibrate`):
  - bf16 where the CPU computes it natively (AVX512-BF16, AMX);
  - int8 where it has int8 dot products (AVX512-VNNI, AVX-VNNI, AMX): the weights stored as int8 and the
    activations quantised per token as it runs (OpenVINO's dynamic quantisation);
  - f32 on every CPU, and where asked.
  They read the same weights and their topics agree at the stability bar (docs/stability.md): one cache.
- `OnnxInt8Embedder` (`onnx-int8`): int8 weights under ONNX Runtime, whose vectors fall under the shared cache's
  bar: another model, cached apart.
- `OpenVinoInt8Embedder` (`openvino-int8`): a statically quantised int8 model (weights and activations, attention
  included) under OpenVINO, whose vectors fall under that bar too: another model, cached apart.

The ONNX runtimes share the tokeniser, the batching and the pooling in `embedding.encoders.TokenEncoder`. The
speed and the cosine to sentence-transformers of each are in docs/benchmarks.md (`bench/embed_speed.py`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

from papertrends.config import EmbeddingConfig
from papertrends.embedding.calibrate import calibrated
from papertrends.embedding.encoders import DYNAMIC_GROUP as DYNAMIC_GROUP  # still importable from here
from papertrends.embedding.encoders import PAD_MULTIPLE as PAD_MULTIPLE  # still importable from here
from papertrends.embedding.encoders import Feed, OpenVinoEncoder, TokenEncoder
from papertrends.embedding.hardware import INT8_DOT_FLAGS as INT8_DOT_FLAGS  # still importable from here
from papertrends.embedding.hardware import PRECISION_ENV, cpu_has_bf16, cpu_has_int8_dot
from papertrends.embedding.hardware import import_openvino as import_openvino  # still importable from here
from papertrends.embedding.keys import embedding_key
from papertrends.embedding.models import EmbeddingError, model_path

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)


class Embedder(Protocol):
    """Texts in, L2-normalised float32 vectors out. `model_id` is the cache key (what the vectors mean);
    `provenance` names the runtime and arithmetic that computed them."""

    model_id: str

    @property
    def provenance(self) -> str: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class SentenceTransformerEmbedder:
    """sentence-transformers on the CPU, fp32, L2-normalised vectors."""

    provenance = "st-fp32"

    def __init__(self, config: EmbeddingConfig) -> None:
        self.config = config
        self.model_id = embedding_key(config)
        self._model: SentenceTransformer | None = None

    def _load(self) -> SentenceTransformer:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            path = model_path(self.config.model)
            import torch
            from sentence_transformers import SentenceTransformer

            if self.config.threads:
                torch.set_num_threads(self.config.threads)
            self._model = SentenceTransformer(str(path), device="cpu")
            self._model.max_seq_length = self.config.max_seq_length
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._load().encode(
            list(texts),
            batch_size=self.config.batch_size,
            show_progress_bar=False,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.asarray(vectors, dtype=np.float32)


def openvino_precision(requested: str, config: EmbeddingConfig | None = None) -> str:
    """The arithmetic OpenVINO runs in: `requested` (f32 | bf16 | int8), or for `auto` the environment's
    PAPERTRENDS_EMBEDDING_PRECISION when set, else what measuring this machine chose (`embedding.calibrate`, with
    `config`; without one, by the CPU's flags: bf16 where it has it natively, else int8 where it has int8 dot
    products, else f32)."""
    choice = requested
    if choice == "auto":
        choice = os.environ.get(PRECISION_ENV, "").strip().lower() or "auto"
    if choice not in ("auto", "f32", "bf16", "int8"):
        raise EmbeddingError(f"{PRECISION_ENV}={choice!r}: use auto, f32, bf16 or int8")
    if choice == "auto" and config is not None:
        return calibrated(config).choice
    if choice == "auto":
        return "bf16" if cpu_has_bf16() else "int8" if cpu_has_int8_dot() else "f32"
    if choice == "bf16" and not cpu_has_bf16():
        log.warning("bf16 embeddings asked for, but this CPU has no native bf16: running f32")
        return "f32"
    return choice


class OpenVinoEmbedder(OpenVinoEncoder):
    """The model under OpenVINO, computed in bf16, f32 or int8 (`[embedding] precision`; for `auto`, what measuring
    this machine chose: `openvino_precision`)."""

    _chosen: str | None = None

    def _precision(self) -> str:
        if self._chosen is None:  # measured once per machine for `auto` (embedding.calibrate), then kept
            self._chosen = openvino_precision(self.config.precision, self.config)
        return self._chosen


class OnnxInt8Embedder(TokenEncoder):
    """Per-channel dynamic int8 weights under ONNX Runtime."""

    onnx_kind = "int8"

    @property
    def provenance(self) -> str:
        return "onnxruntime-int8-dynamic"

    def _compile(self, onnx_file: str, threads: int) -> Callable[[Feed], np.ndarray]:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        session = ort.InferenceSession(onnx_file, options, providers=["CPUExecutionProvider"])
        inputs = [i.name for i in session.get_inputs()]
        return lambda feed: session.run(None, {k: feed[k] for k in inputs})[0]


class OpenVinoInt8Embedder(OpenVinoEmbedder):
    """The statically quantised int8 model (NNCF, `embedding.export`) under OpenVINO; the few operations left in
    floating point run in f32 on every CPU, so every machine computes the same model."""

    onnx_kind = "int8-static"

    @property
    def provenance(self) -> str:
        return "openvino-int8-static"

    def _precision(self) -> str:
        return "f32"


RUNTIMES: dict[str, type[SentenceTransformerEmbedder] | type[TokenEncoder]] = {
    "st-fp32": SentenceTransformerEmbedder,
    "openvino": OpenVinoEmbedder,
    "onnx-int8": OnnxInt8Embedder,
    "openvino-int8": OpenVinoInt8Embedder,
}


def make_embedder(config: EmbeddingConfig) -> Embedder:
    """The runtime `[embedding] backend` names; nothing is loaded until the first `encode`."""
    return RUNTIMES[config.backend](config)
