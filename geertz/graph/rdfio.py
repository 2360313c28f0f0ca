"""Reading RDF files: format detection, parsing with exact error positions,
and finding the RDF files under a directory."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, parse

from geertz.errors import LoadError, RDFSyntaxError

__all__ = ["RDF_SUFFIXES", "find_rdf_files", "guess_format", "parse_file", "syntax_error"]

RDF_SUFFIXES: dict[str, RdfFormat] = {
    ".ttl": RdfFormat.TURTLE,
    ".nt": RdfFormat.N_TRIPLES,
    ".nq": RdfFormat.N_QUADS,
    ".trig": RdfFormat.TRIG,
    ".n3": RdfFormat.N3,
    ".rdf": RdfFormat.RDF_XML,
    ".owl": RdfFormat.RDF_XML,
    ".xml": RdfFormat.RDF_XML,
    ".jsonld": RdfFormat.JSON_LD,
}


def guess_format(path: Path, format: str | None = None) -> RdfFormat:
    """The RDF format of ``path``: from ``format`` (a suffix or media type) when given,
    else from the file's suffix."""
    if format:
        found = RdfFormat.from_extension(format.lstrip(".")) or RdfFormat.from_media_type(format)
        if found is None:
            known = ", ".join(sorted(s.lstrip(".") for s in RDF_SUFFIXES))
            raise LoadError(f"unknown RDF format {format!r}; use one of {known}", path=path)
        return found
    suffix = path.suffix.lower()
    if suffix not in RDF_SUFFIXES:
        known = ", ".join(sorted(RDF_SUFFIXES))
        raise LoadError(
            f"cannot tell the RDF format of {path.name!r} from its suffix; "
            f"rename it to one of {known} or pass --format",
            path=path,
        )
    return RDF_SUFFIXES[suffix]


def syntax_error(path: Path, exc: SyntaxError) -> RDFSyntaxError:
    """Turn pyoxigraph's ``SyntaxError`` into an :class:`RDFSyntaxError` with its position."""
    line = exc.lineno if exc.lineno else None
    column = exc.offset if exc.offset else None
    message = str(exc.msg or exc)
    return RDFSyntaxError(message, path=path, line=line, column=column)


def parse_file(
    path: Path,
    *,
    format: str | None = None,
    graph: NamedNode | None = None,
    base_iri: str | None = None,
) -> Iterator[Quad]:
    """Stream the quads of ``path``; triples go to ``graph`` (default graph if None).

    Raises :class:`RDFSyntaxError` with the file, line and column of the first error,
    and :class:`LoadError` if the file cannot be read.
    """
    rdf_format = guess_format(path, format)
    try:
        with path.open("rb") as handle:
            quads = parse(
                handle,
                rdf_format,
                base_iri=base_iri or path.resolve().as_uri(),
                without_named_graphs=False,
            )
            for quad in quads:
                if graph is not None and isinstance(quad.graph_name, DefaultGraph):
                    yield Quad(quad.subject, quad.predicate, quad.object, graph)
                else:
                    yield quad
    except SyntaxError as exc:
        raise syntax_error(path, exc) from exc
    except OSError as exc:
        raise LoadError(f"cannot read {str(path)!r}: {exc.strerror or exc}", path=path) from exc


def find_rdf_files(paths: Iterable[Path]) -> list[Path]:
    """Expand directories into the RDF files beneath them, sorted; keep files as given.

    Raises :class:`LoadError` for a path that does not exist.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(p for p in path.rglob("*") if p.suffix.lower() in RDF_SUFFIXES and p.is_file())
            )
        elif path.is_file():
            found.append(path)
        else:
            raise LoadError(f"no such file or directory: {str(path)!r}", path=path)
    return found
