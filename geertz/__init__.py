"""geertz: a knowledge-graph cultural context engine.

geertz keeps cultural knowledge as scoped practices and the meanings they carry
for the communities that hold them, so that a language model can answer with
thick description rather than thin generalisation::

    from geertz import open_store, validate
    store = open_store("memory:")
    store.load("ontology/geertz.ttl")
"""

from __future__ import annotations

from geertz.config import Settings, get_settings
from geertz.engine import ContextEngine
from geertz.errors import (
    ConfigError,
    GeertzError,
    LoadError,
    QueryError,
    QueryTimeout,
    RDFSyntaxError,
    ReadOnlyStoreError,
    ReasonerUnavailable,
    StoreError,
    StoreUnavailable,
    UnsupportedOperation,
)
from geertz.graph import EmbeddedStore, GraphStore, RemoteStore, Transaction, open_store
from geertz.graph.validate import Finding, ValidationReport, validate
from geertz.retrieval import ContextPack, Retriever

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "ContextEngine",
    "ContextPack",
    "EmbeddedStore",
    "Finding",
    "GeertzError",
    "GraphStore",
    "LoadError",
    "QueryError",
    "QueryTimeout",
    "RDFSyntaxError",
    "ReadOnlyStoreError",
    "ReasonerUnavailable",
    "RemoteStore",
    "Retriever",
    "Settings",
    "StoreError",
    "StoreUnavailable",
    "Transaction",
    "UnsupportedOperation",
    "ValidationReport",
    "__version__",
    "get_settings",
    "open_store",
    "validate",
]
