"""A read-only SPARQL 1.1 Protocol query endpoint: ``GET /sparql?query=...`` and ``POST /sparql``.

Any SPARQL client works against it::

    >>> from SPARQLWrapper import JSON, SPARQLWrapper          # doctest: +SKIP
    >>> endpoint = SPARQLWrapper("http://127.0.0.1:8000/sparql")
    >>> endpoint.setQuery("SELECT ?p WHERE { ?p a gz:Practice } LIMIT 5")
    >>> endpoint.setReturnFormat(JSON)
    >>> endpoint.query().convert()["results"]["bindings"]

How it behaves:

- **Queries only.** The text must parse as a SPARQL query (SELECT, ASK,
  CONSTRUCT or DESCRIBE) for Oxigraph's parser; anything else is refused with
  400, and an update (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE...) is named as
  such. ``SERVICE`` is refused too: it would make this server fetch any URL.
  The ``gz``, ``gzd``, ``skos``, ``dcterms``... prefixes are predeclared.
- **Formats**, by ``Accept``: SELECT and ASK as SPARQL JSON (the default), XML,
  CSV or TSV; CONSTRUCT and DESCRIBE as Turtle (the default), N-Triples,
  RDF/XML or JSON-LD. An ``Accept`` none of these satisfies gets 406.
- **Result limit.** At most ``GEERTZ_SPARQL_RESULT_LIMIT`` rows or triples are
  sent. Longer results are cut and the response carries
  ``X-Geertz-Truncated: true``. A SELECT without a LIMIT of its own gets
  ``LIMIT`` (the limit + 1) appended, so the store stops early.
- **Timeout.** A query gets ``GEERTZ_QUERY_TIMEOUT`` seconds, then 504. The
  embedded store cannot cancel a query, so it runs in a worker thread that is
  abandoned, not stopped; at most :data:`MAX_RUNNING` queries run at once
  and further ones get 503 until one finishes.
- **Restricted knowledge.** A caller whose key may not see restricted
  knowledge queries a *public view* of the store: an in-memory copy without
  any quad whose subject or object is a node marked ``gz:sensitivity
  gz:restricted``, nor those of blank nodes hanging from such a node. Filtering
  results instead cannot work: a count, a string function or an ASK computes
  from restricted text without returning it, while in the view there is
  nothing to compute from. The view costs a copy of the store in memory (about
  100 MB for the seed data and full gazetteer), is built when first needed,
  and is rebuilt with the retrieval index (``POST /v1/admin/reload``). A store
  with no restricted node is queried directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import math
import re
import threading
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import parse_qsl

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pyoxigraph import (
    BlankNode,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Store,
    Triple,
    parse_query_results,
    serialize,
)
from pyoxigraph import Literal as RdfLiteral
from rdflib.plugins.sparql.parser import parseUpdate

from geertz.api.deps import EngineDep, Reader, SettingsDep
from geertz.engine import ContextEngine
from geertz.errors import QueryTimeout
from geertz.graph import EmbeddedStore, GraphStore
from geertz.graph.terms import Binding, Term
from geertz.vocab import PREFIXES, XSD, sparql_prefixes

__all__ = ["MAX_RUNNING", "for_index", "public_view", "restricted_nodes", "router"]

router = APIRouter(tags=["sparql"])

#: Most SPARQL queries running at once in this process (timed-out ones included).
MAX_RUNNING = 4

QueryKind = Literal["select", "ask", "graph"]

_RESULTS: tuple[tuple[str, QueryResultsFormat], ...] = (
    ("application/sparql-results+json", QueryResultsFormat.JSON),
    ("application/json", QueryResultsFormat.JSON),
    ("application/sparql-results+xml", QueryResultsFormat.XML),
    ("application/xml", QueryResultsFormat.XML),
    ("text/csv", QueryResultsFormat.CSV),
    ("text/tab-separated-values", QueryResultsFormat.TSV),
)
_GRAPHS: tuple[tuple[str, RdfFormat], ...] = (
    ("text/turtle", RdfFormat.TURTLE),
    ("application/n-triples", RdfFormat.N_TRIPLES),
    ("application/rdf+xml", RdfFormat.RDF_XML),
    ("application/ld+json", RdfFormat.JSON_LD),
    ("application/json", RdfFormat.JSON_LD),
)
_TRUNCATED = "X-Geertz-Truncated"
_RESTRICTED_NODES = "SELECT DISTINCT ?x WHERE { ?x gz:sensitivity gz:restricted }"
_COPY_BATCH = 50_000
_XSD_STRING = XSD + "string"
_UPDATE_CHECK_CHARS = 20_000

_slots = threading.BoundedSemaphore(MAX_RUNNING)


# -- values kept per retrieval index ------------------------------------------

T = TypeVar("T")
_cache: weakref.WeakKeyDictionary[object, dict[str, Any]] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def for_index(engine: ContextEngine, name: str, build: Callable[[], T]) -> T:
    """``build()``'s value, kept until the engine's retrieval index is rebuilt, so that
    it always describes the same data as the index. Built once, under a lock."""
    with _cache_lock:
        values = _cache.setdefault(engine.retriever, {})
        if name not in values:
            values[name] = build()
        value: T = values[name]
        return value


def restricted_nodes(store: GraphStore) -> frozenset[str]:
    """The IRIs of every node marked ``gz:sensitivity gz:restricted``."""
    rows = store.select(sparql_prefixes() + _RESTRICTED_NODES)
    return frozenset(row["x"].value for row in rows if isinstance(row.get("x"), NamedNode))


def public_view(store: GraphStore) -> GraphStore:
    """``store`` as callers without access to restricted knowledge may query it: an
    in-memory copy without the quads of restricted nodes (as subject or object) and
    of the blank nodes that hang from them. ``store`` itself when nothing is restricted.
    """
    rows = store.select(sparql_prefixes() + _RESTRICTED_NODES)
    hidden: set[object] = {row["x"] for row in rows if "x" in row}
    if not hidden:
        return store
    view = EmbeddedStore(None)
    children: dict[object, list[BlankNode]] = defaultdict(list)
    # Quads that touch a blank node wait until we know which blank nodes are hidden.
    held: list[Quad] = []
    batch: list[Quad] = []
    for quad in store.quads():
        if isinstance(quad.object, BlankNode):
            children[quad.subject].append(quad.object)
        if isinstance(quad.subject, BlankNode) or isinstance(quad.object, BlankNode):
            held.append(quad)
        elif not _touches(quad, hidden):
            batch.append(quad)
            if len(batch) >= _COPY_BATCH:
                view.load_quads(batch)
                batch = []
    frontier = list(hidden)
    while frontier:
        for child in children.get(frontier.pop(), ()):
            if child not in hidden:
                hidden.add(child)
                frontier.append(child)
    batch += [quad for quad in held if not _touches(quad, hidden)]
    if batch:
        view.load_quads(batch)
    view.read_only = True
    return view


def _touches(quad: Quad | Triple, hidden: set[object]) -> bool:
    terms: Iterable[object] = (quad.subject, quad.predicate, quad.object)
    if isinstance(quad, Quad):
        terms = (*terms, quad.graph_name)
    return any(term in hidden or (isinstance(term, Triple) and _touches(term, hidden)) for term in terms)


# -- reading the request ---------------------------------------------------------

_DATASET_PARAMS = ("default-graph-uri", "named-graph-uri")


def _query_text(params: Sequence[tuple[str, str]], body_query: str | None = None) -> str:
    """The one query of a request, from its parameters or its body."""
    names = {name for name, _ in params}
    if "update" in names:
        raise HTTPException(
            400, "/sparql is read-only: it answers queries, never updates; the 'update' parameter is refused"
        )
    for name in _DATASET_PARAMS:
        if name in names:
            raise HTTPException(
                400, f"the {name!r} parameter is not supported; name graphs with FROM or FROM NAMED instead"
            )
    texts = [value for name, value in params if name == "query"]
    if body_query is not None:
        texts.append(body_query)
    if not texts:
        raise HTTPException(
            400,
            "no query: send it as ?query=..., as a form field 'query' or as an application/sparql-query body",
        )
    if len(texts) > 1:
        raise HTTPException(400, f"send exactly one query; this request has {len(texts)}")
    if not texts[0].strip():
        raise HTTPException(400, "the query is empty")
    return texts[0]


def _charset_of(content_type: str) -> str:
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"') or "utf-8"
    return "utf-8"


def _decode(body: bytes, content_type: str) -> str:
    charset = _charset_of(content_type)
    try:
        return body.decode(charset)
    except (LookupError, UnicodeDecodeError) as exc:
        raise HTTPException(400, f"the request body is not valid {charset!r} text: {exc}") from exc


# -- checking the query ----------------------------------------------------------

_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# Comments, IRIs and strings, where the word SERVICE is not a keyword.
_NOT_KEYWORDS = re.compile(
    r"#[^\n\r]*"
    r"|<[^<>\"{}|^`\\\x00-\x20]*>"
    r"|'''(?:[^'\\]|\\.|'(?!''))*(?:'''|$)"
    r'|"""(?:[^"\\]|\\.|"(?!""))*(?:"""|$)'
    r"|'(?:[^'\\\n\r]|\\.)*'?"
    r'|"(?:[^"\\\n\r]|\\.)*"?',
    re.DOTALL,
)
_SERVICE = re.compile(r"(?<![\w:?$@\-])service(?![\w:\-])", re.IGNORECASE)


def _calls_service(text: str) -> bool:
    """Whether the query uses the SERVICE keyword. Errs towards yes: codepoint escapes
    are expanded first, and only comments, IRIs and strings are skipped."""

    def expand(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else match.group(0)

    return bool(_SERVICE.search(_NOT_KEYWORDS.sub(" ", _CODEPOINT.sub(expand, text))))


def _is_update(text: str) -> bool:
    if len(text) > _UPDATE_CHECK_CHARS:  # rdflib's parser is slow on long texts
        return False
    try:
        parseUpdate(text)
    except Exception:  # pyparsing and rdflib raise several types; any means "not an update"
        return False
    return True


@dataclass(frozen=True)
class Prepared:
    """A checked query: its text for the store, its kind and its result variables."""

    text: str
    kind: QueryKind
    variables: tuple[str, ...] = ()
    capped: bool = False


def _parse(text: str) -> QueryKind | tuple[str, ...]:
    """The query's kind, or the variables of a SELECT; raises SyntaxError."""
    # An empty store evaluates nothing costly: SELECT and CONSTRUCT results are lazy
    # and SERVICE was refused before this.
    result = Store().query(text, prefixes=PREFIXES, use_default_graph_as_union=True)
    if isinstance(result, QuerySolutions):
        return tuple(variable.value for variable in result.variables)
    return "ask" if isinstance(result, QueryBoolean) else "graph"


def prepare(text: str, limit: int) -> Prepared:
    """Check that ``text`` is one read-only query; raise HTTPException(400) if not.

    A SELECT without a LIMIT of its own gets ``LIMIT limit+1``, so the store stops
    one row past what will be sent, and the response can still say it was cut.
    """
    if _calls_service(text):
        raise HTTPException(
            400, "SERVICE is not allowed here: /sparql does not query other endpoints for its callers"
        )
    try:
        parsed = _parse(text)
    except SyntaxError as exc:
        if _is_update(text):
            raise HTTPException(
                400,
                "this is a SPARQL Update; /sparql is read-only and answers only "
                "SELECT, ASK, CONSTRUCT and DESCRIBE queries",
            ) from exc
        raise HTTPException(400, f"the SPARQL query is not valid: {exc}") from exc
    if not isinstance(parsed, tuple):
        return Prepared(text, parsed)
    capped_text = f"{text}\nLIMIT {limit + 1}"
    try:
        _parse(capped_text)
    except SyntaxError:  # it has a LIMIT, or ends with VALUES: cut the rows afterwards
        return Prepared(text, "select", parsed)
    return Prepared(capped_text, "select", parsed, capped=True)


# -- content negotiation and writing results ----------------------------------------

F = TypeVar("F")


def _ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        media, *params = part.split(";")
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if not math.isfinite(quality):
            quality = 0.0
        if media.strip():
            ranges.append((media.strip().lower(), min(max(quality, 0.0), 1.0)))
    return ranges


def _quality(media: str, ranges: list[tuple[str, float]]) -> float:
    kind = media.split("/")[0] + "/*"
    best: tuple[int, float] = (-1, 0.0)
    for pattern, quality in ranges:
        rank = 2 if pattern == media else 1 if pattern == kind else 0 if pattern == "*/*" else -1
        if rank > best[0]:
            best = (rank, quality)
    return best[1]


def negotiate(accept: str | None, offers: Sequence[tuple[str, F]]) -> tuple[str, F] | None:
    """The offer ``accept`` likes best (the first offer on ties or without ``accept``),
    or None when it accepts none of them."""
    if not accept or not accept.strip():
        return offers[0]
    ranges = _ranges(accept)
    chosen, best = None, 0.0
    for offer in offers:
        quality = _quality(offer[0], ranges)
        if quality > best:
            chosen, best = offer, quality
    return chosen


def _json_term(term: Term | Triple) -> dict[str, Any]:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, RdfLiteral):
        cell: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            cell["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            cell["datatype"] = term.datatype.value
        return cell
    return {
        "type": "triple",
        "value": {
            "subject": _json_term(term.subject),
            "predicate": _json_term(term.predicate),
            "object": _json_term(term.object),
        },
    }


def _solutions(variables: Sequence[str], rows: Sequence[Binding]) -> dict[str, Any]:
    bindings = [{name: _json_term(term) for name, term in row.items()} for row in rows]
    return {"head": {"vars": list(variables)}, "results": {"bindings": bindings}}


def _write_results(document: dict[str, Any], fmt: QueryResultsFormat) -> bytes:
    data = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if fmt == QueryResultsFormat.JSON:
        return data
    return parse_query_results(data, QueryResultsFormat.JSON).serialize(format=fmt) or b""


@dataclass(frozen=True)
class _Answer:
    body: bytes
    truncated: bool


def _answer(store: GraphStore, query: Prepared, limit: int, fmt: QueryResultsFormat | RdfFormat) -> _Answer:
    text = sparql_prefixes() + query.text
    if query.kind == "ask":
        assert isinstance(fmt, QueryResultsFormat)
        return _Answer(_write_results({"head": {}, "boolean": store.ask(text)}, fmt), False)
    if query.kind == "select":
        assert isinstance(fmt, QueryResultsFormat)
        rows = store.select(text)
        return _Answer(_write_results(_solutions(query.variables, rows[:limit]), fmt), len(rows) > limit)
    assert isinstance(fmt, RdfFormat)
    triples = store.construct(text)
    prefixes = PREFIXES if fmt in (RdfFormat.TURTLE, RdfFormat.RDF_XML) else None
    body = serialize(triples[:limit], format=fmt, prefixes=prefixes) or b""
    return _Answer(body, len(triples) > limit)


# -- running with a deadline -------------------------------------------------------


def _succeed(future: asyncio.Future[T], value: T) -> None:
    if not future.done():  # not given up on
        future.set_result(value)


def _fail(future: asyncio.Future[Any], error: Exception) -> None:
    if not future.done():
        future.set_exception(error)


async def _within(seconds: float, work: Callable[[], T], *, query: str, endpoint: str) -> T:
    """``work()`` in a daemon thread; QueryTimeout after ``seconds``, when the thread is
    left to finish on its own (a store query cannot be interrupted)."""
    if not _slots.acquire(blocking=False):
        raise HTTPException(
            503,
            f"{MAX_RUNNING} SPARQL queries are already running; retry when one has finished",
            headers={"Retry-After": "5"},
        )
    loop = asyncio.get_running_loop()
    outcome: asyncio.Future[T] = loop.create_future()

    def run() -> None:
        try:
            value = work()
        except Exception as exc:
            report: Callable[[], None] = functools.partial(_fail, outcome, exc)
        else:
            report = functools.partial(_succeed, outcome, value)
        finally:
            _slots.release()
        with contextlib.suppress(RuntimeError):  # the server stopped while the query ran
            loop.call_soon_threadsafe(report)

    try:
        threading.Thread(target=run, name="geertz-sparql", daemon=True).start()
    except RuntimeError:
        _slots.release()
        raise
    try:
        return await asyncio.wait_for(outcome, seconds)
    except TimeoutError as exc:
        raise QueryTimeout(
            f"the query ran longer than {seconds:g} s (GEERTZ_QUERY_TIMEOUT); "
            "narrow its patterns or add a LIMIT",
            query=query,
            endpoint=endpoint,
        ) from exc


async def _respond(
    request: Request, text: str, engine: ContextEngine, restricted: bool, limit: int, timeout: float
) -> Response:
    # Off the event loop: rdflib's update parser, used for the error message, can be slow.
    query = await run_in_threadpool(prepare, text, limit)
    offers: Sequence[tuple[str, QueryResultsFormat | RdfFormat]] = (
        _GRAPHS if query.kind == "graph" else _RESULTS
    )
    chosen = negotiate(request.headers.get("accept"), offers)
    if chosen is None:
        listed = ", ".join(media for media, _ in offers)
        raise HTTPException(406, f"no type the Accept header allows fits this query; offered: {listed}")
    media, fmt = chosen

    def work() -> _Answer:
        store = (
            engine.store
            if restricted
            else for_index(engine, "public-view", lambda: public_view(engine.store))
        )
        return _answer(store, query, limit, fmt)

    answer = await _within(timeout, work, query=text, endpoint=engine.store.location)
    headers = {"Vary": "Accept"}
    if answer.truncated:
        headers[_TRUNCATED] = "true"
    return Response(answer.body, media_type=media, headers=headers)


# -- routes ------------------------------------------------------------------------

_MEDIA = sorted({media for media, _ in _RESULTS + _GRAPHS})
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Query results (SELECT, ASK) or an RDF graph (CONSTRUCT, DESCRIBE), as Accept asks. "
        "'X-Geertz-Truncated: true' when the result limit cut it.",
        "content": {media: {} for media in _MEDIA},
    },
    400: {"description": "Not one valid read-only query, or an update."},
    406: {"description": "No result type the Accept header allows."},
    415: {"description": "A POST body that is neither a form nor application/sparql-query."},
    503: {"description": "Too many queries running at once."},
    504: {"description": "The query ran past GEERTZ_QUERY_TIMEOUT."},
}
_QUERY_DOC = (
    "A SPARQL 1.1 query: SELECT, ASK, CONSTRUCT or DESCRIBE; gz:, skos:, dcterms:... are predeclared."
)


@router.get("/sparql", response_class=Response, responses=_RESPONSES)
async def sparql_get(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    caller: Reader,
    query: Annotated[str | None, Query(description=_QUERY_DOC)] = None,
) -> Response:
    """Run a read-only SPARQL query given as ?query=... (SPARQL 1.1 Protocol)."""
    text = _query_text(request.query_params.multi_items())
    return await _respond(
        request, text, engine, caller.restricted, settings.sparql_result_limit, settings.query_timeout
    )


@router.post(
    "/sparql",
    response_class=Response,
    responses=_RESPONSES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {"query": {"type": "string", "description": _QUERY_DOC}},
                        "required": ["query"],
                    }
                },
                "application/sparql-query": {"schema": {"type": "string", "description": _QUERY_DOC}},
            },
        }
    },
)
async def sparql_post(request: Request, engine: EngineDep, settings: SettingsDep, caller: Reader) -> Response:
    """Run a read-only SPARQL query sent as a form field or an application/sparql-query body."""
    content_type = request.headers.get("content-type", "")
    media = content_type.split(";")[0].strip().lower()
    params = request.query_params.multi_items()
    body = await request.body()
    if media == "application/x-www-form-urlencoded":
        try:
            fields = parse_qsl(_decode(body, content_type), keep_blank_values=True, max_num_fields=100)
        except ValueError as exc:
            raise HTTPException(400, f"the form cannot be read: {exc}") from exc
        text = _query_text([*params, *fields])
    elif media == "application/sparql-query":
        text = _query_text(params, _decode(body, content_type))
    elif media == "application/sparql-update":
        raise HTTPException(400, "/sparql is read-only: it answers queries, never updates")
    else:
        raise HTTPException(
            415,
            f"cannot read a {media or 'missing'!r} body; send application/x-www-form-urlencoded "
            "(query=...) or application/sparql-query",
        )
    return await _respond(
        request, text, engine, caller.restricted, settings.sparql_result_limit, settings.query_timeout
    )
