"""The context frame: the cues a prompt carries (places, communities, languages,
occasions, settings, roles, domain, intent, time), found without an LLM."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from geertz.i18n import base_language
from geertz.retrieval.labels import LabelIndex, LabelMatch
from geertz.retrieval.language import UNDETERMINED, DetectedLanguage, detect_language
from geertz.retrieval.pack import FrameCue
from geertz.retrieval.places import PlaceGraph
from geertz.retrieval.rank import STOPWORDS
from geertz.text import word_frequency

__all__ = ["Frame", "extract_frame"]

FACET_OF_KIND = {
    "City": "place",
    "Region": "place",
    "Country": "place",
    "CulturalRegion": "place",
    "Place": "place",
    "Community": "community",
    "ProxyDescriptor": "community",
    "Language": "language",
    "Occasion": "occasion",
    "Setting": "setting",
    "Role": "role",
    "Relationship": "relation",
    "Domain": "domain",
    "Practice": "practice",
    "Goal": "goal",
    "Period": "time",
}
_PLACE_RANK = {"City": 0, "Region": 1, "Country": 2, "CulturalRegion": 3, "Place": 4}
# Among same-named places that fit the other cues equally, a country wins; then the
# most populous place ("Guadalajara" is the Mexican city, not the Spanish one and its
# province), where a place the name is only an alternate name of counts a tenth
# (Tijuana lists "Zaragoza" among its other names); a region beats the city of its
# own name that it contains ("Kano").
_ALTERNATE_NAME_WEIGHT = 0.1
_KIND_ORDER = {"Country": 0, "Region": 1, "CulturalRegion": 2, "City": 3, "Place": 4}

INTENTS: dict[str, re.Pattern[str]] = {
    "write": re.compile(r"\b(write|draft|compose|wording|toast|speech|card|e-?mail|message to)\b", re.I),
    "interpret": re.compile(
        r"\b(what does .{0,60} mean|why (do|does|did|would)|meaning of|is it a sign|what did .{0,40} mean)\b",
        re.I,
    ),
    "act": re.compile(
        r"\b(should i|shall i|do i|can i|may i|how (do|should|can) i|what (should|do) i|is it (ok|okay|rude|"
        r"polite|appropriate|acceptable)|what to (bring|wear|say|give|do)|how much)\b",
        re.I,
    ),
    "explain": re.compile(
        r"\b(explain|what is|what are|tell me about|describe|how do people|why is)\b", re.I
    ),
}
_TIME = re.compile(
    r"\b((18|19|20)\d\d|today|tonight|tomorrow|this (week|weekend|month|year)|next (week|month|year)|"
    r"(in|during|at) (the )?(morning|evening|night|ramadan|lent|advent)|"
    r"january|february|march|april|june|july|august|september|october|november|december)\b",
    re.I,
)


_NO_IRIS: frozenset[str] = frozenset()


@dataclass
class Frame:
    """The cues found, by facet, and the resolved place chain (narrowest first)."""

    cues: dict[str, list[FrameCue]] = field(default_factory=dict)
    places: list[str] = field(default_factory=list)
    candidate_places: list[str] = field(default_factory=list)
    matches: list[LabelMatch] = field(default_factory=list)
    intent: str = "explain"
    language: DetectedLanguage = UNDETERMINED  # the language the prompt is written in

    _iris: dict[str, tuple[list[FrameCue], int, frozenset[str]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _levels: tuple[list[str], int, dict[str, int]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def iris(self, facet: str) -> frozenset[str]:
        """The IRIs of the ``facet`` cues (remembered: the scope check asks for each
        candidate)."""
        cues = self.cues.get(facet)
        if not cues:
            return _NO_IRIS
        known = self._iris.get(facet)
        if known is not None and known[0] is cues and known[1] == len(cues):
            return known[2]
        found = frozenset(cue.iri for cue in cues if cue.iri)
        self._iris[facet] = (cues, len(cues), found)
        return found

    def place_level(self, place: str) -> int | None:
        """Where ``place`` sits on :attr:`places` (0: the prompt's own place), or None."""
        known = self._levels
        if known is None or known[0] is not self.places or known[1] != len(self.places):
            levels: dict[str, int] = {}
            for level, on_chain in enumerate(self.places):
                levels.setdefault(on_chain, level)
            known = self._levels = (self.places, len(self.places), levels)
        return known[2].get(place)

    def add(self, facet: str, cue: FrameCue) -> None:
        cues = self.cues.setdefault(facet, [])
        if all(c.iri != cue.iri or not cue.iri for c in cues):
            cues.append(cue)


def extract_frame(
    prompt: str,
    index: LabelIndex,
    places: PlaceGraph,
    *,
    history: Sequence[str] = (),
    user_context: dict[str, str] | None = None,
) -> Frame:
    """Find the cues in ``prompt``; earlier turns and the user's stated context fill only
    the facets the prompt leaves open."""
    frame = Frame(language=detect_language(prompt))
    sources = [prompt, *(f"{k}: {v}" for k, v in (user_context or {}).items())]
    language = frame.language.code
    for text in sources:
        _add_matches(frame, text, index.match(text, language), places, language)
    prompt_names_place = any(FACET_OF_KIND.get(m.kind) == "place" for m in frame.matches)
    for turn in reversed(history):
        earlier = Frame()
        turn_language = detect_language(turn).code
        _add_matches(earlier, turn, index.match(turn, turn_language), places, turn_language)
        for facet, cues in earlier.cues.items():
            if facet not in frame.cues:
                for cue in cues:
                    frame.add(facet, cue)
        if not prompt_names_place:
            frame.matches.extend(m for m in earlier.matches if FACET_OF_KIND.get(m.kind) == "place")
    _resolve_places(frame, places)
    frame.intent = next((name for name, pattern in INTENTS.items() if pattern.search(prompt)), "explain")
    frame.cues["intent"] = [FrameCue(iri="", label=frame.intent, matched_text="")]
    for match in _TIME.finditer(prompt):
        frame.add("time", FrameCue(iri="", label=match.group(0).lower(), matched_text=match.group(0)))
    return frame


# "Arabic numerals" names a way of writing numbers, not a language anyone speaks.
_NOT_A_LANGUAGE_CUE = re.compile(r"\s+numerals?\b", re.I)


# Words that make a name that is both a language and a demonym ("Spanish") a language.
_LANGUAGE_BEFORE = re.compile(
    r"\b(speak|speaks|spoke|speaking|in|into|learn|learning|native|fluent|say|said|written|translate)\s+$",
    re.I,
)
_LANGUAGE_AFTER = re.compile(
    r"\s+(speaker|speakers|speaking|language|dialect|word|words|phrase|translation|lesson|lessons)\b", re.I
)


def _language_or_people(text: str, matches: list[LabelMatch]) -> list[LabelMatch]:
    """Where one span names both a language and a place's people ("Spanish", "Greek"),
    keep the language when the words around it are about speech, else the place."""
    facets_at: dict[tuple[int, int], set[str]] = {}
    for match in matches:
        facets_at.setdefault((match.start, match.end), set()).add(FACET_OF_KIND.get(match.kind, ""))
    kept = []
    for match in matches:
        facet = FACET_OF_KIND.get(match.kind)
        if {"language", "place"} <= facets_at[(match.start, match.end)] and facet in ("language", "place"):
            linguistic = bool(
                _LANGUAGE_BEFORE.search(text, 0, match.start) or _LANGUAGE_AFTER.match(text, match.end)
            )
            if (facet == "language") != linguistic:
                continue
        kept.append(match)
    return kept


# A place of fewer people than this, written with accents none of its names has
# ("Sámi" for Semi in Benin, whose other name is "Sami"), is not the place meant: the
# accents say the word is another one. A bigger place keeps the benefit of the doubt
# (a misplaced accent, a language the gazetteer has no names in).
_SMALL_PLACE = 100_000
# A domain is a topic. A possessive ending says the word names an owner ("a family's
# home"), not what the prompt is about.
_POSSESSIVE = re.compile(r"['\u2019]s\b", re.I)
_PLURAL_POSSESSIVE = re.compile(r"['\u2019](?!\w)")
# Only a space or a hyphen between a word and the next label: one compound noun,
# headed by a label that names a thing (not a place, language or community).
_COMPOUND = re.compile(r"[ \t]+|[ \t]*-[ \t]*")
_HEAD_FACETS = frozenset({"setting", "occasion", "role", "relation", "domain", "practice", "goal", "time"})


def _add_matches(
    frame: Frame, text: str, matches: list[LabelMatch], places: PlaceGraph, language: str | None = None
) -> None:
    kept = _language_or_people(text, matches)
    for match in kept:
        facet = FACET_OF_KIND.get(match.kind)
        if facet is None:
            continue
        if _code_in_lower_case(match):
            continue
        if facet == "place" and (
            _common_word(match.matched_text)
            or _misspelled_small_place(match, places)
            or _frequent_word(text, match, language, places)
        ):
            continue
        if facet == "language" and _NOT_A_LANGUAGE_CUE.match(text, match.end):
            continue
        if facet == "domain" and not _domain_is_topic(text, match, kept):
            continue
        frame.matches.append(match)
        if facet != "place":
            frame.add(facet, FrameCue(iri=match.iri, label=match.label, matched_text=match.matched_text))


def _code_in_lower_case(match: LabelMatch) -> bool:
    """A code label ("EST", Estonia's ISO code) written other than in capitals: the word
    is another one (French "Est-ce")."""
    label = match.label
    return len(label) <= 3 and label.isalpha() and label.isupper() and not match.matched_text.isupper()


# A word at least this frequent in the prompt's language (wordfreq's Zipf scale: 4.5 is
# about once in 30,000 words) ...
_FREQUENT_WORD = 4.5
# ... names a place of fewer people than this (alternate names weighing a tenth) only
# where its capital letter says it is a name.
_FAMOUS_PLACE = 1_000_000
# Languages that capitalise every noun, so that a capital says nothing of a name.
_CAPITALISED_NOUNS = frozenset({"de", "lb"})
_SENTENCE_OPENING = re.compile("(?:^|[.!?:;\n])[\\s\"'«»„“”\u2018\u2019(\\[¿¡-]*$")


def _frequent_word(text: str, match: LabelMatch, language: str | None, places: PlaceGraph) -> bool:
    """A place whose name is a frequent word of the prompt's language ("Hallo", "Nice",
    "Mobile"), written where a capital does not mark a name (at the start of a sentence,
    or in German), unless it is a country or a place of a million people or more."""
    if match.kind == "Country" or not language:
        return False
    if base_language(language) not in _CAPITALISED_NOUNS and not _SENTENCE_OPENING.search(
        text, 0, match.start
    ):
        return False
    people = places.contained_population(match.iri)
    if not match.preferred:
        people = int(people * _ALTERNATE_NAME_WEIGHT)
    return people < _FAMOUS_PLACE and word_frequency(match.matched_text, language) >= _FREQUENT_WORD


def _misspelled_small_place(match: LabelMatch, places: PlaceGraph) -> bool:
    """A small place the prompt writes with accents none of its names has."""
    return (
        match.spelling == "other accents"
        and match.iri in places.population
        and places.population[match.iri] < _SMALL_PLACE
    )


def _domain_is_topic(text: str, match: LabelMatch, matches: list[LabelMatch]) -> bool:
    """Whether a domain label names what the prompt is about: not where it names an
    owner ("a family's home", "the elders' house"), nor where it only qualifies the
    label that follows it in one compound ("a family home": the home is the cue). An
    -ing form before a label takes it as its object instead ("visiting family"), so it
    stays the topic."""
    if _POSSESSIVE.match(text, match.end):
        return False
    if match.matched_text[-1:].casefold() == "s" and _PLURAL_POSSESSIVE.match(text, match.end):
        return False
    if match.matched_text.casefold().endswith("ing"):
        return True
    return not any(
        FACET_OF_KIND.get(other.kind) in _HEAD_FACETS
        and other.start > match.end
        and _COMPOUND.fullmatch(text, match.end, other.start)
        for other in matches
    )


def _common_word(text: str) -> bool:
    """Place names that are also common words ("much", "nice", "reading") count only
    when written with a capital, and never when they are stopwords."""
    first = text[:1]
    if first.isalpha() and first.islower() and first.upper() != first:
        return True
    return text.casefold() in STOPWORDS


def _resolve_places(frame: Frame, places: PlaceGraph) -> None:
    """Pick one place per matched span (consistent with the other spans, else the most
    populous), then add the places containing it, narrowest first."""
    spans: dict[tuple[int, int], list[LabelMatch]] = {}
    for match in frame.matches:
        if FACET_OF_KIND.get(match.kind) == "place":
            spans.setdefault((match.start, match.end), []).append(match)
    if not spans:
        _places_from_languages(frame, places)
        return

    def related(a: str, b: str) -> bool:
        return a in places.ancestors(b) or b in places.ancestors(a)

    def weight(m: LabelMatch) -> int:
        people = places.contained_population(m.iri)
        return people if m.preferred else int(people * _ALTERNATE_NAME_WEIGHT)

    def rank(m: LabelMatch, group: list[LabelMatch]) -> tuple[int, int, int, int, int, int, str]:
        # Only other spans count as support: a Spanish province named Guadalajara says
        # nothing for the Spanish city of that name.
        consistent = sum(
            1 for other in spans.values() if other is not group and any(related(m.iri, o.iri) for o in other)
        )
        exact = 0 if m.label.casefold() == m.matched_text.casefold() else 1
        # One reading of a name is a place together with the same-named places around
        # and inside it (the province of Valencia and its city); it weighs what its
        # people weigh (a region: the people of the places inside it), and stands for
        # its narrowest member, whose containers the frame adds anyway.
        reading = [o for o in group if o is m or related(m.iri, o.iri)]
        depth = len(places.ancestors(m.iri))
        return (
            -consistent,
            exact,
            m.kind != "Country",
            -max(weight(o) for o in reading),
            -depth,
            _KIND_ORDER.get(m.kind, 5),
            m.iri,
        )

    chosen = [min(group, key=lambda m: rank(m, group)) for group in spans.values()]
    # Narrowest first: a place that contains another chosen place goes after it.
    chosen.sort(key=lambda m: (-len(places.ancestors(m.iri)), _PLACE_RANK.get(m.kind, 5)))
    # Shown by their preferred labels: "Mexican" (a hidden label) finds Mexico.
    for match in chosen:
        _add_place(frame, match.iri, places.labels.get(match.iri, match.label), match.matched_text)
    for match in chosen:
        for ancestor in places.ancestors(match.iri):
            _add_place(frame, ancestor, places.label(ancestor), match.matched_text)


def _places_from_languages(frame: Frame, places: PlaceGraph) -> None:
    """A language spoken in one place only (gz:spokenIn) implies that place; a language of
    several places implies none, so the place stays open."""
    languages = frame.cues.get("language", [])
    if not languages:
        return
    spoken = {cue.iri: places.spoken_in[cue.iri] for cue in languages if cue.iri in places.spoken_in}
    implied = {where[0] for where in spoken.values() if len(where) == 1}
    if len(implied) != 1:
        # A language of several places narrows the answer without fixing it.
        frame.candidate_places = sorted({p for where in spoken.values() for p in where})
        return
    place = implied.pop()
    cue = next(c for c in languages if spoken.get(c.iri) == (place,))
    for node in (place, *places.ancestors(place)):
        _add_place(frame, node, places.label(node), cue.matched_text)


def _add_place(frame: Frame, place: str, label: str, matched_text: str) -> None:
    if place not in frame.places:
        frame.places.append(place)
        frame.add("place", FrameCue(iri=place, label=label, matched_text=matched_text))
