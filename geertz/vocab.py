"""IRIs of the terms geertz's code relies on.

Every name here is checked against ``ontology/geertz.ttl`` by a test, so a
renamed ontology term breaks the build rather than a query at run time.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "DCTERMS",
    "GZ",
    "GZ_DATA",
    "GZ_GRAPH",
    "ONTOLOGY_IRI",
    "OWL",
    "PREFIXES",
    "PROV",
    "RDF",
    "RDFS",
    "SH",
    "SKOS",
    "XSD",
    "GZTerms",
    "sparql_prefixes",
]

GZ: Final = "https://w3id.org/geertz#"
GZ_DATA: Final = "https://w3id.org/geertz/id/"
GZ_GRAPH: Final = "https://w3id.org/geertz/graph/"
ONTOLOGY_IRI: Final = "https://w3id.org/geertz"
RDF: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS: Final = "http://www.w3.org/2000/01/rdf-schema#"
OWL: Final = "http://www.w3.org/2002/07/owl#"
XSD: Final = "http://www.w3.org/2001/XMLSchema#"
SKOS: Final = "http://www.w3.org/2004/02/skos/core#"
PROV: Final = "http://www.w3.org/ns/prov#"
DCTERMS: Final = "http://purl.org/dc/terms/"
SH: Final = "http://www.w3.org/ns/shacl#"

PREFIXES: Final[dict[str, str]] = {
    "gz": GZ,
    "gzd": GZ_DATA,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "prov": PROV,
    "dcterms": DCTERMS,
}


def sparql_prefixes() -> str:
    """PREFIX declarations for every namespace in :data:`PREFIXES`."""
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())


class GZTerms:
    """The ontology's classes and properties, as full IRIs."""

    # classes
    Statement: Final = GZ + "Statement"
    Practice: Final = GZ + "Practice"
    Interpretation: Final = GZ + "Interpretation"
    Meaning: Final = GZ + "Meaning"
    Norm: Final = GZ + "Norm"
    DeonticStatus: Final = GZ + "DeonticStatus"
    Value: Final = GZ + "Value"
    Community: Final = GZ + "Community"
    ProxyDescriptor: Final = GZ + "ProxyDescriptor"
    Scope: Final = GZ + "Scope"
    Place: Final = GZ + "Place"
    Country: Final = GZ + "Country"
    Region: Final = GZ + "Region"
    City: Final = GZ + "City"
    CulturalRegion: Final = GZ + "CulturalRegion"
    Period: Final = GZ + "Period"
    Occasion: Final = GZ + "Occasion"
    Setting: Final = GZ + "Setting"
    Domain: Final = GZ + "Domain"
    Role: Final = GZ + "Role"
    Relationship: Final = GZ + "Relationship"
    Language: Final = GZ + "Language"
    Goal: Final = GZ + "Goal"
    Perspective: Final = GZ + "Perspective"
    Voice: Final = GZ + "Voice"
    Variation: Final = GZ + "Variation"
    Contestation: Final = GZ + "Contestation"
    Evidence: Final = GZ + "Evidence"
    Sensitivity: Final = GZ + "Sensitivity"
    ReviewStatus: Final = GZ + "ReviewStatus"
    # properties
    ofPractice: Final = GZ + "ofPractice"
    meaning: Final = GZ + "meaning"
    heldBy: Final = GZ + "heldBy"
    scope: Final = GZ + "scope"
    perspective: Final = GZ + "perspective"
    voice: Final = GZ + "voice"
    evidence: Final = GZ + "evidence"
    deonticStatus: Final = GZ + "deonticStatus"
    invokesValue: Final = GZ + "invokesValue"
    sensitivity: Final = GZ + "sensitivity"
    reviewStatus: Final = GZ + "reviewStatus"
    domain: Final = GZ + "domain"
    overlapsWith: Final = GZ + "overlapsWith"
    nestedIn: Final = GZ + "nestedIn"
    describedBy: Final = GZ + "describedBy"
    basedIn: Final = GZ + "basedIn"
    originatesIn: Final = GZ + "originatesIn"
    speaks: Final = GZ + "speaks"
    partOf: Final = GZ + "partOf"
    withinScope: Final = GZ + "withinScope"
    place: Final = GZ + "place"
    period: Final = GZ + "period"
    occasion: Final = GZ + "occasion"
    setting: Final = GZ + "setting"
    actorRole: Final = GZ + "actorRole"
    recipientRole: Final = GZ + "recipientRole"
    relation: Final = GZ + "relation"
    language: Final = GZ + "language"
    goal: Final = GZ + "goal"
    variationOf: Final = GZ + "variationOf"
    contestationOf: Final = GZ + "contestationOf"
    member: Final = GZ + "member"
    party: Final = GZ + "party"
    agreement: Final = GZ + "agreement"
    confidence: Final = GZ + "confidence"
    boundaryNote: Final = GZ + "boundaryNote"
    dimension: Final = GZ + "dimension"
    issue: Final = GZ + "issue"
    text: Final = GZ + "text"
    startYear: Final = GZ + "startYear"
    endYear: Final = GZ + "endYear"
    countryCode: Final = GZ + "countryCode"
    population: Final = GZ + "population"
    spokenIn: Final = GZ + "spokenIn"
    # individuals
    expected: Final = GZ + "expected"
    customary: Final = GZ + "customary"
    optional: Final = GZ + "optional"
    discouraged: Final = GZ + "discouraged"
    taboo: Final = GZ + "taboo"
    emic: Final = GZ + "emic"
    etic: Final = GZ + "etic"
    mixed: Final = GZ + "mixed"
    insider: Final = GZ + "insider"
    outsider: Final = GZ + "outsider"
    public: Final = GZ + "public"
    communityOnly: Final = GZ + "communityOnly"
    restricted: Final = GZ + "restricted"
    draft: Final = GZ + "draft"
    reviewed: Final = GZ + "reviewed"

    @classmethod
    def all(cls) -> dict[str, str]:
        """Every term, by its local name."""
        return {
            name: value
            for name, value in vars(cls).items()
            if isinstance(value, str) and value.startswith(GZ)
        }
