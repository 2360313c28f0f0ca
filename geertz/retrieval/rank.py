"""Ranking statements: lexical overlap (BM25) and personalized PageRank over a
projection of the instance graph, both precomputed once per snapshot."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping

import numpy as np
from scipy import sparse

from geertz.retrieval.snapshot import Snapshot
from geertz.text import fold

__all__ = ["Bm25", "GraphRanker", "tokens"]

_WORD = re.compile(r"\w+", re.UNICODE)
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "do",
        "does",
        "for",
        "from",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "should",
        "so",
        "that",
        "the",
        "their",
        "them",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "can",
        "could",
        "may",
        "might",
        "about",
        "after",
        "before",
        "during",
        "than",
        "then",
        "very",
        "just",
        "also",
        "some",
        "many",
        "much",
        "more",
        "most",
        "other",
        "any",
        "each",
        "own",
        "same",
        "such",
        "only",
        "not",
        "no",
        "yes",
        "get",
        "got",
        "make",
        "made",
        "one",
        "two",
    ]
)


# Scripts written without spaces between words (Chinese, Japanese, Thai, Lao, Myanmar):
# their runs are indexed as overlapping character pairs, the usual unit for them.
_NO_SPACE_RUN = re.compile(
    r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f]+"
)


def _words(folded: str) -> list[str]:
    words: list[str] = []
    for word in _WORD.findall(folded):
        if not _NO_SPACE_RUN.search(word):
            words.append(word)
            continue
        for piece in re.split(f"({_NO_SPACE_RUN.pattern})", word):
            if not piece:
                continue
            if _NO_SPACE_RUN.fullmatch(piece):
                words += [piece[i : i + 2] for i in range(max(len(piece) - 1, 1))]
            else:
                words.append(piece)
    return words


def tokens(text: str) -> list[str]:
    """Folded word tokens without stopwords, crudely stemmed (plural and -ing/-ed endings);
    in scripts written without spaces, overlapping character pairs."""
    out = []
    for word in _words(fold(text)):
        if word in STOPWORDS or len(word) < 2:
            continue
        for suffixes in (("es", "s"), ("ing", "ed")):  # "greetings" -> "greeting" -> "greet"
            for suffix in suffixes:
                if len(word) > len(suffix) + 3 and word.endswith(suffix):
                    word = word[: -len(suffix)]
                    break
        out.append(word)
    return out


class Bm25:
    """Okapi BM25 over one text per document id."""

    def __init__(self, documents: Mapping[str, str], k1: float = 1.2, b: float = 0.75) -> None:
        self.ids = list(documents)
        self.k1, self.b = k1, b
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.lengths = np.zeros(len(self.ids))
        for index, doc_id in enumerate(self.ids):
            counts = Counter(tokens(documents[doc_id]))
            self.lengths[index] = sum(counts.values())
            for term, count in counts.items():
                self.postings[term].append((index, count))
        self.average = float(self.lengths.mean()) if len(self.ids) else 0.0
        self._arrays = {
            term: (np.array([i for i, _ in posting]), np.array([c for _, c in posting], dtype=float))
            for term, posting in self.postings.items()
        }

    def matched_fraction(self, query: str) -> np.ndarray:
        """For every document, the share of the query's information (the IDF of its
        terms, a term the corpus lacks counting as the rarest) that the document holds."""
        result = np.zeros(len(self.ids))
        n = len(self.ids)
        total = 0.0
        for term in set(tokens(query)):
            arrays = self._arrays.get(term)
            found = len(arrays[0]) if arrays is not None else 0
            idf = math.log(1 + (n - found + 0.5) / (found + 0.5))
            total += idf
            if arrays is not None:
                result[arrays[0]] += idf
        return result / total if total else result

    def score_array(self, query: str) -> np.ndarray:
        """BM25 scores of all documents, in the order of ``ids``."""
        result = np.zeros(len(self.ids))
        n = len(self.ids)
        for term in set(tokens(query)):
            arrays = self._arrays.get(term)
            if arrays is None:
                continue
            indices, counts = arrays
            idf = math.log(1 + (n - len(indices) + 0.5) / (len(indices) + 0.5))
            norm = counts + self.k1 * (1 - self.b + self.b * self.lengths[indices] / (self.average or 1))
            result[indices] += idf * counts * (self.k1 + 1) / norm
        return result


# Edge weights of the projection: how strongly a statement is tied to each neighbour.
EDGE_WEIGHTS = {
    "practice": 1.0,
    "holder": 0.8,
    "meaning": 0.6,
    "variation": 0.7,
    "place": 0.5,
    "occasion": 0.9,
    "setting": 0.7,
    "role": 0.7,
    "relation": 0.7,
    "language": 0.6,
    "domain": 0.3,
    "goal": 0.5,
    "time": 0.3,
    "basedIn": 0.4,
    "originatesIn": 0.4,
    "overlapsWith": 0.3,
    "nestedIn": 0.3,
    "speaks": 0.4,
    "describedBy": 0.5,
}


def _edges(snapshot: Snapshot) -> list[tuple[str, str, float]]:
    """The projection's weighted edges: each statement to its practice, holders,
    meanings, scope values and variations, plus the snapshot's links between nodes."""
    edges: list[tuple[str, str, float]] = []
    for st in snapshot.statements.values():
        if st.practice:
            edges.append((st.iri, st.practice, EDGE_WEIGHTS["practice"]))
        edges.extend((st.iri, h, EDGE_WEIGHTS["holder"]) for h in st.holders)
        edges.extend((st.iri, m, EDGE_WEIGHTS["meaning"]) for m in st.meanings)
        for facet, values in st.scope.items():
            edges.extend((st.iri, v, EDGE_WEIGHTS.get(facet, 0.3)) for v in values)
        edges.extend((st.iri, v, EDGE_WEIGHTS["variation"]) for v in snapshot.variations_of.get(st.iri, ()))
    edges.extend((s, o, EDGE_WEIGHTS.get(p, 0.3)) for s, p, o in snapshot.links)
    return edges


class GraphRanker:
    """Personalized PageRank over statements and the nodes they point to.

    ``rdf:type`` and ontology terms are left out of the projection, so hubs such as
    ``gz:Interpretation`` cannot pull every statement together.

    The scores are the walk's stationary distribution (restart probability
    ``1 - alpha``), solved as a linear system rather than by stepping the walk. The
    graph is undirected, so after a change of variables the system is symmetric
    positive definite, and conjugate gradients reach in ``iterations`` sparse
    products an accuracy the power iteration needs two to three times as many for.
    Nodes with a single neighbour (43 % of them once BLEnD is loaded: the meanings
    of its answers) are eliminated exactly beforehand and their scores recovered
    afterwards, which shrinks each product by a fifth.
    """

    def __init__(
        self, snapshot: Snapshot, alpha: float = 0.85, iterations: int = 7, tolerance: float = 1e-4
    ) -> None:
        self.alpha, self.iterations, self.tolerance = alpha, iterations, tolerance
        edges = _edges(snapshot)
        nodes = sorted({n for s, o, _ in edges for n in (s, o)})
        first = {node: i for i, node in enumerate(nodes)}
        size = len(nodes)
        rows = np.array([first[s] for s, _, _ in edges], dtype=np.int64)
        cols = np.array([first[o] for _, o, _ in edges], dtype=np.int64)
        weights = np.array([w for _, _, w in edges], dtype=np.float64)
        # Damp hubs: an edge counts for less the more edges its ends have, so a
        # community or place shared by a thousand statements does not carry the
        # walk to all of them (symmetric degree normalisation).
        degree = np.bincount(np.concatenate([rows, cols]), minlength=size).astype(np.float64)
        weights /= np.sqrt(degree[rows] * degree[cols])
        both = (np.concatenate([rows, cols]), np.concatenate([cols, rows]))
        matrix = sparse.csr_matrix((np.concatenate([weights, weights]), both), shape=(size, size))
        strength = np.asarray(matrix.sum(axis=1)).ravel()
        strength[strength == 0] = 1.0
        root = np.sqrt(strength)
        # With W the weights and D their row sums, the scores are x = D^1/2 y where
        # (I - alpha S) y = (1 - alpha) D^-1/2 p and S = D^-1/2 W D^-1/2 is symmetric.
        inverse_root = sparse.diags(1.0 / root)
        symmetric = (inverse_root @ matrix @ inverse_root).tocsr()
        single = np.diff(symmetric.indptr) == 1
        parent_of = np.full(size, -1, dtype=np.int64)
        parent_of[single] = symmetric.indices[symmetric.indptr[:-1][single]]
        # A leaf's parent stays (two nodes joined only to each other are both kept).
        leaf = single & ~single[np.maximum(parent_of, 0)]
        kept, leaves = np.nonzero(~leaf)[0], np.nonzero(leaf)[0]
        # Kept nodes come first in the index, then the leaves.
        order = np.concatenate([kept, leaves])
        self.index = {nodes[i]: position for position, i in enumerate(order.tolist())}
        self._kept = len(kept)
        self._root = root[order]
        new_position = np.empty(size, dtype=np.int64)
        new_position[order] = np.arange(size)
        self._parents = new_position[parent_of[leaves]]
        self._leaf_weight = np.asarray(symmetric[leaves, parent_of[leaves]]).ravel()
        # Eliminating a leaf l of parent u leaves the term alpha^2 S_ul^2 on u's diagonal.
        diagonal = 1.0 - np.bincount(
            self._parents, weights=alpha**2 * self._leaf_weight**2, minlength=len(kept)
        )
        self._diagonal = diagonal.astype(np.float32)
        self._walk = (alpha * symmetric[kept][:, kept]).tocsr().astype(np.float32)

    def rank_array(self, seeds: Mapping[str, float]) -> np.ndarray:
        """Personalized PageRank scores of all nodes, in the order of ``index``."""
        size, kept, alpha = len(self.index), self._kept, self.alpha
        personal = np.zeros(size)
        for node, weight in seeds.items():
            position = self.index.get(node)
            if position is not None and weight > 0:
                personal[position] += weight
        total = personal.sum()
        if not total:
            return personal
        rhs = personal
        rhs *= (1 - alpha) / total
        rhs /= self._root
        leaf_rhs = rhs[kept:]
        # Each leaf's restart mass reaches its parent in one step.
        reduced = rhs[:kept] + np.bincount(
            self._parents, weights=alpha * self._leaf_weight * leaf_rhs, minlength=kept
        )
        solution = _conjugate_gradients(
            self._walk, self._diagonal, reduced.astype(np.float32), self.iterations, self.tolerance
        )
        scores = np.empty(size)
        scores[:kept] = solution
        scores[kept:] = leaf_rhs + alpha * self._leaf_weight * solution[self._parents]
        scores *= self._root
        return scores


def _conjugate_gradients(
    walk: sparse.csr_matrix, diagonal: np.ndarray, rhs: np.ndarray, iterations: int, tolerance: float
) -> np.ndarray:
    """Solve ``(diag(diagonal) - walk) y = rhs``, a symmetric positive definite system,
    from ``y = 0``: at most ``iterations`` steps, fewer once the residual's norm is
    below ``tolerance`` times the right-hand side's."""
    solution = np.zeros_like(rhs)
    residual = rhs.copy()
    direction = rhs.copy()
    norm = float(residual @ residual)
    goal = tolerance**2 * norm
    for _ in range(iterations):
        if norm <= goal:
            break
        product = diagonal * direction
        product -= walk @ direction
        step = norm / float(direction @ product)
        solution += step * direction
        residual -= step * product
        previous, norm = norm, float(residual @ residual)
        direction *= norm / previous
        direction += residual
    return solution
