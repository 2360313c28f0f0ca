"""The REST API on a real uvicorn, called with real clients: httpx, the official
openai client and LangChain's ChatOpenAI; schemathesis against its OpenAPI schema."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from langchain_openai import ChatOpenAI
from openai import OpenAI
from schemathesis.checks import not_a_server_error

from geertz.api import create_app
from geertz.config import Settings
from geertz.engine import ContextEngine
from geertz.graph import EmbeddedStore
from geertz.retrieval.retriever import Retriever

from .api_server import running

PROMPT = "How much should I tip at a restaurant in Tokyo?"


@pytest.fixture(scope="module")
def engine(seed_store: EmbeddedStore, seed_retriever: Retriever) -> ContextEngine:
    return ContextEngine(seed_store, seed_retriever)


@pytest.fixture(scope="module")
def base(engine: ContextEngine) -> Iterator[str]:
    settings = Settings(
        store=engine.store.location, api_max_request_bytes=20_000, api_cors_origins=["https://app.example"]
    )
    with running(create_app(settings, engine=engine)) as url:
        yield url


@pytest.fixture(scope="module")
def locked(engine: ContextEngine) -> Iterator[str]:
    """A server that needs keys: r (reader), rr (reader who may see restricted), a (admin)."""
    keys = {"r": "reader", "rr": {"role": "reader", "restricted": True}, "a": "admin"}
    settings = Settings(store=engine.store.location, api_keys=keys, api_anonymous_read=False)  # type: ignore[arg-type]
    with running(create_app(settings, engine=engine)) as url:
        yield url


def test_health_readiness_and_metrics(base: str) -> None:
    assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{base}/readyz").json()
    assert ready["status"] == "ready" and ready["statements"] > 500
    httpx.post(f"{base}/v1/context", json={"prompt": PROMPT})
    metrics = httpx.get(f"{base}/metrics").text
    assert 'geertz_http_requests_total{method="POST",route="/v1/context",status="200"}' in metrics
    assert "geertz_http_request_seconds_bucket" in metrics


def test_context_returns_the_pack(base: str) -> None:
    response = httpx.post(
        f"{base}/v1/context", json={"prompt": "And tipping there?", "messages": ["We are in Tokyo."], "k": 4}
    )
    assert response.status_code == 200
    pack = response.json()
    assert set(pack) == {
        "prompt",
        "language",
        "frame",
        "items",
        "variations",
        "missing",
        "coverage",
        "excluded",
        "timing_ms",
    }
    assert "Tokyo" in [cue["label"] for cue in pack["frame"]["place"]] and 1 <= len(pack["items"]) <= 4
    assert pack["coverage"]["verdict"] == "covered"
    assert all(0 <= item["relevance"] <= 1 and item["role"] for item in pack["items"])


def test_bad_requests_get_clear_json_errors(base: str) -> None:
    missing = httpx.post(f"{base}/v1/context", json={"k": 3})
    assert missing.status_code == 422
    assert "prompt: Field required" in missing.json()["error"]["message"]
    assert httpx.post(f"{base}/v1/context", json={"prompt": "x", "k": 1000}).status_code == 422
    broken = httpx.post(
        f"{base}/v1/context", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert broken.status_code == 422 and "error" in broken.json()
    assert httpx.get(f"{base}/v1/nothing-here").json()["error"]["type"] == "not_found_error"
    big = httpx.post(f"{base}/v1/context", json={"prompt": "x" * 30_000})
    assert big.status_code == 413 and "GEERTZ_API_MAX_REQUEST_BYTES" in big.json()["error"]["message"]
    no_model = httpx.post(
        f"{base}/v1/chat/completions",
        json={"model": "geertz-openai", "messages": [{"role": "user", "content": "hi"}]},
    )
    assert no_model.status_code == 400 and "GEERTZ_LLM_URL" in no_model.json()["error"]["message"]
    for response in (missing, broken, big, no_model):
        assert "Traceback" not in response.text


def test_answer_whole_and_streamed(base: str) -> None:
    answer = httpx.post(f"{base}/v1/answer", json={"prompt": PROMPT}, timeout=60).json()
    assert answer["backend"] == "extractive" and answer["citations"]
    assert all(check["passed"] for check in answer["checks"].values())
    events = []
    with httpx.stream(
        "POST", f"{base}/v1/answer", json={"prompt": PROMPT, "stream": True}, timeout=60
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("event:"):
                events.append(line.split(":", 1)[1].strip())
            elif line.startswith("data:") and events[-1] == "answer":
                final = json.loads(line[5:])
    assert events[0] == "delta" and events[-1] == "answer" and final["citations"] == answer["citations"]


def test_openai_client_works_unchanged(base: str) -> None:
    client = OpenAI(base_url=f"{base}/v1", api_key="not-needed")
    assert {"geertz", "geertz-extractive"} <= {m.id for m in client.models.list()}
    reply = client.chat.completions.create(
        model="geertz",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "We are travelling to Japan."},
            {"role": "assistant", "content": "Noted."},
            {"role": "user", "content": "How much should we tip at restaurants there?"},
        ],
    )
    content = reply.choices[0].message.content or ""
    assert "[1]" in content and "Sources:" in content
    extra = reply.model_extra or {}
    assert extra["geertz"]["citations"]["1"]["iri"].startswith("https://w3id.org/geertz/id/")
    assert extra["geertz"]["citations"]["1"]["label"] in content
    stream = client.chat.completions.create(
        model="geertz", messages=[{"role": "user", "content": PROMPT}], stream=True
    )
    chunks = list(stream)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert "[1]" in text and "Sources:" in text
    assert (
        chunks[-1].choices[0].finish_reason == "stop"
        and (chunks[-1].model_extra or {})["geertz"]["citations"]
    )


def test_langchain_chat_openai_works_unchanged(base: str) -> None:
    chat = ChatOpenAI(base_url=f"{base}/v1", api_key="not-needed", model="geertz")  # type: ignore[arg-type]
    assert "Sources:" in str(chat.invoke(PROMPT).content)
    assert "[1]" in "".join(str(chunk.content) for chunk in chat.stream(PROMPT))


def test_keys_roles_and_restricted_knowledge(locked: str, engine: ContextEngine) -> None:
    restricted = next(
        s for s in engine.retriever.snapshot.statements.values() if s.sensitivity == "restricted"
    )
    prompt = engine.retriever.snapshot.label(restricted.practice or "") + " " + restricted.text[:80]
    body = {"prompt": prompt, "k": 50}
    assert httpx.post(f"{locked}/v1/context", json=body).status_code == 401
    assert (
        httpx.post(f"{locked}/v1/context", json=body, headers={"Authorization": "Bearer nope"}).status_code
        == 401
    )
    reader = httpx.post(f"{locked}/v1/context", json=body, headers={"Authorization": "Bearer r"}).json()
    assert restricted.iri not in {i["iri"] for i in reader["items"]} and reader["excluded"] >= 1
    allowed = httpx.post(f"{locked}/v1/context", json=body, headers={"X-API-Key": "rr"}).json()
    assert restricted.iri in {i["iri"] for i in allowed["items"]}
    forbidden = httpx.post(f"{locked}/v1/admin/reload", headers={"Authorization": "Bearer r"})
    assert forbidden.status_code == 403 and "admin" in forbidden.json()["error"]["message"]


def test_cors_is_configurable(base: str) -> None:
    preflight = httpx.options(
        f"{base}/v1/context",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.headers.get("access-control-allow-origin") == "https://app.example"
    other = httpx.options(
        f"{base}/v1/context",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in other.headers


def test_no_generated_input_makes_a_server_error(base: str) -> None:
    """schemathesis generates requests for every operation of /openapi.json; none may get a 5xx."""
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def no_server_error(case: schemathesis.Case) -> None:
            case.call_and_validate(base_url=base, checks=[not_a_server_error], timeout=60)

        no_server_error()
