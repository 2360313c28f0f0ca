"""The `geertz` command line, run as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import FIXTURES, ONTOLOGY, ROOT, VECTOR_ENV, OxigraphServer

EX = "https://example.org/test/"


def geertz(
    *args: str, store: Path | str | None = None, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("GEERTZ_")} | VECTOR_ENV
    full_env.update(env or {})
    command = [sys.executable, "-m", "geertz"]
    if store is not None:
        command += ["--store", str(store)]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, env=full_env, input=stdin, timeout=300, cwd=ROOT
    )


def test_help_lists_the_commands() -> None:
    result = geertz("--help")
    assert result.returncode == 0
    for command in ("load", "validate", "sparql", "stats", "export"):
        assert command in result.stdout


def test_load_then_stats_and_sparql(tmp_path: Path) -> None:
    store = tmp_path / "store"
    result = geertz("load", "--graph", EX + "g", str(FIXTURES / "minimal.ttl"), store=store)
    assert result.returncode == 0, result.stderr
    assert "quads" in result.stderr
    stats = json.loads(geertz("stats", "--json", store=store).stdout)
    assert stats["classes"]["Interpretation"] == 2
    assert stats["classes"]["Norm"] == 1
    assert stats["classes"]["Place"] == 2  # a Country and a City, counted as places
    assert stats["graphs"] == {EX + "g": stats["triples"]}
    query = "SELECT ?label WHERE { ?p a gz:Practice ; skos:prefLabel ?label }"
    rows = json.loads(geertz("sparql", "--format", "json", query, store=store).stdout)
    assert [b["label"]["value"] for b in rows["results"]["bindings"]] == ["test greeting"]
    csv_out = geertz("sparql", "--format", "csv", query, store=store).stdout
    assert csv_out.splitlines() == ["label", "test greeting"]
    assert geertz("sparql", "ASK { ?s a gz:Norm }", store=store).stdout.strip() == "true"


def test_malformed_file_reports_position_and_leaves_store_unchanged(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert geertz("load", str(FIXTURES / "minimal.ttl"), store=store).returncode == 0
    before = geertz("export", "--format", "nquads", store=store).stdout
    # a good file first, then the broken one: neither may be loaded
    result = geertz("load", str(ONTOLOGY / "geertz.ttl"), str(FIXTURES / "malformed.ttl"), store=store)
    assert result.returncode == 1
    assert f"{FIXTURES / 'malformed.ttl'}:7:" in result.stderr
    assert "Traceback" not in result.stderr
    assert "nothing was loaded" in result.stderr
    after = geertz("export", "--format", "nquads", store=store).stdout
    assert sorted(after.splitlines()) == sorted(before.splitlines())


def test_sparql_is_read_only_unless_asked(tmp_path: Path) -> None:
    store = tmp_path / "store"
    geertz("load", str(FIXTURES / "minimal.ttl"), store=store)
    update = 'INSERT DATA { <urn:a> <urn:b> "c" }'
    refused = geertz("sparql", update, store=store)
    assert refused.returncode != 0
    assert "--update" in refused.stderr
    assert geertz("sparql", "--update", update, store=store).returncode == 0
    assert geertz("sparql", 'ASK { <urn:a> <urn:b> "c" }', store=store).stdout.strip() == "true"


def test_sparql_reads_queries_from_files_and_stdin(tmp_path: Path) -> None:
    store = tmp_path / "store"
    geertz("load", str(FIXTURES / "minimal.ttl"), store=store)
    query_file = tmp_path / "q.rq"
    query_file.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s a gz:Interpretation }")
    out = geertz("sparql", "--format", "tsv", f"@{query_file}", store=store).stdout
    assert out.splitlines()[1] == "2"
    out = geertz("sparql", "--format", "tsv", "-", store=store, stdin=query_file.read_text()).stdout
    assert out.splitlines()[1] == "2"


def test_bad_query_is_a_one_line_error(tmp_path: Path) -> None:
    store = tmp_path / "store"
    geertz("load", str(FIXTURES / "minimal.ttl"), store=store)
    result = geertz("sparql", "SELECT ?x WHERE { ?x ", store=store)
    assert result.returncode == 1
    assert "error:" in result.stderr and "Traceback" not in result.stderr


def test_export_round_trips(tmp_path: Path) -> None:
    store = tmp_path / "store"
    geertz("load", "--graph", EX + "g", str(FIXTURES / "structures.ttl"), store=store)
    out = tmp_path / "out.ttl"
    assert geertz("export", "--graph", EX + "g", "-o", str(out), store=store).returncode == 0
    other = tmp_path / "other"
    assert geertz("load", "--graph", EX + "g", str(out), store=other).returncode == 0
    a = geertz("export", "--graph", EX + "g", "--format", "ntriples", store=store).stdout
    b = geertz("export", "--graph", EX + "g", "--format", "ntriples", store=other).stdout
    assert len(a.splitlines()) == len(b.splitlines()) > 0
    assert geertz("export", "--format", "turtle", store=store).returncode != 0  # one graph needs --graph


def test_replace_empties_the_graph_first(tmp_path: Path) -> None:
    store = tmp_path / "store"
    geertz("load", "--graph", EX + "g", str(FIXTURES / "structures.ttl"), store=store)
    geertz("load", "--replace", "--graph", EX + "g", str(FIXTURES / "minimal.ttl"), store=store)
    stats = json.loads(geertz("stats", "--json", store=store).stdout)
    result = geertz("sparql", f"ASK {{ GRAPH <{EX}g> {{ <{EX}taarof> ?p ?o }} }}", store=store)
    assert result.stdout.strip() == "false"
    assert stats["classes"]["Interpretation"] == 2


def test_validate_exit_codes(tmp_path: Path) -> None:
    assert geertz("validate", str(ONTOLOGY), str(ROOT / "data")).returncode == 0
    bad = tmp_path / "bad.ttl"
    bad.write_text((FIXTURES / "minimal.ttl").read_text().replace("gz:agreement 0.8", "gz:agreement 2.0"))
    result = geertz("validate", "--no-reasoner", str(bad))
    assert result.returncode == 1
    assert f"{bad}:" in result.stdout and "ex:interp-a" in result.stdout
    report = json.loads(geertz("validate", "--json", "--no-reasoner", str(bad)).stdout)
    assert report["ok"] is False and report["findings"][0]["focus"] == "ex:interp-a"


def test_validate_without_java_says_so_and_does_not_crash(tmp_path: Path) -> None:
    result = geertz("validate", str(FIXTURES / "minimal.ttl"), env={"PATH": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "Java was not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_store_from_environment_and_remote_url(tmp_path: Path, oxigraph_server: OxigraphServer) -> None:
    env = {"GEERTZ_STORE": oxigraph_server.query_url}
    graph = EX + "cli-remote"
    geertz("sparql", "--update", f"DROP SILENT GRAPH <{graph}>", env=env)
    result = geertz("load", "--graph", graph, str(FIXTURES / "minimal.ttl"), env=env)
    assert result.returncode == 0, result.stderr
    out = geertz(
        "sparql",
        "--format",
        "tsv",
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
        env=env,
    )
    assert int(out.stdout.splitlines()[1]) > 0


def test_unknown_store_spec_is_explained() -> None:
    result = geertz("stats", store="ftp://example.org/sparql")
    assert result.returncode == 1
    assert "unknown store" in result.stderr


def test_missing_store_for_reading_is_explained(tmp_path: Path) -> None:
    result = geertz("stats", store=tmp_path / "nowhere")
    assert result.returncode == 1
    assert "geertz load" in result.stderr


@pytest.mark.parametrize(
    "args", [["load", "missing.ttl"], ["validate", "missing.ttl"]], ids=["load", "validate"]
)
def test_missing_files_are_named(tmp_path: Path, args: list[str]) -> None:
    result = geertz(*args, store=tmp_path / "store")
    assert result.returncode != 0
    assert "missing.ttl" in result.stderr
    assert "Traceback" not in result.stderr
