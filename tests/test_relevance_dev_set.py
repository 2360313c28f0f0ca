"""The form of the labelled relevance dev set (tests/fixtures/relevance_dev.jsonl).

Fast: parses the seed Turtle with rdflib, no store and no embedder.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, Namespace
from rdflib.namespace import RDF

ROOT = Path(__file__).resolve().parent.parent
DEV_SET = ROOT / "tests" / "fixtures" / "relevance_dev.jsonl"
SEED_CASES = ROOT / "tests" / "fixtures" / "seed_cases.jsonl"
GZ = Namespace("https://w3id.org/geertz#")
PRACTICE_PREFIX = "https://w3id.org/geertz/id/practice-"
KINDS = {"in", "off", "chat"}
MINIMUMS = {"in": 40, "off": 30, "chat": 10}


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:  # pragma: no cover - failure path
            pytest.fail(f"{path.name}:{number}: not JSON: {exc}")
        assert isinstance(row, dict), f"{path.name}:{number}: not an object"
        rows.append(row)
    return rows


@lru_cache(maxsize=1)
def _rows() -> tuple[dict[str, Any], ...]:
    return tuple(_read_jsonl(DEV_SET))


@lru_cache(maxsize=1)
def _practices() -> frozenset[str]:
    graph = Graph()
    files = sorted((ROOT / "data" / "seed").glob("*.ttl")) + sorted((ROOT / "data" / "places").glob("*.ttl"))
    assert files, "no Turtle files found under data/"
    for path in files:
        graph.parse(path, format="turtle")
    return frozenset(str(s) for s in graph.subjects(RDF.type, GZ.Practice))


def test_every_line_parses_with_the_expected_fields() -> None:
    rows = _rows()
    assert rows
    for row in rows:
        assert isinstance(row.get("id"), str) and row["id"], row
        assert isinstance(row.get("prompt"), str) and row["prompt"].strip(), row
        assert isinstance(row.get("note"), str) and row["note"].strip(), row
        assert isinstance(row.get("gold"), list), row
        assert set(row) <= {"id", "kind", "prompt", "gold", "near", "note"}, row


def test_kinds_and_minimum_counts() -> None:
    counts = {kind: 0 for kind in KINDS}
    for row in _rows():
        assert row["kind"] in KINDS, row
        counts[row["kind"]] += 1
    for kind, minimum in MINIMUMS.items():
        assert counts[kind] >= minimum, f"only {counts[kind]} {kind!r} prompts"


def test_ids_are_unique() -> None:
    ids = [row["id"] for row in _rows()]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, duplicates


def test_gold_and_near_follow_the_kind() -> None:
    for row in _rows():
        if row["kind"] == "in":
            assert row["gold"], f"{row['id']}: 'in' needs gold practices"
            assert "near" not in row, f"{row['id']}: 'near' is only for 'off'"
        else:
            assert row["gold"] == [], f"{row['id']}: {row['kind']!r} must have empty gold"
        if "near" in row:
            assert row["kind"] == "off", row["id"]
            assert isinstance(row["near"], list) and row["near"], row["id"]


def test_every_gold_and_near_iri_is_a_seed_practice() -> None:
    practices = _practices()
    for row in _rows():
        for iri in [*row["gold"], *row.get("near", [])]:
            assert isinstance(iri, str) and iri.startswith(PRACTICE_PREFIX), (row["id"], iri)
            assert iri in practices, f"{row['id']}: {iri} is not a gz:Practice in data/seed"


def test_no_prompt_is_copied_from_the_seed_cases() -> None:
    seed_prompts = {row["prompt"].strip().casefold() for row in _read_jsonl(SEED_CASES)}
    prompts = [row["prompt"].strip().casefold() for row in _rows()]
    assert not seed_prompts & set(prompts)
    assert len(prompts) == len(set(prompts)), "duplicate prompts in the dev set"
