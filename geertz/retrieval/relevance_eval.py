"""Measuring relevance and coverage on labelled prompts (``geertz eval relevance FILE``).

The file is JSON Lines, one prompt a line::

    {"id": "tip-tokyo", "kind": "in", "prompt": "...", "gold": ["https://w3id.org/geertz/id/practice-..."]}

``kind`` is ``in`` (the graph holds the practice asked about, in the prompt's
context; ``gold`` lists it), ``off`` (a cultural question the graph does not cover:
it lacks the practice, or holds it only elsewhere) or ``chat`` (nothing cultural).

The report gives, per kind, the verdict rates and the mean pack size; for ``in``,
whether a gold practice is among the first three items; and the calibration of
``relevance`` over every candidate: an item counts as relevant when its practice is
gold and its scope does not exclude the prompt's context.
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from geertz.errors import GeertzError
from geertz.retrieval.coverage import Candidate
from geertz.retrieval.relevance import FEATURES, RelevanceModel, calibration_table, fit_weights
from geertz.retrieval.retriever import Retriever

__all__ = [
    "RelevanceCase",
    "RelevanceReport",
    "evaluate_relevance",
    "fit_relevance",
    "read_relevance_cases",
]

Kind = Literal["in", "off", "chat"]
_KINDS = ("in", "off", "chat")


@dataclass(frozen=True)
class RelevanceCase:
    """One labelled prompt."""

    id: str
    kind: Kind
    prompt: str
    gold: tuple[str, ...] = ()


@dataclass
class RelevanceReport:
    """What :func:`evaluate_relevance` measured."""

    cases: Counter[str] = field(default_factory=Counter)
    verdicts: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    pack_sizes: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    gold_top3: int = 0
    gold_top5: int = 0
    calibration: list[tuple[float, float, int, float]] = field(default_factory=list)
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # id, expected, got

    def verdict_rate(self, kind: str, verdicts: Iterable[str]) -> float:
        n = self.cases[kind]
        return sum(self.verdicts[kind][v] for v in verdicts) / n if n else 0.0

    def mean_pack_size(self, kind: str) -> float:
        sizes = self.pack_sizes[kind]
        return sum(sizes) / len(sizes) if sizes else 0.0

    @property
    def gold_top3_rate(self) -> float:
        return self.gold_top3 / self.cases["in"] if self.cases["in"] else 0.0

    @property
    def gold_top5_rate(self) -> float:
        return self.gold_top5 / self.cases["in"] if self.cases["in"] else 0.0


def read_relevance_cases(path: Path) -> list[RelevanceCase]:
    """The labelled prompts in ``path``; a malformed line raises with its number."""
    cases = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise GeertzError(f"cannot read {str(path)!r}: {exc.strerror}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            kind = row["kind"]
            if kind not in _KINDS:
                raise ValueError(f"kind must be one of {', '.join(_KINDS)}, not {kind!r}")
            gold = tuple(row.get("gold") or ())
            if kind == "in" and not gold:
                raise ValueError("an 'in' prompt needs at least one gold practice IRI")
            cases.append(RelevanceCase(str(row["id"]), kind, str(row["prompt"]), gold))
        except (ValueError, KeyError, TypeError) as exc:
            raise GeertzError(
                f"{path}:{number}: {exc}; each line must be a JSON object with "
                '"id", "kind" (in, off or chat), "prompt" and, for in, "gold"'
            ) from exc
    return cases


def _relevant(case: RelevanceCase, candidate: Candidate) -> bool:
    return case.kind == "in" and candidate.statement.practice in case.gold and candidate.applies is not False


def evaluate_relevance(
    retriever: Retriever, cases: Sequence[RelevanceCase], *, k: int = 8
) -> RelevanceReport:
    """Run every case through ``retriever`` and measure verdicts, pack sizes, gold in the
    top three and the calibration of relevance."""
    report = RelevanceReport()
    scores: list[float] = []
    labels: list[bool] = []
    for case in cases:
        ranking = retriever.rank(case.prompt, k=k)
        pack = retriever.pack(ranking, k=k)
        report.cases[case.kind] += 1
        report.verdicts[case.kind][pack.coverage.verdict] += 1
        report.pack_sizes[case.kind].append(len(pack.items))
        if case.kind == "in" and any(item.practice in case.gold for item in pack.items[:3]):
            report.gold_top3 += 1
        if case.kind == "in" and any(item.practice in case.gold for item in pack.items[:5]):
            report.gold_top5 += 1
        expected = {"in": "covered", "off": "not covered", "chat": "not_cultural"}[case.kind]
        verdict = pack.coverage.verdict
        wrong = (
            (case.kind == "in" and verdict != "covered")
            or (case.kind == "off" and verdict == "covered")
            or (case.kind == "chat" and verdict != "not_cultural")
        )
        if wrong:
            report.failures.append((case.id, expected, verdict))
        for candidate in ranking.candidates:
            scores.append(candidate.relevance)
            labels.append(_relevant(case, candidate))
    report.calibration = calibration_table(scores, labels)
    return report


def fit_relevance(
    retriever: Retriever,
    cases: Sequence[RelevanceCase],
    *,
    k: int = 8,
    folds: int = 5,
    seed: int = 0,
    only: Collection[str] | None = None,
) -> tuple[tuple[float, ...], list[tuple[float, float, int, float]]]:
    """Weights for :class:`RelevanceModel` fitted on every candidate of ``cases``, and
    the calibration they reach on prompts held out of the fit (``folds``-fold, by prompt).
    With ``only``, just those features' weights are fitted; the others keep the
    retriever's (see :func:`~geertz.retrieval.relevance.fit_weights`)."""
    base = tuple(float(w) for w in retriever.relevance.weights)
    rows: list[tuple[int, np.ndarray, bool]] = []
    for index, case in enumerate(cases):
        if case.kind == "chat":
            continue
        for candidate in retriever.rank(case.prompt, k=k).candidates:
            if candidate.signals is not None:
                rows.append((index, candidate.signals.vector(), _relevant(case, candidate)))
    if not rows or len({label for _, _, label in rows}) < 2:
        raise GeertzError("fitting needs candidates both relevant and not: add 'in' and 'off' prompts")
    order = sorted({index for index, _, _ in rows})
    random.Random(seed).shuffle(order)
    fold_of = {index: position % folds for position, index in enumerate(order)}
    held_scores: list[float] = []
    held_labels: list[bool] = []
    for fold in range(folds):
        train = [(v, y) for i, v, y in rows if fold_of[i] != fold]
        test = [(v, y) for i, v, y in rows if fold_of[i] == fold]
        if not test or len({y for _, y in train}) < 2:
            continue
        model = RelevanceModel(
            fit_weights([v for v, _ in train], [y for _, y in train], only=only, base=base)
        )
        for vector, label in test:
            held_scores.append(model.probability(vector))
            held_labels.append(label)
    weights = fit_weights([v for _, v, _ in rows], [y for _, _, y in rows], only=only, base=base)
    assert len(weights) == len(FEATURES)
    return weights, calibration_table(held_scores, held_labels)
