"""The bot's /profile show and /profile set against bare discord.py /ping, in the same run."""

from __future__ import annotations

import itertools
from typing import Any

from bench.harness import GUILD, MEMBER, Running, pooled, running_bot, time_sequential
from bench.ping_baseline import run_ping_baseline
from fakediscord.handles import InteractionHandle
from services.container import Services


async def run(quick: bool) -> list[dict[str, Any]]:
    n = 300 if quick else 2100
    # this machine's pace drifts by tens of percent within a minute: the baseline and each
    # command are measured in turns, a third each time, and pooled, so drift is shared out
    turns = 1 if quick else 3
    base: list[dict[str, Any]] = []
    measured: dict[str, list[dict[str, Any]]] = {}
    for _ in range(turns):
        base.append(await run_ping_baseline(n // turns))
        for backend in ("sqlite", "postgres"):
            async with running_bot(backend) as r:
                for name, stats in (await _profile_commands(r, n // turns)).items():
                    measured.setdefault(f"{name} ({backend})", []).append(stats)
    ping = pooled(base)
    rows: list[dict[str, Any]] = [
        {
            "bench": "core",
            "metric": "bare /ping",
            "value": ping["per_sec"],
            "unit": "interactions/s",
            "note": f"p50 {ping['p50_ms']:.2f} ms, p99 {ping['p99_ms']:.2f} ms"
            + (f" ({turns} turns)" if turns > 1 else ""),
        },
    ]
    for metric, parts in measured.items():
        stats = pooled(parts)
        rows.append(
            {
                "bench": "core",
                "metric": metric,
                "value": stats["per_sec"],
                "unit": "interactions/s",
                "note": f"p50 {stats['p50_ms']:.2f} ms, p99 {stats['p99_ms']:.2f} ms, "
                f"{stats['per_sec'] / ping['per_sec']:.2f}x of bare /ping",
            }
        )
    return rows


async def _profile_commands(r: Running, n: int) -> dict[str, dict[str, Any]]:
    """/profile show and /profile set, n of each one at a time, on a running bot."""
    await r.bot.need(Services).profiles.update(
        GUILD, MEMBER, handle="@bench_fam", niches=["BookTok"]
    )
    handles = itertools.count()

    async def show() -> InteractionHandle:
        h = await r.fake.slash(GUILD, MEMBER, "profile show")
        await h.response(timeout=10)
        return h

    async def set_() -> InteractionHandle:
        handle = f"@fam{next(handles)}"
        h = await r.fake.slash(GUILD, MEMBER, "profile set", {"handle": handle})
        await h.response(timeout=10)
        return h

    found: dict[str, dict[str, Any]] = {}
    for name, one in (("/profile show", show), ("/profile set", set_)):
        for _ in range(30):
            await one()  # warm-up
        found[name] = await time_sequential(n, one)
    return found
