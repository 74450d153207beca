"""What a group's intro says: why they were matched, in the fam's words, and two collab ideas."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from core.text import truncate
from services.collabs.scoring import BANDS, FORMATS, Candidate
from services.profiles import FOLLOWER_BANDS

# Two prompts per group come from their niches' families (BookTok → "stories", …).
PROMPTS: dict[str, tuple[str, ...]] = {
    "stories": (
        "Duet a 'lives rent-free in my head' list: one pick each, react to the other's.",
        "Stitch each other's hottest take in your niche and settle it in the comments.",
    ),
    "food": (
        "Same ingredient, two recipes: cook it your way and duet the taste test.",
        "Budget battle: one meal under $5 each, let both fams vote in the comments.",
    ),
    "home": (
        "Tour swap: show each other's favourite corner and what makes it yours.",
        "Rescue challenge: each of you saves something sad (a plant, a shelf, a corner).",
    ),
    "learning": (
        "Teach the other's fam one thing from your niche in 30 seconds, then swap.",
        "Myth vs fact: stitch a myth from their niche and bust it with your knowledge.",
    ),
    "making": (
        "Same prompt, two styles: make it your way and duet the reveal.",
        "Speed round: 60 seconds, one theme, post both versions side by side.",
    ),
    "style": (
        "Style swap: recreate each other's signature look with what you own.",
        "Thrift flip challenge: same budget, duet the before-and-after.",
    ),
    "play": (
        "POV skit with one line each, then stitch the plot twist.",
        "React to each other's most-viewed TikTok and guess why it blew up.",
    ),
    "wellness": (
        "Soft content swap: your morning routine vs theirs, duet side by side.",
        "7-day challenge: pick one habit together and both post check-ins.",
    ),
}
GENERIC_PROMPTS = (
    "Stitch each other's intro TikTok and tell your fam why they should follow.",
    "Go LIVE together for 20 minutes and take questions from both fams.",
    "Put your own niche's spin on the same trending sound and duet the results.",
)


def _hours(value: float) -> str:
    return f"{value:g}".replace(".5", "½")


def explain(group: Sequence[Candidate]) -> str:
    """Why these members were matched, in the fam's words."""
    who = "both" if len(group) == 2 else "all three"
    parts: list[str] = []
    shared = set(group[0].niches).intersection(*(c.niches for c in group[1:]))
    families = set(group[0].families).intersection(*(c.families for c in group[1:]))
    if shared:
        parts.append(f"{who} {' & '.join(sorted(shared)[:2])}")
    elif families:
        names = list(dict.fromkeys(c.niches[0] for c in group if c.niches))
        parts.append(f"{' × '.join(names)} (related niches)")
    else:
        names = list(dict.fromkeys(c.niches[0] for c in group if c.niches))
        if len(names) > 1:
            parts.append(f"{' meets '.join(names)}: a fresh crossover")
    bands = {c.band for c in group}
    if None not in bands:
        labels = [FOLLOWER_BANDS[BANDS[b]] for b in sorted(b for b in bands if b is not None)]
        if len(labels) == 1:
            parts.append(f"{who} {labels[0]}")
        elif max(b for b in bands if b is not None) - min(b for b in bands if b is not None) == 1:
            parts.append(f"{' & '.join(labels)} fams")
    formats = set(group[0].formats).intersection(*(c.formats for c in group[1:]))
    if formats and len(formats) < len(FORMATS):
        names = [FORMATS[f] for f in FORMATS if f in formats][:2]
        parts.append(f"{who} like {' and '.join(names)}")
    languages = set(group[0].languages).intersection(*(c.languages for c in group[1:]))
    if languages:
        parts.append(f"{who} speak {' & '.join(sorted(languages)[:2])}")
    offsets = [c.utc_offset for c in group]
    if all(o is not None for o in offsets):
        known = [o for o in offsets if o is not None]
        gap = max(known) - min(known)
        gap = min(gap, 24 - gap)
        parts.append("same time zone" if gap == 0 else f"{_hours(gap)} h apart")
    return truncate(", ".join(parts) or "you two haven't met yet: new fam!", 400)


def prompts_for(group: Sequence[Candidate], seed: int) -> tuple[str, ...]:
    families = list(dict.fromkeys(f for c in group for f in c.families if f in PROMPTS))
    pool: list[str] = []
    for family in families:
        options = PROMPTS[family]
        pool.append(options[seed % len(options)])
    for generic in itertools.islice(itertools.cycle(GENERIC_PROMPTS), seed % 3, seed % 3 + 3):
        pool.append(generic)
    return tuple(dict.fromkeys(pool))[:2]
