"""The remote store: any SPARQL 1.1 endpoint (Oxigraph server, Virtuoso, Fuseki,
GraphDB, Neptune), spoken to through SPARQLWrapper for queries and updates and
httpx for the Graph Store Protocol verbs SPARQLWrapper lacks."""

from __future__ import annotations

import re
import socket
import urllib.error
import warnings
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar, NoReturn

import httpx
from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Triple, parse, serialize
from SPARQLWrapper import JSON, POST, TURTLE, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    SPARQLWrapperException,
    Unauthorized,
    URITooLong,
)

from geertz.errors import QueryError, QueryTimeout, StoreError, StoreUnavailable
from geertz.graph.store import GraphStore, quads_to_update, skolemize
from geertz.graph.terms import Binding, TermLike, bind_values, from_sparql_json
from geertz.vocab import PREFIXES

__all__ = ["RemoteStore"]


def _guess_update_url(query_url: str) -> str:
    # Oxigraph and Fuseki split /query and /update; Virtuoso, GraphDB and
    # Neptune take both on one URL.
    if query_url.rstrip("/").endswith("/query"):
        return query_url.rstrip("/")[: -len("/query")] + "/update"
    return query_url


def _server_message(exc: BaseException, limit: int = 400) -> str:
    """The server's own explanation from a SPARQLWrapper error, without the echoed query."""
    text = str(exc)
    if "Response:" in text:
        text = text.split("Response:", 1)[1].strip()
        if text.startswith(("b'", 'b"')):
            text = text[2:-1].encode("latin-1", "replace").decode("unicode_escape", "replace")
    for marker in ("\n\nSPARQL query:", "\nSPARQL query:"):
        text = text.split(marker, 1)[0]
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class RemoteStore(GraphStore):
    """A SPARQL 1.1 Protocol endpoint.

    >>> store = RemoteStore("http://127.0.0.1:7878/query",
    ...                     gsp_url="http://127.0.0.1:7878/store")   # doctest: +SKIP

    The update URL is guessed from the query URL (``.../query`` becomes
    ``.../update``, anything else is used for both) unless given. With a
    ``gsp_url``, files are loaded and graphs fetched through the Graph Store
    Protocol; without one, through ``INSERT DATA`` and ``CONSTRUCT``.

    Each load is sent as one request when it holds at most ``batch_size`` quads,
    which servers apply all-or-nothing; larger loads are split, with blank nodes
    replaced by skolem IRIs so the pieces still join up.
    """

    supports_transactions: ClassVar[bool] = False

    def __init__(
        self,
        query_url: str,
        *,
        update_url: str | None = None,
        gsp_url: str | None = None,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        read_only: bool = False,
        batch_size: int = 20_000,
    ) -> None:
        self.query_url = query_url
        self.update_url = update_url or _guess_update_url(query_url)
        self.gsp_url = gsp_url
        self.location = query_url
        self.read_only = read_only
        self.timeout = timeout
        self.batch_size = batch_size
        self._user = user
        self._password = password
        auth = httpx.BasicAuth(user, password or "") if user else None
        self._http = httpx.Client(timeout=timeout, auth=auth)

    # -- SPARQL protocol via SPARQLWrapper -----------------------------------

    def _wrapper(self, text: str, return_format: str) -> SPARQLWrapper:
        wrapper = SPARQLWrapper(self.query_url, updateEndpoint=self.update_url)
        wrapper.setQuery(_with_prefixes(text))
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(URLENCODED)
        wrapper.setReturnFormat(return_format)
        wrapper.setOnlyConneg(True)
        wrapper.setTimeout(max(1, round(self.timeout)))
        if self._user:
            wrapper.setCredentials(self._user, self._password or "")
        return wrapper

    def _fail(self, text: str, exc: BaseException) -> NoReturn:
        if isinstance(exc, QueryBadFormed):
            raise QueryError(
                f"the endpoint {self.location!r} rejected the request as malformed: {_server_message(exc)}",
                query=text,
                endpoint=self.location,
            ) from exc
        if isinstance(exc, Unauthorized):
            raise StoreError(
                f"the endpoint {self.location!r} refused the credentials; set "
                "GEERTZ_STORE_USER and GEERTZ_STORE_PASSWORD",
                endpoint=self.location,
            ) from exc
        if isinstance(exc, EndPointNotFound):
            raise StoreUnavailable(
                f"no SPARQL endpoint at {self.location!r} (HTTP 404); check the URL",
                endpoint=self.location,
            ) from exc
        if isinstance(exc, URITooLong | EndPointInternalError | SPARQLWrapperException):
            raise QueryError(
                f"the endpoint {self.location!r} failed: {_server_message(exc)}",
                query=text,
                endpoint=self.location,
            ) from exc
        if isinstance(exc, TimeoutError | socket.timeout | httpx.TimeoutException):
            raise QueryTimeout(
                f"the endpoint {self.location!r} did not answer within {self.timeout:g} s; "
                "raise GEERTZ_QUERY_TIMEOUT or simplify the query",
                query=text,
                endpoint=self.location,
            ) from exc
        if isinstance(exc, urllib.error.HTTPError):
            body = exc.read().decode("utf-8", "replace")[:500]
            raise QueryError(
                f"the endpoint {self.location!r} answered HTTP {exc.code}: {body}",
                query=text,
                endpoint=self.location,
            ) from exc
        if isinstance(exc, urllib.error.URLError | OSError | httpx.TransportError):
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError | socket.timeout):
                self._fail(text, reason)
            raise StoreUnavailable(
                f"cannot reach the SPARQL endpoint {self.location!r}: {reason}",
                endpoint=self.location,
            ) from exc
        raise exc

    def _json(self, query: str) -> dict[str, Any]:
        try:
            with warnings.catch_warnings():
                # SPARQLWrapper warns when it cannot classify a query; the server decides.
                warnings.simplefilter("ignore", RuntimeWarning)
                result = self._wrapper(query, JSON).query().convert()
        except Exception as exc:  # SPARQLWrapper raises many unrelated types
            self._fail(query, exc)
        if not isinstance(result, dict):
            raise QueryError(
                f"the endpoint {self.location!r} did not answer with SPARQL JSON results",
                query=query,
                endpoint=self.location,
            )
        return result

    @staticmethod
    def _bind(query: str, bindings: Mapping[str, TermLike] | None) -> str:
        return bind_values(query, bindings) if bindings else query

    def select(self, query: str, bindings: Mapping[str, TermLike] | None = None) -> list[Binding]:
        text = self._bind(query, bindings)
        result = self._json(text)
        if "results" not in result:
            raise QueryError("select() needs a SELECT query", query=query, endpoint=self.location)
        rows: list[Binding] = []
        for raw in result["results"].get("bindings", []):
            rows.append({name: from_sparql_json(cell) for name, cell in raw.items()})
        return rows

    def ask(self, query: str, bindings: Mapping[str, TermLike] | None = None) -> bool:
        text = self._bind(query, bindings)
        result = self._json(text)
        if "boolean" in result:
            return bool(result["boolean"])
        # Virtuoso 7 answers ASK in JSON as a one-cell result set.
        if "results" in result:
            rows = result["results"].get("bindings", [])
            if not rows:
                return False
            if len(rows) == 1 and len(rows[0]) == 1:
                value = str(next(iter(rows[0].values())).get("value", "")).lower()
                return value in ("1", "true")
        raise QueryError("ask() needs an ASK query", query=query, endpoint=self.location)

    def construct(self, query: str, bindings: Mapping[str, TermLike] | None = None) -> list[Triple]:
        text = self._bind(query, bindings)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                response = self._wrapper(text, TURTLE).query()
            body = response.response.read()
            content_type = response.info().get("content-type", "text/turtle")
        except Exception as exc:
            self._fail(text, exc)
        media = content_type.split(";")[0].strip()
        rdf_format = RdfFormat.from_media_type(media) or RdfFormat.TURTLE
        try:
            return [Triple(q.subject, q.predicate, q.object) for q in parse(body, rdf_format)]
        except SyntaxError as exc:
            raise QueryError(
                f"the endpoint {self.location!r} sent unreadable {media} for a CONSTRUCT: {exc}",
                query=text,
                endpoint=self.location,
            ) from exc

    def update(self, update: str) -> None:
        self._check_writable()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                self._wrapper(update, JSON).query()
        except Exception as exc:
            self._fail(update, exc)

    # -- loading, with the Graph Store Protocol when there is one -------------

    def load_quads(self, quads: Sequence[Quad]) -> None:
        self._check_writable()
        graphs = {q.graph_name for q in quads}
        if self.gsp_url and len(graphs) == 1:
            graph = next(iter(graphs))
            body = serialize(
                (Triple(q.subject, q.predicate, q.object) for q in quads), format=RdfFormat.N_TRIPLES
            )
            self._gsp("POST", graph, content=body, content_type="application/n-triples")
            return
        if len(quads) <= self.batch_size:
            self.update(quads_to_update(quads))
            return
        batch = skolemize(quads)
        for start in range(0, len(batch), self.batch_size):
            self.update(quads_to_update(batch[start : start + self.batch_size]))

    def _gsp(
        self,
        method: str,
        graph: NamedNode | DefaultGraph | Any,
        *,
        content: bytes | None = None,
        content_type: str | None = None,
        accept: str | None = None,
    ) -> httpx.Response:
        assert self.gsp_url is not None
        params = {"default": ""} if isinstance(graph, DefaultGraph) else {"graph": graph.value}
        headers = {}
        if content_type:
            headers["Content-Type"] = content_type
        if accept:
            headers["Accept"] = accept
        try:
            response = self._http.request(
                method, self.gsp_url, params=params, content=content, headers=headers
            )
        except httpx.HTTPError as exc:
            self._fail(f"{method} {self.gsp_url}", exc)
        if response.status_code >= 400 and not (method == "DELETE" and response.status_code == 404):
            raise StoreError(
                f"the Graph Store endpoint {self.gsp_url!r} answered {method} with HTTP "
                f"{response.status_code}: {response.text[:500]}",
                endpoint=self.gsp_url,
            )
        return response

    def quads(self, graph: str | None = None) -> Iterator[Quad]:
        if graph and self.gsp_url:
            response = self._gsp("GET", NamedNode(graph), accept="application/n-triples")
            for quad in parse(response.content, RdfFormat.N_TRIPLES):
                yield Quad(quad.subject, quad.predicate, quad.object, NamedNode(graph))
            return
        yield from super().quads(graph)

    def drop_graph(self, graph: str) -> None:
        self._check_writable()
        if self.gsp_url:
            self._gsp("DELETE", NamedNode(graph))
        else:
            super().drop_graph(graph)

    def close(self) -> None:
        self._http.close()


def _with_prefixes(text: str) -> str:
    """``text`` with PREFIX declarations for geertz's usual prefixes (``gz:``, ``skos:``
    ...) it uses without declaring, as the embedded store predeclares them."""
    missing = [
        f"PREFIX {name}: <{iri}>\n"
        for name, iri in PREFIXES.items()
        if f"{name}:" in text and not re.search(rf"(?i)\bPREFIX\s+{re.escape(name)}:", text)
    ]
    return "".join(missing) + text
