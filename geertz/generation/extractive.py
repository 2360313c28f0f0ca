"""The extractive backend: a thick answer composed from the pack alone, with no model.

Every sentence is a statement from the graph, led by whose view it is and where it
holds, and cited; variation and contestation get their own lines; missing context
becomes a question, and a place inferred from a demonym, a language or an earlier
turn becomes a stated assumption. It is deterministic, fast and fully grounded, so
it is the default, and the fallback when a model's answer fails the checks twice.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import ClassVar

from geertz.errors import LLMError
from geertz.generation.backend import ChatRequest, LLMBackend
from geertz.generation.prompts import (
    ANY_HOLDER,
    ASSUMED_PLACE,
    CONTRAST,
    ELSEWHERE_LEAD,
    HOLDER_LEAD,
    HOLDER_PLACE,
    LOW_CONFIDENCE,
    NOT_CULTURAL_REPLY,
    THIN_NOTE,
    VARIATION_BY,
    VARIATION_ON,
    VARIATION_PLAIN,
    line_label,
)
from geertz.generation.verify import is_low, is_thin, mentions
from geertz.i18n import say
from geertz.retrieval.coverage import join_labels
from geertz.retrieval.pack import ContextPack, PackItem
from geertz.retrieval.rank import STOPWORDS, tokens
from geertz.text import fold

__all__ = ["ExtractiveBackend", "compose"]

_MAX_PRACTICES = 3
_PER_PRACTICE = 3
_MAX_CONTRASTS = 2
_INNER_STOP = re.compile(r"(?<=[a-z0-9)\"\u201d])\.\s+(?=[A-Z])")


class ExtractiveBackend(LLMBackend):
    """Composes the answer from ``request.pack``; the messages are not read."""

    name: ClassVar[str] = "extractive"
    uses_model: ClassVar[bool] = False

    def complete(self, request: ChatRequest) -> str:
        if request.pack is None:
            raise LLMError("the extractive backend needs the ContextPack in the request", backend=self.name)
        return compose(request.pack)


def compose(pack: ContextPack) -> str:
    """The answer text for ``pack``, in the shared answer format (see :mod:`prompts`).

    It opens with what the graph does not hold when the pack is not ``covered``, then
    says what to do and what it means, and to whom (norms before interpretations,
    practice by practice), then where it differs, then what was assumed or is missing.
    """
    language = pack.language
    if pack.coverage.verdict == "not_cultural":
        return say(NOT_CULTURAL_REPLY, language)
    numbers = {item.iri: n for n, item in enumerate(pack.items, start=1)}
    body: list[str] = []
    if pack.coverage.verdict != "covered" and pack.coverage.note:
        body.append(" ".join(pack.coverage.note.split()))
    groups = _groups(pack)
    for group in groups:
        body.append(" ".join(_sentence(item, numbers[item.iri], language) for item in group))
    shown = {item.iri for group in groups for item in group}
    elsewhere = [] if groups else _elsewhere(pack)
    if elsewhere:
        practice = elsewhere[0].practice_label or elsewhere[0].label
        places = list(dict.fromkeys(p for item in elsewhere for p in item.scope.get("place", [])))
        lead = say(
            ELSEWHERE_LEAD,
            language,
            practice=practice,
            places=join_labels(places, language) or say("other contexts", language),
        )
        body.append(lead + " " + " ".join(_sentence(item, numbers[item.iri], language) for item in elsewhere))
        shown.update(item.iri for item in elsewhere)
    lines = ["\n\n".join(body)] if body else []
    variation, assumption, question, note = (
        line_label(kind, language) for kind in ("variation", "assumption", "question", "note")
    )
    for record in pack.variations:
        cited = "".join(f"[{numbers[m]}]" for m in record.members if m in numbers)
        if cited:  # it bears on items the pack shows (the other side may have stayed out)
            lines.append(f"{variation}: {_variation_text(record.dimension, record.note, language)} {cited}")
    contrasts = [i for i in pack.items if i.applies is False and i.iri not in shown]
    for item in contrasts[:_MAX_CONTRASTS]:
        text = say(CONTRAST, language, text=_lead(item, language) + _one_sentence(item.text))
        lines.append(f"{variation}: {text} [{numbers[item.iri]}]")
    lines += [f"{assumption}: {text}" for text in _assumptions(pack)]
    lines += [f"{question}: {missing.question}" for missing in pack.missing]
    thin = f"{note}: {say(THIN_NOTE, language)}"
    if is_thin(pack) and pack.coverage.verdict == "covered":
        lines.insert(0, thin)
    return "\n".join(lines).strip() or thin


def _elsewhere(pack: ContextPack) -> list[PackItem]:
    """Statements of the practice asked about that hold elsewhere, when nothing holds here."""
    asked = {p.iri for p in pack.coverage.practices}
    items = [i for i in pack.items if i.applies is False and (i.practice in asked or not asked)]
    return items[:_PER_PRACTICE]


def _variation_text(dimension: str, note: str | None, language: str | None = None) -> str:
    dimension = dimension.strip().rstrip(".")
    short = bool(dimension) and len(dimension) <= 60 and dimension[:1].islower()
    message = VARIATION_BY if short else VARIATION_ON if dimension else VARIATION_PLAIN
    lead = say(message, language, dimension=dimension) if dimension else say(message, language)
    body = _one_sentence(note).rstrip(".") if note else ""
    return f"{lead.strip()}: {body}." if body else f"{lead.strip()}."


def _groups(pack: ContextPack) -> list[list[PackItem]]:
    """The statements that may apply, by practice, best practice first; within a
    practice, what to do (norms) before what it means (interpretations)."""
    by_practice: dict[str, list[PackItem]] = defaultdict(list)
    for item in pack.items:
        if item.applies is not False and item.role == "answer":
            by_practice[item.practice or item.iri].append(item)
    groups = [group[:_PER_PRACTICE] for group in list(by_practice.values())[:_MAX_PRACTICES]]
    return [sorted(group, key=lambda item: item.kind != "norm") for group in groups]


def _sentence(item: PackItem, number: int, language: str | None = None) -> str:
    hedge = say(LOW_CONFIDENCE, language) if is_low(item) else ""
    text = _one_sentence(item.text).rstrip(".")
    return f"{_lead(item, language)}{text}{hedge}. [{number}]"


def _lead(item: PackItem, language: str | None = None) -> str:
    """'Among <holders> in <place>: ' unless the statement's own words already say it."""
    said = set(tokens(item.text))
    holders = [h.label for h in item.held_by]
    scoped = [value for values in item.scope.values() for value in values]
    names_holder = not holders or mentions(said, holders)
    names_scope = not scoped or mentions(said, scoped)
    if names_holder and names_scope:
        return ""
    places = item.scope.get("place", [])
    who = ", ".join(holders) if holders else say(ANY_HOLDER, language)
    where = ""
    if places:
        # Places the holders' own names leave out ("US diners" already says where).
        named = [p for p in places if not mentions(set(tokens(who)), [p])]
        where = say(HOLDER_PLACE, language, places=", ".join(named)) if named else ""
    elif not names_scope:
        where = f" ({scoped[0]})"
    return say(HOLDER_LEAD, language, holders=who, where=where)


def _one_sentence(text: str) -> str:
    """A statement of several sentences joined into one, so that one citation covers it;
    a sentence that began with a function word ("The", "In") goes on in lower case."""
    first, *rest = _INNER_STOP.split(" ".join(text.split()))
    return "; ".join([first, *(_lower_function_word(part) for part in rest)])


def _lower_function_word(text: str) -> str:
    word = text.split(" ", 1)[0]
    return text[0].lower() + text[1:] if word.lower() in STOPWORDS else text


def _assumptions(pack: ContextPack) -> list[str]:
    """Places the frame inferred rather than read: from a demonym, a language or an earlier turn."""
    places = pack.frame.get("place", [])
    if not places:
        return []
    first = places[0]
    if (
        fold(first.matched_text) == fold(first.label)
        and first.matched_text.casefold() in pack.prompt.casefold()
    ):
        return []
    return [say(ASSUMED_PLACE, pack.language, label=first.label, matched=first.matched_text)]
