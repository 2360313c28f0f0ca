"""The ThickAnswer: an answer in prose with numbered citations, and its parts laid out
for programs (claims, variation, questions, assumptions, the verifier's checks).

Its JSON shape is stable::

    {"answer": str,
     "claims": [{"text", "sources": [iri], "scope": str, "held_by": [...], "stance", "applies"}],
     "variation": [{"text", "sources": [iri]}],
     "clarifying_questions": [str], "assumptions": [str],
     "citations": {"1": iri},
     "checks": {name: {"passed": bool, "reason": str}},
     "backend": str,
     "fallback": {"backend": str, "reason": str} | null}
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

__all__ = ["Check", "Claim", "Fallback", "ThickAnswer", "VariationClaim"]

Stance = Literal["emic", "etic", "mixed"]


class Claim(BaseModel):
    """One cited sentence of the answer, with the scope and holders of what it cites."""

    text: str
    sources: list[str] = Field(description="IRIs of the pack items the sentence cites.")
    scope: str = Field(description="Where and when the cited statements hold, in words.")
    held_by: list[str] = Field(description="The communities that hold the cited statements.")
    stance: Stance = Field(description="emic (insiders' view), etic (outsiders') or mixed.")
    applies: bool = Field(description="True when every cited statement applies to the prompt's context.")


class VariationClaim(BaseModel):
    """A sentence on how readings differ, and the statements it contrasts."""

    text: str
    sources: list[str]


class Check(BaseModel):
    """One verifier check on the answer."""

    passed: bool
    reason: str


class Fallback(BaseModel):
    """Why a model's answer was replaced by the extractive one."""

    backend: str = Field(description="The backend whose answer failed.")
    reason: str


class ThickAnswer(BaseModel):
    """What geertz answers: see the module docstring for the JSON shape."""

    answer: str
    claims: list[Claim] = Field(default_factory=list)
    variation: list[VariationClaim] = Field(default_factory=list)
    clarifying_questions: list[str] = Field(default_factory=list)
    assumptions: list[str] = Field(default_factory=list)
    citations: dict[str, str] = Field(default_factory=dict)
    checks: dict[str, Check] = Field(default_factory=dict)
    backend: str
    fallback: Fallback | None = None

    @property
    def passed(self) -> bool:
        """True when every check passed."""
        return all(check.passed for check in self.checks.values())

    def failures(self) -> dict[str, str]:
        """The reasons of the checks that failed, by name."""
        return {name: check.reason for name, check in self.checks.items() if not check.passed}
