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
    monkeypatch.setenv("PAPERTRENDS_EMBEDDING_PRECISION", "int8")
    assert make_embedder(EmbeddingConfig(backend="openvino")).provenance == "openvino-int8-dynamic"


@pytest.mark.parametrize(
    ("bf16", "int8_dot", "auto"),
    [(True, True, "bf16"), (False, True, "int8"), (False, False, "f32"), (True, False, "bf16")],
)
def test_auto_precision_follows_the_cpu(monkeypatch: pytest.MonkeyPatch, bf16: bool, int8_dot: bool, auto: str) -> None:
    """bf16 where the CPU has it (Zen 4, Sapphire Rapids), else int8 where it multiplies int8 natively (a Xeon with
    VNNI and no bf16), else f32. Asked for, f32 and int8 run anywhere; bf16 falls back to f32 without the units."""
    from papertrends.embedding import runtimes

    monkeypatch.delenv("PAPERTRENDS_EMBEDDING_PRECISION", raising=False)
    monkeypatch.setattr(runtimes, "cpu_has_bf16", lambda: bf16)
    monkeypatch.setattr(runtimes, "cpu_has_int8_dot", lambda: int8_dot)
    assert runtimes.openvino_precision("auto") == auto
    assert runtimes.openvino_precision("f32") == "f32" and runtimes.openvino_precision("int8") == "int8"
    assert runtimes.openvino_precision("bf16") == ("bf16" if bf16 else "f32")
    monkeypatch.setenv("PAPERTRENDS_EMBEDDING_PRECISION", "int8")
    assert runtimes.openvino_precision("auto") == "int8"  # the switch CI uses to check another CPU's arithmetic


def test_a_cpu_with_avx512_vnni_counts_as_multiplying_int8() -> None:
    """Checked against numpy's own CPU detection, a second reader of the same CPU."""
    from papertrends.embedding.runtimes import cpu_has_int8_dot

    features = pytest.importorskip("numpy._core._multiarray_umath").__cpu_features__  # numpy 2's own detector
    if not features.get("AVX512VNNI"):
        pytest.skip("this CPU has no AVX512-VNNI (numpy)")
    assert cpu_has_int8_dot()
