"""The REST API: ``create_app(settings)`` and one router per resource.

Arrives with the API issue; it sits on top of every other layer.
"""

from __future__ import annotations

__all__: list[str] = []
