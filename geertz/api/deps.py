"""Dependencies shared by the routes: the engine, the settings and who is calling.

Routes declare what they need with the ``Annotated`` aliases::

    @router.post("/v1/context")
    def context(body: ContextRequest, engine: EngineDep, caller: Reader) -> ContextPack: ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from geertz.config import Role, Settings
from geertz.engine import ContextEngine

__all__ = ["Admin", "Caller", "Editor", "EngineDep", "Reader", "SettingsDep"]

_RANK: dict[Role, int] = {"reader": 1, "editor": 2, "admin": 3}


@dataclass(frozen=True)
class Caller:
    """Who made the request: their role (None when anonymous) and whether they may
    see restricted knowledge."""

    role: Role | None
    restricted: bool = False

    def may(self, role: Role) -> bool:
        return self.role is not None and _RANK[self.role] >= _RANK[role]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _engine(request: Request) -> ContextEngine:
    engine: ContextEngine | None = getattr(request.app.state, "engine", None)
    if engine is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "geertz is still loading its index; retry shortly"
        )
    return engine


SettingsDep = Annotated[Settings, Depends(_settings)]
EngineDep = Annotated[ContextEngine, Depends(_engine)]


def _key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.headers.get("x-api-key") or None


def _caller(request: Request, settings: SettingsDep) -> Caller:
    key = _key(request)
    # With no keys configured, a key sent anyway (OpenAI clients always send one) is ignored.
    if key is None or not settings.api_keys:
        return Caller(role=None)
    found = settings.api_keys.get(key)
    if found is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "unknown API key; send a key from GEERTZ_API_KEYS as 'Authorization: Bearer KEY'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Caller(role=found.role, restricted=found.restricted)


def _needs(role: Role) -> object:
    def check(request: Request, settings: SettingsDep) -> Caller:
        caller = _caller(request, settings)
        if caller.role is None:
            if role == "reader" and settings.api_anonymous_read:
                return caller
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                f"this needs an API key with the {role} role; send it as 'Authorization: Bearer KEY'",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not caller.may(role):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"this needs the {role} role; your key is a {caller.role}"
            )
        return caller

    return check


Reader = Annotated[Caller, Depends(_needs("reader"))]
Editor = Annotated[Caller, Depends(_needs("editor"))]
Admin = Annotated[Caller, Depends(_needs("admin"))]
