"""Answers end to end: the engine over the seed store with a real llama.cpp server
(SmolLM2-135M, through the OpenAI-compatible API), a LangChain chat model, and
`geertz ask` from the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from geertz.engine import ContextEngine
from geertz.generation import Answerer, LangChainBackend, OpenAIBackend, ThickAnswer
from geertz.graph import EmbeddedStore
from geertz.retrieval.retriever import Retriever

from .conftest import VECTOR_ENV
from .llm_server import llama_server

PROMPT = "How much should I tip at a restaurant in Tokyo?"


@pytest.fixture(scope="module")
def llm_url() -> Iterator[str]:
    with llama_server() as url:
        yield url


def test_openai_backend_answers_through_a_real_llama_server(
    seed_store: EmbeddedStore, seed_retriever: Retriever, llm_url: str
) -> None:
    backend = OpenAIBackend(llm_url, timeout=120)
    engine = ContextEngine(seed_store, seed_retriever, Answerer(backend, max_tokens=200))
    answer = engine.answer(PROMPT)
    # The tiny model rarely writes a checked answer; whichever way it goes, the result
    # is checked, and a replacement says why.
    assert answer.checks and answer.answer
    if answer.backend == "openai":
        assert answer.passed
    else:
        assert answer.backend == "extractive" and answer.passed
        assert answer.fallback is not None and answer.fallback.backend == "openai"
        assert "failed" in answer.fallback.reason
    pieces = list(engine.stream_answer(PROMPT))
    assert isinstance(pieces[-1], ThickAnswer) and sum(isinstance(p, str) for p in pieces) >= 2
    backend.close()


def test_a_requested_answer_language_through_a_real_llama_server(
    seed_store: EmbeddedStore, seed_retriever: Retriever, llm_url: str
) -> None:
    """A system message asks for Spanish: the model is told so, and whichever answer
    comes back (the model's, or the checked extractive one) is in Spanish's framing."""
    from geertz.generation import Message
    from geertz.generation.prompts import line_label

    backend = OpenAIBackend(llm_url, timeout=120)
    engine = ContextEngine(seed_store, seed_retriever, Answerer(backend, max_tokens=200))
    history = (Message("system", "Responde siempre en español, por favor."),)
    answer = engine.answer("What colour should I avoid wearing to a wedding?", history=history)
    assert answer.language == "es" and answer.passed
    if answer.backend == "extractive":
        assert answer.fallback is not None
        # The pack asks where the wedding is, in Spanish; no English label is left.
        assert f"{line_label('question', 'es')}:" in answer.answer
        assert "Question:" not in answer.answer
    backend.close()


def test_langchain_chat_model_as_backend(seed_retriever: Retriever) -> None:
    pack = seed_retriever.context(PROMPT, k=6)
    first = pack.items[0]
    holder = first.held_by[0].label
    place = first.scope["place"][0]
    scripted = (
        f"Among {holder} in {place}, tipping is handled as the graph records [1]. "
        "Practice differs elsewhere, so ask locally.\n"
        "Variation: Readings differ by country [1][2]."
    )
    chat = GenericFakeChatModel(messages=iter([AIMessage(content=scripted)]))
    answer = Answerer(LangChainBackend(chat)).answer(pack)
    assert answer.backend in ("langchain", "extractive")
    assert answer.citations["1"].iri == first.iri
    # The second sentence cites nothing, so the model's answer is repaired or replaced.
    assert answer.passed


def _geertz(store: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "geertz", "--store", store, *args],
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "COLUMNS": "300", **VECTOR_ENV, **(env or {})},
        timeout=600,
    )


def test_cli_ask_json_batch_and_errors(seed_store: EmbeddedStore, tmp_path: Path) -> None:
    cache = {"GEERTZ_CACHE_DIR": str(tmp_path / "cache")}
    single = _geertz(seed_store.location, "ask", PROMPT, "--json", env=cache)
    assert single.returncode == 0, single.stderr
    answer = json.loads(single.stdout)
    assert answer["backend"] == "extractive" and answer["citations"] and answer["checks"]
    assert all(check["passed"] for check in answer["checks"].values())
    batch = tmp_path / "ask.jsonl"
    batch.write_text(
        '{"id": "a", "prompt": "tipping in Japan"}\n{"id": "b", "prompt": "What should I wear to a wedding?"}\n'
    )
    lines = _geertz(seed_store.location, "ask", "--batch", str(batch), "--json", env=cache)
    assert lines.returncode == 0, lines.stderr
    answers = [json.loads(line) for line in lines.stdout.splitlines()]
    assert [a["id"] for a in answers] == ["a", "b"]
    assert answers[1]["answer"]["clarifying_questions"]
    wrong = _geertz(seed_store.location, "ask", PROMPT, "--backend", "gpt", env=cache)
    assert wrong.returncode != 0 and "choose extractive, openai, local" in wrong.stderr
    unset = _geertz(seed_store.location, "ask", PROMPT, "--backend", "openai", env=cache)
    assert unset.returncode != 0 and "GEERTZ_LLM_URL" in unset.stderr
    assert "Traceback" not in unset.stderr


def test_cli_ask_streams_a_model_answer(seed_store: EmbeddedStore, tmp_path: Path, llm_url: str) -> None:
    env = {
        "GEERTZ_CACHE_DIR": str(tmp_path / "cache"),
        "GEERTZ_LLM_URL": llm_url,
        "GEERTZ_LLM_MAX_TOKENS": "120",
    }
    result = _geertz(seed_store.location, "ask", PROMPT, "--backend", "openai", env=env)
    assert result.returncode == 0, result.stderr
    assert "all checks passed" in result.stdout
    assert "openai:" in result.stdout or "replaced the answer" in result.stderr
