"""The language-model backends against real models: llama.cpp's OpenAI-compatible
server and llama.cpp in-process, both running the bundled SmolLM2-135M, and
LangChain's fake chat model."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest

from geertz.config import Settings
from geertz.errors import ConfigError, LLMError, LLMTimeout, LLMUnavailable
from geertz.generation.backend import ChatRequest, LLMBackend, Message
from geertz.generation.backends import LangChainBackend, LocalBackend, OpenAIBackend, bundled_model_path

from .conftest import free_port
from .llm_server import bundled_gguf, llama_server, require_llama_cpp

CAPITAL = ChatRequest(
    messages=(
        Message("system", "You are a helpful assistant. Answer in one short sentence."),
        Message("user", "What is the capital of France?"),
    ),
    max_tokens=16,
)

Call = Callable[[LLMBackend, ChatRequest], str]


def _complete(backend: LLMBackend, request: ChatRequest) -> str:
    return backend.complete(request)


def _stream(backend: LLMBackend, request: ChatRequest) -> str:
    return "".join(backend.stream(request))


BOTH_CALLS = pytest.mark.parametrize("call", [_complete, _stream], ids=["complete", "stream"])


# -- OpenAIBackend against llama.cpp's server --------------------------------------


@pytest.fixture(scope="module")
def llm_url() -> Iterator[str]:
    with llama_server() as url:
        yield url


@pytest.fixture(scope="module")
def openai_backend(llm_url: str) -> Iterator[OpenAIBackend]:
    backend = OpenAIBackend(llm_url)
    try:
        yield backend
    finally:
        backend.close()


def test_openai_complete_answers(openai_backend: OpenAIBackend) -> None:
    assert openai_backend.complete(CAPITAL).strip()


def test_openai_stream_yields_pieces(openai_backend: OpenAIBackend) -> None:
    chunks = list(openai_backend.stream(CAPITAL))
    assert len(chunks) >= 2
    assert all(isinstance(chunk, str) and chunk for chunk in chunks)
    assert "".join(chunks).strip()


def test_openai_asks_for_the_first_listed_model(openai_backend: OpenAIBackend, llm_url: str) -> None:
    listed = httpx.get(f"{llm_url}/models").json()["data"]
    assert openai_backend.model == listed[0]["id"]


def test_openai_accepts_a_trailing_slash(llm_url: str) -> None:
    with closing(OpenAIBackend(llm_url + "/", model="smollm2")) as backend:
        assert backend.url == llm_url
        assert backend.complete(CAPITAL).strip()


@BOTH_CALLS
def test_openai_unreachable_server_is_unavailable(call: Call) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    with closing(OpenAIBackend(url, timeout=5)) as backend, pytest.raises(LLMUnavailable) as caught:
        call(backend, CAPITAL)
    assert "GEERTZ_LLM_URL" in str(caught.value)
    assert url in str(caught.value)
    assert caught.value.backend == "openai"
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


@BOTH_CALLS
def test_openai_wrong_path_is_an_error(llm_url: str, call: Call) -> None:
    nowhere = OpenAIBackend(llm_url.removesuffix("/v1") + "/nowhere")
    with closing(nowhere), pytest.raises(LLMError, match="HTTP 404") as caught:
        call(nowhere, CAPITAL)
    assert "/nowhere/chat/completions" in str(caught.value)
    assert not isinstance(caught.value, LLMUnavailable)


@BOTH_CALLS
def test_openai_passes_on_the_servers_complaint(openai_backend: OpenAIBackend, call: Call) -> None:
    # llama.cpp's server refuses an unknown role (with HTTP 500, not 422); its words reach the caller.
    bad = ChatRequest(messages=(Message("narrator", "Once upon a time"),))  # type: ignore[arg-type]
    with pytest.raises(LLMError, match=r"HTTP [45]\d\d: .*narrator"):
        call(openai_backend, bad)


def test_openai_prompt_longer_than_the_context(openai_backend: OpenAIBackend) -> None:
    # The server refuses it with HTTP 400 when asked for one answer, but sends an empty stream
    # (no error, no [DONE]) when asked to stream; both must reach the caller as errors.
    huge = ChatRequest(messages=(Message("user", "word " * 5000),), max_tokens=5)
    with pytest.raises(LLMError, match=r"HTTP 400: .*context length"):
        openai_backend.complete(huge)
    with pytest.raises(LLMError, match=r"ended the answer stream early \(after 0 pieces"):
        list(openai_backend.stream(huge))


def test_openai_timeout(llm_url: str) -> None:
    impatient = OpenAIBackend(llm_url, model="smollm2", timeout=0.001)
    with closing(impatient), pytest.raises(LLMTimeout, match="GEERTZ_LLM_TIMEOUT"):
        impatient.complete(CAPITAL)


def test_openai_from_settings_needs_a_url() -> None:
    with pytest.raises(ConfigError, match="GEERTZ_LLM_URL"):
        OpenAIBackend.from_settings(Settings(_env_file=None, llm_backend="openai", llm_url=None))


def test_openai_from_settings() -> None:
    settings = Settings(_env_file=None, llm_url="http://llm.test/v1/", llm_model="m", llm_timeout=7)
    with closing(OpenAIBackend.from_settings(settings)) as backend:
        assert (backend.url, backend.model, backend.timeout) == ("http://llm.test/v1", "m", 7)


def test_openai_sends_key_and_request() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"choices": [{"message": {"role": "assistant", "content": "ok"}}]})

    transport = httpx.MockTransport(answer)
    backend = OpenAIBackend("http://llm.test/v1", "m", api_key="sk-test", transport=transport)
    assert backend.complete(CAPITAL) == "ok"
    (request,) = seen
    assert str(request.url) == "http://llm.test/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test"
    assert json.loads(request.content) == {
        "model": "m",
        "messages": [{"role": m.role, "content": m.content} for m in CAPITAL.messages],
        "max_tokens": 16,
        "temperature": 0.0,
        "stream": False,
    }


def test_openai_rejects_a_url_without_a_scheme() -> None:
    with pytest.raises(ConfigError, match=r"127\.0\.0\.1:8080"):
        OpenAIBackend("127.0.0.1:8080/v1")


# Responses no real server should send, through httpx's mock transport.


def _fake_server(body: bytes, content_type: str = "application/json") -> OpenAIBackend:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": content_type})

    return OpenAIBackend("http://llm.test/v1", model="m", transport=httpx.MockTransport(answer))


@pytest.mark.parametrize(
    "body",
    [b"<html>not json</html>", b'{"choices": []}', b'{"choices": [{"message": {"content": null}}]}'],
    ids=["html", "no-choices", "null-content"],
)
def test_openai_malformed_completion_is_an_error(body: bytes) -> None:
    with pytest.raises(LLMError, match="not an OpenAI chat completion"):
        _fake_server(body).complete(CAPITAL)


def _events(*events: str) -> bytes:
    return "".join(f"{event}\n\n" for event in events).encode()


def test_openai_stream_skips_comments_and_empty_deltas() -> None:
    body = _events(
        ": keep-alive",
        'data: {"choices": [{"delta": {"role": "assistant"}}]}',
        'data: {"choices": [{"delta": {"content": "Par"}}]}',
        'data:{"choices": [{"delta": {"content": "is"}}]}',
        'data: {"choices": [], "usage": {"total_tokens": 3}}',
        "data: [DONE]",
        'data: {"choices": [{"delta": {"content": "after the end"}}]}',
    )
    assert list(_fake_server(body, "text/event-stream").stream(CAPITAL)) == ["Par", "is"]


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ("data: {not json", "unreadable event"),
        ('data: {"error": {"message": "out of memory"}}', "out of memory"),
        ('data: {"choices": ["oops"]}', "unexpected event"),
        ("", r"without \[DONE\]"),
    ],
    ids=["bad-json", "error-event", "bad-choice", "no-done"],
)
def test_openai_stream_bad_events_are_errors(event: str, message: str) -> None:
    body = _events('data: {"choices": [{"delta": {"content": "Par"}}]}', event)
    with pytest.raises(LLMError, match=message):
        list(_fake_server(body, "text/event-stream").stream(CAPITAL))


# -- LocalBackend: llama.cpp in-process -------------------------------------------


@pytest.fixture(scope="module")
def local_backend() -> Iterator[LocalBackend]:
    require_llama_cpp()
    backend = LocalBackend()
    try:
        yield backend
    finally:
        backend.close()


def test_bundled_model_is_found() -> None:
    assert bundled_model_path() == bundled_gguf()


def test_local_complete_answers(local_backend: LocalBackend) -> None:
    assert local_backend.complete(CAPITAL).strip()


def test_local_stream_yields_pieces(local_backend: LocalBackend) -> None:
    chunks = list(local_backend.stream(CAPITAL))
    assert len(chunks) >= 2
    assert "".join(chunks).strip()


def test_local_missing_model_file(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path / "absent.gguf")
    with pytest.raises(LLMUnavailable, match="GEERTZ_LLM_MODEL_PATH"):
        backend.complete(CAPITAL)


def test_local_without_llama_cpp_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # makes the import fail
    with pytest.raises(LLMUnavailable, match=r"pip install 'geertz\[local\]'") as caught:
        LocalBackend().complete(CAPITAL)
    assert isinstance(caught.value.__cause__, ImportError)


# -- LangChainBackend with langchain-core's fake chat model -------------------------


class _Recorder:
    """Collects the messages a chat model is started with, through LangChain's callbacks."""

    def __init__(self) -> None:
        from langchain_core.callbacks import BaseCallbackHandler

        received: list[list[Any]] = []

        class Handler(BaseCallbackHandler):
            def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
                received.extend(messages)

        self.handler = Handler()
        self.received = received


def test_langchain_complete_and_message_roles() -> None:
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    recorder = _Recorder()
    model = GenericFakeChatModel(
        messages=iter([AIMessage("Paris is the capital.")]), callbacks=[recorder.handler]
    )
    request = ChatRequest(
        messages=(
            Message("system", "Be brief."),
            Message("user", "Capital of France?"),
            Message("assistant", "Paris."),
            Message("user", "And its river?"),
        )
    )
    assert LangChainBackend(model).complete(request) == "Paris is the capital."
    (sent,) = recorder.received
    assert [type(message) for message in sent] == [SystemMessage, HumanMessage, AIMessage, HumanMessage]
    assert [message.content for message in sent] == [m.content for m in request.messages]


def test_langchain_stream() -> None:
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    model = GenericFakeChatModel(messages=iter([AIMessage("Paris is the capital.")]))
    chunks = list(LangChainBackend(model).stream(CAPITAL))
    assert len(chunks) >= 2
    assert "".join(chunks) == "Paris is the capital."


def test_langchain_list_model() -> None:
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    backend = LangChainBackend(FakeListChatModel(responses=["first", "second"]))
    assert backend.complete(CAPITAL) == "first"
    assert "".join(backend.stream(CAPITAL)) == "second"


def test_langchain_without_langchain_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "langchain_core", None)
    with pytest.raises(LLMUnavailable, match="pip install langchain-core"):
        LangChainBackend(object())  # type: ignore[arg-type]


def test_langchain_failure_is_an_llm_error() -> None:
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    model = FakeListChatModel(responses=["boom"], error_on_chunk_number=0)
    with pytest.raises(LLMError, match="FakeListChatModel failed") as caught:
        list(LangChainBackend(model).stream(CAPITAL))
    assert caught.value.backend == "langchain"
    assert caught.value.__cause__ is not None
