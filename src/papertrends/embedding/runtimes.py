"""The embedding runtimes, one class each behind one small interface (`Embedder`).

- `SentenceTransformerEmbedder` (`st-fp32`): sentence-transformers itself, fp32: the reference.
- `OpenVinoEmbedder` (`openvino`): the model exported once per machine to ONNX and run by OpenVINO, with no
  torch in the run's memory, in the arithmetic the CPU does fastest while keeping the vectors:
  - bf16 where the CPU computes it natively (AVX512-BF16, AMX): cosine 0.99998 to sentence-transformers, 2.3-2.6x
    its papers/s on 2 Zen 4 cores (bench/embed_speed.py);
  - else int8 where it has int8 dot products (AVX512-VNNI, AVX-VNNI, AMX): the weights stored as int8 and the
    activations quantised per token as it runs (OpenVINO's dynamic quantisation): cosine 0.99928 (min 0.99876 on
    6,141 abstracts), 1.96x f32's papers/s and 2.64x sentence-transformers' on the same Zen 4 cores;
  - else, or when asked, f32.
  They read the same weights and their topics agree at the stability bar (docs/stability.md): one cache.
- `OnnxInt8Embedder` (`onnx-int8`): int8 weights under ONNX Runtime, cosine 0.998: another model, cached apart.
- `OpenVinoInt8Embedder` (`openvino-int8`): a statically quantised int8 model (weights and activations, attention
  included) under OpenVINO, cosine 0.9974: another model, cached apart.

The ONNX runtimes share the tokeniser, the batching (shortest texts first, so batches carry little padding, and
each batch padded to a multiple of `PAD_MULTIPLE` tokens) and the pooling (mean of the token states, L2-normalised)
in `TokenEncoder`.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

from papertrends.config import EmbeddingConfig
from papertrends.embedding.export import onnx_model
from papertrends.embedding.keys import embedding_key
from papertrends.embedding.models import EmbeddingError, mean_pooled, model_path

if TYPE_CHECKING:
    from types import ModuleType

    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

log = logging.getLogger(__name__)

PRECISION_ENV = "PAPERTRENDS_EMBEDDING_PRECISION"

Feed = dict[str, np.ndarray]


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


# Token counts of a batch are rounded up to a multiple of this. The runtime keeps compiled kernels and buffers for
# each input shape it has seen: over hf-daily's abstracts, one shape per token count grew an OpenVINO embedding
# process to 459 MB (int8) / 483 (bf16) / 588 (f32); 354 / 374 / 426 with multiples of 32, as fast or faster
# (2026-11-22, Zen 5, 1,946 abstracts). The padded tokens are masked: cosine to the unpadded vectors 0.999999.
PAD_MULTIPLE = 32


class TokenEncoder:
    """An ONNX encoder's shared half: tokens in (shortest texts first), mean pooling and L2 norm in numpy.

    Subclasses give `provenance` and `_compile`, which returns a function from a feed of token arrays to the
    last hidden state.
    """

    onnx_kind = "fp32"

    def __init__(self, config: EmbeddingConfig) -> None:
        self.config = config
        self.model_id = embedding_key(config)
        self._run: Callable[[Feed], np.ndarray] | None = None
        self._tokenizer: Tokenizer | None = None

    @property
    def provenance(self) -> str:
        raise NotImplementedError

    def _compile(self, onnx_file: str, threads: int) -> Callable[[Feed], np.ndarray]:
        raise NotImplementedError

    def _load(self) -> tuple[Callable[[Feed], np.ndarray], Tokenizer]:
        if self._run is None or self._tokenizer is None:
            source = model_path(self.config.model)
            if not mean_pooled(source):
                raise EmbeddingError(
                    f"{source} does not pool by the mean of its tokens, which the {self.config.backend} backend "
                    'replicates: set [embedding] backend = "st-fp32"'
                )
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
            tokenizer.enable_truncation(self.config.max_seq_length)
            tokenizer.enable_padding(pad_to_multiple_of=PAD_MULTIPLE)
            threads = self.config.threads or (os.cpu_count() or 1)
            self._run = self._compile(str(onnx_model(source, self.onnx_kind)), threads)
            self._tokenizer = tokenizer
        return self._run, self._tokenizer

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        run, tokenizer = self._load()
        out = np.empty((len(texts), 0), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        size = self.config.batch_size
        for start in range(0, len(order), size):
            batch = order[start : start + size]
            encoded = tokenizer.encode_batch([texts[i] for i in batch])
            # padding past the longest text never adds a token beyond the truncation
            ids = np.array([e.ids for e in encoded], dtype=np.int64)[:, : self.config.max_seq_length]
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)[:, : self.config.max_seq_length]
            hidden = run({"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            if out.shape[1] == 0:
                out = np.empty((len(texts), pooled.shape[1]), dtype=np.float32)
            out[batch] = pooled
        return out


def import_openvino() -> ModuleType:
    """OpenVINO's runtime without its model-conversion tools: importing those sends a telemetry event from a
    forked process on every start, which hangs the run's exit where there is no network. We only read ONNX files,
    which the runtime's core does itself."""
    if "openvino" not in sys.modules:
        sys.modules["openvino.tools.ovc"] = None  # type: ignore[assignment] - makes `import` of it fail, quietly
        try:
            import openvino
        finally:
            if sys.modules.get("openvino.tools.ovc", 0) is None:
                del sys.modules["openvino.tools.ovc"]
    import openvino

    return openvino


@functools.cache
def cpu_has_bf16() -> bool:
    """Whether OpenVINO computes bf16 natively on this CPU (AVX512-BF16 or AMX)."""
    return "BF16" in import_openvino().Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")


INT8_DOT_FLAGS = {"avx512_vnni", "avx_vnni", "amx_int8"}  # /proc/cpuinfo's names for int8 dot-product units


@functools.cache
def cpu_has_int8_dot() -> bool:
    """Whether the CPU multiplies int8 natively (AVX512-VNNI, AVX-VNNI or AMX-INT8): Linux's CPU flags, else
    numpy's view of the CPU (which knows AVX512-VNNI only)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), None)
    except OSError:
        flags = None
    if flags is not None:
        return bool(INT8_DOT_FLAGS & set(flags))
    try:
        from numpy._core._multiarray_umath import __cpu_features__
    except ImportError:
        return False
    return bool(__cpu_features__.get("AVX512VNNI"))


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
        from papertrends.embedding.calibrate import calibrated

        return calibrated(config).choice
    if choice == "auto":
        return "bf16" if cpu_has_bf16() else "int8" if cpu_has_int8_dot() else "f32"
    if choice == "bf16" and not cpu_has_bf16():
        log.warning("bf16 embeddings asked for, but this CPU has no native bf16: running f32")
        return "f32"
    return choice


DYNAMIC_GROUP = 64  # activations quantised per 64 values of a token: cosine 0.99928 (32: 0.99937, slower; 384: 0.998)


class OpenVinoEmbedder(TokenEncoder):
    """The model under OpenVINO, computed in bf16, f32 or int8 (`[embedding] precision`): the fp32 ONNX graph for
    bf16 and f32, its int8-weight IR (`export.int8_weights`) with activations quantised as it runs for int8."""

    _chosen: str | None = None

    @property
    def provenance(self) -> str:
        precision = self._precision()
        return "openvino-int8-dynamic" if precision == "int8" else f"openvino-{precision}"

    @property
    def onnx_kind(self) -> str:  # type: ignore[override] - the file depends on the precision
        return "int8-weights" if self._precision() == "int8" else "fp32"

    def _precision(self) -> str:
        if self._chosen is None:  # measured once per machine for `auto` (embedding.calibrate), then kept
            self._chosen = openvino_precision(self.config.precision, self.config)
        return self._chosen

    def _compile(self, onnx_file: str, threads: int) -> Callable[[Feed], np.ndarray]:
        ov = import_openvino()
        core = ov.Core()
        precision = self._precision()
        options: dict[str, object] = {"INFERENCE_PRECISION_HINT": "f32" if precision == "int8" else precision,
                                      "INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY"}  # fmt: skip
        if precision == "int8":  # what is not a weighted MatMul stays f32, on every CPU
            options["DYNAMIC_QUANTIZATION_GROUP_SIZE"] = DYNAMIC_GROUP
        compiled = core.compile_model(core.read_model(onnx_file), "CPU", options)
        return lambda feed: compiled(feed)[0]


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
