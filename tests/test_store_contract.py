"""One contract, every store: embedded (disk and memory), `oxigraph serve` with and
without the Graph Store Protocol, and Virtuoso (with GEERTZ_TEST_VIRTUOSO=1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from geertz.errors import QueryError, RDFSyntaxError, ReadOnlyStoreError, StoreUnavailable
from geertz.graph import GraphStore, RemoteStore
from geertz.graph.rdfio import parse_file
from geertz.graph.terms import to_rdflib_graph

from .conftest import FIXTURES, ONTOLOGY, free_port

EX = "https://example.org/test/"


def _graph_triples(store: GraphStore, graph: str):  # type: ignore[no-untyped-def]
    return store.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")


def test_load_counts_and_names_the_graph(store: GraphStore, graph: str) -> None:
    count = store.load(FIXTURES / "minimal.ttl", graph=graph)
    expected = sum(1 for _ in parse_file(FIXTURES / "minimal.ttl"))
    assert count == expected
    assert store.count(graph) == expected
    assert graph in store.named_graphs()
    assert store.has_graph(graph)


@pytest.mark.parametrize("fixture", ["minimal.ttl", "structures.ttl"])
def test_loaded_graph_is_isomorphic_to_the_file(store: GraphStore, graph: str, fixture: str) -> None:
    store.load(FIXTURES / fixture, graph=graph)
    expected = to_rdflib_graph(parse_file(FIXTURES / fixture))
    assert to_rdflib_graph(_graph_triples(store, graph)).isomorphic(expected)
    assert to_rdflib_graph(store.quads(graph)).isomorphic(expected)


def test_ontology_round_trips(store: GraphStore, graph: str) -> None:
    store.load(ONTOLOGY / "geertz.ttl", graph=graph)
    expected = to_rdflib_graph(parse_file(ONTOLOGY / "geertz.ttl"))
    assert to_rdflib_graph(_graph_triples(store, graph)).isomorphic(expected)


def test_select_and_ask(store: GraphStore, graph: str) -> None:
    store.load(FIXTURES / "minimal.ttl", graph=graph)
    rows = store.select(
        "SELECT ?label WHERE { GRAPH ?g { ?p a <https://w3id.org/geertz#Practice> ; "
        "<http://www.w3.org/2004/02/skos/core#prefLabel> ?label } }"
    )
    assert [row["label"] for row in rows] == [Literal("test greeting", language="en")]
    assert store.ask(f"ASK {{ GRAPH <{graph}> {{ <{EX}interp-a> ?p ?o }} }}")
    assert not store.ask(f"ASK {{ GRAPH <{graph}> {{ <{EX}nothing> ?p ?o }} }}")


def test_bindings_are_values_not_code(store: GraphStore, graph: str) -> None:
    store.load(FIXTURES / "structures.ttl", graph=graph)
    awkward = 'a "quoted" word, a brace } and a backslash \\ and\na newline'
    rows = store.select(
        f"SELECT ?s ?note WHERE {{ GRAPH <{graph}> {{ ?s <http://www.w3.org/2004/02/skos/core#note> ?note }} }}",
        {"note": awkward},
    )
    assert [row["s"] for row in rows] == [NamedNode(EX + "quoted")]
    hostile = '"} } ; DROP ALL ; SELECT * WHERE { ?s ?p "'
    rows = store.select(
        f"SELECT ?s ?note WHERE {{ GRAPH <{graph}> {{ ?s <http://www.w3.org/2004/02/skos/core#note> ?note }} }}",
        {"note": hostile},
    )
    assert rows == []
    assert store.count(graph) > 0
    rows = store.select(
        f"SELECT ?s ?label WHERE {{ GRAPH <{graph}> {{ ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?label }} }}",
        {"label": Literal("おもてなし", language="ja")},
    )
    assert [row["s"] for row in rows] == [NamedNode(EX + "omotenashi")]


def test_insert_and_delete_quads(store: GraphStore, graph: str) -> None:
    g = NamedNode(graph)
    quads = [
        Quad(NamedNode(EX + "a"), NamedNode(EX + "label"), Literal("première", language="fr"), g),
        Quad(NamedNode(EX + "a"), NamedNode(EX + "link"), BlankNode(), g),
    ]
    store.insert(quads)
    assert store.count(graph) == 2
    store.delete(quads[:1])
    assert store.count(graph) == 1
    store.drop_graph(graph)
    assert not store.has_graph(graph)
    store.drop_graph(graph)  # dropping a missing graph is not an error


def test_update_writes_into_a_named_graph(store: GraphStore, graph: str) -> None:
    store.update(f'INSERT DATA {{ GRAPH <{graph}> {{ <{EX}x> <{EX}y> "z" }} }}')
    assert store.count(graph) == 1


def test_transaction_commits_all_operations_together(store: GraphStore, graph: str) -> None:
    with store.transaction() as tx:
        tx.update(f'INSERT DATA {{ GRAPH <{graph}> {{ <{EX}x> <{EX}y> "1" }} }}')
        tx.insert([Quad(NamedNode(EX + "x"), NamedNode(EX + "y"), Literal("2"), NamedNode(graph))])
    assert store.count(graph) == 2


def test_transaction_discards_everything_on_exception(store: GraphStore, graph: str) -> None:
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.update(f'INSERT DATA {{ GRAPH <{graph}> {{ <{EX}x> <{EX}y> "1" }} }}')
        raise RuntimeError("caller changed its mind")
    assert store.count(graph) == 0


def test_failed_transaction_leaves_the_store_unchanged(store: GraphStore, graph: str) -> None:
    store.update(f'INSERT DATA {{ GRAPH <{graph}> {{ <{EX}x> <{EX}y> "kept" }} }}')
    with pytest.raises(QueryError) as caught, store.transaction() as tx:
        tx.update(f'INSERT DATA {{ GRAPH <{graph}> {{ <{EX}x> <{EX}y> "new" }} }}')
        tx.update(f'INSERT DATA {{ GRAPH <{graph}> {{ <{EX}x> <{EX}y> "unterminated }} }}')
    assert "unterminated" in caught.value.query
    assert store.count(graph) == 1


def test_malformed_file_raises_with_position_and_changes_nothing(store: GraphStore, graph: str) -> None:
    store.load(FIXTURES / "minimal.ttl", graph=graph)
    before = store.count(graph)
    with pytest.raises(RDFSyntaxError) as caught:
        store.load(FIXTURES / "malformed.ttl", graph=graph)
    assert caught.value.path == FIXTURES / "malformed.ttl"
    assert caught.value.line == 7
    assert caught.value.column is not None
    assert store.count(graph) == before


def test_bad_query_raises_query_error(store: GraphStore) -> None:
    with pytest.raises(QueryError) as caught:
        store.select("SELEC ?x WHERE { ?x ?p ?o }")
    assert caught.value.query.startswith("SELEC")


def test_remote_batches_keep_blank_node_structures(remote_store: RemoteStore, graph: str) -> None:
    store = remote_store
    store.gsp_url = None
    store.batch_size = 3
    count = store.load(FIXTURES / "structures.ttl", graph=graph)
    assert store.count(graph) == count
    # the list built from blank nodes is still walkable after skolemisation
    rows = store.select(
        f"SELECT ?m WHERE {{ GRAPH <{graph}> {{ ?d <http://www.w3.org/2002/07/owl#members> ?l . "
        "?l <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest>*/<http://www.w3.org/1999/02/22-rdf-syntax-ns#first> ?m } }"
    )
    assert sorted(row["m"].value for row in rows) == [EX + "A", EX + "B", EX + "C"]


def test_read_only_remote_refuses_writes_before_any_request() -> None:
    # Nothing listens on this port: a request would fail with StoreUnavailable.
    store = RemoteStore(f"http://127.0.0.1:{free_port()}/query", read_only=True)
    with pytest.raises(ReadOnlyStoreError):
        store.update('INSERT DATA { <urn:a> <urn:b> "c" }')
    with pytest.raises(ReadOnlyStoreError):
        store.load(FIXTURES / "minimal.ttl")


def test_unreachable_endpoint_is_reported_clearly() -> None:
    url = f"http://127.0.0.1:{free_port()}/query"
    store = RemoteStore(url, timeout=2)
    with pytest.raises(StoreUnavailable) as caught:
        store.ask("ASK { ?s ?p ?o }")
    assert url in str(caught.value)


def test_embedded_store_persists_across_openings(tmp_path: Path) -> None:
    from geertz.graph import EmbeddedStore

    with EmbeddedStore(tmp_path / "s") as first:
        first.load(FIXTURES / "minimal.ttl", graph=EX + "g")
    with EmbeddedStore(tmp_path / "s", read_only=True) as again:
        assert again.count(EX + "g") > 0
        with pytest.raises(ReadOnlyStoreError):
            again.update('INSERT DATA { <urn:a> <urn:b> "c" }')


def test_embedded_bulk_load_checks_syntax_first(tmp_path: Path) -> None:
    from geertz.graph import EmbeddedStore

    store = EmbeddedStore(tmp_path / "s", bulk_load_threshold_mb=0)
    assert store.load(FIXTURES / "minimal.ttl", graph=EX + "g") == store.count(EX + "g")
    before = store.count()
    with pytest.raises(RDFSyntaxError):
        store.load(FIXTURES / "malformed.ttl", graph=EX + "g2")
    assert store.count() == before
    store.close()


def test_bindings_reach_filter_only_variables(store: GraphStore, graph: str) -> None:
    store.load(FIXTURES / "structures.ttl", graph=graph)
    query = (
        f"ASK {{ GRAPH <{graph}> {{ ?s <http://www.w3.org/2004/02/skos/core#note> ?n }} "
        "FILTER (CONTAINS(?n, ?t)) }"
    )
    assert store.ask(query, {"t": "a brace }"})
    assert not store.ask(query, {"t": "not there"})


def test_the_usual_prefixes_need_no_declaration(store: GraphStore, graph: str) -> None:
    store.load(FIXTURES / "minimal.ttl", graph=graph)
    rows = store.select(
        f"SELECT ?label WHERE {{ GRAPH <{graph}> {{ ?p a gz:Practice ; skos:prefLabel ?label }} }}"
    )
    assert [row["label"].value for row in rows] == ["test greeting"]
    declared = "PREFIX gz: <https://w3id.org/geertz#>\nASK { GRAPH ?g { ?p a gz:Practice } }"
    assert store.ask(declared)


def test_retrieval_runs_over_every_store(store: GraphStore, graph: str) -> None:
    from geertz.retrieval.retriever import Retriever

    store.load(FIXTURES / "minimal.ttl", graph=graph)
    pack = Retriever.build(store).context("How is the test greeting done in Test City?", k=3)
    assert pack.items and pack.items[0].practice == EX + "practice"
    assert [cue.label for cue in pack.frame["place"]][:2] == ["Test City", "Testland"]
