"""Counting what a store holds: instances per ontology class, triples per graph."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyoxigraph import NamedNode

from geertz.graph.store import GraphStore
from geertz.vocab import GZ, GZTerms

__all__ = ["StoreStats", "store_stats"]

# Classes whose instances are counted, in the order a reader expects them.
COUNTED_CLASSES = (
    "Practice",
    "Interpretation",
    "Norm",
    "Meaning",
    "Value",
    "Community",
    "ProxyDescriptor",
    "Scope",
    "Variation",
    "Contestation",
    "Evidence",
    "Place",
    "Country",
    "Region",
    "City",
    "CulturalRegion",
    "Occasion",
    "Setting",
    "Domain",
    "Role",
    "Relationship",
    "Language",
    "Goal",
    "Period",
)


@dataclass
class StoreStats:
    """Counts per ontology class (by local name), per named graph, and in total."""

    classes: dict[str, int] = field(default_factory=dict)
    graphs: dict[str, int] = field(default_factory=dict)
    triples: int = 0


def store_stats(store: GraphStore) -> StoreStats:
    """Count instances of each geertz class (asserted types), triples per named graph,
    and triples in all. A class is counted with its subclasses' instances only where
    the data asserts them (``gz:Country`` members are also ``gz:Place`` only if typed so
    or reasoned)."""
    stats = StoreStats()
    rows = store.select(
        "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class . "
        f'FILTER(STRSTARTS(STR(?class), "{GZ}")) }} GROUP BY ?class'
    )
    found = {
        row["class"].value[len(GZ) :]: int(row["n"].value)
        for row in rows
        if isinstance(row.get("class"), NamedNode)
    }
    for name in COUNTED_CLASSES:
        stats.classes[name] = found.pop(name, 0)
    stats.classes.update(sorted(found.items()))
    # Places typed only as a subclass still count as places.
    place_rows = store.select(
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { VALUES ?c { "
        + " ".join(
            f"<{getattr(GZTerms, c)}>" for c in ("Place", "Country", "Region", "City", "CulturalRegion")
        )
        + " } ?s a ?c }"
    )
    stats.classes["Place"] = int(place_rows[0]["n"].value) if place_rows else 0
    for row in store.select(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    ):
        if isinstance(row.get("g"), NamedNode):
            stats.graphs[row["g"].value] = int(row["n"].value)
    stats.triples = store.count()
    return stats
