"""The walk's scores (GraphRanker) against a direct solve of personalized PageRank.

Fast: a hand-made projection, no store.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from geertz.retrieval.rank import GraphRanker
from geertz.retrieval.snapshot import Snapshot

ALPHA = 0.85


def _projection(seed: int) -> list[tuple[str, str, str]]:
    """A random graph with hubs, chains, nodes of one neighbour, a pair joined only to
    each other and a repeated edge: the shapes the elimination must get right."""
    rng = random.Random(seed)
    core = [f"n{i}" for i in range(40)]
    links = [
        (rng.choice(core), rng.choice(["holder", "practice", "place"]), rng.choice(core)) for _ in range(90)
    ]
    links = [(s, p, o) for s, p, o in links if s != o]
    links += [(f"leaf{i}", "meaning", rng.choice(core)) for i in range(30)]
    links += [("lonely-a", "meaning", "lonely-b"), ("n1", "place", "n2"), ("n1", "place", "n2")]
    return links


def _ranker(
    links: list[tuple[str, str, str]], iterations: int | None = None, tolerance: float = 1e-4
) -> GraphRanker:
    snapshot = Snapshot()
    snapshot.links = links
    if iterations is None:
        return GraphRanker(snapshot, alpha=ALPHA)
    return GraphRanker(snapshot, alpha=ALPHA, iterations=iterations, tolerance=tolerance)


def _direct(links: list[tuple[str, str, str]], index: dict[str, int], seeds: dict[str, float]) -> np.ndarray:
    """x = (1 - alpha) (I - alpha P^T)^-1 p, with P the row-normalised weights, solved densely."""
    from geertz.retrieval.rank import EDGE_WEIGHTS

    degree: dict[str, int] = {}
    for s, _, o in links:
        degree[s] = degree.get(s, 0) + 1
        degree[o] = degree.get(o, 0) + 1
    size = len(index)
    weights = np.zeros((size, size))
    for s, p, o in links:
        w = EDGE_WEIGHTS.get(p, 0.3) / math.sqrt(degree[s] * degree[o])
        weights[index[s], index[o]] += w
        weights[index[o], index[s]] += w
    transition = weights / weights.sum(axis=1, keepdims=True)
    personal = np.zeros(size)
    for node, weight in seeds.items():
        personal[index[node]] += weight
    personal /= personal.sum()
    return (1 - ALPHA) * np.linalg.solve(np.eye(size) - ALPHA * transition.T, personal)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_scores_converge_to_the_direct_solution(seed: int) -> None:
    links = _projection(seed)
    ranker = _ranker(links, iterations=200, tolerance=0.0)
    seeds = {"n3": 1.0, "leaf4": 0.5, "n17": 0.2, "lonely-a": 0.1, "not-in-the-graph": 3.0}
    expected = _direct(links, ranker.index, {k: v for k, v in seeds.items() if k in ranker.index})
    scores = ranker.rank_array(seeds)
    assert scores.shape == (len(ranker.index),)
    np.testing.assert_allclose(scores, expected, atol=1e-6)
    assert scores.sum() == pytest.approx(1.0, abs=1e-5)


def test_the_default_steps_keep_the_order_of_the_best_nodes() -> None:
    links = _projection(4)
    ranker = _ranker(links)
    seeds = {"n5": 1.0, "n9": 0.4}
    expected = _direct(links, ranker.index, seeds)
    scores = ranker.rank_array(seeds)
    best = list(np.argsort(-expected)[:5])
    assert list(np.argsort(-scores)[:5]) == best
    assert np.abs(scores - expected).sum() < 0.05


def test_leaves_take_their_share_from_their_one_neighbour() -> None:
    links = [("hub", "holder", f"s{i}") for i in range(5)] + [
        ("s0", "meaning", "m0"),
        ("s1", "meaning", "m1"),
    ]
    ranker = _ranker(links, iterations=100, tolerance=0.0)
    scores = ranker.rank_array({"s0": 1.0})
    position = ranker.index
    assert scores[position["m0"]] > scores[position["m1"]] > 0
    np.testing.assert_allclose(scores, _direct(links, position, {"s0": 1.0}), atol=1e-7)


def test_no_known_seed_scores_nothing() -> None:
    ranker = _ranker(_projection(5))
    assert not ranker.rank_array({"elsewhere": 1.0, "n1": 0.0}).any()
