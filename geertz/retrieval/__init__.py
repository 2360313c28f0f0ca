"""Retrieval: mapping a prompt onto its scoped graph neighbourhood (a ContextPack).

Built on :mod:`geertz.graph` only; arrives with the retrieval issue.
"""

from __future__ import annotations

__all__: list[str] = []
