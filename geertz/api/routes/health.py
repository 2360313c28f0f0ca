"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from geertz.api.app import error_body
from geertz.errors import GeertzError

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get(
    "/readyz", responses={503: {"description": "Not ready: the index is loading or the store is down."}}
)
def readyz(request: Request) -> Response:
    """The index is loaded and the store answers."""
    engine = getattr(request.app.state, "engine", None)
    if engine is None:
        return JSONResponse(error_body(503, "the retrieval index is still loading"), 503)
    try:
        engine.store.ask("ASK { }")
    except GeertzError as exc:
        return JSONResponse(error_body(503, f"the store does not answer: {exc}"), 503)
    return JSONResponse({"status": "ready", "statements": len(engine.retriever.snapshot.statements)})


@router.get("/metrics", response_class=Response)
def metrics(request: Request) -> Response:
    """Prometheus metrics: requests by route and status, and their latency."""
    return Response(generate_latest(request.app.state.metrics), media_type=CONTENT_TYPE_LATEST)
