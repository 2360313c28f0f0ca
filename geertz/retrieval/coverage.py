"""Which candidates stay in the pack, and the pack's coverage verdict.

Every candidate has a calibrated ``relevance`` (see :mod:`geertz.retrieval.relevance`).
Those below the threshold leave the pack, so ``k`` is a maximum, not a quota; a
few are kept on purpose as contrast, with a ``role`` that says so: statements of
the practice asked about that hold elsewhere, and the other side of a recorded
variation. The verdict then says how far the graph covers the question:
``covered``, ``related``, ``none`` (or ``not_cultural``, decided before ranking).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from geertz.i18n import N_, say
from geertz.retrieval.pack import Coverage, CoveredPractice, ItemRole, Verdict
from geertz.retrieval.relevance import Signals
from geertz.retrieval.snapshot import Statement

__all__ = [
    "ADD_HINT",
    "COVERED_AT",
    "NOT_CULTURAL_NOTE",
    "TOPIC_AT",
    "Candidate",
    "join_labels",
    "judge",
    "select",
]

#: An in-scope statement at least this relevant makes the prompt covered.
COVERED_AT = 0.5
#: A practice whose statements reach this topic score is one the prompt asks about.
TOPIC_AT = 0.5
_MAX_CONTRASTS = 3
_MAX_PLACES_SHOWN = 5

NOT_CULTURAL_NOTE = N_(
    "This does not ask about cultural practice, so geertz adds no context. geertz answers "
    "questions about what practices mean to the communities that hold them, where and when."
)
ADD_HINT = N_(
    "A domain expert can add it as statements with their holders, scope and sources (see ontology/README.md)."
)
_COVERED = N_("The graph holds statements on {practices}.")
_COVERED_HERE = N_("The graph holds statements on {practices} that hold in {place}.")
_SCOPED = N_("They are scoped to {places}, so where this happens matters.")
_ELSEWHERE_HERE = N_(
    "The graph holds nothing on {practice} in {place}. It records it only for {places}, which may not "
    "hold there."
)
_ELSEWHERE = N_(
    "The graph holds nothing on {practice} in the context you describe. It records it only for {places}, "
    "which may not hold there."
)
_NEAREST = N_(
    "The graph holds nothing on this question itself; the nearest it holds is {practices}, which may not "
    "bear on it."
)
_LOOSELY = N_("a few loosely related statements")
_NOTHING = N_("The graph holds nothing that bears on this.")
_THIS = N_("this")
_AND = N_("{first} and {last}")
_OTHERS = N_("{count} other places")
_OTHER_CONTEXTS = N_("other contexts")


@dataclass
class Candidate:
    """One ranked statement with what the pack needs to decide on it."""

    score: float
    statement: Statement
    applies: bool | None
    reason: str
    relevance: float = 0.0
    topic: float = 0.0
    role: ItemRole = "answer"
    signals: Signals | None = None

    def in_scope(self, placed: bool) -> bool:
        """True when it holds in the prompt's context (or, with no place in the prompt,
        somewhere the user can be asked about). A statement scoped to the prompt's place
        whose occasion may differ ("dinner" against "a dinner invitation") counts."""
        if self.applies is True:
            return True
        anchored = self.signals is not None and self.signals.anchored
        return self.applies is None and (not placed or anchored)


def select(
    candidates: Sequence[Candidate],
    k: int,
    min_relevance: float,
    variations_of: Mapping[str, Sequence[str]],
) -> list[Candidate]:
    """The pack's items: those at least ``min_relevance`` relevant (at most ``k``), most
    relevant first, then a few kept as contrast, marked by ``role``."""
    answers = [c for c in candidates if c.relevance >= min_relevance]
    chosen = {id(c) for c in answers}
    asked = {c.statement.practice for c in candidates if c.statement.practice and c.topic >= TOPIC_AT}
    contrasts: list[Candidate] = []
    for c in candidates:
        if id(c) in chosen or len(contrasts) >= _MAX_CONTRASTS:
            continue
        if c.applies is False and c.statement.practice in asked:
            c.role = "same_practice_elsewhere"
            contrasts.append(c)
    kept_variations = {v for c in answers for v in variations_of.get(c.statement.iri, ())}
    for c in candidates:
        if id(c) in chosen or c in contrasts or len(contrasts) >= _MAX_CONTRASTS:
            continue
        if kept_variations.intersection(variations_of.get(c.statement.iri, ())):
            c.role = "other_side"
            contrasts.append(c)
    # A quarter of the pack at most goes to contrast (none in a pack of under four).
    slots = min(len(contrasts), k // 4) if answers else min(len(contrasts), k)
    # The most relevant first, by tenths, so that within a tenth the retrieval order
    # (the narrowest scope first, competing readings together) stands; contrast after.
    answers = _most_agreed_first(
        _retrieval_order_within_practice(sorted(answers, key=lambda c: -int(c.relevance * 10)))
    )
    answers = answers[: max(0, k - slots)]
    return answers + contrasts[: k - len(answers)]


def _reorder_within(
    candidates: list[Candidate],
    group: Callable[[Candidate], Hashable],
    key: Callable[[Candidate], Any],
) -> list[Candidate]:
    """``candidates`` with the members of each ``group`` sorted by ``key`` among the
    places they already take, so the order across groups stands."""
    positions: dict[Hashable, list[int]] = {}
    for index, c in enumerate(candidates):
        positions.setdefault(group(c), []).append(index)
    ordered = list(candidates)
    for places in positions.values():
        for place, member in zip(places, sorted((candidates[i] for i in places), key=key), strict=True):
            ordered[place] = member
    return ordered


def _retrieval_order_within_practice(candidates: list[Candidate]) -> list[Candidate]:
    """One practice's statements, in the places they already take, in retrieval order:
    the narrowest scope first (West Java before Indonesia), even where a broader
    statement's text happens to share more words with the prompt."""
    return _reorder_within(
        candidates,
        lambda c: c.statement.practice or c.statement.iri,
        lambda c: (-c.score, c.statement.iri),
    )


def _most_agreed_first(candidates: list[Candidate]) -> list[Candidate]:
    """Among one community's readings of one practice, those most of its members share
    come first, in the places those readings already take (so the scope order across
    communities stands): where a pack cannot hold every answer to a survey question,
    it keeps the most common ones."""
    return _reorder_within(
        candidates,
        lambda c: (c.statement.practice or c.statement.iri, *sorted(c.statement.holders)),
        lambda c: -(c.statement.agreement if c.statement.agreement is not None else -1.0),
    )


def judge(
    candidates: Sequence[Candidate],
    items: Sequence[Candidate],
    *,
    placed: bool,
    place_label: str | None,
    label: Callable[[str], str],
    held_in: Callable[[str], list[str]],
    language: str | None = None,
) -> Coverage:
    """The coverage verdict for a prompt from its ranked ``candidates`` and the
    ``items`` kept; ``held_in`` lists the places a practice's statements are scoped to.
    The note is written in ``language`` where geertz has a catalogue for it."""
    topics: dict[str, float] = {}
    in_scope: dict[str, bool] = {}
    here: set[str] = set()  # practices with a statement in scope, however relevant
    for c in candidates:
        practice = c.statement.practice
        if practice is None:
            continue
        topics[practice] = max(topics.get(practice, 0.0), c.topic)
        if c.in_scope(placed):
            here.add(practice)
            if c.relevance >= COVERED_AT:
                in_scope[practice] = True
    asked = sorted((p for p, t in topics.items() if t >= TOPIC_AT), key=lambda p: -topics[p])[:3]
    practices = [
        CoveredPractice(
            iri=p,
            label=label(p),
            relevance=round(topics[p], 3),
            held_in=held_in(p),
            in_scope=in_scope.get(p, False),
        )
        for p in asked
    ]
    covered = [c for c in items if c.role == "answer" and c.in_scope(placed) and c.relevance >= COVERED_AT]
    verdict: Verdict
    if covered:
        verdict = "covered"
        shown = list(dict.fromkeys(label(c.statement.practice) for c in covered if c.statement.practice))
        named = join_labels(shown[:3], language) or say(_THIS, language)
        if placed and place_label:
            note = say(_COVERED_HERE, language, practices=named, place=place_label)
        else:
            note = say(_COVERED, language, practices=named)
        if not placed and practices and practices[0].held_in:
            note += " " + say(_SCOPED, language, places=_places(practices[0].held_in, language))
    elif elsewhere := [p for p in practices if p.iri not in here and p.held_in]:
        # Only where the practice has nothing in scope: one recorded for the prompt's
        # own country, but not relevant enough, is not "only elsewhere".
        verdict = "related"
        first = elsewhere[0]
        places = _places(first.held_in, language)
        if placed and place_label:
            note = say(_ELSEWHERE_HERE, language, practice=first.label, place=place_label, places=places)
        else:
            note = say(_ELSEWHERE, language, practice=first.label, places=places)
        note += " " + say(ADD_HINT, language)
    elif items:
        verdict = "related"
        near = list(dict.fromkeys(label(c.statement.practice) for c in items if c.statement.practice))
        nearest = join_labels(near[:3], language) or say(_LOOSELY, language)
        note = say(_NEAREST, language, practices=nearest) + " " + say(ADD_HINT, language)
    else:
        verdict = "none"
        note = say(_NOTHING, language) + " " + say(ADD_HINT, language)
    return Coverage(verdict=verdict, note=note, practices=practices)


def join_labels(labels: Sequence[str], language: str | None = None) -> str:
    """ "a", "a and b", "a, b and c" (the conjunction in ``language``)."""
    if len(labels) <= 1:
        return "".join(labels)
    return say(_AND, language, first=", ".join(labels[:-1]), last=labels[-1])


def _places(places: Sequence[str], language: str | None = None) -> str:
    shown = list(places[:_MAX_PLACES_SHOWN])
    extra = len(places) - len(shown)
    if extra > 0:
        shown.append(say(_OTHERS, language, count=extra))
    return join_labels(shown, language) or say(_OTHER_CONTEXTS, language)
