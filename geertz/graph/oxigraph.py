"""The embedded store: Oxigraph in this process, on disk or in memory."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import ClassVar

from pyoxigraph import (
    DefaultGraph,
    NamedNode,
    Quad,
    QueryBoolean,
    QuerySolutions,
    QueryTriples,
    Store,
    Triple,
)

from geertz.errors import QueryError, StoreError, StoreUnavailable
from geertz.graph.rdfio import guess_format, parse_file, syntax_error
from geertz.graph.store import GraphStore
from geertz.graph.terms import Binding, TermLike, bind_values
from geertz.vocab import PREFIXES

__all__ = ["EmbeddedStore"]

log = logging.getLogger(__name__)


class EmbeddedStore(GraphStore):
    """Oxigraph embedded in the process: persistent in ``path``, or in memory when
    ``path`` is None.

    >>> store = EmbeddedStore()          # in memory
    >>> store.update("INSERT DATA { <urn:a> <urn:b> 'c' }")
    >>> store.count()
    1

    Queries see the union of all graphs as their default graph. Files larger than
    ``bulk_load_threshold_mb`` are checked for syntax, then bulk-loaded (fast, but
    not in one transaction); smaller files are added in one transaction.
    """

    supports_transactions: ClassVar[bool] = True

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        read_only: bool = False,
        bulk_load_threshold_mb: float = 50.0,
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.location = str(self.path) if self.path is not None else "memory:"
        self.read_only = read_only
        self.bulk_load_threshold_bytes = int(bulk_load_threshold_mb * 1024 * 1024)
        try:
            if self.path is None:
                self._store = Store()
            elif read_only:
                if not self.path.exists():
                    raise StoreUnavailable(
                        f"no store at {self.location!r}; load some data first "
                        "(geertz load FILE) or point GEERTZ_STORE elsewhere",
                        endpoint=self.location,
                    )
                self._store = Store.read_only(str(self.path))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self._store = Store(str(self.path))
        except OSError as exc:
            raise StoreUnavailable(
                f"cannot open the store at {self.location!r}: {exc}. If another geertz "
                "process (such as `geertz serve`) holds it, stop that process or open "
                "the store read-only",
                endpoint=self.location,
            ) from exc

    # -- queries -------------------------------------------------------------

    def _query(
        self, query: str, bindings: Mapping[str, TermLike] | None
    ) -> QuerySolutions | QueryTriples | QueryBoolean:
        if bindings:
            # The same escaped VALUES block as the remote store, so both stores bind
            # any variable the same way (Oxigraph's own substitutions only reach
            # variables in scope of the projection).
            query = bind_values(query, bindings)
        try:
            return self._store.query(
                query,
                use_default_graph_as_union=True,
                prefixes=PREFIXES,
            )
        except SyntaxError as exc:
            raise QueryError(
                f"the SPARQL query is not valid: {exc}", query=query, endpoint=self.location
            ) from exc
        except (OSError, ValueError, RuntimeError) as exc:
            raise QueryError(f"the query failed: {exc}", query=query, endpoint=self.location) from exc

    def select(self, query: str, bindings: Mapping[str, TermLike] | None = None) -> list[Binding]:
        result = self._query(query, bindings)
        if not isinstance(result, QuerySolutions):
            raise QueryError(
                "select() needs a SELECT query; use construct() or ask() for the others",
                query=query,
                endpoint=self.location,
            )
        names = [variable.value for variable in result.variables]
        rows: list[Binding] = []
        for solution in result:
            row: Binding = {}
            for name in names:
                value = solution[name]
                if value is not None:
                    row[name] = value
            rows.append(row)
        return rows

    def construct(self, query: str, bindings: Mapping[str, TermLike] | None = None) -> list[Triple]:
        result = self._query(query, bindings)
        if not isinstance(result, QueryTriples):
            raise QueryError(
                "construct() needs a CONSTRUCT or DESCRIBE query",
                query=query,
                endpoint=self.location,
            )
        return list(result)

    def ask(self, query: str, bindings: Mapping[str, TermLike] | None = None) -> bool:
        result = self._query(query, bindings)
        if not isinstance(result, QueryBoolean):
            raise QueryError("ask() needs an ASK query", query=query, endpoint=self.location)
        return bool(result)

    # -- writes --------------------------------------------------------------

    def update(self, update: str) -> None:
        self._check_writable()
        try:
            self._store.update(update, prefixes=PREFIXES)
        except SyntaxError as exc:
            raise QueryError(
                f"the SPARQL update is not valid: {exc}", query=update, endpoint=self.location
            ) from exc
        except (OSError, ValueError, RuntimeError) as exc:
            raise QueryError(
                f"the update failed and nothing was written: {exc}",
                query=update,
                endpoint=self.location,
            ) from exc

    def load_quads(self, quads: Sequence[Quad]) -> None:
        self._check_writable()
        try:
            self._store.extend(quads)
        except OSError as exc:
            raise StoreError(f"writing to the store failed: {exc}", endpoint=self.location) from exc

    def load(
        self,
        path: Path | str,
        *,
        graph: str | None = None,
        format: str | None = None,
    ) -> int:
        self._check_writable()
        path = Path(path)
        size = path.stat().st_size if path.is_file() else 0
        if self.path is None or size <= self.bulk_load_threshold_bytes:
            return super().load(path, graph=graph, format=format)
        # Big file: a streaming pass proves the syntax, then Oxigraph bulk-loads it.
        target = NamedNode(graph) if graph else None
        count = sum(1 for _ in parse_file(path, format=format, graph=target))
        log.info("bulk-loading %s (%d quads)", path, count)
        try:
            self._store.bulk_load(
                path=str(path),
                format=guess_format(path, format),
                base_iri=path.resolve().as_uri(),
                to_graph=target or DefaultGraph(),
            )
        except SyntaxError as exc:  # unreachable after the check pass, but be exact
            raise syntax_error(path, exc) from exc
        except OSError as exc:
            raise StoreError(f"bulk load of {str(path)!r} failed: {exc}", endpoint=self.location) from exc
        return count

    def clear(self) -> None:
        self._check_writable()
        self._store.clear()

    # -- faster paths than the generic SPARQL ones ---------------------------

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, NamedNode))

    def quads(self, graph: str | None = None) -> Iterator[Quad]:
        graph_name = NamedNode(graph) if graph else None
        yield from self._store.quads_for_pattern(None, None, None, graph_name)

    def close(self) -> None:
        if self.path is not None and not self.read_only:
            self._store.flush()
        del self._store
