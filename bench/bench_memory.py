"""Resident memory of the bot holding 100k cached members, against bare discord.py holding the
same cache (the same fake guild), each measured in its own process (VmRSS after the cache is
full and a full collection). Mutuals' own share is the difference: its modules (SQLAlchemy,
numpy, aiohttp, …), bounded caches (core.cache holds at most 20,000 values) and no per-member
objects of its own. ``python -m bench.run memory`` (``--quick``: 10k members)
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from fakediscord import FakeDiscord

GUILD = 1_530_000_000_000_000_001
CHANNEL = 1_530_000_000_000_000_002
OWNER = 1_540_000_000_000_000_001
FIRST = 1_550_000_000_000_000_000


async def _measure(side: str, fake: FakeDiscord, members: int) -> dict[str, Any]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.memory_child",
        side,
        fake.rest_base,
        fake.gateway_url,
        str(GUILD),
        str(members),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 300)
    if proc.returncode != 0:
        raise RuntimeError(f"memory child {side} failed ({proc.returncode})")
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


async def run(quick: bool) -> list[dict[str, Any]]:
    n = 10_000 if quick else 100_000
    fake = FakeDiscord(interaction_deadline=None)
    fake.add_guild(GUILD, name="Big Fam", owner_id=OWNER)
    fake.add_channel(GUILD, CHANNEL, name="general")
    for i in range(n - 2):  # with the bot and the owner: n members
        fake.add_member(GUILD, FIRST + i, f"creator{i}", dispatch=False)
    members = len(fake.guilds[GUILD].members)
    await fake.start()
    try:
        bare = await _measure("bare", fake, members)
        mine = await _measure("mutuals", fake, members)
    finally:
        await fake.stop()
    mb = 1024 * 1024
    label = f"{members // 1000}k cached members"
    return [
        {
            "bench": "memory",
            "metric": f"bare discord.py, {label}",
            "value": bare["rss"] / mb,
            "unit": "MB",
            "note": "RSS of its own process",
        },
        {
            "bench": "memory",
            "metric": f"Mutuals, {label}",
            "value": mine["rss"] / mb,
            "unit": "MB",
            "note": f"RSS; Mutuals' own share {(mine['rss'] - bare['rss']) / mb:.0f} MB",
        },
        {
            "bench": "memory",
            "metric": "Mutuals vs bare discord.py",
            "value": mine["rss"] / bare["rss"],
            "unit": "x",
            "note": "same fake guild, same member cache (target <= 1.3x)",
        },
    ]
