"""The scope check: does a statement's scope cover the context the prompt implies?"""

from __future__ import annotations

from collections.abc import Mapping

from geertz.retrieval.frame import Frame
from geertz.retrieval.snapshot import Statement

__all__ = ["ScopeVerdict", "check_scope"]

ScopeVerdict = tuple[bool | None, str]

# Facets a prompt can pin down, besides place; a statement scoped to an occasion
# other than the prompt's does not apply to it.
_EXCLUSIVE_FACETS = ("occasion", "setting")


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
            if inside:
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
            verdict = False
            reasons.append(
                f"scoped to {label.get(scoped[0], scoped[0])}, not {label.get(next(iter(wanted)), '')}"
            )
    return verdict, "; ".join(reasons) or "its scope sets no condition the prompt contradicts"
