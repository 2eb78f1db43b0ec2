"""Any input either parses or raises ParseError naming the file: never another exception, never a hang."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SAMPLE_FILES
from papertrends.ingest import read_snapshots
from papertrends.snapshots import FORMATS, ParseError, Snapshot, parse_snapshot

PARSERS = [f for f in FORMATS if f != "auto"] + ["auto"]
SAMPLE = SAMPLE_FILES[0].read_bytes()


def _parses_or_says_why(data: bytes, fmt: str, name: str = "input.txt") -> Snapshot | ParseError:
    try:
        snap = parse_snapshot(data, name, fmt=fmt)
    except ParseError as e:
        assert e.source == name and e.reason
        return e
    assert all(isinstance(e.title, str) and e.title for e in snap.entries)
    return snap


@pytest.mark.parametrize("fmt", PARSERS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=3000))
def test_arbitrary_bytes(fmt: str, data: bytes) -> None:
    _parses_or_says_why(data, fmt)


@pytest.mark.parametrize("fmt", PARSERS)
@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=2000))
def test_arbitrary_text(fmt: str, text: str) -> None:
    _parses_or_says_why(text.encode(), fmt)


@settings(max_examples=60, deadline=None)
@given(cut=st.integers(min_value=0, max_value=len(SAMPLE)), noise=st.binary(max_size=50))
def test_a_real_page_cut_anywhere_or_with_noise(cut: int, noise: bytes) -> None:
    result = _parses_or_says_why(SAMPLE[:cut] + noise, "auto")
    if isinstance(result, Snapshot) and not noise:
        whole = parse_snapshot(SAMPLE, "input.txt")
        kept = result.complete_entries
        assert len(kept) <= len(whole.entries)  # never invents a paper
        for mine, theirs in zip(kept[:-1], whole.entries, strict=False):
            assert mine.title == theirs.title


@settings(max_examples=60, deadline=None)
@given(
    doc=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=30,
    )
)
def test_arbitrary_json_documents(doc: object) -> None:
    for fmt in ("hf-json", "jsonl"):
        _parses_or_says_why(json.dumps(doc).encode(), fmt, "x.json")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"\n\n   \n", "empty"),
        (b"\x00\x01\x02binary", "binary file"),
        (b"Title\xff\xfe\n", "invalid UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "nested too deeply"),
    ],
)
def test_named_bad_inputs(data: bytes, reason: str) -> None:
    for fmt in ("auto", "hf-json") if data.startswith((b"[", b"{")) else ("auto", "text", "markdown"):
        with pytest.raises(ParseError, match=reason):
            parse_snapshot(data, "bad.json", fmt=fmt)


def test_bom_and_crlf_parse_like_the_original() -> None:
    whole = parse_snapshot(SAMPLE, "a.txt")
    crlf = parse_snapshot(b"\xef\xbb\xbf" + SAMPLE.replace(b"\n", b"\r\n"), "a.txt")
    assert [(e.title, e.abstract, e.published) for e in crlf.entries] == [
        (e.title, e.abstract, e.published) for e in whole.entries
    ]


@pytest.mark.parametrize("fmt", ["text", "markdown", "jsonl", "csv", "hf-json"])
def test_a_5_mb_abstract_parses_quickly(fmt: str) -> None:
    research = "We propose a model, train it on a new dataset and show it outperforms the baseline. "
    abstract = research + ("word_with_underscores *starred* [bracket " * 130_000)[:5_000_000]
    data = {
        "text": f"Jan 2\n\nA Title\n\n{abstract}\n\n  • 2 authors\n·\nJan 1, 2025\n",
        "markdown": f"### [A Title](https://huggingface.co/papers/2501.00001)\n\n{abstract}\n\n* 2 authors\n\n· Jan 1",
        "jsonl": json.dumps({"title": "A Title", "abstract": abstract}) + "\n",
        "csv": "title,abstract\nA Title," + json.dumps(abstract) + "\n",
        "hf-json": json.dumps([{"paper": {"id": "2501.00001", "title": "A Title", "summary": abstract}}]),
    }[fmt]
    start = time.perf_counter()
    snap = parse_snapshot(data.encode(), "2025-01-02.txt", fmt=fmt)
    assert time.perf_counter() - start < 20
    assert len(snap.entries) == 1 and len(snap.entries[0].abstract) > 4_000_000


def test_a_folder_of_10000_small_files(tmp_path: Path) -> None:
    entry = '[{{"paper": {{"id": "2501.{n:05d}", "title": "Paper {n}", "summary": "Abstract {n}."}}}}]'
    for n in range(10_000):
        name = f"2025-01-{n % 28 + 1:02d}-{n:05d}.json"
        body = "garbage{" if n % 1000 == 0 else entry.format(n=n)
        (tmp_path / name).write_text(body)
    start = time.perf_counter()
    result = read_snapshots(tmp_path)
    assert len(result.snapshots) == 9_990 and len(result.rejected) == 10
    assert time.perf_counter() - start < 120
