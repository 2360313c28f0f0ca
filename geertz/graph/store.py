"""The GraphStore interface every backend implements.

A store needs only five operations: :meth:`~GraphStore.select`,
:meth:`~GraphStore.construct`, :meth:`~GraphStore.ask`, :meth:`~GraphStore.update`
and :meth:`~GraphStore.load_quads`. Everything else here (loading files, named
graphs, counting, inserting, transactions) is written once on top of them, and a
backend overrides it only where it can do better.

Capabilities are class attributes, checked before acting::

    store = open_store("memory:")
    if store.supports_transactions:
        with store.transaction() as tx:
            tx.update("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import ClassVar

from pyoxigraph import BlankNode, DefaultGraph, NamedNode, Quad, Triple

from geertz.errors import ReadOnlyStoreError
from geertz.graph.rdfio import parse_file
from geertz.graph.terms import Binding, TermLike, sparql_term

__all__ = ["GraphStore", "Transaction", "quads_to_update", "skolemize", "sparql_iri"]

SKOLEM_PREFIX = "https://w3id.org/geertz/.well-known/genid/"


def quads_to_update(quads: Iterable[Quad], *, verb: str = "INSERT DATA") -> str:
    """One ``INSERT DATA`` (or ``DELETE DATA``) request for ``quads``, grouped by graph.

    Quads with blank nodes are inserted with ``INSERT { ... } WHERE {}`` instead,
    which every server accepts (Virtuoso refuses blank nodes in ``INSERT DATA``)
    and which still creates one fresh blank node per label.
    """
    batch = list(quads)
    if verb == "INSERT DATA" and any(
        isinstance(q.subject, BlankNode) or isinstance(q.object, BlankNode) for q in batch
    ):
        return _quad_block("INSERT", batch) + " WHERE {}"
    return _quad_block(verb, batch)


def _quad_block(verb: str, quads: list[Quad]) -> str:
    by_graph: dict[str, list[str]] = {}
    for quad in quads:
        line = f"{quad.subject} {quad.predicate} {quad.object} ."
        key = "" if isinstance(quad.graph_name, DefaultGraph) else str(quad.graph_name)
        by_graph.setdefault(key, []).append(line)
    blocks = []
    for graph, lines in by_graph.items():
        body = "\n".join(lines)
        blocks.append(f"GRAPH {graph} {{\n{body}\n}}" if graph else body)
    return f"{verb} {{\n" + "\n".join(blocks) + "\n}"


class GraphStore(ABC):
    """A SPARQL 1.1 dataset: the one interface the rest of geertz talks to.

    The default graph is the union of all named graphs when querying (the
    embedded store does this itself; configure a remote server likewise), so
    queries need no ``GRAPH`` clause unless they want a single graph.
    """

    #: refuses writes; checked before any network call
    read_only: bool = False
    #: a :meth:`transaction` is applied all-or-nothing
    supports_transactions: ClassVar[bool] = False
    #: keeps quads in named graphs
    supports_named_graphs: ClassVar[bool] = True
    #: short human description: a path or URL
    location: str = ""

    # -- the five primitives -------------------------------------------------

    @abstractmethod
    def select(self, query: str, bindings: Mapping[str, TermLike] | None = None) -> list[Binding]:
        """Run a SELECT query; each row maps variable names to terms (unbound names
        are absent). ``bindings`` pre-binds variables to values, safely escaped."""

    @abstractmethod
    def construct(self, query: str, bindings: Mapping[str, TermLike] | None = None) -> list[Triple]:
        """Run a CONSTRUCT or DESCRIBE query and return its triples."""

    @abstractmethod
    def ask(self, query: str, bindings: Mapping[str, TermLike] | None = None) -> bool:
        """Run an ASK query."""

    @abstractmethod
    def update(self, update: str) -> None:
        """Run a SPARQL 1.1 Update request. Raises :class:`ReadOnlyStoreError` on a
        read-only store."""

    @abstractmethod
    def load_quads(self, quads: Sequence[Quad]) -> None:
        """Add already-parsed quads, in one transaction where the backend has them."""

    # -- derived conveniences ------------------------------------------------

    def load(
        self,
        path: Path | str,
        *,
        graph: str | None = None,
        format: str | None = None,
    ) -> int:
        """Load an RDF file, into ``graph`` if given, and return how many quads it held.

        The whole file is parsed before anything is written, so a syntax error
        (raised as :class:`~geertz.errors.RDFSyntaxError` with line and column)
        leaves the store unchanged.
        """
        self._check_writable()
        target = NamedNode(graph) if graph else None
        quads = list(parse_file(Path(path), format=format, graph=target))
        if quads:
            self.load_quads(quads)
        return len(quads)

    def insert(self, quads: Iterable[Quad]) -> None:
        """Add quads with one ``INSERT DATA`` request."""
        self._check_writable()
        batch = list(quads)
        if batch:
            self.update(quads_to_update(batch))

    def delete(self, quads: Iterable[Quad]) -> None:
        """Remove quads with one ``DELETE DATA`` request."""
        self._check_writable()
        batch = list(quads)
        if batch:
            self.update(quads_to_update(batch, verb="DELETE DATA"))

    def named_graphs(self) -> list[str]:
        """The IRIs of the store's named graphs, sorted."""
        rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return sorted(row["g"].value for row in rows if isinstance(row.get("g"), NamedNode))

    def has_graph(self, graph: str) -> bool:
        """Whether the named graph ``graph`` holds any triple."""
        return self.ask(f"ASK {{ GRAPH {sparql_iri(graph)} {{ ?s ?p ?o }} }}")

    def drop_graph(self, graph: str) -> None:
        """Remove the named graph ``graph`` and its triples, if it exists."""
        self._check_writable()
        self.update(f"DROP SILENT GRAPH {sparql_iri(graph)}")

    def count(self, graph: str | None = None) -> int:
        """The number of triples, in ``graph`` or in the whole (union) dataset."""
        pattern = f"GRAPH {sparql_iri(graph)} {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")
        return int(rows[0]["n"].value) if rows else 0

    def quads(self, graph: str | None = None) -> Iterator[Quad]:
        """Every quad of ``graph``, or of the whole dataset, for export.

        Remote stores export named graphs only: SPARQL cannot tell a server's
        own default graph apart from the union of its named graphs."""
        if graph:
            for triple in self.construct(
                f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {sparql_iri(graph)} {{ ?s ?p ?o }} }}"
            ):
                yield Quad(triple.subject, triple.predicate, triple.object, NamedNode(graph))
            return
        for row in self.select("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"):
            yield Quad(row["s"], row["p"], row["o"], row["g"])  # type: ignore[arg-type]

    def transaction(self) -> Transaction:
        """Collect updates and apply them as one request on leaving the ``with`` block.

        On a store with ``supports_transactions`` the request is all-or-nothing; an
        exception inside the block discards everything collected.
        """
        self._check_writable()
        return Transaction(self)

    def clear(self) -> None:
        """Remove every triple from every graph."""
        self._check_writable()
        self.update("CLEAR ALL")

    def close(self) -> None:  # noqa: B027 - most stores hold nothing to release
        """Release the store's resources. The store is unusable afterwards."""

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.location!r})"

    def _check_writable(self) -> None:
        if self.read_only:
            raise ReadOnlyStoreError(
                f"the store {self.location!r} is read-only; open it without read-only "
                "mode (or unset GEERTZ_STORE_READ_ONLY) to write",
                endpoint=self.location,
            )


def sparql_iri(value: str) -> str:
    """An IRI written for SPARQL, validated first."""
    return sparql_term(NamedNode(value))


def skolemize(quads: Iterable[Quad]) -> list[Quad]:
    """Replace blank nodes with stable skolem IRIs, so quads can be split into
    several requests without breaking the structures blank nodes hold together."""
    run = uuid.uuid4().hex
    out: list[Quad] = []

    def fix(term: object) -> object:
        if isinstance(term, BlankNode):
            return NamedNode(f"{SKOLEM_PREFIX}{run}-{term.value}")
        return term

    for quad in quads:
        out.append(Quad(fix(quad.subject), quad.predicate, fix(quad.object), quad.graph_name))  # type: ignore[arg-type]
    return out


class Transaction:
    """Updates collected for one all-or-nothing request. Get one from
    :meth:`GraphStore.transaction`."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self._operations: list[str] = []

    def update(self, update: str) -> None:
        """Queue a SPARQL update operation (without a trailing ``;``)."""
        self._operations.append(update.strip().rstrip(";"))

    def insert(self, quads: Iterable[Quad]) -> None:
        """Queue the addition of ``quads``."""
        batch = list(quads)
        if batch:
            self._operations.append(quads_to_update(batch))

    def delete(self, quads: Iterable[Quad]) -> None:
        """Queue the removal of ``quads``."""
        batch = list(quads)
        if batch:
            self._operations.append(quads_to_update(batch, verb="DELETE DATA"))

    def commit(self) -> None:
        """Send everything queued as one update request."""
        if self._operations:
            self._store.update(" ;\n".join(self._operations))
        self._operations.clear()

    def rollback(self) -> None:
        """Forget everything queued."""
        self._operations.clear()

    def __enter__(self) -> Transaction:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.rollback()
