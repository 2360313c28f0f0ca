"""Measuring retrieval on BLEnD: prompts whose country is only implied, or absent.

For every record of the chosen split, the question with its country removed is
asked with one cue: a city of the country or region ("I live in Kano."), a
language spoken there ("I am a Hausa speaker.") or a persona ("I'm Northern
Nigerian and work as a driver."); each question is also asked once with no cue,
and, where the annotators wrote in another language, as they wrote it (cue
``local``: "Azərbaycanda … nədir?", the place named in that language).
The record's own interpretations (identifier ``blend:<stem>:<qid>``) should rank
first; the same question from another country should not.

The split is by question ID: dev when ``int(sha1(ID), 16) % 5 == 0``, else test.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal, Protocol

from geertz.graph.blend import BlendRecord, neutral_question
from geertz.retrieval.pack import ContextPack

__all__ = [
    "CITY_CUES",
    "LANGUAGE_CUES",
    "METRICS",
    "PERSONA_CUES",
    "ContextSource",
    "EvalCase",
    "EvalReport",
    "build_cases",
    "evaluate",
    "split_of",
]

Split = Literal["dev", "test"]

# Cities of each country or region (not its best-known capital where avoidable).
CITY_CUES: dict[str, tuple[str, ...]] = {
    "Algeria": ("Oran", "Constantine", "Annaba"),
    "Assam": ("Guwahati", "Dibrugarh", "Jorhat"),
    "Azerbaijan": ("Ganja", "Sumqayit", "Lankaran"),
    "China": ("Chengdu", "Wuhan", "Hangzhou"),
    "Ethiopia": ("Gondar", "Mek'ele", "Dire Dawa"),
    "Greece": ("Thessaloniki", "Patras", "Heraklion"),
    "Indonesia": ("Surabaya", "Medan", "Makassar"),
    "Iran": ("Isfahan", "Shiraz", "Mashhad"),
    "Mexico": ("Guadalajara", "Monterrey", "Puebla"),
    "North_Korea": ("Pyongyang", "Hamhung", "Chongjin"),
    "Northern_Nigeria": ("Kano", "Kaduna", "Sokoto"),
    "South_Korea": ("Busan", "Daegu", "Incheon"),
    "Spain": ("Seville", "Zaragoza", "Bilbao"),
    "UK": ("Leeds", "Glasgow", "Birmingham"),
    "US": ("Chicago", "Houston", "Phoenix"),
    "West_Java": ("Bandung", "Bogor", "Cirebon"),
}
# The language of each file's annotators. English, Spanish and Korean are each
# shared by two files, so those cues are ambiguous by design.
LANGUAGE_CUES: dict[str, str] = {
    "Algeria": "Algerian Arabic",
    "Assam": "Assamese",
    "Azerbaijan": "Azerbaijani",
    "China": "Chinese",
    "Ethiopia": "Amharic",
    "Greece": "Greek",
    "Indonesia": "Indonesian",
    "Iran": "Persian",
    "Mexico": "Spanish",
    "North_Korea": "Korean",
    "Northern_Nigeria": "Hausa",
    "South_Korea": "Korean",
    "Spain": "Spanish",
    "UK": "English",
    "US": "English",
    "West_Java": "Sundanese",
}
SHARED_LANGUAGES = {"Spanish", "Korean", "English"}
#: The metrics reported per cue, by key, with their column headers.
METRICS: dict[str, str] = {
    "recall@1": "R@1",
    "recall@5": "R@5",
    "recall@10": "R@10",
    "mrr@10": "MRR@10",
    "wrong_country_first": "wrong country first",
    "wrong_first_without_asking": "… without asking",
    "wrong_first_floor": "… least possible",
}
# How an asker from each file might describe themselves. "Sundanese" and "Assamese"
# are also languages, and "Spanish", "Chinese", "Greek", "Indonesian" and
# "Azerbaijani" too: the frame reads "I'm Spanish" as a place, "a Spanish speaker"
# as a language.
PERSONA_CUES: dict[str, str] = {
    "Algeria": "Algerian",
    "Assam": "Assamese",
    "Azerbaijan": "Azerbaijani",
    "China": "Chinese",
    "Ethiopia": "Ethiopian",
    "Greece": "Greek",
    "Indonesia": "Indonesian",
    "Iran": "Iranian",
    "Mexico": "Mexican",
    "North_Korea": "North Korean",
    "Northern_Nigeria": "Northern Nigerian",
    "South_Korea": "South Korean",
    "Spain": "Spanish",
    "UK": "British",
    "US": "American",
    "West_Java": "Sundanese",
}
_OCCUPATIONS = ("a nurse", "a schoolteacher", "an engineer", "a shopkeeper", "a student", "a driver")


def split_of(qid: str) -> Split:
    """The split a question belongs to."""
    return "dev" if int(hashlib.sha1(qid.encode("utf-8")).hexdigest(), 16) % 5 == 0 else "test"


@dataclass(frozen=True)
class EvalCase:
    stem: str | None
    qid: str
    cue: Literal["city", "language", "persona", "local", "none"]
    prompt: str


def build_cases(records: Iterable[BlendRecord], split: Split) -> Iterator[EvalCase]:
    """The prompts for every answered record of ``split``, and one cue-less prompt per question."""
    asked: set[str] = set()
    for record in records:
        if split_of(record.qid) != split or not record.clusters:
            continue
        question = neutral_question(record.question, record.stem)
        cities = CITY_CUES[record.stem]
        city = cities[int(hashlib.sha1(record.qid.encode()).hexdigest(), 16) % len(cities)]
        yield EvalCase(record.stem, record.qid, "city", f"I live in {city}. {question}")
        job = _OCCUPATIONS[int(hashlib.sha1(record.qid.encode()).hexdigest(), 16) % len(_OCCUPATIONS)]
        yield EvalCase(
            record.stem,
            record.qid,
            "persona",
            f"I'm {PERSONA_CUES[record.stem]} and work as {job}. {question}",
        )
        language = LANGUAGE_CUES[record.stem]
        article = "an" if language[0] in "AEIOU" else "a"
        yield EvalCase(record.stem, record.qid, "language", f"I am {article} {language} speaker. {question}")
        if record.local_question and not record.language.startswith("en"):
            # The annotators' own question, in their language, naming the place in it.
            yield EvalCase(record.stem, record.qid, "local", record.local_question)
        if record.qid not in asked:
            asked.add(record.qid)
            yield EvalCase(None, record.qid, "none", question)


@dataclass
class _Tally:
    cases: int = 0
    hits: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    reciprocal: float = 0.0
    wrong_first: int = 0
    wrong_first_unasked: int = 0
    stems_by_prompt: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    def floor(self) -> float:
        """The least wrong-country-first rate any retriever that reads only the prompt
        can reach: where the same prompt stands for records of several files (the
        same question asked by "a Korean speaker" for North and South Korea), one
        answer serves them all, so at most the commonest file among them comes first."""
        lost = sum(sum(c.values()) - max(c.values()) for c in self.stems_by_prompt.values())
        return lost / max(self.cases, 1)


@dataclass
class EvalReport:
    """Metrics per cue type (and for the no-cue prompts)."""

    split: str
    by_cue: dict[str, dict[str, float]] = field(default_factory=dict)
    no_cue: dict[str, float] = field(default_factory=dict)
    mean_ms: float = 0.0


class ContextSource(Protocol):
    """Anything that maps a prompt to a ContextPack: a Retriever, or a baseline to compare."""

    def context(self, prompt: str, *, k: int = 10) -> ContextPack: ...


def evaluate(retriever: ContextSource, cases: Iterable[EvalCase], *, split: str, k: int = 10) -> EvalReport:
    """Run every case and compute Recall@1/5/10, MRR@10 and the wrong-country-first rate,
    both overall and where the pack did not ask which place was meant (a language shared
    by two files leaves the place open, and the pack says so), beside the least rate any
    retriever could reach on the same cases (identical prompts for different files)."""
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    none_cases = flagged = confident = 0
    total_ms = 0.0
    count = 0
    for case in cases:
        pack = retriever.context(case.prompt, k=k)
        total_ms += pack.timing_ms
        count += 1
        stems = [
            ident.split(":")[1]
            for item in pack.items
            for ident in item.identifiers[:1]
            if ident.startswith("blend:") and ident.endswith(f":{case.qid}")
        ]
        if case.cue == "none":
            none_cases += 1
            flagged += any(m.facet == "place" for m in pack.missing)
            confident += bool(stems) and len(set(stems[:5])) == 1 and not pack.missing
            continue
        shared = LANGUAGE_CUES.get(case.stem or "") in SHARED_LANGUAGES
        keys = [case.cue, f"{case.cue}:{'shared-language' if shared else 'unique'}"]
        ranked = [item.identifiers[0] if item.identifiers else "" for item in pack.items]
        target = f"blend:{case.stem}:{case.qid}"
        rank = next((i for i, ident in enumerate(ranked, start=1) if ident == target), None)
        for key in keys if case.cue == "language" else keys[:1]:
            tally = tallies[key]
            tally.cases += 1
            for cutoff in (1, 5, 10):
                tally.hits[cutoff] += rank is not None and rank <= cutoff
            tally.reciprocal += 1 / rank if rank else 0.0
            wrong = bool(stems) and stems[0] != case.stem
            tally.wrong_first += wrong
            tally.wrong_first_unasked += wrong and not any(m.facet == "place" for m in pack.missing)
            tally.stems_by_prompt[case.prompt][case.stem or ""] += 1
    report = EvalReport(split=split, mean_ms=round(total_ms / max(count, 1), 2))
    for key, tally in sorted(tallies.items()):
        n = max(tally.cases, 1)
        report.by_cue[key] = {
            "cases": tally.cases,
            "recall@1": round(tally.hits[1] / n, 3),
            "recall@5": round(tally.hits[5] / n, 3),
            "recall@10": round(tally.hits[10] / n, 3),
            "mrr@10": round(tally.reciprocal / n, 3),
            "wrong_country_first": round(tally.wrong_first / n, 3),
            "wrong_first_without_asking": round(tally.wrong_first_unasked / n, 3),
            "wrong_first_floor": round(tally.floor(), 3),
        }
    if none_cases:
        report.no_cue = {
            "cases": none_cases,
            "missing_place_flagged": round(flagged / none_cases, 3),
            "confident_single_country": round(confident / none_cases, 3),
        }
    return report
