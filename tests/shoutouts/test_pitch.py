"""/shoutout pitch through the fake Discord: a pitch goes to a rotation the creator is in, asks
which when they are in several, and never signs anybody up."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core.bot import AnyBot
from core.clock import ManualClock
from fakediscord import FakeDiscord
from models.shoutouts import ShoutoutPitch
from tests.conftest import ALICE_ID, BOB_ID, GUILD_ID, BotFactory
from tests.shoutouts.support import START, cog_of, give_profile, join, setup_rotation

LINK = "https://www.tiktok.com/@plantladyjane/video/1"


async def pitch(fake: FakeDiscord, user_id: int, **options: Any) -> str:
    h = await fake.slash(
        GUILD_ID, user_id, "shoutout pitch", {"url": LINK, "blurb": "Monstera glow-up", **options}
    )
    await h.response()
    assert h.ephemeral
    return h.content or ""


async def status_lines(fake: FakeDiscord, user_id: int) -> list[str]:
    h = await fake.slash(GUILD_ID, user_id, "shoutout status")
    await h.response()
    assert h.ephemeral
    if not h.embeds:
        return [h.content or ""]
    return str(h.embeds[0]["description"]).splitlines()


async def pitch_count(bot: AnyBot) -> int:
    async with bot.db.read() as s:
        return int(await s.scalar(select(func.count()).select_from(ShoutoutPitch)) or 0)


async def test_a_pitch_goes_to_the_rotation_you_joined_and_never_signs_you_up(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    bot = await bot_factory(clock=ManualClock(START))
    await setup_rotation(fake, bot, name="Clock")
    await setup_rotation(fake, bot, name="Spotlight")
    await give_profile(bot, ALICE_ID, "plantladyjane")
    assert "You're in **Spotlight**" in await join(fake, ALICE_ID, "Spotlight")
    text = await pitch(fake, ALICE_ID)
    assert "Pitch saved" in text and "**Spotlight**" in text
    assert "Clock" not in text
    lines = await status_lines(fake, ALICE_ID)
    assert len(lines) == 1 and lines[0].startswith("**Spotlight**"), lines
    h = await fake.slash(GUILD_ID, ALICE_ID, "shoutout status")
    await h.response()
    assert "For **Spotlight**" in h.embeds[0]["fields"][0]["value"]
    service = cog_of(bot).service
    memberships, saved = await service.members.status(GUILD_ID, ALICE_ID)
    assert [m.rotation_name for m in memberships] == ["Spotlight"]
    assert saved is not None and saved.rotation_name == "Spotlight"


async def test_in_several_rotations_a_pitch_asks_which_and_autocompletes_yours(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    bot = await bot_factory(clock=ManualClock(START))
    for name in ("Clock", "Spotlight", "Weekend"):
        await setup_rotation(fake, bot, name=name)
    await give_profile(bot, ALICE_ID, "plantladyjane")
    await join(fake, ALICE_ID, "Clock")
    await join(fake, ALICE_ID, "Spotlight")
    text = await pitch(fake, ALICE_ID)
    assert "Which rotation" in text and "**Clock**" in text and "**Spotlight**" in text
    assert "Weekend" not in text
    assert await pitch_count(bot) == 0, "nothing saved until they pick"
    h = await fake.autocomplete(
        GUILD_ID,
        ALICE_ID,
        "shoutout pitch",
        {"url": LINK, "blurb": "x", "rotation": ""},
        focused="rotation",
    )
    await h.response()
    assert [c["value"] for c in h.choices] == ["Clock", "Spotlight"], "only her rotations"
    text = await pitch(fake, ALICE_ID, rotation="clock")
    assert "Pitch saved" in text and "**Clock**" in text
    # a rotation she isn't in is refused with what to do, and does not sign her up
    text = await pitch(fake, ALICE_ID, rotation="Weekend")
    assert "not in **Weekend**" in text and "/shoutout join" in text
    assert [
        m.rotation_name for m in (await cog_of(bot).service.members.status(GUILD_ID, ALICE_ID))[0]
    ] == [
        "Clock",
        "Spotlight",
    ]
    # after leaving one, the pitch goes to the one left without asking
    h = await fake.slash(GUILD_ID, ALICE_ID, "shoutout leave", {"rotation": "Clock"})
    await h.response()
    h = await fake.autocomplete(
        GUILD_ID,
        ALICE_ID,
        "shoutout pitch",
        {"url": LINK, "blurb": "x", "rotation": ""},
        focused="rotation",
    )
    await h.response()
    assert [c["value"] for c in h.choices] == ["Spotlight"]
    text = await pitch(fake, ALICE_ID)
    assert "Pitch saved" in text and "**Spotlight**" in text


async def test_a_pitch_from_someone_in_no_rotation_is_refused_kindly(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    bot = await bot_factory(clock=ManualClock(START))
    await setup_rotation(fake, bot, name="Clock")
    await give_profile(bot, BOB_ID, "bob_bakes")
    text = await pitch(fake, BOB_ID)
    assert "not in a rotation" in text and "/shoutout join" in text
    assert await pitch_count(bot) == 0
    memberships, _ = await cog_of(bot).service.members.status(GUILD_ID, BOB_ID)
    assert memberships == [], "a pitch never signs anybody up"
    h = await fake.autocomplete(
        GUILD_ID,
        BOB_ID,
        "shoutout pitch",
        {"url": LINK, "blurb": "x", "rotation": ""},
        focused="rotation",
    )
    await h.response()
    assert h.choices == []
