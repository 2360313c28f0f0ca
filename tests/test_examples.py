"""examples/*.py run for real, as a user would run them: in a subprocess, over the seed
store, the API ones against a real uvicorn."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from geertz.api import create_app
from geertz.config import Settings
from geertz.engine import ContextEngine
from geertz.graph import EmbeddedStore
from geertz.retrieval.retriever import Retriever

from .api_server import running
from .conftest import ROOT, VECTOR_ENV, free_port

EXAMPLES = ROOT / "examples"
KEY = "example-key"


@pytest.fixture(scope="module")
def base(seed_store: EmbeddedStore, seed_retriever: Retriever) -> Iterator[str]:
    """geertz serving the seed store, open only to KEY."""
    engine = ContextEngine(seed_store, seed_retriever)
    settings = Settings(store=seed_store.location, api_keys={KEY: "reader"}, api_anonymous_read=False)  # type: ignore[arg-type]
    with running(create_app(settings, engine=engine)) as url:
        yield url


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One retrieval cache for the example runs, so only the first builds the index."""
    return tmp_path_factory.mktemp("example-cache")


def run_example(name: str, *args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **VECTOR_ENV, **env},
        cwd=cwd,
        timeout=600,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_langchain_chain_offline(seed_store: EmbeddedStore, cache: Path, tmp_path: Path) -> None:
    question = "What colour should I avoid wearing to a wedding?"
    result = run_example(
        "langchain_chain.py",
        "--store",
        seed_store.location,
        question,
        env={"GEERTZ_CACHE_DIR": str(cache)},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"Question: {question}" in out
    assert "Grounded context from geertz" in out and "[1] " in out and "[4] " in out
    assert "held by: guests at white weddings in Britain and the United States" in out
    assert "https://en.wikipedia.org/wiki/White_wedding" in out
    assert "Open question: Where is this happening" in out
    assert "Answer (FakeListChatModel):\n(A fake chat model wrote this" in out


def test_langchain_chain_with_chat_openai(
    seed_store: EmbeddedStore, base: str, cache: Path, tmp_path: Path
) -> None:
    # geertz's own OpenAI-compatible endpoint serves as the "real" chat model.
    env = {
        "GEERTZ_CACHE_DIR": str(cache),
        "GEERTZ_EXAMPLE_OPENAI_URL": f"{base}/v1",
        "GEERTZ_EXAMPLE_OPENAI_MODEL": "geertz",
        "GEERTZ_EXAMPLE_OPENAI_KEY": KEY,
    }
    result = run_example(
        "langchain_chain.py", "--store", seed_store.location, "-k", "2", env=env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    context, answer = result.stdout.split("Answer (ChatOpenAI):")
    assert "held by: restaurant, hotel and taxi staff in Japan" in context and "[3] " not in context
    assert "[1]" in answer and "Sources:" in answer and "<https://" in answer


def test_langchain_chain_without_a_store(tmp_path: Path) -> None:
    result = run_example("langchain_chain.py", "--store", str(tmp_path / "nothing"), env={}, cwd=tmp_path)
    assert result.returncode == 1 and "error: no store at" in result.stderr


def test_openai_client_whole_and_streamed(base: str, tmp_path: Path) -> None:
    result = run_example("openai_client.py", base, env={"GEERTZ_API_KEY": KEY}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    whole, streamed = result.stdout.split("== Streamed reply ==")
    for part in (whole, streamed):
        assert "Citations:\n  [1] https://w3id.org/geertz/id/" in part
        assert "held by restaurant, hotel and taxi staff in Japan" in part
        assert "      source: " in part and " https://" in part.split("Citations:")[1]
        assert "Checks: all passed" in part and "Backend: extractive" in part
    assert whole.startswith("== Whole reply ==\n") and "Sources:\n[1] " in whole
    # Both replies answer the same prompt from the same graph.
    assert whole.split("\n", 1)[1].split("Citations:")[0].strip() == streamed.split("Citations:")[0].strip()


def test_openai_client_errors(base: str, tmp_path: Path) -> None:
    wrong = run_example("openai_client.py", base, env={"GEERTZ_API_KEY": "wrong"}, cwd=tmp_path)
    assert wrong.returncode == 1
    assert wrong.stderr.startswith("error: geertz answered HTTP 401: unknown API key")
    closed = f"http://127.0.0.1:{free_port()}"
    down = run_example("openai_client.py", closed, env={}, cwd=tmp_path)
    assert down.returncode == 1 and f"cannot reach geertz at {closed}" in down.stderr
