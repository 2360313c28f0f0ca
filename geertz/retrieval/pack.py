"""The ContextPack: the scoped graph neighbourhood of a prompt, as stable JSON.

A pack says what the prompt implies (its ``frame``), which statements anchor a
thick answer (``items``, each with scope, holders, evidence, whether it applies
and how relevant it is), how they vary, which context is missing, and how far
the graph covers the question at all (``coverage``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ContextPack",
    "Coverage",
    "CoveredPractice",
    "Facet",
    "FrameCue",
    "ItemKind",
    "ItemRole",
    "MissingContext",
    "PackItem",
    "Source",
    "VariationNote",
    "Verdict",
]

Facet = Literal[
    "place",
    "community",
    "language",
    "occasion",
    "setting",
    "role",
    "relation",
    "domain",
    "practice",
    "intent",
    "time",
]
ItemKind = Literal["interpretation", "norm"]
#: Why an item is in the pack: it bears on the question (``answer``), or it is kept on
#: purpose as contrast: the same practice where the prompt is not set
#: (``same_practice_elsewhere``), or the other side of a recorded variation or
#: contestation (``other_side``).
ItemRole = Literal["answer", "same_practice_elsewhere", "other_side"]
#: How far the graph covers the prompt; see :class:`Coverage`.
Verdict = Literal["covered", "related", "none", "not_cultural"]


class _Model(BaseModel):
    # Unknown fields are ignored, so a client reading a newer server's pack still works.
    model_config = ConfigDict(frozen=True, extra="ignore")


class FrameCue(_Model):
    """One cue the prompt carries: the node it names and the words that named it."""

    iri: str
    label: str
    matched_text: str


class Source(_Model):
    """A piece of evidence behind an item, checkable by a reader."""

    iri: str
    title: str
    url: str | None = None
    citation: str | None = None


class PackItem(_Model):
    """A statement (interpretation or norm) from the graph, with its scope and why it is here."""

    iri: str
    kind: ItemKind
    label: str
    text: str
    score: float
    applies: bool | None = Field(
        description="True if the statement's scope covers the prompt's context, False if it "
        "does not, None if the prompt does not say enough to tell."
    )
    practice: str | None = None
    practice_label: str | None = None
    held_by: list[FrameCue] = Field(default_factory=list)
    scope: dict[str, list[str]] = Field(default_factory=dict)
    evidence: list[Source] = Field(default_factory=list)
    identifiers: list[str] = Field(default_factory=list)
    agreement: float | None = None
    confidence: float | None = None
    perspective: str | None = None
    deontic_status: str | None = None
    sensitivity: str = "public"
    relevance: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="Calibrated chance that the statement is about what the prompt asks, in "
        "its context: of the items given 0.8, about 80 % are.",
    )
    role: ItemRole = "answer"
    why: str


class VariationNote(_Model):
    """A recorded variation or contestation among the items."""

    iri: str
    kind: Literal["variation", "contestation"]
    practice: str | None = None
    dimension: str
    note: str | None = None
    members: list[str]


class MissingContext(_Model):
    """A facet the prompt leaves open although the answer depends on it."""

    facet: str
    question: str


class CoveredPractice(_Model):
    """A practice the prompt may be asking about, and where the graph holds it."""

    iri: str
    label: str
    relevance: float = Field(description="Calibrated chance that the prompt asks about this practice.")
    held_in: list[str] = Field(default_factory=list, description="Places its statements are scoped to.")
    in_scope: bool = Field(description="True when a statement of it holds in the prompt's context.")


class Coverage(_Model):
    """What the graph knows about the prompt.

    ``verdict`` is one of:

    - ``covered``: statements about the practice asked about hold in the prompt's
      scope (or, with no scope in the prompt, somewhere: ``missing`` then asks where);
    - ``related``: the graph holds that practice only elsewhere, or only neighbouring
      practices;
    - ``none``: nothing in the graph bears on the prompt;
    - ``not_cultural``: the prompt asks nothing cultural (the pack has no items).
    """

    verdict: Verdict
    note: str
    practices: list[CoveredPractice] = Field(default_factory=list)


class ContextPack(_Model):
    """The graph neighbourhood that anchors a thick answer to ``prompt``."""

    prompt: str
    language: str | None = Field(
        None,
        description="The language the prompt is written in (a BCP 47 primary subtag, such as "
        '"es"), or null when it is too short to tell. The pack\'s own phrases (coverage note, '
        "questions) are written in it where geertz has a catalogue for it, and answers follow it.",
    )
    frame: dict[str, list[FrameCue]] = Field(default_factory=dict)
    items: list[PackItem] = Field(default_factory=list)
    variations: list[VariationNote] = Field(default_factory=list)
    missing: list[MissingContext] = Field(default_factory=list)
    coverage: Coverage = Field(
        default_factory=lambda: Coverage(verdict="covered", note=""),
        description="How far the graph covers the prompt.",
    )
    excluded: int = 0
    timing_ms: float = 0.0
