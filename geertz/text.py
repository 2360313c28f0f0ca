"""Text folding shared by the gazetteer and retrieval: case and accents removed, so
"München", "MUNCHEN" and "munchen" compare equal; and, where the accents matter, how
a word is written ("Sámi" is not written as "Sami")."""

from __future__ import annotations

import unicodedata
import warnings
from functools import cache

__all__ = ["fold", "fold_with_offsets", "has_accents", "spelling", "word_frequency"]


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


def spelling(text: str) -> str:
    """``text`` folded for case only (accents kept, composed), with runs of whitespace
    collapsed: "SÁMI" and "Sámi" are spelled alike, "Sami" is not."""
    return " ".join(unicodedata.normalize("NFC", text.casefold()).split())


def has_accents(text: str) -> bool:
    """Whether ``text`` carries any of the marks :func:`fold` removes ("Sámi", not "Sami")."""
    return any(unicodedata.combining(piece) for piece in unicodedata.normalize("NFKD", text))


@cache
def word_frequency(word: str, language: str) -> float:
    """How common ``word`` is in ``language`` on wordfreq's Zipf scale (7: among the
    commonest words; 3: once in a million), or 0.0 where wordfreq has no list for the
    language."""
    if language not in _frequency_languages():
        return 0.0
    import wordfreq

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return float(wordfreq.zipf_frequency(word, language, wordlist="small"))
    except (LookupError, ImportError):  # a list that needs a tokeniser not installed (MeCab)
        return 0.0


@cache
def _frequency_languages() -> frozenset[str]:
    """The languages wordfreq has a small list for (asked for another, it would answer
    from the nearest one, English for Hausa)."""
    import wordfreq

    return frozenset(wordfreq.available_languages(wordlist="small"))
