"""Check-ins end to end: the real bot against the fake Discord, time driven by a ManualClock."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import func, select

from cogs.checkins.cog import CheckinCog
from core.bot import AnyBot
from core.clock import ManualClock
from core.db import Database
from fakediscord import FakeDiscord
from models.checkins import CheckinConfig, CheckinPrompt
from services.checkins import PROMPT_KIND, SLOT_KIND, CheckinService
from services.container import Services
from tests.conftest import ALICE_ID, BOB_ID, GENERAL_ID, GUILD_ID, MOD_ID, BotFactory
from tests.util import eventually

OPEN = f"mutuals:ci:open:{GUILD_ID}"
MODAL = f"mutuals:ci:modal:{GUILD_ID}"
MOOD = f"mutuals:ci:mood:{GUILD_ID}"
LINK = "https://www.tiktok.com/@alice/video/7"
MONDAY_MORNING = datetime(2026, 1, 12, 8, 0, tzinfo=UTC)
MONDAY_EVENING = datetime(2026, 1, 12, 19, 0, tzinfo=UTC)


def cog_of(bot: AnyBot) -> CheckinCog:
    # load_extension imports cogs/checkins/ afresh, so compare by name, not by class identity
    cog = bot.get_cog("CheckinCog")
    assert cog is not None and type(cog).__name__ == "CheckinCog"
    return cast(CheckinCog, cog)


async def ok(handle: Any) -> str:
    await handle.response()
    assert handle.ephemeral, handle.content
    return str(handle.content or "")


async def pick_mood(fake: FakeDiscord, user_id: int, opener: Any, mood: int) -> Any:
    """A check-in opens with the five mood buttons (only the member sees them); picking one
    opens the form. Returns the click, whose response is the form."""
    await opener.response()
    assert opener.ephemeral and "How's your" in (opener.content or ""), opener.content
    click = await fake.click(user_id, f"{MOOD}:{mood}", message_id=opener.original_message_id)
    await click.response()
    assert click.modal is not None
    return click


async def set_up(fake: FakeDiscord) -> None:
    h = await fake.slash(
        GUILD_ID,
        MOD_ID,
        "checkin-mod setup",
        {"channel": fake.channel_option(GENERAL_ID), "day": "mon", "time": "18:00"},
    )
    assert "Check-ins are on" in await ok(h)


def channel_posts(fake: FakeDiscord) -> list[dict[str, Any]]:
    return fake.messages(GENERAL_ID)


async def names_stored(bot: AnyBot) -> None:
    """Wait until the gateway's names reached the directory (queued messages show those)."""
    directory = bot.need(Services).directory

    async def stored() -> bool:
        names = await directory.names(GUILD_ID, [ALICE_ID, BOB_ID])
        return len(names) == 2 and await directory.guild_name(GUILD_ID) is not None

    await eventually(stored, what="the guild's names are stored")


async def test_prompt_answer_streak_and_restart(
    fake: FakeDiscord, bot_factory: BotFactory, stop: Callable[[AnyBot], Awaitable[None]]
) -> None:
    clock = ManualClock(MONDAY_MORNING)
    bot = await bot_factory(clock=clock)
    await set_up(fake)
    assert "You're in" in await ok(await fake.slash(GUILD_ID, ALICE_ID, "checkin optin"))
    tz = await ok(
        await fake.slash(GUILD_ID, ALICE_ID, "checkin timezone", {"timezone": "Asia/Tokyo"})
    )
    assert "Asia/Tokyo" in tz
    h = await fake.slash(GUILD_ID, BOB_ID, "checkin optin", {"how": "channel"})
    assert "#" in await ok(h) or "<#" in (h.content or "")

    clock.set(MONDAY_EVENING)  # Tokyo's 18:00 (09:00 UTC) and the server's 18:00 UTC passed
    await bot.deliveries.run(PROMPT_KIND)
    await eventually(lambda: _true(len(fake.dms(ALICE_ID)) == 1), what="Alice's prompt DM")
    await eventually(lambda: _true(len(channel_posts(fake)) == 1), what="Bob's channel prompt")
    dm = fake.dms(ALICE_ID)[0]
    assert "Hey mutual!" in dm["content"]
    post = channel_posts(fake)[0]
    assert f"<@{BOB_ID}>" in post["content"] and post["pinged_user_ids"] == [BOB_ID]

    click = await fake.click(ALICE_ID, OPEN, message_id=int(dm["id"]))
    modal = (await pick_mood(fake, ALICE_ID, click, 4)).modal
    assert len(modal["components"]) == 4  # the mood question is the mood buttons now
    done = await fake.submit_modal(
        ALICE_ID, MODAL, {"q0": "2", "q1": LINK, "q2": "hit 5k!", "q3": "need collab ideas"}
    )
    text = await ok(done)
    assert "Checked in" in text and "Streak: **1 week** (best 1)" in text
    # edit within the period: the form comes back pre-filled, and it's an edit
    again = await fake.slash(GUILD_ID, ALICE_ID, "checkin now")
    form = await pick_mood(fake, ALICE_ID, again, 5)
    assert "Last time you picked **🙂 Good**" in str(again.content)
    prefilled = [row["components"][0].get("value") for row in form.modal["components"]]
    assert prefilled[:2] == ["2", LINK]
    edit = await fake.submit_modal(ALICE_ID, MODAL, {"q0": "3"})
    assert "Updated" in await ok(edit)

    streak = await fake.slash(GUILD_ID, ALICE_ID, "checkin streak")
    await streak.response()
    assert streak.embeds[0]["image"]["url"] == "attachment://streak.png"
    fields = {f["name"]: f["value"] for f in streak.embeds[0]["fields"]}
    assert (fields["Current"], fields["Best"]) == ("1 week", "1 week")
    assert streak.message is not None
    assert [a["filename"] for a in streak.message["attachments"]] == ["streak.png"]

    # restart on the same database, later in the same week: nobody is asked twice
    await stop(bot)
    clock.advance(days=2)
    bot2 = await bot_factory(clock=clock)
    await bot2.deliveries.run(PROMPT_KIND)
    async with bot2.db.read() as s:
        assert await s.scalar(select(func.count()).select_from(CheckinPrompt)) == 2
    await bot2.deliveries.run(PROMPT_KIND)
    assert len(fake.dms(ALICE_ID)) == 1 and len(channel_posts(fake)) == 1


async def _true(value: bool) -> bool:
    return value


async def test_closed_dms_fall_back_to_a_channel_mention(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    clock = ManualClock(MONDAY_MORNING)
    bot = await bot_factory(clock=clock)
    await set_up(fake)
    await ok(await fake.slash(GUILD_ID, ALICE_ID, "checkin optin"))
    fake.close_dms(ALICE_ID)
    clock.set(MONDAY_EVENING)
    await bot.deliveries.run(PROMPT_KIND)
    await eventually(lambda: _true(len(channel_posts(fake)) == 1), what="fallback mention")
    post = channel_posts(fake)[0]
    assert "DMs are closed" in post["content"] and post["pinged_user_ids"] == [ALICE_ID]
    assert fake.dms(ALICE_ID) == []
    # the button on the channel post opens the same form
    click = await fake.click(ALICE_ID, OPEN, message_id=int(post["id"]))
    await pick_mood(fake, ALICE_ID, click, 3)


async def test_many_members_each_get_exactly_one_paced_dm(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    clock = ManualClock(MONDAY_MORNING)
    bot = await bot_factory(clock=clock, dm_per_second=200.0, dm_burst=20)
    await set_up(fake)
    cog = cog_of(bot)
    users = [5_000_000_000_000_000_000 + i for i in range(40)]
    for uid in users:
        await cog.service.opt_in(GUILD_ID, uid, "dm")
    clock.set(MONDAY_EVENING)
    await bot.deliveries.run(PROMPT_KIND)
    await bot.deliveries.run(PROMPT_KIND)  # a second wake-up in the same period queues nothing
    await eventually(
        lambda: _true(all(len(fake.dms(u)) == 1 for u in users)), what="40 DMs", timeout=20
    )
    await bot.deliveries.run(PROMPT_KIND)
    counts = await bot.outbox_store.counts()
    assert counts.get("sent") == 40 and counts.get("pending", 0) == 0
    assert all(len(fake.dms(u)) == 1 for u in users)
    # paced: after the burst of 20, no faster than 200/s (a lower bound; slow machines pass)
    times = list(bot.outbox.sent_times["dm"])
    assert len(times) == 40 and times[-1] - times[0] >= (40 - 20) / 200 * 0.9


async def test_recap_posts_once_and_a_moderator_nominates(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    clock = ManualClock(MONDAY_MORNING)
    bot = await bot_factory(clock=clock)
    await set_up(fake)
    cog = cog_of(bot)
    await bot.need(Services).profiles.update(GUILD_ID, ALICE_ID, handle="@alice")
    await names_stored(bot)
    for uid in (ALICE_ID, BOB_ID):
        await cog.service.opt_in(GUILD_ID, uid, "channel")
    clock.set(MONDAY_EVENING)
    await cog.service.submit(GUILD_ID, ALICE_ID, ["2", LINK, "hit 5k!", "stuck on ideas", "4"])
    clock.set(datetime(2026, 1, 19, 9, 5, tzinfo=UTC))  # the recap time: Monday 09:00 after
    await bot.deliveries.run(SLOT_KIND)
    await bot.deliveries.run(SLOT_KIND)

    def recaps() -> list[dict[str, Any]]:
        return [m for m in channel_posts(fake) if m.get("embeds")]

    await eventually(lambda: _true(len(recaps()) == 1), what="the recap")
    embed = recaps()[0]["embeds"][0]
    assert "1** of 2" in embed["description"] and "alice" in embed["description"]
    assert recaps()[0]["pinged_user_ids"] == []
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "hit 5k!" in fields["Wins 🏆"]
    assert "/collab suggest" in fields["Stuck on ideas or collabs?"]
    assert fields["Best TikToks"].startswith("1 TikTok shared.")
    custom_id = f"mutuals:ci:nom:{GUILD_ID}:20260112"
    refused = await fake.click(ALICE_ID, custom_id, values=[str(ALICE_ID)])
    assert "Only moderators" in await ok(refused)
    nominated = await fake.click(MOD_ID, custom_id, values=[str(ALICE_ID)])
    assert "Nominated" in await ok(nominated)


async def test_members_cannot_run_moderator_commands(fake: FakeDiscord, bot: AnyBot) -> None:
    synced = {c["name"]: c for c in fake.guild_commands[GUILD_ID]}
    assert int(synced["checkin-mod"]["default_member_permissions"]) == 1 << 5
    h = await fake.slash(
        GUILD_ID,
        ALICE_ID,
        "checkin-mod setup",
        {"channel": fake.channel_option(GENERAL_ID), "day": "mon", "time": "18:00"},
    )
    assert "moderators only" in await ok(h)
    for name in ("checkin-mod pause", "checkin-mod report", "checkin-mod questions"):
        assert "moderators only" in await ok(await fake.slash(GUILD_ID, ALICE_ID, name))
    async with bot.db.read() as s:
        assert await s.scalar(select(func.count()).select_from(CheckinConfig)) == 0


async def test_bad_input_gets_clear_ephemeral_errors(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    clock = ManualClock(MONDAY_MORNING)
    await bot_factory(clock=clock)
    before = await ok(await fake.slash(GUILD_ID, ALICE_ID, "checkin optin"))
    assert "aren't set up" in before
    await set_up(fake)
    await ok(await fake.slash(GUILD_ID, ALICE_ID, "checkin optin"))
    cases = [
        ("checkin away", {"until": "2020-01-01"}, "in the past"),
        ("checkin away", {"until": "someday"}, "year-month-day"),
        ("checkin timezone", {"timezone": "Mars/Olympus"}, "isn't a time zone"),
    ]
    for name, options, needle in cases:
        assert needle in await ok(await fake.slash(GUILD_ID, ALICE_ID, name, options))
    await pick_mood(fake, ALICE_ID, await fake.slash(GUILD_ID, ALICE_ID, "checkin now"), 3)
    too_long = await fake.submit_modal(ALICE_ID, MODAL, {"q2": "w" * 401})
    assert "400 or fewer" in await ok(too_long)
    skipped_all = await fake.submit_modal(ALICE_ID, MODAL, {})  # the mood was picked: it counts
    assert "Checked in" in await ok(skipped_all)
    bad_time = await fake.slash(
        GUILD_ID,
        MOD_ID,
        "checkin-mod setup",
        {"channel": fake.channel_option(GENERAL_ID), "day": "mon", "time": "25:61"},
    )
    assert "isn't a time" in await ok(bad_time)


async def test_prompts_due_while_down_go_out_on_start_up(
    fake: FakeDiscord, bot_factory: BotFactory, db: Database
) -> None:
    # Set up and opted in while the bot was "running" earlier (straight in the database) …
    clock = ManualClock(MONDAY_MORNING)
    service = CheckinService(db, clock)
    await service.setup(GUILD_ID, channel_id=GENERAL_ID, day="mon", at="18:00", by=MOD_ID)
    await service.opt_in(GUILD_ID, ALICE_ID, "dm")
    # … then the bot was down over the prompt time; it starts on Wednesday, same week.
    clock.set(datetime(2026, 1, 14, 10, 0, tzinfo=UTC))
    await bot_factory(clock=clock)
    await eventually(lambda: _true(len(fake.dms(ALICE_ID)) == 1), what="late prompt on start-up")


async def test_moderator_questions_pause_resume_and_report(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    clock = ManualClock(MONDAY_MORNING)
    bot = await bot_factory(clock=clock)
    await set_up(fake)
    opened = await fake.slash(GUILD_ID, MOD_ID, "checkin-mod questions")
    await opened.response()
    assert opened.modal is not None
    saved = await fake.submit_modal(
        MOD_ID,
        "mutuals:ci:questions",
        {"q0": "What did you film?", "q1": "Mood today 1-5", "q2": "", "q3": "", "q4": ""},
    )
    assert "What did you film?" in await ok(saved)
    await ok(await fake.slash(GUILD_ID, ALICE_ID, "checkin optin"))
    form = await pick_mood(fake, ALICE_ID, await fake.slash(GUILD_ID, ALICE_ID, "checkin now"), 5)
    assert len(form.modal["components"]) == 1  # "Mood today 1-5" is asked by the buttons
    done = await fake.submit_modal(ALICE_ID, MODAL, {"q0": "a plant timelapse"})
    assert "Checked in" in await ok(done)

    assert "paused" in await ok(await fake.slash(GUILD_ID, MOD_ID, "checkin-mod pause"))
    assert "already paused" in await ok(await fake.slash(GUILD_ID, MOD_ID, "checkin-mod pause"))
    clock.set(MONDAY_EVENING)
    await bot.deliveries.run(PROMPT_KIND)
    async with bot.db.read() as s:
        assert await s.scalar(select(func.count()).select_from(CheckinPrompt)) == 0
    assert "back" in await ok(await fake.slash(GUILD_ID, MOD_ID, "checkin-mod resume"))
    await bot.deliveries.run(PROMPT_KIND)
    async with bot.db.read() as s:  # she already checked in this week: no prompt needed
        assert await s.scalar(select(func.count()).select_from(CheckinPrompt)) == 0

    when = await ok(await fake.slash(GUILD_ID, MOD_ID, "checkin-mod summary-time", {"time": "8pm"}))
    assert "20:00" in when
    report = await ok(await fake.slash(GUILD_ID, MOD_ID, "checkin-mod report"))
    assert "1 of 1 mutual checked in so far" in report
    await eventually(
        lambda: _true(any(m.get("embeds") for m in channel_posts(fake))), what="the report"
    )
    (posted,) = [m for m in channel_posts(fake) if m.get("embeds")]
    assert posted["embeds"][0]["description"].startswith("**1** of 1 mutual checked in this week")


async def test_away_and_back(fake: FakeDiscord, bot_factory: BotFactory) -> None:
    clock = ManualClock(MONDAY_MORNING)
    bot = await bot_factory(clock=clock)
    await set_up(fake)
    await ok(await fake.slash(GUILD_ID, ALICE_ID, "checkin optin"))
    away = await ok(await fake.slash(GUILD_ID, ALICE_ID, "checkin away", {"until": "2026-01-20"}))
    assert "2026-01-20" in away and "frozen" in away
    clock.set(MONDAY_EVENING)
    await bot.deliveries.run(PROMPT_KIND)
    async with bot.db.read() as s:
        assert await s.scalar(select(func.count()).select_from(CheckinPrompt)) == 0
    assert "Welcome back" in await ok(await fake.slash(GUILD_ID, ALICE_ID, "checkin back"))
    await bot.deliveries.run(PROMPT_KIND)
    await eventually(lambda: _true(len(fake.dms(ALICE_ID)) == 1), what="prompt after coming back")
    assert "not marked as away" in await ok(await fake.slash(GUILD_ID, ALICE_ID, "checkin back"))


async def test_prompts_and_the_recap_show_the_stored_names_not_this_process_cache(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    """Another process may queue what this one sends: names come from the directory, stored
    when the message was queued, even when this process's cache doesn't hold them."""
    clock = ManualClock(MONDAY_MORNING)
    bot = await bot_factory(clock=clock)
    await names_stored(bot)
    await set_up(fake)
    services = bot.need(Services)
    carol, dave = 5_000_000_000_000_000_101, 5_000_000_000_000_000_102  # not in the cache
    await services.directory.remember_guild(GUILD_ID, "PlantTok Fam")  # the cache says otherwise
    await services.directory.remember_members(
        [(GUILD_ID, carol, "Carol 🌱"), (GUILD_ID, dave, "dave_the_*rave*")]
    )
    guild = bot.get_guild(GUILD_ID)
    assert guild is not None and all(guild.get_member(u) is None for u in (carol, dave))
    for uid in (carol, dave):
        await services.checkins.opt_in(GUILD_ID, uid, "dm")

    clock.set(MONDAY_EVENING)
    await bot.deliveries.run(PROMPT_KIND)
    await eventually(lambda: _true(len(fake.dms(carol)) == 1), what="Carol's prompt")
    assert "check-in time in **PlantTok Fam**" in fake.dms(carol)[0]["content"]

    await services.checkins.submit(GUILD_ID, carol, ["1", LINK, "first brand deal!", "", "5"])
    await services.checkins.submit(GUILD_ID, dave, ["2", "", "", "", "3"])
    clock.set(datetime(2026, 1, 19, 9, 5, tzinfo=UTC))
    await bot.deliveries.run(SLOT_KIND)

    def recaps() -> list[dict[str, Any]]:
        return [m for m in channel_posts(fake) if m.get("embeds")]

    await eventually(lambda: _true(len(recaps()) == 1), what="the recap")
    embed = recaps()[0]["embeds"][0]
    assert "Carol 🌱, dave\\_the\\_\\*rave\\*." in embed["description"]
    assert "a mutual" not in embed["description"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "**Carol 🌱**: first brand deal!" in fields["Wins 🏆"]
    select_menu = recaps()[0]["components"][0]["components"][0]
    assert [o["label"] for o in select_menu["options"]] == ["Carol 🌱's best TikTok"]


async def test_a_slow_save_is_acknowledged_in_time_and_answered_once_saved(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    """A crowded database must not turn a check-in into "This interaction failed": the form
    is acknowledged within Discord's 3 s, and "Checked in" comes only once it is saved."""
    bot = await bot_factory(clock=ManualClock(MONDAY_MORNING))
    await set_up(fake)
    await ok(await fake.slash(GUILD_ID, ALICE_ID, "checkin optin"))
    cog = cog_of(bot)
    real_submit = cog.service.submit
    release = asyncio.Event()

    async def crowded(*args: Any, **kwargs: Any) -> Any:
        await release.wait()
        return await real_submit(*args, **kwargs)

    cog.service.submit = crowded
    opened = await fake.slash(GUILD_ID, ALICE_ID, "checkin now")
    await pick_mood(fake, ALICE_ID, opened, 4)
    done = await fake.submit_modal(ALICE_ID, MODAL, {"q0": "2", "q1": LINK})
    ack = await done.response()
    assert ack["type"] == 5 and done.ephemeral  # a private "thinking…", in time
    assert not done.edits
    release.set()
    await done.wait_edit()
    assert "Checked in" in str(done.content)
