"""Is the prompt cultural at all? Deciding without an LLM.

A prompt that names a community, a language, a practice or an occasion is
cultural. Otherwise it is compared, by embedding, with two small sets of
example prompts written for geertz: requests that ask nothing cultural (greetings,
arithmetic, code, general facts, writing chores) and cultural questions phrased
without any name the graph knows ("is it rude to…"). The graph's own practices
count as cultural examples too. The prompt goes with the nearer set; one that names a place counts as cultural
unless it sits clearly nearer the non-cultural examples.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

__all__ = [
    "CULTURAL_EXAMPLES",
    "NOT_CULTURAL_EXAMPLES",
    "STRONG_CUE_KINDS",
    "TopicClassifier",
    "has_strong_cue",
]

#: Label kinds of places: a place alone does not make a prompt cultural ("What is the
#: capital of Australia?"), it only tilts the comparison towards cultural.
PLACE_KINDS = frozenset({"City", "Region", "Country", "CulturalRegion", "Place"})
#: How far nearer the non-cultural examples a prompt naming a place may sit and still
#: count as cultural (tuned on tests/fixtures/relevance_dev.jsonl).
PLACE_MARGIN = 0.08
#: Label kinds whose presence in the prompt makes it cultural on their own.
STRONG_CUE_KINDS = frozenset(
    {
        "Community",
        "ProxyDescriptor",
        "Language",
        "Practice",
        "Occasion",
    }
)

NOT_CULTURAL_EXAMPLES = (
    "hello",
    "hey, how are you doing today?",
    "good morning!",
    "thank you, that helps",
    "ok great, bye",
    "who are you?",
    "what can you do?",
    "lol",
    "what is 45 plus 19?",
    "calculate 12 percent of 250",
    "solve 3x + 7 = 22 for x",
    "what is the square root of 144?",
    "convert 10 miles to kilometres",
    "how many ounces are in a pound?",
    "write a function in JavaScript that sorts an array",
    "fix this SQL query: SELECT * FORM users",
    "how do I reverse a linked list in C?",
    "explain recursion with a code example",
    "my Docker container keeps restarting, why?",
    "what does HTTP status 404 mean?",
    "why is the sky blue?",
    "how far is the moon from the earth?",
    "what is the boiling point of water in Fahrenheit?",
    "how does photosynthesis work?",
    "what is the capital of Australia?",
    "summarise this paragraph in two sentences",
    "rewrite this email to sound more professional",
    "fix the grammar in this sentence: me and him goes to school",
    "give me a synonym for happy",
    "tell me a joke",
    "write a haiku about autumn leaves",
    "what's the weather like tomorrow?",
    "set a timer for ten minutes",
    "recommend a good laptop for programming",
    "how do I change a flat tyre?",
    "what's a good workout for beginners?",
    "how long should I boil an egg?",
    "translate 'good night' into German",
    "what is the difference between RAM and storage?",
    "how do vaccines train the immune system?",
)

CULTURAL_EXAMPLES = (
    "is it rude to do this when visiting someone?",
    "what is the etiquette here?",
    "what should I wear to the ceremony?",
    "what gift should I bring when invited to someone's home?",
    "how should I greet my partner's parents?",
    "what does this gesture mean to them?",
    "is it okay to refuse food that a host offers?",
    "how do families mark the death of a relative?",
    "what customs surround a wedding there?",
    "how do people celebrate the new year in their tradition?",
    "how should I behave at a religious festival?",
    "what is considered polite at dinner with colleagues?",
    "how much should I tip?",
    "what do they expect from a guest?",
    "is it acceptable to be late to a meeting there?",
    "how do people show respect to elders?",
    "what taboos should a visitor know about?",
    "what is the traditional way to do this in their community?",
    "how do locals feel about this custom?",
    "what does the ritual mean to those who practise it?",
)


class TopicClassifier:
    """Nearest example set by embedding similarity; ``margin`` favours "cultural"."""

    def __init__(
        self,
        not_cultural: np.ndarray,
        cultural: np.ndarray,
        margin: float = 0.0,
    ) -> None:
        self.not_cultural = not_cultural
        self.cultural = cultural
        self.margin = margin

    def cultural_margin(self, query: np.ndarray, practices: np.ndarray | None = None) -> float:
        """How much nearer ``query`` sits to the cultural examples (and ``practices``)
        than to the others: positive means cultural."""
        cultural = float(np.max(self.cultural @ query))
        if practices is not None and len(practices):
            cultural = max(cultural, float(np.max(practices @ query)))
        return cultural - float(np.max(self.not_cultural @ query))

    def is_cultural(
        self, query: np.ndarray, practices: np.ndarray | None = None, *, margin: float | None = None
    ) -> bool:
        """True when ``query`` is no more than ``margin`` (default :attr:`margin`) nearer
        the non-cultural examples than the cultural ones."""
        return self.cultural_margin(query, practices) > -(self.margin if margin is None else margin)


def has_strong_cue(kinds: Iterable[str]) -> bool:
    """True when one of the label kinds found in the prompt makes it cultural."""
    return any(kind in STRONG_CUE_KINDS for kind in kinds)


def names_place(kinds: Iterable[str]) -> bool:
    """True when one of the label kinds found in the prompt is a place."""
    return any(kind in PLACE_KINDS for kind in kinds)
