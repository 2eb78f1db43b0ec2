"""Topic identity across runs (pure registry), on synthetic topics with known answers."""

from __future__ import annotations

import numpy as np

from papertrends.registry import Known, align, retention

RNG = np.random.default_rng(0)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _topic(ids: range) -> frozenset[str]:
    return frozenset(f"p{i}" for i in ids)


CENTRES = [_unit(RNG.normal(size=16)) for _ in range(4)]
PREVIOUS = [
    Known(10, "graph neural, gnn", _topic(range(0, 100)), CENTRES[0]),
    Known(11, "diffusion, image generation", _topic(range(100, 200)), CENTRES[1]),
    Known(12, "reinforcement learning, reward", _topic(range(200, 300)), CENTRES[2]),
]
TERMS = {0: ["graph neural", "gnn", "node"], 1: ["diffusion", "image"], 2: ["reinforcement learning", "reward"]}


def _align(members: dict[int, frozenset[str]], cents: dict[int, np.ndarray], terms: dict[int, list[str]]):
    labels = {k: ", ".join(v[:2]) for k, v in terms.items()}
    return align(members, cents, labels, terms, PREVIOUS, next_id=13, min_overlap=0.3, min_similarity=0.9)


def test_the_same_topics_keep_every_id_and_label() -> None:
    # A new fit numbers its topics differently: local 0 is the previous 12, and so on.
    members = {0: PREVIOUS[2].members, 1: PREVIOUS[0].members, 2: PREVIOUS[1].members}
    cents = {0: CENTRES[2], 1: CENTRES[0], 2: CENTRES[1]}
    terms = {0: TERMS[2], 1: TERMS[0], 2: TERMS[1]}
    result = _align(members, cents, terms)
    assert result.ids == {0: 12, 1: 10, 2: 11}
    assert result.labels == {
        0: "reinforcement learning, reward",
        1: "graph neural, gnn",
        2: "diffusion, image generation",
    }
    assert result.events == []


def test_an_added_month_keeps_ids_and_makes_a_new_topic() -> None:
    new = range(1000, 1200)  # December's papers
    members = {
        0: _topic(range(0, 100)) | _topic(new[:30]),
        1: _topic(range(100, 195)) | _topic(new[30:60]),
        2: _topic(range(200, 300)) | _topic(range(195, 200)),
        3: _topic(new[60:100]),
    }
    cents = {0: CENTRES[0], 1: CENTRES[1], 2: CENTRES[2], 3: CENTRES[3]}
    terms = {**TERMS, 3: ["robot", "manipulation"]}
    result = _align(members, cents, terms)
    assert result.ids == {0: 10, 1: 11, 2: 12, 3: 13}
    assert [e.kind for e in result.events] == ["new"]
    old = {f"p{i}": t for t, r in ((10, range(100)), (11, range(100, 200)), (12, range(200, 300))) for i in r}
    now = {p: result.ids[k] for k, ps in members.items() for p in ps}
    assert retention(old, now, set(result.ids.values())).by_topic == 1.0


def test_a_forced_split_and_a_merge_are_recorded() -> None:
    members = {0: _topic(range(0, 50)), 1: _topic(range(50, 100)), 2: _topic(range(100, 300))}
    cents = {0: _unit(CENTRES[0] + 0.1), 1: _unit(CENTRES[0] - 0.1), 2: _unit(CENTRES[1] + CENTRES[2])}
    terms = {0: ["graph neural", "gnn"], 1: ["graph", "node"], 2: ["diffusion", "reinforcement learning"]}
    result = _align(members, cents, terms)
    kinds = {e.kind for e in result.events}
    assert kinds >= {"gone", "merged", "new", "split"}
    split = next(e for e in result.events if e.kind == "split")
    assert split.topic_id == 10 and sorted(split.into) == sorted([result.ids[0], result.ids[1]])
    merged = next(e for e in result.events if e.kind == "merged")
    assert merged.previous_ids == (11, 12) and merged.topic_id in (11, 12)
    assert len(set(result.ids.values())) == 3  # one-to-one: no id given twice


def test_a_label_that_no_longer_fits_is_renamed() -> None:
    members = {0: PREVIOUS[0].members}
    result = align(
        members,
        {0: CENTRES[0]},
        {0: "graph transformers, attention"},
        {0: ["graph transformers", "attention"]},
        PREVIOUS[:1],
        next_id=13,
        min_overlap=0.3,
        min_similarity=0.9,
    )
    assert result.ids == {0: 10} and result.labels == {0: "graph transformers, attention"}
    assert result.events[0].kind == "renamed"


def test_a_topic_with_few_shared_papers_but_the_same_centroid_keeps_its_id() -> None:
    result = _align({0: _topic(range(1000, 1100))}, {0: CENTRES[1]}, {0: TERMS[1]})
    assert result.ids == {0: 11}
