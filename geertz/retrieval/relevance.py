"""Relevance: how likely a candidate statement is about what the prompt asks.

The retriever already knows why a statement came up: its practice was named, or
the prompt paraphrases it (embedding similarity), or shares its words (the share
of the prompt's information, by IDF, that the statement's text carries), or the
graph walk reached it; and whether its scope fits the prompt's place, occasion and
roles. :class:`RelevanceModel` turns those signals into a calibrated chance with a
logistic model, fitted on labelled dev prompts (``tests/fixtures/relevance_dev.jsonl``,
``geertz eval relevance FILE --fit``): of the items given 0.8, about 80 % should be
about the question asked, in its context.

>>> model = RelevanceModel()
>>> signals = Signals(named=1.0, lexical=0.6, rank=1.0, applies=True, anchored=True, placed=True)
>>> round(model.relevance(signals), 2) > 0.5
True
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

import numpy as np

__all__ = ["FEATURES", "RelevanceModel", "Signals", "calibration_table", "fit_weights"]

#: The features of the logistic model, in the order of its weights.
FEATURES = (
    "bias",
    "named",
    "other_named",
    "semantic",
    "semantic_gap",
    "embedded",
    "lexical",
    "practice_lexical",
    "rank",
    "applies",
    "not_applies",
    "anchored",
    "unscoped_in_place",
    "occasion_match",
    "occasion_mismatch",
    "role_fit",
    "foreign",
    "foreign_lexical",
    "foreign_semantic",
    "statement_semantic",
    "statement_gap",
)

_COLUMN = {name: i for i, name in enumerate(FEATURES)}

# Fitted on tests/fixtures/relevance_dev.jsonl (83 in, 42 off prompts) and the 40 in
# prompts (20 languages) of tests/fixtures/multilingual_dev.jsonl, every candidate of
# each pack labelled, with `geertz eval relevance FILE --fit`. The foreign_* and
# statement_* weights, which act on prompts in other languages only, were then refitted
# alone (--fit-only) on both files, with multilingual_dev's 14 off prompts, once
# statements' texts were embedded; see docs/retrieval.md.
WEIGHTS: tuple[float, ...] = (
    -5.224,  # bias
    2.661,  # named
    -1.551,  # other_named
    3.256,  # semantic
    -3.171,  # semantic_gap
    -0.155,  # embedded
    0.946,  # lexical
    2.627,  # practice_lexical
    3.467,  # rank
    0.305,  # applies
    -5.26,  # not_applies
    0.31,  # anchored
    -0.603,  # unscoped_in_place
    0.954,  # occasion_match
    -0.233,  # occasion_mismatch
    -0.307,  # role_fit
    1.418,  # foreign
    0.144,  # foreign_lexical
    -0.929,  # foreign_semantic
    2.503,  # statement_semantic
    1.716,  # statement_gap
)


@dataclass(frozen=True)
class Signals:
    """What the retriever knows about one candidate statement for one prompt.

    ``semantic`` is the embedding similarity of the prompt to the statement's
    practice and ``best_semantic`` that of the best-matching practice (both None
    when the prompt was not embedded: it named a practice, or there is no embedder).
    ``lexical`` is the share of the prompt's information (IDF-weighted terms) found
    in the statement's text; ``practice_lexical`` the best share among its practice's
    statements. ``rank`` is its retrieval score over the best candidate's. ``applies``
    is the scope check's verdict; ``anchored`` that its place scope lies on the
    prompt's place chain; ``placed`` that the prompt names a place. ``foreign``: the
    prompt is in another language than English, the language most of the graph's
    text is written in; its words seldom meet the text's, so the lexical signals say
    less and the semantic ones more (the ``foreign_*`` features let the fit weigh
    them apart). ``statement`` is the embedding similarity of such a prompt to the
    statement's own text and ``best_statement`` the best among the statements whose
    texts are embedded (both None unless the prompt is in another language and the
    statement's text was embedded).
    """

    named: float = 0.0
    other_named: float = 0.0
    semantic: float | None = None
    best_semantic: float | None = None
    lexical: float = 0.0
    practice_lexical: float = 0.0
    rank: float = 0.0
    applies: bool | None = None
    anchored: bool = False
    placed: bool = False
    unscoped: bool = False
    occasion: int = 0  # 1: the prompt's occasion is the statement's; -1: another one
    role_fit: float = 1.0
    foreign: bool = False  # the prompt is not in English, the language of most graph text
    statement: float | None = None
    best_statement: float | None = None

    def in_scope(self) -> Signals:
        """The same statement as if its scope held where the prompt is set: what it
        says of the practice itself, whatever the place."""
        return replace(
            self,
            applies=True if self.placed else self.applies,
            anchored=self.placed,
            unscoped=False,
            occasion=max(self.occasion, 0),
        )

    def vector(self) -> np.ndarray:
        """The feature vector, in the order of :data:`FEATURES`."""
        embedded = self.semantic is not None and self.best_semantic is not None
        semantic = 10 * ((self.semantic or 0.0) - 0.8) if embedded else 0.0
        gap = 10 * ((self.best_semantic or 0.0) - (self.semantic or 0.0)) if embedded else 0.0
        own = self.statement is not None and self.best_statement is not None
        statement = 10 * ((self.statement or 0.0) - 0.8) if own else 0.0
        statement_gap = 10 * ((self.best_statement or 0.0) - (self.statement or 0.0)) if own else 0.0
        return np.array(
            [
                1.0,
                self.named,
                self.other_named,
                semantic,
                gap,
                1.0 if embedded else 0.0,
                self.lexical,
                self.practice_lexical,
                self.rank,
                1.0 if self.applies is True else 0.0,
                1.0 if self.applies is False else 0.0,
                1.0 if self.anchored else 0.0,
                1.0 if self.unscoped and self.placed else 0.0,
                1.0 if self.occasion > 0 else 0.0,
                1.0 if self.occasion < 0 else 0.0,
                math.log(max(self.role_fit, 1e-3)),
                1.0 if self.foreign else 0.0,
                self.lexical if self.foreign else 0.0,
                semantic if self.foreign else 0.0,
                statement,
                statement_gap,
            ]
        )


class RelevanceModel:
    """A logistic model over :class:`Signals`; the weights default to the fitted ones."""

    def __init__(self, weights: Sequence[float] = WEIGHTS) -> None:
        if len(weights) != len(FEATURES):
            raise ValueError(f"expected {len(FEATURES)} weights ({', '.join(FEATURES)}), got {len(weights)}")
        self.weights = np.asarray(weights, dtype=float)

    def relevance(self, signals: Signals) -> float:
        """The calibrated chance, in [0, 1], that the statement is about the question."""
        return self.probability(signals.vector())

    def probability(self, vector: np.ndarray) -> float:
        """The model's chance for a feature vector (a row of :meth:`Signals.vector`)."""
        return _sigmoid(float(self.weights @ vector))

    def relevance_and_topic(self, signals: Sequence[Signals]) -> tuple[list[float], list[float]]:
        """:meth:`relevance` and :meth:`topic` of each of ``signals``, computed together."""
        if not signals:
            return [], []
        vectors = np.array([s.vector() for s in signals])
        placed = np.array([s.placed for s in signals])
        # What Signals.in_scope changes, written on the feature columns.
        inside = vectors.copy()
        inside[placed, _COLUMN["applies"]] = 1.0
        inside[placed, _COLUMN["not_applies"]] = 0.0
        inside[:, _COLUMN["anchored"]] = placed
        inside[:, _COLUMN["unscoped_in_place"]] = 0.0
        inside[:, _COLUMN["occasion_mismatch"]] = 0.0
        both = np.clip(np.concatenate([vectors, inside]) @ self.weights, -30.0, 30.0)
        chances = (1.0 / (1.0 + np.exp(-both))).tolist()
        return chances[: len(signals)], chances[len(signals) :]

    def topic(self, signals: Signals) -> float:
        """The chance that the statement's practice is what the prompt asks about,
        wherever the statement holds."""
        return self.relevance(signals.in_scope())


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, x))))


def fit_weights(
    vectors: Sequence[np.ndarray],
    labels: Sequence[bool],
    *,
    l2: float = 1.0,
    only: Collection[str] | None = None,
    base: Sequence[float] = WEIGHTS,
) -> tuple[float, ...]:
    """Logistic regression weights for ``vectors`` (rows of :meth:`Signals.vector`) and
    ``labels``, with an L2 penalty ``l2`` on every weight but the bias. With ``only``
    (names from :data:`FEATURES`), just those weights are fitted and the others keep
    their values in ``base``: a new feature is fitted without moving what the rest
    of the model decides."""
    from scipy.optimize import minimize

    unknown = sorted(set(only or ()) - set(FEATURES))
    if unknown:
        raise ValueError(f"unknown relevance features {', '.join(unknown)}; known: {', '.join(FEATURES)}")
    x = np.vstack(vectors)
    y = np.asarray(labels, dtype=float)
    penalty = np.ones(x.shape[1])
    penalty[0] = 0.0
    free = np.array([only is None or name in only for name in FEATURES], dtype=float)
    start = np.where(free > 0, 0.0, np.asarray(base, dtype=float))

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = np.clip(x @ w, -30, 30)
        p = 1 / (1 + np.exp(-z))
        value = float(-np.sum(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12)))
        value += 0.5 * l2 * float(np.sum(penalty * w * w))
        grad = (x.T @ (p - y) + l2 * penalty * w) * free  # weights not fitted stay where they start
        return value, grad

    result = minimize(loss, start, jac=True, method="L-BFGS-B")
    return tuple(round(float(w), 3) for w in result.x)


def calibration_table(
    scores: Sequence[float], labels: Sequence[bool], bins: int = 5
) -> list[tuple[float, float, int, float]]:
    """Reliability bins: ``(low, high, items, share relevant)`` for each bin of
    ``scores`` that holds any item."""
    rows = []
    for i in range(bins):
        low, high = i / bins, (i + 1) / bins
        inside = [
            label
            for score, label in zip(scores, labels, strict=True)
            if low <= score < high or (i == bins - 1 and score == 1.0)
        ]
        if inside:
            rows.append((low, high, len(inside), sum(inside) / len(inside)))
    return rows
