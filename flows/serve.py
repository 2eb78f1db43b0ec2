"""Serve the update flow as a Prefect deployment with the schedule and parameters from `[schedule]`.

`papertrends serve` calls `serve_update`; it needs a Prefect server (PREFECT_API_URL). At most one run of the
deployment runs at a time (a global concurrency limit of 1: a run triggered while one runs waits its turn),
and every run also holds the database's run lock.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypedDict

from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.schedules import Cron

from flows.update import update_flow
from papertrends.config import Settings


class UpdateParameters(TypedDict):
    """What a scheduled or triggered run passes `update_flow`."""

    config: str | None
    progress: bool
    fetch_days: int


def deployment_parameters(config: Path | None, settings: Settings) -> UpdateParameters:
    return {
        "config": str(config.resolve()) if config else None,
        "progress": False,
        "fetch_days": settings.schedule.fetch_days if settings.schedule.fetch else 0,
    }


def serve_update(config: Path | None, settings: Settings, *, limit: int = 1) -> None:
    """Register the deployment and run its scheduled and triggered runs until stopped (Ctrl-C)."""
    s = settings.schedule
    update_flow.serve(
        name=s.deployment,
        schedules=[Cron(s.cron, timezone=s.timezone)],
        parameters=deployment_parameters(config, settings),
        global_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE),
        limit=limit,
        description="Take in new digests, update topics and trends, refresh the report.",
        tags=["papertrends"],
        pause_on_shutdown=False,
    )
