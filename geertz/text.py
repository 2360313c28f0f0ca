"""Text folding shared by the gazetteer and retrieval: case and accents removed, so
"München", "MUNCHEN" and "munchen" compare equal."""

from __future__ import annotations

import unicodedata

__all__ = ["fold", "fold_with_offsets"]


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """Case- and accent-fold ``text``; also return, for each folded character, the
    offset of the original character it came from (so matches map back)."""
    folded: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        for piece in unicodedata.normalize("NFKD", char.casefold()):
            if unicodedata.combining(piece):
                continue
            folded.append(piece)
            offsets.append(index)
    return "".join(folded), offsets


def fold(text: str) -> str:
    """``text`` folded for case and accents, with runs of whitespace collapsed."""
    return " ".join(fold_with_offsets(text)[0].split())
