"""Hand-written retrieval cases over the shipped seed and the gazetteer: for each prompt,
the expected practice is among the top 5 items, and the missing facet is the expected one.

The table is tests/fixtures/seed_cases.jsonl, one case a line::

    {"id": ..., "prompt": ..., "practice": <practice IRI>, "missing": null | "place" | "community",
     "messages": [earlier turns, optional], "note": why this case}

``missing: null`` means the prompt (or an earlier turn) names a place, so the pack must not
ask for one.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from geertz.retrieval.retriever import Retriever

from .conftest import FIXTURES

SEED_CASES = FIXTURES / "seed_cases.jsonl"
TOP = 5


def load_seed_cases() -> list[dict[str, Any]]:
    """The hand-written cases, in file order."""
    with SEED_CASES.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


CASES = load_seed_cases()


@pytest.fixture(scope="module")
def retriever(seed_retriever: Retriever) -> Retriever:
    return seed_retriever


def test_case_table_is_well_formed(retriever: Retriever) -> None:
    assert len(CASES) == 40
    assert len({case["id"] for case in CASES}) == len(CASES)
    practices = {st.practice for st in retriever.snapshot.statements.values()}
    for case in CASES:
        assert case["practice"] in practices, case["id"]
        assert case["missing"] in (None, "place", "community"), case["id"]
        assert all(isinstance(turn, str) for turn in case.get("messages", [])), case["id"]


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_seed_case(retriever: Retriever, case: dict[str, Any]) -> None:
    pack = retriever.context(case["prompt"], messages=case.get("messages", []), k=TOP)
    top = [item.practice for item in pack.items[:TOP]]
    missing = [m.facet for m in pack.missing]
    shown = [(iri or "").rsplit("/", 1)[-1] for iri in top]
    assert case["practice"] in top, f"top {TOP}: {shown}; missing: {missing}"
    if case["missing"] is None:
        assert "place" not in missing, f"a place is given, yet missing is {missing}"
    else:
        assert case["missing"] in missing, f"expected {case['missing']!r} in missing {missing}"
