"""Member text held to the server's rules: what checking costs in the worst guild Discord
allows (6 keyword rules of 1,000 keywords, 10 regex patterns and 100 allow-list entries each,
plus 500 blocked words): compiling a guild's rules (once per change, per process) and checking a
400-character text that passes (every rule is searched) or meets a rule."""

from __future__ import annotations

import random
import string
import time
from typing import Any

from services.safety.automod import RuleBook, RuleSpec


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 10)))


def worst_guild(rng: random.Random) -> tuple[list[RuleSpec], list[str]]:
    shapes = ("{}", "{}*", "*{}", "*{}*", "{} {}")
    rules = []
    for r in range(6):
        keywords = tuple(rng.choice(shapes).format(_word(rng), _word(rng)) for _ in range(1000))
        patterns = tuple(f"{_word(rng)}[0-9]{{2,4}}(x|y)+" for _ in range(10))
        allow = tuple(_word(rng) for _ in range(100))
        rules.append(RuleSpec(r + 1, f"Rule {r}", 1, True, keywords, patterns, allow))
    return rules, [_word(rng) + "zq" for _ in range(500)]


def _per_call(fn: Any, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - started) / n


async def run(quick: bool) -> list[dict[str, Any]]:
    rng = random.Random(13)
    rules, words = worst_guild(rng)
    n = 50 if quick else 500
    compile_s = _per_call(lambda: RuleBook(rules, words), 3 if quick else 10)
    book = RuleBook(rules, words)
    clean = " ".join("Q" + _word(rng) for _ in range(60))[:400]
    assert book.allows(clean)
    hit = clean[:300] + " " + words[-1]  # met by the last matcher: the longest path to a hit
    assert not book.allows(hit)
    clean_s = _per_call(lambda: book.find(clean), n)
    hit_s = _per_call(lambda: book.find(hit), n)
    note = "6 rules × 1,000 keywords + 10 patterns + 100 allowed, 500 blocked words"
    return [
        {
            "bench": "safety",
            "metric": "compile a guild's rules",
            "value": compile_s * 1000,
            "unit": "ms",
            "note": note + "; once per change, per process",
        },
        {
            "bench": "safety",
            "metric": "check 400 chars that pass",
            "value": clean_s * 1000,
            "unit": "ms",
            "note": "every rule searched",
        },
        {
            "bench": "safety",
            "metric": "check 400 chars that meet a rule",
            "value": hit_s * 1000,
            "unit": "ms",
            "note": "met by the blocked words, searched last",
        },
    ]
