"""Choosing a store from a specification: the one place where defaults are wired."""

from __future__ import annotations

from pathlib import Path

from geertz.config import Settings, get_settings
from geertz.errors import ConfigError
from geertz.graph.oxigraph import EmbeddedStore
from geertz.graph.sparql import RemoteStore
from geertz.graph.store import GraphStore

__all__ = ["open_store"]


def open_store(
    spec: str | None = None,
    *,
    settings: Settings | None = None,
    read_only: bool | None = None,
) -> GraphStore:
    """Open the store that ``spec`` names (``GEERTZ_STORE`` when None).

    - a directory path: the embedded Oxigraph store, created if missing;
    - ``memory:``: an embedded store in memory;
    - an ``http://`` or ``https://`` URL: a remote SPARQL 1.1 endpoint.
    """
    settings = settings or get_settings()
    spec = (spec or settings.store).strip()
    ro = settings.store_read_only if read_only is None else read_only
    if spec == "memory:":
        return EmbeddedStore(None, read_only=ro)
    if spec.startswith(("http://", "https://")):
        return RemoteStore(
            spec,
            update_url=settings.store_update_url,
            gsp_url=settings.store_gsp_url,
            user=settings.store_user,
            password=settings.store_password.get_secret_value() if settings.store_password else None,
            timeout=settings.query_timeout,
            read_only=ro,
        )
    if "://" in spec or spec.endswith(":"):
        raise ConfigError(
            f"unknown store {spec!r}: use a directory path, 'memory:', or an http(s) SPARQL endpoint URL"
        )
    return EmbeddedStore(
        Path(spec).expanduser(),
        read_only=ro,
        bulk_load_threshold_mb=settings.bulk_load_threshold_mb,
    )
