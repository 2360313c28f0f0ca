"""The embedding cache: each distinct text embedded once, kept on disk, and an index
rebuilt after an edit embeds only what is new."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from geertz.graph import EmbeddedStore
from geertz.retrieval.embed import Embedder, Kind
from geertz.retrieval.retriever import Retriever
from geertz.retrieval.vectors import VectorCache

from .conftest import FIXTURES, ONTOLOGY


class CountingEmbedder(Embedder):
    """A stand-in with vectors drawn from each text's digest, counting what it embeds."""

    dimensions: ClassVar[int] = 8
    name: ClassVar[str] = "counting"

    def __init__(self) -> None:
        self.texts: list[tuple[str, Kind]] = []

    def embed_batch(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        self.texts += [(text, kind) for text in texts]
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha1(f"{kind}{text}".encode()).digest()[:4], "big")
            row = np.random.default_rng(seed).normal(size=self.dimensions)
            rows.append(row / np.linalg.norm(row))
        return np.array(rows, dtype=np.float32).reshape(len(texts), self.dimensions)


def test_each_text_is_embedded_once_and_kept_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "vectors.sqlite"
    embedder = CountingEmbedder()
    first = VectorCache(embedder, path).embed(["tea", "coffee", "tea"], "passage")
    assert [t for t, _ in embedder.texts] == ["tea", "coffee"]  # the repeat is embedded once
    assert np.allclose(first[0], first[2])
    # A new cache over the same file (a new process) embeds only what it has not seen.
    embedder.texts.clear()
    cache = VectorCache(embedder, path)
    again = cache.embed(["coffee", "tea", "mate"], "passage")
    assert embedder.texts == [("mate", "passage")] and cache.embedded == 1
    assert np.allclose(again[0], first[1]) and np.allclose(again[1], first[0])
    # A query and a passage of the same text are different vectors.
    cache.embed(["tea"], "query")
    assert embedder.texts[-1] == ("tea", "query")
    assert cache.embed([], "passage").shape == (0, CountingEmbedder.dimensions)


def test_an_unusable_cache_file_warns_and_embeds(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocked = tmp_path / "a-directory"
    blocked.mkdir()
    embedder = CountingEmbedder()
    with caplog.at_level(logging.WARNING):
        vectors = VectorCache(embedder, blocked).embed(["tea"], "passage")
    assert vectors.shape == (1, CountingEmbedder.dimensions)
    assert "cannot use the embedding cache" in caplog.text and str(blocked) in caplog.text
    # A file that is not SQLite is refused the same way, and left as it was.
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database" * 100)
    with caplog.at_level(logging.WARNING):
        VectorCache(embedder, junk).embed(["tea"], "passage")
    assert junk.read_bytes() == b"not a database" * 100


def _store(path: Path) -> EmbeddedStore:
    store = EmbeddedStore(path)
    store.load(ONTOLOGY / "geertz.ttl", graph="https://w3id.org/geertz/graph/ontology")
    store.load(FIXTURES / "nested-scopes.ttl", graph="https://w3id.org/geertz/graph/test")
    return store


_NEW_STATEMENT = """
@prefix gz: <https://w3id.org/geertz#> .
@prefix ex: <https://example.org/nested/> .
ex:interp-new-reading a gz:Interpretation ;
    gz:ofPractice ex:practice ;
    gz:text "A reading added after the index was built."@en .
"""


def test_a_rebuilt_index_embeds_only_new_texts(tmp_path: Path) -> None:
    store = _store(tmp_path / "store")
    embedder = CountingEmbedder()
    first = Retriever.cached(store, tmp_path / "cache", embedder)
    assert (tmp_path / "cache" / "vectors-counting.sqlite").is_file()
    embedded = {text for text, kind in embedder.texts if kind == "passage"}
    statements = {st.text for st in first.snapshot.statements.values()}
    assert statements and statements <= embedded  # a small graph's statements are embedded
    assert first.statement_vectors is not None and len(first.statement_vectors) == len(statements)
    embedder.texts.clear()
    added = tmp_path / "added.ttl"
    added.write_text(_NEW_STATEMENT, encoding="utf-8")
    store.load(added, graph="https://w3id.org/geertz/graph/test")
    second = Retriever.cached(store, tmp_path / "cache", embedder)
    assert (
        second is not first and "https://example.org/nested/interp-new-reading" in second.snapshot.statements
    )
    assert embedder.texts == [("A reading added after the index was built.", "passage")]
    store.close()


def test_statements_of_a_graph_above_the_limit_are_not_embedded(tmp_path: Path) -> None:
    store = _store(None)  # type: ignore[arg-type]
    embedder = CountingEmbedder()
    count = len(Retriever.build(store).snapshot.statements)
    retriever = Retriever.build(store, embedder, statement_limit=count - 1)
    assert retriever.statement_vectors is None and not len(retriever.embedded_positions)
    assert retriever.practice_vectors is not None  # practices are embedded whatever the size
    assert len(Retriever.build(store, embedder, statement_limit=count).embedded_positions) == count
    store.close()
