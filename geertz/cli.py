"""The ``geertz`` command line. Its ``--help`` text is its reference.

Every command works on the store named by ``--store`` or ``GEERTZ_STORE``: a
directory (embedded Oxigraph, the default ``.geertz/store``), ``memory:``, or an
http(s) SPARQL endpoint URL.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Triple, serialize
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from geertz.config import Settings, get_settings
from geertz.engine import BACKENDS, ContextEngine
from geertz.errors import GeertzError, LoadError, RDFSyntaxError
from geertz.generation.answer import ThickAnswer
from geertz.generation.blend_eval import evaluate_answers
from geertz.graph import GraphStore, open_store
from geertz.graph.blend import BLEND_GRAPH, blend_quads, read_blend
from geertz.graph.gazetteer import GAZETTEER_GRAPHS, GazetteerReport, build_gazetteer
from geertz.graph.rdfio import find_rdf_files, parse_file
from geertz.graph.stats import store_stats
from geertz.graph.terms import Term
from geertz.graph.validate import validate as run_validation
from geertz.retrieval.evaluate import METRICS, build_cases, evaluate
from geertz.retrieval.pack import ContextPack
from geertz.retrieval.relevance import FEATURES
from geertz.retrieval.relevance_eval import evaluate_relevance, fit_relevance, read_relevance_cases

__all__ = ["app", "main"]

app = typer.Typer(
    name="geertz",
    help=(
        "geertz: a knowledge-graph cultural context engine. Loads, validates and "
        "queries scoped, plural, sourced cultural knowledge."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()
err = Console(stderr=True)

_QUERY_FORM = re.compile(
    r"^\s*(?:(?:PREFIX\s+[\w.-]*:\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*(SELECT|CONSTRUCT|DESCRIBE|ASK)\b",
    re.IGNORECASE,
)


@dataclass
class _State:
    store: str | None = None


def _settings() -> Settings:
    return get_settings()


@contextmanager
def _open(ctx: typer.Context, *, read_only: bool = False) -> Iterator[GraphStore]:
    state: _State = ctx.obj or _State()
    store = open_store(state.store, settings=_settings(), read_only=read_only or None)
    try:
        yield store
    finally:
        store.close()


def _progress() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


@app.callback()
def _main(
    ctx: typer.Context,
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            "-s",
            help="Store to use: a directory, 'memory:' or a SPARQL endpoint URL. "
            "Defaults to GEERTZ_STORE, else .geertz/store.",
            show_default=False,
        ),
    ] = None,
) -> None:
    ctx.obj = _State(store=store)


class ExportFormat(StrEnum):
    nquads = "nquads"
    trig = "trig"
    turtle = "turtle"
    ntriples = "ntriples"


_RDF_FORMATS = {
    ExportFormat.nquads: RdfFormat.N_QUADS,
    ExportFormat.trig: RdfFormat.TRIG,
    ExportFormat.turtle: RdfFormat.TURTLE,
    ExportFormat.ntriples: RdfFormat.N_TRIPLES,
}


@app.command()
def load(
    ctx: typer.Context,
    files: Annotated[
        list[Path],
        typer.Argument(help="RDF files or directories of them (.ttl, .nt, .nq, .trig, .rdf, .owl, .jsonld)."),
    ],
    graph: Annotated[
        str | None, typer.Option("--graph", "-g", help="Named graph IRI to load the triples into.")
    ] = None,
    format: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help="Force a format (e.g. ttl, nt) instead of guessing from the suffix."
        ),
    ] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Empty --graph before loading into it.")] = False,
) -> None:
    """Load RDF files into the store.

    Every file is parsed before anything is written: if any file has a syntax
    error, its file, line and column are printed, nothing is loaded, and the
    command exits 1.
    """
    paths = find_rdf_files(files) if any(f.is_dir() for f in files) else files
    if replace and not graph:
        raise typer.BadParameter("--replace needs --graph: only a named graph can be replaced")
    errors: list[GeertzError] = []
    with _progress() as progress:
        task = progress.add_task("checking syntax", total=len(paths))
        for path in paths:
            try:
                for _ in parse_file(path, format=format):
                    pass
            except LoadError as exc:
                errors.append(exc)
            progress.advance(task)
    if errors:
        for problem in errors:
            err.print(f"[red]error:[/] {problem}", highlight=False, soft_wrap=True)
        err.print("nothing was loaded; fix the files above and run the command again")
        raise typer.Exit(1)
    total = 0
    with _open(ctx) as store, _progress() as progress:
        if replace and graph:
            store.drop_graph(graph)
        task = progress.add_task("loading", total=len(paths))
        for path in paths:
            progress.update(task, description=f"loading {path.name}")
            count = store.load(path, graph=graph, format=format)
            total += count
            err.print(f"loaded {count} quads from {path}", highlight=False)
            progress.advance(task)
    where = f"graph <{graph}>" if graph else "the default graph"
    err.print(f"[green]done:[/] {total} quads into {where} of {store.location}", highlight=False)


@app.command()
def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or directories to check. Default: the ontology and data directories."),
    ] = None,
    reasoner: Annotated[
        bool,
        typer.Option("--reasoner/--no-reasoner", help="Run the HermiT OWL consistency check (needs Java)."),
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
) -> None:
    """Check RDF files against the SHACL shapes and the OWL ontology.

    Prints each problem with its file, line, focus node and message. Exits 1 if
    there is any violation (syntax, SHACL violation, OWL inconsistency) and 0
    otherwise; warnings are printed but do not fail.
    """
    settings = _settings()
    targets = paths or [settings.ontology_dir, settings.data_dir]
    with err.status("validating") if err.is_terminal else _nothing():
        report = run_validation(targets, settings=settings, reasoner=reasoner)
    if as_json:
        payload = {
            "ok": report.ok,
            "files": [str(f) for f in report.files],
            "reasoner": report.reasoner,
            "reasoner_note": report.reasoner_note,
            "findings": [
                {
                    "severity": f.severity,
                    "check": f.check,
                    "file": str(f.path) if f.path else None,
                    "line": f.line,
                    "column": f.column,
                    "focus": f.focus,
                    "property": f.property,
                    "value": f.value,
                    "message": f.message,
                }
                for f in report.findings
            ],
        }
        console.print_json(json.dumps(payload))
    else:
        for f in report.findings:
            colour = "red" if f.severity == "violation" else "yellow"
            focus = f" {f.focus}" if f.focus else ""
            prop = f" ({f.property})" if f.property else ""
            console.print(
                f"{f.location()}: [{colour}]{f.severity}[/]{focus}{prop}: {f.message}",
                highlight=False,
                soft_wrap=True,
            )
        if report.reasoner == "skipped":
            err.print(f"[yellow]note:[/] {report.reasoner_note}", highlight=False, soft_wrap=True)
        summary = (
            f"{len(report.files)} files, {len(report.violations)} violations, "
            f"{len(report.warnings)} warnings, OWL: {report.reasoner}"
        )
        err.print(("[green]ok:[/] " if report.ok else "[red]failed:[/] ") + summary, highlight=False)
    if not report.ok:
        raise typer.Exit(1)


@contextmanager
def _nothing() -> Iterator[None]:
    yield


class ResultFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    tsv = "tsv"
    turtle = "turtle"
    ntriples = "ntriples"


@app.command()
def sparql(
    ctx: typer.Context,
    query: Annotated[
        str, typer.Argument(help="The SPARQL text, @FILE to read it from a file, or - for stdin.")
    ],
    update: Annotated[
        bool,
        typer.Option(
            "--update", help="Allow a SPARQL Update (writes). Without it the store is opened read-only."
        ),
    ] = False,
    format: Annotated[
        ResultFormat, typer.Option("--format", "-f", help="Output format (table is for SELECT).")
    ] = ResultFormat.table,
) -> None:
    """Run a SPARQL query (read-only) or, with --update, a SPARQL update.

    The prefixes gz, gzd, rdf, rdfs, owl, xsd, skos, prov and dcterms are
    predeclared on the embedded store. The default graph is the union of all
    named graphs.
    """
    text = _read_query(query)
    form = _QUERY_FORM.match(text)
    if update:
        with _open(ctx) as store:
            store.update(text)
        err.print("[green]update applied[/]")
        return
    if form is None:
        raise typer.BadParameter(
            "this is not a SELECT, CONSTRUCT, DESCRIBE or ASK query; to change the store pass --update",
            param_hint="QUERY",
        )
    kind = form.group(1).upper()
    with _open(ctx, read_only=True) as store:
        if kind == "SELECT":
            _print_rows(store.select(text), format)
        elif kind == "ASK":
            answer = store.ask(text)
            console.print(
                json.dumps({"boolean": answer}) if format == ResultFormat.json else str(answer).lower()
            )
        else:
            triples = store.construct(text)
            rdf_format = RdfFormat.N_TRIPLES if format == ResultFormat.ntriples else RdfFormat.TURTLE
            sys.stdout.write(_serialize(triples, rdf_format).decode("utf-8"))


def _read_query(query: str) -> str:
    if query == "-":
        return sys.stdin.read()
    if query.startswith("@"):
        path = Path(query[1:])
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise typer.BadParameter(f"cannot read the query file {str(path)!r}: {exc.strerror}") from exc
    return query


def _cell(term: Term | None) -> str:
    if term is None:
        return ""
    return term.value


def _print_rows(rows: list[dict[str, Term]], format: ResultFormat) -> None:
    names: list[str] = []
    for row in rows:
        for name in row:
            if name not in names:
                names.append(name)
    if format == ResultFormat.json:
        payload = {
            "head": {"vars": names},
            "results": {"bindings": [{n: _json_cell(t) for n, t in row.items()} for row in rows]},
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    elif format in (ResultFormat.csv, ResultFormat.tsv):
        buffer = io.StringIO()
        writer = csv.writer(
            buffer, delimiter="," if format == ResultFormat.csv else "\t", lineterminator="\n"
        )
        writer.writerow(names)
        for row in rows:
            writer.writerow([_cell(row.get(n)) for n in names])
        sys.stdout.write(buffer.getvalue())
    else:
        table = Table(*names, show_lines=False)
        for row in rows:
            table.add_row(*(_cell(row.get(n)) for n in names))
        console.print(table)
        err.print(f"{len(rows)} rows")


def _json_cell(term: Term) -> dict[str, str]:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, Literal):
        cell = {"type": "literal", "value": term.value}
        if term.language:
            cell["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            cell["datatype"] = term.datatype.value
        return cell
    return {"type": "bnode", "value": term.value}


@app.command()
def stats(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Count what the store holds: instances per ontology class, triples per graph."""
    with _open(ctx, read_only=True) as store:
        result = store_stats(store)
    if as_json:
        console.print_json(
            json.dumps({"classes": result.classes, "graphs": result.graphs, "triples": result.triples})
        )
        return
    table = Table("class", "instances", title="geertz store")
    for name, count in result.classes.items():
        table.add_row(name, str(count))
    console.print(table)
    if result.graphs:
        graphs = Table("named graph", "triples")
        for name, count in result.graphs.items():
            graphs.add_row(name, str(count))
        console.print(graphs)
    console.print(f"{result.triples} triples in all")


@app.command()
def export(
    ctx: typer.Context,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write; standard output if omitted.")
    ] = None,
    graph: Annotated[str | None, typer.Option("--graph", "-g", help="Export only this named graph.")] = None,
    format: Annotated[
        ExportFormat | None,
        typer.Option("--format", "-f", help="nquads or trig for datasets; turtle or ntriples for one graph."),
    ] = None,
) -> None:
    """Write the store's contents (or one named graph) as RDF."""
    chosen = format or (ExportFormat.turtle if graph else ExportFormat.nquads)
    rdf_format = _RDF_FORMATS[chosen]
    if not rdf_format.supports_datasets and graph is None:
        raise typer.BadParameter(
            f"{chosen.value} holds one graph; pass --graph IRI or use --format nquads or trig",
            param_hint="--format",
        )
    with _open(ctx, read_only=True) as store:
        quads = list(store.quads(graph))
    if rdf_format.supports_datasets:
        data = _serialize(quads, rdf_format)
    else:
        data = _serialize([Triple(q.subject, q.predicate, q.object) for q in quads], rdf_format)
    if output is None:
        sys.stdout.buffer.write(data)
    else:
        output.write_bytes(data)
        err.print(f"wrote {len(quads)} quads to {output}", highlight=False)


@app.command()
def context(
    ctx: typer.Context,
    prompt: Annotated[str | None, typer.Argument(help="The user's prompt.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the ContextPack as JSON.")] = False,
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="How many statements to return.")] = 10,
    batch: Annotated[
        Path | None,
        typer.Option("--batch", help='JSONL file of {"id", "prompt"} lines; prints {"id", "pack"} lines.'),
    ] = None,
) -> None:
    """Map a prompt onto its scoped graph neighbourhood (a ContextPack), without an LLM.

    Shows the cues found (place, community, occasion, ...), the statements that
    anchor an answer with their scope, holders and evidence, how they vary, and
    what context is missing. The first run builds an index (cached in
    GEERTZ_CACHE_DIR); later runs reuse it.
    """
    if (prompt is None) == (batch is None):
        raise typer.BadParameter("give either a PROMPT or --batch FILE.jsonl")
    with _open(ctx, read_only=True) as store:
        engine = _engine(store)
        if batch is not None:
            for number, request in _read_batch(batch):
                pack = engine.context(request["prompt"], k=k)
                sys.stdout.write(
                    json.dumps(
                        {"id": request.get("id", number), "pack": pack.model_dump(mode="json")},
                        ensure_ascii=False,
                    )
                    + "\n"
                )
            return
        assert prompt is not None
        pack = engine.context(prompt, k=k)
    if as_json:
        sys.stdout.write(pack.model_dump_json(indent=2) + "\n")
    else:
        _print_pack(pack)


@app.command()
def ask(
    ctx: typer.Context,
    prompt: Annotated[str | None, typer.Argument(help="The user's question.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the ThickAnswer as JSON.")] = False,
    backend: Annotated[
        str | None,
        typer.Option(
            "--backend",
            help="Who writes the answer: extractive (no model), openai (GEERTZ_LLM_URL) or local "
            "(bundled SmolLM2). Default: GEERTZ_LLM_BACKEND, else extractive.",
        ),
    ] = None,
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="How many statements to ground on.")] = 8,
    batch: Annotated[
        Path | None,
        typer.Option("--batch", help='JSONL file of {"id", "prompt"} lines; prints {"id", "answer"} lines.'),
    ] = None,
) -> None:
    """Answer a question with a thick, grounded answer, checked against the graph.

    The answer cites the statements it rests on ([1], [2] ...), says whose view each
    is and where it holds, reports variation, and asks when context is missing.
    Each number is then listed with its practice, holders, sources (title and URL)
    and the statement's IRI. Every answer is checked; a model's answer that fails
    is repaired once, then replaced by the extractive answer, and the reason is
    shown. Model backends stream to the terminal.
    """
    if (prompt is None) == (batch is None):
        raise typer.BadParameter("give either a PROMPT or --batch FILE.jsonl")
    if backend is not None and backend not in BACKENDS:
        raise typer.BadParameter(
            f"{backend!r} is not a backend; choose {', '.join(BACKENDS)}", param_hint="--backend"
        )
    with _open(ctx, read_only=True) as store:
        engine = _engine(store, backend)
        try:
            if batch is not None:
                for number, request in _read_batch(batch):
                    answer = engine.answer(request["prompt"], k=k)
                    line = {"id": request.get("id", number), "answer": answer.model_dump(mode="json")}
                    sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
                return
            assert prompt is not None
            if as_json:
                sys.stdout.write(engine.answer(prompt, k=k).model_dump_json(indent=2) + "\n")
                return
            _print_streamed(engine, prompt, k)
        finally:
            engine.answerer.backend.close()


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    log_level: Annotated[str, typer.Option(help="uvicorn's log level.")] = "info",
) -> None:
    """Run the REST API (FastAPI on uvicorn): context, answers, an OpenAI-compatible
    chat endpoint, SPARQL and graph browsing. Docs at http://HOST:PORT/docs.

    The store and backend come from the GEERTZ_* settings (GEERTZ_STORE,
    GEERTZ_LLM_BACKEND ...); API keys from GEERTZ_API_KEYS.
    """
    import uvicorn

    from geertz.api import create_app

    state: _State = ctx.obj or _State()
    settings = _settings()
    if state.store:
        settings = settings.model_copy(update={"store": state.store})
    uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level)


def _print_streamed(engine: ContextEngine, prompt: str, k: int) -> None:
    """Print a model's answer as it is written, then the checked result."""
    streamed: list[str] = []
    final: ThickAnswer | None = None
    for piece in engine.stream_answer(prompt, k=k):
        if isinstance(piece, ThickAnswer):
            final = piece
        elif engine.answerer.backend.uses_model:
            streamed.append(piece)
            console.out(piece, end="", highlight=False)
    assert final is not None
    if not engine.answerer.backend.uses_model:
        console.print(final.answer, highlight=False)
    elif final.answer != "".join(streamed).strip():
        console.print()
        reason = final.fallback.reason if final.fallback else "; ".join(final.failures().values())
        err.print(f"[yellow]geertz replaced the answer above:[/] {reason}", highlight=False)
        console.print(final.answer, highlight=False)
    console.print()
    _print_answer_notes(final)


def _print_answer_notes(answer: ThickAnswer) -> None:
    for number, citation in answer.citations.items():
        iri = f" [dim]{escape(citation.iri)}[/]" if citation.valid else ""
        console.print(f"{escape(f'[{number}]')} {escape(citation.reference())}{iri}", highlight=False)
    failed = answer.failures()
    status = "[green]all checks passed[/]" if not failed else "[red]failed: " + ", ".join(failed) + "[/]"
    console.print(f"[dim]{answer.backend}:[/] {status}", highlight=False)


def _engine(store: GraphStore, backend: str | None = None) -> ContextEngine:
    """The engine over an open store, its index loaded from the cache or built."""
    with err.status("loading the retrieval index") if err.is_terminal else _nothing():
        return ContextEngine.from_settings(_settings(), store=store, backend=backend)


def _read_batch(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {str(path)!r}: {exc.strerror}", param_hint="--batch") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            request = json.loads(line)
        except json.JSONDecodeError as exc:
            raise typer.BadParameter(
                f'{path}:{number}: not valid JSON ({exc.msg}); each line must be an object with a "prompt"',
                param_hint="--batch",
            ) from exc
        if not isinstance(request, dict) or not isinstance(request.get("prompt"), str):
            raise typer.BadParameter(
                f'{path}:{number}: each line needs a string field "prompt"', param_hint="--batch"
            )
        yield number, request


def _print_pack(pack: ContextPack) -> None:
    for facet, cues in pack.frame.items():
        shown = ", ".join(c.label for c in cues)
        console.print(f"[bold]{facet}[/]: {shown}", highlight=False)
    for number, item in enumerate(pack.items, start=1):
        mark = {True: "[green]applies[/]", False: "[red]out of scope[/]", None: "[yellow]unknown[/]"}[
            item.applies
        ]
        holders = ", ".join(h.label for h in item.held_by)
        console.print(
            f"\n[bold][{number}] {item.label}[/] ({item.kind}, {mark}, score {item.score:.2f})",
            highlight=False,
        )
        console.print(f"    {item.text}", highlight=False)
        console.print(f"    held by: {holders}", highlight=False)
        if item.scope:
            console.print(
                "    scope: " + "; ".join(f"{f}: {', '.join(v)}" for f, v in item.scope.items()),
                highlight=False,
            )
        for source in item.evidence:
            console.print(
                f"    source: {source.title} {source.url or source.citation or ''}", highlight=False
            )
        console.print(f"    why: {item.why}", highlight=False, style="dim")
    for variation in pack.variations:
        console.print(
            f"\n[bold]{variation.kind}[/] ({variation.dimension}): {variation.note or ''}", highlight=False
        )
    for missing in pack.missing:
        console.print(f"\n[yellow]missing {missing.facet}:[/] {missing.question}", highlight=False)
    err.print(f"{len(pack.items)} items, {pack.excluded} withheld, {pack.timing_ms} ms", highlight=False)


import_app = typer.Typer(
    help="Import third-party datasets into named graphs of their own.", no_args_is_help=True
)
app.add_typer(import_app, name="import")
eval_app = typer.Typer(help="Measure retrieval on datasets.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


@import_app.command("blend")
def import_blend(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="The BLEnD folder (with annotations/ and questions/).")],
) -> None:
    """Import BLEnD's short-answer data (CC BY-SA 4.0) into graph/blend, replacing it.

    One interpretation per answer cluster, with vote share as agreement, the
    topic as domain, the country or region as scope, and dcterms:identifier
    blend:<file stem>:<question ID>. The graph carries the licence and citation.
    """
    with err.status("reading BLEnD") if err.is_terminal else _nothing():
        quads = list(blend_quads(directory))
    with _open(ctx) as store:
        store.drop_graph(BLEND_GRAPH)
        store.load_quads(quads)
    err.print(f"[green]done:[/] {len(quads)} quads into <{BLEND_GRAPH}>", highlight=False)


@eval_app.command("blend")
def eval_blend(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="The BLEnD folder.")],
    split: Annotated[str, typer.Option("--split", help="dev (tune on it) or test (held out).")] = "dev",
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Evaluate only the first N cases.")
    ] = None,
    answers: Annotated[
        bool,
        typer.Option(
            "--answers",
            help="Also write the default answer to each prompt and check that it names a majority answer.",
        ),
    ] = False,
) -> None:
    """Retrieval on BLEnD prompts whose country is implied by a city or a language, or absent.

    Reports Recall@1/5/10, MRR@10 and the wrong-country-first rate per cue, and
    for cue-less prompts how often the missing place is flagged. With --answers,
    also the share of implied-country prompts whose default answer contains an
    answer of the largest annotator cluster. Import BLEnD first (geertz import
    blend DIR).
    """
    if split not in ("dev", "test"):
        raise typer.BadParameter("use dev or test", param_hint="--split")
    with _open(ctx, read_only=True) as store:
        if not store.has_graph(BLEND_GRAPH):
            raise typer.BadParameter(
                "the store has no BLEnD graph; run `geertz import blend DIR` first", param_hint="--store"
            )
        engine = _engine(store)
        records = list(read_blend(directory))
        cases = list(build_cases(records, split))  # type: ignore[arg-type]
        cases = cases[:limit] if limit else cases
        report = evaluate(engine.retriever, cases, split=split)
        answered = (
            evaluate_answers(engine.retriever, engine.answerer, cases, records, split=split, k=8)
            if answers
            else None
        )
    if as_json:
        data = dataclasses.asdict(report)
        if answered:
            data["answers"] = {
                "majority_answer_rate": round(answered.rate(), 3),
                "by_cue": {cue: round(answered.rate(cue), 3) for cue in sorted(answered.cases)},
                "cases": dict(answered.cases),
            }
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    table = Table("cue", "cases", *METRICS.values(), title=f"BLEnD {split}")
    for cue, m in report.by_cue.items():
        table.add_row(cue, str(int(m["cases"])), *(f"{m[key]:.3f}" for key in METRICS))
    console.print(table)
    if report.no_cue:
        console.print(
            f"no cue: {int(report.no_cue['cases'])} prompts, missing place flagged "
            f"{report.no_cue['missing_place_flagged']:.3f}, confident single-country "
            f"{report.no_cue['confident_single_country']:.3f}"
        )
    console.print(f"mean retrieval time {report.mean_ms} ms")
    if answered:
        by_cue = ", ".join(f"{cue} {answered.rate(cue):.3f}" for cue in sorted(answered.cases))
        console.print(
            f"answers naming a majority answer: {answered.rate():.3f} of "
            f"{sum(answered.cases.values())} implied-country prompts ({by_cue})"
        )


@eval_app.command("relevance")
def eval_relevance(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="JSON Lines of labelled prompts (id, kind, prompt, gold).")],
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="The most items a pack may hold.")] = 8,
    fit: Annotated[
        bool, typer.Option("--fit", help="Also fit the relevance weights, and show held-out calibration.")
    ] = False,
    fit_only: Annotated[
        str | None,
        typer.Option(
            "--fit-only",
            help="Fit only these features' weights (names, comma-separated), keep the others; implies --fit.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Relevance and coverage on labelled prompts: kind in (gold practice IRIs given),
    off (cultural, not covered) or chat (not cultural).

    Prints the share of in prompts with a gold practice in the top 3, the verdict
    rates and mean pack size per kind, the calibration of item relevance, and the
    prompts whose verdict is wrong. tests/fixtures/relevance_dev.jsonl is the dev set.
    """
    try:
        cases = read_relevance_cases(file)
    except GeertzError as exc:
        raise typer.BadParameter(str(exc), param_hint="FILE") from exc
    only = [name.strip() for name in fit_only.split(",") if name.strip()] if fit_only is not None else None
    unknown = sorted(set(only or ()) - set(FEATURES))
    if unknown or only == []:
        raise typer.BadParameter(
            f"unknown feature {', '.join(unknown) or '(none given)'}; choose from {', '.join(FEATURES)}",
            param_hint="--fit-only",
        )
    with _open(ctx, read_only=True) as store:
        retriever = _engine(store).retriever
        report = evaluate_relevance(retriever, cases, k=k)
        fitted = fit_relevance(retriever, cases, k=k, only=only) if fit or only else None
    kinds = [kind for kind in ("in", "off", "chat") if report.cases[kind]]
    rates = {
        kind: {
            verdict: round(report.verdict_rate(kind, [verdict]), 3)
            for verdict in ("covered", "related", "none", "not_cultural")
        }
        for kind in kinds
    }
    if as_json:
        data: dict[str, Any] = {
            "cases": dict(report.cases),
            "gold_in_top3": round(report.gold_top3_rate, 3),
            "gold_in_top5": round(report.gold_top5_rate, 3),
            "verdict_rates": rates,
            "mean_pack_size": {kind: round(report.mean_pack_size(kind), 2) for kind in kinds},
            "calibration": [list(row) for row in report.calibration],
            "wrong_verdicts": [list(row) for row in report.failures],
        }
        if fitted:
            data["fitted_weights"] = dict(zip(FEATURES, fitted[0], strict=True))
            data["held_out_calibration"] = [list(row) for row in fitted[1]]
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    table = Table(
        "kind", "prompts", "covered", "related", "none", "not_cultural", "mean items", title=str(file)
    )
    for kind in kinds:
        table.add_row(
            kind,
            str(report.cases[kind]),
            *(f"{rates[kind][v]:.3f}" for v in ("covered", "related", "none", "not_cultural")),
            f"{report.mean_pack_size(kind):.2f}",
        )
    console.print(table)
    if report.cases["in"]:
        console.print(
            f"gold practice in the top 3: {report.gold_top3_rate:.3f}, in the top 5: "
            f"{report.gold_top5_rate:.3f}, of {report.cases['in']} in prompts"
        )
    _print_calibration("relevance calibration (all candidates)", report.calibration)
    for ident, expected, got in report.failures:
        console.print(f"[dim]wrong verdict: {ident}: expected {expected}, got {got}[/]", highlight=False)
    if fitted:
        _print_calibration("held-out calibration of the fitted weights (5 folds, by prompt)", fitted[1])
        console.print(
            "fitted weights: " + ", ".join(f"{n}={w}" for n, w in zip(FEATURES, fitted[0], strict=True))
        )


def _print_calibration(title: str, rows: list[tuple[float, float, int, float]]) -> None:
    table = Table("relevance", "items", "share relevant", title=title)
    for low, high, n, share in rows:
        table.add_row(f"{low:.1f}-{high:.1f}", str(n), f"{share:.3f}")
    console.print(table)


gazetteer_app = typer.Typer(
    help="Place nodes generated from pycountry (countries, subdivisions) and GeoNames (cities).",
    no_args_is_help=True,
)
app.add_typer(gazetteer_app, name="gazetteer")


@gazetteer_app.command("build")
def gazetteer_build(
    ctx: typer.Context,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write N-Quads to this file instead of loading the store."),
    ] = None,
    cities: Annotated[bool, typer.Option("--cities/--no-cities", help="Include GeoNames cities.")] = True,
    min_population: Annotated[
        int, typer.Option("--min-population", min=15000, help="Smallest city population to include.")
    ] = 15000,
) -> None:
    """Generate the gazetteer and load it into its named graphs (replacing them).

    Countries and ISO 3166-2 subdivisions come with names in many languages;
    cities come with population, alternate names and gz:partOf their first-level
    region where it can be matched, else their country.
    """
    report = GazetteerReport()
    with err.status("generating places") if err.is_terminal else _nothing():
        quads = list(build_gazetteer(cities=cities, min_population=min_population, report=report))
    summary = (
        f"{report.countries} countries, {report.subdivisions} subdivisions, {report.cities} cities "
        f"({report.cities_with_region} placed in a first-level region)"
    )
    if output is not None:
        output.write_bytes(_serialize(quads, RdfFormat.N_QUADS))
        err.print(f"wrote {len(quads)} quads to {output}: {summary}", highlight=False)
        return
    with _open(ctx) as store, err.status("loading places") if err.is_terminal else _nothing():
        for graph in GAZETTEER_GRAPHS:
            store.drop_graph(graph)
        store.load_quads(quads)
    err.print(f"[green]done:[/] {len(quads)} quads into {store.location}: {summary}", highlight=False)


def _serialize(items: Sequence[Triple] | Sequence[Quad], rdf_format: RdfFormat) -> bytes:
    data = serialize(items, format=rdf_format)
    assert data is not None  # serialize returns the bytes when given no output
    return data


def main() -> None:
    """Entry point: runs the CLI and turns geertz errors into one-line messages."""
    try:
        app()
    except RDFSyntaxError as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise SystemExit(1) from None
    except GeertzError as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
