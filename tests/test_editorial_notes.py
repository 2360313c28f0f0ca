"""Curators' notes stay out of the statement text that answers show.

A statement's ``gz:text`` is shown to end users. Remarks about sourcing, drafting or
the curators themselves ("needs a Nigerian source", "this reading is the curators'",
"so this is draft") belong in ``skos:editorialNote`` on the same statement instead.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import SKOS

GZ = Namespace("https://w3id.org/geertz#")
GZD = Namespace("https://w3id.org/geertz/id/")
DATA = Path(__file__).resolve().parents[1] / "data"
FILES = sorted((DATA / "seed").glob("*.ttl")) + sorted((DATA / "places").glob("*.ttl"))

# Telltale phrasing of an authoring note. Deliberately specific, so that content such
# as "Among curators and collectors abroad", "no real basis in the sources",
# "'we will consider it'" or "its content is not described here" does not match.
EDITORIAL = re.compile(
    r"\bthe curators\b|\bcurators'"
    r"|\bour (own|sources?|reading|summary)\b|\bwe (have not|attach|could not|did not)\b"
    r"|\bneeds?\b[^.;]{0,40}\bsources?\b|\bsources? of its own\b"
    r"|\b(needs|needing) (checking|verifying|confirming)\b"
    r"|\b(should|must) be (checked|verified|confirmed)\b"
    r"|\b(has|have) not been (checked|verified|confirmed)\b"
    r"|\bto be (checked|verified|confirmed)\b"
    r"|\bdraft(ed)?\b"
    r"|\b(our|the cited|the) (source|study)\b(?! of)"
    r"|\bdedicated source\b|\bnot well sourced\b"
    r"|\brests on (a single|a general|general|the association)"
    r"|\b(documented|established|recorded|confirmed|attach it) here\b"
    r"|\bkept (at low confidence|as (a )?(draft|historical))",
    re.IGNORECASE,
)
TODO = re.compile(r"\b(TODO|FIXME|TBD|XXX)\b")

# Statements whose authoring notes were moved out of gz:text into skos:editorialNote.
MOVED = [
    "interp-pranam-life-events-urban",
    "interp-pranam-diaspora-leicester",
    "interp-living-at-home-italy",
    "interp-right-hand-onam-sadhya",
    "interp-gursha-diaspora-restaurants",
    "interp-vegetarian-hindu-ideal",
    "norm-hindu-vegetarian-diet-share",
    "norm-vegetarian-guests-separate-food",
    "interp-supra-gendered",
    "interp-umu-sunday",
    "interp-asado-buenos-aires-friends",
    "interp-bush-food-demand-sharing",
    "interp-lip-pointing-guna-deixis",
    "interp-lip-pointing-ph-discreet",
    "norm-beckon-ph-palm-down",
    "interp-eye-yoruba-deference",
    "interp-distance-latin-american-coldness",
    "norm-kst-not-to-elders",
    "interp-gift-opened-north-america",
    "interp-qurbani-uk-charity",
    "interp-minga-chiloe",
    "interp-cheek-kiss-philippines-beso",
    "interp-mano-us-heritage",
    "interp-sampeah-kh-office-men",
    "interp-t-v-bogota-usted",
    "interp-welcome-tokenism-critique",
    "interp-taarof-diaspora-los-angeles",
    "interp-faikava-auckland-identity",
    "interp-powhiri-workplace",
    "interp-bread-salt-housewarming",
    "interp-kola-diaspora-new-york",
    "interp-chimarrao-gaucho-identity",
    "interp-tuareg-tea-conviviality",
    "interp-cafezinho-business",
    "interp-tanda-trust-credit",
    "interp-fortieth-day-ethiopian-orthodox",
    "norm-cutud-no-foreign-crucifixion",
    "interp-sadaqah-jariyah-uk-memorial",
    "interp-meeting-punctuality-lagos",
    "interp-african-time-mbiti",
    "interp-monochronic-us-business",
    "interp-mahr-symbolic-british",
    "interp-mehndi-british-diaspora",
    "interp-sirvinakuy-testing",
    "interp-email-japan-courtesy",
    "interp-disagree-nigeria-seniors",
    "interp-jugaad-corner-cutting",
    "interp-indaba-conference-name",
]


@pytest.fixture(scope="module")
def graph() -> Graph:
    g = Graph()
    for path in FILES:
        g.parse(path, format="turtle")
    return g


def test_regex_catches_the_telltale_phrases() -> None:
    for note in (
        "this diaspora reading is the curators' and still needs its own source.",
        "and needs a Nigerian source.",
        "our source confirms the earth oven there but not the Sunday pattern, so this is draft.",
        "the details of its functions should be checked against the article.",
        "TODO: find a source",
    ):
        assert EDITORIAL.search(note) or TODO.search(note), note
    for content in (
        "Among curators and collectors abroad, Ghanaian figurative coffins have been shown as art.",
        "the popular preference for Tuesday has no real basis in the sources.",
        "a drawn breath, 'that would be difficult' or 'we will consider it' carries the refusal",
        "members also valued the stokvel as a source of mutual support",
        "That knowledge is held by the communities and is restricted; it is not described here.",
    ):
        assert not EDITORIAL.search(content), content


def test_statement_text_has_no_editorial_notes(graph: Graph) -> None:
    offenders = []
    for s, text in graph.subject_objects(GZ.text):
        match = EDITORIAL.search(str(text)) or TODO.search(str(text))
        if match:
            offenders.append(f"{s}: ...{match.group(0)}... in {str(text)!r}")
    assert not offenders, "curators' notes belong in skos:editorialNote:\n" + "\n".join(offenders)


@pytest.mark.parametrize("name", MOVED)
def test_moved_notes_are_editorial_notes(graph: Graph, name: str) -> None:
    node = URIRef(GZD[name])
    assert (node, GZ.text, None) in graph, f"{name} is not a statement with gz:text"
    notes = list(graph.objects(node, SKOS.editorialNote))
    assert notes, f"{name} should keep its curators' note in skos:editorialNote"
    assert all(str(n).strip() for n in notes)
