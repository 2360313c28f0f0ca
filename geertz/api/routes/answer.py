"""Checked thick answers, whole or as server-sent events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import StreamingResponse

from geertz.api.app import error_body
from geertz.api.deps import EngineDep, Reader
from geertz.api.schemas import AnswerRequest, Turn
from geertz.engine import BACKENDS, backend_from_settings
from geertz.errors import GeertzError
from geertz.generation.answer import ThickAnswer
from geertz.generation.answerer import Answerer
from geertz.generation.backend import Message

router = APIRouter(tags=["answer"])


def history_of(messages: list[Turn | str]) -> tuple[Message, ...]:
    """Earlier turns as chat messages for the model (plain strings are the user's)."""
    return tuple(Message("user", m) if isinstance(m, str) else Message(m.role, m.content) for m in messages)


def answerer_for(request: Request, name: str | None) -> Answerer:
    """The engine's answerer, or one for the backend ``name``, built once per app."""
    engine = request.app.state.engine
    if name is None or name == engine.answerer.backend.name:
        answerer: Answerer = engine.answerer
        return answerer
    if name not in BACKENDS:
        raise HTTPException(400, f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
    cache: dict[str, Answerer] = request.app.state.__dict__.setdefault("answerers", {})
    if name not in cache:
        settings = request.app.state.settings
        cache[name] = Answerer(backend_from_settings(settings, name), max_tokens=settings.llm_max_tokens)
    return cache[name]


def sse(event: str, data: Any) -> str:
    """One server-sent event."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.post(
    "/v1/answer",
    response_model=ThickAnswer,
    responses={200: {"content": {"text/event-stream": {}}, "description": "With stream: true, SSE events."}},
)
def answer(body: AnswerRequest, engine: EngineDep, caller: Reader) -> Any:
    """A checked thick answer; with ``stream: true``, 'delta' events then one 'answer' event."""
    history = history_of(body.messages)
    if not body.stream:
        return engine.answer(
            body.prompt,
            history=history,
            user_context=body.user_context,
            k=body.k,
            allow_restricted=caller.restricted,
        )
    pieces = engine.stream_answer(
        body.prompt,
        history=history,
        user_context=body.user_context,
        k=body.k,
        allow_restricted=caller.restricted,
    )

    def events() -> Iterator[str]:
        try:
            for piece in pieces:
                if isinstance(piece, ThickAnswer):
                    yield sse("answer", piece.model_dump(mode="json"))
                else:
                    yield sse("delta", {"text": piece})
        except GeertzError as exc:
            yield sse("error", error_body(500, str(exc), type(exc).__name__))

    return StreamingResponse(events(), media_type="text/event-stream")
