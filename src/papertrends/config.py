"""Typed, frozen settings: one table per component, loaded from TOML, overridable from the CLI."""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DEFAULT_CONFIG = Path("config/papertrends.toml")


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SnapshotsConfig(_Section):
    folder: Path = Path("snapshots")
    format: Literal["auto", "text", "markdown", "html", "hf-json", "jsonl", "csv", "feed"] = "auto"
    dates: dict[str, date] = Field(default_factory=dict, description="file name -> digest date, given by the user")
    approximate_dates: dict[str, date] = Field(
        default_factory=dict,
        description="file name -> an approximate date for a digest that states none (instead of the file's time)",
    )
    fields: dict[str, str] = Field(
        default_factory=dict, description="JSON Lines/CSV exports: our field name -> the export's field name"
    )


class FetchConfig(_Section):
    base_url: str = "https://huggingface.co/api/daily_papers"
    retries: int = Field(5, ge=0)
    backoff_seconds: float = Field(2.0, ge=0)
    timeout_seconds: float = Field(30.0, gt=0)


class RunnerConfig(_Section):
    kind: Literal["local", "dask"] = "local"
    address: str = Field("", description="dask scheduler address; empty: a LocalCluster of `workers` processes")
    workers: int = Field(2, ge=1)
    files_per_batch: int = Field(50, ge=1, description="snapshot files parsed per task")


class StoreConfig(_Section):
    path: Path = Path("data/papertrends.duckdb")
    lock_wait_seconds: float = Field(0.0, ge=0, description="how long a run waits for another run to finish")


class EmbeddingConfig(_Section):
    model: str = "all-MiniLM-L6-v2"
    backend: Literal["openvino", "openvino-int8", "onnx-int8", "st-fp32"] = "openvino"
    precision: Literal["auto", "f32", "bf16", "int8"] = Field(
        "auto",
        description="openvino's arithmetic; auto: the fastest this machine runs whose vectors stay within the "
        "fidelity bar of f32's, measured once per machine (embedding.calibrate, `papertrends calibrate`)",
    )
    batch_size: int = Field(16, ge=1)
    chunk_size: int = Field(512, ge=1, description="texts embedded and stored per step; a kill loses at most one")
    max_seq_length: int = Field(256, ge=16, le=512)
    threads: int = Field(0, ge=0, description="inference threads; 0: one per core")


class UmapConfig(_Section):
    n_neighbors: int = Field(15, ge=2)
    n_components: int = Field(5, ge=2)
    min_dist: float = Field(0.0, ge=0.0)
    metric: Literal["cosine"] = "cosine"
    n_epochs: int | Literal["auto"] | None = Field(
        "auto",
        description="each member's optimisation epochs; auto: 500 up to 2,000 papers, 200 above (topics/sizes.py); "
        "None: UMAP's own (500 up to 10,000 papers, 200 above)",
    )

    @field_validator("n_epochs")
    @classmethod
    def _enough_epochs(cls, value: int | str | None) -> int | str | None:
        if isinstance(value, int) and value < 10:
            raise ValueError("n_epochs must be at least 10, or 'auto'")
        return value


class HdbscanConfig(_Section):
    min_cluster_size: int | Literal["auto"] = Field(
        "auto", description="the smallest research line (a leaf topic); auto: max(5, sqrt(papers) / 6.5)"
    )
    min_samples: int | None = Field(None, ge=1)
    metric: str = "euclidean"
    cluster_selection_method: Literal["eom", "leaf"] = "leaf"


class VectorizerConfig(_Section):
    stop_words: str | None = "english"
    ngram_range: tuple[int, int] = (1, 2)
    min_df: int = Field(1, ge=1)


class TopicsConfig(_Section):
    seed: int = 42
    top_n_words: int = Field(10, ge=1)
    representative_docs: int = Field(5, ge=1)
    reduce_frequent_words: bool = True
    bm25_weighting: bool = False
    area_size: int | Literal["auto"] = Field(
        "auto", description="the smallest area (a top-level topic); auto: max(5, sqrt(papers) / 2)"
    )
    top_level_topics: int | Literal["auto"] = Field(
        "auto", description="the most areas: more are grouped into this many; auto: sqrt(papers) / 5, at least 6"
    )
    members: int = Field(8, ge=1, description="UMAP + HDBSCAN fits whose consensus makes the topics")
    augment: float = Field(
        0.995, gt=0.9, le=1.0, description="each member sees the vectors moved by noise to this cosine; 1: none"
    )
    lexical_weight: float = Field(
        0.3, ge=0, lt=1, description="the share of the papers' own words in the similarity the fit clusters; 0: none"
    )
    lexical_dims: int = Field(128, ge=1, description="dimensions of the words' latent-semantic vectors")
    outlier_strategy: Literal["embeddings", "none"] = "embeddings"
    outlier_quantile: float = Field(
        0.0, ge=0, le=1, description="a paper outside the consensus joins its subtopic if this close as its core"
    )
    match_overlap: float = Field(0.3, ge=0, le=1, description="least Jaccard overlap of papers to keep an id")
    match_similarity: float = Field(0.9, ge=0, le=1, description="or least centroid similarity to keep an id")
    labels: dict[int, str] = Field(default_factory=dict, description="topic id -> label chosen by the user")
    evaluate: bool = Field(True, description="compute NPMI coherence and topic diversity for each run")
    refit_share: float = Field(
        0.05, ge=0, description="refit when papers added since the last fit reach this share of it; 0: every run"
    )
    backend: Literal["cpu", "cuml"] = Field("cpu", description="cuml: UMAP and HDBSCAN on a GPU when importable")


class TrendsConfig(_Section):
    window: Literal["day", "week", "month"] = "week"
    window_days: int = Field(365, ge=7, description="the trend test looks at this many trailing days")
    alpha: float = Field(0.05, gt=0, lt=1, description="false discovery rate (Benjamini-Hochberg)")
    emerging_days: int = Field(60, ge=1, description="a topic first seen this recently can be emerging")
    gone_days: int = Field(45, ge=1, description="a topic unseen for this long is gone")
    min_papers: int = Field(5, ge=1, description="fewer papers than this: steady, whatever the test says")


class ReportConfig(_Section):
    folder: Path = Path("reports")
    top_topics: int = Field(20, ge=1, description="topics drawn as their own line; the rest are summed")
    keep_runs: int = Field(10, ge=1, description="earlier runs' reports kept under reports/runs/")


class ScheduleConfig(_Section):
    cron: str = "0 7 * * *"
    timezone: str = "UTC"
    deployment: str = "papertrends-daily"
    fetch: bool = Field(False, description="fetch the last `fetch_days` days' digests before each scheduled run")
    fetch_days: int = Field(3, ge=1)


# Settings to replace, by section and key, as a config file's tables give them (`Settings.with_overrides` checks
# them against the sections' models): what the CLI, the environment and a deployment's parameters hand on.
TomlValue = str | int | float | bool | Path | None | list[object] | dict[str, object]
Overrides = dict[str, dict[str, TomlValue]]


class Settings(_Section):
    snapshots: SnapshotsConfig = SnapshotsConfig()
    fetch: FetchConfig = FetchConfig()
    runner: RunnerConfig = RunnerConfig()
    store: StoreConfig = StoreConfig()
    embedding: EmbeddingConfig = EmbeddingConfig()
    umap: UmapConfig = UmapConfig()
    hdbscan: HdbscanConfig = HdbscanConfig()
    vectorizer: VectorizerConfig = VectorizerConfig()
    topics: TopicsConfig = TopicsConfig()
    trends: TrendsConfig = TrendsConfig()
    report: ReportConfig = ReportConfig()
    schedule: ScheduleConfig = ScheduleConfig()

    def with_overrides(self, **sections: dict[str, TomlValue]) -> Settings:
        """A new Settings with some fields of some sections replaced: `with_overrides(store={"path": p})`."""
        data = self.model_dump()
        for section, values in sections.items():
            data[section] = {**data[section], **{k: v for k, v in values.items() if v is not None}}
        return Settings.model_validate(data)

    def as_toml(self) -> str:
        """The settings in force, as TOML-like text (for a report's provenance)."""
        lines = []
        for section, values in self.model_dump(mode="json").items():
            lines.append(f"[{section}]")
            lines += [f"{key} = {json.dumps(value)}" for key, value in values.items()]
            lines.append("")
        return "\n".join(lines)

    def settings_hash(self) -> str:
        """What changes a run's output at all: every setting."""
        return hashlib.sha256(self.as_toml().encode()).hexdigest()[:16]

    def fit_hash(self) -> str:
        """What changes the topics: the model, UMAP, HDBSCAN, vectorizer and topic settings."""
        parts = {k: self.model_dump(mode="json")[k] for k in ("embedding", "umap", "hdbscan", "vectorizer", "topics")}
        parts["topics"] = {  # labels and when to refit change no fit
            k: v for k, v in parts["topics"].items() if k not in ("labels", "refit_share")
        }
        parts["embedding"] = {
            "model": parts["embedding"]["model"],
            "max_seq_length": parts["embedding"]["max_seq_length"],
        }
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


class ConfigError(ValueError):
    pass


ENV_PREFIX = "PAPERTRENDS_"


def env_overrides(environ: Mapping[str, str]) -> Overrides:
    """`PAPERTRENDS_<SECTION>_<KEY>=value` for any setting, e.g. PAPERTRENDS_EMBEDDING_PRECISION=f32.

    Values are read as TOML values where they parse (numbers, booleans, arrays), else as strings. Variables whose
    section is not a table of the config (PAPERTRENDS_CACHE, PAPERTRENDS_HOME) are not settings."""
    sections = set(Settings.model_fields)
    out: Overrides = {}
    for name, text in sorted(environ.items()):
        section, _, key = name.removeprefix(ENV_PREFIX).lower().partition("_")
        if not name.startswith(ENV_PREFIX) or section not in sections or not key:
            continue
        try:
            value = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            value = text
        out.setdefault(section, {})[key] = value
    return out


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from a TOML file, then `PAPERTRENDS_<SECTION>_<KEY>` variables of `environ` (os.environ by
    default); the built-in defaults when `path` is None and no config/papertrends.toml exists."""
    raw: dict[str, Any] = {}
    where = "the built-in defaults"
    if path is None and DEFAULT_CONFIG.exists():
        path = DEFAULT_CONFIG
    if path is not None:
        where = str(path)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as e:
            raise ConfigError(f"cannot read config {path}: {e.strerror or e}") from e
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"{path}: invalid TOML: {e}") from e
    overrides = env_overrides(os.environ if environ is None else environ)
    for section, values in overrides.items():
        table = raw.get(section, {})
        raw[section] = {**(table if isinstance(table, dict) else {}), **values}
    if overrides:
        where += " with " + ", ".join(f"{ENV_PREFIX}{s.upper()}_{k.upper()}" for s, v in overrides.items() for k in v)
    try:
        return Settings.model_validate(raw)
    except ValidationError as e:
        problems = "; ".join(f"[{'.'.join(map(str, err['loc']))}] {err['msg']}" for err in e.errors())
        raise ConfigError(f"{where}: {problems}") from e
