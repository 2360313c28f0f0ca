"""The FastAPI application, built by :func:`create_app` and never at import time.

>>> app = create_app()                         # doctest: +SKIP
>>> # uvicorn.run(app, host="127.0.0.1", port=8000)   or: geertz serve

Every error leaves as JSON in OpenAI's shape, ``{"error": {"message", "type",
"code"}}``, with the right status and never a stack trace.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from geertz import __version__
from geertz.config import Settings, get_settings
from geertz.engine import ContextEngine
from geertz.errors import (
    ConfigError,
    GeertzError,
    LLMTimeout,
    LLMUnavailable,
    QueryError,
    QueryTimeout,
    StoreUnavailable,
)

__all__ = ["create_app", "error_body"]

log = logging.getLogger(__name__)

_STATUS_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    406: "invalid_request_error",
    413: "request_too_large",
    415: "invalid_request_error",
    422: "invalid_request_error",
    503: "service_unavailable",
    504: "timeout",
}


def error_body(status: int, message: str, code: str | None = None) -> dict[str, Any]:
    """The JSON every error is sent as."""
    return {"error": {"message": message, "type": _STATUS_TYPES.get(status, "server_error"), "code": code}}


def _status_of(exc: GeertzError) -> int:
    if isinstance(exc, QueryTimeout | LLMTimeout):
        return 504
    if isinstance(exc, StoreUnavailable | LLMUnavailable):
        return 503
    if isinstance(exc, QueryError | ConfigError):
        return 400
    return 500


def create_app(settings: Settings | None = None, *, engine: ContextEngine | None = None) -> FastAPI:
    """The geertz API. Without ``engine``, one is built from ``settings`` when the app starts."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = engine is None
        app.state.engine = engine or ContextEngine.from_settings(settings)
        try:
            yield
        finally:
            if owned:
                app.state.engine.close()

    app = FastAPI(
        title="geertz",
        version=__version__,
        summary="Scoped, plural, sourced cultural context for thick LLM answers.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    registry = CollectorRegistry()
    app.state.metrics = registry
    _install_errors(app)
    _install_metrics(app, registry)
    if settings.api_cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.api_cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-API-Key", "Accept"],
            expose_headers=["X-Geertz-Truncated"],
        )
    app.add_middleware(_BodyLimit, limit=settings.api_max_request_bytes)

    from geertz.api.routes import ROUTERS

    for router in ROUTERS:
        app.include_router(router)
    return app


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            error_body(exc.status_code, str(exc.detail)), exc.status_code, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error.get("loc", ()) if part != "body") or "body"
            problems.append(f"{where}: {error.get('msg', 'invalid')}")
        body = error_body(422, "; ".join(problems) or "the request is not valid", "invalid_request")
        return JSONResponse(body, 422)

    @app.exception_handler(GeertzError)
    async def geertz_error(request: Request, exc: GeertzError) -> JSONResponse:
        status = _status_of(exc)
        if status == 500:
            log.exception("request failed: %s", request.url.path, exc_info=exc)
        return JSONResponse(error_body(status, str(exc), type(exc).__name__), status)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path, exc_info=exc)
        return JSONResponse(error_body(500, "internal error; the server log has the details"), 500)


def _install_metrics(app: FastAPI, registry: CollectorRegistry) -> None:
    requests = Counter(
        "geertz_http_requests", "HTTP requests handled", ["method", "route", "status"], registry=registry
    )
    latency = Histogram(
        "geertz_http_request_seconds", "Time to handle a request", ["method", "route"], registry=registry
    )

    @app.middleware("http")
    async def measure(request: Request, call_next: Callable[[Request], Awaitable[Any]]) -> Any:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        requests.labels(request.method, path, str(response.status_code)).inc()
        latency.labels(request.method, path).observe(time.perf_counter() - started)
        return response


class _BodyLimit:
    """Refuses request bodies larger than ``limit`` bytes with 413, whether or not
    they declare a Content-Length."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        response = JSONResponse(
            error_body(
                413, f"the request body is larger than {self.limit} bytes (GEERTZ_API_MAX_REQUEST_BYTES)"
            ),
            413,
        )
        await response({"type": "http"}, _no_receive, send)


class _TooLarge(Exception):
    pass


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
