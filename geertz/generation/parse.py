"""Reading answer text back into a ThickAnswer: claims with their sources, variation,
clarifying questions and assumptions. The same reader serves every backend."""

from __future__ import annotations

import re

from geertz.generation.answer import Citation, Claim, Stance, ThickAnswer, VariationClaim
from geertz.generation.prompts import LINE_LABELS, describe_scope, gap_pattern, line_label
from geertz.retrieval.pack import ContextPack, PackItem

__all__ = ["CITATION", "parse_answer", "sentences"]

CITATION = re.compile(r"\[(\d{1,3})\]")
_LINE_KINDS = {
    "variation": "variation",
    "assumption": "assumption",
    "question": "question",
    "clarifying question": "question",
    "note": "note",
}
# A line's label: a few words in any script, then a colon (a full-width one too).
_LABELLED = re.compile(
    r"^\s*(?:[-*]\s*)?(?:\*\*)?([^\W\d_][^\d:\uff1a*]{1,28}?)(?:\*\*)?\s*[:\uff1a]\s*(.+)$"
)
_SENTENCE_END = re.compile(r"(?<=[.!?])(?:\s*(?:\[\d{1,3}\])+)?\s+(?=[A-Z\"\u201c(])")


def sentences(text: str) -> list[str]:
    """The sentences of a paragraph, each keeping the citations that follow it."""
    out: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        out.append(text[start : match.end()].strip())
        start = match.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


def parse_answer(text: str, pack: ContextPack, backend: str) -> ThickAnswer:
    """Split ``text`` into its parts against ``pack`` (numbers refer to ``pack.items``).

    Each number cited becomes a :class:`Citation` of its item: practice, holders, scope
    and evidence. Numbers outside the pack are kept in ``citations`` too, with
    ``valid=False`` (and IRI ``"invalid:<n>"``), so the verifier can reject them.
    """
    kinds: dict[str, str] = dict(_LINE_KINDS)
    for name in LINE_LABELS:  # the labels in the pack's language too
        kinds.setdefault(line_label(name, pack.language).casefold(), name)
    gap = gap_pattern(pack.language)
    claims: list[Claim] = []
    variation: list[VariationClaim] = []
    questions: list[str] = []
    assumptions: list[str] = []
    citations: dict[str, Citation] = {}

    def cite(sentence: str) -> list[PackItem]:
        cited: list[PackItem] = []
        for number in CITATION.findall(sentence):
            index = int(number)
            if 1 <= index <= len(pack.items):
                citations[number] = _citation(pack.items[index - 1])
                if pack.items[index - 1] not in cited:
                    cited.append(pack.items[index - 1])
            else:
                citations[number] = Citation(iri=f"invalid:{number}", valid=False)
        return cited

    for line in text.splitlines():
        if not line.strip():
            continue
        labelled = _LABELLED.match(line)
        kind = kinds.get(labelled.group(1).strip().casefold()) if labelled else None
        if labelled and kind:
            body = labelled.group(2).strip()
            if kind == "variation":
                variation.append(VariationClaim(text=body, sources=[i.iri for i in cite(body)]))
            elif kind == "assumption":
                assumptions.append(body)
            elif kind == "question":
                questions.append(body)
            else:
                cite(body)
            continue
        for sentence in sentences(line.strip()):
            cited = cite(sentence)
            if sentence.rstrip().endswith("?") and not cited:
                questions.append(sentence)
                continue
            if not cited and gap.search(sentence):
                continue  # it says what the graph does not hold: a statement about coverage
            claims.append(_claim(sentence, cited))
    return ThickAnswer(
        answer=text.strip(),
        claims=claims,
        variation=variation,
        clarifying_questions=questions,
        assumptions=assumptions,
        citations=dict(sorted(citations.items(), key=lambda kv: int(kv[0]))),
        backend=backend,
    )


def _citation(item: PackItem) -> Citation:
    return Citation(
        iri=item.iri,
        label=item.practice_label or item.label,
        held_by=[holder.label for holder in item.held_by],
        scope=describe_scope(item),
        sources=list(item.evidence),
    )


def _claim(sentence: str, cited: list[PackItem]) -> Claim:
    holders = list(dict.fromkeys(h.label for item in cited for h in item.held_by))
    scopes = list(dict.fromkeys(describe_scope(item) for item in cited))
    stances = {item.perspective for item in cited if item.perspective in ("emic", "etic", "mixed")}
    stance: Stance = stances.pop() if len(stances) == 1 else "mixed"  # type: ignore[assignment]
    return Claim(
        text=sentence,
        sources=[item.iri for item in cited],
        scope=" | ".join(scopes),
        held_by=holders,
        stance=stance,
        applies=bool(cited) and all(item.applies is True for item in cited),
    )
