"""`papertrends backtest`: the history replayed as scheduled runs would have seen it, on a real slice."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from conftest import HF_DAILY, needs_shared, preload_embeddings
from papertrends.backtest import COLUMNS, backtest, steps
from papertrends.config import load_settings
from papertrends.identity import new_paper_id
from papertrends.snapshots import read_snapshot

ROOT = Path(__file__).resolve().parents[1]


def test_steps_end_on_the_last_digest() -> None:
    assert steps(date(2025, 1, 1), date(2025, 1, 20), "week") == [date(2025, 1, 5), date(2025, 1, 12),
                                                                  date(2025, 1, 19), date(2025, 1, 20)]  # fmt: skip
    assert steps(date(2025, 1, 15), date(2025, 3, 31), "month") == [date(2025, 1, 31), date(2025, 2, 28),
                                                                    date(2025, 3, 31)]  # fmt: skip


@needs_shared
@pytest.mark.slow
def test_a_backtest_over_six_weeks_of_real_digests_sees_only_the_past_at_each_step(
    tmp_path: Path, hf_embeddings
) -> None:  # noqa: ANN001, E501
    folder = tmp_path / "digests"
    folder.mkdir()
    for path in sorted(HF_DAILY.glob("*.json")):
        if path.stem <= "2024-07-05":
            (folder / path.name).symlink_to(path)
    db = tmp_path / "cache.duckdb"
    preload_embeddings(db, hf_embeddings)
    settings = load_settings(ROOT / "config" / "papertrends.toml").with_overrides(
        snapshots={"folder": folder}, store={"path": db}
    )
    said: list[str] = []
    done, table = backtest(settings, date(2024, 6, 16), "week", say=said.append)
    assert [s.as_of for s in done] == [date(2024, 6, 16), date(2024, 6, 23), date(2024, 6, 30), date(2024, 7, 5)]
    snaps = [read_snapshot(p) for p in sorted(folder.glob("*.json"))]
    for step in done:  # each step's papers: exactly those listed in the digests up to it
        listed = {new_paper_id(e.arxiv_id, e.title) for s in snaps if s.digest.value <= step.as_of for e in s.entries}
        assert step.papers == len(listed)
    assert done[0].decision == "refit" and all(s.decision in ("reuse", "place", "refit") for s in done)
    assert list(table.columns) == COLUMNS and set(table["as_of"]) == {s.as_of for s in done}
    assert set(table["status"]) <= {"emerging", "rising", "steady", "fading", "gone"}
    assert len(said) == len(done) and said[0].startswith("2024-06-16")
