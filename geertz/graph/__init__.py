"""The graph layer: the GraphStore interface, its embedded and remote backends,
RDF file reading and validation."""

from __future__ import annotations

from geertz.graph.open import open_store
from geertz.graph.oxigraph import EmbeddedStore
from geertz.graph.sparql import RemoteStore
from geertz.graph.store import GraphStore, Transaction
from geertz.graph.terms import Binding, Term, iri, literal, sparql_term

__all__ = [
    "Binding",
    "EmbeddedStore",
    "GraphStore",
    "RemoteStore",
    "Term",
    "Transaction",
    "iri",
    "literal",
    "open_store",
    "sparql_term",
]
