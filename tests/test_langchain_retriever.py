"""GeertzRetriever: LangChain's standard retriever tests, in-process over the seed store
and against a real uvicorn serving the geertz API; then what only geertz promises
(metadata, missing context, restricted knowledge, errors)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_tests.integration_tests import RetrieversIntegrationTests

from geertz.api import create_app
from geertz.config import Settings
from geertz.engine import ContextEngine
from geertz.errors import ConfigError, GeertzError
from geertz.graph import EmbeddedStore
from geertz.integrations.langchain import GeertzRetriever
from geertz.retrieval.retriever import Retriever

from .api_server import running
from .conftest import free_port

PROMPT = "How much should I tip at a restaurant in Tokyo?"
RESTRICTED_PROMPT = "Which foods are forbidden under Aboriginal customary law?"
KEYS = {"k": "reader", "restricted-k": {"role": "reader", "restricted": True}}


@pytest.fixture(scope="module")
def engine(seed_store: EmbeddedStore, seed_retriever: Retriever) -> ContextEngine:
    # Not closed here: closing the engine would close the session's seed store.
    return ContextEngine(seed_store, seed_retriever)


@pytest.fixture(scope="module")
def base(engine: ContextEngine) -> Iterator[str]:
    """A real uvicorn serving the seed engine, open only to the keys in KEYS."""
    settings = Settings(store=engine.store.location, api_keys=KEYS, api_anonymous_read=False)  # type: ignore[arg-type]
    with running(create_app(settings, engine=engine)) as url:
        yield url


class TestStandardInProcess(RetrieversIntegrationTests):
    @pytest.fixture(autouse=True)
    def _engine(self, engine: ContextEngine) -> None:
        self.engine = engine

    @property
    def retriever_constructor(self) -> type[GeertzRetriever]:
        return GeertzRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"engine": self.engine}

    @property
    def retriever_query_example(self) -> str:
        return PROMPT


class TestStandardRemote(RetrieversIntegrationTests):
    @pytest.fixture(autouse=True)
    def _server(self, base: str) -> None:
        self.base = base

    @property
    def retriever_constructor(self) -> type[GeertzRetriever]:
        return GeertzRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"url": self.base, "api_key": "k"}

    @property
    def retriever_query_example(self) -> str:
        return PROMPT


# -- what a Document carries ---------------------------------------------------------


def test_documents_carry_scope_holders_and_sources(engine: ContextEngine) -> None:
    docs = GeertzRetriever(engine=engine, k=4).invoke(PROMPT)
    pack = engine.context(PROMPT, k=4)
    assert [doc.id for doc in docs] == [item.iri for item in pack.items]
    first, item = docs[0], pack.items[0]
    assert first.page_content == item.text
    assert set(first.metadata) == {
        "iri", "kind", "label", "practice", "practice_label", "scope", "held_by",
        "sources", "evidence", "applies", "score", "identifiers", "why",
    }  # fmt: skip
    assert first.metadata["kind"] in ("interpretation", "norm") and first.metadata["applies"] is True
    assert "Japan" in first.metadata["scope"]["place"]
    assert first.metadata["held_by"] == [cue.label for cue in item.held_by] and first.metadata["held_by"]
    assert all(source.startswith("https://") for source in first.metadata["sources"])
    assert "Tokyo" in first.metadata["why"]
    for doc in docs:
        assert json.loads(json.dumps(doc.metadata)) == doc.metadata


def test_missing_context_becomes_extra_documents(engine: ContextEngine) -> None:
    prompt = "What colour should I avoid wearing to a wedding?"
    plain = GeertzRetriever(engine=engine, k=3).invoke(prompt)
    docs = GeertzRetriever(engine=engine, k=3, include_missing=True).invoke(prompt)
    assert docs[:3] == plain and len(docs) > 3
    gaps = docs[3:]
    assert all(doc.metadata["kind"] == "missing" for doc in gaps)
    assert gaps[0].metadata == {"kind": "missing", "facet": "place"}
    assert gaps[0].page_content.startswith("Where is this happening")


def test_per_call_turns_and_user_context(engine: ContextEngine) -> None:
    retriever = GeertzRetriever(engine=engine, k=2)
    earlier = retriever.invoke("And tipping there?", messages=["We are in Tokyo."])
    assert len(earlier) == 2 and all("Japan" in doc.metadata["scope"].get("place", []) for doc in earlier)
    located = GeertzRetriever(engine=engine, k=2, user_context={"location": "Tokyo"}).invoke("Should I tip?")
    assert "Japan" in located[0].metadata["scope"]["place"]


def test_restricted_knowledge_only_when_allowed(engine: ContextEngine, base: str) -> None:
    def iris(retriever: GeertzRetriever) -> set[str]:
        return {str(doc.id) for doc in retriever.invoke(RESTRICTED_PROMPT)}

    restricted = "https://w3id.org/geertz/id/interp-bush-food-law-restricted"
    assert restricted not in iris(GeertzRetriever(engine=engine, k=10))
    assert restricted in iris(GeertzRetriever(engine=engine, k=10, allow_restricted=True))
    assert restricted not in iris(GeertzRetriever(url=base, api_key="k", k=10))
    assert restricted in iris(GeertzRetriever(url=base, api_key="restricted-k", k=10))


# -- remote: the same Documents, sync and async --------------------------------------


def test_remote_matches_in_process(engine: ContextEngine, base: str) -> None:
    local = GeertzRetriever(engine=engine, k=4, include_missing=True)
    remote = GeertzRetriever(url=base + "/", api_key="k", k=4, include_missing=True)
    for prompt in (PROMPT, "What colour should I avoid wearing to a wedding?"):
        assert remote.invoke(prompt) == local.invoke(prompt)


async def test_remote_async_with_per_call_arguments(engine: ContextEngine, base: str) -> None:
    remote = GeertzRetriever(url=base, api_key="k")
    docs = await remote.ainvoke("And tipping there?", k=2, messages=["We are in Tokyo."])
    local = await GeertzRetriever(engine=engine).ainvoke(
        "And tipping there?", k=2, messages=["We are in Tokyo."]
    )
    assert docs == local and len(docs) == 2
    assert all("Japan" in doc.metadata["scope"]["place"] for doc in docs)


async def test_remote_async_wrong_key_is_a_config_error(base: str) -> None:
    with pytest.raises(ConfigError, match=r"HTTP 401.*unknown API key.*check the api_key"):
        await GeertzRetriever(url=base, api_key="wrong").ainvoke(PROMPT)
    with pytest.raises(ConfigError, match=r"needs an API key.*give GeertzRetriever an api_key"):
        await GeertzRetriever(url=base).ainvoke(PROMPT)


def test_remote_wrong_key_is_a_config_error(base: str) -> None:
    with pytest.raises(ConfigError, match=r"HTTP 401.*unknown API key.*check the api_key") as caught:
        GeertzRetriever(url=base, api_key="wrong").invoke(PROMPT)
    assert "wrong" not in str(caught.value)  # the key itself is not echoed


def test_remote_keeps_the_servers_message(base: str) -> None:
    with pytest.raises(GeertzError, match=r"HTTP 422: k: Input should be less than or equal to 100"):
        GeertzRetriever(url=base, api_key="k").invoke(PROMPT, k=1000)
    with pytest.raises(GeertzError, match="HTTP 404"):
        GeertzRetriever(url=f"{base}/nowhere", api_key="k").invoke(PROMPT)


async def test_unreachable_server() -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(GeertzError, match=r"cannot reach geertz at .*is `geertz serve` running"):
        GeertzRetriever(url=closed).invoke(PROMPT)
    with pytest.raises(GeertzError, match="cannot reach geertz"):
        await GeertzRetriever(url=closed).ainvoke(PROMPT)


# -- setup errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        pytest.param({}, r"exactly one of engine= .* or url=.*got neither", id="neither"),
        pytest.param({"url": "ftp://example.org"}, "'ftp://example.org' is not an http", id="not-http"),
        pytest.param(
            {"url": "http://127.0.0.1:1", "allow_restricted": True},
            "allow_restricted works only",
            id="restricted-remote",
        ),
    ],
)
def test_bad_setup_is_a_config_error(params: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        GeertzRetriever(**params)


def test_engine_and_url_together_is_a_config_error(engine: ContextEngine) -> None:
    with pytest.raises(ConfigError, match="got both"):
        GeertzRetriever(engine=engine, url="http://127.0.0.1:1")
    with pytest.raises(ConfigError, match="api_key is sent only to a remote geertz"):
        GeertzRetriever(engine=engine, api_key="k")
