"""Finding graph nodes named in a text: every label, in every language, matched at once.

The index holds each node's skos:prefLabel, skos:altLabel, skos:hiddenLabel and
rdfs:label, folded for case and accents, in one Aho-Corasick automaton, so a
prompt is scanned once whatever the number of labels. Matches must sit on word
boundaries, except in scripts written without spaces (Chinese, Japanese, Thai), where
only a match inside a run of katakana (a word spelt out letter by letter) is refused.

Two things folding alone would get wrong:

- A demonym (a place's English hidden label, ``data/places/demonyms.ttl``) names one
  of its people; its plural names several, so the index holds that too ("Germans",
  "Finns"; "Japanese" and "Swiss" stay as they are). Other labels get no plural: a
  place name or an occasion has no plural that names the same thing.
- A place named inflected, in a prompt not in English, is found by a bounded affix
  match: the label may be followed, inside the same word, by a short ending
  (Azerbaijani "Azərbaycanda", Korean "대한민국에서", Assamese "অসমত", Greek
  "Ελλάδας"), and, in scripts whose languages join prepositions to the next word
  (Arabic, Hebrew, Ethiopic: "درایران", "በኢትዮጵያ"), preceded by a short prefix. Only
  countries, regions and cultural regions are matched so in Latin script (a city's
  name inside a longer word is too often another word); in other scripts, every
  label but a city's (Korean "축의금은", the practice 축의금 with a particle). Only
  words no whole label touches are tried; ``LabelMatch.inflected`` says so.
  Affixes are counted in the prompt's own characters, so a Korean ending of two
  syllables is two. Where Snowball has a
  stemmer for the prompt's language (PyStemmer), words are also compared by stem, so
  an inflection that changes the name's last letter is found too (Russian "в Москве"
  for Москва, "чаевых" for the practice чаевые); places but cities, practices,
  occasions, settings, roles and relationships are compared so.
- Accents a prompt leaves out are forgiven ("Munchen" finds München), but accents it
  writes are information: where the prompt writes a word with accents and some of
  the nodes the folded label stands for are spelled that way, the others are not
  named. Each match says how it was spelled (``LabelMatch.spelling``).

>>> index = LabelIndex.from_store(store)                 # doctest: +SKIP
>>> [m.label for m in index.match("A wedding in Bandung")]  # doctest: +SKIP
['wedding', 'Bandung']
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Literal, NamedTuple

import ahocorasick
import Stemmer
from pyoxigraph import NamedNode

from geertz.graph.store import GraphStore
from geertz.i18n import base_language, language_name
from geertz.text import fold, fold_with_offsets, has_accents, spelling
from geertz.vocab import GZ

__all__ = ["LabelEntry", "LabelIndex", "LabelMatch", "Spelling", "demonym_plural"]

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
# Their English hidden labels are demonyms ("Mexican"): see data/places/demonyms.ttl.
PLACE_CLASSES = frozenset({"City", "Region", "Country", "CulturalRegion", "Place"})
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
# Katakana spells a word letter by letter, so a name found inside a run of it is a
# piece of another word ("トラン", the town Trang, in "レストラン", restaurant).
_KATAKANA = re.compile(r"[\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_MIN_LENGTH = 3
# The bounded affix match (see the module's notes): how long an ending or a prefix
# may be, how long a label must be, and the kinds it applies to.
_MAX_ENDING = 3
_MAX_PREFIX = 2
_MIN_AFFIXED_LABEL = 4  # one less outside ASCII, where three letters can be a name ("অসম")
_AFFIXED_KINDS = frozenset({"Country", "Region", "CulturalRegion"})
# Compared by stem: places but cities (a town's name is too often a word as well), and
# what a prompt names in its own grammar ("чаевых", of tips: the practice чаевые).
_STEMMED_KINDS = _AFFIXED_KINDS | {"Practice", "Occasion", "Setting", "Role", "Relationship"}
_WORD_RUN = re.compile(r"\w+")
# Demonyms that are their own plural: "the Japanese", "the French", "the Swiss".
_INVARIANT_DEMONYM = re.compile(r"(ese|sh|tch|nch|ss|s|x|z)$", re.I)
_CONSONANT_Y = re.compile(r"[^aeiou]y$", re.I)

#: How a match was written against the node's own labels: ``"exact"`` (as one of
#: them, case aside), ``"unaccented"`` (without accents they have: "Munchen" for
#: München), ``"other accents"`` (with accents none of them has: "Sámi" for Sami).
Spelling = Literal["exact", "unaccented", "other accents"]


def demonym_plural(demonym: str) -> str:
    """The plural of an English demonym: "German" → "Germans", "North Korean" → "North
    Koreans"; those in -ese, -sh, -tch, -nch, -ss (and other sibilants) are their own
    plural ("Japanese", "Irish", "Dutch", "French", "Swiss"); -y after a consonant
    becomes -ies."""
    if not demonym or not demonym[-1].isalpha() or _INVARIANT_DEMONYM.search(demonym):
        return demonym
    if _CONSONANT_Y.search(demonym):
        return demonym[:-1] + "ies"
    return demonym + "s"


@dataclass(frozen=True)
class LabelEntry:
    """One node a folded label can stand for. A ``demonym`` names the node's people,
    so its plural names them too."""

    iri: str
    kind: str
    label: str
    preferred: bool
    demonym: bool = False


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
    spelling: Spelling = "exact"
    inflected: bool = False  # the text is the label inflected: its plural ("Germans"), or with an affix


class _Named(NamedTuple):
    """A node under a folded key: its entry (preferred label first), how its labels
    spell the key where that is not the key itself, and whether the key is a plural."""

    entry: LabelEntry
    spellings: tuple[str, ...]  # () when every label of the node writes it as the key
    inflected: bool


class LabelIndex:
    """Every label of the graph's nameable nodes, in one multi-pattern matcher."""

    def __init__(self, entries: Iterable[LabelEntry]) -> None:
        ordered = sorted(entries, key=lambda e: not e.preferred)
        by_key: dict[str, dict[str, LabelEntry]] = defaultdict(dict)
        plurals: dict[str, dict[str, LabelEntry]] = defaultdict(dict)
        # Only where a node's label is not spelled as its folded key (most labels are).
        spellings: dict[tuple[str, str], set[str]] = defaultdict(set)
        demonyms: list[LabelEntry] = []
        for entry in ordered:
            key = fold(entry.label)
            # A two-letter label counts only as a code in capitals ("UK"); the frame
            # drops it written otherwise.
            code = len(key) == 2 and entry.label.isalpha() and entry.label.isupper()
            if len(key) < _MIN_LENGTH and not code and not _NO_SPACE_SCRIPTS.search(key):
                continue
            by_key[key].setdefault(entry.iri, entry)  # one entry per node, preferred label first
            written = spelling(entry.label)
            if written != key:
                spellings[(key, entry.iri)].add(written)
            if entry.demonym:
                demonyms.append(entry)
        # Such a node may also have a label spelled as the key itself ("Munchen" beside "München").
        accented = {iri for _key, iri in spellings}
        for entry in ordered:
            if entry.iri not in accented:
                continue
            key = fold(entry.label)
            if (key, entry.iri) in spellings and spelling(entry.label) == key:
                spellings[(key, entry.iri)].add(key)
        for entry in demonyms:
            plural = demonym_plural(entry.label)
            key = fold(plural)
            if plural == entry.label or entry.iri in by_key.get(key, {}):
                continue  # its own plural, or the node has the plural as a label of its own
            plurals[key].setdefault(entry.iri, entry)
            if (written := spelling(plural)) != key:
                spellings[(key, entry.iri)].add(written)
        self._automaton = ahocorasick.Automaton()
        keys = [*by_key, *(key for key in plurals if key not in by_key)]
        # Labels of one or two words, for the stem comparison.
        self._stem_keys = {
            key: tuple(_Named(e, (), True) for e in found.values() if e.kind in _STEMMED_KINDS)
            for key, found in by_key.items()
            if key.count(" ") <= 1 and any(e.kind in _STEMMED_KINDS for e in found.values())
        }
        self._stemmed: dict[str, dict[str, tuple[_Named, ...]]] = {}
        for key in keys:
            named = [
                _Named(e, tuple(sorted(spellings.get((key, e.iri), ()))), inflected)
                for inflected, found in ((False, by_key.get(key, {})), (True, plurals.get(key, {})))
                for e in found.values()
            ]
            self._automaton.add_word(key, (key, tuple(named)))
        if by_key:
            self._automaton.make_automaton()
        self.size = len(keys)

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
            kind = cls_.value[len(GZ) :]
            language = getattr(label, "language", None) or ""
            entries.append(
                LabelEntry(
                    iri=node.value,
                    kind=kind,
                    label=label.value,
                    preferred=prop.value.endswith("prefLabel"),
                    demonym=kind in PLACE_CLASSES
                    and prop.value.endswith("hiddenLabel")
                    and language.split("-")[0] == "en",
                )
            )
        return cls(entries)

    def match(self, text: str, language: str | None = None) -> list[LabelMatch]:
        """Nodes named in ``text``, longest match first where matches overlap; with a
        ``language`` other than English, also places named inflected."""
        if self.size == 0:
            return []
        folded, offsets = fold_with_offsets(text)
        candidates: list[tuple[int, int, str, tuple[_Named, ...]]] = []
        for end, (key, entries) in self._automaton.iter(folded):
            start = end - len(key) + 1
            if not self._on_boundary(folded, start, end, key):
                continue
            candidates.append((start, end, key, entries))
        if language and base_language(language) != "en":
            candidates += self._affixed(folded, offsets, candidates)
            candidates += self._by_stem(folded, base_language(language), candidates)
        # Keep the longest of overlapping matches ("New South Wales" over "Wales").
        candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0]))
        taken: list[tuple[int, int]] = []
        matches: list[LabelMatch] = []
        for start, end, key, named in candidates:
            if any(start <= t_end and t_start <= end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            original = text[offsets[start] : offsets[end] + 1]
            spelled = _spelling_against(original, key, named)
            # Accents the prompt writes choose among the nodes: "Sámi" names what is
            # spelled so, not a town spelled "Sami", if anything is spelled so.
            if "exact" in spelled and "other accents" in spelled:
                kept = [i for i, s in enumerate(spelled) if s != "other accents"]
                named, spelled = tuple(named[i] for i in kept), [spelled[i] for i in kept]
            specificity = 1.0 / (1.0 + math.log(len({n.entry.iri for n in named})))
            for (entry, _spellings, inflected), how in zip(named, spelled, strict=True):
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
                        how,
                        inflected,
                    )
                )
        matches.sort(key=lambda m: (m.start, m.kind))
        return matches

    def _affixed(
        self, folded: str, offsets: list[int], whole: list[tuple[int, int, str, tuple[_Named, ...]]]
    ) -> list[tuple[int, int, str, tuple[_Named, ...]]]:
        """Places named inside a longer word (see the module's notes), in words no
        whole label touches; the longest label per word. ``offsets`` map folded
        positions to the prompt's characters, in which affixes are counted."""
        taken = [(start, end) for start, end, _key, _named in whole]
        found: list[tuple[int, int, str, tuple[_Named, ...]]] = []
        for word in _WORD_RUN.finditer(folded):
            first, last = word.start(), word.end() - 1
            if _NO_SPACE_SCRIPTS.search(word.group()) or any(
                first <= t_end and t_start <= last for t_start, t_end in taken
            ):
                continue
            most = _MAX_PREFIX if _joins_prepositions(word.group()[0]) else 0
            # Where a label may start and end: on the prompt's own character boundaries.
            starts = [
                i
                for i in range(first, last + 1)
                if (i == first or offsets[i] != offsets[i - 1]) and offsets[i] - offsets[first] <= most
            ]
            ends = [
                i
                for i in range(last, first - 1, -1)
                if (i == last or offsets[i] != offsets[i + 1]) and offsets[last] - offsets[i] <= _MAX_ENDING
            ]
            best: tuple[int, int, str, tuple[_Named, ...]] | None = None
            for start in starts:
                for end in ends:
                    key = folded[start : end + 1]
                    shortest = _MIN_AFFIXED_LABEL if key.isascii() else _MIN_AFFIXED_LABEL - 1
                    if len(key) < shortest or (start == first and end == last):
                        continue
                    hit = self._automaton.get(key, None)
                    if hit is None:
                        continue
                    named = tuple(
                        n._replace(inflected=True)
                        for n in hit[1]
                        if _affixable(n.entry.kind, key) and not n.inflected
                    )
                    if named and (best is None or len(key) > len(best[2])):
                        best = (start, end, key, named)
            if best is not None:
                found.append(best)
        return found

    def _by_stem(
        self,
        folded: str,
        language: str,
        whole: list[tuple[int, int, str, tuple[_Named, ...]]],
    ) -> list[tuple[int, int, str, tuple[_Named, ...]]]:
        """Nodes of :data:`_STEMMED_KINDS` whose one- or two-word label has the same
        Snowball stems as words of ``folded``, in words nothing else matched."""
        stem = _stemmer(language)
        if stem is None:
            return []
        index = self._stemmed.get(language)
        if index is None:
            # Built on a language's first prompt, stemming every key's words in one call.
            index = self._stemmed[language] = {}
            split = [key.split(" ") for key in self._stem_keys]
            flat = iter(stem.stemWords([part for parts in split for part in parts]))
            for named, parts in zip(self._stem_keys.values(), split, strict=True):
                stems = " ".join(next(flat) for _ in parts)
                if len(stems.replace(" ", "")) >= _MIN_AFFIXED_LABEL:
                    index.setdefault(stems, named)
        taken = [(start, end) for start, end, _key, _named in whole]
        words = list(_WORD_RUN.finditer(folded))
        stems = stem.stemWords([w.group() for w in words])
        found: list[tuple[int, int, str, tuple[_Named, ...]]] = []
        for size in (2, 1):
            for i in range(len(words) - size + 1):
                first, last = words[i].start(), words[i + size - 1].end() - 1
                if any(first <= t_end and t_start <= last for t_start, t_end in taken):
                    continue
                hit = index.get(" ".join(stems[i : i + size]))
                if hit:
                    found.append((first, last, folded[first : last + 1], hit))
                    taken.append((first, last))
        return found

    @staticmethod
    def _on_boundary(folded: str, start: int, end: int, key: str) -> bool:
        """Whether the match ``folded[start:end + 1]`` of ``key`` is a word of its own:
        between non-word characters, or, in scripts written without spaces, anywhere
        but inside a run of katakana."""
        before = folded[start - 1] if start > 0 else " "
        after = folded[end + 1] if end + 1 < len(folded) else " "
        if _NO_SPACE_SCRIPTS.search(key):
            inside = (_KATAKANA.match(before) and _KATAKANA.match(key[0])) or (
                _KATAKANA.match(after) and _KATAKANA.match(key[-1])
            )
            return not inside
        return not before.isalnum() and not after.isalnum()


@cache
def _affixable(kind: str, key: str) -> bool:
    """Whether a node of ``kind`` may be named by ``key`` inside a longer word: places
    other than cities, and, in a script other than Latin, any other node (Korean
    "축의금은" names 축의금, a practice, with a topic particle)."""
    return kind in _AFFIXED_KINDS or (kind != "City" and not key.isascii())


def _stemmer(language: str) -> Stemmer.Stemmer | None:
    """Snowball's stemmer for ``language`` (a primary subtag), if it has one."""
    name = language_name(language).casefold()
    # No word cache: it costs more than it saves (50,000 distinct words took 120 ms
    # through it and 31 ms without, measured), and prompts are short.
    return Stemmer.Stemmer(name, 0) if name in Stemmer.algorithms() else None


def _joins_prepositions(char: str) -> bool:
    """Whether ``char``'s script is one whose languages write prepositions joined to
    the next word (Arabic, Hebrew, Ethiopic), from its Unicode name."""
    return unicodedata.name(char, "").split(" ", 1)[0] in ("ARABIC", "HEBREW", "ETHIOPIC")


def _spelling_against(original: str, key: str, named: tuple[_Named, ...]) -> list[Spelling]:
    """For each node, how ``original`` (the text matched by ``key``) is spelled against
    that node's own labels."""
    written = spelling(original)
    accented = has_accents(original)
    result: list[Spelling] = []
    for node in named:
        if written in (node.spellings or (key,)):
            result.append("exact")
        else:
            result.append("other accents" if accented else "unaccented")
    return result
