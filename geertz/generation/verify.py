"""The verifier: checks every answer, whatever wrote it, against the pack it was built from.

>>> answer = verify(parse_answer(text, pack, "openai"), pack)      # doctest: +SKIP
>>> answer.passed, answer.failures()
(False, {'cites_sources': 'sentence 2 cites nothing: "Everyone bows."'})

The checks, by name:

``cites_sources``
    every claim cites at least one pack item, and no number outside the pack;
``names_scope_and_holder``
    every claim names where or when it holds and whose view it is;
``surfaces_variation``
    variation or contestation in the pack appears in the answer;
``addresses_missing_context``
    when the pack lists missing context, the answer asks or states an assumption;
``no_essentialising``
    no "all / always / never" about a group, unless a cited statement says so itself;
``hedging_follows_agreement``
    claims resting on low agreement or confidence are hedged, and none is overstated;
``honest_when_thin``
    when the pack holds little that applies, the answer says so;
``states_coverage``
    when the pack's coverage verdict is not ``covered``, the answer opens by saying
    what the graph does not hold, and claims no more coverage than the pack has.
"""

from __future__ import annotations

import re

from geertz.generation.answer import Check, ThickAnswer
from geertz.generation.parse import sentences
from geertz.generation.prompts import LOW_CONFIDENCE, gap_pattern
from geertz.i18n import say
from geertz.retrieval.pack import ContextPack, PackItem
from geertz.retrieval.rank import tokens

__all__ = ["CHECKS", "is_low", "is_thin", "mentions", "verify"]

CHECKS = (
    "cites_sources",
    "names_scope_and_holder",
    "surfaces_variation",
    "addresses_missing_context",
    "no_essentialising",
    "hedging_follows_agreement",
    "honest_when_thin",
    "states_coverage",
)

_LOW = 0.5
_QUANTIFIERS = {"all", "every", "always", "never", "everyone", "everybody", "nobody", "none"}
_GROUP_NOUNS = {
    "people",
    "men",
    "women",
    "families",
    "everyone",
    "everybody",
    "nobody",
    "folk",
    "natives",
    "locals",
    "muslims",
    "christians",
    "hindus",
    "jews",
    "buddhists",
    "sikhs",
}
_DEMONYM_SHAPE = re.compile(r"^[A-Z][a-z]+(?:ns|ese|ish|is|ans|s)$")
_WORD = re.compile(r"[A-Za-z']+")
_HEDGES = re.compile(
    r"\b(some|many|often|sometimes|may|might|can|tend|tends|reportedly|reported|according|"
    r"tentative|suggests?|likely|usually|in places|not all|others)\b",
    re.I,
)
_OVERSTATED = re.compile(r"\b(certainly|definitely|undoubtedly|without exception|invariably)\b", re.I)
_VARIATION_WORDS = re.compile(
    r"\b(differs?|differ(?:ent|ence)|vary|varies|variation|disagree|contested|contests|by contrast|"
    r"in contrast|elsewhere|while others|others hold)\b",
    re.I,
)
_THIN_WORDS = re.compile(
    r"(holds little|has little|little (?:is )?recorded|not much (?:is )?recorded|no statements?|"
    r"nothing (?:is )?recorded|holds no)",
    re.I,
)


def is_thin(pack: ContextPack) -> bool:
    """True when the pack has fewer than two statements that bear on the prompt and
    hold in its context (with no place in the prompt, anywhere). A prompt that asks
    nothing cultural is never thin."""
    if pack.coverage.verdict == "not_cultural":
        return False
    chain = {cue.label for cue in pack.frame.get("place", [])}
    bearing = [
        item
        for item in pack.items
        if item.role == "answer"
        and (
            item.applies is True
            or (item.applies is None and (not chain or chain.intersection(item.scope.get("place", []))))
        )
    ]
    return len(bearing) < 2


def verify(answer: ThickAnswer, pack: ContextPack) -> ThickAnswer:
    """``answer`` with its ``checks`` filled in (a new object; the input is unchanged)."""
    items = {item.iri: item for item in pack.items}
    checks = {
        "cites_sources": _cites_sources(answer),
        "names_scope_and_holder": _names_scope_and_holder(answer, items),
        "surfaces_variation": _surfaces_variation(answer, pack),
        "addresses_missing_context": _addresses_missing(answer, pack),
        "no_essentialising": _no_essentialising(answer, items, pack),
        "hedging_follows_agreement": _hedging(answer, items, pack.language),
        "honest_when_thin": _honest_when_thin(answer, pack),
        "states_coverage": _states_coverage(answer, pack),
    }
    return answer.model_copy(update={"checks": checks})


def _ok(reason: str) -> Check:
    return Check(passed=True, reason=reason)


def _fail(reason: str) -> Check:
    return Check(passed=False, reason=reason)


def _quote(text: str, limit: int = 90) -> str:
    return '"' + (text if len(text) <= limit else text[: limit - 1] + "…") + '"'


def _cites_sources(answer: ThickAnswer) -> Check:
    invalid = sorted((n for n, citation in answer.citations.items() if not citation.valid), key=int)
    if invalid:
        return _fail(f"cites [{'], ['.join(invalid)}], which the context does not have")
    for number, claim in enumerate(answer.claims, start=1):
        if not claim.sources:
            return _fail(f"sentence {number} cites nothing: {_quote(claim.text)}")
    if not answer.claims and answer.citations == {}:
        return _ok("the answer makes no claims of its own")
    return _ok(f"all {len(answer.claims)} claims cite statements from the context")


def mentions(text_tokens: set[str], labels: list[str]) -> bool:
    """True when a word of one of ``labels`` (folded, stemmed, 3+ letters, or any length outside
    ASCII) is among ``text_tokens``."""
    return any(
        token in text_tokens
        for label in labels
        for token in tokens(label)
        if len(token) >= 3 or not token.isascii()  # a two-character word in Chinese or Korean
    )


def is_low(item: PackItem) -> bool:
    """True when the statement's agreement or confidence is below one half."""
    return (item.agreement is not None and item.agreement < _LOW) or (item.confidence or 1.0) < _LOW


def _names_scope_and_holder(answer: ThickAnswer, items: dict[str, PackItem]) -> Check:
    for number, claim in enumerate(answer.claims, start=1):
        cited = [items[iri] for iri in claim.sources if iri in items]
        if not cited:
            continue
        said = set(tokens(claim.text))
        holders = [h.label for item in cited for h in item.held_by]
        if holders and not mentions(said, holders):
            return _fail(
                f"sentence {number} does not say whose view it is ({', '.join(holders[:2])}): "
                + _quote(claim.text)
            )
        scoped = [v for item in cited for values in item.scope.values() for v in values]
        if scoped and not mentions(said, scoped):
            return _fail(
                f"sentence {number} does not say where or when it holds ({', '.join(scoped[:3])}): "
                + _quote(claim.text)
            )
    return _ok("every claim names its holders and its scope")


def _surfaces_variation(answer: ThickAnswer, pack: ContextPack) -> Check:
    if not pack.variations:
        return _ok("the context records no variation")
    if answer.variation or _VARIATION_WORDS.search(answer.answer):
        return _ok(f"the answer reports variation ({len(pack.variations)} recorded in the context)")
    dimensions = ", ".join(dict.fromkeys(v.dimension for v in pack.variations[:3]))
    return _fail(f"the context records variation ({dimensions}) that the answer leaves out")


def _addresses_missing(answer: ThickAnswer, pack: ContextPack) -> Check:
    if not pack.missing:
        return _ok("no context is missing")
    if answer.clarifying_questions or answer.assumptions:
        return _ok("the answer asks about, or states what it assumed for, the missing context")
    facets = ", ".join(m.facet for m in pack.missing)
    return _fail(
        f"the context leaves the {facets} open, and the answer neither asks nor states an assumption"
    )


def _no_essentialising(answer: ThickAnswer, items: dict[str, PackItem], pack: ContextPack) -> Check:
    texts = [(c.text, c.sources) for c in answer.claims] + [(v.text, v.sources) for v in answer.variation]
    for text, sources in texts:
        words = _WORD.findall(text)
        for i, word in enumerate(words):
            quantifier = word.lower()
            if quantifier not in _QUANTIFIERS:
                continue
            nearby = range(max(0, i - 4), min(len(words), i + 5))
            group = quantifier in ("everyone", "everybody", "nobody") or any(
                words[j].lower() in _GROUP_NOUNS or (j != 0 and _DEMONYM_SHAPE.match(words[j]))
                for j in nearby
                if j != i
            )
            if not group:
                continue
            # The graph's own words may say it: a cited statement, or a variation's note.
            own_words = [items[iri].text for iri in sources if iri in items]
            own_words += [v.note for v in pack.variations if v.note]
            cited_say_so = any(re.search(rf"\b{re.escape(quantifier)}\b", said, re.I) for said in own_words)
            if not cited_say_so:
                return _fail(f"generalises about a group with {quantifier!r}: {_quote(text)}")
    return _ok("no sweeping generalisation about a group")


def _hedging(answer: ThickAnswer, items: dict[str, PackItem], language: str | None = None) -> Check:
    # The extractive answer's own hedge, in the answer's language, counts as one.
    own = say(LOW_CONFIDENCE, language).strip(" ()\uff08\uff09")
    for number, claim in enumerate(answer.claims, start=1):
        cited = [items[iri] for iri in claim.sources if iri in items]
        low = [i for i in cited if is_low(i)]
        if cited and len(low) == len(cited):
            if _OVERSTATED.search(claim.text):
                return _fail(f"sentence {number} overstates a low-agreement statement: {_quote(claim.text)}")
            if not _HEDGES.search(claim.text) and not (own and own in claim.text):
                return _fail(
                    f"sentence {number} rests on low agreement or confidence but is not hedged: "
                    + _quote(claim.text)
                )
    return _ok("certainty follows the agreement and confidence of what is cited")


def _honest_when_thin(answer: ThickAnswer, pack: ContextPack) -> Check:
    if not is_thin(pack):
        return _ok("the context holds enough to answer from")
    if _THIN_WORDS.search(answer.answer) or gap_pattern(pack.language).search(answer.answer):
        return _ok("the context is thin, and the answer says so")
    return _fail("the context holds little on this, and the answer does not say so")


# How far into the answer the gap must be stated: its first sentences.
_OPENING_SENTENCES = 2
_OVERCLAIM = re.compile(
    r"\b(the graph (fully )?(covers|holds|records) (this|it) (well|fully|in detail)|well covered|"
    r"fully covered|the graph has (plenty|a lot|extensive))\b",
    re.I,
)


def _states_coverage(answer: ThickAnswer, pack: ContextPack) -> Check:
    verdict = pack.coverage.verdict
    if verdict in ("covered", "not_cultural"):
        return _ok(f"the coverage verdict is {verdict}")
    if _OVERCLAIM.search(answer.answer):
        return _fail(f"the context's coverage is {verdict!r}, but the answer claims the graph covers it")
    lines = [line for line in answer.answer.splitlines() if line.strip()]
    opening = " ".join(sentences(" ".join(lines[:_OPENING_SENTENCES]))[:_OPENING_SENTENCES])
    if gap_pattern(pack.language).search(opening):
        return _ok(f"the coverage is {verdict!r}, and the answer opens by saying what the graph lacks")
    return _fail(
        f"the context's coverage is {verdict!r} ({_quote(pack.coverage.note)}), and the answer does not "
        "open by saying what the graph does not hold"
    )
