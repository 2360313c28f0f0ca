"""Every language (issue 12): the prompt's language is detected and recorded, geertz's own
phrases come from gettext catalogues, and answers follow the prompt or a system message."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from geertz.api.app import create_app
from geertz.config import Settings
from geertz.engine import ContextEngine
from geertz.generation import Answerer
from geertz.generation.parse import parse_answer
from geertz.generation.prompts import CONTEXT_OPEN, line_label
from geertz.graph import EmbeddedStore
from geertz.i18n import LOCALE_DIR, catalogue, languages, requested_language, say
from geertz.retrieval.language import detect_language
from geertz.retrieval.retriever import Retriever
from tests.test_api import running
from tests.test_blend import _blend_dir
from tests.test_generation import Scripted

ROOT = Path(__file__).resolve().parent.parent
BLEND = _blend_dir()
#: BLEnD's languages other than English, and those the issue adds.
REQUIRED = {"am", "ar", "as", "az", "el", "es", "fa", "fr", "ha", "id", "ko", "ru", "su", "zh"}
_PLACEHOLDER = re.compile(r"\{\w+\}")


def _marked_messages() -> set[str]:
    found = extract_from_dir(str(ROOT / "geertz"), keywords={"N_": None}, comment_tags=())
    return {message for _file, _line, message, _comments, _context in found if message}


def test_the_template_lists_every_marked_message() -> None:
    with (LOCALE_DIR / "geertz.pot").open("rb") as handle:
        template = {m.id for m in read_po(handle) if m.id}
    marked = _marked_messages()
    assert marked, "no message is marked with N_"
    assert template == marked, (
        "geertz/locale/geertz.pot is out of date; run: pybabel extract -k N_ --no-default-keywords "
        "--no-location --sort-output -o geertz/locale/geertz.pot geertz/"
    )


@pytest.mark.parametrize("language", sorted(REQUIRED))
def test_each_catalogue_translates_every_message_and_keeps_its_placeholders(language: str) -> None:
    path = LOCALE_DIR / language / "LC_MESSAGES" / "geertz.po"
    assert path.is_file(), f"no catalogue for {language}"
    with path.open("rb") as handle:
        messages = {m.id: m for m in read_po(handle) if m.id}
    for msgid in _marked_messages():
        entry = messages.get(msgid)
        assert entry is not None and entry.string and not entry.fuzzy, f"{language}: {msgid!r} untranslated"
        assert set(_PLACEHOLDER.findall(str(entry.string))) == set(_PLACEHOLDER.findall(msgid)), (
            f"{language}: {msgid!r} changes its placeholders"
        )
        assert str(entry.string).startswith(" ") == msgid.startswith(" "), f"{language}: {msgid!r}"
    assert language in languages()


def test_say_translates_fills_and_falls_back_to_english() -> None:
    english = "The graph holds nothing that bears on this."
    assert say(english, "en") == english
    assert say(english, "xx") == english  # no catalogue: English
    spanish = say(english, "es-MX")  # a regional tag uses its language's catalogue
    assert spanish and spanish != english
    filled = say("{first} and {last}", "es", first="A, B", last="C")
    assert "A, B" in filled and "C" in filled and "{" not in filled
    assert catalogue("es") is catalogue("es")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("What should I bring to a wedding in Bandung?", "en"),
        ("¿Cuánta propina se deja en un restaurante en la Ciudad de México?", "es"),
        ("お葬式に何を着ていけばいいですか？", "ja"),
        ("Ποιο είναι ένα συνηθισμένο σνακ για παιδιά στην Ελλάδα;", "el"),
        ("Что принято дарить на свадьбу в Казани?", "ru"),
    ],
)
def test_the_prompts_language_is_detected(text: str, code: str) -> None:
    assert detect_language(text).code == code


def test_too_short_to_tell_is_undetermined() -> None:
    for text in ("hi", "ok?", "42"):
        assert detect_language(text).code is None


@pytest.mark.skipif(BLEND is None, reason="BLEnD is not at ../shared/data/blend (set GEERTZ_BLEND_DIR)")
def test_language_detection_on_blend_dev_questions() -> None:
    from geertz.graph.blend import read_blend
    from geertz.retrieval.evaluate import split_of

    right = total = 0
    assert BLEND is not None
    for record in read_blend(BLEND):
        if split_of(record.qid) != "dev" or record.language.startswith("en") or not record.local_question:
            continue
        total += 1
        right += detect_language(record.local_question).code == record.language.split("-")[0]
    assert total > 1000
    assert right / total >= 0.95, f"{right} of {total}"


def test_a_system_message_can_ask_for_a_language() -> None:
    assert requested_language(["Always answer in Spanish."]) == "es"
    assert requested_language(["Réponds toujours en français, s'il te plaît."]) == "fr"
    assert requested_language(["You help Korean travellers plan trips."]) is None
    assert requested_language([]) is None


def test_the_coverage_note_names_places_in_its_own_language(seed_retriever: Retriever) -> None:
    """Country names come from the CLDR graph in the note's language; a note written in
    English (no catalogue for the prompt's language) keeps English names."""
    spanish = seed_retriever.context("¿Cuánta propina se deja en un restaurante en Ciudad de México?", k=6)
    assert spanish.coverage.verdict == "related"
    assert "Estados Unidos" in spanish.coverage.note and "United States" not in spanish.coverage.note
    held = [place for practice in spanish.coverage.practices for place in practice.held_in]
    assert "Estados Unidos" in held
    english = seed_retriever.context("How much should I tip at a restaurant in Mexico City?", k=6)
    assert "United States" in english.coverage.note
    japanese = seed_retriever.context("お葬式に何を着ていけばいいですか？", k=6)
    assert japanese.language == "ja" and "ja" not in languages()
    assert japanese.coverage.note and not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", japanese.coverage.note)


def test_the_pack_is_in_the_prompts_language(seed_retriever: Retriever) -> None:
    pack = seed_retriever.context("¿Cómo se saluda a los mayores en una boda en Seúl?", k=6)
    assert pack.language == "es"
    english = seed_retriever.context("How do I greet elders at a wedding in Seoul?", k=6)
    assert english.language == "en"
    assert pack.coverage.note and pack.coverage.note != english.coverage.note
    chat = seed_retriever.context("hola, ¿qué tal estás hoy, amigo mío?", k=6)
    assert chat.language == "es"
    if chat.coverage.verdict == "not_cultural":
        assert chat.coverage.note == say(
            "This does not ask about cultural practice, so geertz adds no context. geertz answers "
            "questions about what practices mean to the communities that hold them, where and when.",
            "es",
        )
    asked = seed_retriever.context("What colour should I avoid wearing to a wedding?", k=6, language="fr")
    assert asked.language == "fr"
    place = next(m for m in asked.missing if m.facet == "place")
    assert place.question.startswith(
        say(
            "Where is this happening, and in which community? Practice differs from place to place, so "
            "geertz has not guessed a country.",
            "fr",
        ).split("?")[0]
    )
    assert not place.question.startswith("Where is this happening")


def test_the_extractive_answer_frames_in_the_pack_language(seed_retriever: Retriever) -> None:
    pack = seed_retriever.context("¿Qué color debo evitar llevar a una boda?", k=6)
    assert pack.language == "es"
    answer = Answerer().answer(pack)
    assert answer.passed, answer.failures()
    question = line_label("question", "es")
    assert question != "Question"
    lines = answer.answer.splitlines()
    if pack.missing:
        assert any(line.startswith(f"{question}:") for line in lines)
        assert answer.clarifying_questions  # the localised label is read back
    assert not any(line.startswith(("Question:", "Variation:", "Assumption:")) for line in lines)


def test_localised_line_labels_are_parsed(seed_retriever: Retriever) -> None:
    pack = seed_retriever.context("Was sollte ich zu einer Hochzeit in Bandung mitbringen?", k=6)
    spanish = pack.model_copy(update={"language": "es"})
    text = f"{line_label('question', 'es')}: ¿Dónde es la boda?\n{line_label('assumption', 'es')}: en Bandung"
    parsed = parse_answer(text, spanish, "scripted")
    assert parsed.clarifying_questions == ["¿Dónde es la boda?"]
    assert parsed.assumptions == ["en Bandung"]


def test_a_model_is_told_the_answer_language(seed_store: EmbeddedStore, seed_retriever: Retriever) -> None:
    model = Scripted("La gráfica no contiene nada sobre esto.", "La gráfica no contiene nada sobre esto.")
    engine = ContextEngine(seed_store, seed_retriever, Answerer(model))
    with running(create_app(Settings(store=seed_store.location), engine=engine)) as url:
        reply = httpx.post(
            f"{url}/v1/chat/completions",
            json={
                "model": "geertz",
                "messages": [
                    {"role": "system", "content": "Always answer in Spanish."},
                    {"role": "user", "content": "What colour should I avoid wearing to a wedding?"},
                ],
            },
            timeout=60,
        ).json()
    assert reply["geertz"]["language"] == "es"
    system = model.history[0].messages[0]
    assert system.role == "system" and "Write your answer in Spanish" in system.content
    assert CONTEXT_OPEN in model.history[0].messages[-1].content


def test_the_pack_reports_its_language_as_json(seed_retriever: Retriever) -> None:
    pack = seed_retriever.context("¿Qué se regala en una boda en Bandung?", k=4)
    data = json.loads(pack.model_dump_json())
    assert data["language"] == "es"


# -- place names in other languages and inflections -------------------------------------


@pytest.mark.parametrize(
    ("prompt", "place"),
    [
        ("Azərbaycanda məktəbəqədər uşaqlar üçün tipik qəlyanaltı nədir?", "place-AZ"),
        ("대한민국에서 맥주와 함께 즐겨먹는 음식은 무엇인가요?", "place-KR"),
        ("یک میان وعده معمول برای بچه‌های پیش دبستانی درایران چیست؟", "place-IR"),
        ("በኢትዮጵያ ቅድመ መደበኛ ልጆች የተለመደ መክሰስ ምንድን ነው?", "place-ET"),
        ("অসমত বিয়েৰৰ লগত খোৱা জনপ্ৰিয় খাদ্য সামগ্ৰীটো কি?", "place-IN-AS"),
        ("Menene shahararren abincin da ake ci a Arewacin Najeriya?", "place-region-northern-nigeria"),
        ("Τι τρώνε συνήθως τα παιδιά της Ελλάδας;", "place-GR"),
    ],
)
def test_a_place_named_in_its_own_language_and_inflected_is_found(
    seed_retriever: Retriever, prompt: str, place: str
) -> None:
    pack = seed_retriever.context(prompt, k=4)
    places = [cue.iri.rsplit("/", 1)[-1] for cue in pack.frame.get("place", [])]
    assert places and places[0] == place, places


def test_affixes_are_bounded_and_not_for_english(seed_retriever: Retriever) -> None:
    index = seed_retriever.index
    # An English prompt gets no affix match: "Romanians" is a demonym's plural, but
    # "bathroom" is not Bath, nor "woman" Oman.
    assert not [m for m in index.match("A woman in the bathroom", "en") if m.kind in ("Country", "City")]
    assert not [m for m in index.match("A woman in the bathroom", "es") if m.kind == "Country"]
    # An ending longer than three characters is not an inflection.
    assert not [m for m in index.match("Azərbaycanlılarımız", "az") if m.kind == "Country"]
    assert [m.inflected for m in index.match("Azərbaycanda", "az") if m.kind == "Country"] == [True]


def test_a_practice_named_inflected_is_found_by_its_stem(seed_retriever: Retriever) -> None:
    """Russian "чаевых" (of tips) is the practice's label чаевые in the genitive, which no
    affix rule reaches: Snowball's Russian stemmer gives both the stem чаев."""
    prompt = "Сколько чаевых оставляют в ресторане в Мехико?"
    tipping = "https://w3id.org/geertz/id/practice-restaurant-tipping"
    found = [m for m in seed_retriever.index.match(prompt, "ru") if m.iri == tipping]
    assert found and found[0].inflected and found[0].matched_text == "чаевых"
    practices = seed_retriever.context(prompt, k=6).frame.get("practice", [])
    assert tipping in [cue.iri for cue in practices]
    assert not seed_retriever.index.match("Сколько чаевых", "en")  # English gets no stems
    # Cities are not compared by stem: a town's name is too often a word as well.
    assert not [m for m in seed_retriever.index.match("в Мехико", "ru") if m.inflected]


def test_accents_a_prompt_writes_choose_the_place(seed_retriever: Retriever) -> None:
    """In Arabic, Amman (عمّان) and Oman (عمان) differ only by the shadda: the gazetteer
    keeps GeoNames' spelling with it, so a prompt that writes it names the city."""
    named = {(m.kind, m.iri.rsplit("/", 1)[-1]) for m in seed_retriever.index.match("جاري في عمّان", "ar")}
    assert named == {("City", "place-geonames-250441")}
    bare = {m.iri.rsplit("/", 1)[-1] for m in seed_retriever.index.match("جاري في عمان", "ar")}
    assert {"place-geonames-250441", "place-OM"} <= bare  # unwritten, it stays ambiguous


def test_the_cldr_gives_everyday_country_names() -> None:
    from geertz.graph.gazetteer import cldr_country_quads

    names = {(q.subject.value.rsplit("/", 1)[-1], q.object.value) for q in cldr_country_quads()}
    assert ("place-IR", "ایران") in names and ("place-ET", "ኢትዮጵያ") in names
