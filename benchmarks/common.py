"""What the benchmarks share: the seed + gazetteer + BLEnD store, the geertz index,
the BLEnD dev cases and the machine they ran on.

Not part of the package: run the scripts beside this file, from the repository root.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from geertz.config import get_settings
from geertz.engine import ContextEngine
from geertz.graph import GraphStore, open_store
from geertz.graph.blend import BLEND_GRAPH, BlendRecord, read_blend
from geertz.retrieval.evaluate import EvalCase, build_cases
from geertz.retrieval.retriever import Retriever
from geertz.vocab import GZ_GRAPH

__all__ = [
    "DEFAULT_BLEND",
    "DEFAULT_STORE",
    "base_parser",
    "dev_cases",
    "ensure_store",
    "err",
    "load_retriever",
    "machine",
    "machine_line",
    "read_records",
]

REPO = Path(__file__).resolve().parents[1]
DEFAULT_STORE = Path(tempfile.gettempdir()) / "geertz-bench" / "store"
DEFAULT_BLEND = REPO.parent / "shared" / "data" / "blend"
# Progress and notes go to stderr, so that --json output on stdout stays clean.
err = Console(stderr=True)

_GRAPHS = tuple(GZ_GRAPH + name for name in ("ontology", "seed", "gazetteer-iso", "gazetteer-geonames"))


def _geertz(store: Path, *args: str) -> None:
    command = [sys.executable, "-m", "geertz", "--store", str(store), *args]
    err.print(f"[dim]$ geertz --store {store} {' '.join(args)}[/]", highlight=False)
    subprocess.run(command, cwd=REPO, check=True)


def ensure_store(path: Path, blend: Path) -> None:
    """Build the benchmark store (ontology, seed, gazetteer, BLEnD) unless ``path`` already has it.

    The same four commands as by hand; a store holding all five graphs is reused as it is.
    """
    if path.exists():
        store = open_store(str(path), read_only=True)
        try:
            missing = [g for g in (*_GRAPHS, BLEND_GRAPH) if not store.has_graph(g)]
        finally:
            store.close()
        if not missing:
            return
        err.print(f"the store at {str(path)!r} lacks {', '.join(missing)}; (re)building it")
    if not (blend / "annotations").is_dir():
        raise SystemExit(f"no BLEnD data at {str(blend)!r}: pass --blend DIR (the folder with annotations/)")
    started = time.perf_counter()
    _geertz(path, "load", "--replace", "--graph", GZ_GRAPH + "ontology", "ontology/geertz.ttl")
    _geertz(path, "load", "--replace", "--graph", GZ_GRAPH + "seed", "data/")
    _geertz(path, "gazetteer", "build")
    _geertz(path, "import", "blend", str(blend))
    err.print(f"store built in {time.perf_counter() - started:.0f} s")


def load_retriever(store: GraphStore, cache_dir: Path) -> Retriever:
    """The retriever as ``geertz context`` gets it (the configured embedder, the index
    cached), with the cache in ``cache_dir`` instead of the working directory."""
    settings = get_settings().model_copy(update={"cache_dir": cache_dir})
    return ContextEngine.from_settings(settings, store=store).retriever


def read_records(blend: Path) -> list[BlendRecord]:
    return list(read_blend(blend))


def dev_cases(records: list[BlendRecord]) -> list[EvalCase]:
    """Every BLEnD dev-split case (each cue kind, and no cue), in geertz's own order."""
    return list(build_cases(records, "dev"))


def _git(*args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return done.stdout.strip()


def machine() -> dict[str, Any]:
    """Where, when and on which code the figures were measured."""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu_count": os.cpu_count(),
        "usable_cores": affinity,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "commit": _git("rev-parse", "--short", "HEAD"),
        # Uncommitted changes under geertz/ mean the figures are not exactly the commit's.
        "geertz_changed": bool(_git("status", "--porcelain", "--", "geertz")),
        "embedder": get_settings().embedder,
        # Other work on the machine skews timings; the 1, 5 and 15 minute load averages show it.
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def machine_line(m: dict[str, Any]) -> str:
    """The output of :func:`machine` as one line above a table."""
    code = f"commit {m['commit']}" + (" with local changes under geertz/" if m["geertz_changed"] else "")
    return (
        f"{m['date']}; {code}; {m['cpu_count']} cores ({m['usable_cores']} usable); Python {m['python']}; "
        f"geertz embedder {m['embedder']}; load average {m['load_average']}"
    )


def base_parser(doc: str | None) -> argparse.ArgumentParser:
    """The options every benchmark takes: --store, --blend, --seed and --json."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    parser.add_argument("--store", type=Path, default=DEFAULT_STORE, help="store directory, built if missing")
    parser.add_argument("--blend", type=Path, default=DEFAULT_BLEND, help="the BLEnD folder")
    parser.add_argument("--seed", type=int, default=20240601, help="seed of the prompt or case sample")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser
