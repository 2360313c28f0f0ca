"""geertz: a knowledge-graph cultural context engine.

geertz keeps cultural knowledge as scoped practices and the meanings they carry
for the communities that hold them, so that a language model can answer with
thick description rather than thin generalisation::

    from geertz import ContextEngine
    engine = ContextEngine.from_settings()
    pack = engine.context("What should I bring to a wedding in Bandung?")
    answer = engine.answer("What should I bring to a wedding in Bandung?")
"""

from __future__ import annotations

from geertz.config import Settings, get_settings
from geertz.engine import ContextEngine
from geertz.errors import (
    ConfigError,
    GeertzError,
    LLMError,
    LLMTimeout,
    LLMUnavailable,
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
from geertz.generation import Answerer, LLMBackend, Message, ThickAnswer
from geertz.graph import EmbeddedStore, GraphStore, RemoteStore, Transaction, open_store
from geertz.graph.validate import Finding, ValidationReport, validate
from geertz.retrieval import ContextPack, Retriever

__version__ = "0.1.0"

__all__ = [
    "Answerer",
    "ConfigError",
    "ContextEngine",
    "ContextPack",
    "EmbeddedStore",
    "Finding",
    "GeertzError",
    "GraphStore",
    "LLMBackend",
    "LLMError",
    "LLMTimeout",
    "LLMUnavailable",
    "LoadError",
    "Message",
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
    "ThickAnswer",
    "Transaction",
    "UnsupportedOperation",
    "ValidationReport",
    "__version__",
    "get_settings",
    "open_store",
    "validate",
]
