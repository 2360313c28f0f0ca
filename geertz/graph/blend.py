"""Importing BLEnD (short-answer part) into its own named graph.

BLEnD (Myung et al., NeurIPS 2024, CC BY-SA 4.0) asked native annotators in 16
countries and regions the same 500 everyday questions. Each (question ID,
country file) record becomes, in ``https://w3id.org/geertz/graph/blend``:

- one ``gz:Interpretation`` per answer cluster, held by the community of that
  file's annotators, scoped to its place and the question's topic, with the
  cluster's vote share as ``gz:agreement`` and ``dcterms:identifier``
  ``blend:<file stem>:<question ID>``;
- one ``gz:Variation`` linking the clusters of a record (individual answers);
- one ``gz:Practice`` per question ID, labelled with the question with its
  country removed.

Where the annotators wrote in another language, each interpretation also carries
their own question and answers as a ``gz:text`` tagged with that language
(``el-GR``, ``ha-NG`` …), and each meaning their answer as a tagged label, beside the
English ones.

The graph carries the licence and the citation, so ShareAlike stays with it.
Nothing from BLEnD is ever written into ``data/``.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad

from geertz.errors import LoadError
from geertz.graph.gazetteer import iso_place_iri
from geertz.vocab import DCTERMS, GZ, GZ_DATA, GZ_GRAPH, RDF, SKOS, XSD

__all__ = [
    "BLEND_GRAPH",
    "BLEND_LANGUAGES",
    "BLEND_PLACES",
    "BlendRecord",
    "blend_quads",
    "neutral_question",
    "read_blend",
]

BLEND_GRAPH = GZ_GRAPH + "blend"
LICENCE = "https://creativecommons.org/licenses/by-sa/4.0/"
CITATION = (
    "Myung, J., Lee, N., Zhou, Y., et al. (2024). BLEnD: A Benchmark for LLMs on Everyday Knowledge "
    "in Diverse Cultures and Languages. NeurIPS Datasets and Benchmarks Track."
)

# file stem -> (place IRI, display name used in the questions, community label)
BLEND_PLACES: dict[str, tuple[str, str]] = {
    "Algeria": (iso_place_iri("DZ"), "Algeria"),
    "Assam": (iso_place_iri("IN-AS"), "Assam"),
    "Azerbaijan": (iso_place_iri("AZ"), "Azerbaijan"),
    "China": (iso_place_iri("CN"), "China"),
    "Ethiopia": (iso_place_iri("ET"), "Ethiopia"),
    "Greece": (iso_place_iri("GR"), "Greece"),
    "Indonesia": (iso_place_iri("ID"), "Indonesia"),
    "Iran": (iso_place_iri("IR"), "Iran"),
    "Mexico": (iso_place_iri("MX"), "Mexico"),
    "North_Korea": (iso_place_iri("KP"), "North Korea"),
    "Northern_Nigeria": (GZ_DATA + "place-region-northern-nigeria", "Northern Nigeria"),
    "South_Korea": (iso_place_iri("KR"), "South Korea"),
    "Spain": (iso_place_iri("ES"), "Spain"),
    "UK": (iso_place_iri("GB"), "UK"),
    "US": (iso_place_iri("US"), "US"),
    "West_Java": (iso_place_iri("ID-JB"), "West Java"),
}
# file stem -> the language (BCP 47) of its annotators' own question and answers.
BLEND_LANGUAGES: dict[str, str] = {
    "Algeria": "ar-DZ",
    "Assam": "as-IN",
    "Azerbaijan": "az-AZ",
    "China": "zh-CN",
    "Ethiopia": "am-ET",
    "Greece": "el-GR",
    "Indonesia": "id-ID",
    "Iran": "fa-IR",
    "Mexico": "es-MX",
    "North_Korea": "ko-KP",
    "Northern_Nigeria": "ha-NG",
    "South_Korea": "ko-KR",
    "Spain": "es-ES",
    "UK": "en-GB",
    "US": "en-US",
    "West_Java": "su-ID",
}
TOPIC_DOMAINS = {
    "Food": "food",
    "Family": "family",
    "Work life": "workplace",
    "Holidays/Celebration/Leisure": "holidays-leisure",
    "Sport": "sport",
    "Education": "education",
}

_T = NamedNode(RDF + "type")
_G = NamedNode(BLEND_GRAPH)


@dataclass(frozen=True)
class BlendRecord:
    """One (question ID, country file) record with its answer clusters: English answers
    and vote count, and the same clusters' answers as the annotators wrote them, in
    ``language``."""

    stem: str
    qid: str
    topic: str
    question: str
    local_question: str
    clusters: tuple[tuple[tuple[str, ...], int], ...]
    local_answers: tuple[tuple[str, ...], ...] = ()
    language: str = "en"


def read_blend(directory: Path) -> Iterator[BlendRecord]:
    """Read every record of a BLEnD checkout (``annotations/`` and ``questions/``)."""
    annotations = directory / "annotations"
    if not annotations.is_dir():
        raise LoadError(
            f"{str(directory)!r} has no annotations/ folder; point to the BLEnD directory "
            "(e.g. ../shared/data/blend)",
            path=directory,
        )
    for path in sorted(annotations.glob("*_data.json")):
        stem = path.name[: -len("_data.json")]
        if stem not in BLEND_PLACES:
            raise LoadError(f"unknown BLEnD file stem {stem!r}", path=path)
        topics = _topics(directory / "questions" / f"{stem}_questions.csv")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise LoadError(f"cannot read {path.name}: {exc}", path=path) from exc
        for qid, entry in data.items():
            answered = [c for c in entry.get("annotations", []) if c.get("count", 0) > 0]
            clusters = tuple(
                (tuple(c.get("en_answers") or c.get("answers") or ()), int(c.get("count", 0)))
                for c in answered
            )
            yield BlendRecord(
                stem,
                qid,
                topics.get(qid, ""),
                entry.get("en_question", ""),
                entry.get("question", ""),
                clusters,
                tuple(tuple(c.get("answers") or ()) for c in answered),
                BLEND_LANGUAGES[stem],
            )


def _topics(path: Path) -> dict[str, str]:
    try:
        with path.open(encoding="utf-8") as handle:
            return {row["ID"]: row["Topic"] for row in csv.DictReader(handle)}
    except (OSError, KeyError) as exc:
        raise LoadError(f"cannot read the topics in {path.name}: {exc}", path=path) from exc


def neutral_question(question: str, stem: str) -> str:
    """The question with its country or region removed ("... in China?" → "...?")."""
    name = BLEND_PLACES[stem][1]
    names = {name, stem.replace("_", " "), f"the {name}"}
    text = question
    for n in sorted(names, key=len, reverse=True):
        text = re.sub(rf"\s*,?\s*\b(in|of|from|across|around)\s+(the\s+)?{re.escape(n)}\b", "", text)
        text = re.sub(rf"\b{re.escape(n)}\b\s*", "", text)
    return re.sub(r"\s+([?,.])", r"\1", " ".join(text.split()))


def _lit(value: str, lang: str | None = "en") -> Literal:
    return Literal(value, language=lang) if lang else Literal(value)


def blend_quads(directory: Path) -> Iterator[Quad]:
    """All quads of the BLEnD graph, licence and attribution first."""
    g = _G
    graph = NamedNode(BLEND_GRAPH)
    yield Quad(graph, NamedNode(DCTERMS + "title"), _lit("BLEnD short-answer data, imported by geertz"), g)
    yield Quad(graph, NamedNode(DCTERMS + "license"), NamedNode(LICENCE), g)
    yield Quad(graph, NamedNode(DCTERMS + "source"), NamedNode("https://github.com/nlee0212/BLEnD"), g)
    yield Quad(graph, NamedNode(DCTERMS + "bibliographicCitation"), _lit(CITATION), g)
    evidence = NamedNode(GZ_DATA + "blend-evidence")
    yield Quad(evidence, _T, NamedNode(GZ + "Evidence"), g)
    yield Quad(
        evidence,
        NamedNode(DCTERMS + "title"),
        _lit("BLEnD: everyday knowledge in diverse cultures and languages"),
        g,
    )
    yield Quad(
        evidence,
        NamedNode(DCTERMS + "source"),
        NamedNode("https://huggingface.co/datasets/nayeon212/BLEnD"),
        g,
    )
    yield Quad(evidence, NamedNode(DCTERMS + "bibliographicCitation"), _lit(CITATION), g)
    yield Quad(evidence, NamedNode(DCTERMS + "license"), NamedNode(LICENCE), g)
    for slug in {*TOPIC_DOMAINS.values()} - {"food", "family", "workplace"}:
        node = NamedNode(GZ_DATA + f"domain-{slug}")
        yield Quad(node, _T, NamedNode(GZ + "Domain"), g)
        yield Quad(node, NamedNode(SKOS + "prefLabel"), _lit(slug.replace("-", " and ")), g)
    for stem, (place, name) in BLEND_PLACES.items():
        community = NamedNode(GZ_DATA + f"blend-community-{stem}")
        yield Quad(community, _T, NamedNode(GZ + "Community"), g)
        yield Quad(community, NamedNode(SKOS + "prefLabel"), _lit(f"BLEnD annotators from {name}"), g)
        yield Quad(
            community,
            NamedNode(GZ + "boundaryNote"),
            Literal(
                f"About five native annotators per question, from {name}, who answered BLEnD's "
                "everyday-life questions in 2023-2024; their answers describe common practice as "
                "they see it, not rules for everyone there."
            ),
            g,
        )
        yield Quad(community, NamedNode(GZ + "basedIn"), NamedNode(place), g)
        scope = NamedNode(GZ_DATA + f"blend-scope-{stem}")
        yield Quad(scope, _T, NamedNode(GZ + "Scope"), g)
        yield Quad(scope, NamedNode(GZ + "place"), NamedNode(place), g)
    practices: set[str] = set()
    for record in read_blend(directory):
        yield from _record_quads(record, practices, evidence)


def _record_quads(record: BlendRecord, practices: set[str], evidence: NamedNode) -> Iterator[Quad]:
    g = _G
    practice = NamedNode(GZ_DATA + f"blend-practice-{record.qid}")
    domain = NamedNode(GZ_DATA + f"domain-{TOPIC_DOMAINS.get(record.topic, 'food')}")
    neutral = neutral_question(record.question, record.stem)
    if record.qid not in practices:
        practices.add(record.qid)
        yield Quad(practice, _T, NamedNode(GZ + "Practice"), g)
        yield Quad(practice, NamedNode(SKOS + "prefLabel"), _lit(neutral), g)
        yield Quad(practice, NamedNode(GZ + "domain"), domain, g)
        yield Quad(practice, NamedNode(DCTERMS + "identifier"), Literal(f"blend:{record.qid}"), g)
    if not record.clusters:
        return
    identifier = Literal(f"blend:{record.stem}:{record.qid}")
    place_name = BLEND_PLACES[record.stem][1]
    total = max(5, max(count for _, count in record.clusters))
    members = []
    decimal = NamedNode(XSD + "decimal")
    # The annotators' own words, where they wrote in a language other than English.
    local = record.language.split("-")[0] != "en" and bool(record.local_question)
    for index, (answers, count) in enumerate(record.clusters, start=1):
        own = record.local_answers[index - 1] if index <= len(record.local_answers) else ()
        node = NamedNode(GZ_DATA + f"blend-{record.stem}-{record.qid}-a{index}")
        members.append(node)
        meaning = NamedNode(GZ_DATA + f"blend-meaning-{record.stem}-{record.qid}-a{index}")
        answer = answers[0] if answers else "(no answer text)"
        yield Quad(meaning, _T, NamedNode(GZ + "Meaning"), g)
        yield Quad(meaning, NamedNode(SKOS + "prefLabel"), _lit(answer), g)
        for variant in answers[1:]:
            yield Quad(meaning, NamedNode(SKOS + "altLabel"), _lit(variant), g)
        if local and own:
            yield Quad(meaning, NamedNode(SKOS + "prefLabel"), _lit(own[0], record.language), g)
            for variant in own[1:]:
                yield Quad(meaning, NamedNode(SKOS + "altLabel"), _lit(variant, record.language), g)
        yield Quad(node, _T, NamedNode(GZ + "Interpretation"), g)
        yield Quad(node, NamedNode(GZ + "ofPractice"), practice, g)
        yield Quad(node, NamedNode(GZ + "meaning"), meaning, g)
        yield Quad(node, NamedNode(GZ + "heldBy"), NamedNode(GZ_DATA + f"blend-community-{record.stem}"), g)
        yield Quad(node, NamedNode(GZ + "scope"), NamedNode(GZ_DATA + f"blend-scope-{record.stem}"), g)
        yield Quad(node, NamedNode(GZ + "perspective"), NamedNode(GZ + "emic"), g)
        yield Quad(node, NamedNode(GZ + "voice"), NamedNode(GZ + "insider"), g)
        yield Quad(node, NamedNode(GZ + "evidence"), evidence, g)
        yield Quad(
            node, NamedNode(GZ + "agreement"), Literal(f"{min(1.0, count / total):.2f}", datatype=decimal), g
        )
        yield Quad(node, NamedNode(DCTERMS + "identifier"), identifier, g)
        yield Quad(
            node,
            NamedNode(GZ + "text"),
            _lit(
                f"Asked '{record.question}', {count} of about {total} BLEnD annotators from {place_name} "
                f"answered: {', '.join(answers[:3]) or answer}."
            ),
            g,
        )
        if local and own:
            text = f"{record.local_question} \u2014 {', '.join(own[:3])}"
            yield Quad(node, NamedNode(GZ + "text"), _lit(text, record.language), g)
    if len(members) > 1:
        variation = NamedNode(GZ_DATA + f"blend-variation-{record.stem}-{record.qid}")
        yield Quad(variation, _T, NamedNode(GZ + "Variation"), g)
        yield Quad(variation, NamedNode(GZ + "variationOf"), practice, g)
        yield Quad(variation, NamedNode(GZ + "dimension"), Literal("individual annotators' answers"), g)
        for member in members:
            yield Quad(variation, NamedNode(GZ + "member"), member, g)
