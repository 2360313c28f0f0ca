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


class GraphRanker:
    """Personalized PageRank over statements and the nodes they point to.

    ``rdf:type`` and ontology terms are left out of the projection, so hubs such as
    ``gz:Interpretation`` cannot pull every statement together.
    """

    def __init__(self, snapshot: Snapshot, alpha: float = 0.85, iterations: int = 15) -> None:
        self.alpha, self.iterations = alpha, iterations
        edges: list[tuple[str, str, float]] = []
        for st in snapshot.statements.values():
            if st.practice:
                edges.append((st.iri, st.practice, EDGE_WEIGHTS["practice"]))
            edges.extend((st.iri, h, EDGE_WEIGHTS["holder"]) for h in st.holders)
            edges.extend((st.iri, m, EDGE_WEIGHTS["meaning"]) for m in st.meanings)
            for facet, values in st.scope.items():
                edges.extend((st.iri, v, EDGE_WEIGHTS.get(facet, 0.3)) for v in values)
            edges.extend(
                (st.iri, v, EDGE_WEIGHTS["variation"]) for v in snapshot.variations_of.get(st.iri, ())
            )
        edges.extend((s, o, EDGE_WEIGHTS.get(p, 0.3)) for s, p, o in snapshot.links)
        nodes = sorted({n for s, o, _ in edges for n in (s, o)})
        self.index = {node: i for i, node in enumerate(nodes)}
        # Damp hubs: an edge counts for less the more edges its ends have, so a
        # community or place shared by a thousand statements does not carry the
        # walk to all of them (symmetric degree normalisation).
        degree: Counter[str] = Counter()
        for s_, o_, _ in edges:
            degree[s_] += 1
            degree[o_] += 1
        edges = [(s_, o_, w / math.sqrt(degree[s_] * degree[o_])) for s_, o_, w in edges]
        rows = [self.index[s] for s, o, _ in edges] + [self.index[o] for s, o, _ in edges]
        cols = [self.index[o] for s, o, _ in edges] + [self.index[s] for s, o, _ in edges]
        weights = [w for _, _, w in edges] * 2
        size = len(nodes)
        matrix = sparse.csr_matrix((weights, (rows, cols)), shape=(size, size))
        out = np.asarray(matrix.sum(axis=1)).ravel()
        out[out == 0] = 1.0
        # Column-stochastic transition matrix, transposed once for the power iteration;
        # single precision halves the memory each step reads, and scores are compared
        # only to each other.
        self.transition = sparse.diags(1.0 / out) @ matrix
        self.transition_t = self.transition.T.tocsr().astype(np.float32)

    def rank_array(self, seeds: Mapping[str, float]) -> np.ndarray:
        """Personalized PageRank scores of all nodes, in the order of ``index``."""
        known = {self.index[n]: w for n, w in seeds.items() if n in self.index and w > 0}
        if not known:
            return np.zeros(len(self.index))
        personal = np.zeros(len(self.index), dtype=np.float32)
        for i, weight in known.items():
            personal[i] = weight
        personal /= personal.sum()
        scores = personal.copy()
        restart = (1 - self.alpha) * personal
        for _ in range(self.iterations):
            scores = self.transition_t @ scores
            scores *= self.alpha
            scores += restart
        return scores.astype(np.float64)
