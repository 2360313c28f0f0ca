"""RDF terms shared by every store, and the one function that writes them into SPARQL.

geertz uses pyoxigraph's term classes everywhere: results from a remote
endpoint are converted into them, so callers never see which store answered.

User text reaches a SPARQL string only through :func:`sparql_term`, which
builds a validated term and lets Oxigraph write it in N-Triples syntax, with
every quote, backslash and newline escaped: the text ``say "hi" } ; DROP ALL``
becomes the single literal ``"say \\"hi\\" } ; DROP ALL"``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias

import rdflib
from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, Triple

__all__ = [
    "Binding",
    "GraphName",
    "Subject",
    "Term",
    "TermLike",
    "bind_values",
    "from_sparql_json",
    "iri",
    "literal",
    "sparql_term",
    "to_rdflib_graph",
    "to_rdflib_term",
    "values_clause",
]

Term: TypeAlias = NamedNode | BlankNode | Literal
Subject: TypeAlias = NamedNode | BlankNode
GraphName: TypeAlias = NamedNode | BlankNode | DefaultGraph
Binding: TypeAlias = dict[str, Term]
TermLike: TypeAlias = Term | str | int | float | bool

_XSD = "http://www.w3.org/2001/XMLSchema#"


def iri(value: str) -> NamedNode:
    """A validated IRI term; raises ``ValueError`` naming the bad IRI."""
    try:
        return NamedNode(value)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a valid absolute IRI: {exc}") from exc


def literal(value: str | int | float | bool, *, language: str | None = None) -> Literal:
    """A literal for a Python value: strings stay strings, numbers get XSD datatypes."""
    if isinstance(value, bool):
        return Literal("true" if value else "false", datatype=NamedNode(_XSD + "boolean"))
    if isinstance(value, int):
        return Literal(str(value), datatype=NamedNode(_XSD + "integer"))
    if isinstance(value, float):
        return Literal(repr(value), datatype=NamedNode(_XSD + "double"))
    if language is not None:
        return Literal(value, language=language)
    return Literal(value)


def sparql_term(value: TermLike) -> str:
    """Write ``value`` as a SPARQL term, safely escaped.

    A term passes through unchanged; a Python string becomes a plain string
    literal (never an IRI: use :func:`iri` for that), and numbers and booleans
    become typed literals. This is the only place user text enters SPARQL.
    """
    if isinstance(value, NamedNode | BlankNode | Literal):
        term: Term = value
    elif isinstance(value, str | int | float | bool):
        term = literal(value)
    else:
        raise TypeError(f"cannot write {type(value).__name__} {value!r} as a SPARQL term")
    return str(term)


def values_clause(bindings: Mapping[str, TermLike]) -> str:
    """A one-row ``VALUES`` block binding each variable to its escaped term."""
    if not bindings:
        return ""
    for name in bindings:
        if not name.isidentifier():
            raise ValueError(f"{name!r} is not a valid SPARQL variable name")
    names = " ".join(f"?{name}" for name in bindings)
    row = " ".join(sparql_term(value) for value in bindings.values())
    return f"\n  VALUES ({names}) {{ ({row}) }}"


_IRIREF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')


def bind_values(query: str, bindings: Mapping[str, TermLike]) -> str:
    """Bind variables by placing a one-row ``VALUES`` block at the end of the query's
    outermost ``WHERE`` group, values escaped by :func:`sparql_term`.

    Inside the group rather than after the query, because some servers (Virtuoso
    7) ignore a trailing ``VALUES`` clause. Braces inside strings, IRIs and
    comments are skipped when looking for the group's end.
    """
    if not bindings:
        return query
    block = values_clause(bindings)
    end = _last_closing_brace(query)
    if end is None:
        raise ValueError("cannot bind variables: the query has no { } group pattern")
    return query[:end] + block + "\n" + query[end:]


def _last_closing_brace(query: str) -> int | None:
    last = None
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch == "#":
            newline = query.find("\n", i)
            i = n if newline < 0 else newline + 1
            continue
        if ch == "<":
            match = _IRIREF.match(query, i)
            if match:
                i = match.end()
                continue
        if ch in "\"'":
            quote = query[i : i + 3] if query[i : i + 3] in ('"""', "'''") else ch
            i += len(quote)
            while i < n and not query.startswith(quote, i):
                i += 2 if query[i] == "\\" else 1
            i += len(quote)
            continue
        if ch == "}":
            last = i
        i += 1
    return last


def from_sparql_json(cell: Mapping[str, Any]) -> Term:
    """Convert one binding of SPARQL 1.1 JSON results into a term."""
    kind = cell.get("type")
    value = str(cell.get("value", ""))
    if kind == "uri":
        return NamedNode(value)
    if kind == "bnode":
        return BlankNode(value) if value.replace("-", "").replace("_", "").isalnum() else BlankNode()
    if kind in ("literal", "typed-literal"):
        if "xml:lang" in cell:
            return Literal(value, language=str(cell["xml:lang"]))
        if "datatype" in cell:
            return Literal(value, datatype=NamedNode(str(cell["datatype"])))
        return Literal(value)
    raise ValueError(f"unknown SPARQL JSON term type {kind!r} in {dict(cell)!r}")


def to_rdflib_term(term: Term) -> rdflib.term.Identifier:
    """The rdflib equivalent of a pyoxigraph term."""
    if isinstance(term, NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    if term.datatype.value == _XSD + "string":
        return rdflib.Literal(term.value)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def to_rdflib_graph(triples: Iterable[Triple | Quad]) -> rdflib.Graph:
    """Collect triples (or the triples of quads) into an rdflib graph, e.g. to compare
    two results by isomorphism."""
    graph = rdflib.Graph()
    for triple in triples:
        graph.add(
            (
                to_rdflib_term(triple.subject),  # type: ignore[arg-type]
                to_rdflib_term(triple.predicate),
                to_rdflib_term(triple.object),  # type: ignore[arg-type]
            )
        )
    return graph
