"""How long geertz takes to turn a prompt into a ContextPack, beside a naive rdflib baseline.

    python benchmarks/retrieval_speed.py [--store DIR] [--prompts 300] [--baseline-prompts 40] [--json]

Both systems answer the same prompts, measured in one run on one machine:

- **geertz**: ``Retriever.context(prompt, k=10)`` on the seed + gazetteer + BLEnD store,
  the index built once (timed separately, as is loading it back from its cache);
- **rdflib baseline**: the same quads, exported from the store as N-Quads, in an
  in-memory ``rdflib.Dataset``; per prompt one SPARQL query finds the nodes whose
  lowercased label contains a keyword of the prompt, then the statements one or
  two hops from them, ranked by how many matched nodes they reach (top 10).

The prompts are a seeded sample of BLEnD dev-split evaluation prompts (city,
language, persona, the annotators' own question in their language, and no cue)
plus 20 prompts written in the style of the seed graph; geertz's figures are also
given for the prompts in English and in other languages apart (by the detected
language).
The baseline takes seconds a prompt, so it runs on a fixed, evenly spaced subset
of them; geertz's figures on that same subset give the ratio.
"""

from __future__ import annotations

import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import rdflib
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
from pyoxigraph import RdfFormat, serialize
from rich.console import Console
from rich.table import Table

from geertz.graph import GraphStore, open_store
from geertz.retrieval.language import detect_language
from geertz.retrieval.retriever import Retriever
from geertz.vocab import sparql_prefixes

# Written for this benchmark in the style of the seed graph: a practice and, mostly, a place.
SEED_PROMPTS = (
    "How much should I tip in a restaurant in Tokyo?",
    "Is it rude to arrive late to a dinner party in Lagos?",
    "What should I bring as a gift when visiting a family in Seoul?",
    "How do people greet each other at work in Paris?",
    "What should I wear to a funeral in Accra?",
    "Can I give a clock as a present in Shanghai?",
    "How should I behave at a wedding in Bandung?",
    "Is it fine to eat with my left hand in Jaipur?",
    "How many flowers should I bring to a host in Moscow?",
    "What does a thumbs-up mean in Tehran?",
    "How do I address my manager in an email in Munich?",
    "What should I do during Ramadan when colleagues are fasting in Cairo?",
    "Should I open a gift in front of the person who gave it in Osaka?",
    "How long should I keep eye contact when talking to elders in Nairobi?",
    "What happens at a quinceanera in Guadalajara?",
    "How do families honour their ancestors in Hanoi?",
    "Is it polite to slurp noodles in Kyoto?",
    "How much money goes in a red envelope at a wedding in Kuala Lumpur?",
    "Who pays the bill after a business dinner in Istanbul?",
    "How punctual should I be for a meeting in Zurich?",
)
GEERTZ_ALL, GEERTZ_SUBSET, BASELINE = "geertz", "geertz, subset", "rdflib k-hop, subset"
GEERTZ_ENGLISH, GEERTZ_OTHER = "geertz, English prompts", "geertz, other languages"
WARM_UP = "What should I bring to a dinner invitation in Lyon?"
K = 10

# Words too common to say anything about a prompt; everything else of 3+ letters is a keyword.
_STOPWORDS = frozenset(
    """about after and are because before but can could did does doing during for from had has have
    how into its like may might most much must not other our should some such than that the their them
    then there these they this those under was were what when where which while who whom why will with
    would you your""".split()  # noqa: SIM905 - a word list reads better as text
)

# Written so that rdflib evaluates it in a sensible order. The label filter sits in a
# group of its own, so the expansion is joined once per matched node (lazily); the
# statement test is a FILTER EXISTS, because a `?st a ?type` pattern would be
# scanned first (rdflib orders a group's patterns before it knows ?node is bound).
# The names matter for the same reason: ?node_via sorts before ?st, so the two-hop
# branch starts from ?node.
BASELINE_QUERY = """
SELECT ?st (COUNT(DISTINCT ?node) AS ?score) WHERE {{
  {{ ?node skos:prefLabel|skos:altLabel|rdfs:label ?label . FILTER({filters}) }}
  {{ ?st ?p ?node }} UNION {{ ?node_via ?q ?node . ?st ?p ?node_via }}
  FILTER(EXISTS {{ ?st a gz:Interpretation }} || EXISTS {{ ?st a gz:Norm }})
}}
GROUP BY ?st ORDER BY DESC(?score) ?st LIMIT {k}
"""


def keywords(prompt: str) -> list[str]:
    words = re.findall(r"\w+", prompt.casefold())
    return list(dict.fromkeys(w for w in words if len(w) >= 3 and w not in _STOPWORDS and not w.isdigit()))


def baseline_query(prompt: str, k: int = K) -> str:
    terms = keywords(prompt) or [prompt.casefold().strip()]
    filters = " || ".join(f"CONTAINS(LCASE(STR(?label)), {json.dumps(t)})" for t in terms)
    return sparql_prefixes() + BASELINE_QUERY.format(filters=filters, k=k)


def sample_prompts(blend: Path, count: int, seed: int) -> list[str]:
    cases = dev_cases(read_records(blend))
    chosen = random.Random(seed).sample(cases, min(count, len(cases)))
    return [case.prompt for case in chosen] + list(SEED_PROMPTS)


def evenly_spaced(items: Sequence[str], count: int) -> list[int]:
    """``count`` positions spread over ``items`` (so the subset mixes BLEnD and seed prompts)."""
    count = min(count, len(items))
    return [i * len(items) // count for i in range(count)]


def time_each(run: Callable[[str], int], prompts: Sequence[str], label: str) -> tuple[list[float], list[int]]:
    """Milliseconds per prompt and results per prompt, after one warm-up call."""
    run(WARM_UP)
    times: list[float] = []
    sizes: list[int] = []
    with err.status(f"{label}: 0/{len(prompts)}") as status:
        for number, prompt in enumerate(prompts, start=1):
            started = time.perf_counter()
            sizes.append(run(prompt))
            times.append((time.perf_counter() - started) * 1000)
            status.update(f"{label}: {number}/{len(prompts)}")
    return times, sizes


def summary(times: Sequence[float], sizes: Sequence[int]) -> dict[str, float]:
    p50, p90, p99 = np.percentile(times, [50, 90, 99])
    return {
        "prompts": len(times),
        "p50_ms": round(float(p50), 2),
        "p90_ms": round(float(p90), 2),
        "p99_ms": round(float(p99), 2),
        "mean_ms": round(statistics.fmean(times), 2),
        "mean_results": round(statistics.fmean(sizes), 2),
    }


def index_geertz(store: GraphStore, cache_root: Path) -> tuple[Retriever, dict[str, float]]:
    """Build the index into an empty cache (building includes writing the cache), then load it back."""
    with tempfile.TemporaryDirectory(prefix="speed-index-", dir=cache_root) as scratch:
        started = time.perf_counter()
        with err.status("geertz: building the index"):
            load_retriever(store, Path(scratch))
        built = time.perf_counter() - started
        started = time.perf_counter()
        retriever = load_retriever(store, Path(scratch))
        loaded = time.perf_counter() - started
    return retriever, {"build_s": round(built, 2), "load_from_cache_s": round(loaded, 2)}


def load_rdflib(store: GraphStore, scratch: Path) -> tuple[rdflib.Dataset, dict[str, float]]:
    """The store's quads in an in-memory rdflib Dataset whose default graph is the union."""
    dump = scratch / "store.nq"
    started = time.perf_counter()
    with err.status("rdflib: exporting N-Quads"), dump.open("wb") as handle:
        serialize(store.quads(), handle, RdfFormat.N_QUADS)
    exported = time.perf_counter() - started
    started = time.perf_counter()
    dataset = rdflib.Dataset(default_union=True)
    with err.status("rdflib: parsing N-Quads"):
        dataset.parse(dump, format="nquads")
    parsed = time.perf_counter() - started
    dump.unlink()
    return dataset, {"export_s": round(exported, 2), "parse_s": round(parsed, 2), "triples": len(dataset)}


def ratio(slow: dict[str, float], fast: dict[str, float]) -> dict[str, float]:
    return {key: round(slow[key] / fast[key], 1) for key in ("p50_ms", "p90_ms", "p99_ms", "mean_ms")}


def print_report(report: dict[str, Any]) -> None:
    console = Console()
    if not console.is_terminal:
        console = Console(width=120)
    m = report["machine"]
    console.print(f"{machine_line(m)}; {report['triples']:,} triples in the store", highlight=False)
    table = Table("system", "prompts", "p50 ms", "p90 ms", "p99 ms", "mean ms", "results", title="Retrieval")
    rows = report["rows"]
    for name in (GEERTZ_ALL, GEERTZ_ENGLISH, GEERTZ_OTHER, GEERTZ_SUBSET, BASELINE):
        if name not in rows:
            continue
        r = rows[name]
        table.add_row(
            name,
            str(r["prompts"]),
            *(f"{r[key]:,.2f}" for key in ("p50_ms", "p90_ms", "p99_ms", "mean_ms", "mean_results")),
        )
    ratios = report["ratio_baseline_to_geertz"]
    table.add_row(
        "rdflib / geertz, subset",
        "",
        *(f"{ratios[key]:,.1f}x" for key in ("p50_ms", "p90_ms", "p99_ms", "mean_ms")),
        "",
    )
    console.print(table)
    g, b = report["geertz_index"], report["rdflib_load"]
    console.print(
        f"geertz index: built in {g['build_s']:.1f} s (including writing its cache), "
        f"loaded from the cache in {g['load_from_cache_s']:.1f} s",
        highlight=False,
    )
    console.print(
        f"rdflib: N-Quads exported in {b['export_s']:.1f} s, parsed into a Dataset in {b['parse_s']:.1f} s "
        f"({b['triples']:,} triples)",
        highlight=False,
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = base_parser(__doc__)
    parser.add_argument("--prompts", type=int, default=300, help="BLEnD dev prompts to sample (plus 20 seed)")
    parser.add_argument("--baseline-prompts", type=int, default=40, help="prompts the rdflib baseline runs")
    args = parser.parse_args(argv)

    ensure_store(args.store, args.blend)
    prompts = sample_prompts(args.blend, args.prompts, args.seed)
    subset = evenly_spaced(prompts, args.baseline_prompts)
    store = open_store(str(args.store), read_only=True)
    try:
        triples = store.count()
        retriever, geertz_index = index_geertz(store, args.store.parent)
        times, sizes = time_each(lambda p: len(retriever.context(p, k=K).items), prompts, "geertz")
        with tempfile.TemporaryDirectory(prefix="speed-rdflib-", dir=args.store.parent) as scratch:
            dataset, rdflib_load = load_rdflib(store, Path(scratch))
        base_prompts = [prompts[i] for i in subset]
        base_times, base_sizes = time_each(
            lambda p: len(list(dataset.query(baseline_query(p)))), base_prompts, "rdflib"
        )
    finally:
        store.close()

    english = [i for i, p in enumerate(prompts) if detect_language(p).code in ("en", None)]
    other = sorted(set(range(len(prompts))) - set(english))
    rows = {
        GEERTZ_ALL: summary(times, sizes),
        GEERTZ_ENGLISH: summary([times[i] for i in english], [sizes[i] for i in english]),
        GEERTZ_SUBSET: summary([times[i] for i in subset], [sizes[i] for i in subset]),
        BASELINE: summary(base_times, base_sizes),
    }
    if other:
        rows[GEERTZ_OTHER] = summary([times[i] for i in other], [sizes[i] for i in other])
    report = {
        "machine": machine(),
        "store": str(args.store),
        "triples": triples,
        "prompts": {
            "blend_dev": len(prompts) - len(SEED_PROMPTS),
            "seed_style": len(SEED_PROMPTS),
            "baseline_subset": len(subset),
            "seed": args.seed,
        },
        "geertz_index": geertz_index,
        "rdflib_load": rdflib_load,
        "rows": rows,
        "ratio_baseline_to_geertz": ratio(rows[BASELINE], rows[GEERTZ_SUBSET]),
    }
    if args.json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        print_report(report)


if __name__ == "__main__":
    main()
