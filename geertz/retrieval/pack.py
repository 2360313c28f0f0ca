"""The ContextPack: the scoped graph neighbourhood of a prompt, as stable JSON.

A pack says what the prompt implies (its ``frame``), which statements anchor a
thick answer (``items``, each with scope, holders, evidence and whether it
applies), how they vary, and which context is missing.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ContextPack",
    "Facet",
    "FrameCue",
    "ItemKind",
    "MissingContext",
    "PackItem",
    "Source",
    "VariationNote",
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


class ContextPack(_Model):
    """The graph neighbourhood that anchors a thick answer to ``prompt``."""

    prompt: str
    frame: dict[str, list[FrameCue]] = Field(default_factory=dict)
    items: list[PackItem] = Field(default_factory=list)
    variations: list[VariationNote] = Field(default_factory=list)
    missing: list[MissingContext] = Field(default_factory=list)
    excluded: int = 0
    timing_ms: float = 0.0
