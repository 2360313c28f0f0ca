"""Finding graph nodes named in a text: every label, in every language, matched at once.

The index holds each node's skos:prefLabel, skos:altLabel, skos:hiddenLabel and
rdfs:label, folded for case and accents, in one Aho-Corasick automaton, so a
prompt is scanned once whatever the number of labels. Matches must sit on word
boundaries, except in scripts written without spaces (Chinese, Japanese, Thai).

>>> index = LabelIndex.from_store(store)                 # doctest: +SKIP
>>> [m.label for m in index.match("A wedding in Bandung")]  # doctest: +SKIP
['wedding', 'Bandung']
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick
from pyoxigraph import NamedNode

from geertz.graph.store import GraphStore
from geertz.text import fold, fold_with_offsets
from geertz.vocab import GZ

__all__ = ["LabelEntry", "LabelIndex", "LabelMatch"]

# Classes whose instances a prompt can name, most specific first.
INDEXED_CLASSES = (
    "City",
    "Region",
    "Country",
    "CulturalRegion",
    "Place",
    "Community",
    "ProxyDescriptor",
    "Language",
    "Occasion",
    "Setting",
    "Role",
    "Relationship",
    "Domain",
    "Practice",
    "Value",
    "Goal",
    "Period",
    "Meaning",
)
_LABEL_QUERY = """
SELECT ?node ?class ?label ?property WHERE {
  VALUES ?class { %s }
  VALUES ?property { skos:prefLabel skos:altLabel skos:hiddenLabel rdfs:label }
  ?node a ?class ; ?property ?label .
}
"""
_NO_SPACE_SCRIPTS = re.compile(
    r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f]"
)
_MIN_LENGTH = 3


@dataclass(frozen=True)
class LabelEntry:
    """One node a folded label can stand for."""

    iri: str
    kind: str
    label: str
    preferred: bool


@dataclass(frozen=True)
class LabelMatch:
    """A node named in the text: where, by which label (its preferred one or another),
    and how telling the label is."""

    iri: str
    kind: str
    label: str
    matched_text: str
    start: int
    end: int
    specificity: float
    preferred: bool = True


class LabelIndex:
    """Every label of the graph's nameable nodes, in one multi-pattern matcher."""

    def __init__(self, entries: Iterable[LabelEntry]) -> None:
        by_key: dict[str, dict[str, LabelEntry]] = defaultdict(dict)
        for entry in sorted(entries, key=lambda e: not e.preferred):
            key = fold(entry.label)
            if len(key) < _MIN_LENGTH and not _NO_SPACE_SCRIPTS.search(key):
                continue
            by_key[key].setdefault(entry.iri, entry)  # one entry per node, preferred label first
        self._automaton = ahocorasick.Automaton()
        for key, found in by_key.items():
            self._automaton.add_word(key, (key, tuple(found.values())))
        if by_key:
            self._automaton.make_automaton()
        self.size = len(by_key)

    @classmethod
    def from_store(cls, store: GraphStore) -> LabelIndex:
        """Build the index from every labelled instance of the nameable classes."""
        classes = " ".join(f"gz:{name}" for name in INDEXED_CLASSES)
        rows = store.select(_LABEL_QUERY % classes)
        entries = []
        for row in rows:
            node, cls_, label, prop = row.get("node"), row["class"], row["label"], row["property"]
            if not isinstance(node, NamedNode):
                continue
            entries.append(
                LabelEntry(
                    iri=node.value,
                    kind=cls_.value[len(GZ) :],
                    label=label.value,
                    preferred=prop.value.endswith("prefLabel"),
                )
            )
        return cls(entries)

    def match(self, text: str) -> list[LabelMatch]:
        """Nodes named in ``text``, longest match first where matches overlap."""
        if self.size == 0:
            return []
        folded, offsets = fold_with_offsets(text)
        candidates: list[tuple[int, int, str, tuple[LabelEntry, ...]]] = []
        for end, (key, entries) in self._automaton.iter(folded):
            start = end - len(key) + 1
            if not self._on_boundary(folded, start, end, key):
                continue
            candidates.append((start, end, key, entries))
        # Keep the longest of overlapping matches ("New South Wales" over "Wales").
        candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0]))
        taken: list[tuple[int, int]] = []
        matches: list[LabelMatch] = []
        for start, end, _key, entries in candidates:
            if any(start <= t_end and t_start <= end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            original = text[offsets[start] : offsets[end] + 1]
            specificity = 1.0 / (1.0 + math.log(len({e.iri for e in entries})))
            for entry in entries:
                matches.append(
                    LabelMatch(
                        entry.iri,
                        entry.kind,
                        entry.label,
                        original,
                        offsets[start],
                        offsets[end] + 1,
                        specificity,
                        entry.preferred,
                    )
                )
        matches.sort(key=lambda m: (m.start, m.kind))
        return matches

    @staticmethod
    def _on_boundary(folded: str, start: int, end: int, key: str) -> bool:
        if _NO_SPACE_SCRIPTS.search(key):
            return True
        before = folded[start - 1] if start > 0 else " "
        after = folded[end + 1] if end + 1 < len(folded) else " "
        return not before.isalnum() and not after.isalnum()
