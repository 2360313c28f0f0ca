"""The phrases geertz writes for people, in the language they wrote in.

Every phrase geertz itself writes (coverage notes, the questions a pack asks, the
framing of the extractive answer: "Variation", "Assumption" …) is an English message
marked with :func:`N_` where it is defined, and translated through a gettext
catalogue, ``geertz/locale/<language>/LC_MESSAGES/geertz.po``, read with Babel when
first asked for. Text from the graph is never translated here: it is shown in the
user's language where the graph holds it in that language.

>>> say("The graph holds nothing that bears on this.", "es")   # doctest: +SKIP
'El grafo no contiene nada que tenga que ver con esto.'
>>> say("Among {holders}{where}: ", "fr", holders="les hôtes", where="")  # doctest: +SKIP
'Chez les hôtes : '

To add a language, copy ``geertz/locale/geertz.pot`` to ``<language>/LC_MESSAGES/
geertz.po`` and translate it; ``tests/test_i18n.py`` checks that every message is
there and keeps its ``{placeholders}``.
"""

from __future__ import annotations

import gettext
import io
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from geertz.text import fold

__all__ = [
    "DOMAIN",
    "LOCALE_DIR",
    "N_",
    "base_language",
    "catalogue",
    "language_name",
    "languages",
    "requested_language",
    "say",
]

DOMAIN = "geertz"
LOCALE_DIR = Path(__file__).parent / "locale"
SOURCE_LANGUAGE = "en"


def N_(message: str) -> str:
    """Mark ``message`` for translation where it is defined; it is translated when used."""
    return message


def base_language(tag: str | None) -> str:
    """The primary subtag of a BCP 47 tag, lower-cased: "pt-BR" → "pt", "zh_Hant" → "zh"."""
    return (tag or "").replace("_", "-").split("-", 1)[0].strip().lower()


@cache
def languages() -> tuple[str, ...]:
    """The languages geertz writes its own phrases in: English and every catalogue."""
    found = {path.parent.parent.name for path in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    return tuple(sorted(found | {SOURCE_LANGUAGE}))


@cache
def catalogue(language: str | None) -> gettext.NullTranslations:
    """The translations for ``language`` (any BCP 47 tag), or the English messages
    themselves when there is no catalogue for it."""
    base = base_language(language)
    path = LOCALE_DIR / base / "LC_MESSAGES" / f"{DOMAIN}.po"
    if base == SOURCE_LANGUAGE or not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        parsed = read_po(handle, locale=base, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, parsed, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def say(message: str, language: str | None = None, /, **values: object) -> str:
    """``message`` in ``language`` (English when it has no catalogue or no translation
    of it), with ``{placeholders}`` filled from ``values``."""
    text = catalogue(language).gettext(message)
    return text.format(**values) if values else text


def language_name(code: str, in_language: str = SOURCE_LANGUAGE) -> str:
    """The name of language ``code`` in ``in_language`` ("es" → "Spanish"), from the CLDR
    data Babel ships; the code itself when CLDR has no name for it."""
    try:
        names = Locale.parse(base_language(in_language) or SOURCE_LANGUAGE).languages
    except (ValueError, UnknownLocaleError):
        names = Locale.parse(SOURCE_LANGUAGE).languages
    return str(names.get(base_language(code), code))


@cache
def _language_names() -> tuple[re.Pattern[str] | None, dict[str, str]]:
    """Every language's name in English and in each catalogue's language, longest
    first, and the code each folded name stands for."""
    names: dict[str, str] = {}
    for where in languages():
        for code, name in Locale.parse(where).languages.items():
            if "_" in code or len(name) < 4:
                continue
            names.setdefault(fold(name), code)
    if not names:
        return None, names
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<!\w)({alternatives})(?!\w)"), names


#: Words that make a sentence of a system message an instruction about the answer's
#: language; a translator lists them separated by "|" (stems match: "respond" finds
#: "responde").
ANSWER_VERBS = N_("answer|reply|respond|write|speak|language")


@cache
def _answer_verbs() -> tuple[str, ...]:
    words = {fold(w) for code in languages() for w in say(ANSWER_VERBS, code).split("|") if w.strip()}
    return tuple(sorted(words))


def requested_language(instructions: Iterable[str]) -> str | None:
    """The language a system message asks answers to be written in ("Always answer in
    Spanish.", "Réponds toujours en français."): the last language named in a sentence
    that speaks of answering or writing, or ``None``. "You help Korean travellers" asks
    for no language."""
    pattern, codes = _language_names()
    if pattern is None:
        return None
    found: str | None = None
    for text in instructions:
        for sentence in re.split(r"[.!?\n\u3002\uff01\uff1f]+", fold(text)):
            if not any(verb in sentence for verb in _answer_verbs()):
                continue
            for match in pattern.finditer(sentence):
                found = codes[match.group(1)]
    return base_language(found) if found else None
