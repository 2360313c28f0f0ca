"""From a ContextPack to a checked ThickAnswer, with one repair and a grounded fallback.

>>> answerer = Answerer(OpenAIBackend("http://127.0.0.1:8080/v1"))   # doctest: +SKIP
>>> answer = answerer.answer(pack)
>>> answer.backend, answer.passed
('openai', True)

A model's answer that fails a check is sent back once with the failures; if the
repaired answer fails too, or the model cannot be reached, the extractive answer
is returned instead, with the reason in ``fallback``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from geertz.errors import LLMError
from geertz.generation.answer import Check, Fallback, ThickAnswer
from geertz.generation.backend import ChatRequest, LLMBackend, Message
from geertz.generation.extractive import ExtractiveBackend
from geertz.generation.parse import parse_answer
from geertz.generation.prompts import NOT_CULTURAL_REPLY, answer_messages, repair_messages
from geertz.generation.verify import verify
from geertz.i18n import say
from geertz.retrieval.pack import ContextPack

__all__ = ["Answerer"]

log = logging.getLogger(__name__)


class Answerer:
    """Writes and checks answers with one backend (the extractive one by default)."""

    def __init__(self, backend: LLMBackend | None = None, *, max_tokens: int = 700) -> None:
        self.backend = backend or ExtractiveBackend()
        self.max_tokens = max_tokens
        self._extractive = ExtractiveBackend()

    def answer(self, pack: ContextPack, history: tuple[Message, ...] = ()) -> ThickAnswer:
        """The checked answer to ``pack.prompt``; ``history`` holds earlier chat turns."""
        if pack.coverage.verdict == "not_cultural":
            return self._not_cultural(pack, history)
        request = self._request(pack, history)
        if not self.backend.uses_model:
            return self._checked(self.backend.complete(request), pack, self.backend.name)
        try:
            text = self.backend.complete(request)
        except LLMError as exc:
            return self._fall_back(pack, f"the model could not answer: {exc}")
        return self._repaired(text, request, pack)

    def stream(self, pack: ContextPack, history: tuple[Message, ...] = ()) -> Iterator[str | ThickAnswer]:
        """The answer text in pieces as the backend writes it, then the checked
        ThickAnswer. If the streamed answer failed its checks, the final answer is the
        repaired or extractive one, and differs from the pieces."""
        if pack.coverage.verdict == "not_cultural":
            answer = self._not_cultural(pack, history)
            yield answer.answer
            yield answer
            return
        request = self._request(pack, history)
        pieces: list[str] = []
        try:
            for piece in self.backend.stream(request):
                pieces.append(piece)
                yield piece
        except LLMError as exc:
            yield self._fall_back(pack, f"the model stopped answering: {exc}")
            return
        text = "".join(pieces)
        if not self.backend.uses_model:
            yield self._checked(text, pack, self.backend.name)
        else:
            yield self._repaired(text, request, pack)

    def _request(self, pack: ContextPack, history: tuple[Message, ...]) -> ChatRequest:
        return ChatRequest(messages=answer_messages(pack, history), pack=pack, max_tokens=self.max_tokens)

    def _checked(self, text: str, pack: ContextPack, backend: str) -> ThickAnswer:
        answer = parse_answer(text, pack, backend).model_copy(
            update={"coverage": pack.coverage, "language": pack.language}
        )
        return verify(answer, pack)

    def _not_cultural(self, pack: ContextPack, history: tuple[Message, ...]) -> ThickAnswer:
        """A turn that asks nothing cultural: a model gets the conversation as it is,
        with no graph context; the extractive backend says what geertz answers."""
        checks = {
            "states_coverage": Check(
                passed=True, reason="the prompt asks nothing cultural, so no graph context was given"
            )
        }
        if not self.backend.uses_model:
            text, backend, fallback = say(NOT_CULTURAL_REPLY, pack.language), self.backend.name, None
        else:
            request = ChatRequest(
                messages=(*history, Message("user", pack.prompt)), pack=None, max_tokens=self.max_tokens
            )
            try:
                text, backend, fallback = self.backend.complete(request), self.backend.name, None
            except LLMError as exc:
                log.info("the model could not answer a turn that is not cultural: %s", exc)
                text, backend = say(NOT_CULTURAL_REPLY, pack.language), "extractive"
                fallback = Fallback(backend=self.backend.name, reason=f"the model could not answer: {exc}")
        return ThickAnswer(
            answer=text.strip(),
            backend=backend,
            fallback=fallback,
            language=pack.language,
            coverage=pack.coverage,
            checks=checks,
        )

    def _repaired(self, text: str, request: ChatRequest, pack: ContextPack) -> ThickAnswer:
        first = self._checked(text, pack, self.backend.name)
        if first.passed:
            return first
        failures = first.failures()
        log.info("the %s answer failed %s; asking once for a repair", self.backend.name, sorted(failures))
        repair = ChatRequest(
            messages=repair_messages(request.messages, text, failures), pack=pack, max_tokens=self.max_tokens
        )
        try:
            second = self._checked(self.backend.complete(repair), pack, self.backend.name)
        except LLMError as exc:
            return self._fall_back(pack, f"{_summary(failures)}; the repair request failed: {exc}")
        if second.passed:
            return second
        return self._fall_back(
            pack,
            f"{_summary(failures)}; after one repair it still failed {', '.join(sorted(second.failures()))}",
        )

    def _fall_back(self, pack: ContextPack, reason: str) -> ThickAnswer:
        log.info("falling back to the extractive answer: %s", reason)
        answer = self._checked(
            self._extractive.complete(ChatRequest(messages=(), pack=pack)), pack, "extractive"
        )
        return answer.model_copy(update={"fallback": Fallback(backend=self.backend.name, reason=reason)})


def _summary(failures: dict[str, str]) -> str:
    return "the answer failed " + "; ".join(f"{name} ({reason})" for name, reason in sorted(failures.items()))
