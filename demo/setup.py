"""Set the server up the way its moderators would, with the bot's own slash commands, and
have the fam fill in their profiles and opt in: every capability is live from the first minute.

Nothing here writes the bot's database: each step is an interaction the bot answers.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from demo.commands import with_choice_values
from demo.fam import AGE_ANSWERS, Member
from demo.world import World
from fakediscord import FakeDiscord

log = logging.getLogger("demo.setup")

#: pitches some creators line up for their spotlight (url, blurb, content warning)
PITCHES = {
    "@jade.makes": (
        "https://www.tiktok.com/@jade.makes/video/7301",
        "Turning thrifted jars into lamps",
        "",
    ),
    "@marcustechtalk": (
        "https://www.tiktok.com/@marcustechtalk/video/7302",
        "3 budget earbuds, ranked honestly",
        "",
    ),
    "@amina.breathes": (
        "https://www.tiktok.com/@amina.breathes/video/7303",
        "What helped me through a rough month",
        "anxiety",
    ),
    "@plantladyjane": (
        "https://www.tiktok.com/@plantladyjane/video/7304",
        "30 days of a monstera in 30 seconds",
        "",
    ),
    "@sooah.glow": (
        "https://www.tiktok.com/@sooah.glow/video/7305",
        "My 10-step routine in 60 seconds",
        "",
    ),
    "@paolo.pesos": (
        "https://www.tiktok.com/@paolo.pesos/video/7306",
        "Budgeting your first salary",
        "",
    ),
}


async def command(
    fake: FakeDiscord,
    guild_id: int,
    user_id: int,
    name: str,
    options: Mapping[str, Any] | None = None,
) -> str:
    """Run a slash command as a person; what the bot answered (content and embed titles)."""
    values = with_choice_values(fake, guild_id, name, options or {})
    handle = await fake.slash(guild_id, user_id, name, values)
    response = await handle.response(timeout=20)
    if response.get("type") == 5:  # thinking… then the answer
        await handle.wait_edit(timeout=20)
    parts = [handle.content or ""] + [str(e.get("title") or "") for e in handle.embeds]
    for followup in handle.followups:
        parts.append(str(followup.get("content") or ""))
    return " ".join(p for p in parts if p).strip()


def hhmm(when: datetime) -> str:
    return when.strftime("%H:%M")


async def configure_server(world: World, start: datetime) -> None:
    """The moderator's set-up, in the order a moderator would go (times in UTC from ``start``)."""
    fake, gid, ch = world.fake, world.guild_id, world.channels
    mod = world.mods[0].id
    day = start.strftime("%A")
    steps: list[tuple[str, dict[str, Any]]] = [
        ("config timezone", {"timezone": "UTC"}),
        ("config log-channel", {"channel": fake.channel_option(ch["mod-log"])}),
        ("welcome channel", {"channel": fake.channel_option(ch["welcome"])}),
        ("welcome dm", {"state": "on"}),
        (
            "welcome niche add",
            {"name": "K-Beauty", "emoji": "🧴", "description": "Korean skincare and makeup"},
        ),
        (
            "rotation create",
            {
                "name": "Spotlight",
                "channel": fake.channel_option(ch["shoutouts"]),
                "schedule": "every 4h",
                "timezone": "UTC",
            },
        ),
        (
            "collab-rounds setup",
            {
                "channel": fake.channel_option(ch["collabs"]),
                "frequency": "weekly",
                "day": day,
                "time": hhmm(start + timedelta(hours=3)),
                "timezone": "UTC",
                "followup_days": 2,
            },
        ),
        (
            "quiz-mod daily-setup",
            {
                "channel": fake.channel_option(ch["quizzes"]),
                "time": hhmm(start + timedelta(hours=1)),
                "timezone": "UTC",
            },
        ),
        (
            "checkin-mod setup",
            {
                "channel": fake.channel_option(ch["check-ins"]),
                "day": day,
                "time": "19:00",
                "period": "daily",
            },
        ),
        ("checkin-mod summary-time", {"time": hhmm(start + timedelta(hours=2))}),
    ]
    for name, options in steps:
        answer = await command(fake, gid, mod, name, options)
        log.info("/%s → %s", name, answer[:120])


async def join_in(world: World, member: Member, rng: random.Random) -> None:
    """One member's own set-up: profile, collab rounds, the rotation, check-ins."""
    fake, gid = world.fake, world.guild_id
    profile: dict[str, Any] = {
        "handle": member.handle,
        "timezone": member.timezone,
        "followers": member.fam,
        "intro": member.intro,
        "age": AGE_ANSWERS[member.age],
    }
    for key, niche in zip(("niche", "niche2", "niche3"), member.niches, strict=False):
        profile[key] = niche
    steps: list[tuple[str, dict[str, Any]]] = [("profile set", profile)]
    if rng.random() < 0.85:
        steps.append(
            (
                "collab optin",
                {"formats": ", ".join(member.formats), "languages": ", ".join(member.languages)},
            )
        )
    if member.handle in PITCHES or rng.random() < 0.55:
        steps.append(("shoutout join", {}))
        if member.handle in PITCHES:
            url, blurb, warning = PITCHES[member.handle]
            pitch = {"url": url, "blurb": blurb}
            if warning:
                pitch["content_warning"] = warning
            steps.append(("shoutout pitch", pitch))
    if rng.random() < 0.8:
        how = "DM me" if member.dms_open else "Mention me in the channel"
        steps.append(("checkin optin", {"how": how}))
    for name, options in steps:
        answer = await command(fake, gid, member.id, name, options)
        log.info("%s /%s → %s", member.name, name, answer[:100])


async def fam_joins_in(world: World, members: list[Member], seed: int = 7) -> None:
    rng = random.Random(seed)
    gate = asyncio.Semaphore(6)

    async def one(member: Member) -> None:
        async with gate:
            try:
                await join_in(world, member, random.Random(rng.random()))
            except Exception:  # one member's hiccup must not stop the demo
                log.exception("%s could not set up", member.name)

    await asyncio.gather(*(one(m) for m in members))
