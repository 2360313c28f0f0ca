"""Every exception geertz raises, under one base class.

The tree::

    GeertzError
    ├── ConfigError               a setting or store specification is unusable
    ├── StoreError                a graph store failed            (.endpoint)
    │   ├── StoreUnavailable      the store cannot be opened or reached
    │   ├── QueryError            a query or update was refused   (.query)
    │   │   └── QueryTimeout      it ran past the configured timeout
    │   ├── ReadOnlyStoreError    a write was sent to a read-only store
    │   └── UnsupportedOperation  the backend lacks the capability
    ├── LoadError                 a file could not be loaded      (.path)
    │   └── RDFSyntaxError        a file is not valid RDF         (.line, .column)
    ├── ReasonerUnavailable       the OWL reasoner cannot run (e.g. no Java)
    └── LLMError                  a language-model backend failed  (.backend)
        ├── LLMUnavailable        it cannot be reached, loaded or is not installed
        └── LLMTimeout            it took longer than the configured timeout

The CLI and the API each translate these into messages in exactly one place.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "ConfigError",
    "GeertzError",
    "LLMError",
    "LLMTimeout",
    "LLMUnavailable",
    "LoadError",
    "QueryError",
    "QueryTimeout",
    "RDFSyntaxError",
    "ReadOnlyStoreError",
    "ReasonerUnavailable",
    "StoreError",
    "StoreUnavailable",
    "UnsupportedOperation",
]


class GeertzError(Exception):
    """Base class of every geertz error."""


class ConfigError(GeertzError):
    """A setting or a store specification cannot be used."""


class StoreError(GeertzError):
    """A graph store failed. ``endpoint`` names the store (a path or URL)."""

    def __init__(self, message: str, *, endpoint: str | None = None) -> None:
        super().__init__(message)
        self.endpoint = endpoint


class StoreUnavailable(StoreError):
    """The store could not be opened (locked, missing) or reached over the network."""


class QueryError(StoreError):
    """A SPARQL query or update was rejected. ``query`` holds its text."""

    def __init__(self, message: str, *, query: str, endpoint: str | None = None) -> None:
        super().__init__(message, endpoint=endpoint)
        self.query = query


class QueryTimeout(QueryError):
    """A query ran longer than the configured timeout."""


class ReadOnlyStoreError(StoreError):
    """A write was attempted on a store opened read-only."""


class UnsupportedOperation(StoreError):
    """The backend does not offer this operation (see its capability attributes)."""


class LoadError(GeertzError):
    """A file could not be loaded. ``path`` names it."""

    def __init__(self, message: str, *, path: Path | str) -> None:
        super().__init__(message)
        self.path = Path(path)


class RDFSyntaxError(LoadError):
    """A file is not valid RDF in its format; ``line`` and ``column`` are 1-based."""

    def __init__(self, message: str, *, path: Path | str, line: int | None, column: int | None) -> None:
        self.line = line
        self.column = column
        self.detail = message
        where = str(path)
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {message}", path=path)


class ReasonerUnavailable(GeertzError):
    """The OWL reasoner cannot run here, usually because Java is missing."""


class LLMError(GeertzError):
    """A language-model backend failed. ``backend`` names it (``openai``, ``local``...)."""

    def __init__(self, message: str, *, backend: str) -> None:
        super().__init__(message)
        self.backend = backend


class LLMUnavailable(LLMError):
    """The backend cannot be used: its server is unreachable, its model or package is missing."""


class LLMTimeout(LLMError):
    """The backend did not answer within ``GEERTZ_LLM_TIMEOUT`` seconds."""
