"""Prefect as papertrends' orchestrator: what `papertrends run` and `papertrends serve` call through the seam
`papertrends.orchestration` (registered in pyproject.toml under `papertrends.orchestrators`)."""

from __future__ import annotations

from pathlib import Path

from papertrends.config import Settings
from papertrends.records import RunSummary


class PrefectOrchestrator:
    def run(self, settings: Settings, *, progress: bool, refit: bool) -> RunSummary:
        from flows.update import task_runner_for, update_steps

        steps = update_steps.with_options(task_runner=task_runner_for(settings))
        return RunSummary.from_dict(steps(settings, progress=progress, refit=refit))

    def serve(self, config: Path | None, settings: Settings) -> None:
        from flows.serve import serve_update

        serve_update(config, settings)
