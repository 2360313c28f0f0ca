"""BLEnD: the importer (own named graph, licence, identifiers) and the evaluation
on a slice of the dev split. BLEnD is read from ../shared/data/blend, never copied."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from geertz.graph import EmbeddedStore
from geertz.graph.blend import BLEND_GRAPH, blend_quads, neutral_question, read_blend
from geertz.graph.gazetteer import build_gazetteer
from geertz.retrieval.evaluate import EvalCase, build_cases, evaluate, split_of
from geertz.retrieval.pack import ContextPack, PackItem
from geertz.retrieval.retriever import Retriever

from .conftest import ONTOLOGY, ROOT, VECTOR_ENV


def _blend_dir() -> Path | None:
    candidates = [
        os.environ.get("GEERTZ_BLEND_DIR"),
        ROOT.parent / "shared" / "data" / "blend",
        "/work/shared/data/blend",
    ]
    for candidate in candidates:
        if candidate and (Path(candidate) / "annotations").is_dir():
            return Path(candidate)
    return None


BLEND = _blend_dir()
pytestmark = pytest.mark.skipif(
    BLEND is None, reason="BLEnD is not at ../shared/data/blend (set GEERTZ_BLEND_DIR)"
)


@pytest.fixture(scope="module")
def store() -> Iterator[EmbeddedStore]:
    assert BLEND is not None
    store = EmbeddedStore()
    store.load(ONTOLOGY / "geertz.ttl", graph="https://w3id.org/geertz/graph/ontology")
    for file in sorted((ROOT / "data" / "places").glob("*.ttl")):
        store.load(file, graph="https://w3id.org/geertz/graph/seed")
    store.load_quads(list(build_gazetteer()))
    store.load_quads(list(blend_quads(BLEND)))
    yield store
    store.close()


def test_records_keep_identifier_place_and_agreement(store: EmbeddedStore) -> None:
    rows = store.select(
        "SELECT ?i ?place ?a WHERE { GRAPH <"
        + BLEND_GRAPH
        + "> { ?i dcterms:identifier ?id ; gz:agreement ?a ; "
        "gz:scope/gz:place ?place } }",
        {"id": "blend:West_Java:Al-en-06"},
    )
    assert rows
    assert {row["place"].value for row in rows} == {"https://w3id.org/geertz/id/place-ID-JB"}
    assert all(0 <= float(row["a"].value) <= 1 for row in rows)
    assert store.ask(f"ASK {{ GRAPH <{BLEND_GRAPH}> {{ <{BLEND_GRAPH}> dcterms:license ?l }} }}")


def test_one_record_per_question_and_file() -> None:
    assert BLEND is not None
    records = list(read_blend(BLEND))
    assert len(records) == 16 * 500
    assert len({(r.stem, r.qid) for r in records}) == len(records)


@pytest.mark.parametrize(
    ("question", "stem", "expected"),
    [
        (
            "What is a common school cafeteria food in China?",
            "China",
            "What is a common school cafeteria food?",
        ),
        ("What is the most popular fruit in US?", "US", "What is the most popular fruit?"),
        (
            "What do people eat for breakfast in Northern Nigeria?",
            "Northern_Nigeria",
            "What do people eat for breakfast?",
        ),
    ],
    ids=["china", "us", "northern-nigeria"],
)
def test_questions_lose_their_country(question: str, stem: str, expected: str) -> None:
    assert neutral_question(question, stem) == expected


def test_split_is_by_question_and_stable() -> None:
    assert BLEND is not None
    qids = sorted({r.qid for r in read_blend(BLEND)})
    dev = [q for q in qids if split_of(q) == "dev"]
    assert 0.1 < len(dev) / len(qids) < 0.3
    assert [split_of(q) for q in qids] == [split_of(q) for q in qids]


def test_evaluation_on_a_dev_slice(store: EmbeddedStore) -> None:
    assert BLEND is not None
    retriever = Retriever.build(store)
    wanted = {"West_Java", "Indonesia", "Northern_Nigeria", "Spain", "Mexico"}
    records = [r for r in read_blend(BLEND) if r.stem in wanted]
    cases = list(build_cases(records, "dev"))[:150]
    report = evaluate(retriever, cases, split="dev")
    city = report.by_cue["city"]
    assert city["cases"] > 20
    # The city names the place, so the record from that place should be found.
    assert city["recall@5"] >= 0.8
    assert city["wrong_country_first"] <= 0.2
    assert report.no_cue["missing_place_flagged"] == 1.0
    assert report.no_cue["confident_single_country"] == 0.0


def test_cli_import_and_eval(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    assert BLEND is not None
    env = {
        "GEERTZ_CACHE_DIR": str(tmp_path / "cache"),
        "PATH": "/usr/bin:/bin",
        "COLUMNS": "300",
        **VECTOR_ENV,
    }
    base = [sys.executable, "-m", "geertz", "--store", str(tmp_path / "store")]
    loaded = subprocess.run(
        [*base, "load", str(ONTOLOGY / "geertz.ttl")], capture_output=True, text=True, env=env
    )
    assert loaded.returncode == 0, loaded.stderr
    result = subprocess.run(
        [*base, "eval", "blend", str(BLEND)], capture_output=True, text=True, env=env, timeout=600
    )
    assert result.returncode != 0 and "no BLEnD graph" in result.stderr
    result = subprocess.run(
        [*base, "import", "blend", str(BLEND)], capture_output=True, text=True, env=env, timeout=600
    )
    assert result.returncode == 0, result.stderr
    result = subprocess.run(
        [*base, "eval", "blend", str(BLEND), "--split", "dev", "--limit", "40", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["split"] == "dev" and "city" in report["by_cue"]
    bad = subprocess.run(
        [*base, "eval", "blend", str(BLEND), "--split", "train"], capture_output=True, text=True, env=env
    )
    assert bad.returncode != 0 and "dev or test" in bad.stderr


class _AlwaysFirst:
    """A scripted source that ranks one file's record of every question first."""

    def __init__(self, stem: str) -> None:
        self.stem = stem

    def context(self, prompt: str, *, k: int = 10) -> ContextPack:
        qid = prompt.rsplit(" ", 1)[-1]
        items = [
            PackItem(
                iri=f"urn:{stem}",
                kind="interpretation",
                label=stem,
                text="",
                score=1.0 - i / 10,
                applies=None,
                identifiers=[f"blend:{stem}:{qid}"],
                why="scripted",
            )
            for i, stem in enumerate([self.stem, "Spain", "Mexico"])
        ]
        return ContextPack(prompt=prompt, items=items)


def test_the_wrong_first_floor_counts_identical_prompts_for_different_files() -> None:
    """Two files share "a Spanish speaker": whatever comes first is wrong for one of them."""
    shared = [
        EvalCase("Spain", "Q1", "language", "I am a Spanish speaker. Q1"),
        EvalCase("Mexico", "Q1", "language", "I am a Spanish speaker. Q1"),
        EvalCase("Greece", "Q2", "language", "I am a Greek speaker. Q2"),
    ]
    report = evaluate(_AlwaysFirst("Spain"), shared, split="dev")
    language = report.by_cue["language"]
    assert language["wrong_first_floor"] == round(1 / 3, 3)
    # Spain first is right for Spain, wrong for Mexico and for Greece.
    assert language["wrong_country_first"] == round(2 / 3, 3)
    assert language["wrong_first_floor"] <= language["wrong_country_first"]


def test_a_question_asked_in_every_place_does_not_crowd_out_the_rest(store: EmbeddedStore) -> None:
    """With no place given, sixteen files' answers to one question leave room for others."""
    retriever = Retriever.build(store)
    # The diversity of the pool is under test here, not the relevance threshold.
    pack = retriever.context("What colour of clothes do wedding guests wear?", k=6, min_relevance=0.0)
    practices = [item.practice for item in pack.items]
    # Two questions at least: since the pack orders what bears on the prompt by relevance,
    # the two wedding-clothes questions fill it before unrelated ones (it was three before).
    assert len(set(practices)) >= 2, practices
    assert "place" in [m.facet for m in pack.missing]


def test_the_annotators_own_words_are_kept_language_tagged(store: EmbeddedStore) -> None:
    rows = store.select(
        "SELECT ?text WHERE { GRAPH <" + BLEND_GRAPH + "> { ?i dcterms:identifier ?id ; gz:text ?text } }",
        {"id": "blend:Greece:Al-en-06"},
    )
    # Oxigraph normalises language tags to lower case.
    languages = {(getattr(row["text"], "language", None) or "").lower() for row in rows}
    assert {"en", "el-gr"} <= languages
    greek = [row["text"].value for row in rows if (row["text"].language or "").lower() == "el-gr"]
    assert greek and all(" \u2014 " in text for text in greek)
    labels = store.select(
        "SELECT ?l WHERE { GRAPH <"
        + BLEND_GRAPH
        + "> { ?i dcterms:identifier ?id ; gz:meaning/skos:prefLabel ?l "
        'FILTER (LANGMATCHES(LANG(?l), "el-GR")) } }',
        {"id": "blend:Greece:Al-en-06"},
    )
    assert labels
    # English-speaking files have no second text.
    us = store.select(
        "SELECT ?text WHERE { GRAPH <" + BLEND_GRAPH + "> { ?i dcterms:identifier ?id ; gz:text ?text } }",
        {"id": "blend:US:Al-en-06"},
    )
    assert {getattr(row["text"], "language", None) for row in us} == {"en"}


def test_majority_answers_and_their_match() -> None:
    from geertz.generation.blend_eval import contains_answer, majority_answers
    from geertz.graph.blend import BlendRecord

    record = BlendRecord(
        "Greece",
        "q1",
        "Food",
        "What is eaten?",
        "Τι τρώγεται;",
        ((("toast",), 2), (("koulouri",), 2), (("fruit",), 1)),
        (("τοστ",), ("κουλούρι",), ("φρούτο",)),
        "el-GR",
    )
    assert majority_answers(record) == ("toast", "koulouri", "τοστ", "κουλούρι")
    assert contains_answer("Most answered: Toast. [1]", ["toast"])
    assert not contains_answer("They had toasted bread.", ["toast"])  # whole words only
    assert contains_answer("Απάντησαν: κουλουρι", ["κουλούρι"])  # accents folded
    assert contains_answer("大多数人回答：饺子。", ["饺子"])  # no word boundaries in Chinese
    assert not contains_answer("fruit", [])


def test_answers_end_to_end_on_a_dev_slice(store: EmbeddedStore) -> None:
    from geertz.generation import Answerer
    from geertz.generation.blend_eval import evaluate_answers

    assert BLEND is not None
    records = list(read_blend(BLEND))
    cases = [c for c in build_cases(records, "dev") if c.cue in ("city", "local")][:60]
    retriever = Retriever.build(store)
    report = evaluate_answers(retriever, Answerer(), cases, records, split="dev")
    assert sum(report.cases.values()) == len(cases)
    assert report.rate("city") >= 0.8, report.misses[:5]
    assert report.rate() <= 1.0 and len(report.misses) == sum(report.cases.values()) - sum(
        report.hits.values()
    )
