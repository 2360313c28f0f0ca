"""The ontology and shapes: plain OWL 2 that rdflib and owlready2 load, with every
class documented, and every term the code uses present."""

from __future__ import annotations

from pathlib import Path

import owlready2
import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS

from geertz.graph.validate import check_owl_consistency, java_executable
from geertz.vocab import GZ, GZTerms

from .conftest import ONTOLOGY

REQUIRED_CLASSES = [
    "Practice",
    "Interpretation",
    "Meaning",
    "Norm",
    "Value",
    "Community",
    "ProxyDescriptor",
    "Scope",
    "Place",
    "Occasion",
    "Setting",
    "Domain",
    "Role",
    "Perspective",
    "Variation",
    "Contestation",
    "Evidence",
    "Sensitivity",
    "DeonticStatus",
]


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY / "geertz.ttl")


def test_required_classes_exist_with_label_and_comment(ontology: rdflib.Graph) -> None:
    for name in REQUIRED_CLASSES:
        assert (rdflib.URIRef(GZ + name), RDF.type, OWL.Class) in ontology, name
    for cls in ontology.subjects(RDF.type, OWL.Class):
        if isinstance(cls, rdflib.URIRef) and str(cls).startswith(GZ):
            assert ontology.value(cls, RDFS.label) is not None, cls
            assert ontology.value(cls, RDFS.comment) is not None, cls


def test_every_vocab_term_is_declared(ontology: rdflib.Graph) -> None:
    declared = {str(s) for s in ontology.subjects(RDF.type, None) if isinstance(s, rdflib.URIRef)}
    missing = sorted(name for name, term in GZTerms.all().items() if term not in declared)
    assert missing == []


def test_every_property_used_is_declared_for_owl_dl(ontology: rdflib.Graph) -> None:
    kinds = {OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty}
    declared = {s for kind in kinds for s in ontology.subjects(RDF.type, kind)}
    builtin = (
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "http://www.w3.org/2000/01/rdf-schema#",
        str(OWL),
    )
    used = {p for p in ontology.predicates() if not str(p).startswith(builtin)}
    assert used - declared == set()


def test_scope_facets_and_enumerations(ontology: rdflib.Graph) -> None:
    for facet in (
        "place",
        "period",
        "occasion",
        "setting",
        "domain",
        "actorRole",
        "recipientRole",
        "relation",
        "language",
        "goal",
    ):
        assert (rdflib.URIRef(GZ + facet), RDF.type, OWL.ObjectProperty) in ontology, facet
    statuses = set(ontology.subjects(RDF.type, rdflib.URIRef(GZTerms.DeonticStatus)))
    assert {str(s)[len(GZ) :] for s in statuses} == {
        "expected",
        "customary",
        "optional",
        "discouraged",
        "taboo",
    }
    sensitivities = set(ontology.subjects(RDF.type, rdflib.URIRef(GZTerms.Sensitivity)))
    assert {str(s)[len(GZ) :] for s in sensitivities} == {"public", "communityOnly", "restricted"}
    assert (rdflib.URIRef(GZTerms.partOf), RDF.type, OWL.TransitiveProperty) in ontology


def test_owlready2_loads_the_ontology(tmp_path: Path) -> None:
    world = owlready2.World()
    nt = tmp_path / "geertz.nt"
    rdflib.Graph().parse(ONTOLOGY / "geertz.ttl").serialize(nt, format="nt", encoding="utf-8")
    onto = world.get_ontology(nt.as_uri()).load(format="ntriples")
    names = {cls.name for cls in onto.classes()}
    assert set(REQUIRED_CLASSES) <= names
    world.close()


def test_shapes_parse_and_target_statements() -> None:
    shapes = rdflib.Graph().parse(ONTOLOGY / "shapes.ttl")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    targets = set(shapes.objects(None, sh.targetClass))
    assert rdflib.URIRef(GZTerms.Interpretation) in targets
    assert rdflib.URIRef(GZTerms.Norm) in targets


@pytest.mark.skipif(java_executable() is None, reason="needs Java for HermiT")
def test_hermit_finds_a_proxy_holder_inconsistent(ontology: rdflib.Graph) -> None:
    assert check_owl_consistency([ontology])
    bad = rdflib.Graph()
    ex = rdflib.Namespace("https://example.org/test/")
    bad.add((ex.label, RDF.type, rdflib.URIRef(GZTerms.ProxyDescriptor)))
    bad.add((ex.interp, RDF.type, rdflib.URIRef(GZTerms.Interpretation)))
    bad.add((ex.interp, rdflib.URIRef(GZTerms.heldBy), ex.label))
    assert not check_owl_consistency([ontology, bad])
