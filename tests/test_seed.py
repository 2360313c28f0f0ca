"""The shipped seed knowledge: coverage minimums, plurality, sources, native terms,
and spread across every inhabited continent."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from geertz.graph import EmbeddedStore
from geertz.graph.gazetteer import build_gazetteer
from geertz.graph.stats import store_stats

from .conftest import ONTOLOGY, ROOT

MINIMUMS = {"Practice": 150, "Interpretation": 350, "Norm": 120, "Community": 80}
DOMAINS = [
    "greetings",
    "hospitality",
    "food",
    "gift-giving",
    "weddings",
    "mourning",
    "religious-observance",
    "time",
    "gestures",
    "money",
    "family",
    "workplace",
]


@pytest.fixture(scope="module")
def seed() -> Iterator[EmbeddedStore]:
    store = EmbeddedStore()
    store.load(ONTOLOGY / "geertz.ttl", graph="https://w3id.org/geertz/graph/ontology")
    for path in sorted((ROOT / "data").rglob("*.ttl")):
        store.load(path, graph="https://w3id.org/geertz/graph/seed")
    store.load_quads(list(build_gazetteer(cities=False)))
    yield store
    store.close()


def test_coverage_minimums(seed: EmbeddedStore) -> None:
    counts = store_stats(seed).classes
    for name, minimum in MINIMUMS.items():
        assert counts[name] >= minimum, f"{name}: {counts[name]} < {minimum}"
    assert counts["Variation"] + counts["Contestation"] >= 40


def test_twelve_domains_each_with_practices(seed: EmbeddedStore) -> None:
    rows = seed.select(
        "SELECT ?d (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a gz:Practice ; gz:domain ?d } GROUP BY ?d"
    )
    found = {row["d"].value.rsplit("domain-", 1)[-1]: int(row["n"].value) for row in rows}
    for domain in DOMAINS:
        assert found.get(domain, 0) >= 10, f"domain {domain!r} has {found.get(domain, 0)} practices"


def test_every_practice_has_two_interpretations(seed: EmbeddedStore) -> None:
    rows = seed.select(
        "SELECT ?p (COUNT(DISTINCT ?i) AS ?n) WHERE { ?p a gz:Practice . "
        "OPTIONAL { ?i gz:ofPractice ?p ; a gz:Interpretation } } GROUP BY ?p HAVING (COUNT(DISTINCT ?i) < 2)"
    )
    assert [row["p"].value for row in rows] == []


def test_every_evidence_is_checkable(seed: EmbeddedStore) -> None:
    rows = seed.select(
        "SELECT ?e WHERE { ?e a gz:Evidence . FILTER (NOT EXISTS { ?e dcterms:title ?t } || "
        "(NOT EXISTS { ?e dcterms:source ?u } && NOT EXISTS { ?e dcterms:bibliographicCitation ?c })) }"
    )
    assert [row["e"].value for row in rows] == []


def test_every_statement_has_scope_holder_perspective_and_evidence(seed: EmbeddedStore) -> None:
    for prop in ("scope", "heldBy", "perspective", "evidence"):
        rows = seed.select(
            "SELECT ?s WHERE { VALUES ?c { gz:Interpretation gz:Norm } ?s a ?c . "
            f"FILTER NOT EXISTS {{ ?s gz:{prop} ?x }} }}"
        )
        assert [row["s"].value for row in rows] == [], prop


@pytest.mark.parametrize(
    "term",
    [
        "taarof",
        "تعارف",
        "omotenashi",
        "おもてなし",
        "supra",
        "tamada",
        "hongbao",
        "红包",
        "mano po",
        "sadaqah",
    ],
)
def test_native_terms_are_labels(seed: EmbeddedStore, term: str) -> None:
    assert seed.ask(
        "ASK { ?x skos:prefLabel|skos:altLabel|skos:hiddenLabel ?l . FILTER (CONTAINS(LCASE(STR(?l)), ?t)) }",
        {"t": term.lower()},
    ), term


def test_native_terms_carry_language_tags(seed: EmbeddedStore) -> None:
    rows = seed.select(
        "SELECT (COUNT(*) AS ?n) WHERE { ?p a gz:Practice ; skos:altLabel ?l . FILTER (LANG(?l) != '' && !STRSTARTS(LANG(?l), 'en')) }"
    )
    assert int(rows[0]["n"].value) >= 100


@pytest.mark.parametrize("continent", ["AF", "AS", "EU", "NA", "SA", "OC"])
def test_every_inhabited_continent_is_covered(seed: EmbeddedStore, continent: str) -> None:
    rows = seed.select(
        "SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE { ?i a gz:Interpretation ; gz:scope/gz:place ?p . "
        f"?p gz:partOf* <https://w3id.org/geertz/id/place-continent-{continent}> }}"
    )
    assert int(rows[0]["n"].value) >= 15, continent


def test_communities_are_not_just_countries(seed: EmbeddedStore) -> None:
    diasporas = seed.select(
        "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a gz:Community ; gz:originatesIn ?p }"
    )
    assert int(diasporas[0]["n"].value) >= 5
    linked = seed.select(
        "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a gz:Community ; gz:overlapsWith|gz:nestedIn ?o }"
    )
    assert int(linked[0]["n"].value) >= 30
    without_note = seed.select(
        "SELECT ?c WHERE { ?c a gz:Community . FILTER NOT EXISTS { ?c gz:boundaryNote ?b } }"
    )
    assert [row["c"].value for row in without_note] == []


def test_no_unbounded_generalisations_in_statement_text(seed: EmbeddedStore) -> None:
    rows = seed.select(
        "SELECT ?s ?t WHERE { ?s gz:text ?t . FILTER (REGEX(?t, '\\\\b(all|every) [A-Z][a-z]+ (people|men|women)\\\\b|\\\\b[A-Z][a-z]+ people always\\\\b')) }"
    )
    assert [(row["s"].value, row["t"].value) for row in rows] == []
