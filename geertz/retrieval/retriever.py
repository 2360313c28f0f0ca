"""The retriever: prompt → ContextPack, with no LLM call.

>>> retriever = Retriever.build(store)                           # doctest: +SKIP
>>> pack = retriever.context("What should I bring to a wedding in Bandung?")
>>> pack.frame["place"][0].label, pack.items[0].applies
('Bandung', True)
"""

from __future__ import annotations

import hashlib
import heapq
import logging
import pickle
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from geertz.graph.store import GraphStore
from geertz.i18n import N_, base_language, languages, say
from geertz.retrieval.coverage import NOT_CULTURAL_NOTE, Candidate, judge, select
from geertz.retrieval.embed import Embedder
from geertz.retrieval.frame import Frame, extract_frame
from geertz.retrieval.labels import LabelIndex
from geertz.retrieval.language import DetectedLanguage
from geertz.retrieval.pack import (
    ContextPack,
    Coverage,
    FrameCue,
    MissingContext,
    PackItem,
    Source,
    VariationNote,
)
from geertz.retrieval.places import PlaceGraph
from geertz.retrieval.rank import Bm25, GraphRanker
from geertz.retrieval.relevance import RelevanceModel, Signals
from geertz.retrieval.scope import check_scope, role_fit
from geertz.retrieval.snapshot import Snapshot, Statement
from geertz.retrieval.topics import (
    CULTURAL_EXAMPLES,
    NOT_CULTURAL_EXAMPLES,
    PLACE_MARGIN,
    TopicClassifier,
    has_strong_cue,
    names_place,
)
from geertz.retrieval.vectors import VectorCache

__all__ = ["DEFAULT_MIN_RELEVANCE", "STATEMENTS_EMBEDDED_PER_GRAPH", "Ranking", "Retriever"]

log = logging.getLogger(__name__)
CACHE_VERSION = 9
#: Statements of named graphs up to this size have their texts embedded, for prompts
#: in another language (``GEERTZ_EMBED_STATEMENTS_PER_GRAPH``); a bulk import such as
#: BLEnD, larger than this, is reached through its practices' vectors and its own
#: language-tagged texts instead (embedding a statement takes about 95 ms on one core).
STATEMENTS_EMBEDDED_PER_GRAPH = 5000
_STATEMENT_GRAPHS = """
SELECT ?g (COUNT(DISTINCT ?s) AS ?n) WHERE {
  GRAPH ?g { ?s a ?kind } VALUES ?kind { gz:Interpretation gz:Norm }
} GROUP BY ?g
"""
_STATEMENTS_IN = """
SELECT DISTINCT ?s WHERE { GRAPH <%s> { ?s a ?kind } VALUES ?kind { gz:Interpretation gz:Norm } }
"""


def _code_version() -> str:
    """A digest of the retrieval code, so that a cached index never outlives the code that built it."""
    digest = hashlib.sha1()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _fingerprint(store: GraphStore, embedder: str, statement_limit: int) -> str:
    rows = store.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
    parts = [f"v{CACHE_VERSION}", _code_version(), embedder, str(statement_limit), store.location]
    parts.append(str(store.count()))
    parts += [f"{row['g'].value}={row['n'].value}" for row in rows if "g" in row]
    return hashlib.sha1("|".join(parts).encode("utf-8")).hexdigest()[:16]


_APPLIES_FACTOR = {True: 1.0, None: 0.75, False: 0.25}
# With no place but a language spoken in several: statements where it is spoken, and elsewhere.
_SPOKEN_HERE = 0.9
_SPOKEN_ELSEWHERE = 0.45
# Added to statements scoped to a place on the prompt's place chain.
_PLACE_PRIOR = 0.2
# Applicable statements scoped to the prompt's place chain, and those with no place.
_ANCHORED = 1.2
_UNANCHORED = 0.85
_MIN_SCORE = 0.02
# The k-hop expansion: from the best few candidates, up to this many neighbours per
# hop, lifted to this share of the score that brought them in.
_EXPAND_FROM = 8
_EXPAND_PER_NODE = 24
_EXPAND_SHARE = 0.6
# Each further statement of a practice already in the pack counts this much less, so
# that one question asked in sixteen places does not fill the pack on its own.
_REPEAT_DECAY = 0.85
_WHERE_SHOWN = N_(
    "Where is this happening, and in which community? The graph records different practice in {places}."
)
_WHERE_OTHERS = N_(
    "Where is this happening, and in which community? The graph records different practice in {places} "
    "and others."
)
_WHERE = N_(
    "Where is this happening, and in which community? Practice differs from place to place, so geertz "
    "has not guessed a country."
)
_WHICH_COMMUNITY = N_("Which community are you part of, or dealing with? Several hold different views here.")
#: Items less relevant than this leave the pack (``GEERTZ_MIN_RELEVANCE``).
DEFAULT_MIN_RELEVANCE = 0.2
# Without an embedder, a prompt with no strong cue is cultural when a statement carries
# at least this share of its information.
_LEXICAL_CULTURAL = 0.3


@dataclass
class Ranking:
    """The candidates for one prompt (see :meth:`Retriever.rank`); ``cultural`` is False
    for a prompt that asks nothing cultural, which then has no candidates."""

    prompt: str
    frame: Frame
    candidates: list[Candidate]
    excluded: int
    cultural: bool


class _Labels(Mapping[str, str]):
    """The snapshot's labels with the frame's own on top (a ChainMap, but with a
    cheap ``get``: the scope check asks for labels of every candidate)."""

    def __init__(self, first: Mapping[str, str], rest: Mapping[str, str]) -> None:
        self._first, self._rest = first, rest

    def get(self, key: str, default: Any = None) -> Any:
        found = self._first.get(key)
        return found if found is not None else self._rest.get(key, default)

    def __getitem__(self, key: str) -> str:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return str(found)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._first, *self._rest]))

    def __len__(self) -> int:
        return len(set(self._first) | set(self._rest))


@dataclass
class _Evidence:
    """What scoring learnt about a prompt, kept for the relevance signals."""

    shortlist: list[tuple[str, float, str]]
    fraction: np.ndarray  # share of the prompt's information in each statement's text
    similarity: np.ndarray | None  # the prompt's similarity to each practice, when embedded
    restated: dict[int, float]  # statements a prompt in another language restates, by position
    statement_similarity: np.ndarray | None  # its similarity to each embedded statement's text


def _diversify(
    ranked: list[tuple[float, Statement, bool | None, str]],
    k: int,
    variations_of: Mapping[str, Sequence[str]],
) -> list[tuple[float, Statement, bool | None, str]]:
    """The top ``k`` of ``ranked`` (sorted best first), where the n-th statement of a
    practice already chosen weighs ``_REPEAT_DECAY ** n`` of its score, unless it is
    the first other side of a variation or contestation already chosen: competing
    readings show together. Scores shown stay the statements' own.

    Each step compares only the best remaining statement of each practice (the pool
    is sorted, so that is the first one left; a heap keeps them in order) with the
    statements a chosen variation lifts, instead of re-weighing the whole pool.
    """
    pool = ranked[: max(k * 8, 50)]
    groups: dict[str, list[int]] = defaultdict(list)
    members: dict[str, list[int]] = defaultdict(list)  # pool positions per variation
    for i, (_, st, _, _) in enumerate(pool):
        groups[st.practice or st.iri].append(i)
        for variation in variations_of.get(st.iri, ()):
            members[variation].append(i)
    heads = dict.fromkeys(groups, 0)  # the first position of each group not yet chosen
    taken: dict[str, int] = defaultdict(int)
    shown: dict[str, int] = defaultdict(int)  # chosen members per variation
    lifts: dict[int, int] = defaultdict(int)  # variations with one member chosen, per position
    left = set(range(len(pool)))
    # Each group's head, keyed by its weighed score (negated) and position, with the
    # number of its statements chosen when it was pushed: an entry whose head or
    # count has changed since is stale and is pushed again as it now stands.
    heap = [(-pool[positions[0]][0], positions[0], group, 0) for group, positions in groups.items()]
    heapq.heapify(heap)
    chosen: list[tuple[float, Statement, bool | None, str]] = []
    while left and len(chosen) < k:
        best, best_key = -1, (float("-inf"), 0)
        while heap:
            _, i, group, count = heap[0]
            if i in left and count == taken[group]:
                best, best_key = i, (-heap[0][0], -i)
                break
            heapq.heappop(heap)
            positions, at = groups[group], heads[group]
            while at < len(positions) and positions[at] not in left:
                at += 1
            heads[group] = at
            if at < len(positions):
                head = positions[at]
                weighed = pool[head][0] * _REPEAT_DECAY ** taken[group]
                heapq.heappush(heap, (-weighed, head, group, taken[group]))
        for i, lift in lifts.items():
            if lift and i in left and (pool[i][0], -i) > best_key:
                best, best_key = i, (pool[i][0], -i)
        left.discard(best)
        entry = pool[best]
        taken[entry[1].practice or entry[1].iri] += 1
        for variation in variations_of.get(entry[1].iri, ()):
            shown[variation] += 1
            if shown[variation] <= 2:  # the variation starts (1) or stops (2) lifting its members
                for i in members[variation]:
                    lifts[i] += 1 if shown[variation] == 1 else -1
        chosen.append(entry)
    return chosen


def _largest(values: np.ndarray, count: int) -> np.ndarray:
    """Positions of the ``count`` largest values, largest first (ties by position)."""
    chosen = np.argpartition(-values, count - 1)[:count] if len(values) > count else np.arange(len(values))
    return chosen[np.lexsort((chosen, -values[chosen]))]


def _restated(positions: np.ndarray, similarity: np.ndarray | None) -> dict[int, float]:
    """Statements (by position) whose text a prompt in another language restates, by
    embedding similarity, weighted in (0, 1]: a sharper cut than for practices, as
    statement texts crowd closer together."""
    if similarity is None or not len(similarity):
        return {}
    top = _largest(similarity, 10)
    best = float(similarity[top[0]])
    return {
        int(positions[i]): float(np.exp((similarity[i] - best) / 0.01))
        for i in top
        if similarity[i] >= best - 0.02
    }


def _paraphrased(practice_ids: Sequence[str], similarity: np.ndarray | None) -> dict[str, float]:
    """Practices the prompt paraphrases, by embedding similarity, weighted in (0, 1]."""
    if similarity is None or not len(similarity):
        return {}
    top = np.argsort(-similarity)[:5]
    best = float(similarity[top[0]])
    return {
        practice_ids[i]: float(np.exp((similarity[i] - best) / 0.02))
        for i in top
        if similarity[i] >= best - 0.05
    }


class Retriever:
    """Everything retrieval precomputes: labels, statements, the projection, BM25."""

    def __init__(
        self,
        store: GraphStore,
        snapshot: Snapshot,
        index: LabelIndex,
        embedder: Embedder | None = None,
        *,
        vector_cache: Path | None = None,
        statement_limit: int = STATEMENTS_EMBEDDED_PER_GRAPH,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.snapshot = snapshot
        self.index = index
        self.ranker = GraphRanker(snapshot)
        documents = {}
        for st in snapshot.statements.values():
            parts = [st.text, *st.texts.values()]
            if st.practice:
                parts += [snapshot.label(st.practice), snapshot.descriptions.get(st.practice, "")]
            parts += [snapshot.label(m) for m in st.meanings]
            documents[st.iri] = " ".join(parts)
        self.bm25 = Bm25(documents)
        self.places = PlaceGraph.load(store)
        self.ancestors = self._scope_place_ancestors()
        # Statement positions in the BM25 order, and their nodes in the projection.
        self.statement_ids = self.bm25.ids
        self.statement_nodes = np.array([self.ranker.index.get(iri, -1) for iri in self.statement_ids])
        self.position_of = {iri: position for position, iri in enumerate(self.statement_ids)}
        positions_of_place: dict[str, list[int]] = defaultdict(list)
        for position, iri in enumerate(self.statement_ids):
            for place in snapshot.statements[iri].scope.get("place", []):
                positions_of_place[place].append(position)
        self.positions_of_place = {p: np.array(v) for p, v in positions_of_place.items()}
        self.positions_of_practice: dict[str, list[int]] = defaultdict(list)
        for position, iri in enumerate(self.statement_ids):
            practice = snapshot.statements[iri].practice
            if practice:
                self.positions_of_practice[practice].append(position)
        # Practices embedded once, for prompts that paraphrase rather than name them;
        # statements' texts too, for prompts in other languages (see _embed_statements).
        self.practice_ids = sorted(self.positions_of_practice)
        self.practice_position = {p: i for i, p in enumerate(self.practice_ids)}
        self.practice_vectors: np.ndarray | None = None
        self.topics: TopicClassifier | None = None
        self.embedded_positions = np.zeros(0, dtype=np.int64)
        self.embedded_row: dict[int, int] = {}  # statement position → row of statement_vectors
        self.statement_vectors: np.ndarray | None = None
        if embedder is not None:
            vectors = VectorCache(embedder, vector_cache)
            try:
                if self.practice_ids:
                    self.practice_vectors = vectors.embed(
                        [
                            f"{snapshot.label(p)}. {snapshot.descriptions.get(p, '')}".strip()
                            for p in self.practice_ids
                        ],
                        "passage",
                    )
                # Example prompts that tell chit-chat from cultural questions.
                self.topics = TopicClassifier(
                    vectors.embed(list(NOT_CULTURAL_EXAMPLES), "query"),
                    vectors.embed(list(CULTURAL_EXAMPLES), "query"),
                )
                self._embed_statements(vectors, statement_limit)
            finally:
                vectors.close()
        self.relevance = RelevanceModel()
        self.min_relevance = DEFAULT_MIN_RELEVANCE

    @classmethod
    def build(
        cls,
        store: GraphStore,
        embedder: Embedder | None = None,
        *,
        vector_cache: Path | None = None,
        statement_limit: int = STATEMENTS_EMBEDDED_PER_GRAPH,
    ) -> Retriever:
        """Read the store once and precompute everything; with an ``embedder``, also
        embed every practice, for paraphrased prompts, and the statements of graphs
        of at most ``statement_limit`` statements, for prompts in other languages.
        Vectors are read from and added to the SQLite file ``vector_cache``, if given
        (see :class:`~geertz.retrieval.vectors.VectorCache`)."""
        snapshot, index = Snapshot.load(store), LabelIndex.from_store(store)
        return cls(
            store, snapshot, index, embedder, vector_cache=vector_cache, statement_limit=statement_limit
        )

    @classmethod
    def cached(
        cls,
        store: GraphStore,
        cache_dir: Path,
        embedder: Embedder | None = None,
        *,
        vector_cache: Path | None = None,
        statement_limit: int = STATEMENTS_EMBEDDED_PER_GRAPH,
    ) -> Retriever:
        """Like :meth:`build`, but reuse a copy pickled in ``cache_dir`` while the store's
        contents (triples per graph) are unchanged. Vectors are kept in ``vector_cache``,
        by default ``cache_dir/vectors-<embedder>.sqlite``."""
        key = _fingerprint(store, embedder.name if embedder else "none", statement_limit)
        path = cache_dir / f"retriever-{key}.pickle"
        if path.is_file():
            try:
                with path.open("rb") as handle:
                    retriever = pickle.load(handle)
                if isinstance(retriever, cls):
                    retriever.store = store
                    return retriever
            except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
                log.warning("ignoring unreadable retrieval cache %s: %s", path, exc)
        if embedder is not None and vector_cache is None:
            vector_cache = cache_dir / f"vectors-{embedder.name}.sqlite"
        retriever = cls.build(store, embedder, vector_cache=vector_cache, statement_limit=statement_limit)
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            for old in cache_dir.glob("retriever-*.pickle"):
                old.unlink(missing_ok=True)
            retriever.store = None  # type: ignore[assignment]
            tmp = path.with_suffix(".tmp")
            with tmp.open("wb") as handle:
                pickle.dump(retriever, handle, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(path)
        except OSError as exc:
            log.warning("cannot write the retrieval cache in %s: %s", cache_dir, exc)
        retriever.store = store
        return retriever

    def _embed_statements(self, vectors: VectorCache, limit: int) -> None:
        """Embed the texts of the statements in named graphs of at most ``limit``
        statements (and of those in no named graph), as :attr:`statement_vectors`,
        one row per position in :attr:`embedded_positions`."""
        large: set[str] = set()
        for row in self.store.select(_STATEMENT_GRAPHS):
            if int(row["n"].value) > limit:
                large.update(r["s"].value for r in self.store.select(_STATEMENTS_IN % row["g"].value))
        positions = [
            position
            for position, iri in enumerate(self.statement_ids)
            if iri not in large and self.snapshot.statements[iri].text
        ]
        if positions:
            texts = [self.snapshot.statements[self.statement_ids[p]].text for p in positions]
            self.embedded_positions = np.array(positions, dtype=np.int64)
            self.embedded_row = {position: row for row, position in enumerate(positions)}
            self.statement_vectors = vectors.embed(texts, "passage")

    def _scope_place_ancestors(self) -> dict[str, frozenset[str]]:
        places = {p for st in self.snapshot.statements.values() for p in st.scope.get("place", [])}
        return {p: frozenset(self.places.ancestors(p)) for p in places}

    def context(
        self,
        prompt: str,
        *,
        messages: Sequence[str] = (),
        user_context: dict[str, str] | None = None,
        k: int = 10,
        allow_restricted: bool = False,
        min_relevance: float | None = None,
        language: str | None = None,
    ) -> ContextPack:
        """The ContextPack for ``prompt``: frame, at most ``k`` statements at least
        ``min_relevance`` relevant (default :attr:`min_relevance`), a few kept as
        contrast, variation, missing context and the coverage verdict. The pack is in
        ``language`` when given (a user's request), else in the prompt's own."""
        started = time.perf_counter()
        ranking = self.rank(
            prompt,
            messages=messages,
            user_context=user_context,
            k=k,
            allow_restricted=allow_restricted,
            language=language,
        )
        return self.pack(ranking, k=k, min_relevance=min_relevance, started=started)

    def pack(
        self,
        ranking: Ranking,
        *,
        k: int = 10,
        min_relevance: float | None = None,
        started: float | None = None,
    ) -> ContextPack:
        """The ContextPack chosen from ``ranking`` (see :meth:`rank`); ``started`` is the
        ``time.perf_counter()`` the timing counts from."""
        started = time.perf_counter() if started is None else started
        prompt, frame = ranking.prompt, ranking.frame
        cues = {facet: cues for facet, cues in frame.cues.items()}
        language = frame.language.code
        if not ranking.cultural:
            return ContextPack(
                prompt=prompt,
                language=language,
                frame=cues,
                coverage=Coverage(verdict="not_cultural", note=say(NOT_CULTURAL_NOTE, language)),
                timing_ms=round((time.perf_counter() - started) * 1000, 2),
            )
        threshold = self.min_relevance if min_relevance is None else min_relevance
        kept = select(ranking.candidates, k, threshold, self.snapshot.variations_of)
        # The note names places and practices in the language it is written in: the
        # prompt's where geertz has a catalogue for it, else English.
        written = language if base_language(language) in languages() else None
        coverage = judge(
            ranking.candidates,
            kept,
            placed=bool(frame.places),
            place_label=self._place_label(frame.places[0], written) if frame.places else None,
            label=lambda iri: self.snapshot.label(iri, written),
            held_in=lambda practice: self._held_in(practice, written),
            language=language,
        )
        return ContextPack(
            prompt=prompt,
            language=language,
            frame=cues,
            items=[self._item(c, frame) for c in kept],
            variations=self._variations([c.statement for c in kept]),
            missing=self._missing(frame, [(c.statement, c.applies) for c in kept]) if kept else [],
            coverage=coverage,
            excluded=ranking.excluded,
            timing_ms=round((time.perf_counter() - started) * 1000, 2),
        )

    def rank(
        self,
        prompt: str,
        *,
        messages: Sequence[str] = (),
        user_context: dict[str, str] | None = None,
        k: int = 10,
        allow_restricted: bool = False,
        language: str | None = None,
    ) -> Ranking:
        """Every candidate the pack for ``prompt`` is chosen from, best first, with its
        relevance signals, before the relevance threshold: what :meth:`context` and the
        relevance evaluation both read."""
        frame = extract_frame(prompt, self.index, self.places, history=messages, user_context=user_context)
        # Whether the prompt's own words are in another language than most graph text
        # (a language the user asks the answer in does not change that).
        foreign = frame.language.code not in (None, "en")
        if language:
            frame.language = DetectedLanguage(base_language(language), 1.0, "requested")
        # Only the prompt's own words decide whether it is cultural: "thanks!" after a
        # question about Lagos is still chit-chat.
        own = frame if not (messages or user_context) else extract_frame(prompt, self.index, self.places)
        named = {m.iri for m in frame.matches if m.kind == "Practice"}
        query, similarity = self._similarity(prompt, frame)
        kinds = {m.kind for m in own.matches}
        if not has_strong_cue(kinds) and not self._cultural(prompt, query, kinds):
            return Ranking(prompt, frame, [], 0, cultural=False)
        # A prompt in another language than the graph's text shares few words with it:
        # the statements its vector lies nearest stand in for the words.
        statement_similarity = (
            self.statement_vectors @ query
            if foreign and query is not None and self.statement_vectors is not None
            else None
        )
        # Scope-check only the strongest candidates: the check is the costly part.
        evidence = self._score(prompt, frame, max(200, 20 * k), similarity, statement_similarity)
        label = self._labels(frame)
        ranked: list[tuple[float, Statement, bool | None, str]] = []
        fits: dict[str, float] = {}
        excluded = 0
        # Everything but the base score depends only on the statement's scope, which
        # many candidates share (a country's BLEnD answers): weigh each scope once.
        weighed: dict[tuple[tuple[str, tuple[str, ...]], ...], tuple[float, bool | None, str, float]] = {}
        for iri, base, via in evidence.shortlist:
            st = self.snapshot.statements[iri]
            if st.sensitivity == "restricted" and not allow_restricted:
                excluded += 1
                continue
            key = tuple((facet, tuple(values)) for facet, values in st.scope.items() if values)
            known = weighed.get(key)
            if known is None:
                known = weighed[key] = self._weigh(st, frame, label)
            factor, applies, reason, fits[iri] = known
            if via:
                reason = f"{via}; {reason}"
            ranked.append((base * factor, st, applies, reason))
        self._prefer_narrower(ranked, frame)
        ranked.sort(key=lambda r: (-r[0], r[1].iri))
        pool = _diversify(ranked, max(3 * k, 24), self.snapshot.variations_of)
        top_score = max((score for score, *_ in pool), default=0.0) or 1.0
        signals = [
            self._signals(
                st, score / top_score, applies, fits.get(st.iri, 1.0), frame, named, evidence, foreign
            )
            for score, st, applies, _ in pool
        ]
        relevance, topic = self.relevance.relevance_and_topic(signals)
        candidates = [
            Candidate(score, st, applies, reason, relevance=r, topic=t, signals=signal)
            for (score, st, applies, reason), signal, r, t in zip(
                pool, signals, relevance, topic, strict=True
            )
        ]
        return Ranking(prompt, frame, candidates, excluded, cultural=True)

    def _weigh(
        self, st: Statement, frame: Frame, label: Mapping[str, str]
    ) -> tuple[float, bool | None, str, float]:
        """How the statement's scope weighs its score for this frame: ``(factor,
        applies, why, role fit)``."""
        applies, reason = check_scope(st, frame, self.ancestors, label)
        factor = _APPLIES_FACTOR[applies]
        fit, fit_reason = role_fit(st, frame, label)
        if fit_reason:
            factor *= fit
            reason += "; " + fit_reason
        if applies:
            factor *= self._closeness(st, frame)
        elif applies is None and frame.candidate_places and st.scope.get("place"):
            if any(self._within(p, frame.candidate_places) for p in st.scope["place"]):
                factor = _SPOKEN_HERE
                reason += "; it holds in a place where the language the prompt names is spoken"
            else:
                factor = _SPOKEN_ELSEWHERE
                reason += "; the language the prompt names is not widely spoken there"
        return factor, applies, reason, fit

    def _similarity(self, prompt: str, frame: Frame) -> tuple[np.ndarray | None, np.ndarray | None]:
        """The prompt's vector and its similarity to every practice, unless a practice is
        named by a telling label (embedding a query costs many times the rest of
        retrieval); a one-word alternative label ("round", "hora") is not telling."""
        if self.embedder is None or self.practice_vectors is None:
            return None, None
        if any(m.kind == "Practice" and (m.preferred or " " in m.label.strip()) for m in frame.matches):
            return None, None
        query = self.embedder.embed(prompt, "query")
        return query, self.practice_vectors @ query

    def _cultural(self, prompt: str, query: np.ndarray | None, kinds: set[str]) -> bool:
        """Whether a prompt with no strong cue still asks something cultural. Without an
        embedder, any name the graph knows (a role, a setting, a domain) counts."""
        if query is not None and self.topics is not None:
            margin = PLACE_MARGIN if names_place(kinds) else None
            return self.topics.is_cultural(query, self.practice_vectors, margin=margin)
        if kinds:
            return True
        fraction = self.bm25.matched_fraction(prompt)
        return bool(len(fraction)) and float(fraction.max()) >= _LEXICAL_CULTURAL

    def _signals(
        self,
        st: Statement,
        rank: float,
        applies: bool | None,
        fit: float,
        frame: Frame,
        named: set[str],
        evidence: _Evidence,
        foreign: bool,
    ) -> Signals:
        semantic = best = None
        if evidence.similarity is not None and len(evidence.similarity):
            best = float(evidence.similarity.max())
            position = self.practice_position.get(st.practice or "")
            semantic = float(evidence.similarity[position]) if position is not None else None
        statement = best_statement = None
        if evidence.statement_similarity is not None and len(evidence.statement_similarity):
            row = self.embedded_row.get(self.position_of[st.iri])
            if row is not None:
                statement = float(evidence.statement_similarity[row])
                best_statement = float(evidence.statement_similarity.max())
        fraction = evidence.fraction
        own = float(fraction[self.position_of[st.iri]]) if len(fraction) else 0.0
        siblings = self.positions_of_practice.get(st.practice or "", [])
        practice_lexical = float(fraction[siblings].max()) if siblings and len(fraction) else own
        wanted, scoped = frame.iris("occasion"), st.scope.get("occasion", [])
        occasion = 0 if not (wanted and scoped) else (1 if wanted.intersection(scoped) else -1)
        return Signals(
            named=1.0 if st.practice in named else 0.0,
            other_named=1.0 if named and st.practice not in named else 0.0,
            semantic=semantic,
            best_semantic=best if semantic is not None else None,
            lexical=own,
            practice_lexical=practice_lexical,
            rank=rank,
            applies=applies,
            anchored=self._level(st, frame) is not None,
            placed=bool(frame.places),
            unscoped=not st.scope.get("place"),
            occasion=occasion,
            role_fit=fit,
            foreign=foreign,
            statement=statement,
            best_statement=best_statement,
        )

    def _place_label(self, place: str, language: str | None) -> str:
        """The place's name in ``language`` where the graph has one, else its own label."""
        return self.snapshot.local_label(place, language) or self.places.label(place)

    def _held_in(self, practice: str, language: str | None = None) -> list[str]:
        """The places the statements of ``practice`` are scoped to, most used first, named
        in ``language`` where the graph has their names in it."""
        counts: dict[str, int] = defaultdict(int)
        for position in self.positions_of_practice.get(practice, []):
            for place in self.snapshot.statements[self.statement_ids[position]].scope.get("place", []):
                counts[place] += 1
        return [self.snapshot.label(p, language) for p in sorted(counts, key=lambda p: (-counts[p], p))]

    def _prefer_narrower(self, ranked: list[tuple[float, Statement, bool | None, str]], frame: Frame) -> None:
        """Where one practice has applicable statements at several levels (West Java and
        Indonesia for a prompt set in Bandung), the narrowest level's statements move
        above the rest, keeping their own order: the more specific scope speaks first."""
        levels: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
        for position, (_, st, applies, _) in enumerate(ranked):
            if applies and st.practice:
                level = self._level(st, frame)
                if level is not None:
                    levels[st.practice][level].append(position)
        for by_level in levels.values():
            if len(by_level) < 2:
                continue
            narrowest = by_level[min(by_level)]
            best = max(ranked[p][0] for positions in by_level.values() for p in positions)
            lift = 1.02 * best / max(ranked[p][0] for p in narrowest)
            if lift > 1:
                for p in narrowest:
                    score, st, applies, reason = ranked[p]
                    ranked[p] = (
                        score * lift,
                        st,
                        applies,
                        reason + "; the most specific scope for this practice",
                    )

    def _level(self, st: Statement, frame: Frame) -> int | None:
        """How far up the prompt's place chain the statement's place sits (0: the place
        itself), or None when it is not on the chain."""
        levels = [frame.place_level(p) for p in st.scope.get("place", ())]
        return min((level for level in levels if level is not None), default=None)

    def _closeness(self, st: Statement, frame: Frame) -> float:
        """Prefer the statement scoped to the narrowest place around the prompt's place
        (West Java over Indonesia for a prompt set in Bandung)."""
        level = self._level(st, frame)
        if level is not None:
            return _ANCHORED + 0.3 / (1 + level)
        # No place in its scope while the prompt names one: it may well hold there, but
        # a statement scoped to the prompt's own place is the better anchor.
        return _UNANCHORED if frame.places and not st.scope.get("place") else 1.0

    def _within(self, place: str, candidates: list[str]) -> bool:
        return place in candidates or bool(self.ancestors.get(place, frozenset()).intersection(candidates))

    # -- scoring -------------------------------------------------------------

    def _score(
        self,
        prompt: str,
        frame: Frame,
        limit: int,
        similarity: np.ndarray | None,
        statement_similarity: np.ndarray | None,
    ) -> _Evidence:
        """The ``limit`` best statements by lexical and graph evidence together, with
        their k-hop neighbours: ``(iri, score, why it was expanded into or "")``, and
        the share of the prompt's information each statement carries. With a
        ``statement_similarity`` (a prompt in another language, to each embedded
        statement), the statements it restates are lifted (see :func:`_restated`)."""
        restated = _restated(self.embedded_positions, statement_similarity)
        # Place names are weighed by the scope check, not as words: "Seoul" in an
        # answer about a tower says nothing about drinking with colleagues there.
        words = prompt
        for match in frame.matches:
            if match.kind in ("City", "Region", "Country", "CulturalRegion", "Place"):
                words = words.replace(match.matched_text, " ")
        lexical = self.bm25.score_array(words)
        fraction = self.bm25.matched_fraction(words)
        top_lexical = float(lexical.max()) if len(lexical) else 0.0
        lexical = lexical / (top_lexical or 1.0)
        seeds: dict[str, float] = defaultdict(float)
        for match in frame.matches:
            seeds[match.iri] += match.specificity
        for position in _largest(lexical, 50):
            if lexical[position] > 0:
                seeds[self.statement_ids[position]] += 0.5 * float(lexical[position])
        # The prompt's place seeds the walk only lightly (hubs are damped): the scope
        # check weighs place; a language's candidate places narrow the field.
        for place in frame.places[:2]:
            seeds[place] += 0.3
        for place in frame.candidate_places:
            seeds[place] += 0.2
        paraphrased = _paraphrased(self.practice_ids, similarity)
        for practice, weight in paraphrased.items():
            seeds[practice] += 0.6 * weight
        for position, weight in restated.items():
            seeds[self.statement_ids[position]] += 0.5 * weight
        ppr_all = self.ranker.rank_array(seeds)
        ppr = np.where(self.statement_nodes >= 0, ppr_all[np.maximum(self.statement_nodes, 0)], 0.0)
        top_ppr = float(ppr.max()) if len(ppr) else 0.0
        combined = 0.5 * ppr / (top_ppr or 1.0) + 0.5 * lexical
        for match in frame.matches:
            if match.kind == "Practice":
                combined[self.positions_of_practice.get(match.iri, [])] += 0.5
        for practice, weight in paraphrased.items():
            combined[self.positions_of_practice.get(practice, [])] += 0.3 * weight
        for position, weight in restated.items():
            combined[position] += 0.3 * weight
        # Statements scoped to a place that contains the prompt's are evidence for it.
        anchored = np.zeros(len(combined), dtype=bool)
        for place in frame.places:
            positions = self.positions_of_place.get(place)
            if positions is not None:
                anchored[positions] = True
        combined[anchored] += _PLACE_PRIOR
        expanded = self._expand(combined)
        candidates = np.nonzero(combined >= _MIN_SCORE)[0]
        if len(candidates) > limit:
            candidates = candidates[np.argpartition(-combined[candidates], limit)[:limit]]
        keep = {int(i) for i in candidates} | set(expanded)
        shortlist = [(self.statement_ids[i], float(combined[i]), expanded.get(i, "")) for i in sorted(keep)]
        return _Evidence(shortlist, fraction, similarity, restated, statement_similarity)

    def _expand(self, combined: np.ndarray) -> dict[int, str]:
        """Bounded k-hop expansion from the strongest candidates: practice → its other
        interpretations and norms; statement → the variation and contestation it is
        part of → their other members. Each neighbour is lifted to a share of the score
        that brought it in, so that the competing readings of a practice travel together.
        Changes ``combined`` in place; returns the lifted positions and why."""
        snap = self.snapshot
        lifted: dict[int, str] = {}
        for position in _largest(combined, _EXPAND_FROM):
            base = float(combined[position])
            if base < _MIN_SCORE:
                break
            st = snap.statements[self.statement_ids[position]]
            neighbours: list[tuple[int, str]] = []
            if st.practice:
                practice = snap.label(st.practice)
                neighbours += [
                    (p, f"another reading of {practice}, which ranks high")
                    for p in self.positions_of_practice[st.practice][:_EXPAND_PER_NODE]
                ]
            for v in snap.variations_of.get(st.iri, ()):
                record = snap.variations[v]
                neighbours += [
                    (self.position_of[m], f"it differs from a high-ranking reading ({record.kind})")
                    for m in record.members[:_EXPAND_PER_NODE]
                    if m in self.position_of
                ]
            for neighbour, why in neighbours:
                floor = _EXPAND_SHARE * base
                if neighbour != position and combined[neighbour] < floor:
                    combined[neighbour] = floor
                    lifted.setdefault(neighbour, why)
        return lifted

    # -- pack assembly -------------------------------------------------------

    def _labels(self, frame: Frame) -> Mapping[str, str]:
        extra = {cue.iri: cue.label for cues in frame.cues.values() for cue in cues if cue.iri}
        return _Labels(extra, self.snapshot.labels)

    def _item(self, candidate: Candidate, frame: Frame) -> PackItem:
        snap = self.snapshot
        st, applies = candidate.statement, candidate.applies
        language = frame.language.code  # text and labels in the prompt's language where the graph has them
        practice_label = snap.label(st.practice, language) if st.practice else None
        evidence = []
        for e in st.evidence:
            title, url, citation = snap.evidence.get(e, (e, None, None))
            evidence.append(Source(iri=e, title=title, url=url, citation=citation))
        why = self._why(st, frame, candidate.reason)
        return PackItem(
            iri=st.iri,
            kind="interpretation" if st.kind == "interpretation" else "norm",
            label=practice_label or snap.label(st.iri, language),
            text=snap.text(st, language),
            score=round(candidate.score, 4),
            applies=applies,
            practice=st.practice,
            practice_label=practice_label,
            held_by=[FrameCue(iri=h, label=snap.label(h, language), matched_text="") for h in st.holders],
            scope={
                facet: [snap.label(v, language) for v in values]
                for facet, values in st.scope.items()
                if values
            },
            evidence=evidence,
            identifiers=list(st.identifiers),
            agreement=st.agreement,
            confidence=st.confidence,
            perspective=st.perspective,
            deontic_status=st.deontic_status,
            sensitivity=st.sensitivity,
            relevance=round(candidate.relevance, 3),
            role=candidate.role,
            why=why,
        )

    def _why(self, st: Statement, frame: Frame, reason: str) -> str:
        named = [
            m.matched_text
            for m in frame.matches
            if m.iri == st.practice or m.iri in st.holders or any(m.iri in v for v in st.scope.values())
        ]
        first = (
            f"the prompt names {', '.join(dict.fromkeys(named))}"
            if named
            else "its text and neighbours match the prompt"
        )
        return f"{first}; {reason}"

    def _variations(self, statements: list[Statement]) -> list[VariationNote]:
        seen: dict[str, VariationNote] = {}
        chosen = {st.iri for st in statements}
        for st in statements:
            for v in self.snapshot.variations_of.get(st.iri, ()):
                record = self.snapshot.variations[v]
                if v not in seen:
                    seen[v] = VariationNote(
                        iri=v,
                        kind="variation" if record.kind == "variation" else "contestation",
                        practice=record.practice,
                        dimension=record.dimension,
                        note=record.note,
                        members=[m for m in record.members if m in chosen] or record.members,
                    )
        return list(seen.values())

    def _missing(self, frame: Frame, items: list[tuple[Statement, bool | None]]) -> list[MissingContext]:
        language = frame.language.code
        missing: list[MissingContext] = []
        if not frame.places and "community" not in frame.cues:
            regions = sorted({self.snapshot.label(p) for st, _ in items for p in st.scope.get("place", [])})
            if len(regions) >= 2:
                shown = ", ".join(regions[:4])
                message = _WHERE_OTHERS if len(regions) > 4 else _WHERE_SHOWN
                question = say(message, language, places=shown)
            else:
                question = say(_WHERE, language)
            missing.append(MissingContext(facet="place", question=question))
        elif frame.places:
            holders = {h for st, applies in items if applies for h in st.holders}
            if len(holders) >= 3 and "community" not in frame.cues:
                missing.append(MissingContext(facet="community", question=say(_WHICH_COMMUNITY, language)))
        return missing
