"""Request and response models of the API (the ContextPack and ThickAnswer are reused as they are)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from geertz.generation.answer import ThickAnswer

__all__ = [
    "AnswerRequest",
    "ChatChoice",
    "ChatCompletion",
    "ChatCompletionRequest",
    "ChatMessage",
    "ContextRequest",
    "ModelCard",
    "ModelList",
    "Turn",
    "Usage",
]

_PROMPT = Field(min_length=1, max_length=8000, description="The user's prompt.")


class Turn(BaseModel):
    """One earlier chat turn."""

    role: Literal["user", "assistant", "system"] = "user"
    content: str = Field(max_length=8000)


class ContextRequest(BaseModel):
    """Map a prompt onto its scoped graph neighbourhood."""

    model_config = ConfigDict(extra="forbid")

    prompt: str = _PROMPT
    messages: list[Turn | str] = Field(
        default_factory=list, max_length=50, description="Earlier chat turns, oldest first."
    )
    user_context: dict[str, str] = Field(
        default_factory=dict, description='What the user said about themselves, e.g. {"location": "Kano"}.'
    )
    k: int = Field(10, ge=1, le=100, description="How many statements to return.")


class AnswerRequest(ContextRequest):
    """Answer a prompt with a checked thick answer."""

    k: int = Field(8, ge=1, le=50, description="How many statements to ground the answer on.")
    stream: bool = Field(False, description="Stream server-sent events: 'delta' pieces, then 'answer'.")


class ChatMessage(BaseModel):
    """A message in OpenAI's chat format; only text content is read."""

    model_config = ConfigDict(extra="allow")

    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        if not self.content:
            return ""
        return "".join(str(part.get("text", "")) for part in self.content if part.get("type") == "text")


class ChatCompletionRequest(BaseModel):
    """OpenAI's chat completion request; fields geertz does not use are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    model: str = Field("geertz", max_length=200)
    messages: list[ChatMessage] = Field(min_length=1, max_length=100)
    stream: bool = False
    max_tokens: int | None = Field(None, ge=1, le=32768)
    temperature: float | None = Field(None, ge=0, le=2)


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class ChatChoice(BaseModel):
    index: int = 0
    message: dict[str, Any]
    finish_reason: str = "stop"


class ChatCompletion(BaseModel):
    """OpenAI's chat completion, with the checked answer in the extra ``geertz`` field."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]
    usage: Usage = Field(default_factory=Usage)
    geertz: ThickAnswer


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "geertz"
    description: str = ""


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]
