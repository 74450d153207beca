"""Shoutout rotations end to end: fake Discord -> real discord.py -> cog -> service -> outbox."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from core.bot import AnyBot
from core.clock import ManualClock
from fakediscord import FakeDiscord
from services.guild_config import GuildConfigService
from services.shoutouts import SLOT_KIND
from tests.conftest import ALICE_ID, BOB_ID, GENERAL_ID, GUILD_ID, MOD_ID, BotFactory
from tests.shoutouts.support import (
    CAROL_ID,
    START,
    cog_of,
    count_posts,
    give_profile,
    join,
    posts,
    setup_rotation,
)
from tests.util import eventually


async def next_slot(bot: AnyBot, clock: ManualClock) -> None:
    """Move the clock to the next slot and run what is due, as the bot's wake-up does."""
    when = await cog_of(bot).service.plan.next_at(clock.now(), bot.owns_guild)
    assert when is not None
    clock.set(when)
    await bot.deliveries.run(SLOT_KIND)


async def test_moderator_creates_a_rotation_and_sees_the_next_three_slots(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    bot = await bot_factory(clock=ManualClock(START))
    embed = await setup_rotation(fake, bot, "weekly mon,thu 18:00", timezone="Europe/Berlin")
    slots = embed["fields"][0]["value"].splitlines()
    assert len(slots) == 3
    assert slots[0].startswith("• Mon 02 Mar 18:00 (Europe/Berlin)")
    assert slots[1].startswith("• Thu 05 Mar 18:00") and slots[2].startswith("• Mon 09 Mar")
    synced = {c["name"]: c for c in fake.guild_commands[GUILD_ID]}
    assert int(synced["rotation"]["default_member_permissions"]) == 1 << 5
    assert synced["shoutout"].get("default_member_permissions") in (None, "")

    async def armed() -> bool:
        return bot.deliveries.next_wake(SLOT_KIND) == datetime(2026, 3, 2, 17, 0, tzinfo=UTC)

    await eventually(armed, what="the first slot (18:00 Berlin) planned")
    assert f"delivery:{SLOT_KIND}" in bot.scheduler.job_ids()


async def test_members_cannot_run_rotation_commands(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    bot = await bot_factory(clock=ManualClock(START))
    h = await fake.slash(
        GUILD_ID,
        ALICE_ID,
        "rotation create",
        {"name": "Mine", "channel": fake.channel_option(GENERAL_ID), "schedule": "every 6h"},
    )
    await h.response()
    assert h.ephemeral and "moderators only" in (h.content or "")
    assert await cog_of(bot).service.rotations.list_rotations(GUILD_ID) == []
    await setup_rotation(fake, bot)
    cases: list[tuple[str, dict[str, Any]]] = [
        ("run-now", {"name": "Spotlight"}),
        ("skip", {"name": "Spotlight"}),
        ("queue", {"name": "Spotlight"}),
        ("delete", {"name": "Spotlight"}),
        ("pause", {"name": "Spotlight"}),
        ("add", {"name": "Spotlight", "member": fake.member_option(ALICE_ID)}),
    ]
    for sub, opts in cases:
        h = await fake.slash(GUILD_ID, BOB_ID, f"rotation {sub}", opts)
        await h.response()
        assert h.ephemeral and "moderators only" in (h.content or ""), sub
    assert not (await cog_of(bot).service.rotations.get(GUILD_ID, "Spotlight")).paused


async def test_bad_input_gets_clear_ephemeral_errors(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    bot = await bot_factory(clock=ManualClock(START))
    for opts, needle in [
        ({"schedule": "whenever"}, "couldn't read"),
        ({"schedule": "daily 18:00", "timezone": "Moon/Base"}, "isn't a time zone"),
    ]:
        h = await fake.slash(
            GUILD_ID,
            MOD_ID,
            "rotation create",
            {"name": "Spotlight", "channel": fake.channel_option(GENERAL_ID), **opts},
        )
        await h.response()
        assert h.ephemeral and needle in (h.content or "")
    await setup_rotation(fake, bot)
    # joining without a handle says how to make one
    assert "/profile set" in await join(fake, ALICE_ID)
    await give_profile(bot, ALICE_ID, "plantladyjane")
    assert "You're in **Spotlight**" in await join(fake, ALICE_ID)
    for opts, needle in [
        ({"url": "https://youtube.com/watch?v=1", "blurb": "hi"}, "isn't a TikTok link"),
        ({"url": "https://vm.tiktok.com/ZM1/", "blurb": "x" * 151}, "150 or fewer"),
        ({"url": "https://vm.tiktok.com/ZM1/", "blurb": "yo @everyone"}, "@everyone"),
    ]:
        h = await fake.slash(GUILD_ID, ALICE_ID, "shoutout pitch", opts)
        await h.response()
        assert h.ephemeral and needle in (h.content or ""), opts
    _m, pitch = await cog_of(bot).service.members.status(GUILD_ID, ALICE_ID)
    assert pitch is None, "nothing saved from bad input"


async def test_a_slot_posts_one_embed_pinging_exactly_the_creator(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    clock = ManualClock(START)
    bot = await bot_factory(clock=clock)
    role = fake.add_role(GUILD_ID, name="shoutout-fans")
    await setup_rotation(fake, bot, ping_role=fake.role_option(role))
    await give_profile(bot, ALICE_ID, "plantladyjane")
    await join(fake, ALICE_ID)
    h = await fake.slash(
        GUILD_ID,
        ALICE_ID,
        "shoutout pitch",
        {"url": "https://www.tiktok.com/@plantladyjane/video/1", "blurb": "Monstera glow-up"},
    )
    await h.response()
    assert "Pitch saved" in (h.content or "")
    await next_slot(bot, clock)
    await eventually(lambda: count_posts(fake, 1), what="the shoutout post")
    msg = posts(fake)[0]
    assert msg["pinged_user_ids"] == [ALICE_ID]
    assert msg["pinged_role_ids"] == [role] and not msg["pinged_everyone"]
    embed = msg["embeds"][0]
    assert "@plantladyjane" in embed["title"] and "Monstera glow-up" in embed["description"]
    assert embed["url"] == "https://www.tiktok.com/@plantladyjane/video/1"
    button = msg["components"][0]["components"][0]
    assert button["url"] == "https://www.tiktok.com/@plantladyjane" and button["style"] == 5
    # the status shows the pitch was used, history shows the feature
    h = await fake.slash(GUILD_ID, MOD_ID, "rotation history", {"name": "Spotlight"})
    await h.response()
    assert f"<@{ALICE_ID}>" in h.embeds[0]["description"]


async def test_no_ping_when_the_rotation_says_so(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    clock = ManualClock(START)
    bot = await bot_factory(clock=clock)
    await setup_rotation(fake, bot, ping_featured=False)
    await give_profile(bot, ALICE_ID, "plantladyjane")
    await join(fake, ALICE_ID)
    await next_slot(bot, clock)
    await eventually(lambda: count_posts(fake, 1), what="the shoutout post")
    msg = posts(fake)[0]
    assert msg["pinged_user_ids"] == [] and msg["pinged_role_ids"] == []
    assert "@plantladyjane" in msg["content"]


async def test_queue_skip_run_now_and_leave(fake: FakeDiscord, bot_factory: BotFactory) -> None:
    clock = ManualClock(START)
    bot = await bot_factory(clock=clock)
    await setup_rotation(fake, bot)
    for uid, handle in [(ALICE_ID, "alice.grows"), (BOB_ID, "bob_bakes")]:
        await give_profile(bot, uid, handle)
        await join(fake, uid)
    q = await fake.slash(GUILD_ID, MOD_ID, "rotation queue", {"name": "Spotlight"})
    await q.response()
    order = [int(x.split("<@")[1].split(">")[0]) for x in q.embeds[0]["description"].splitlines()]
    assert sorted(order) == sorted([ALICE_ID, BOB_ID])
    skip = await fake.slash(GUILD_ID, MOD_ID, "rotation skip", {"name": "Spotlight"})
    await skip.response()
    assert f"<@{order[0]}>" in (skip.content or "") and "end of this round" in (skip.content or "")
    run = await fake.slash(GUILD_ID, MOD_ID, "rotation run-now", {"name": "Spotlight"})
    await run.response()
    assert f"<@{order[1]}>" in str((await run.wait_followup())["content"])
    await eventually(lambda: count_posts(fake, 1), what="the run-now post")
    assert posts(fake)[0]["pinged_user_ids"] == [order[1]]
    leave = await fake.slash(GUILD_ID, order[0], "shoutout leave")
    await leave.response()
    assert "You left **Spotlight**" in (leave.content or "")
    status = await fake.slash(GUILD_ID, order[0], "shoutout status")
    await status.response()
    assert "not in the queue" in status.embeds[0]["description"]
    # the only creator left is featured next; the one who left is never pinged
    await next_slot(bot, clock)
    await eventually(lambda: count_posts(fake, 2), what="the next post")
    assert posts(fake)[1]["pinged_user_ids"] == [order[1]]


async def test_member_who_left_the_server_is_skipped(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    clock = ManualClock(START)
    bot = await bot_factory(clock=clock)
    excluded = fake.add_role(GUILD_ID, name="moderators")
    fake.add_member(GUILD_ID, CAROL_ID, "carol")
    await setup_rotation(fake, bot, exclude_role=fake.role_option(excluded))
    for uid, handle in [(ALICE_ID, "alice.grows"), (BOB_ID, "bob_bakes"), (CAROL_ID, "carol")]:
        await give_profile(bot, uid, handle)
        await eventually(
            lambda uid=uid: _has_member(bot, uid),  # type: ignore[misc]
            what="member cached",
        )
        await join(fake, uid)
    fake.remove_member(GUILD_ID, BOB_ID)
    fake.update_member(GUILD_ID, CAROL_ID, roles=[excluded])
    await eventually(lambda: _no_member(bot, BOB_ID), what="bob gone from the cache")
    for _ in range(3):
        await next_slot(bot, clock)
    await eventually(lambda: count_posts(fake, 3), what="three posts")
    assert [p["pinged_user_ids"] for p in posts(fake)] == [[ALICE_ID]] * 3


async def test_lost_permission_pauses_keeps_place_and_tells_the_mods(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    clock = ManualClock(START)
    bot = await bot_factory(clock=clock)
    await setup_rotation(fake, bot)
    await give_profile(bot, ALICE_ID, "plantladyjane")
    await join(fake, ALICE_ID)
    fake.fail_next("POST", rf"/channels/{GENERAL_ID}/messages$", 403)
    await next_slot(bot, clock)
    service = cog_of(bot).service

    async def paused() -> bool:
        return bool((await service.rotations.get(GUILD_ID, "Spotlight")).paused)

    await eventually(paused, what="the rotation paused itself")
    await eventually(lambda: _dm_count(fake, MOD_ID, 1), what="the mod was told")
    assert "paused itself" in fake.dms(MOD_ID)[0]["content"]
    memberships, _ = await service.members.status(GUILD_ID, ALICE_ID)
    assert memberships[0].place == 1 and memberships[0].times_featured == 0
    assert f"{ALICE_ID}" not in str(fake.dms(MOD_ID)[0].get("pinged_user_ids"))
    # the mod fixes it and resumes: the next slot features her
    h = await fake.slash(GUILD_ID, MOD_ID, "rotation resume", {"name": "Spotlight"})
    await h.response()
    assert "back on" in (h.content or "")
    await next_slot(bot, clock)
    await eventually(lambda: count_posts(fake, 1), what="the post after resume")
    assert posts(fake)[0]["pinged_user_ids"] == [ALICE_ID]


async def test_restart_catches_up_without_duplicates(
    fake: FakeDiscord, bot_factory: BotFactory, stop: Any
) -> None:
    clock = ManualClock(START)
    bot = await bot_factory(clock=clock)
    await setup_rotation(fake, bot, "every 6h")
    for uid, handle in [(ALICE_ID, "alice.grows"), (BOB_ID, "bob_bakes")]:
        await give_profile(bot, uid, handle)
        await join(fake, uid)
    await stop(bot)
    clock.advance(hours=13)  # down across two slots: 18:00 is 7 h old (missed), 00:00 is 1 h
    bot2 = await bot_factory(clock=clock)
    await eventually(lambda: count_posts(fake, 1), what="the caught-up post")
    history = await cog_of(bot2).service.admin.history(GUILD_ID, "Spotlight")
    assert [h.status for h in history] == ["featured", "missed"]
    await stop(bot2)
    bot3 = await bot_factory(clock=clock)  # another start-up: nothing new
    assert await bot3.deliveries.run(SLOT_KIND) == []
    assert len(posts(fake)) == 1


async def test_delete_asks_to_confirm(fake: FakeDiscord, bot_factory: BotFactory) -> None:
    bot = await bot_factory(clock=ManualClock(START))
    await setup_rotation(fake, bot)
    h = await fake.slash(GUILD_ID, MOD_ID, "rotation delete", {"name": "spotlight"})
    await h.response()
    assert "Delete **Spotlight**?" in (h.content or "")
    assert await cog_of(bot).service.rotations.list_rotations(GUILD_ID)
    custom_id = h.response_nowait()["data"]["components"][0]["components"][0]["custom_id"]  # type: ignore[index]
    confirm = await fake.click(MOD_ID, custom_id, guild_id=GUILD_ID)
    await confirm.response()
    assert "Deleted **Spotlight**" in (confirm.content or "")
    assert await cog_of(bot).service.rotations.list_rotations(GUILD_ID) == []

    async def nothing_planned() -> bool:
        return bot.deliveries.next_wake(SLOT_KIND) is None

    await eventually(nothing_planned, what="no wake-up left for the deleted rotation")


async def test_delete_is_only_confirmed_by_whoever_asked_and_can_be_called_off(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    bot = await bot_factory(clock=ManualClock(START))
    await setup_rotation(fake, bot)
    h = await fake.slash(GUILD_ID, MOD_ID, "rotation delete", {"name": "Spotlight"})
    await h.response()
    sent = h.response_nowait()
    assert sent is not None
    buttons = sent["data"]["components"][0]["components"]
    assert [b["label"] for b in buttons] == ["Yes, delete it", "Keep it"]
    stranger = await fake.click(ALICE_ID, buttons[0]["custom_id"], guild_id=GUILD_ID)
    await stranger.response()
    assert stranger.ephemeral and "isn't yours" in (stranger.content or "")
    keep = await fake.click(MOD_ID, buttons[1]["custom_id"], guild_id=GUILD_ID)
    await keep.response()
    assert "Kept it" in (keep.content or "")
    assert await cog_of(bot).service.rotations.list_rotations(GUILD_ID)

    async def still_planned() -> bool:
        return bot.deliveries.next_wake(SLOT_KIND) == datetime(2026, 3, 2, 18, 0, tzinfo=UTC)

    await eventually(still_planned, what="its next slot still planned")


async def _dm_count(fake: FakeDiscord, user_id: int, n: int) -> bool:
    return len(fake.dms(user_id)) >= n


async def _has_member(bot: AnyBot, user_id: int) -> bool:
    guild = bot.get_guild(GUILD_ID)
    return guild is not None and guild.get_member(user_id) is not None


async def _no_member(bot: AnyBot, user_id: int) -> bool:
    return not await _has_member(bot, user_id)


async def test_deleted_channel_pauses_and_notifies_the_log_channel(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    clock = ManualClock(START)
    bot = await bot_factory(clock=clock)
    spot = fake.add_channel(GUILD_ID, name="spotlight")
    log_channel = fake.add_channel(GUILD_ID, name="mod-log")
    await GuildConfigService(bot.db, clock).update(GUILD_ID, log_channel_id=log_channel)
    await eventually(lambda: _has_channel(bot, spot), what="channel cached")
    h = await fake.slash(
        GUILD_ID,
        MOD_ID,
        "rotation create",
        {"name": "Spotlight", "channel": fake.channel_option(spot), "schedule": "daily 18:00"},
    )
    await h.response()
    await give_profile(bot, ALICE_ID, "plantladyjane")
    await join(fake, ALICE_ID)
    gone = fake.channels.pop(spot)
    fake.guilds[GUILD_ID].channels.pop(spot)
    fake.dispatch_raw("CHANNEL_DELETE", gone.payload(), GUILD_ID)
    service = cog_of(bot).service

    async def paused() -> bool:
        return bool((await service.rotations.get(GUILD_ID, "Spotlight")).paused)

    await eventually(paused, what="the rotation paused itself")
    await eventually(
        lambda: _async(len(fake.messages(log_channel)) == 1), what="notice in the log channel"
    )
    notice = fake.messages(log_channel)[0]
    assert "Spotlight" in notice["content"] and "deleted" in notice["content"]
    assert not notice["pinged_user_ids"] and not notice["pinged_everyone"]
    # the slot time passes while paused: nothing is posted anywhere, nobody loses their place
    clock.advance(days=1)
    assert await bot.deliveries.run(SLOT_KIND) == []
    memberships, _ = await service.members.status(GUILD_ID, ALICE_ID)
    assert memberships[0].place == 1 and memberships[0].times_featured == 0
    # resuming while the channel is still gone is refused with what to do
    h = await fake.slash(GUILD_ID, MOD_ID, "rotation resume", {"name": "Spotlight"})
    await h.response()
    assert h.ephemeral and "rotation edit" in (h.content or "")
    assert await paused()


async def test_losing_an_excluded_role_puts_the_creator_back(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    clock = ManualClock(START)
    bot = await bot_factory(clock=clock)
    mods = fake.add_role(GUILD_ID, name="mods")
    await setup_rotation(fake, bot, exclude_role=fake.role_option(mods))
    await give_profile(bot, ALICE_ID, "plantladyjane")
    await join(fake, ALICE_ID)
    fake.update_member(GUILD_ID, ALICE_ID, roles=[mods])
    await eventually(lambda: _has_role(bot, ALICE_ID, mods), what="role cached")
    # an excluded member can't join, and is taken out of the queue when their turn comes
    await give_profile(bot, BOB_ID, "bob_bakes")
    await next_slot(bot, clock)
    memberships, _ = await cog_of(bot).service.members.status(GUILD_ID, ALICE_ID)
    assert memberships[0].inactive_reason == "excluded"
    assert posts(fake) == []
    assert "isn't featured" in await join(fake, ALICE_ID)
    fake.update_member(GUILD_ID, ALICE_ID, roles=[])

    async def back() -> bool:
        ms, _ = await cog_of(bot).service.members.status(GUILD_ID, ALICE_ID)
        return bool(ms[0].active)

    await eventually(back, what="back in the rotation")


async def test_rotation_names_autocomplete(fake: FakeDiscord, bot_factory: BotFactory) -> None:
    bot = await bot_factory(clock=ManualClock(START))
    await setup_rotation(fake, bot)
    h = await fake.autocomplete(GUILD_ID, MOD_ID, "rotation queue", {"name": "spo"}, focused="name")
    await h.response()
    assert [c["value"] for c in h.choices] == ["Spotlight"]
    h = await fake.autocomplete(
        GUILD_ID, ALICE_ID, "shoutout join", {"rotation": ""}, focused="rotation"
    )
    await h.response()
    assert [c["value"] for c in h.choices] == ["Spotlight"]


async def _async(value: bool) -> bool:
    return value


async def _has_channel(bot: AnyBot, channel_id: int) -> bool:
    return bot.get_channel(channel_id) is not None


async def _has_role(bot: AnyBot, user_id: int, role_id: int) -> bool:
    guild = bot.get_guild(GUILD_ID)
    member = guild.get_member(user_id) if guild else None
    return member is not None and any(r.id == role_id for r in member.roles)


async def test_timezone_autocomplete(fake: FakeDiscord, bot_factory: BotFactory) -> None:
    await bot_factory(clock=ManualClock(START))
    h = await fake.autocomplete(
        GUILD_ID,
        MOD_ID,
        "rotation create",
        {"name": "x", "schedule": "daily 18:00", "timezone": "berl"},
        focused="timezone",
    )
    await h.response()
    assert "Europe/Berlin" in [c["value"] for c in h.choices]
