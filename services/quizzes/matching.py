"""Free-answer matching: forgives case, punctuation, accents and small typos, whole words only.

"hearts", "Hearts!", "hearst" and "I think it's hearts" match *hearts*; "air" never matches
*chair* (nor "chair" *air*): a guess is compared word-window by word-window, never as a
substring, and the number of typos allowed grows with the answer's length (none for 3 letters).
Distances are rapidfuzz's optimal string alignment (a swapped pair of letters is one typo).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_NON_WORD = re.compile(r"[^\w\s]|_")
ARTICLES = {"the", "a", "an"}
EXTRA_WORDS = 4  # "i think it's hearts" is fine; a whole dictionary pasted in is not


def normalize(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    lowered = stripped.casefold().replace("&", " and ").replace("'", "").replace("’", "")
    return " ".join(_NON_WORD.sub(" ", lowered).split())


def _words(text: str) -> list[str]:
    words = normalize(text).split()
    while len(words) > 1 and words[0] in ARTICLES:
        words = words[1:]
    return words


def allowed_typos(length: int) -> int:
    if length <= 3:
        return 0
    if length <= 7:
        return 1
    return 2


def matches(guess: str, answers: Iterable[str]) -> bool:
    guess_words = normalize(guess).split()
    if not guess_words:
        return False
    # rapidfuzz (~2.6 MB resident) loads with the first typed answer, not at start-up; a
    # plain import (not core.lazy_import): answers are judged on the database writer's thread
    from rapidfuzz.distance import OSA

    for answer in answers:
        target_words = _words(answer)
        if not target_words:
            continue
        target = "".join(target_words)
        if len(guess_words) > len(target_words) + EXTRA_WORDS:
            continue
        # typos are allowed per word: a long word forgives more, a missing short word never
        budget = sum(allowed_typos(len(w)) for w in target_words)
        n = len(target_words)
        for size in {max(1, n - 1), n, n + 1}:
            for start in range(0, len(guess_words) - size + 1):
                window = "".join(guess_words[start : start + size])
                if abs(len(window) - len(target)) > budget:
                    continue
                if OSA.distance(window, target, score_cutoff=budget) <= budget:
                    return True
    return False


def hint_for(answer: str) -> str:
    """First letter of each word, the rest as blanks: "blowing up" -> "b _ _ _ _ _ _   u _"."""
    words = normalize(answer).split() or [answer]
    return "   ".join(" ".join([w[0], *["_"] * (len(w) - 1)]) for w in words)
