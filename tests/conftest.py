"""Shared fixtures: real stores (embedded, `oxigraph serve`, Virtuoso) started on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from geertz.config import Settings
from geertz.graph import EmbeddedStore, GraphStore, RemoteStore
from geertz.retrieval.embed import default_embedder
from geertz.retrieval.retriever import Retriever

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ONTOLOGY = ROOT / "ontology"
# One embedding cache for the whole run, so that each distinct text is embedded once
# whichever test or subprocess builds an index (the seed's statements take about 80 s).
# Subprocesses given an environment of their own get it through VECTOR_ENV.
VECTOR_CACHE = Path(tempfile.mkdtemp(prefix="geertz-test-vectors-")) / "vectors.sqlite"
os.environ["GEERTZ_VECTOR_CACHE"] = str(VECTOR_CACHE)
VECTOR_ENV = {"GEERTZ_VECTOR_CACHE": str(VECTOR_CACHE)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_http(url: str, *, timeout: float = 30.0, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server for {url} exited with code {process.returncode}")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def oxigraph_binary() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(found).exists():
        raise RuntimeError(
            "the `oxigraph` server binary is missing; install the dev extra: pip install -e '.[dev]'"
        )
    return found


@dataclass
class OxigraphServer:
    base: str

    @property
    def query_url(self) -> str:
        return f"{self.base}/query"

    @property
    def gsp_url(self) -> str:
        return f"{self.base}/store"


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """A real `oxigraph serve` on a free port, union default graph on."""
    location = tmp_path_factory.mktemp("oxigraph-server")
    port = free_port()
    process = subprocess.Popen(
        [
            oxigraph_binary(),
            "serve",
            "--location",
            str(location),
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/query?query=ASK%7B%7D", process=process)
        yield OxigraphServer(base)
    finally:
        process.terminate()
        process.wait(timeout=10)


VIRTUOSO_INI = """
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0
[Parameters]
ServerPort = {sql_port}
DisableUnixSocket = 1
DirsAllowed = ., {d}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
CheckpointInterval = 0
[HTTPServer]
ServerPort = {http_port}
ServerRoot = {d}
ServerThreads = 10
MaxClientConnections = 10
[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
"""


def virtuoso_enabled() -> bool:
    return os.environ.get("GEERTZ_TEST_VIRTUOSO") == "1"


@pytest.fixture(scope="session")
def virtuoso_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Virtuoso (Debian's virtuoso-opensource) with SPARQL update granted."""
    if not virtuoso_enabled():
        pytest.skip("Virtuoso tests run only with GEERTZ_TEST_VIRTUOSO=1 (as .ci/run sets)")
    binary, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if not binary or not isql:
        pytest.fail(
            "GEERTZ_TEST_VIRTUOSO=1 but virtuoso-t/isql-vt are missing: apt-get install virtuoso-opensource"
        )
    directory = tmp_path_factory.mktemp("virtuoso")
    sql_port, http_port = free_port(), free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(d=directory, sql_port=sql_port, http_port=http_port))
    process = subprocess.Popen(
        [binary, "+foreground", "+configfile", str(ini)],
        cwd=directory,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{http_port}/sparql"
    try:
        wait_for_http(f"{url}?query=ASK%7B%7D", timeout=60, process=process)
        subprocess.run(
            [isql, str(sql_port), "dba", "dba", 'exec=GRANT SPARQL_UPDATE TO "SPARQL";'],
            check=True,
            capture_output=True,
            timeout=60,
        )
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


STORE_KINDS = ["embedded-disk", "embedded-memory", "oxigraph-server", "oxigraph-server-no-gsp", "virtuoso"]
REMOTE_KINDS = [kind for kind in STORE_KINDS if not kind.startswith("embedded")]


def _make_store(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> GraphStore:
    if kind == "embedded-disk":
        return EmbeddedStore(tmp_path / "store")
    if kind == "embedded-memory":
        return EmbeddedStore(None)
    if kind.startswith("oxigraph-server"):
        server: OxigraphServer = request.getfixturevalue("oxigraph_server")
        gsp = None if kind.endswith("no-gsp") else server.gsp_url
        remote = RemoteStore(server.query_url, gsp_url=gsp)
        remote.clear()
        return remote
    return RemoteStore(request.getfixturevalue("virtuoso_url"))


def _cleanup(store: GraphStore, kind: str) -> None:
    # Virtuoso keeps system graphs, so only the tests' own graphs are dropped.
    if kind == "virtuoso":
        for graph in store.named_graphs():
            if graph.startswith("https://example.org/test/"):
                store.drop_graph(graph)
    store.close()


@pytest.fixture(params=STORE_KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """Every GraphStore implementation, each empty at the start of the test.

    Remote stores are shared by the session, so tests write into named graphs
    (see the ``graph`` fixture).
    """
    created = _make_store(request.param, request, tmp_path)
    try:
        yield created
    finally:
        _cleanup(created, request.param)


@pytest.fixture(params=REMOTE_KINDS)
def remote_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RemoteStore]:
    """Every remote server kind, through RemoteStore."""
    created = _make_store(request.param, request, tmp_path)
    assert isinstance(created, RemoteStore)
    try:
        yield created
    finally:
        _cleanup(created, request.param)


@pytest.fixture
def graph() -> str:
    """A fresh named-graph IRI for one test."""
    return f"https://example.org/test/graph/{uuid.uuid4().hex}"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings pointing at the repository's ontology and a store under tmp_path."""
    return Settings(store=str(tmp_path / "store"), ontology_dir=ONTOLOGY, data_dir=ROOT / "data")


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    """The ontology, everything in data/ and the full gazetteer, built once per run
    (about a minute). Tests must not write to it."""
    from geertz.graph.gazetteer import build_gazetteer

    store = EmbeddedStore(tmp_path_factory.mktemp("seed") / "store")
    store.load(ONTOLOGY / "geertz.ttl", graph="https://w3id.org/geertz/graph/ontology")
    for file in sorted((ROOT / "data").rglob("*.ttl")):
        store.load(file, graph="https://w3id.org/geertz/graph/seed")
    store.load_quads(list(build_gazetteer()))
    yield store
    store.close()


@pytest.fixture(scope="session")
def seed_retriever(seed_store: EmbeddedStore) -> Retriever:
    """The default retriever over ``seed_store``: with the bundled embedder, as shipped."""
    return Retriever.build(seed_store, default_embedder(), vector_cache=VECTOR_CACHE)
