"""Measuring answers end to end on BLEnD: does the answer name what most annotators said?

For each prompt whose country is only implied (a city, a language or a persona, as
built by :func:`geertz.retrieval.evaluate.build_cases`), the default answer is
written from the pack, and it counts as a hit when it contains any English answer
of the record's largest cluster (all of them when several tie), or the same answer
as the annotators wrote it in their language, compared folded for case and accents
and on word boundaries. This is the figure BLEnD itself reports for
short answers, applied to what a geertz user would read.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from geertz.generation.answerer import Answerer
from geertz.graph.blend import BlendRecord
from geertz.retrieval.evaluate import ContextSource, EvalCase
from geertz.text import fold

__all__ = ["AnswerReport", "contains_answer", "evaluate_answers", "majority_answers"]

_NO_SPACES = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\u0e00-\u0e7f]")


def majority_answers(record: BlendRecord) -> tuple[str, ...]:
    """The answers of the record's largest cluster, or of every cluster tied for it: in
    English, then as the annotators wrote them (an answer in their language counts)."""
    if not record.clusters:
        return ()
    top = max(count for _, count in record.clusters)
    tied = [i for i, (_answers, count) in enumerate(record.clusters) if count == top]
    english = [answer for i in tied for answer in record.clusters[i][0]]
    own = [answer for i in tied if i < len(record.local_answers) for answer in record.local_answers[i]]
    return tuple(dict.fromkeys([*english, *own]))


def contains_answer(text: str, answers: Iterable[str]) -> bool:
    """Whether ``text`` contains any of ``answers`` as whole words (anywhere, in scripts
    written without spaces), folded for case and accents."""
    folded = fold(text)
    for answer in answers:
        needle = fold(answer)
        if not needle:
            continue
        if _NO_SPACES.search(needle):  # Chinese or Japanese: no word boundaries to find
            if needle in folded:
                return True
        elif re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", folded):
            return True
    return False


@dataclass
class AnswerReport:
    """The share of implied-country prompts whose answer names a majority answer, per cue."""

    split: str
    cases: Counter[str] = field(default_factory=Counter)
    hits: Counter[str] = field(default_factory=Counter)
    misses: list[tuple[str, str]] = field(default_factory=list)

    def rate(self, cue: str | None = None) -> float:
        """The hit rate for one cue, or over all cues."""
        cases = self.cases[cue] if cue else sum(self.cases.values())
        hits = self.hits[cue] if cue else sum(self.hits.values())
        return hits / cases if cases else 0.0


def evaluate_answers(
    source: ContextSource,
    answerer: Answerer,
    cases: Iterable[EvalCase],
    records: Iterable[BlendRecord],
    *,
    split: str,
    k: int = 8,
) -> AnswerReport:
    """Answer every implied-country case (cue-less prompts are skipped: no answer can
    know their country) and count those whose answer names a majority answer. ``k``
    is the pack size ``geertz ask`` and ``/v1/answer`` use by default."""
    majority = {(r.stem, r.qid): majority_answers(r) for r in records}
    report = AnswerReport(split=split)
    for case in cases:
        if case.cue == "none" or case.stem is None:
            continue
        answers = majority.get((case.stem, case.qid), ())
        if not answers:
            continue
        answer = answerer.answer(source.context(case.prompt, k=k))
        report.cases[case.cue] += 1
        if contains_answer(answer.answer, answers):
            report.hits[case.cue] += 1
        else:
            report.misses.append((case.prompt, answers[0]))
    return report
