"""The scope check: does a statement's scope cover the context the prompt implies?"""

from __future__ import annotations

from collections.abc import Mapping

from geertz.retrieval.frame import Frame
from geertz.retrieval.snapshot import Statement

__all__ = ["ScopeVerdict", "check_scope", "role_fit"]

ScopeVerdict = tuple[bool | None, str]

# Facets a prompt can pin down, besides place; a statement scoped to an occasion
# other than the prompt's may not apply to it.
_EXCLUSIVE_FACETS = ("occasion", "setting")
# Facets that say whose part a statement describes. A different role does not make
# a statement wrong for the prompt (a guest needs to know what the host will do),
# so they shift the order and the explanation, never the verdict.
_PARTY_FACETS = ("role", "relation")


def check_scope(
    statement: Statement,
    frame: Frame,
    ancestors: Mapping[str, frozenset[str]],
    label: Mapping[str, str],
) -> ScopeVerdict:
    """``(True, why)`` if the statement holds in the prompt's context, ``(False, why)``
    if its scope excludes it, ``(None, why)`` if the prompt does not say enough.

    Places: a statement scoped to a place holds in that place and everything inside
    it, so it applies when the prompt's place lies within the scope's place, and
    partly when the scope's place lies within the prompt's (a region of the country
    asked about). A facet the scope leaves empty is unrestricted.
    """
    places = statement.scope.get("place", [])
    verdict: bool | None = True
    reasons: list[str] = []
    if places:
        if not frame.places:
            verdict = None
            reasons.append(
                "holds in " + ", ".join(label.get(p, p) for p in places) + "; the prompt names no place"
            )
        else:
            asked = frame.places[0]
            inside = [p for p in places if p in frame.places]
            narrower = [p for p in places if asked in ancestors.get(p, frozenset())]
            if asked in places:
                reasons.append(f"holds in {label.get(asked, asked)}, where the prompt is set")
            elif inside:
                reasons.append(
                    f"holds in {label.get(inside[0], inside[0])}, which covers {label.get(asked, asked)}"
                )
            elif narrower:
                reasons.append(
                    f"holds in {label.get(narrower[0], narrower[0])}, a part of {label.get(asked, asked)}"
                )
            else:
                verdict = False
                reasons.append(
                    "holds in "
                    + ", ".join(label.get(p, p) for p in places)
                    + f", not in {label.get(asked, asked)}"
                )
    for facet in _EXCLUSIVE_FACETS:
        wanted = frame.iris(facet)
        scoped = statement.scope.get(facet, [])
        if wanted and scoped and not wanted.intersection(scoped):
            # Occasions are not arranged in a hierarchy yet, so "dinner" and "eating out
            # together" cannot be told apart from "a wedding" and "a funeral": a mismatch
            # makes the statement uncertain, not inapplicable.
            if verdict is True:
                verdict = None
            reasons.append(
                f"scoped to {label.get(scoped[0], scoped[0])}, while the prompt mentions "
                f"{label.get(next(iter(sorted(wanted))), '')}"
            )
    return verdict, "; ".join(reasons) or "its scope sets no condition the prompt contradicts"


def role_fit(statement: Statement, frame: Frame, label: Mapping[str, str]) -> tuple[float, str]:
    """How well the roles and relationships a statement concerns fit the prompt's:
    a factor for its score (above 1 for the prompt's own role, below 1 for another
    party's) and the words that explain it ("" when either side names none)."""
    factor, reasons = 1.0, []
    for facet in _PARTY_FACETS:
        wanted = frame.iris(facet)
        scoped = statement.scope.get(facet, [])
        if not wanted or not scoped:
            continue
        shared = [r for r in scoped if r in wanted]
        if shared:
            factor *= 1.15
            reasons.append(f"it concerns the {label.get(shared[0], shared[0])}, as the prompt does")
        else:
            factor *= 0.85
            asked = label.get(next(iter(sorted(wanted))), "")
            reasons.append(f"it concerns the {label.get(scoped[0], scoped[0])}'s part, not the {asked}'s")
    return factor, "; ".join(reasons)
