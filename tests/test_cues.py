"""Cues as mechanisms, not lists (issue 11): plural demonyms, domain words that name an
owner or qualify another cue, and places reached only by folding accents away."""

from __future__ import annotations

import pytest

from geertz.graph.gazetteer import PLACE
from geertz.retrieval.frame import Frame, extract_frame
from geertz.retrieval.labels import LabelEntry, LabelIndex, demonym_plural
from geertz.retrieval.retriever import Retriever
from geertz.text import has_accents, spelling

FAMILY = "https://w3id.org/geertz/id/domain-family"


@pytest.fixture(scope="module")
def retriever(seed_retriever: Retriever) -> Retriever:
    return seed_retriever


def frame_of(retriever: Retriever, prompt: str) -> Frame:
    return extract_frame(prompt, retriever.index, retriever.places)


# -- helpers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("demonym", "plural"),
    [
        ("German", "Germans"),
        ("Mexican", "Mexicans"),
        ("Finn", "Finns"),
        ("Filipino", "Filipinos"),
        ("Saudi", "Saudis"),
        ("North Korean", "North Koreans"),
        ("New Zealander", "New Zealanders"),
        ("Japanese", "Japanese"),
        ("Irish", "Irish"),
        ("Dutch", "Dutch"),
        ("French", "French"),
        ("Swiss", "Swiss"),
        ("Czech", "Czechs"),
        ("Tory", "Tories"),
    ],
    ids=lambda value: value.replace(" ", "-"),
)
def test_demonym_plural(demonym: str, plural: str) -> None:
    assert demonym_plural(demonym) == plural


def test_spelling_keeps_accents_and_folds_case_only() -> None:
    assert spelling("SÁMI") == spelling("Sámi") == "sámi"
    assert spelling("Sa\u0301mi") == "sámi"  # decomposed input, composed spelling
    assert spelling("  New   York ") == "new york"
    assert spelling("Sámi") != spelling("Sami")
    assert has_accents("Sámi") and has_accents("Sa\u0301mi")
    assert not has_accents("Sami") and not has_accents("東京")


def test_only_demonyms_get_a_plural() -> None:
    index = LabelIndex(
        [
            LabelEntry("urn:de", "Country", "German", False, demonym=True),
            LabelEntry("urn:jp", "Country", "Japanese", False, demonym=True),
            LabelEntry("urn:wedding", "Occasion", "wedding", True),
            LabelEntry("urn:bath", "City", "Bath", True),
        ]
    )
    found = {(m.iri, m.matched_text, m.inflected) for m in index.match("Germans' weddings in Baths")}
    assert found == {("urn:de", "Germans", True)}
    assert {(m.iri, m.inflected) for m in index.match("A German wedding in Bath")} == {
        ("urn:de", False),
        ("urn:wedding", False),
        ("urn:bath", False),
    }
    assert not index.match("Japaneses")


def test_a_name_inside_a_katakana_word_is_not_named() -> None:
    index = LabelIndex(
        [
            LabelEntry("urn:trang", "City", "トラン", False),
            LabelEntry("urn:tokyo", "Region", "東京", False),
            LabelEntry("urn:mexico", "Country", "メキシコ", False),
        ]
    )
    # "レストラン" (restaurant) ends in the town's name; kanji and particles around a name are fine.
    assert [m.iri for m in index.match("東京のレストランでチップは？")] == ["urn:tokyo"]
    assert [m.iri for m in index.match("トランの市場")] == ["urn:trang"]
    assert [m.iri for m in index.match("メキシコ人の結婚式")] == ["urn:mexico"]
    assert not index.match("メキシコシティー")


def test_a_plural_never_hides_a_label_of_its_own() -> None:
    index = LabelIndex(
        [
            LabelEntry("urn:ph", "Country", "Philippines", True),
            LabelEntry("urn:ph", "Country", "Filipinas", False),
            LabelEntry("urn:ph", "Country", "Filipina", False, demonym=True),
        ]
    )
    (match,) = index.match("Filipinas")
    assert match.iri == "urn:ph" and match.label == "Filipinas" and not match.inflected


def test_match_says_how_accents_were_written() -> None:
    index = LabelIndex([LabelEntry("urn:munich", "City", "München", True)])
    spelled = {m.matched_text: m.spelling for m in index.match("München, MUNCHEN, Mûnchen")}
    assert spelled == {"München": "exact", "MUNCHEN": "unaccented", "Mûnchen": "other accents"}


def test_written_accents_choose_among_same_folded_labels() -> None:
    index = LabelIndex(
        [
            LabelEntry("urn:sami-people", "Community", "Sámi", True),
            LabelEntry("urn:semi-town", "City", "Semi", True),
            LabelEntry("urn:semi-town", "City", "Sami", False),
        ]
    )
    assert [(m.iri, m.spelling) for m in index.match("I'm Sámi")] == [("urn:sami-people", "exact")]
    assert {(m.iri, m.spelling) for m in index.match("I'm Sami")} == {
        ("urn:sami-people", "unaccented"),
        ("urn:semi-town", "exact"),
    }
    # The prompt's accents pick one node out of two, so the match is more telling.
    assert index.match("Sámi")[0].specificity > index.match("Sami")[0].specificity


# -- over the seed and the gazetteer ---------------------------------------------


def test_sami_does_not_resolve_to_a_town_in_benin(retriever: Retriever) -> None:
    frame = frame_of(retriever, "I'm Sámi. How do we greet our elders?")
    # The graph has no Sámi community, so the prompt names no place at all.
    assert frame.places == [], frame.places
    assert not any(m.kind in ("City", "Region", "Country") for m in frame.matches)
    # Written accents do not hide a big place: Catalan "Itàlia" is still Italy.
    assert frame_of(retriever, "Vaig néixer a Itàlia.").places[:1] == [PLACE + "IT"]


@pytest.mark.parametrize(
    ("prompt", "code"),
    [
        ("Germans tip less than I expected. Why?", "DE"),
        ("What do Mexicans bring to a funeral?", "MX"),
        ("Finns invited me to a sauna. What should I know?", "FI"),
        ("The Germans' habit of splitting the bill surprised me.", "DE"),
        ("New Zealanders at a marae: what do they expect of guests?", "NZ"),
    ],
    ids=["Germans", "Mexicans", "Finns", "Germans-possessive", "New-Zealanders"],
)
def test_plural_demonyms_name_their_place(retriever: Retriever, prompt: str, code: str) -> None:
    frame = frame_of(retriever, prompt)
    assert frame.places[:1] == [PLACE + code], frame.places


def test_a_possessive_or_a_qualifier_is_not_a_domain(retriever: Retriever) -> None:
    # The family owns the home, or qualifies it: the home is the cue, not the family.
    for prompt in (
        "Visiting a family's home for dinner, what should I bring?",
        "We are invited to a family home for dinner. What should we bring?",
        "Should I take my shoes off in the elders' house?",
    ):
        frame = frame_of(retriever, prompt)
        assert FAMILY not in frame.iris("domain"), (prompt, frame.cues.get("domain"))
        assert FAMILY not in {m.iri for m in frame.matches}, prompt
    # Where the family is what the prompt is about, it stays a cue.
    for prompt in (
        "My boyfriend's family invited me for the first time. What should I know?",
        "Is visiting family on Sundays expected in Italy?",
    ):
        assert FAMILY in frame_of(retriever, prompt).iris("domain"), prompt


@pytest.mark.parametrize(
    ("prompt", "first", "inside"),
    [
        # A US state with no city of its name outweighs a Honduran town called Arizona.
        ("Does Arizona change its clocks for daylight saving?", "US-AZ", "US"),
        # The city inside its same-named department stands for the name.
        ("What's the festival in La Paz with decorated skulls?", "geonames-3911925", "BO-L"),
        # Valencia's province and city together outweigh the bigger Venezuelan city.
        ("Why are shops in Valencia shut in the afternoon?", "geonames-2509954", "ES"),
        ("How much should I tip in a restaurant in Tokyo?", "geonames-1850147", "JP-13"),
    ],
    ids=["Arizona", "La-Paz", "Valencia", "Tokyo"],
)
def test_a_name_reads_as_its_most_populous_place_and_its_narrowest_member(
    retriever: Retriever, prompt: str, first: str, inside: str
) -> None:
    places = frame_of(retriever, prompt).places
    assert places[0] == PLACE + first and PLACE + inside in places, places


def test_a_frequent_word_is_a_place_only_where_its_capital_says_so(retriever: Retriever) -> None:
    # German capitalises every noun and greeting: "Hallo" is not Harlow, England.
    assert frame_of(retriever, "Wie fange ich eine E-Mail an? Reicht 'Hallo'?").places == []
    # At the start of a sentence a capital says nothing: "Nice weather" is not Nice.
    assert frame_of(retriever, "Nice weather in Lisbon today.").places[:1] == [PLACE + "geonames-2267057"]
    # Mid-sentence it does; and a famous place keeps its name anywhere.
    assert PLACE + "FR" in frame_of(retriever, "Is Nice expensive for a wedding?").places
    assert PLACE + "FR" in frame_of(retriever, "Paris est-elle chère ?").places


def test_a_code_label_names_its_place_only_in_capitals(retriever: Retriever) -> None:
    frame = frame_of(retriever, "Un marchand à Marrakech m'offre du thé. Est-ce que je dois accepter ?")
    assert PLACE + "EE" not in frame.places and frame.places[:1] == [PLACE + "geonames-2542997"], frame.places
    assert frame_of(retriever, "How much do people tip in the UK?").places[:1] == [PLACE + "GB"]
    assert PLACE + "EE" in frame_of(retriever, "Exchange students from EST and LVA.").places


def test_a_label_in_another_script_matches_with_a_particle(retriever: Retriever) -> None:
    frame = frame_of(retriever, "서울에서 회사 동료 결혼식에 가는데 축의금은 보통 얼마 내요?")
    assert "https://w3id.org/geertz/id/practice-wedding-cash-gift" in {m.iri for m in frame.matches}
    # In Latin script a practice's name inside a longer word is not a match.
    index = LabelIndex([LabelEntry("urn:x:hora", "Practice", "hora", True)])
    assert index.match("Horario de trabajo", "es") == []
