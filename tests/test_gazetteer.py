"""The gazetteer: cities from every continent resolve to their first-level region and
country; place IRIs follow one convention; sources keep their licences."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from geertz.graph import EmbeddedStore, iri
from geertz.graph.gazetteer import (
    GEONAMES_GRAPH,
    ISO_GRAPH,
    GazetteerReport,
    build_gazetteer,
    continent_iri,
    iso_place_iri,
    iso_place_quads,
    parse_place_iri,
)

# (city, ISO 3166-2 region, country), the most populous city of that name
SAMPLE = [
    ("Kano", "NG-KN", "NG"),
    ("Lagos", "NG-LA", "NG"),
    ("Addis Ababa", "ET-AA", "ET"),
    ("Accra", "GH-AA", "GH"),
    ("Bandung", "ID-JB", "ID"),
    ("Guwahati", "IN-AS", "IN"),
    ("Osaka", "JP-27", "JP"),
    ("Seoul", "KR-11", "KR"),
    ("Munich", "DE-BY", "DE"),
    ("Barcelona", "ES-CT", "ES"),
    ("Athens", "GR-I", "GR"),
    ("Toronto", "CA-ON", "CA"),
    ("Chicago", "US-IL", "US"),
    ("Guadalajara", "MX-JAL", "MX"),
    ("São Paulo", "BR-SP", "BR"),
    ("Lima", "PE-LIM", "PE"),
    ("Cusco", "PE-CUS", "PE"),
    ("Sydney", "AU-NSW", "AU"),
    ("Auckland", "NZ-AUK", "NZ"),
]


@pytest.fixture(scope="module")
def gazetteer() -> Iterator[tuple[EmbeddedStore, GazetteerReport]]:
    report = GazetteerReport()
    store = EmbeddedStore()
    store.load_quads(list(build_gazetteer(report=report)))
    yield store, report
    store.close()


@pytest.mark.parametrize(("city", "region", "country"), SAMPLE, ids=[s[0] for s in SAMPLE])
def test_cities_resolve_to_region_and_country(
    gazetteer: tuple[EmbeddedStore, GazetteerReport], city: str, region: str, country: str
) -> None:
    store, _ = gazetteer
    rows = store.select(
        "SELECT ?name ?c ?r WHERE { ?c a gz:City ; skos:prefLabel ?name ; gz:population ?pop ; gz:partOf ?r } "
        "ORDER BY DESC(?pop) LIMIT 1",
        {"name": city},
    )
    assert rows, f"{city} is not in the gazetteer"
    assert rows[0]["r"].value == iso_place_iri(region)
    containing = {
        row["k"].value for row in store.select("SELECT ?c ?k WHERE { ?c gz:partOf+ ?k }", {"c": rows[0]["c"]})
    }
    assert iso_place_iri(country) in containing


def test_countries_sit_in_their_continent(gazetteer: tuple[EmbeddedStore, GazetteerReport]) -> None:
    store, _ = gazetteer
    for country, continent in (
        ("NG", "AF"),
        ("ID", "AS"),
        ("DE", "EU"),
        ("MX", "NA"),
        ("PE", "SA"),
        ("NZ", "OC"),
    ):
        assert store.ask(
            "ASK { ?c gz:partOf ?k }", {"c": iri(iso_place_iri(country)), "k": iri(continent_iri(continent))}
        )


def test_english_region_names_are_labels(gazetteer: tuple[EmbeddedStore, GazetteerReport]) -> None:
    store, _ = gazetteer
    labels = {
        row["l"].value
        for row in store.select(
            "SELECT ?r ?l WHERE { ?r skos:prefLabel|skos:altLabel ?l }", {"r": iri(iso_place_iri("ID-JB"))}
        )
    }
    assert {"West Java", "Jawa Barat"} <= labels


def test_countries_have_labels_in_many_languages(gazetteer: tuple[EmbeddedStore, GazetteerReport]) -> None:
    store, _ = gazetteer
    rows = store.select(
        "SELECT ?c ?l WHERE { ?c skos:prefLabel|skos:altLabel ?l }", {"c": iri(iso_place_iri("DE"))}
    )
    languages = {row["l"].language for row in rows}
    assert {"en", "de", "fr", "ja", "zh-hans", "ar"} <= languages  # Oxigraph lower-cases tags


def test_report_and_coverage(gazetteer: tuple[EmbeddedStore, GazetteerReport]) -> None:
    _, report = gazetteer
    assert report.countries == 249
    assert report.subdivisions > 4000
    assert report.cities > 30000
    assert report.cities_with_region / report.cities > 0.8


def test_each_source_keeps_its_licence(gazetteer: tuple[EmbeddedStore, GazetteerReport]) -> None:
    store, _ = gazetteer
    for graph, licence in ((ISO_GRAPH, "lgpl-2.1"), (GEONAMES_GRAPH, "by/4.0")):
        rows = store.select(f"SELECT ?l WHERE {{ GRAPH <{graph}> {{ <{graph}> dcterms:license ?l }} }}")
        assert len(rows) == 1 and licence in rows[0]["l"].value


def test_place_iris_round_trip() -> None:
    assert parse_place_iri(iso_place_iri("ID-JB")) == "ID-JB"
    assert parse_place_iri(iso_place_iri("jp")) == "JP"
    assert parse_place_iri("https://w3id.org/geertz/id/place-geonames-1650357") is None
    assert parse_place_iri("https://example.org/place-JP") is None


def test_subset_includes_the_containing_places() -> None:
    subjects = {q.subject.value for q in iso_place_quads(["ID-JB"])}
    assert subjects == {iso_place_iri("ID-JB"), iso_place_iri("ID-JW"), iso_place_iri("ID")}
