"""prefect.yaml, written from the config alone: the schedule has one source, `[schedule]`.

    python -m flows.deploy [CONFIG]      # writes prefect.yaml beside flows/ (tests/test_deploy.py keeps it current)

The deployment runs `update_flow`, which reads the same config and honours `[runner]`, as `papertrends run` and
`papertrends serve` do.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from papertrends.config import DEFAULT_CONFIG, Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]


def prefect_yaml(settings: Settings, config: str = "config/papertrends.toml") -> str:
    """The deployment file for workers (`prefect deploy`, then `prefect worker start --pool papertrends`)."""
    s = settings.schedule
    fetch_days = s.fetch_days if s.fetch else 0
    return f"""\
# Written by `python -m flows.deploy` from {config}: change [schedule] there and run it again.
# The papertrends deployment for users who deploy with workers (`prefect deploy`, then `prefect worker start`).
# `papertrends serve` serves the same flow with the same schedule and parameters without a worker.
name: papertrends

pull:
  - prefect.deployments.steps.set_working_directory:
      directory: "{{{{ $PAPERTRENDS_HOME }}}}"

deployments:
  - name: {s.deployment}
    description: Take in new digests, update topics and trends, refresh the report.
    entrypoint: flows/update.py:update_flow
    tags: [papertrends]
    parameters:
      config: {config}
      progress: false
      fetch_days: {fetch_days}
    schedules:
      - cron: {json.dumps(s.cron)}
        timezone: {s.timezone}
    concurrency_limit:
      limit: 1
      collision_strategy: ENQUEUE
    work_pool:
      name: papertrends
      work_queue_name: default
"""


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CONFIG
    relative = path.resolve().relative_to(ROOT) if path.resolve().is_relative_to(ROOT) else path
    (ROOT / "prefect.yaml").write_text(prefect_yaml(load_settings(path), str(relative)))
    print(f"wrote {ROOT / 'prefect.yaml'} from {path}")
