"""Content warnings on shoutout pitches: a creator asks for one (soft content is welcome), the
spotlight shows "CW: …" and hides the blurb behind a spoiler; a plain pitch looks as it always
did; the warning is cleaned like the blurb. Through the fake Discord, on both databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cogs.shoutouts.render import render_feature
from core.bot import AnyBot
from core.clock import ManualClock
from core.outbox import OutboundMessage
from fakediscord import FakeDiscord
from models.shoutouts import ShoutoutPitch
from tests.conftest import ALICE_ID, GENERAL_ID, GUILD_ID, MOD_ID, BotFactory
from tests.shoutouts.support import START, count_posts, give_profile, join, posts, setup_rotation
from tests.shoutouts.test_run_now import answer
from tests.util import eventually

LINK = "https://www.tiktok.com/@amina/video/7"
SOFT = "My grief journal, one year on | for anyone who needs it"


async def pitch(fake: FakeDiscord, **options: Any) -> str:
    h = await fake.slash(GUILD_ID, ALICE_ID, "shoutout pitch", {"url": LINK, **options})
    await h.response()
    assert h.ephemeral
    return str(h.content or "")


async def feature_now(fake: FakeDiscord, count: int) -> dict[str, Any]:
    """A moderator runs the rotation now; returns the spotlight post number ``count``."""
    text = await answer(
        await fake.slash(GUILD_ID, MOD_ID, "rotation run-now", {"name": "Spotlight"})
    )
    assert text.startswith("📣 Posted!"), text
    await eventually(lambda: count_posts(fake, count), what=f"spotlight #{count}")
    return posts(fake)[count - 1]


async def stored_warnings(bot: AnyBot) -> list[str | None]:
    async with bot.db.read() as s:
        rows = await s.scalars(select(ShoutoutPitch.content_warning).order_by(ShoutoutPitch.id))
        return list(rows)


async def test_a_content_warning_goes_up_front_and_the_blurb_behind_a_spoiler(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    clock = ManualClock(START)
    bot = await bot_factory(clock=clock)
    await setup_rotation(fake, bot)
    await give_profile(bot, ALICE_ID, "amina.cares")
    await join(fake, ALICE_ID)

    text = await pitch(fake, blurb=SOFT, content_warning="grief, pregnancy loss")
    assert "Pitch saved!" in text and "**CW: grief, pregnancy loss**" in text
    assert "behind a spoiler" in text and "Soft content is always welcome" in text
    status = await fake.slash(GUILD_ID, ALICE_ID, "shoutout status")
    await status.response()
    mine = status.embeds[0]["fields"][0]["value"]
    assert mine.startswith("**CW: grief, pregnancy loss**\n“||My grief journal"), mine

    clock.advance(seconds=1)
    post = await feature_now(fake, 1)
    embed = post["embeds"][0]
    spoilered = "||My grief journal, one year on \\| for anyone who needs it||"
    assert embed["description"].startswith(f"**CW: grief, pregnancy loss**\n> {spoilered}\n\n")
    assert SOFT not in embed["description"], "the blurb only behind the spoiler"
    watch = {f["name"]: f["value"] for f in embed["fields"]}["Watch"]
    assert watch.startswith("**CW: grief, pregnancy loss** · [The TikTok they picked]")
    assert post["pinged_user_ids"] == [ALICE_ID] and not post["pinged_everyone"]

    # the next feature has no fresh pitch: her last words go out again, with their warning
    clock.advance(seconds=1)
    again = (await feature_now(fake, 2))["embeds"][0]["description"]
    assert again.startswith(f"**CW: grief, pregnancy loss**\n> {spoilered}")

    # a plain pitch afterwards looks exactly as spotlights always did
    await pitch(fake, blurb="Monstera glow-up in 30 days")
    clock.advance(seconds=1)
    plain = (await feature_now(fake, 3))["embeds"][0]
    assert plain["description"].startswith("> Monstera glow-up in 30 days\n\n")
    assert "CW" not in str(plain) and "||" not in str(plain)
    assert {f["name"]: f["value"] for f in plain["fields"]}["Watch"].startswith(
        "[The TikTok they picked]"
    )
    assert await stored_warnings(bot) == ["grief, pregnancy loss", None]


async def test_the_content_warning_is_cleaned_like_the_blurb(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    bot = await bot_factory(clock=ManualClock(START))
    await setup_rotation(fake, bot)
    await give_profile(bot, ALICE_ID, "amina.cares")
    await join(fake, ALICE_ID)
    refused = [
        ("@everyone heads up", "content warning can't contain @everyone"),
        (f"<@{MOD_ID}> look", "content warning can't contain @everyone, @here or mentions"),
        ("w" * 81, "content warning is 81 characters; keep it to 80"),
    ]
    for warning, needle in refused:
        assert needle in await pitch(fake, blurb="Soft vlog", content_warning=warning), warning
    assert await stored_warnings(bot) == [], "a refused pitch saves nothing"
    # a long blurb is refused as before, whatever the warning
    assert "blurb is 151 characters" in await pitch(fake, blurb="b" * 151, content_warning="ok")
    # spaces collapse, invisible characters go, our own "CW:" isn't doubled; blank means none
    saved = await pitch(
        fake, blurb="Soft vlog", content_warning="  CW:   eating\u200b   disorders "
    )
    assert "**CW: eating disorders**" in saved and "CW: CW" not in saved
    assert "CW" not in await pitch(fake, blurb="Soft vlog", content_warning="   ")
    # markdown in the warning can't break out of the bold or the spoiler
    await pitch(fake, blurb="Soft vlog", content_warning="*self-harm* mention ||")
    assert await stored_warnings(bot) == ["eating disorders", None, "*self-harm* mention ||"]
    message = OutboundMessage(
        id=1,
        kind="channel",
        target_id=GENERAL_ID,
        guild_id=GUILD_ID,
        purpose="shoutout_feature",
        payload={
            "user_id": ALICE_ID,
            "handle": "amina.cares",
            "blurb": "Soft vlog",
            "content_warning": "*self-harm* mention ||",
            "url": LINK,
            "line": "Go show some love 💞",
        },
        attempts=0,
    )
    spec = await render_feature(message)
    assert spec.embeds is not None
    assert spec.embeds[0].description == (
        "**CW: \\*self-harm\\* mention \\|\\|**\n> ||Soft vlog||\n\nGo show some love 💞"
    )


async def test_the_spotlight_renders_a_warning_and_without_one_exactly_as_before() -> None:
    """Queued before the upgrade (no ``content_warning`` in the payload) or pitched plain: the
    spotlight is exactly what it was; with a warning, only the description and Watch change."""
    payload = {
        "user_id": ALICE_ID,
        "handle": "plantladyjane",
        "blurb": "Monstera glow-up",
        "url": LINK,
        "niches": ["PlantTok"],
        "line": "Go show some love 💞",
        "rotation": "Spotlight",
        "round": 1,
        "ping_user": True,
    }
    watch = f"[The TikTok they picked]({LINK})"
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({}, "> Monstera glow-up\n\nGo show some love 💞", watch),
        ({"content_warning": None}, "> Monstera glow-up\n\nGo show some love 💞", watch),
        ({"content_warning": ""}, "> Monstera glow-up\n\nGo show some love 💞", watch),
        (
            {"content_warning": "plant death"},
            "**CW: plant death**\n> ||Monstera glow-up||\n\nGo show some love 💞",
            f"**CW: plant death** · {watch}",
        ),
    ]
    for extra, description, watch_value in cases:
        message = OutboundMessage(1, "channel", GENERAL_ID, GUILD_ID, "f", {**payload, **extra}, 0)
        spec = await render_feature(message)
        assert spec.embeds is not None and spec.content is not None
        embed = spec.embeds[0]
        assert embed.description == description, extra
        assert [(f.name, f.value) for f in embed.fields] == [
            ("Niches", "PlantTok"),
            ("Watch", watch_value),
        ]
        assert spec.content == f"Hey mutuals! 💞 Today's spotlight is <@{ALICE_ID}>"
