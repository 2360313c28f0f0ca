"""The REST API: ``create_app(settings)`` builds the FastAPI app; ``geertz serve`` runs it.

Routes: ``/v1/context``, ``/v1/answer``, ``/v1/chat/completions`` (OpenAI-compatible),
``/v1/models``, ``/sparql``, ``/v1/practices/{id}``, ``/v1/communities/{id}``,
``/v1/search``, ``/healthz``, ``/readyz`` and ``/metrics``. See docs/api.md.
"""

from __future__ import annotations

from geertz.api.app import create_app

__all__ = ["create_app"]
