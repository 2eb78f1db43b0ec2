"""The five sample snapshots: exact entry counts, fields, and digest dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from conftest import SAMPLE_FILES
from papertrends.snapshots import parse_snapshot, read_snapshot

EXPECTED_COUNTS = [41, 24, 172, 74, 70]


def test_there_are_five_samples_in_the_repo() -> None:
    assert len(SAMPLE_FILES) == 5


@pytest.mark.parametrize(("index", "count"), list(enumerate(EXPECTED_COUNTS)))
def test_exact_entry_counts(index: int, count: int) -> None:
    snap = read_snapshot(SAMPLE_FILES[index])
    assert len(snap.entries) == count
    assert all(e.title and e.abstract for e in snap.entries)
    assert [e.rank for e in snap.entries] == list(range(1, count + 1))


def test_metadata_layout_fields() -> None:
    first = read_snapshot(SAMPLE_FILES[0]).entries[0]
    assert first.title.startswith("YOLO9tr: A Lightweight Model for Pavement Damage Detection")
    assert first.abstract.startswith("Maintaining road pavement integrity is crucial")
    assert first.n_authors == 3
    assert first.published == date(2024, 6, 17)
    assert first.upvotes is None


def test_organisation_and_upvotes_on_the_date_line() -> None:
    first = read_snapshot(SAMPLE_FILES[1]).entries[0]
    assert first.title == "Rethinking the shape convention of an MLP"
    assert first.organization == "MediaTek Research"
    assert first.n_authors is None
    assert first.published == date(2025, 10, 2)
    assert first.upvotes == 2


def test_date_without_year_takes_the_digest_year_and_upvotes() -> None:
    snap = read_snapshot(SAMPLE_FILES[4])
    assert snap.digest.value == date(2025, 10, 29)
    by_title = {e.title: e for e in snap.entries}
    no_meta = by_title["Rethinking the shape convention of an MLP"]  # listed with no metadata lines at all
    assert no_meta.n_authors is None and no_meta.published is None
    assert no_meta.abstract.endswith("Transformers and other residual networks.")
    with_upvotes = [e for e in snap.entries if e.upvotes == 4]
    assert len(with_upvotes) == 1 and with_upvotes[0].published == date(2025, 7, 10)


def test_chrome_glued_onto_the_first_title_is_removed() -> None:
    snap = read_snapshot(SAMPLE_FILES[2])
    assert snap.entries[0].title == (
        "Stacked tensorial neural networks for reduced-order modeling of a parametric partial differential equation"
    )
    titles = [e.title for e in snap.entries]
    assert not any("Subscribe" in t or "Get trending papers" in t for t in titles)
    assert titles[-1] == "Energy-conserving equivariant GNN for elasticity of lattice architected metamaterials"


def test_bare_pairs_layout() -> None:
    snap = read_snapshot(SAMPLE_FILES[3])
    assert snap.entries[0].title.startswith("Beyond Face Rotation")
    assert snap.entries[-1].abstract.endswith("https://github.com/sinAshish/Multi-Scale-Attention")


def test_header_dates_get_their_year_from_the_listed_papers() -> None:
    dates = {i: read_snapshot(SAMPLE_FILES[i]).digest for i in (0, 1, 4)}
    assert dates[0].value == date(2026, 1, 1) and dates[0].rule == "header"
    assert dates[1].value == date(2026, 1, 9) and dates[1].rule == "header"
    assert dates[4].value == date(2025, 10, 29)


def test_header_without_dated_papers_uses_the_file_time_for_the_year() -> None:
    data = SAMPLE_FILES[3].read_bytes()
    snap = parse_snapshot(data, "x.txt", mtime=datetime(2024, 9, 1, tzinfo=UTC))
    assert snap.digest.value == date(2024, 8, 11) and snap.digest.rule == "header-mtime"
    assert not snap.digest.certain  # a checkout's day would give it another year


def test_an_approximate_date_replaces_the_file_time_and_stays_uncertain() -> None:
    data = SAMPLE_FILES[2].read_bytes()
    mtime = datetime(2027, 3, 4, tzinfo=UTC)
    snap = parse_snapshot(data, "002.txt", mtime=mtime, approximate_date=date(2026, 1, 9))
    assert (snap.digest.value, snap.digest.rule, snap.digest.certain) == (date(2026, 1, 9), "approximate", False)
    assert not any("modification time" in w for w in snap.warnings)
    dated = parse_snapshot(SAMPLE_FILES[0].read_bytes(), "000.txt", mtime=mtime, approximate_date=date(2026, 1, 9))
    assert (dated.digest.value, dated.digest.certain) == (date(2026, 1, 1), True)  # the page's own date wins


def test_undated_file_falls_back_to_mtime_with_a_warning() -> None:
    data = SAMPLE_FILES[2].read_bytes()
    snap = parse_snapshot(data, "002.txt", mtime=datetime(2025, 3, 4, 10, tzinfo=UTC))
    assert snap.digest.value == date(2025, 3, 4) and snap.digest.rule == "mtime" and not snap.digest.certain
    assert any("modification time" in w for w in snap.warnings)


def test_rule_order_explicit_then_filename() -> None:
    data = SAMPLE_FILES[0].read_bytes()
    named = parse_snapshot(data, "digest-2025-02-03.txt")
    assert (named.digest.value, named.digest.rule) == (date(2025, 2, 3), "filename")
    given = parse_snapshot(data, "digest-2025-02-03.txt", explicit_date=date(2020, 1, 2))
    assert (given.digest.value, given.digest.rule) == (date(2020, 1, 2), "explicit")
