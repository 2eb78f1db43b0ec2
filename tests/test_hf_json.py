"""The Hugging Face api/daily_papers JSON, good and malformed."""

from __future__ import annotations

import json
from datetime import date

import pytest

from conftest import HF_DAILY, needs_shared
from papertrends.snapshots import ParseError, parse_snapshot, read_snapshot

ENTRY = {
    "paper": {
        "id": "2505.24864",
        "title": "ProRL: Prolonged Reinforcement Learning Expands Reasoning Boundaries in\n  Large Language Models",
        "summary": "Recent advances in reasoning-centric language models have highlighted\nreinforcement learning.",
        "authors": [{"_id": "a", "name": "Mingjie Liu", "hidden": False}, {"_id": "b", "name": "Shizhe Diao"}],
        "upvotes": 35,
        "publishedAt": "2025-05-30T17:59:01.000Z",
        "submittedOnDailyAt": "2025-06-02T03:18:21.654Z",
    },
    "organization": {"name": "nvidia", "fullname": "NVIDIA"},
}


def test_fields_of_an_entry() -> None:
    snap = parse_snapshot(json.dumps([ENTRY]).encode(), "digest.json")
    (e,) = snap.entries
    assert e.title == "ProRL: Prolonged Reinforcement Learning Expands Reasoning Boundaries in Large Language Models"
    assert e.abstract.startswith("Recent advances in reasoning-centric language models have highlighted reinforcement")
    assert e.arxiv_id == "2505.24864"
    assert e.authors == ("Mingjie Liu", "Shizhe Diao") and e.n_authors == 2
    assert e.organization == "NVIDIA"
    assert e.upvotes == 35 and e.published == date(2025, 5, 30)
    assert (snap.digest.value, snap.digest.rule) == (date(2025, 6, 2), "json")


def test_wrapper_object_with_date() -> None:
    doc = {"status": "success", "date": "2025-01-10", "count": 1, "data": [ENTRY]}
    snap = parse_snapshot(json.dumps(doc).encode(), "wrapped.json")
    assert len(snap.entries) == 1 and snap.digest.value == date(2025, 1, 10)


def test_python_repr_entries_are_repaired_with_a_literal_only_parser_and_reported() -> None:
    doc = {"status": "success", "date": "2025-01-10", "data": [str(ENTRY), str(ENTRY)]}
    snap = parse_snapshot(json.dumps(doc).encode(), "2025-01-10.json")
    assert [e.arxiv_id for e in snap.entries] == ["2505.24864", "2505.24864"]
    assert snap.entries[0].title.startswith("ProRL") and snap.entries[0].organization == "NVIDIA"
    (warning,) = snap.warnings
    assert "repaired: 2 of 2 entries" in warning and "ast.literal_eval" in warning


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("{'paper': __import__('os').getcwd()}", "not a Python literal"),
        ("{'paper': {'title': 'x'}} + 1", "not a Python literal"),
        ("['a list']", "a string \\(text\\)"),
        ("{1, 2}", "holding a Python set"),
    ],
)
def test_strings_that_are_not_plain_literals_stay_rejected_with_their_reason(entry: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason) as caught:
        parse_snapshot(json.dumps([entry, str(ENTRY)]).encode(), "2024-12-11.json")
    assert caught.value.source == "2024-12-11.json" and caught.value.n_entries == 2


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (b'[{"paper": {"id": "1"', "invalid JSON"),
        (b'{"a": 1}', "no list of papers"),
        (b"42", "where a list of papers was expected"),
        (b"[]", "no papers found"),
        (b'[{"paper": {"summary": "x"}}]', "has no title"),
    ],
)
def test_bad_json_raises_parse_error_naming_the_problem(payload: bytes, expected: str) -> None:
    with pytest.raises(ParseError, match=expected) as caught:
        parse_snapshot(payload, "2025-01-01.json")
    assert caught.value.source == "2025-01-01.json"


@needs_shared
def test_a_real_digest() -> None:
    snap = read_snapshot(HF_DAILY / "2025-06-02.json")
    assert (snap.digest.value, snap.digest.rule) == (date(2025, 6, 2), "filename")
    assert len(snap.entries) == 20
    assert snap.entries[0].arxiv_id == "2505.24864" and snap.entries[0].upvotes == 35


@needs_shared
def test_the_22_real_python_repr_files_are_repaired_not_rejected() -> None:
    broken = [p for p in sorted(HF_DAILY.glob("*.json")) if "2024-12-11" <= p.stem <= "2025-01-10"]
    snaps = [read_snapshot(p) for p in broken]
    repaired = [s for s in snaps if any(w.startswith("repaired:") for w in s.warnings)]
    assert len(repaired) == 22 and sum(len(s.entries) for s in repaired) == 300
    assert all(e.arxiv_id and e.title and e.abstract for s in repaired for e in s.entries)
    last = read_snapshot(HF_DAILY / "2025-01-10.json")
    assert len(last.entries) == 9 and last.digest.value == date(2025, 1, 10)


def test_a_scrapers_json_gives_every_paper_its_id_from_any_link_field() -> None:
    doc = {
        "date": "2025-03-03",
        "papers": [
            {"title": "A", "url": "https://huggingface.co/papers/2503.00001", "abstract": "a", "upvotes": 3},
            {"title": "B", "url": "https://github.com/b/b", "pdf_url": "https://arxiv.org/pdf/2503.00002v2"},
            {"title": "C", "link": "https://arxiv.org/abs/2503.00003", "authors": ["X", "Y"], "abstract": "c"},
        ],
    }
    snap = parse_snapshot(json.dumps(doc).encode(), "scraped.json")
    assert [e.arxiv_id for e in snap.entries] == ["2503.00001", "2503.00002", "2503.00003"]
    assert snap.digest.value == date(2025, 3, 3) and snap.entries[2].n_authors == 2
    rows = "\n".join(json.dumps(p) for p in doc["papers"])
    assert [e.arxiv_id for e in parse_snapshot(rows.encode(), "2025-03-03.jsonl").entries] == [
        "2503.00001",
        "2503.00002",
        "2503.00003",
    ]
