"""What a run publishes on its Prefect flow run: the report's link, the run's summary and the trends."""

from __future__ import annotations

import json
from pathlib import Path

from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact

from papertrends import summary as say
from papertrends.records import Analysis, RunSummary


def publish_artifacts(summary: RunSummary, analysis: Analysis | None) -> None:
    """What a person watching the Prefect UI wants, on the flow run they started: the report, what happened, and
    the trends."""
    if summary.status != "completed" or analysis is None:
        return
    create_link_artifact(key="papertrends-report", link=Path(summary.report).resolve().as_uri(),
                         link_text=f"report of run {summary.run_id}",
                         description="The run's HTML report (open it on the machine that ran the flow).")  # fmt: skip
    create_markdown_artifact(key="papertrends-summary", markdown=say.run_markdown(summary, analysis),
                             description="Run summary")  # fmt: skip
    rows = json.loads(say.trends_artifact(analysis).to_json(orient="records"))  # NaN as null, numbers as JSON's
    create_table_artifact(key="papertrends-trends", table=rows, description="Each topic's trend")
