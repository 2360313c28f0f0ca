"""/sparql and the JSON-LD browse routes on a real uvicorn, called with real clients:
SPARQLWrapper, rdflib's SPARQLStore and httpx."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import httpx
import pytest
import rdflib
from pyoxigraph import RdfFormat, parse
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper

from geertz.api import create_app
from geertz.config import Settings
from geertz.engine import ContextEngine
from geertz.graph import EmbeddedStore
from geertz.graph.terms import to_rdflib_graph
from geertz.retrieval.retriever import Retriever

from .api_server import running
from .conftest import FIXTURES, ONTOLOGY

GZ = "https://w3id.org/geertz#"
GZD = "https://w3id.org/geertz/id/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PREFIXES = f"PREFIX gz: <{GZ}>\nPREFIX skos: <{SKOS}>\n"
LIMIT = 25
OPEN_KEY = "key-that-may-see-restricted"
PLAIN_KEY = "plain-reader-key"

# A practice with one public and one restricted reading; the restricted one has a
# blank-node scope whose note must stay hidden with it.
DATA = """
@prefix gz:      <https://w3id.org/geertz#> .
@prefix gzd:     <https://w3id.org/geertz/id/> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .

gzd:domain-test-greetings a gz:Domain ; skos:prefLabel "test greetings"@en .
gzd:place-TL a gz:Country ; skos:prefLabel "Testlandia"@en, "Testlandie"@fr .
gzd:practice-bow a gz:Practice ;
    skos:prefLabel "the test bow"@en, "お辞儀"@ja ;
    skos:altLabel "bowing"@en ;
    gz:domain gzd:domain-test-greetings ;
    dcterms:description "Bending at the waist to greet someone."@en .
gzd:community-villagers a gz:Community ;
    skos:prefLabel "Testlandia villagers"@en ;
    gz:boundaryNote "People who live in the villages of Testlandia." ;
    gz:basedIn gzd:place-TL .
gzd:evidence-bow a gz:Evidence ;
    dcterms:title "Bowing in Testlandia"@en ;
    dcterms:source <https://example.org/bowing> .
gzd:scope-bow a gz:Scope ; gz:place gzd:place-TL .
gzd:interp-bow-respect a gz:Interpretation ;
    gz:ofPractice gzd:practice-bow ; gz:heldBy gzd:community-villagers ; gz:scope gzd:scope-bow ;
    gz:perspective gz:emic ; gz:evidence gzd:evidence-bow ; gz:agreement 0.9 ;
    gz:text "Villagers bow to show respect."@en .
gzd:interp-bow-secret a gz:Interpretation ;
    gz:ofPractice gzd:practice-bow ; gz:heldBy gzd:community-villagers ;
    gz:scope [ a gz:Scope ; gz:place gzd:place-TL ; skos:note "HIDDEN-SCOPE-NOTE" ] ;
    gz:perspective gz:emic ; gz:evidence gzd:evidence-bow ; gz:sensitivity gz:restricted ;
    gz:text "SECRET-CEREMONY: what the elders' bow means."@en .
gzd:variation-bow a gz:Variation ;
    gz:variationOf gzd:practice-bow ;
    gz:member gzd:interp-bow-respect, gzd:interp-bow-secret ;
    gz:dimension "who is present" .
gzd:practice-hidden-rite a gz:Practice ;
    skos:prefLabel "hidden rite"@en ;
    gz:sensitivity gz:restricted .
"""
SECRET = GZD + "interp-bow-secret"
# About a second of work for the store: enough to outlast a 50 ms timeout.
SLOW = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . "
    "VALUES ?k { 1 2 3 4 5 6 7 8 9 10 } FILTER (STR(?c) != STR(?f)) }"
)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ContextEngine]:
    directory = tmp_path_factory.mktemp("sparql-api")
    data = directory / "bow.ttl"
    data.write_text(DATA, encoding="utf-8")
    store = EmbeddedStore(directory / "store")
    store.load(ONTOLOGY / "geertz.ttl", graph="https://w3id.org/geertz/graph/ontology")
    store.load(FIXTURES / "minimal.ttl", graph="https://w3id.org/geertz/graph/seed")
    store.load(data, graph="https://w3id.org/geertz/graph/seed")
    engine = ContextEngine(store, Retriever.build(store))
    yield engine
    store.close()


def _settings(engine: ContextEngine, **overrides: object) -> Settings:
    keys = {OPEN_KEY: {"role": "reader", "restricted": True}, PLAIN_KEY: "reader"}
    return Settings(store=engine.store.location, api_keys=keys, sparql_result_limit=LIMIT, **overrides)


@pytest.fixture(scope="module")
def base(engine: ContextEngine) -> Iterator[str]:
    with running(create_app(_settings(engine), engine=engine)) as url:
        yield url


def sparql(base: str, query: str, *, accept: str | None = None, key: str | None = None) -> httpx.Response:
    headers = {"Accept": accept} if accept else {}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return httpx.get(f"{base}/sparql", params={"query": query}, headers=headers, timeout=30)


def values(response: httpx.Response, name: str) -> list[str]:
    assert response.status_code == 200, response.text
    return [row[name]["value"] for row in response.json()["results"]["bindings"] if name in row]


# -- real SPARQL clients ---------------------------------------------------------


def test_sparqlwrapper_select_ask_and_construct(base: str) -> None:
    endpoint = SPARQLWrapper(f"{base}/sparql")
    endpoint.setQuery(
        PREFIXES + "SELECT ?label WHERE { ?p a gz:Practice ; skos:prefLabel ?label } ORDER BY ?label"
    )
    endpoint.setReturnFormat(JSON)
    rows = endpoint.query().convert()["results"]["bindings"]
    assert [row["label"]["value"] for row in rows] == ["test greeting", "the test bow", "お辞儀"]
    assert rows[1]["label"]["xml:lang"] == "en"

    endpoint.setQuery(PREFIXES + "ASK { <https://w3id.org/geertz/id/practice-bow> a gz:Practice }")
    assert endpoint.query().convert()["boolean"] is True

    endpoint.setQuery(
        PREFIXES + "CONSTRUCT { ?p skos:prefLabel ?l } WHERE { ?p a gz:Practice ; skos:prefLabel ?l }"
    )
    endpoint.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=endpoint.query().convert(), format="turtle")
    assert (
        rdflib.URIRef(GZD + "practice-bow"),
        rdflib.URIRef(SKOS + "prefLabel"),
        rdflib.Literal("the test bow", lang="en"),
    ) in graph
    assert len(graph) == 3


def test_sparqlwrapper_posts_forms(base: str) -> None:
    endpoint = SPARQLWrapper(f"{base}/sparql")
    endpoint.setMethod("POST")
    endpoint.setQuery(PREFIXES + "SELECT (COUNT(*) AS ?n) WHERE { ?s a gz:Community }")
    endpoint.setReturnFormat(JSON)
    rows = endpoint.query().convert()["results"]["bindings"]
    assert rows[0]["n"]["value"] == "3"


def test_rdflib_sparqlstore_select_and_construct(base: str) -> None:
    graph = rdflib.Graph(SPARQLStore(query_endpoint=f"{base}/sparql"))
    rows = list(
        graph.query(
            PREFIXES + "SELECT ?c ?note WHERE { ?c a gz:Community ; gz:boundaryNote ?note } ORDER BY ?c"
        )
    )
    assert [str(row[0]) for row in rows] == [
        "https://example.org/test/community-a",
        "https://example.org/test/community-b",
        GZD + "community-villagers",
    ]
    built = graph.query(PREFIXES + "CONSTRUCT WHERE { ?p a gz:Practice ; gz:domain ?d }").graph
    assert built is not None and len(built) == 2
    assert (
        rdflib.URIRef(GZD + "practice-bow"),
        rdflib.URIRef(GZ + "domain"),
        rdflib.URIRef(GZD + "domain-test-greetings"),
    ) in built


# -- the protocol with httpx --------------------------------------------------------


def test_get_and_post_give_the_same_results(base: str) -> None:
    query = "SELECT ?t WHERE { ?s gz:text ?t } ORDER BY ?t"
    got = httpx.get(f"{base}/sparql", params={"query": query})
    form = httpx.post(f"{base}/sparql", data={"query": query})
    direct = httpx.post(
        f"{base}/sparql",
        content=query.encode(),
        headers={"Content-Type": "application/sparql-query; charset=utf-8"},
    )
    assert got.headers["content-type"] == "application/sparql-results+json"
    assert got.headers["vary"] == "Accept"
    assert values(got, "t") == values(form, "t") == values(direct, "t") == ["Villagers bow to show respect."]


@pytest.mark.parametrize(
    ("accept", "media", "check"),
    [
        (
            "application/sparql-results+xml",
            "application/sparql-results+xml",
            '<literal xml:lang="en">test greeting</literal>',
        ),
        ("text/csv", "text/csv; charset=utf-8", "label\r\ntest greeting\r\n"),
        (
            "text/tab-separated-values",
            "text/tab-separated-values; charset=utf-8",
            '?label\n"test greeting"@en\n',
        ),
        ("application/json", "application/json", '"xml:lang":"en"'),
        ("text/html;q=0.9, text/csv;q=0.5", "text/csv; charset=utf-8", "label\r\n"),
    ],
    ids=["xml", "csv", "tsv", "plain-json", "weighted"],
)
def test_select_formats(base: str, accept: str, media: str, check: str) -> None:
    response = sparql(
        base,
        "SELECT ?label WHERE { <https://example.org/test/practice> skos:prefLabel ?label }",
        accept=accept,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == media
    assert check in response.text


def test_ask_formats(base: str) -> None:
    assert sparql(base, "ASK { ?s a gz:Norm }").json() == {"head": {}, "boolean": True}
    xml = sparql(base, "ASK { ?s a gz:Value }", accept="application/sparql-results+xml")
    assert "<boolean>false</boolean>" in xml.text


@pytest.mark.parametrize(
    ("accept", "media", "parse_as"),
    [
        (None, "text/turtle; charset=utf-8", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/json", "application/json", "json-ld"),
    ],
    ids=["turtle-default", "n-triples", "rdf-xml", "json-ld", "plain-json"],
)
def test_construct_formats(base: str, accept: str | None, media: str, parse_as: str) -> None:
    response = sparql(base, "DESCRIBE <https://w3id.org/geertz/id/practice-bow>", accept=accept)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == media
    if parse_as == "json-ld":  # rdflib's JSON-LD parser warns about its own deprecated classes
        graph = to_rdflib_graph(parse(response.content, RdfFormat.JSON_LD))
    else:
        graph = rdflib.Graph().parse(data=response.text, format=parse_as)
    assert (
        rdflib.URIRef(GZD + "practice-bow"),
        rdflib.URIRef(SKOS + "altLabel"),
        rdflib.Literal("bowing", lang="en"),
    ) in graph


def test_an_accept_header_nothing_fits_gets_406(base: str) -> None:
    response = sparql(base, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", accept="image/png")
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "request_args",
    [
        {"method": "GET", "params": {"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}},
        {"method": "POST", "data": {"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}},
        {"method": "POST", "content": b"DROP ALL", "headers": {"Content-Type": "application/sparql-update"}},
        {"method": "POST", "data": {"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}},
        {"method": "GET", "params": {"query": "PREFIX ex: <urn:x:>\nDELETE WHERE { ?s ?p ?o }"}},
        {"method": "GET", "params": {"query": "LOAD <http://127.0.0.1:9/data.ttl>"}},
    ],
    ids=["update-param", "update-form", "update-body", "insert-as-query", "delete-as-query", "load-as-query"],
)
def test_updates_are_refused(base: str, request_args: dict[str, object]) -> None:
    response = httpx.request(url=f"{base}/sparql", **request_args)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert "read-only" in error["message"] and error["type"] == "invalid_request_error"
    assert sparql(base, "ASK { <urn:a> ?p ?o }").json()["boolean"] is False


def test_bad_requests_get_clear_errors(base: str) -> None:
    malformed = sparql(base, "SELECT ?s WHERE { ?s ?p }")
    assert malformed.status_code == 400
    assert malformed.json()["error"]["message"].startswith("the SPARQL query is not valid: error at 1:")
    service = sparql(base, "SELECT * WHERE { sErViCe <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    assert service.status_code == 400 and "SERVICE" in service.json()["error"]["message"]
    assert httpx.get(f"{base}/sparql").status_code == 400
    twice = httpx.get(f"{base}/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")])
    assert "exactly one query" in twice.json()["error"]["message"]
    dataset = httpx.get(f"{base}/sparql", params={"query": "ASK {}", "default-graph-uri": "urn:g"})
    assert dataset.status_code == 400 and "FROM" in dataset.json()["error"]["message"]
    wrong_type = httpx.post(f"{base}/sparql", content=b"ASK {}", headers={"Content-Type": "text/plain"})
    assert (
        wrong_type.status_code == 415 and "application/sparql-query" in wrong_type.json()["error"]["message"]
    )


def test_the_result_limit_cuts_and_says_so(base: str) -> None:
    cut = sparql(base, "SELECT * WHERE { ?s ?p ?o }")
    assert len(cut.json()["results"]["bindings"]) == LIMIT and cut.headers["x-geertz-truncated"] == "true"
    own_limit = sparql(base, "SELECT * WHERE { ?s ?p ?o } LIMIT 1000")
    assert (
        len(own_limit.json()["results"]["bindings"]) == LIMIT
        and own_limit.headers["x-geertz-truncated"] == "true"
    )
    exact = sparql(base, f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {LIMIT}")
    assert len(exact.json()["results"]["bindings"]) == LIMIT and "x-geertz-truncated" not in exact.headers
    graph = sparql(base, "CONSTRUCT WHERE { ?s ?p ?o }", accept="application/n-triples")
    assert len(graph.text.strip().splitlines()) == LIMIT and graph.headers["x-geertz-truncated"] == "true"


def test_a_slow_query_times_out_with_504(engine: ContextEngine) -> None:
    with running(create_app(_settings(engine, query_timeout=0.05), engine=engine)) as url:
        response = sparql(url, SLOW, key=OPEN_KEY)
    assert response.status_code == 504
    error = response.json()["error"]
    assert error["type"] == "timeout" and "GEERTZ_QUERY_TIMEOUT" in error["message"]


# -- restricted knowledge ------------------------------------------------------------

LEAKS = {
    "text": "SELECT ?t WHERE { ?s gz:text ?t }",
    "count": "SELECT (COUNT(*) AS ?n) WHERE { ?s a gz:Interpretation }",
    "string-function": "SELECT (GROUP_CONCAT(UCASE(?t)) AS ?all) WHERE { ?s gz:text ?t }",
    "blank-scope": "SELECT ?note WHERE { ?x gz:place ?place ; skos:note ?note }",
    "construct": "CONSTRUCT WHERE { ?s gz:ofPractice gzd:practice-bow ; ?p ?o }",
    "describe": "DESCRIBE gzd:interp-bow-secret",
}


def test_restricted_knowledge_does_not_leak_to_anonymous_callers(base: str) -> None:
    for name, query in LEAKS.items():
        for key in (None, PLAIN_KEY):
            response = sparql(base, query, key=key)
            assert response.status_code == 200, response.text
            assert "x-geertz-truncated" not in response.headers, name
            for secret in ("SECRET", "HIDDEN-SCOPE-NOTE", "interp-bow-secret"):
                assert secret not in response.text, (name, key)
    assert sparql(base, "ASK { ?s gz:sensitivity gz:restricted }").json()["boolean"] is False
    assert sparql(base, "ASK { ?s gz:text ?t FILTER CONTAINS(?t, 'SECRET') }").json()["boolean"] is False
    assert values(sparql(base, LEAKS["count"]), "n") == ["3"]
    members = values(sparql(base, "SELECT ?m WHERE { ?v gz:member ?m }"), "m")
    assert GZD + "interp-bow-respect" in members and SECRET not in members


def test_a_key_with_restricted_access_sees_it(base: str) -> None:
    assert values(sparql(base, LEAKS["count"], key=OPEN_KEY), "n") == ["4"]
    texts = values(sparql(base, LEAKS["text"], key=OPEN_KEY), "t")
    assert any(text.startswith("SECRET-CEREMONY") for text in texts)
    assert values(sparql(base, LEAKS["blank-scope"], key=OPEN_KEY), "note") == ["HIDDEN-SCOPE-NOTE"]
    for name in ("construct", "describe"):
        assert "SECRET-CEREMONY" in sparql(base, LEAKS[name], key=OPEN_KEY).text, name
    assert sparql(base, "ASK {}", key="not-a-key").status_code == 401


# -- browse and search -------------------------------------------------------------


def _ld(response: httpx.Response) -> rdflib.Graph:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/ld+json"
    return to_rdflib_graph(parse(response.content, RdfFormat.JSON_LD))


def test_a_practice_as_json_ld(base: str) -> None:
    by_short = httpx.get(f"{base}/v1/practices/bow")
    by_full = httpx.get(f"{base}/v1/practices/practice-bow")
    assert by_short.json() == by_full.json()
    doc = by_short.json()
    assert (
        doc["@context"]["name"] == "skos:prefLabel" and doc["@context"]["description"] == "schema:description"
    )
    assert doc["id"] == GZD + "practice-bow" and doc["type"] == "gz:Practice"
    assert doc["name"] == "the test bow" and doc["labels"] == {"en": "the test bow", "ja": "お辞儀"}
    assert doc["description"] == "Bending at the waist to greet someone."
    assert doc["domain"] == [{"id": GZD + "domain-test-greetings", "name": "test greetings"}]
    [statement] = doc["statements"]
    assert statement["text"] == "Villagers bow to show respect." and statement["agreement"] == 0.9
    assert statement["heldBy"] == [{"id": GZD + "community-villagers", "name": "Testlandia villagers"}]
    assert statement["scope"] == [
        {"id": GZD + "scope-bow", "place": [{"id": GZD + "place-TL", "name": "Testlandia"}]}
    ]
    assert statement["evidence"] == [
        {"id": GZD + "evidence-bow", "title": "Bowing in Testlandia", "url": "https://example.org/bowing"}
    ]
    assert doc["variations"] == [
        {
            "id": GZD + "variation-bow",
            "type": "gz:Variation",
            "dimension": "who is present",
            "members": [GZD + "interp-bow-respect"],
        }
    ]
    graph = _ld(by_short)
    bow, respect = rdflib.URIRef(GZD + "practice-bow"), rdflib.URIRef(GZD + "interp-bow-respect")
    assert (respect, rdflib.URIRef(GZ + "ofPractice"), bow) in graph
    assert (bow, rdflib.URIRef(SKOS + "prefLabel"), rdflib.Literal("お辞儀", lang="ja")) in graph
    assert (respect, rdflib.URIRef(GZ + "perspective"), rdflib.URIRef(GZ + "emic")) in graph
    assert "SECRET" not in by_short.text


def test_restricted_statements_show_only_with_a_key_that_may_see_them(base: str) -> None:
    headers = {"Authorization": f"Bearer {OPEN_KEY}"}
    doc = httpx.get(f"{base}/v1/practices/bow", headers=headers).json()
    secret = next(s for s in doc["statements"] if s["id"] == SECRET)
    assert secret["sensitivity"] == "gz:restricted" and secret["text"].startswith("SECRET-CEREMONY")
    assert secret["scope"][0]["id"].startswith("_:")
    assert SECRET in doc["variations"][0]["members"]
    hidden = httpx.get(f"{base}/v1/practices/hidden-rite")
    assert hidden.status_code == 404 and hidden.json()["error"]["type"] == "not_found_error"
    assert httpx.get(f"{base}/v1/practices/hidden-rite", headers=headers).json()["name"] == "hidden rite"


def test_a_community_as_json_ld(base: str) -> None:
    response = httpx.get(f"{base}/v1/communities/villagers")
    doc = response.json()
    assert doc["type"] == "gz:Community" and doc["boundaryNote"].startswith("People who live")
    assert doc["basedIn"] == [{"id": GZD + "place-TL", "name": "Testlandia"}]
    assert [s["id"] for s in doc["holds"]] == [GZD + "interp-bow-respect"]
    assert doc["holds"][0]["practice"] == {"id": GZD + "practice-bow", "name": "the test bow"}
    graph = _ld(response)
    assert (
        rdflib.URIRef(GZD + "interp-bow-respect"),
        rdflib.URIRef(GZ + "heldBy"),
        rdflib.URIRef(GZD + "community-villagers"),
    ) in graph


@pytest.mark.parametrize(
    "path",
    [
        "/v1/practices/no-such-practice",
        "/v1/communities/bow",
        "/v1/practices/villagers",
        "/v1/practices/..%2Fetc",
    ],
    ids=["missing", "practice-as-community", "community-as-practice", "odd-characters"],
)
def test_unknown_nodes_get_404_json(base: str, path: str) -> None:
    response = httpx.get(f"{base}{path}")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found_error"


def test_search(base: str) -> None:
    found = httpx.get(f"{base}/v1/search", params={"q": "BOW"})
    assert "@context" in found.json()
    assert found.json()["@graph"][0]["id"] == GZD + "practice-bow"
    _ld(found)
    places = httpx.get(f"{base}/v1/search", params={"q": "testland", "type": "place"}).json()["@graph"]
    assert places == [
        {"id": "https://example.org/test/place-country", "type": "gz:Country", "name": "Testland"},
        {"id": GZD + "place-TL", "type": "gz:Country", "name": "Testlandia"},
    ]
    communities = httpx.get(
        f"{base}/v1/search", params={"q": "village", "type": "community", "limit": 1}
    ).json()
    assert [hit["name"] for hit in communities["@graph"]] == ["village A"]
    assert httpx.get(f"{base}/v1/search", params={"q": "hidden rite"}).json()["@graph"] == []
    opened = httpx.get(f"{base}/v1/search", params={"q": "hidden rite"}, headers={"X-API-Key": OPEN_KEY})
    assert [hit["name"] for hit in opened.json()["@graph"]] == ["hidden rite"]
    assert httpx.get(f"{base}/v1/search", params={"q": "?!"}).status_code == 400
    assert httpx.get(f"{base}/v1/search", params={"q": "bow", "type": "meal"}).status_code == 422


def test_csv_rows_parse(base: str) -> None:
    response = sparql(base, "SELECT ?s ?t WHERE { ?s gz:text ?t }", accept="text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows == [{"s": GZD + "interp-bow-respect", "t": "Villagers bow to show respect."}]
    assert json.loads(sparql(base, "ASK {}").text)["boolean"] is True


def test_the_json_ld_context_uses_only_ontology_terms() -> None:
    from geertz.api.routes.browse import CONTEXT
    from geertz.vocab import GZTerms

    used = set()
    for value in CONTEXT.values():
        term = (
            value
            if isinstance(value, str)
            else value.get("@id", value.get("@reverse"))
            if isinstance(value, dict)
            else None
        )
        if isinstance(term, str) and term.startswith("gz:"):
            used.add(term[3:])
    assert used and used <= set(GZTerms.all())
