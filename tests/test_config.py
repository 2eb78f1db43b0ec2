"""Settings: TOML, then PAPERTRENDS_<SECTION>_<KEY> variables; errors that name the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from papertrends.config import ConfigError, env_overrides, load_settings


def test_environment_variables_override_any_setting(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[embedding]\nbackend = "st-fp32"\n[topics]\nmembers = 4\n')
    env = {"PAPERTRENDS_EMBEDDING_PRECISION": "f32", "PAPERTRENDS_TOPICS_MEMBERS": "6",
           "PAPERTRENDS_VECTORIZER_NGRAM_RANGE": "[1, 1]", "PAPERTRENDS_CACHE": "/somewhere",
           "PAPERTRENDS_HOME": "/elsewhere", "OTHER": "x"}  # fmt: skip
    settings = load_settings(config, environ=env)
    assert settings.embedding.backend == "st-fp32" and settings.embedding.precision == "f32"
    assert settings.topics.members == 6 and settings.vectorizer.ngram_range == (1, 1)
    assert set(env_overrides(env)) == {"embedding", "topics", "vectorizer"}  # CACHE and HOME are not settings


def test_a_bad_value_from_the_environment_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"PAPERTRENDS_EMBEDDING_PRECISION.*\[embedding\.precision\]"):
        load_settings(None, environ={"PAPERTRENDS_EMBEDDING_PRECISION": "fp8"})
    with pytest.raises(ConfigError, match=r"\[topics\.nonsense\]"):
        load_settings(None, environ={"PAPERTRENDS_TOPICS_NONSENSE": "1"})


@pytest.mark.model
def test_the_precision_switch_reaches_the_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    from papertrends.config import EmbeddingConfig
    from papertrends.embedding import make_embedder

    monkeypatch.setenv("PAPERTRENDS_EMBEDDING_PRECISION", "f32")
    assert make_embedder(EmbeddingConfig(backend="openvino")).provenance == "openvino-f32"
    assert make_embedder(EmbeddingConfig(backend="openvino", precision="f32")).provenance == "openvino-f32"
