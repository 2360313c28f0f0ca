"""Practices, communities and statements as JSON-LD, and a search over labels.

``GET /v1/practices/{id}`` and ``GET /v1/communities/{id}`` take the local name of
the node's IRI, with or without its prefix: ``wai`` and ``practice-wai`` both
name ``https://w3id.org/geertz/id/practice-wai``. ``GET /v1/statements/{id}``
takes a statement's whole local name (``interp-guest-no-white-anglo``), the one
an answer's citation carries. ``GET /v1/search?q=...`` finds practices,
communities and places by any of their labels.

Every document carries an ``@context`` (:data:`CONTEXT`) that maps its keys to
SKOS, schema.org, Dublin Core and geertz terms, so a JSON-LD processor reads
it as RDF. Statements marked restricted, and any node marked so, are left out
unless the caller's key may see restricted knowledge; a restricted practice or
community answers 404, as if it did not exist.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import JSONResponse
from pyoxigraph import BlankNode, NamedNode
from pyoxigraph import Literal as RdfLiteral

from geertz.api.deps import Caller, EngineDep, Reader
from geertz.api.routes.sparql import for_index, restricted_nodes
from geertz.engine import ContextEngine
from geertz.graph.store import GraphStore, sparql_iri
from geertz.graph.terms import Term
from geertz.retrieval.snapshot import Snapshot, Statement, VariationRecord
from geertz.text import fold
from geertz.vocab import DCTERMS, GZ, GZ_DATA, SKOS, XSD, sparql_prefixes

__all__ = ["CONTEXT", "JSONLDResponse", "LabelSearch", "router"]

router = APIRouter(tags=["browse"])

SearchKind = Literal["practice", "community", "place"]


def _ref(name: str) -> dict[str, str]:
    """A geertz property whose string values are IRIs."""
    return {"@id": f"gz:{name}", "@type": "@id"}


#: The JSON-LD context of every document these routes return.
CONTEXT: dict[str, Any] = {
    "@version": 1.1,
    "gz": GZ,
    "gzd": GZ_DATA,
    "schema": "https://schema.org/",
    "skos": SKOS,
    "dcterms": DCTERMS,
    "xsd": XSD,
    "id": "@id",
    "type": "@type",
    "name": "skos:prefLabel",
    "labels": {"@id": "skos:prefLabel", "@container": "@language"},
    "altLabels": {"@id": "skos:altLabel", "@container": "@language"},
    "description": "schema:description",
    "note": "skos:note",
    "domain": _ref("domain"),
    "statements": {"@reverse": "gz:ofPractice"},
    "holds": {"@reverse": "gz:heldBy"},
    "practice": _ref("ofPractice"),
    "text": "gz:text",
    "heldBy": _ref("heldBy"),
    "meaning": _ref("meaning"),
    "scope": _ref("scope"),
    "place": _ref("place"),
    "occasion": _ref("occasion"),
    "setting": _ref("setting"),
    "actorRole": _ref("actorRole"),
    "recipientRole": _ref("recipientRole"),
    "relation": _ref("relation"),
    "language": _ref("language"),
    "period": _ref("period"),
    "goal": _ref("goal"),
    "evidence": _ref("evidence"),
    "title": "dcterms:title",
    "url": {"@id": "schema:url", "@type": "@id"},
    "citation": "dcterms:bibliographicCitation",
    "agreement": "gz:agreement",
    "confidence": "gz:confidence",
    "perspective": _ref("perspective"),
    "deonticStatus": _ref("deonticStatus"),
    "sensitivity": _ref("sensitivity"),
    "variations": {"@reverse": "gz:variationOf"},
    "contestations": {"@reverse": "gz:contestationOf"},
    "variationOf": _ref("variationOf"),
    "contestationOf": _ref("contestationOf"),
    "members": _ref("member"),
    "memberOf": {"@reverse": "gz:member"},
    "dimension": "gz:dimension",
    "issue": "gz:issue",
    "boundaryNote": "gz:boundaryNote",
    "basedIn": _ref("basedIn"),
    "originatesIn": _ref("originatesIn"),
    "speaks": _ref("speaks"),
    "nestedIn": _ref("nestedIn"),
    "overlapsWith": _ref("overlapsWith"),
}


class JSONLDResponse(JSONResponse):
    """JSON sent as ``application/ld+json``."""

    media_type = "application/ld+json"


_LOCAL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]{0,199}")
_SCOPE_FACETS = (
    "place",
    "occasion",
    "setting",
    "actorRole",
    "recipientRole",
    "relation",
    "language",
    "domain",
    "period",
    "goal",
)
_NODE = """
SELECT ?node ?p ?o WHERE {
  VALUES ?node { %s }
  ?node a %s ; ?p ?o .
}
"""
_SCOPES = """
SELECT ?s ?scope ?facet ?value WHERE {
  VALUES ?s { %s }
  ?s gz:scope ?scope .
  OPTIONAL {
    ?scope gz:withinScope* ?outer .
    ?outer ?facet ?value .
    VALUES ?facet { %s }
  }
}
"""
_COMMUNITY_LINKS = ("basedIn", "originatesIn", "speaks", "nestedIn", "overlapsWith")


# -- who may see what --------------------------------------------------------------


def _visibility(engine: ContextEngine, caller: Caller) -> Callable[[str], bool]:
    """Whether the caller may see the node with this IRI."""
    if caller.restricted:
        return lambda iri: True
    hidden = for_index(engine, "restricted-nodes", lambda: restricted_nodes(engine.store))
    return lambda iri: iri not in hidden


# -- reading a node ----------------------------------------------------------------


@dataclass
class _Node:
    iri: str
    properties: dict[str, list[Term]]

    def values(self, prop: str) -> list[Term]:
        return self.properties.get(prop, [])

    def iris(self, prop: str) -> list[str]:
        return [term.value for term in self.values(prop) if isinstance(term, NamedNode)]


def _find(store: GraphStore, kind: str, ident: str) -> _Node | None:
    """The node of class gz:``kind`` whose local name is ``ident``, or ``kind-ident``."""
    if not _LOCAL_NAME.fullmatch(ident):
        return None
    prefix = f"{kind.lower()}-"
    names = [ident, prefix + ident] if ident.startswith(prefix) else [prefix + ident, ident]
    candidates = [GZ_DATA + name for name in names]
    values = " ".join(sparql_iri(iri) for iri in candidates)
    rows = store.select(sparql_prefixes() + _NODE % (values, sparql_iri(GZ + kind)))
    found: dict[str, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        found[row["node"].value][row["p"].value].append(row["o"])
    for iri in candidates:
        if iri in found:
            return _Node(iri, found[iri])
    return None


def _node_or_404(
    engine: ContextEngine, kind: str, ident: str, visible: Callable[[str], bool], what: str
) -> _Node:
    node = _find(engine.store, kind, ident)
    if node is None or not visible(node.iri):
        raise HTTPException(
            404, f"no {what} {ident!r}; find one with GET /v1/search?q=...&type={kind.lower()}"
        )
    return node


def _language_map(terms: Iterable[Term]) -> dict[str, str | list[str]]:
    by_language: dict[str, list[str]] = defaultdict(list)
    for term in terms:
        if isinstance(term, RdfLiteral):
            by_language[term.language or "@none"].append(term.value)
    return {lang: values[0] if len(values) == 1 else values for lang, values in by_language.items()}


def _english(terms: Iterable[Term]) -> str | None:
    """The English, else untagged, else first literal among ``terms``."""
    literals = [term for term in terms if isinstance(term, RdfLiteral)]
    for wanted in ("en", None):
        for literal in literals:
            language = literal.language.split("-")[0].lower() if literal.language else None
            if language == wanted:
                return literal.value
    return literals[0].value if literals else None


def _named(iri: str, snapshot: Snapshot) -> dict[str, str]:
    return {"id": iri, "name": snapshot.label(iri)}


def _described(node: _Node, kind: str, snapshot: Snapshot) -> dict[str, Any]:
    """What every document says of its node: id, type and labels."""
    labels = node.values(SKOS + "prefLabel")
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": node.iri,
        "type": f"gz:{kind}",
        "name": _english(labels) or snapshot.label(node.iri),
        "labels": _language_map(labels),
    }
    alternatives = _language_map(node.values(SKOS + "altLabel"))
    if alternatives:
        document["altLabels"] = alternatives
    return document


# -- statements --------------------------------------------------------------------


def _scopes(store: GraphStore, statements: Sequence[Statement]) -> dict[str, list[dict[str, Any]]]:
    """Each statement's scopes, with the conditions they set or inherit (gz:withinScope)."""
    if not statements:
        return {}
    values = " ".join(sparql_iri(st.iri) for st in statements)
    facets = " ".join(f"gz:{facet}" for facet in _SCOPE_FACETS)
    rows = store.select(sparql_prefixes() + _SCOPES % (values, facets))
    scopes: dict[str, dict[str, dict[str, list[str]]]] = defaultdict(dict)
    for row in rows:
        scope = row["scope"]
        key = f"_:{scope.value}" if isinstance(scope, BlankNode) else scope.value
        conditions = scopes[row["s"].value].setdefault(key, defaultdict(list))
        facet, value = row.get("facet"), row.get("value")
        if facet is not None and isinstance(value, NamedNode):
            listed = conditions[facet.value[len(GZ) :]]
            if value.value not in listed:
                listed.append(value.value)
    return {
        statement: [{"id": key, **conditions} for key, conditions in by_scope.items()]
        for statement, by_scope in scopes.items()
    }


def _statement(
    st: Statement,
    snapshot: Snapshot,
    scopes: list[dict[str, Any]],
    visible: Callable[[str], bool],
    *,
    with_practice: bool,
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": st.iri,
        "type": "gz:Interpretation" if st.kind == "interpretation" else "gz:Norm",
        "text": st.text,
    }
    if with_practice and st.practice:
        document["practice"] = _named(st.practice, snapshot)
    document["heldBy"] = [_named(iri, snapshot) for iri in st.holders if visible(iri)]
    document["scope"] = [
        {
            key: [_named(iri, snapshot) for iri in value if visible(iri)] if key != "id" else value
            for key, value in scope.items()
        }
        for scope in scopes
    ]
    if st.meanings:
        document["meaning"] = [_named(iri, snapshot) for iri in st.meanings if visible(iri)]
    evidence = []
    for iri in st.evidence:
        if not visible(iri):
            continue
        title, url, citation = snapshot.evidence.get(iri, (iri, None, None))
        source = {"id": iri, "title": title, "url": url, "citation": citation}
        evidence.append({key: value for key, value in source.items() if value is not None})
    document["evidence"] = evidence
    extras = {
        "agreement": st.agreement,
        "confidence": st.confidence,
        "perspective": f"gz:{st.perspective}" if st.perspective else None,
        "deonticStatus": f"gz:{st.deontic_status}" if st.deontic_status else None,
        "sensitivity": f"gz:{st.sensitivity}" if st.sensitivity != "public" else None,
    }
    document.update({key: value for key, value in extras.items() if value is not None})
    return document


def _statements(
    engine: ContextEngine,
    chosen: Callable[[Statement], bool],
    visible: Callable[[str], bool],
    *,
    with_practice: bool,
) -> list[dict[str, Any]]:
    snapshot = engine.retriever.snapshot
    statements = sorted(
        (st for st in snapshot.statements.values() if chosen(st) and visible(st.iri)),
        key=lambda st: (st.kind, st.iri),
    )
    scopes = _scopes(engine.store, statements)
    return [
        _statement(st, snapshot, scopes.get(st.iri, []), visible, with_practice=with_practice)
        for st in statements
    ]


def _variations(
    snapshot: Snapshot, practice: str, kind: str, visible: Callable[[str], bool]
) -> list[dict[str, Any]]:
    return [
        _variation(record, snapshot, visible, with_practice=False)
        for record in sorted(snapshot.variations.values(), key=lambda r: r.iri)
        if record.practice == practice and record.kind == kind and visible(record.iri)
    ]


def _variation(
    record: VariationRecord, snapshot: Snapshot, visible: Callable[[str], bool], *, with_practice: bool
) -> dict[str, Any]:
    """A variation or contestation: what it turns on, and its visible members."""
    document: dict[str, Any] = {"id": record.iri, "type": f"gz:{record.kind.capitalize()}"}
    if with_practice and record.practice and visible(record.practice):
        document[f"{record.kind}Of"] = _named(record.practice, snapshot)
    if record.dimension:
        document["dimension" if record.kind == "variation" else "issue"] = record.dimension
    if record.note:
        document["note"] = record.note
    document["members"] = [iri for iri in record.members if visible(iri)]
    return document


# -- routes ------------------------------------------------------------------------

_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such node, or it is restricted."}}


@router.get("/v1/practices/{id}", response_class=JSONLDResponse, responses=_NOT_FOUND)
def practice(id: str, engine: EngineDep, caller: Reader) -> JSONLDResponse:
    """A practice as JSON-LD: labels, description, domain, its statements and their variation."""
    visible = _visibility(engine, caller)
    node = _node_or_404(engine, "Practice", id, visible, "practice")
    snapshot = engine.retriever.snapshot
    document = _described(node, "Practice", snapshot)
    description = _english(node.values(DCTERMS + "description"))
    if description:
        document["description"] = description
    document["domain"] = [_named(iri, snapshot) for iri in node.iris(GZ + "domain") if visible(iri)]
    document["statements"] = _statements(
        engine, lambda st: st.practice == node.iri, visible, with_practice=False
    )
    document["variations"] = _variations(snapshot, node.iri, "variation", visible)
    document["contestations"] = _variations(snapshot, node.iri, "contestation", visible)
    return JSONLDResponse(document)


@router.get("/v1/statements/{id}", response_class=JSONLDResponse, responses=_NOT_FOUND)
def statement(id: str, engine: EngineDep, caller: Reader) -> JSONLDResponse:
    """A statement as JSON-LD: text, practice, holders, scope, evidence, agreement and its variation."""
    visible = _visibility(engine, caller)
    snapshot = engine.retriever.snapshot
    st = snapshot.statements.get(GZ_DATA + id) if _LOCAL_NAME.fullmatch(id) else None
    if st is None or not visible(st.iri) or (st.sensitivity == "restricted" and not caller.restricted):
        raise HTTPException(
            404,
            f"no statement {id!r}; an answer's citations carry statement IRIs, and "
            "GET /v1/practices/{id} lists a practice's statements",
        )
    scopes = _scopes(engine.store, [st]).get(st.iri, [])
    document = {"@context": CONTEXT, **_statement(st, snapshot, scopes, visible, with_practice=True)}
    document["memberOf"] = [
        _variation(record, snapshot, visible, with_practice=True)
        for record in sorted(snapshot.variations.values(), key=lambda r: (r.kind, r.iri))
        if st.iri in record.members and visible(record.iri)
    ]
    return JSONLDResponse(document)


@router.get("/v1/communities/{id}", response_class=JSONLDResponse, responses=_NOT_FOUND)
def community(id: str, engine: EngineDep, caller: Reader) -> JSONLDResponse:
    """A community as JSON-LD: labels, boundary note, places and languages, and the statements it holds."""
    visible = _visibility(engine, caller)
    node = _node_or_404(engine, "Community", id, visible, "community")
    snapshot = engine.retriever.snapshot
    document = _described(node, "Community", snapshot)
    boundary = _english(node.values(GZ + "boundaryNote"))
    if boundary:
        document["boundaryNote"] = boundary
    for link in _COMMUNITY_LINKS:
        linked = [_named(iri, snapshot) for iri in node.iris(GZ + link) if visible(iri)]
        if linked:
            document[link] = linked
    document["holds"] = _statements(engine, lambda st: node.iri in st.holders, visible, with_practice=True)
    return JSONLDResponse(document)


# -- search ------------------------------------------------------------------------

_SEARCHED: dict[str, tuple[SearchKind, int]] = {
    # class -> (kind, rank): a node of several classes is listed under the most specific
    "Practice": ("practice", 0),
    "Community": ("community", 0),
    "City": ("place", 0),
    "Region": ("place", 1),
    "Country": ("place", 2),
    "CulturalRegion": ("place", 3),
    "Place": ("place", 4),
}
_LABELS = """
SELECT ?node ?class ?label ?property WHERE {
  VALUES ?class { %s }
  VALUES ?property { skos:prefLabel skos:altLabel rdfs:label }
  ?node a ?class ; ?property ?label .
}
"""


@dataclass(frozen=True)
class _Hit:
    iri: str
    kind: SearchKind
    cls: str
    name: str


class LabelSearch:
    """Practices, communities and places found by any of their labels, folded for case
    and accents: an exact label first, then one that starts with the words, then one
    with a word that does, then any that contain them.

    >>> search = LabelSearch.from_store(store)                 # doctest: +SKIP
    >>> [hit.name for hit in search.find("wai", kinds={"practice"})]
    ['the wai: joined palms and a bow']
    """

    def __init__(self, labels: Sequence[tuple[str, str, str, bool]], names: dict[str, str]) -> None:
        """``labels`` holds (node IRI, class local name, label, preferred) tuples;
        ``names`` the name to show for each node."""
        classes: dict[str, str] = {}
        for iri, cls, _, _ in labels:
            if iri not in classes or _SEARCHED[cls][1] < _SEARCHED[classes[iri]][1]:
                classes[iri] = cls
        self._entries: list[tuple[str, str, bool]] = []
        self._hits: dict[str, _Hit] = {}
        for iri, _, label, preferred in labels:
            if iri not in self._hits:
                kind = _SEARCHED[classes[iri]][0]
                self._hits[iri] = _Hit(iri, kind, classes[iri], names.get(iri) or label)
            folded = fold(label)
            if folded:
                self._entries.append((folded, iri, preferred))

    @classmethod
    def from_store(cls, store: GraphStore) -> LabelSearch:
        classes = " ".join(f"gz:{name}" for name in _SEARCHED)
        rows = store.select(sparql_prefixes() + _LABELS % classes)
        labels: list[tuple[str, str, str, bool]] = []
        preferred: dict[str, list[Term]] = defaultdict(list)
        others: dict[str, list[Term]] = defaultdict(list)
        for row in rows:
            node, label, prop = row["node"], row["label"], row["property"].value
            if not isinstance(node, NamedNode) or not isinstance(label, RdfLiteral):
                continue
            is_preferred = prop == SKOS + "prefLabel"
            labels.append((node.value, row["class"].value[len(GZ) :], label.value, is_preferred))
            (preferred if is_preferred else others)[node.value].append(label)
        names = {}
        for iri in {*preferred, *others}:
            name = _english(preferred.get(iri, ())) or _english(others.get(iri, ()))
            if name:
                names[iri] = name
        return cls(labels, names)

    def find(
        self,
        text: str,
        *,
        kinds: set[SearchKind] | None = None,
        limit: int = 10,
        visible: Callable[[str], bool] = lambda iri: True,
    ) -> list[_Hit]:
        """The best ``limit`` nodes whose labels contain ``text``."""
        wanted = fold(text)
        if not wanted:
            return []
        best: dict[str, tuple[int, bool, int]] = {}
        for folded, iri, preferred in self._entries:
            at = folded.find(wanted)
            if at < 0:
                continue
            if folded == wanted:
                match = 0
            elif at == 0:
                match = 1
            elif f" {wanted}" in f" {folded}":
                match = 2
            else:
                match = 3
            rank = (match, not preferred, len(folded))
            if iri not in best or rank < best[iri]:
                best[iri] = rank
        hits = [
            self._hits[iri]
            for iri in best
            if (kinds is None or self._hits[iri].kind in kinds) and visible(iri)
        ]
        hits.sort(key=lambda hit: (best[hit.iri], hit.name, hit.iri))
        return hits[:limit]


@router.get("/v1/search", response_class=JSONLDResponse)
def search(
    engine: EngineDep,
    caller: Reader,
    q: Annotated[str, Query(min_length=1, max_length=200, description="Text to find in labels.")],
    kind: Annotated[
        SearchKind | None, Query(alias="type", description="Only practices, communities or places.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Most results to return.")] = 10,
) -> JSONLDResponse:
    """Practices, communities and places whose labels contain q, best matches first, as JSON-LD."""
    if not any(char.isalnum() for char in q):
        raise HTTPException(400, f"q={q!r} has no letter or digit to search for")
    index = for_index(engine, "label-search", lambda: LabelSearch.from_store(engine.store))
    hits = index.find(q, kinds={kind} if kind else None, limit=limit, visible=_visibility(engine, caller))
    graph = [{"id": hit.iri, "type": f"gz:{hit.cls}", "name": hit.name} for hit in hits]
    return JSONLDResponse({"@context": CONTEXT, "@graph": graph})
