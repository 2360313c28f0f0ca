"""An in-memory snapshot of the statements retrieval ranks, read from the store once.

Retrieval must answer in milliseconds without an LLM, so everything it needs
per statement (text, practice, holders, scope facets, evidence, variation
links) is read with a handful of SPARQL queries and kept in plain objects.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode

from geertz.graph.gazetteer import CLDR_GRAPH
from geertz.graph.store import GraphStore
from geertz.i18n import base_language
from geertz.vocab import GZ

__all__ = ["SCOPE_FACETS", "Snapshot", "Statement", "VariationRecord"]

# Scope facet property (local name) -> ContextPack facet name.
SCOPE_FACETS = {
    "place": "place",
    "occasion": "occasion",
    "setting": "setting",
    "actorRole": "role",
    "recipientRole": "role",
    "relation": "relation",
    "language": "language",
    "domain": "domain",
    "period": "time",
    "goal": "goal",
}


@dataclass
class Statement:
    """One interpretation or norm with everything a pack item shows."""

    iri: str
    kind: str
    text: str = ""
    texts: dict[str, str] = field(default_factory=dict)  # the text in other languages, by BCP 47 tag
    practice: str | None = None
    holders: list[str] = field(default_factory=list)
    scope: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    meanings: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)
    agreement: float | None = None
    confidence: float | None = None
    perspective: str | None = None
    deontic_status: str | None = None
    sensitivity: str = "public"


@dataclass
class VariationRecord:
    iri: str
    kind: str
    practice: str | None
    dimension: str
    note: str | None
    members: list[str]


_STATEMENTS = """
SELECT ?s ?kind ?p ?o WHERE {
  VALUES ?kind { gz:Interpretation gz:Norm }
  ?s a ?kind ; ?p ?o .
  VALUES ?p { gz:text gz:ofPractice gz:heldBy gz:scope gz:meaning gz:evidence dcterms:identifier
              gz:agreement gz:confidence gz:perspective gz:deonticStatus gz:sensitivity }
}
"""
_SCOPES = """
SELECT ?scope ?facet ?value WHERE {
  ?x gz:scope ?scope .
  ?scope gz:withinScope* ?outer .
  ?outer ?facet ?value .
  VALUES ?facet { gz:place gz:occasion gz:setting gz:actorRole gz:recipientRole gz:relation
                  gz:language gz:domain gz:period gz:goal }
}
"""
_LABELS = """
SELECT ?n ?l WHERE {
  VALUES ?p { skos:prefLabel rdfs:label }
  ?n ?p ?l .
  FILTER (!isLiteral(?l) || LANG(?l) = "" || LANGMATCHES(LANG(?l), "en"))
  FILTER EXISTS { ?x ?q ?n . FILTER (?q != rdf:type) }
}
"""
# Nodes with no English or untagged label: their preferred label in any language,
# else an English alternative label, before their raw id ("pōwhiri"@mi).
_OTHER_LABELS = """
SELECT ?n ?l ?p WHERE {
  VALUES ?p { skos:prefLabel skos:altLabel }
  ?n ?p ?l .
  FILTER (?p = skos:prefLabel || LANGMATCHES(LANG(?l), "en"))
  FILTER NOT EXISTS {
    ?n skos:prefLabel|rdfs:label ?own .
    FILTER (!isLiteral(?own) || LANG(?own) = "" || LANGMATCHES(LANG(?own), "en"))
  }
  FILTER EXISTS { ?x ?q ?n . FILTER (?q != rdf:type) }
}
"""
_LOCAL_LABELS = """
SELECT ?n ?l WHERE {
  VALUES ?class { gz:Practice gz:Meaning gz:Community gz:Occasion gz:Setting gz:Role gz:Relationship
                  gz:Domain gz:Value gz:Goal gz:Period }
  ?n a ?class ; skos:prefLabel ?l .
  FILTER (LANG(?l) != "" && !LANGMATCHES(LANG(?l), "en"))
}
"""
_EVIDENCE = """
SELECT ?e ?title ?url ?citation WHERE {
  ?e a gz:Evidence .
  OPTIONAL { ?e dcterms:title ?title }
  OPTIONAL { ?e dcterms:source ?url }
  OPTIONAL { ?e dcterms:bibliographicCitation ?citation }
}
"""
_VARIATIONS = """
SELECT ?v ?kind ?practice ?dimension ?note ?member WHERE {
  VALUES ?kind { gz:Variation gz:Contestation }
  ?v a ?kind ; gz:member ?member .
  OPTIONAL { ?v gz:variationOf|gz:contestationOf ?practice }
  OPTIONAL { ?v gz:dimension|gz:issue ?dimension }
  OPTIONAL { ?v skos:note ?note }
}
"""
_COMMUNITY_LINKS = """
SELECT ?c ?p ?o WHERE {
  ?c a gz:Community ; ?p ?o .
  VALUES ?p { gz:basedIn gz:originatesIn gz:overlapsWith gz:nestedIn gz:speaks gz:describedBy }
}
"""
# Countries' everyday names in other languages (the CLDR's, which the gazetteer keeps in
# a graph of their own): shown where a pack speaks the prompt's language.
_COUNTRY_NAMES = f"""
SELECT ?n ?l WHERE {{
  GRAPH <{CLDR_GRAPH}> {{ ?n skos:altLabel ?l }}
  FILTER (LANG(?l) != "" && !LANGMATCHES(LANG(?l), "en"))
}}
"""
_DESCRIPTIONS = """
SELECT ?p ?d WHERE {
  ?p a gz:Practice ; dcterms:description ?d .
  FILTER (LANG(?d) = "" || LANGMATCHES(LANG(?d), "en"))
}
"""
_PRACTICE_LINKS = """
SELECT ?x ?p ?o WHERE {
  ?x a gz:Practice ; gz:domain ?o .
  BIND (gz:domain AS ?p)
}
"""


def _local(iri: str) -> str:
    return iri[len(GZ) :] if iri.startswith(GZ) else iri


class Snapshot:
    """Statements, labels, evidence and links, read from ``store`` by :meth:`load`."""

    def __init__(self) -> None:
        self.statements: dict[str, Statement] = {}
        self.labels: dict[str, str] = {}
        self.evidence: dict[str, tuple[str, str | None, str | None]] = {}
        self.variations: dict[str, VariationRecord] = {}
        self.variations_of: dict[str, list[str]] = defaultdict(list)
        self.links: list[tuple[str, str, str]] = []
        self.descriptions: dict[str, str] = {}
        # Preferred labels in languages other than English, by node and primary subtag.
        self.local_labels: dict[str, dict[str, str]] = {}

    @classmethod
    def load(cls, store: GraphStore) -> Snapshot:
        """Read everything retrieval needs from ``store``."""
        snap = cls()
        scopes_of: dict[str, list[str]] = defaultdict(list)
        for row in store.select(_STATEMENTS):
            iri = row["s"].value
            st = snap.statements.get(iri)
            if st is None:
                st = snap.statements[iri] = Statement(
                    iri, "interpretation" if row["kind"].value.endswith("Interpretation") else "norm"
                )
            prop, value = _local(row["p"].value), row["o"]
            text = value.value
            if prop == "text":
                language = (value.language or "") if isinstance(value, Literal) else ""
                if base_language(language) in ("en", ""):
                    st.text = text
                else:
                    st.texts.setdefault(language, text)
                    st.text = st.text or text
            elif prop == "ofPractice":
                st.practice = text
            elif prop == "heldBy":
                st.holders.append(text)
            elif prop == "scope":
                scopes_of[iri].append(text)
            elif prop == "meaning":
                st.meanings.append(text)
            elif prop == "evidence":
                st.evidence.append(text)
            elif prop.endswith("identifier"):
                st.identifiers.append(text)
            elif prop in ("agreement", "confidence"):
                with contextlib.suppress(ValueError):
                    setattr(st, prop, float(text))
            elif prop == "perspective":
                st.perspective = _local(text)
            elif prop == "deonticStatus":
                st.deontic_status = _local(text)
            elif prop == "sensitivity":
                st.sensitivity = _local(text)
        scope_facets: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for row in store.select(_SCOPES):
            facet = SCOPE_FACETS.get(_local(row["facet"].value))
            if facet and isinstance(row["value"], NamedNode):
                values = scope_facets[row["scope"].value][facet]
                if row["value"].value not in values:
                    values.append(row["value"].value)
        for iri, st in snap.statements.items():
            for scope in scopes_of[iri]:
                for facet, values in scope_facets.get(scope, {}).items():
                    for scoped in values:
                        if scoped not in st.scope[facet]:
                            st.scope[facet].append(scoped)
        for row in store.select(_LABELS):
            snap.labels.setdefault(row["n"].value, row["l"].value)
        others = store.select(_OTHER_LABELS)
        for row in sorted(others, key=lambda r: not r["p"].value.endswith("prefLabel")):
            snap.labels.setdefault(row["n"].value, row["l"].value)
        for row in [*store.select(_LOCAL_LABELS), *store.select(_COUNTRY_NAMES)]:
            value = row["l"]
            language = base_language(value.language if isinstance(value, Literal) else None)
            snap.local_labels.setdefault(row["n"].value, {}).setdefault(language, value.value)
        for row in store.select(_DESCRIPTIONS):
            snap.descriptions.setdefault(row["p"].value, row["d"].value)
        for row in store.select(_EVIDENCE):
            snap.evidence[row["e"].value] = (
                row["title"].value if "title" in row else row["e"].value,
                row["url"].value if "url" in row else None,
                row["citation"].value if "citation" in row else None,
            )
        for row in store.select(_VARIATIONS):
            iri = row["v"].value
            record = snap.variations.get(iri)
            if record is None:
                record = snap.variations[iri] = VariationRecord(
                    iri,
                    "variation" if row["kind"].value.endswith("Variation") else "contestation",
                    row["practice"].value if "practice" in row else None,
                    row["dimension"].value if "dimension" in row else "",
                    row["note"].value if "note" in row else None,
                    [],
                )
            member = row["member"].value
            if member not in record.members:
                record.members.append(member)
                snap.variations_of[member].append(iri)
        for query in (_COMMUNITY_LINKS, _PRACTICE_LINKS):
            for row in store.select(query):
                subject = row.get("c") or row.get("x")
                if subject is not None and isinstance(row["o"], NamedNode):
                    snap.links.append((subject.value, _local(row["p"].value), row["o"].value))
        return snap

    def local_label(self, iri: str, language: str | None) -> str | None:
        """The label of ``iri`` in ``language`` (other than English), if the graph has one."""
        return self.local_labels.get(iri, {}).get(base_language(language) or "") if language else None

    def label(self, iri: str, language: str | None = None) -> str:
        """The label of ``iri`` in ``language`` where the graph has one, else its English
        (or only) label, else its local name."""
        return (
            self.local_label(iri, language)
            or self.labels.get(iri)
            or iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        )

    def text(self, statement: Statement, language: str | None = None) -> str:
        """The statement's text in ``language`` where the graph has it, else its English text."""
        base = base_language(language)
        if base and base != "en":
            for tag, text in statement.texts.items():
                if base_language(tag) == base:
                    return text
        return statement.text
