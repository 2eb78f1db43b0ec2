"""The ONNX runtimes' shared half, and the model under OpenVINO in one given arithmetic.

`TokenEncoder` tokenises (shortest texts first, so batches carry little padding, and each batch padded to a
multiple of `PAD_MULTIPLE` tokens), runs a compiled model and pools its last hidden state (mean of the token
states, L2-normalised) in numpy. `OpenVinoEncoder` runs the model in the arithmetic its config names; choosing that
arithmetic for `precision = "auto"` is `embedding.runtimes`' work, and measuring it is `embedding.calibrate`'s,
which times this class: so this module imports neither of them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from papertrends.config import EmbeddingConfig
from papertrends.embedding.export import onnx_model
from papertrends.embedding.hardware import import_openvino
from papertrends.embedding.keys import embedding_key
from papertrends.embedding.models import EmbeddingError, mean_pooled, model_path

if TYPE_CHECKING:
    from tokenizers import Tokenizer

Feed = dict[str, np.ndarray]

# Token counts of a batch are rounded up to a multiple of this. The runtime keeps compiled kernels and buffers for
# each input shape it has seen, so one shape per token count grows the embedding process; a few shapes keep it
# small at the same speed (docs/benchmarks.md). The padded tokens are masked and leave the vectors as they are.
PAD_MULTIPLE = 32
# Activations are quantised in groups of this many values of a token, each with its own scale: smaller groups run
# slower for little closeness to f32's vectors, larger ones lose more of it (docs/benchmarks.md).
DYNAMIC_GROUP = 64


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


class OpenVinoEncoder(TokenEncoder):
    """The model under OpenVINO in the arithmetic `config.precision` names (f32, bf16 or int8): the fp32 ONNX graph
    for bf16 and f32, its int8-weight IR (`export.int8_weights`) with activations quantised as it runs for int8."""

    @property
    def provenance(self) -> str:
        precision = self._precision()
        return "openvino-int8-dynamic" if precision == "int8" else f"openvino-{precision}"

    @property
    def onnx_kind(self) -> str:  # type: ignore[override] - the file depends on the precision
        return "int8-weights" if self._precision() == "int8" else "fp32"

    def _precision(self) -> str:
        return self.config.precision

    def _compile(self, onnx_file: str, threads: int) -> Callable[[Feed], np.ndarray]:
        ov = import_openvino()
        core = ov.Core()
        precision = self._precision()
        # Unpinned: OpenVINO pins its threads to cores by default, and a pinned thread that shares its core with
        # other work (the flow counts phrases meanwhile) stalls the others at every layer: 10.9-24 s against
        # 9.5-10.4 s for 723 papers embedded beside the 46k papers' phrases; alone, the same 7.6-7.9 s either way.
        options: dict[str, object] = {"INFERENCE_PRECISION_HINT": "f32" if precision == "int8" else precision,
                                      "INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY",
                                      "ENABLE_CPU_PINNING": False}  # fmt: skip
        if precision == "int8":  # what is not a weighted MatMul stays f32, on every CPU
            options["DYNAMIC_QUANTIZATION_GROUP_SIZE"] = DYNAMIC_GROUP
        compiled = core.compile_model(core.read_model(onnx_file), "CPU", options)
        return lambda feed: compiled(feed)[0]
