"""Simulated communities like ours, for tests and benchmarks (never used by the bot)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.lazy_import import lazy_module
from models.collabs import CollabMember
from models.profile import CreatorProfile
from services.collabs.scoring import BANDS, FORMATS, Candidate

if TYPE_CHECKING:
    import numpy as np
else:  # loaded when a round is matched, not at start-up
    np = lazy_module("numpy")


def synthetic_candidates(n: int, seed: int = 0) -> list[Candidate]:
    """Communities like ours (for tests and benchmarks): 1-3 niches in related families,
    follower bands, formats, 1-2 languages, time zones on three continents."""
    from services.niches import DEFAULT_NICHES  # a plain data import, no I/O

    rng = np.random.default_rng(seed)
    niches = [(x.name, x.family or "") for x in DEFAULT_NICHES]
    languages = ["English", "Spanish", "Portuguese", "French", "German", "Hindi", "Japanese"]
    lang_p = np.array([0.55, 0.15, 0.08, 0.07, 0.05, 0.05, 0.05])
    zones = [-8.0, -7.0, -6.0, -5.0, -3.0, 0.0, 1.0, 2.0, 5.5, 8.0, 9.0, 10.0]
    zone_p = np.array([0.12, 0.05, 0.1, 0.18, 0.07, 0.12, 0.14, 0.05, 0.06, 0.04, 0.04, 0.03])
    out: list[Candidate] = []
    fmts = list(FORMATS)
    for i in range(n):
        first = int(rng.integers(len(niches)))
        picked = {first}
        for _ in range(int(rng.integers(0, 3))):
            same_family = [j for j, x in enumerate(niches) if x[1] == niches[first][1]]
            pool = same_family if rng.random() < 0.6 else list(range(len(niches)))
            picked.add(int(rng.choice(pool)))
        chosen = [niches[j] for j in sorted(picked)]
        langs = {languages[int(rng.choice(len(languages), p=lang_p))]}
        if rng.random() < 0.3:
            langs.add(languages[int(rng.choice(len(languages), p=lang_p))])
        formats = frozenset(
            fmts[j] for j in rng.choice(len(fmts), size=int(rng.integers(1, 5)), replace=False)
        )
        out.append(
            Candidate(
                user_id=10_000 + i,
                niches=tuple(x[0] for x in chosen),
                families=tuple(dict.fromkeys(x[1] for x in chosen)),
                band=int(rng.choice(len(BANDS), p=[0.1, 0.45, 0.3, 0.12, 0.03])),
                formats=formats,
                languages=frozenset(langs),
                utc_offset=float(rng.choice(zones, p=zone_p)),
            )
        )
    return out


#: a time zone for each UTC offset the synthetic members live at
ZONE_OF_OFFSET = {
    -8.0: "America/Los_Angeles",
    -7.0: "America/Denver",
    -6.0: "America/Chicago",
    -5.0: "America/New_York",
    -3.0: "America/Sao_Paulo",
    0.0: "UTC",
    1.0: "Europe/Berlin",
    2.0: "Europe/Athens",
    5.5: "Asia/Kolkata",
    8.0: "Asia/Singapore",
    9.0: "Asia/Tokyo",
    10.0: "Australia/Brisbane",
}


async def store_synthetic(
    session: AsyncSession, guild_id: int, candidates: Sequence[Candidate], now: datetime
) -> None:
    """Opt the candidates into collabs in one guild, with their profiles: the rows a real
    community would have, inserted in bulk (Core executemany, no ORM objects)."""
    profiles: list[dict[str, Any]] = []
    members: list[dict[str, Any]] = []
    for c in candidates:
        profiles.append(
            {
                "guild_id": guild_id,
                "user_id": c.user_id,
                "tiktok_handle": f"c{c.user_id}",
                "niches": list(c.niches),
                "timezone": ZONE_OF_OFFSET.get(c.utc_offset or 0.0, "UTC"),
                "follower_band": BANDS[c.band or 0],
                "created_at": now,
                "updated_at": now,
            }
        )
        members.append(
            {
                "guild_id": guild_id,
                "user_id": c.user_id,
                "opted_in": True,
                "formats": sorted(c.formats),
                "languages": sorted(c.languages),
                "created_at": now,
                "updated_at": now,
            }
        )
    tables: Any = (CreatorProfile.__table__, CollabMember.__table__)
    await session.run_sync(lambda sync: sync.execute(tables[0].insert(), profiles))
    await session.run_sync(lambda sync: sync.execute(tables[1].insert(), members))
