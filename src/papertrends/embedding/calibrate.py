"""The arithmetic `precision = "auto"` runs the OpenVINO model in, chosen by measuring this machine, not by its
CPU's flags.

Each arithmetic this CPU can run (f32 always; bf16 where OpenVINO computes it natively; int8 with activations
quantised as it runs where the CPU has int8 dot products) embeds the same shipped calibration abstracts
(`calibration.jsonl.gz`), runs interleaved and the best round counted; each is compared with the f32 vectors, and
`auto` takes the fastest whose vectors meet the fidelity bar (cosine mean >= 0.995, min >= 0.98). They are all the
same model's vectors, so the cache key does not depend on the choice.

The statically quantised model (`backend = "openvino-int8"`) is not a candidate: its cosine passes but its topics
do not hold at issue 11's ARI bar against f32's (docs/stability.md), so it stays a backend one chooses by name.

The measurement is kept beside the exported models (`cache_dir()/calibration/`), keyed by the CPU, the OpenVINO
version, the model and the settings that change the speed; `papertrends calibrate` measures again.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from papertrends.config import EmbeddingConfig
from papertrends.embedding.encoders import OpenVinoEncoder
from papertrends.embedding.export import CALIBRATION
from papertrends.embedding.hardware import PRECISION_ENV, cpu_has_bf16, cpu_has_int8_dot
from papertrends.embedding.models import cache_dir

log = logging.getLogger(__name__)

COSINE_MEAN = 0.995  # the fidelity bar: mean cosine to the f32 vectors...
COSINE_MIN = 0.98  # ...and the least any one abstract may have
TEXTS = 96  # calibration abstracts timed (after 16 to warm up)
ROUNDS = 2


@dataclass(frozen=True, slots=True)
class Measured:
    """One arithmetic on this machine: its speed and how close its vectors are to f32's."""

    precision: str
    papers_per_s: float
    cosine_mean: float
    cosine_min: float

    @property
    def faithful(self) -> bool:
        return self.cosine_mean >= COSINE_MEAN and self.cosine_min >= COSINE_MIN


@dataclass(frozen=True, slots=True)
class Calibration:
    """What was measured, when, on which CPU, and the choice it gives."""

    choice: str
    measured: tuple[Measured, ...]
    cpu: str
    at: str

    def describe(self) -> str:
        """`bf16, measured here: bf16 100.0/s, int8 90.0/s, f32 50.0/s` (a runtime that missed the bar is marked)."""
        runs = ", ".join(
            f"{m.precision} {m.papers_per_s:.1f}/s" + ("" if m.faithful else f" (cosine {m.cosine_min:.3f}: no)")
            for m in sorted(self.measured, key=lambda m: -m.papers_per_s)
        )
        return f"{self.choice}, measured here: {runs}"

    @classmethod
    def from_json(cls, text: str) -> Calibration:
        data = json.loads(text)
        return cls(data["choice"], tuple(Measured(**m) for m in data["measured"]), data["cpu"], data["at"])

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "measured": [asdict(m) for m in self.measured]}, indent=1)


def choose(measured: tuple[Measured, ...]) -> str:
    """The fastest arithmetic whose vectors meet the bar; f32 (the reference) when none other does."""
    faithful = [m for m in measured if m.faithful] or [m for m in measured if m.precision == "f32"]
    return max(faithful, key=lambda m: m.papers_per_s).precision


def cpu_name() -> str:
    """The CPU as /proc/cpuinfo names it (vendor, family, model, model name) with its flags' hash."""
    fields: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                key, _, value = line.partition(":")
                fields.setdefault(key.strip(), value.strip())
    except OSError:
        return "unknown CPU"
    flags = hashlib.sha256(fields.get("flags", "").encode()).hexdigest()[:8]
    return (f"{fields.get('vendor_id', '?')} family {fields.get('cpu family', '?')} model {fields.get('model', '?')} "
            f"({fields.get('model name', '?')}, flags {flags})")  # fmt: skip


def calibration_texts(n: int = TEXTS + 16) -> list[str]:
    with gzip.open(CALIBRATION, "rt", encoding="utf-8") as f:
        return [str(json.loads(line)) for line in f if line.strip()][:n]


def candidates() -> list[str]:
    return ["f32", *(["bf16"] if cpu_has_bf16() else []), *(["int8"] if cpu_has_int8_dot() else [])]


def _path(config: EmbeddingConfig) -> Path:
    """Where this machine's calibration for `config` is kept. OpenVINO's version comes from its package's metadata:
    a run that embeds nothing (or in a process of its own) never imports OpenVINO to name its runtime."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        openvino = version("openvino")
    except PackageNotFoundError:
        openvino = "not installed"
    key = {"cpu": cpu_name(), "openvino": openvino, "model": config.model,
           "length": config.max_seq_length, "batch": config.batch_size, "threads": config.threads}  # fmt: skip
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return cache_dir() / "calibration" / f"openvino-{digest}.json"


def measure(config: EmbeddingConfig, texts: list[str] | None = None, rounds: int = ROUNDS) -> Calibration:
    """Time each candidate arithmetic on the calibration abstracts and compare its vectors with f32's."""
    texts = texts or calibration_texts()
    warm, timed = texts[:16], texts[16:] or texts
    embedders = {p: OpenVinoEncoder(config.model_copy(update={"precision": p})) for p in candidates()}
    for embedder in embedders.values():
        embedder.encode(warm)  # export once per machine, compile, warm
    best = dict.fromkeys(embedders, 0.0)
    vectors: dict[str, np.ndarray] = {}
    for _ in range(rounds):
        for precision, embedder in embedders.items():
            start = time.perf_counter()
            vectors[precision] = embedder.encode(timed)
            best[precision] = max(best[precision], len(timed) / (time.perf_counter() - start))
    measured = []
    for precision, got in vectors.items():
        cosine = np.einsum("nd,nd->n", got, vectors["f32"])
        measured.append(Measured(precision, round(best[precision], 1), round(float(cosine.mean()), 6),
                                 round(float(cosine.min()), 6)))  # fmt: skip
    found = tuple(measured)
    return Calibration(choose(found), found, cpu_name(), datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))


def kept(config: EmbeddingConfig) -> Calibration | None:
    """The calibration this machine kept for `config`, without measuring."""
    path = _path(config)
    try:
        return Calibration.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def runtime_note(config: EmbeddingConfig) -> str:
    """What computes the vectors, as a run's summary and report say it: `openvino bf16 (measured here: ...)`."""
    if config.backend != "openvino":
        return config.backend
    forced = config.precision if config.precision != "auto" else os.environ.get(PRECISION_ENV, "").strip().lower()
    if forced:
        return f"openvino {forced} (as asked)"
    found = kept(config)
    return f"openvino {found.describe()}" if found else "openvino auto (not measured yet)"


def calibrated(config: EmbeddingConfig, *, again: bool = False) -> Calibration:
    """This machine's calibration for `config`: read from where it was kept, or measured now and kept."""
    path = _path(config)
    if not again and (found := kept(config)) is not None:
        return found
    log.info("measuring the embedding arithmetic on this machine (once)")
    found = measure(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(found.to_json(), encoding="utf-8")
    partial.replace(path)
    return found
