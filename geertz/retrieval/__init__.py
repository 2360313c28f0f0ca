"""Retrieval: mapping a prompt onto its scoped graph neighbourhood (a ContextPack),
without an LLM. Built on :mod:`geertz.graph` only."""

from __future__ import annotations

from geertz.retrieval.pack import ContextPack, FrameCue, MissingContext, PackItem, Source, VariationNote
from geertz.retrieval.retriever import Retriever

__all__ = ["ContextPack", "FrameCue", "MissingContext", "PackItem", "Retriever", "Source", "VariationNote"]
