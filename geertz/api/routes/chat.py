"""An OpenAI-compatible chat endpoint whose answers are grounded through geertz.

The last user turn is the prompt; earlier turns are its context. The reply's
content is the answer with its sources listed (practice, holders, and each
source's title and URL); the checked ThickAnswer, with the statement IRIs, rides
along in the extra ``geertz`` field (on the last chunk when streaming).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import StreamingResponse

from geertz.api.app import error_body
from geertz.api.deps import EngineDep, Reader
from geertz.api.routes.answer import answerer_for
from geertz.api.schemas import ChatChoice, ChatCompletion, ChatCompletionRequest
from geertz.errors import GeertzError
from geertz.generation.answer import ThickAnswer
from geertz.generation.backend import Message
from geertz.i18n import requested_language

router = APIRouter(tags=["chat"])


def _backend_of(model: str) -> str | None:
    """'geertz' is the configured default; 'geertz-NAME' (or NAME) picks a backend."""
    name = model.removeprefix("geertz").lstrip("-:/")
    return name or None


def with_sources(answer: ThickAnswer) -> str:
    """The answer text followed by its numbered sources: each cited statement's practice
    and holders, then the title and URL of its evidence (its IRI is in ``geertz``)."""
    if not answer.citations:
        return answer.answer
    listed = "\n".join(f"[{number}] {citation.reference()}" for number, citation in answer.citations.items())
    return f"{answer.answer}\n\nSources:\n{listed}"


@router.post(
    "/v1/chat/completions",
    response_model=ChatCompletion,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "With stream: true, completion chunks."}
    },
)
def chat_completions(body: ChatCompletionRequest, request: Request, engine: EngineDep, caller: Reader) -> Any:
    """OpenAI's chat completions, grounded: works with the openai client and LangChain's ChatOpenAI."""
    turns = [Message(_role(m.role), m.text()) for m in body.messages if m.role != "tool"]
    if not turns or turns[-1].role != "user" or not turns[-1].content.strip():
        raise HTTPException(400, "messages must end with a user message that has text content")
    prompt, history = turns[-1].content, tuple(turns[:-1])
    answerer = answerer_for(request, _backend_of(body.model))
    pack = engine.context(
        prompt,
        messages=[t.content for t in history if t.role == "user"],
        k=8,
        allow_restricted=caller.restricted,
        language=requested_language(t.content for t in history if t.role == "system"),
    )
    created = int(time.time())
    ident = f"chatcmpl-{uuid.uuid4().hex[:24]}"
    if not body.stream:
        answer = answerer.answer(pack, history)
        message = {"role": "assistant", "content": with_sources(answer)}
        return ChatCompletion(
            id=ident, created=created, model=body.model, choices=[ChatChoice(message=message)], geertz=answer
        )

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        data = {
            "id": ident,
            "object": "chat.completion.chunk",
            "created": created,
            "model": body.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
        return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

    def events() -> Iterator[str]:
        yield chunk({"role": "assistant", "content": ""})
        streamed: list[str] = []
        try:
            for piece in answerer.stream(pack, history):
                if isinstance(piece, ThickAnswer):
                    final = piece
                elif answerer.backend.uses_model:
                    streamed.append(piece)
                    yield chunk({"content": piece})
        except GeertzError as exc:
            yield f"data: {json.dumps(error_body(500, str(exc), type(exc).__name__))}\n\n"
            return
        if not answerer.backend.uses_model:
            for line in final.answer.splitlines(keepends=True):
                yield chunk({"content": line})
        elif final.answer != "".join(streamed).strip():
            reason = final.fallback.reason if final.fallback else "it failed the checks"
            yield chunk({"content": f"\n\n[geertz replaced this answer: {reason}]\n\n{final.answer}"})
        listed = with_sources(final)[len(final.answer) :]
        if listed:
            yield chunk({"content": listed})
        yield chunk({}, "stop", geertz=final.model_dump(mode="json"))
        yield "data: [DONE]\n\n"

    return StreamingResponse(events(), media_type="text/event-stream")


def _role(role: str) -> Any:
    return "system" if role in ("system", "developer") else role
