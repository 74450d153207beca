"""What the shoutouts bot tests share: a moderator setting rotations up, creators with profiles
joining them, the spotlight posts the fake Discord received."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from core.bot import AnyBot
from fakediscord import FakeDiscord
from services.container import Services
from tests.conftest import GENERAL_ID, GUILD_ID, MOD_ID

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # Monday noon UTC
CAROL_ID = 2_000_000_000_000_000_004
EVERY_MINUTE = "* * * * *"


def cog_of(bot: AnyBot) -> Any:
    cog = bot.get_cog("ShoutoutsCog")
    assert cog is not None
    return cog


async def setup_rotation(
    fake: FakeDiscord,
    bot: AnyBot,
    schedule: str = "daily 18:00",
    *,
    name: str = "Spotlight",
    channel_id: int = GENERAL_ID,
    **extra: Any,
) -> dict[str, Any]:
    h = await fake.slash(
        GUILD_ID,
        MOD_ID,
        "rotation create",
        {"name": name, "channel": fake.channel_option(channel_id), "schedule": schedule, **extra},
    )
    await h.response()
    assert h.ephemeral
    assert h.embeds, h.content
    return h.embeds[0]


async def give_profile(bot: AnyBot, user_id: int, handle: str) -> None:
    await bot.need(Services).profiles.update(GUILD_ID, user_id, handle=handle, niches=["PlantTok"])


async def join(fake: FakeDiscord, user_id: int, rotation: str | None = None) -> str:
    options = {"rotation": rotation} if rotation else None
    h = await fake.slash(GUILD_ID, user_id, "shoutout join", options)
    await h.response()
    assert h.ephemeral
    return h.content or ""


def posts(fake: FakeDiscord, channel_id: int = GENERAL_ID) -> list[dict[str, Any]]:
    return [m for m in fake.messages(channel_id) if m.get("embeds")]


async def count_posts(fake: FakeDiscord, n: int, channel_id: int = GENERAL_ID) -> bool:
    return len(posts(fake, channel_id)) >= n
