"""The ContextPack of a prompt."""

from __future__ import annotations

from fastapi import APIRouter

from geertz.api.deps import EngineDep, Reader
from geertz.api.schemas import ContextRequest, Turn
from geertz.retrieval.pack import ContextPack

router = APIRouter(tags=["context"])


def user_turns(messages: list[Turn | str]) -> list[str]:
    """The text of the user's earlier turns (plain strings count as the user's)."""
    return [
        m if isinstance(m, str) else m.content for m in messages if isinstance(m, str) or m.role == "user"
    ]


@router.post("/v1/context")
def context(body: ContextRequest, engine: EngineDep, caller: Reader) -> ContextPack:
    """The prompt's scoped graph neighbourhood: frame, statements, variation, missing context."""
    return engine.context(
        body.prompt,
        messages=user_turns(body.messages),
        user_context=body.user_context,
        k=body.k,
        allow_restricted=caller.restricted,
    )
