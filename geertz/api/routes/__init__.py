"""One router per resource; :func:`geertz.api.create_app` includes every router listed here."""

from __future__ import annotations

from fastapi import APIRouter

from geertz.api.routes import admin, answer, browse, chat, context, health, models, sparql

__all__ = ["ROUTERS"]

ROUTERS: list[APIRouter] = [
    health.router,
    context.router,
    answer.router,
    chat.router,
    models.router,
    admin.router,
    sparql.router,
    browse.router,
]
