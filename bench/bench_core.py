"""The bot's /profile show and /profile set against bare discord.py /ping, in the same run."""

from __future__ import annotations

import itertools
from typing import Any

from bench.harness import GUILD, MEMBER, Running, running_bot, time_sequential
from bench.ping_baseline import run_ping_baseline
from fakediscord.handles import InteractionHandle
from services.container import Services


async def run(quick: bool) -> list[dict[str, Any]]:
    n = 300 if quick else 2000
    base = await run_ping_baseline(n)
    rows: list[dict[str, Any]] = [
        {
            "bench": "core",
            "metric": "bare /ping",
            "value": base["per_sec"],
            "unit": "interactions/s",
            "note": f"p50 {base['p50_ms']:.2f} ms, p99 {base['p99_ms']:.2f} ms",
        },
    ]
    for backend in ("sqlite", "postgres"):
        async with running_bot(backend) as r:
            await r.bot.need(Services).profiles.update(
                GUILD, MEMBER, handle="@bench_fam", niches=["BookTok"]
            )
            handles = itertools.count()

            async def show(r: Running = r) -> InteractionHandle:
                h = await r.fake.slash(GUILD, MEMBER, "profile show")
                await h.response(timeout=10)
                return h

            async def set_(
                r: Running = r, handles: itertools.count[int] = handles
            ) -> InteractionHandle:
                handle = f"@fam{next(handles)}"
                h = await r.fake.slash(GUILD, MEMBER, "profile set", {"handle": handle})
                await h.response(timeout=10)
                return h

            for name, one in (("/profile show", show), ("/profile set", set_)):
                for _ in range(30):
                    await one()  # warm-up
                stats = await time_sequential(n, one)
                rows.append(
                    {
                        "bench": "core",
                        "metric": f"{name} ({backend})",
                        "value": stats["per_sec"],
                        "unit": "interactions/s",
                        "note": f"p50 {stats['p50_ms']:.2f} ms, p99 {stats['p99_ms']:.2f} ms, "
                        f"{stats['per_sec'] / base['per_sec']:.2f}x of bare /ping",
                    }
                )
    return rows
