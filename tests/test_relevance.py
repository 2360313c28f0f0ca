"""Relevance and coverage on the seed store: every pack says what the graph knows
about the prompt, keeps only what bears on it, and every answer says what is not covered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from geertz.api import create_app
from geertz.config import Settings
from geertz.engine import ContextEngine
from geertz.generation.answerer import Answerer
from geertz.generation.prompts import CONTEXT_OPEN
from geertz.generation.verify import verify
from geertz.graph import EmbeddedStore
from geertz.retrieval.relevance import FEATURES, RelevanceModel, Signals, calibration_table, fit_weights
from geertz.retrieval.relevance_eval import evaluate_relevance, read_relevance_cases
from geertz.retrieval.retriever import Retriever

from .api_server import running
from .test_generation import Scripted

FIXTURES = Path(__file__).parent / "fixtures"
GZD = "https://w3id.org/geertz/id/"
TIPPING = GZD + "practice-restaurant-tipping"
CHIT_CHAT = ("hi", "What is 17 times 23?", "Write a Python function that reverses a string")


def test_a_covered_prompt(seed_retriever: Retriever) -> None:
    pack = seed_retriever.context("How much should I tip at a restaurant in Tokyo?", k=8)
    assert pack.coverage.verdict == "covered"
    assert pack.items[0].practice == TIPPING and pack.items[0].applies is True
    assert pack.items[0].relevance >= 0.8 and pack.items[0].role == "answer"
    assert pack.coverage.practices[0].iri == TIPPING and pack.coverage.practices[0].in_scope


def test_a_practice_held_only_elsewhere_is_related_and_named(seed_retriever: Retriever) -> None:
    pack = seed_retriever.context("How much should I tip a taxi driver in Mexico City?", k=8)
    assert pack.coverage.verdict == "related"
    assert "Mexico City" in pack.coverage.note and "United States" in pack.coverage.note
    tipping = [item for item in pack.items if item.practice == TIPPING]
    assert tipping and all(item.applies is False for item in tipping)
    # Filler that has nothing to do with tipping no longer follows.
    assert not any("remittance" in item.label or "padrino" in item.text.lower() for item in pack.items)


@pytest.mark.parametrize("prompt", CHIT_CHAT, ids=["hi", "arithmetic", "code"])
def test_chit_chat_is_not_cultural_and_gets_nothing(seed_retriever: Retriever, prompt: str) -> None:
    pack = seed_retriever.context(prompt, k=8)
    assert pack.coverage.verdict == "not_cultural"
    assert pack.items == [] and pack.missing == []


def test_thanks_after_a_cultural_turn_is_still_chit_chat(seed_retriever: Retriever) -> None:
    pack = seed_retriever.context(
        "thanks, that helps!", messages=["How much should I tip at a restaurant in Tokyo?"]
    )
    assert pack.coverage.verdict == "not_cultural"


def test_nothing_bears_on_a_practice_the_graph_lacks(seed_retriever: Retriever) -> None:
    pack = seed_retriever.context(
        "How are the pieces of a walrus shared out after a hunt in an Inuit village in Nunavut?", k=8
    )
    assert pack.coverage.verdict in ("none", "related")
    assert pack.coverage.verdict != "covered"
    assert len(pack.items) < 8


def test_k_is_a_maximum_and_the_threshold_is_a_setting(seed_retriever: Retriever) -> None:
    prompt = "I was invited to a supra in Tbilisi. What should I expect?"
    loose = seed_retriever.context(prompt, k=8, min_relevance=0.0)
    default = seed_retriever.context(prompt, k=8)
    strict = seed_retriever.context(prompt, k=8, min_relevance=0.999)
    assert len(loose.items) == 8
    assert len(strict.items) <= len(default.items) <= len(loose.items)
    threshold = seed_retriever.min_relevance
    assert all(item.relevance >= threshold for item in default.items if item.role == "answer")
    assert all(0.0 <= item.relevance <= 1.0 for item in loose.items)
    # A supra brings no COVID distancing or Passover matzah along any more.
    labels = " ".join(item.label.lower() for item in default.items)
    assert "supra" in labels and "matzah" not in labels and "distanc" not in labels


def test_the_setting_reaches_the_engine(seed_store: EmbeddedStore, tmp_path: Path) -> None:
    settings = Settings(store=seed_store.location, min_relevance=0.9, cache_dir=tmp_path / "cache")
    engine = ContextEngine.from_settings(settings, store=seed_store)
    assert engine.retriever.min_relevance == 0.9


def test_readme_bandung_example(seed_retriever: Retriever) -> None:
    pack = seed_retriever.context("What should I bring to a wedding in Bandung?", k=8)
    assert pack.frame["place"][0].label == "Bandung"
    assert not any("Tuesday" in item.text for item in pack.items)
    covered = pack.coverage.verdict == "covered"
    # Covered only if something that holds in Bandung is about what to bring.
    assert not covered or any(item.applies is True and item.role == "answer" for item in pack.items)
    answer = Answerer().answer(pack)
    assert answer.coverage == pack.coverage and answer.passed, answer.failures()


def test_contrast_items_say_why_they_are_kept(seed_retriever: Retriever) -> None:
    pack = seed_retriever.context("How much should I tip a taxi driver in Mexico City?", k=8)
    for item in pack.items:
        if item.relevance < seed_retriever.min_relevance:
            assert item.role in ("same_practice_elsewhere", "other_side")


@pytest.mark.parametrize(
    "prompt",
    [
        "How much should I tip at a restaurant in Tokyo?",
        "How much should I tip a taxi driver in Mexico City?",
        "hi",
        "How are the pieces of a walrus shared out after a hunt in an Inuit village in Nunavut?",
    ],
    ids=["covered", "related", "not-cultural", "uncovered"],
)
def test_the_extractive_answer_carries_and_states_its_coverage(
    seed_retriever: Retriever, prompt: str
) -> None:
    pack = seed_retriever.context(prompt, k=8)
    answer = Answerer().answer(pack)
    assert answer.coverage == pack.coverage
    assert answer.passed, answer.failures()
    if pack.coverage.verdict in ("related", "none"):
        assert answer.answer.startswith("The graph holds nothing")


def test_a_model_answer_that_overclaims_coverage_is_caught(seed_retriever: Retriever) -> None:
    pack = seed_retriever.context("How much should I tip a taxi driver in Mexico City?", k=8)
    assert pack.coverage.verdict == "related"
    first = next(i for i, item in enumerate(pack.items, start=1) if item.practice == TIPPING)
    overclaim = f"Among US diners in the United States, a tip of 15 to 20 percent is expected [{first}]."
    model = Scripted(overclaim, overclaim)
    answer = Answerer(model).answer(pack)
    assert answer.backend == "extractive" and answer.fallback is not None
    assert "states_coverage" in answer.fallback.reason
    assert answer.passed and answer.answer.startswith("The graph holds nothing")
    # The model was told the verdict, and asked to repair with the failure named.
    assert "coverage: related" in model.history[0].messages[-1].content
    assert "states_coverage" in model.history[1].messages[-1].content
    honest = "The graph holds nothing on tipping taxi drivers in Mexico City. " + overclaim
    checked = verify(Answerer(Scripted(honest))._checked(honest, pack, "scripted"), pack)
    assert checked.checks["states_coverage"].passed and checked.coverage == pack.coverage


def test_chit_chat_reaches_the_model_without_graph_context(
    seed_store: EmbeddedStore, seed_retriever: Retriever
) -> None:
    model = Scripted("Hello! How can I help?")
    engine = ContextEngine(seed_store, seed_retriever, Answerer(model))
    settings = Settings(store=seed_store.location)
    with running(create_app(settings, engine=engine)) as url:
        reply = httpx.post(
            f"{url}/v1/chat/completions",
            json={"model": "geertz", "messages": [{"role": "user", "content": "hi"}]},
            timeout=60,
        ).json()
    assert reply["choices"][0]["message"]["content"] == "Hello! How can I help?"
    assert reply["geertz"]["coverage"]["verdict"] == "not_cultural"
    sent = model.history[0].messages
    assert [m.content for m in sent] == ["hi"]
    assert not any(CONTEXT_OPEN in m.content for m in sent)


def test_chit_chat_with_the_extractive_backend_says_what_geertz_answers(
    seed_store: EmbeddedStore, seed_retriever: Retriever
) -> None:
    engine = ContextEngine(seed_store, seed_retriever)
    with running(create_app(Settings(store=seed_store.location), engine=engine)) as url:
        reply = httpx.post(
            f"{url}/v1/chat/completions",
            json={"model": "geertz", "messages": [{"role": "user", "content": "hi"}]},
            timeout=60,
        ).json()
    content = reply["choices"][0]["message"]["content"]
    assert "cultural practice" in content and "hongi" not in content.lower()


# -- the model and its evaluation ---------------------------------------------------


def test_relevance_rises_with_evidence_and_falls_out_of_scope() -> None:
    model = RelevanceModel()
    named = Signals(named=1.0, lexical=0.6, rank=1.0, applies=True, anchored=True, placed=True)
    weak = Signals(lexical=0.05, rank=0.1, applies=True, placed=True, unscoped=True)
    elsewhere = Signals(named=1.0, lexical=0.6, rank=1.0, applies=False, placed=True)
    assert model.relevance(named) > model.relevance(weak)
    assert model.relevance(named) > model.relevance(elsewhere)
    # The topic ignores the scope: the practice is still the one asked about.
    assert model.topic(elsewhere) == pytest.approx(model.relevance(named))


def test_fitting_recovers_a_separable_signal() -> None:
    rng = np.random.default_rng(0)
    labels = rng.random(400) < 0.5
    vectors = [
        Signals(lexical=float(label) * 0.8 + float(rng.random()) * 0.2, rank=float(rng.random())).vector()
        for label in labels
    ]
    weights = fit_weights(vectors, list(labels), l2=0.1)
    assert weights[FEATURES.index("lexical")] > 5
    model = RelevanceModel(weights)
    scores = [
        model.relevance(Signals(lexical=0.9, rank=0.5)),
        model.relevance(Signals(lexical=0.05, rank=0.5)),
    ]
    assert scores[0] > 0.9 > 0.1 > scores[1]


def test_fitting_only_some_features_keeps_the_others() -> None:
    rng = np.random.default_rng(1)
    labels = rng.random(400) < 0.5
    vectors = [
        Signals(
            lexical=float(rng.random()),
            statement=0.8 + 0.05 * float(label) + 0.01 * float(rng.random()),
            best_statement=0.86,
            foreign=True,
        ).vector()
        for label in labels
    ]
    base = tuple(float(w) for w in RelevanceModel().weights)
    weights = fit_weights(vectors, list(labels), l2=0.1, only=["bias", "statement_semantic"], base=base)
    for name, before, after in zip(FEATURES, base, weights, strict=True):
        if name not in ("bias", "statement_semantic"):
            assert after == round(before, 3), name
    assert weights[FEATURES.index("statement_semantic")] > 2
    with pytest.raises(ValueError, match="unknown relevance features statment"):
        fit_weights(vectors, list(labels), only=["statment"])


def test_calibration_table_bins_scores() -> None:
    rows = calibration_table([0.1, 0.15, 0.9, 0.95, 1.0], [False, True, True, True, False])
    assert rows == [(0.0, 0.2, 2, 0.5), (0.8, 1.0, 3, 2 / 3)]


def test_relevance_cases_name_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text('{"id": "a", "kind": "in", "prompt": "x", "gold": ["g"]}\n{"id": "b", "kind": "maybe"}\n')
    with pytest.raises(Exception, match=r"cases.jsonl:2: .*kind"):
        read_relevance_cases(path)


@pytest.fixture(scope="module")
def dev_report(seed_retriever: Retriever) -> Iterator[object]:
    yield evaluate_relevance(seed_retriever, read_relevance_cases(FIXTURES / "relevance_dev.jsonl"), k=8)


def test_dev_set_targets(dev_report: object) -> None:
    """The targets of issue 11, on the team's own dev set (the held-out set lives elsewhere)."""
    from geertz.retrieval.relevance_eval import RelevanceReport

    assert isinstance(dev_report, RelevanceReport)
    assert dev_report.gold_top3_rate >= 0.9
    assert dev_report.verdict_rate("in", ["covered"]) >= 0.9
    assert dev_report.verdict_rate("off", ["related", "none", "not_cultural"]) >= 0.9
    assert dev_report.verdict_rate("chat", ["not_cultural"]) >= 5 / 6
    assert dev_report.mean_pack_size("chat") == 0


def test_multilingual_dev_set_targets(seed_retriever: Retriever) -> None:
    """Issue 12 on the team's dev set in 20 languages: the gold practice near the top, the
    covered verdict for what the graph holds, and not for what it lacks."""
    report = evaluate_relevance(
        seed_retriever, read_relevance_cases(FIXTURES / "multilingual_dev.jsonl"), k=8
    )
    assert report.gold_top3_rate >= 0.9
    assert report.verdict_rate("in", ["covered"]) >= 0.9
    assert report.verdict_rate("off", ["related", "none", "not_cultural"]) >= 0.7


def test_relevance_and_topic_together_equal_each_one_alone() -> None:
    """The batched scores (what retrieval uses) match the per-candidate definitions."""
    rng = np.random.default_rng(7)
    model = RelevanceModel()
    signals = []
    for _ in range(200):
        embedded = bool(rng.integers(2))
        signals.append(
            Signals(
                named=float(rng.integers(2)),
                other_named=float(rng.integers(2)),
                semantic=float(rng.uniform(0.7, 0.9)) if embedded else None,
                best_semantic=float(rng.uniform(0.8, 0.95)) if embedded else None,
                lexical=float(rng.uniform()),
                practice_lexical=float(rng.uniform()),
                rank=float(rng.uniform()),
                applies=[True, False, None][int(rng.integers(3))],
                anchored=bool(rng.integers(2)),
                placed=bool(rng.integers(2)),
                unscoped=bool(rng.integers(2)),
                occasion=int(rng.integers(-1, 2)),
                role_fit=float(rng.choice([0.85, 1.0, 1.15])),
                foreign=bool(rng.integers(2)),
                statement=float(rng.uniform(0.7, 0.85)) if embedded else None,
                best_statement=float(rng.uniform(0.85, 0.9)) if embedded else None,
            )
        )
    relevance, topic = model.relevance_and_topic(signals)
    np.testing.assert_allclose(relevance, [model.relevance(s) for s in signals], rtol=1e-9)
    np.testing.assert_allclose(topic, [model.topic(s) for s in signals], rtol=1e-9)
    assert model.relevance_and_topic([]) == ([], [])


def test_a_practice_recorded_in_scope_is_not_said_to_hold_only_elsewhere() -> None:
    """A statement for the prompt's own country that is not relevant enough to cover the
    question must not turn the note into "nothing here, only elsewhere"."""
    from geertz.retrieval.coverage import Candidate, judge
    from geertz.retrieval.snapshot import Statement

    def candidate(iri: str, applies: bool | None, relevance: float) -> Candidate:
        statement = Statement(iri=iri, kind="interpretation", practice="urn:gifts")
        return Candidate(
            1.0, statement, applies, "", relevance=relevance, topic=0.8, signals=Signals(placed=True)
        )

    def note(candidates: list[Candidate]) -> str:
        coverage = judge(
            candidates,
            [c for c in candidates if c.relevance >= 0.2],
            placed=True,
            place_label="Moscow",
            label=lambda iri: "bringing gifts",
            held_in=lambda practice: ["Russia", "Japan"],
        )
        assert coverage.verdict == "related"
        return coverage.note

    elsewhere = [candidate("urn:japan", False, 0.3)]
    assert "It records it only for Russia and Japan" in note(elsewhere)
    here = [candidate("urn:russia", True, 0.35), *elsewhere]
    assert "only for" not in note(here) and "the nearest it holds is bringing gifts" in note(here)
