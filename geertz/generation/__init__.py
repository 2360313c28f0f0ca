"""Grounded generation: thick answers from a ContextPack, checked by a verifier.

- :class:`Answerer` writes an answer with a backend, checks it, repairs it once and
  falls back to the extractive answer;
- backends: :class:`ExtractiveBackend` (no model, the default), :class:`OpenAIBackend`,
  :class:`LocalBackend` and :class:`LangChainBackend`, all behind :class:`LLMBackend`;
- :mod:`geertz.generation.prompts` holds every text a model is shown;
- :func:`verify` runs the checks on any answer.
"""

from __future__ import annotations

from geertz.generation.answer import Check, Citation, Claim, Fallback, ThickAnswer, VariationClaim
from geertz.generation.answerer import Answerer
from geertz.generation.backend import ChatRequest, LLMBackend, Message
from geertz.generation.backends import LangChainBackend, LocalBackend, OpenAIBackend
from geertz.generation.extractive import ExtractiveBackend
from geertz.generation.parse import parse_answer
from geertz.generation.verify import CHECKS, verify

__all__ = [
    "CHECKS",
    "Answerer",
    "ChatRequest",
    "Check",
    "Citation",
    "Claim",
    "ExtractiveBackend",
    "Fallback",
    "LLMBackend",
    "LangChainBackend",
    "LocalBackend",
    "Message",
    "OpenAIBackend",
    "ThickAnswer",
    "VariationClaim",
    "parse_answer",
    "verify",
]
