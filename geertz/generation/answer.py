"""The ThickAnswer: an answer in prose with numbered citations, and its parts laid out
for programs (claims, variation, questions, assumptions, the verifier's checks).

Its JSON shape is stable::

    {"answer": str,
     "claims": [{"text", "sources": [iri], "scope": str, "held_by": [...], "stance", "applies"}],
     "variation": [{"text", "sources": [iri]}],
     "clarifying_questions": [str], "assumptions": [str],
     "citations": {"1": {"iri", "valid": bool, "label", "held_by": [...], "scope": str,
                         "sources": [{"iri", "title", "url", "citation"}]}},
     "checks": {name: {"passed": bool, "reason": str}},
     "backend": str,
     "fallback": {"backend": str, "reason": str} | null,
     "coverage": {"verdict", "note", "practices"}}
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from geertz.retrieval.pack import Coverage, Source

__all__ = ["Check", "Citation", "Claim", "Fallback", "ThickAnswer", "VariationClaim", "source_text"]

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


class Citation(BaseModel):
    """What one citation number points to: a statement of the pack, whose view it is,
    where it holds, and the sources a reader can check.

    >>> answer.citations["1"].reference()                                 # doctest: +SKIP
    'tipping (staff in Japan): "Tipping" <https://en.wikivoyage.org/wiki/Tipping>'
    """

    iri: str = Field(description="The cited statement's IRI; 'invalid:<n>' when the pack has no item n.")
    valid: bool = Field(True, description="False when the answer cites a number the pack does not have.")
    label: str = Field("", description="The statement's practice, else the statement's own label.")
    held_by: list[str] = Field(default_factory=list, description="The communities that hold the statement.")
    scope: str = Field("", description="Where and when the statement holds, in words.")
    sources: list[Source] = Field(
        default_factory=list, description="The statement's evidence: title, URL and citation."
    )

    def reference(self) -> str:
        """The citation as one line for a reader: the practice, its holders, then each
        source's title and URL (or bibliographic citation)."""
        if not self.valid:
            return "not in the graph context (no such statement)"
        holders = f" ({'; '.join(self.held_by)})" if self.held_by else ""
        sources = "; ".join(source_text(source) for source in self.sources) or "no source recorded"
        return f"{self.label or self.iri}{holders}: {sources}"


def source_text(source: Source) -> str:
    """A source in words: its title and URL, else its bibliographic citation, else its title."""
    if source.url:
        return f'"{source.title}" <{source.url}>'
    return source.citation or f'"{source.title}"'


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
    citations: dict[str, Citation] = Field(default_factory=dict)
    checks: dict[str, Check] = Field(default_factory=dict)
    backend: str
    fallback: Fallback | None = None
    language: str | None = Field(
        None,
        description="The language the answer is written in (the prompt's, or the one a system message "
        "asked for), as a BCP 47 primary subtag; null when the prompt was too short to tell.",
    )
    coverage: Coverage | None = Field(
        None, description="The pack's coverage verdict: what the graph holds on the question."
    )

    @property
    def passed(self) -> bool:
        """True when every check passed."""
        return all(check.passed for check in self.checks.values())

    def failures(self) -> dict[str, str]:
        """The reasons of the checks that failed, by name."""
        return {name: check.reason for name, check in self.checks.items() if not check.passed}
