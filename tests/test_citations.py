"""Sources a reader can check: each citation carries its statement's practice, holders,
scope and evidence, into the ThickAnswer, the chat reply, the CLI, the LangChain
Documents and GET /v1/statements/{id}."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import httpx
import pytest
from pyoxigraph import RdfFormat, parse
from rich.console import Console

from geertz import cli
from geertz.api import create_app
from geertz.api.routes.chat import with_sources
from geertz.config import Settings
from geertz.engine import ContextEngine
from geertz.generation import Citation, ThickAnswer, parse_answer, verify
from geertz.generation.answer import source_text
from geertz.graph import EmbeddedStore
from geertz.integrations.langchain import pack_documents
from geertz.retrieval.pack import ContextPack, FrameCue, PackItem, Source
from geertz.retrieval.retriever import Retriever
from geertz.retrieval.snapshot import Statement
from geertz.vocab import GZ

from .api_server import running

EX = "https://example.org/cite/"
PROMPT = "How much should I tip at a restaurant in Tokyo?"
GUIDE = Source(iri=EX + "evidence-guide", title="Tipping guide", url="https://example.org/tipping")
SURVEY = Source(iri=EX + "evidence-survey", title="Tipping survey", citation="Survey Centre (2023). Tipping.")


def _item(name: str, holder: str, evidence: list[Source]) -> PackItem:
    return PackItem(
        iri=EX + name,
        kind="interpretation",
        label=f"{name} statement",
        practice=EX + "practice-tipping",
        practice_label="Tipping in restaurants",
        text=f"What {holder} say about tipping.",
        score=1.0,
        applies=True,
        held_by=[FrameCue(iri=EX + holder.replace(" ", "-"), label=holder, matched_text="")],
        scope={"place": ["United States"], "setting": ["a restaurant"]},
        evidence=evidence,
        why="test",
    )


DINERS = _item("diners", "US diners", [GUIDE, SURVEY])
SERVERS = _item("servers", "US servers", [])
PACK = ContextPack(prompt="How much should I tip in Chicago?", items=[DINERS, SERVERS])
TEXT = "Among US diners in the United States, tips run high [1]. US servers rely on them [2] [7]."


# -- the ThickAnswer -----------------------------------------------------------------


def test_citations_carry_practice_holders_scope_and_sources() -> None:
    answer = parse_answer(TEXT, PACK, "test")
    first = answer.citations["1"]
    assert first == Citation(
        iri=DINERS.iri,
        label="Tipping in restaurants",
        held_by=["US diners"],
        scope="place: United States; setting: a restaurant",
        sources=[GUIDE, SURVEY],
    )
    assert first.valid and answer.citations["2"].sources == []
    assert ThickAnswer.model_validate_json(answer.model_dump_json()) == answer
    dumped = answer.model_dump(mode="json")["citations"]["1"]
    assert dumped["sources"][0] == {
        "iri": GUIDE.iri,
        "title": "Tipping guide",
        "url": GUIDE.url,
        "citation": None,
    }


def test_a_number_outside_the_pack_is_an_invalid_citation() -> None:
    answer = verify(parse_answer(TEXT, PACK, "test"), PACK)
    assert answer.citations["7"] == Citation(iri="invalid:7", valid=False)
    assert not answer.checks["cites_sources"].passed
    assert "[7]" in answer.checks["cites_sources"].reason
    fixed = verify(parse_answer(TEXT.replace(" [7]", ""), PACK, "test"), PACK)
    assert "7" not in fixed.citations and fixed.checks["cites_sources"].passed


def test_a_reference_names_the_practice_holders_and_each_source() -> None:
    answer = parse_answer(TEXT, PACK, "test")
    assert answer.citations["1"].reference() == (
        'Tipping in restaurants (US diners): "Tipping guide" <https://example.org/tipping>; '
        "Survey Centre (2023). Tipping."
    )
    assert answer.citations["2"].reference() == "Tipping in restaurants (US servers): no source recorded"
    listed = with_sources(answer).split("\n\nSources:\n", 1)[1].splitlines()
    assert listed == [
        f"[1] {answer.citations['1'].reference()}",
        "[2] Tipping in restaurants (US servers): no source recorded",
        "[7] not in the graph context (no such statement)",
    ]


def test_the_cli_lists_sources_and_keeps_the_iri(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr(cli, "console", Console(file=out, width=400, color_system=None))
    cli._print_answer_notes(verify(parse_answer(TEXT, PACK, "test"), PACK))
    lines = out.getvalue().splitlines()
    assert lines[0] == (
        '[1] Tipping in restaurants (US diners): "Tipping guide" <https://example.org/tipping>; '
        f"Survey Centre (2023). Tipping. {DINERS.iri}"
    )
    assert lines[1] == f"[2] Tipping in restaurants (US servers): no source recorded {SERVERS.iri}"
    assert lines[2] == "[7] not in the graph context (no such statement)"


# -- LangChain -----------------------------------------------------------------------


def test_langchain_documents_carry_the_evidence(seed_retriever: Retriever) -> None:
    pack = seed_retriever.context(PROMPT, k=4)
    documents = pack_documents(pack)
    assert documents and any(item.evidence for item in pack.items)
    for item, document in zip(pack.items, documents, strict=True):
        evidence = document.metadata["evidence"]
        assert evidence == [
            {"iri": s.iri, "title": s.title, "url": s.url, "citation": s.citation} for s in item.evidence
        ]
        assert document.metadata["sources"] == [s.url or s.title for s in item.evidence]
    json.dumps([document.metadata for document in documents])


# -- over the API ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine(seed_store: EmbeddedStore, seed_retriever: Retriever) -> ContextEngine:
    return ContextEngine(seed_store, seed_retriever)


@pytest.fixture(scope="module")
def base(engine: ContextEngine) -> Iterator[str]:
    with running(create_app(Settings(store=engine.store.location), engine=engine)) as url:
        yield url


@pytest.fixture(scope="module")
def locked(engine: ContextEngine) -> Iterator[str]:
    """A server that needs keys: r (reader), rr (reader who may see restricted knowledge)."""
    keys = {"r": "reader", "rr": {"role": "reader", "restricted": True}}
    settings = Settings(store=engine.store.location, api_keys=keys, api_anonymous_read=False)  # type: ignore[arg-type]
    with running(create_app(settings, engine=engine)) as url:
        yield url


def _local(iri: str) -> str:
    return iri.rsplit("/", 1)[1]


def test_the_chat_reply_lists_titles_and_urls(base: str, engine: ContextEngine) -> None:
    pack = engine.context(PROMPT, k=8)
    reply = httpx.post(
        f"{base}/v1/chat/completions",
        json={"model": "geertz", "messages": [{"role": "user", "content": PROMPT}]},
        timeout=60,
    ).json()
    content = reply["choices"][0]["message"]["content"]
    listed = content.split("\n\nSources:\n", 1)[1].splitlines()
    citations = reply["geertz"]["citations"]
    assert len(listed) == len(citations) > 0
    for line, (number, citation) in zip(listed, citations.items(), strict=True):
        item = pack.items[int(number) - 1]
        holders = "; ".join(holder.label for holder in item.held_by)
        assert line.startswith(f"[{number}] {item.practice_label or item.label} ({holders}): ")
        assert all(source_text(source) in line for source in item.evidence)
        assert citation["iri"] == item.iri and citation["valid"] is True
        assert citation["sources"] == [source.model_dump(mode="json") for source in item.evidence]
    assert "<https://" in "\n".join(listed)


def test_a_statement_as_json_ld(base: str, engine: ContextEngine) -> None:
    snapshot = engine.retriever.snapshot
    st = snapshot.statements["https://w3id.org/geertz/id/interp-guest-no-white-anglo"]
    response = httpx.get(f"{base}/v1/statements/interp-guest-no-white-anglo")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    document = response.json()
    practice = httpx.get(f"{base}/v1/practices/{_local(st.practice or '')}").json()
    assert document["@context"] == practice["@context"]
    assert document["id"] == st.iri and document["type"] == "gz:Interpretation"
    assert document["text"] == st.text
    assert document["practice"]["id"] == st.practice
    assert [holder["id"] for holder in document["heldBy"]] == st.holders
    places = {place["name"] for scope in document["scope"] for place in scope.get("place", [])}
    assert {"United States", "United Kingdom"} <= places
    assert document["evidence"] and all({"id", "title", "url"} <= set(e) for e in document["evidence"])
    assert document["evidence"][0]["url"].startswith("https://")
    assert document.get("confidence") == st.confidence
    (variation,) = document["memberOf"]
    assert variation["type"] == "gz:Variation" and st.iri in variation["members"]
    assert variation["variationOf"]["id"] == st.practice and variation["dimension"]
    assert variation["id"] in [v["id"] for v in practice["variations"]]
    # A JSON-LD processor reads the same links as RDF.
    triples = {
        (q.subject.value, q.predicate.value, q.object.value)
        for q in parse(response.content, RdfFormat.JSON_LD)
    }
    assert (variation["id"], GZ + "member", st.iri) in triples
    assert (variation["id"], GZ + "variationOf", st.practice) in triples
    assert (st.iri, GZ + "evidence", document["evidence"][0]["id"]) in triples
    assert (st.iri, GZ + "heldBy", st.holders[0]) in triples


@pytest.mark.parametrize(
    "ident",
    ["interp-no-such-statement", "practice-wedding-guest-colours", "guest-no-white-anglo", "has space"],
    ids=["unknown", "a-practice", "without-prefix", "not-a-local-name"],
)
def test_unknown_statements_are_404(base: str, ident: str) -> None:
    response = httpx.get(f"{base}/v1/statements/{ident}")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["type"] == "not_found_error" and "no statement" in error["message"]


def _restricted(engine: ContextEngine) -> Statement:
    return next(s for s in engine.retriever.snapshot.statements.values() if s.sensitivity == "restricted")


def test_a_restricted_statement_is_404_unless_the_key_may_see_it(
    base: str, locked: str, engine: ContextEngine
) -> None:
    restricted = _restricted(engine)
    path = f"/v1/statements/{_local(restricted.iri)}"
    anonymous = httpx.get(base + path)
    assert anonymous.status_code == 404 and "no statement" in anonymous.json()["error"]["message"]
    assert httpx.get(locked + path, headers={"Authorization": "Bearer r"}).status_code == 404
    allowed = httpx.get(locked + path, headers={"Authorization": "Bearer rr"})
    assert allowed.status_code == 200 and allowed.json()["id"] == restricted.iri
    assert allowed.json()["sensitivity"] == "gz:restricted"
    assert httpx.get(locked + "/v1/statements/interp-guest-no-white-anglo").status_code == 401
