"""The answer backends, listed as OpenAI-style models."""

from __future__ import annotations

import importlib.util

from fastapi import APIRouter

from geertz.api.deps import EngineDep, Reader, SettingsDep
from geertz.api.schemas import ModelCard, ModelList
from geertz.errors import GeertzError
from geertz.generation.backends import bundled_model_path

router = APIRouter(tags=["chat"])

_DESCRIPTIONS = {
    "extractive": "Answers composed from the graph alone, with no model.",
    "openai": "Answers written by the OpenAI-compatible model at GEERTZ_LLM_URL, checked against the graph.",
    "local": "Answers written by the bundled SmolLM2 in-process, checked against the graph.",
}


def available(settings: SettingsDep) -> list[str]:
    """Backends this server can use now."""
    names = ["extractive"]
    if settings.llm_url:
        names.append("openai")
    try:
        has_model = settings.llm_model_path is not None or bundled_model_path().is_file()
    except GeertzError:  # the optional 'local' extra is not installed
        has_model = False
    if has_model and importlib.util.find_spec("llama_cpp") is not None:
        names.append("local")
    return names


@router.get("/v1/models")
def models(engine: EngineDep, settings: SettingsDep, caller: Reader) -> ModelList:
    """The backends, as models: 'geertz' is the configured default, 'geertz-NAME' picks one."""
    default = engine.answerer.backend.name
    cards = [
        ModelCard(
            id="geertz", description=f"The configured default ({default}). " + _DESCRIPTIONS.get(default, "")
        )
    ]
    cards += [ModelCard(id=f"geertz-{name}", description=_DESCRIPTIONS[name]) for name in available(settings)]
    return ModelList(data=cards)
