"""What a group's intro says: why they were matched, in the fam's words, and two collab ideas."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from functools import lru_cache

from core import i18n
from core.i18n import N_
from core.text import truncate
from services.collabs.content import ideas as collab_ideas
from services.collabs.scoring import BANDS, FORMATS, Candidate
from services.profiles import FOLLOWER_BANDS


@lru_cache(maxsize=1024)
def _translated(language: str, message: str) -> str:
    return i18n._(message)


def _(message: str, /, **fields: str) -> str:
    """core.i18n's ``_`` with each text looked up once per language: a 10k-member round
    explains 5,000 groups, some 50,000 look-ups (a fifth of the round)."""
    text = _translated(i18n.current(), message)
    return text.format(**fields) if fields else text


def _hours(value: float) -> str:
    return f"{value:g}".replace(".5", "½")


def either(languages: Iterable[str]) -> str:
    """ "Spanish", "Spanish or Portuguese", "French, Spanish or Portuguese" (sorted)."""
    names = sorted(languages)
    if len(names) == 1:
        return names[0]
    return _("{some} or {last}", some=", ".join(names[:-1]), last=names[-1])


def _everyone(size: int, pair: str, trio: str, **fields: str) -> str:
    """A part of the reason said of the whole group ("both …" for two, "all three …")."""
    return _(pair, **fields) if size == 2 else _(trio, **fields)


def explain(group: Sequence[Candidate]) -> str:
    """Why these members were matched, in the fam's words (in the current language)."""
    size = len(group)
    parts: list[str] = []
    shared = set(group[0].niches).intersection(*(c.niches for c in group[1:]))
    families = set(group[0].families).intersection(*(c.families for c in group[1:]))
    if shared:
        niches = " & ".join(sorted(shared)[:2])
        parts.append(_everyone(size, N_("both {niches}"), N_("all three {niches}"), niches=niches))
    elif families:
        names = list(dict.fromkeys(c.niches[0] for c in group if c.niches))
        parts.append(_("{niches} (related niches)", niches=" × ".join(names)))
    else:
        names = list(dict.fromkeys(c.niches[0] for c in group if c.niches))
        if len(names) > 1:
            parts.append(_("{niches}: a fresh crossover", niches=_(" meets ").join(names)))
    bands = {c.band for c in group}
    if None not in bands:
        labels = [_(FOLLOWER_BANDS[BANDS[b]]) for b in sorted(b for b in bands if b is not None)]
        if len(labels) == 1:
            parts.append(_everyone(size, N_("both {band}"), N_("all three {band}"), band=labels[0]))
        elif max(b for b in bands if b is not None) - min(b for b in bands if b is not None) == 1:
            parts.append(_("{bands} fams", bands=" & ".join(labels)))
    formats = set(group[0].formats).intersection(*(c.formats for c in group[1:]))
    if formats and len(formats) < len(FORMATS):
        names = [_(FORMATS[f]) for f in FORMATS if f in formats][:2]
        parts.append(
            _everyone(
                size,
                N_("both like {formats}"),
                N_("all three like {formats}"),
                formats=_(" and ").join(names),
            )
        )
    languages = set(group[0].languages).intersection(*(c.languages for c in group[1:]))
    if languages:
        spoken = " & ".join(sorted(languages)[:2])
        parts.append(
            _everyone(
                size,
                N_("both speak {languages}"),
                N_("all three speak {languages}"),
                languages=spoken,
            )
        )
    offsets = [c.utc_offset for c in group]
    if all(o is not None for o in offsets):
        known = [o for o in offsets if o is not None]
        gap = max(known) - min(known)
        gap = min(gap, 24 - gap)
        parts.append(_("same time zone") if gap == 0 else _("{hours} h apart", hours=_hours(gap)))
    return truncate(_(", ").join(parts) or _("you two haven't met yet: new fam!"), 400)


def prompts_for(group: Sequence[Candidate], seed: int) -> tuple[str, ...]:
    """Two collab ideas: one per niche family of the group first, then generic ones; ``seed``
    rotates which idea of a list comes up, so rounds don't all read the same."""
    ideas = collab_ideas()
    families = list(dict.fromkeys(f for c in group for f in c.families if f in ideas.by_family))
    pool: list[str] = []
    for family in families:
        options = ideas.by_family[family]
        pool.append(options[seed % len(options)])
    n = len(ideas.generic)
    for generic in itertools.islice(itertools.cycle(ideas.generic), seed % n, seed % n + n):
        pool.append(generic)
    return tuple(dict.fromkeys(pool))[:2]
