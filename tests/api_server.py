"""Serve a geertz app on a real uvicorn on 127.0.0.1, in a background thread.

with running(create_app(settings, engine=engine)) as base:
    httpx.get(f"{base}/healthz")
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI

from .conftest import free_port

__all__ = ["running"]


@contextmanager
def running(app: FastAPI, *, timeout: float = 60.0) -> Iterator[str]:
    """The app served by uvicorn; yields its base URL, e.g. http://127.0.0.1:41234."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1.0).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError(f"uvicorn did not start on {base}")
        time.sleep(0.1)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
