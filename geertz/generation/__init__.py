"""Grounded generation: thick answers from a ContextPack, checked by a verifier.

Built on :mod:`geertz.retrieval` and :mod:`geertz.graph`; arrives with the generation issue.
"""

from __future__ import annotations

__all__: list[str] = []
