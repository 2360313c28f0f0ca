"""The curated public surface, pinned, and settings read from GEERTZ_* variables."""

from __future__ import annotations

from pathlib import Path

import pytest

import geertz
from geertz.config import Settings
from geertz.errors import ConfigError, GeertzError, RDFSyntaxError
from geertz.graph import EmbeddedStore, RemoteStore, open_store

EXPECTED = {
    "ConfigError",
    "ContextEngine",
    "Answerer",
    "LLMBackend",
    "LLMError",
    "LLMTimeout",
    "LLMUnavailable",
    "Message",
    "ThickAnswer",
    "ContextPack",
    "EmbeddedStore",
    "Finding",
    "GeertzError",
    "GraphStore",
    "LoadError",
    "QueryError",
    "QueryTimeout",
    "RDFSyntaxError",
    "ReadOnlyStoreError",
    "ReasonerUnavailable",
    "RemoteStore",
    "Retriever",
    "Settings",
    "StoreError",
    "StoreUnavailable",
    "Transaction",
    "UnsupportedOperation",
    "ValidationReport",
    "__version__",
    "get_settings",
    "open_store",
    "validate",
}


def test_exported_members_are_pinned() -> None:
    assert set(geertz.__all__) == EXPECTED
    for name in geertz.__all__:
        assert hasattr(geertz, name), name


def test_every_error_shares_one_base() -> None:
    import geertz.errors as errors

    for name in errors.__all__:
        assert issubclass(getattr(errors, name), GeertzError)


def test_syntax_error_message_names_file_line_and_column() -> None:
    exc = RDFSyntaxError("a dot is expected", path="data/x.ttl", line=3, column=7)
    assert str(exc) == "data/x.ttl:3:7: a dot is expected"


def test_settings_come_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEERTZ_STORE", "memory:")
    monkeypatch.setenv("GEERTZ_QUERY_TIMEOUT", "5")
    settings = Settings()
    assert settings.store == "memory:" and settings.query_timeout == 5
    monkeypatch.setenv("GEERTZ_QUERY_TIMEOUT", "-1")
    with pytest.raises(ValueError, match="query_timeout"):
        Settings()


def test_open_store_dispatches_on_the_spec(tmp_path: Path) -> None:
    settings = Settings(store="memory:")
    assert isinstance(open_store(settings=settings), EmbeddedStore)
    assert isinstance(open_store(str(tmp_path / "s"), settings=settings), EmbeddedStore)
    remote = open_store("http://127.0.0.1:9/sparql", settings=settings)
    assert isinstance(remote, RemoteStore) and remote.update_url == "http://127.0.0.1:9/sparql"
    assert open_store("http://h/ds/query", settings=settings).update_url == "http://h/ds/update"  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match="unknown store"):
        open_store("bolt://example.org", settings=settings)


def test_layers_import_one_way_only() -> None:
    """graph -> retrieval -> generation -> api/cli: no lower layer imports a higher one."""
    root = Path(geertz.__file__).parent
    order = ["graph", "retrieval", "generation", "api"]
    for index, layer in enumerate(order):
        higher = [*order[index + 1 :], "cli"]
        for module in (root / layer).rglob("*.py"):
            text = module.read_text(encoding="utf-8")
            for name in higher:
                assert f"geertz.{name}" not in text, f"{module} imports geertz.{name}"
