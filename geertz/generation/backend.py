"""The one interface every answer backend implements, and the request it receives.

A backend turns a :class:`ChatRequest` into answer text. Language-model backends
read ``request.messages`` (built by :mod:`geertz.generation.prompts`); the
extractive backend composes from ``request.pack`` directly. Whatever wrote the
text, the same parser and verifier run on it afterwards.

>>> class Echo(LLMBackend):
...     name = "echo"
...     def complete(self, request: ChatRequest) -> str:
...         return request.messages[-1].content
>>> Echo().complete(ChatRequest(messages=(Message("user", "hi"),)))
'hi'
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar, Literal

from geertz.retrieval.pack import ContextPack

__all__ = ["ChatRequest", "LLMBackend", "Message"]

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Message:
    """One chat turn."""

    role: Role
    content: str


@dataclass(frozen=True)
class ChatRequest:
    """What a backend is asked to answer.

    ``pack`` is the grounding the messages were built from; model backends need
    only the messages, the extractive backend only the pack.
    """

    messages: tuple[Message, ...]
    pack: ContextPack | None = None
    max_tokens: int = 700
    temperature: float = 0.0


class LLMBackend(ABC):
    """A source of answer text. Only :meth:`complete` is required; :meth:`stream`
    defaults to a single chunk."""

    name: ClassVar[str]
    #: True when the backend calls a language model (so its output must be checked
    #: and, if it fails, repaired once or replaced by the extractive answer).
    uses_model: ClassVar[bool] = True

    @abstractmethod
    def complete(self, request: ChatRequest) -> str:
        """The whole answer text."""

    def stream(self, request: ChatRequest) -> Iterator[str]:
        """The answer text in chunks, as the backend produces them."""
        yield self.complete(request)

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing
        """Release connections or model memory."""
