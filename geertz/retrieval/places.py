"""The place hierarchy, read once: which place lies in which, populations, English
names, and where languages are spoken.

Read with four flat queries when the index is built, so that a prompt never
needs a property path at query time (some endpoints, Virtuoso among them, refuse
``gz:partOf+`` from a VALUES-bound start) and retrieval makes no store round trip.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from geertz.graph.store import GraphStore

__all__ = ["PlaceGraph"]


@dataclass
class PlaceGraph:
    """Places and what contains them (``gz:partOf``), with the facts the frame needs."""

    parents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    population: dict[str, int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    spoken_in: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _ancestors: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    _contained: dict[str, int] | None = field(default=None, repr=False)

    @classmethod
    def load(cls, store: GraphStore) -> PlaceGraph:
        parents: dict[str, list[str]] = defaultdict(list)
        for row in store.select("SELECT DISTINCT ?c ?p WHERE { ?c gz:partOf ?p }"):
            parents[row["c"].value].append(row["p"].value)
        population: dict[str, int] = {}
        for row in store.select("SELECT ?p ?n WHERE { ?p gz:population ?n }"):
            try:
                population[row["p"].value] = int(row["n"].value)
            except ValueError:
                continue
        labels: dict[str, str] = {}
        for row in store.select(
            "SELECT ?n ?l WHERE { { ?n gz:partOf ?x } UNION { ?x gz:partOf ?n } UNION { ?y gz:spokenIn ?n } "
            '?n skos:prefLabel ?l FILTER (LANGMATCHES(LANG(?l), "en") || LANG(?l) = "") }'
        ):
            name = row["n"].value
            # Prefer an English label; among several, the shortest, for a stable choice.
            if name not in labels or (len(row["l"].value), row["l"].value) < (
                len(labels[name]),
                labels[name],
            ):
                labels[name] = row["l"].value
        spoken: dict[str, list[str]] = defaultdict(list)
        for row in store.select("SELECT DISTINCT ?l ?p WHERE { ?l gz:spokenIn ?p }"):
            spoken[row["l"].value].append(row["p"].value)
        return cls(
            parents={c: tuple(sorted(set(p))) for c, p in parents.items()},
            population=population,
            labels=labels,
            spoken_in={lang: tuple(sorted(set(p))) for lang, p in spoken.items()},
        )

    def ancestors(self, place: str) -> tuple[str, ...]:
        """Every place that contains ``place``, nearest first (breadth-first)."""
        found = self._ancestors.get(place)
        if found is None:
            order: list[str] = []
            frontier = list(self.parents.get(place, ()))
            while frontier:
                following: list[str] = []
                for parent in frontier:
                    if parent not in order and parent != place:
                        order.append(parent)
                        following.extend(self.parents.get(parent, ()))
                frontier = following
            found = self._ancestors[place] = tuple(order)
        return found

    def contained_population(self, place: str) -> int:
        """The people of ``place``: its own population, or, for a region the gazetteer
        gives none, the sum of the populations of the places inside it."""
        if self._contained is None:
            contained: dict[str, int] = {}
            for node, people in self.population.items():
                for ancestor in self.ancestors(node):
                    contained[ancestor] = contained.get(ancestor, 0) + people
            self._contained = contained
        return self.population.get(place) or self._contained.get(place, 0)

    def label(self, place: str) -> str:
        """The English name of ``place``, or its local name."""
        return self.labels.get(place) or place.rsplit("/", 1)[-1]
