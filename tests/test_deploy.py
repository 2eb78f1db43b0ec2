"""prefect.yaml is written from the config: one source for the schedule."""

from __future__ import annotations

from pathlib import Path

from flows.deploy import prefect_yaml

from papertrends.config import load_settings

ROOT = Path(__file__).resolve().parents[1]


def test_prefect_yaml_is_what_the_config_says() -> None:
    settings = load_settings(ROOT / "config" / "papertrends.toml")
    assert (ROOT / "prefect.yaml").read_text() == prefect_yaml(settings), "run `python -m flows.deploy` again"


def test_the_schedule_follows_the_config() -> None:
    settings = load_settings(ROOT / "config" / "papertrends.toml").with_overrides(schedule={"cron": "5 4 * * 1"})
    assert 'cron: "5 4 * * 1"' in prefect_yaml(settings)
