"""Welcome / onboarding end to end: fake gateway -> real discord.py -> cog -> service -> DB."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select

from cogs.welcome.cog import WelcomeCog
from core.bot import AnyBot
from core.clock import ManualClock
from fakediscord import FakeDiscord
from models.delivery import OutboxMessage
from models.welcome import Onboarding
from services.container import Services
from tests.conftest import ALICE_ID, BOB_ID, GUILD_ID, MOD_ID, BotFactory

NEWBIE = 2_000_000_000_000_000_100
BOT_MEMBER = 2_000_000_000_000_000_900
PICK = f"mutuals:wel:pick:{GUILD_ID}:d"
PROF = f"mutuals:wel:prof:{GUILD_ID}:d"
DONE = f"mutuals:wel:done:{GUILD_ID}:d"
MODAL = f"mutuals:wel:modal:{GUILD_ID}:d"


def custom_ids(msg: dict[str, Any]) -> list[str]:
    out = []
    for row in msg.get("components") or []:
        for comp in row.get("components") or []:
            if comp.get("custom_id"):
                out.append(str(comp["custom_id"]))
    return out


async def setup_guild(fake: FakeDiscord, bot: AnyBot) -> dict[str, int]:
    """A #welcome channel, a niche with a role, an autorole, and Bob already in that niche."""
    welcome = fake.add_channel(GUILD_ID, name="welcome")
    niche_role = fake.add_role(GUILD_ID, name="CozyGamer fam")
    autorole = fake.add_role(GUILD_ID, name="Onboarded")

    def role_cached() -> bool:
        guild = bot.get_guild(GUILD_ID)
        return guild is not None and guild.get_role(autorole) is not None

    await fake.wait_for(role_cached)
    commands: list[tuple[str, dict[str, Any]]] = [
        ("welcome channel", {"channel": fake.channel_option(welcome)}),
        ("welcome autorole", {"role": fake.role_option(autorole)}),
        (
            "welcome niche add",
            {"name": "CozyGamerTok", "emoji": "🎮", "role": fake.role_option(niche_role)},
        ),
    ]
    for name, opts in commands:
        h = await fake.slash(GUILD_ID, MOD_ID, name, opts)
        await h.response()
        assert h.ephemeral and "can't" not in (h.content or ""), h.content
    await bot.need(Services).profiles.update(
        GUILD_ID, BOB_ID, handle="@bobcozy", niches=["CozyGamerTok"]
    )
    await bot.need(Services).profiles.update(
        GUILD_ID, ALICE_ID, handle="@alicebooks", niches=["BookTok"]
    )
    return {"welcome": welcome, "niche_role": niche_role, "autorole": autorole}


async def test_happy_path_join_dm_niche_handle_norms(
    fake: FakeDiscord, bot_factory: BotFactory, clock: ManualClock
) -> None:
    bot = await bot_factory(clock=clock)
    ids = await setup_guild(fake, bot)

    fake.add_member(GUILD_ID, NEWBIE, "newbie_creator")
    dms = await fake.wait_for(lambda: fake.dms(NEWBIE), message="welcome DM")
    assert "Hey mutual" in dms[0]["embeds"][0]["description"]
    assert PICK in custom_ids(dms[0])
    public = await fake.wait_for(lambda: fake.messages(ids["welcome"]), message="public welcome")
    assert "Hey mutual" in public[0]["content"] and f"<@{NEWBIE}>" in public[0]["content"]
    assert public[0]["attachments"][0]["filename"] == "welcome.png"
    assert public[0]["pinged_user_ids"] == [NEWBIE] and not public[0]["pinged_everyone"]
    assert f"mutuals:wel:start:{GUILD_ID}:s" in custom_ids(public[0])

    pick = await fake.click(NEWBIE, PICK, values=["CozyGamerTok"])
    resp = await pick.response()
    assert resp["type"] == 7 and PROF in custom_ids(fake.dms(NEWBIE)[0])

    opened = await fake.click(NEWBIE, PROF)
    assert (await opened.response())["type"] == 9
    garbled = await fake.submit_modal(NEWBIE, MODAL, {"handle": "@newbie", "intro": "hi \ud83d"})
    await garbled.response()
    assert garbled.ephemeral and "garbled" in (garbled.content or "")  # refused at the edge
    sub = await fake.submit_modal(NEWBIE, MODAL, {"handle": "@newbie.plays", "intro": "Cozy games"})
    assert (await sub.response())["type"] == 7
    norms = fake.dms(NEWBIE)[0]
    assert "respect the niche" in norms["embeds"][0]["description"].lower()
    assert DONE in custom_ids(norms)

    done = await fake.click(NEWBIE, DONE)
    assert (await done.response())["type"] == 6  # acknowledged at once, then the work
    await fake.wait_for(
        lambda: not custom_ids(fake.dms(NEWBIE)[0]), message="finished: no buttons left"
    )
    await fake.wait_for(
        lambda: {ids["niche_role"], ids["autorole"]} <= set(fake.member_roles(GUILD_ID, NEWBIE)),
        message="niche role and autorole given",
    )
    intro = await fake.wait_for(
        lambda: [m for m in fake.messages(ids["welcome"]) if "newest" in m["content"]],
        message="introduction posted",
    )
    assert "CozyGamerTok" in intro[0]["content"] and f"<@{BOB_ID}>" in intro[0]["content"]
    assert intro[0]["pinged_user_ids"] == [BOB_ID]  # only the invited niche-mate is pinged
    assert f"<@{ALICE_ID}>" not in intro[0]["content"]  # BookTok, not the same niche

    profile = await bot.need(Services).profiles.get(GUILD_ID, NEWBIE)
    assert profile is not None and profile.tiktok_handle == "newbie.plays"
    assert profile.niches == ("CozyGamerTok",) and profile.intro == "Cozy games"
    state = await bot.get_cog("Welcome").service.state(GUILD_ID, NEWBIE)  # type: ignore[union-attr]
    assert state is not None and state.completed


async def eventually(check: Any, message: str, limit: float = 10) -> Any:
    """Poll an async condition (the bot works concurrently; no fixed sleeps)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while True:
        value = await check()
        if value:
            return value
        if loop.time() > deadline:
            raise TimeoutError(message)
        await asyncio.sleep(0.01)


def cog_of(bot: AnyBot) -> WelcomeCog:
    """The loaded cog (discord.py loads extensions as fresh module objects: no isinstance)."""
    cog = bot.get_cog("Welcome")
    assert cog is not None and type(cog).__name__ == "WelcomeCog"
    return cog  # type: ignore[return-value]


async def outbox_rows(bot: AnyBot, user_id: int) -> list[OutboxMessage]:
    async with bot.db.read() as s:
        rows = await s.scalars(select(OutboxMessage).where(OutboxMessage.purpose.like("welcome_%")))
        return [r for r in rows if r.payload.get("user_id") == user_id]


async def test_screening_pending_waits_and_bots_are_ignored(
    fake: FakeDiscord, bot_factory: BotFactory, clock: ManualClock
) -> None:
    bot = await bot_factory(clock=clock)
    ids = await setup_guild(fake, bot)
    cog = cog_of(bot)
    fake.add_member(GUILD_ID, BOT_MEMBER, "someotherbot", bot=True)
    fake.add_member(GUILD_ID, NEWBIE, "pending_pat", pending=True)

    async def joined() -> bool:
        return await cog.service.joins_recorded(GUILD_ID) == 1

    await eventually(joined, "the pending member's join is recorded (and only theirs)")
    state = await cog.service.state(GUILD_ID, NEWBIE)
    assert state is not None and state.status == "screening"
    assert await outbox_rows(bot, NEWBIE) == []  # nothing queued: nothing will be sent
    assert await cog.service.state(GUILD_ID, BOT_MEMBER) is None
    assert fake.dms(NEWBIE) == [] and fake.messages(ids["welcome"]) == []

    fake.update_member(GUILD_ID, NEWBIE, pending=False)  # accepted the rules
    await fake.wait_for(lambda: fake.dms(NEWBIE), message="DM after screening")
    await fake.wait_for(lambda: fake.messages(ids["welcome"]), message="welcome after screening")
    assert fake.dms(BOT_MEMBER) == []


async def test_dms_closed_fallback_button_completes_in_server(
    fake: FakeDiscord, bot_factory: BotFactory, clock: ManualClock
) -> None:
    bot = await bot_factory(clock=clock)
    ids = await setup_guild(fake, bot)
    cog = cog_of(bot)
    fake.close_dms(NEWBIE)
    fake.add_member(GUILD_ID, NEWBIE, "closed_casey")

    async def closed() -> bool:
        state = await cog.service.state(GUILD_ID, NEWBIE)
        return state is not None and state.dm_state == "closed"

    await eventually(closed, "DMs recorded as closed")
    forbidden = [r for r in fake.requests if r.status == 403]
    assert len(forbidden) == 1  # one 403, never retried
    rows = await outbox_rows(bot, NEWBIE)
    assert [r.status for r in rows if r.kind == "dm"] == ["dms_closed"]

    public = await fake.wait_for(
        lambda: [m for m in fake.messages(ids["welcome"]) if "DMs are closed" in m["content"]],
        message="the welcome post points at the in-server button",
    )
    start = f"mutuals:wel:start:{GUILD_ID}:s"
    assert start in custom_ids(public[0])
    h = await fake.click(NEWBIE, start, message_id=int(public[0]["id"]))
    await h.response()
    assert h.ephemeral and f"mutuals:wel:pick:{GUILD_ID}:s" in custom_ids(h.message or {})
    pick = await fake.click(NEWBIE, f"mutuals:wel:pick:{GUILD_ID}:s", values=["CozyGamerTok"])
    assert (await pick.response())["type"] == 7
    opened = await fake.click(NEWBIE, f"mutuals:wel:prof:{GUILD_ID}:s")
    assert (await opened.response())["type"] == 9
    sub = await fake.submit_modal(NEWBIE, f"mutuals:wel:modal:{GUILD_ID}:s", {"handle": "casey"})
    assert (await sub.response())["type"] == 7
    done = await fake.click(NEWBIE, f"mutuals:wel:done:{GUILD_ID}:s")
    assert (await done.response())["type"] == 6
    await fake.wait_for(
        lambda: ids["niche_role"] in fake.member_roles(GUILD_ID, NEWBIE), message="niche role"
    )
    await fake.wait_for(
        lambda: any("newest" in m["content"] for m in fake.messages(ids["welcome"])),
        message="introduction",
    )
    assert len([r for r in fake.requests if r.status == 403]) == 1
    stats = await cog.service.stats(GUILD_ID)
    assert stats[0].dms_closed == 1 and stats[0].completed == 1 and stats[0].joins == 1

    again = await fake.click(NEWBIE, start, message_id=int(public[0]["id"]))
    await again.response()
    assert again.ephemeral and "all set" in (again.content or "")


async def test_restart_mid_onboarding_old_dm_buttons_still_work(
    fake: FakeDiscord,
    bot_factory: BotFactory,
    clock: ManualClock,
    stop: Callable[[AnyBot], Awaitable[None]],
) -> None:
    bot = await bot_factory(clock=clock)
    ids = await setup_guild(fake, bot)
    fake.add_member(GUILD_ID, NEWBIE, "restart_riley")
    await fake.wait_for(lambda: fake.dms(NEWBIE), message="welcome DM")
    pick = await fake.click(NEWBIE, PICK, values=["CozyGamerTok", "BookTok"])
    await pick.response()
    dm_id = int(fake.dms(NEWBIE)[0]["id"])
    await stop(bot)

    bot2 = await bot_factory(clock=clock)
    opened = await fake.click(NEWBIE, PROF, message_id=dm_id)  # the old DM's button
    modal = await opened.response()
    assert modal["type"] == 9
    sub = await fake.submit_modal(NEWBIE, MODAL, {"handle": "@riley", "intro": "Back again"})
    await sub.response()
    msg = fake.get_message(dm_id)
    assert msg is not None and "CozyGamerTok, BookTok" in str(msg["embeds"][0]["fields"])
    done = await fake.click(NEWBIE, DONE, message_id=dm_id)
    await done.response()
    await fake.wait_for(
        lambda: ids["autorole"] in fake.member_roles(GUILD_ID, NEWBIE), message="autorole"
    )
    profile = await bot2.need(Services).profiles.get(GUILD_ID, NEWBIE)
    assert profile is not None and profile.niches == ("CozyGamerTok", "BookTok")
    assert profile.tiktok_handle == "riley"
    # The public post's button, sent by the first bot, works too (for anyone not onboarded
    # and without a creator profile: the moderator here).
    [post] = await fake.wait_for(
        lambda: [
            m
            for m in fake.messages(ids["welcome"])
            if any(c.startswith("mutuals:wel:start:") for c in custom_ids(m))
        ],
        message="welcome",
    )  # (the intro beside it has a button too: Report)
    start = await fake.click(MOD_ID, custom_ids(post)[0], message_id=int(post["id"]))
    await start.response()
    assert start.ephemeral and f"mutuals:wel:pick:{GUILD_ID}:s" in custom_ids(start.message or {})


async def test_bad_handle_is_refused_and_the_step_can_be_retried(
    fake: FakeDiscord, bot_factory: BotFactory, clock: ManualClock
) -> None:
    bot = await bot_factory(clock=clock)
    await setup_guild(fake, bot)
    fake.add_member(GUILD_ID, NEWBIE, "typo_tina")
    await fake.wait_for(lambda: fake.dms(NEWBIE), message="welcome DM")
    await (await fake.click(NEWBIE, PICK, values=["CozyGamerTok"])).response()
    for bad, needle in [
        ("not a handle!", "isn't a TikTok handle"),
        ("@x", "isn't a TikTok handle"),
    ]:
        await (await fake.click(NEWBIE, PROF)).response()
        sub = await fake.submit_modal(NEWBIE, MODAL, {"handle": bad})
        await sub.response()
        assert sub.ephemeral and needle in (sub.content or "")
    await (await fake.click(NEWBIE, PROF)).response()
    pinger = await fake.submit_modal(
        NEWBIE, MODAL, {"handle": "tina", "intro": "hi @everyone <@&123>"}
    )
    await pinger.response()
    assert pinger.ephemeral and "@everyone" in (pinger.content or "")
    state = await cog_of(bot).service.state(GUILD_ID, NEWBIE)
    assert state is not None and state.step == "profile" and state.tiktok_handle is None
    assert PROF in custom_ids(fake.dms(NEWBIE)[0])  # the button is still there to retry
    await (await fake.click(NEWBIE, PROF)).response()
    ok = await fake.submit_modal(NEWBIE, MODAL, {"handle": "@tina_makes"})
    assert (await ok.response())["type"] == 7
    assert DONE in custom_ids(fake.dms(NEWBIE)[0])


async def test_rejoin_after_finishing_restores_roles_without_onboarding_again(
    fake: FakeDiscord, bot_factory: BotFactory, clock: ManualClock
) -> None:
    bot = await bot_factory(clock=clock)
    ids = await setup_guild(fake, bot)
    fake.add_member(GUILD_ID, NEWBIE, "loyal_lou")
    await fake.wait_for(lambda: fake.dms(NEWBIE), message="welcome DM")
    await (await fake.click(NEWBIE, PICK, values=["CozyGamerTok"])).response()
    await (await fake.click(NEWBIE, PROF)).response()
    await (await fake.submit_modal(NEWBIE, MODAL, {"handle": "lou"})).response()
    await (await fake.click(NEWBIE, DONE)).response()
    await fake.wait_for(lambda: ids["autorole"] in fake.member_roles(GUILD_ID, NEWBIE), message="r")
    await fake.wait_for(
        lambda: any("newest" in m["content"] for m in fake.messages(ids["welcome"])),
        message="introduction posted",
    )
    clock.advance(days=2)  # outside the leave window: the welcome stays
    fake.remove_member(GUILD_ID, NEWBIE)
    await eventually(lambda: _left(bot, NEWBIE), "leave recorded")
    dms_before = len(fake.dms(NEWBIE))
    posts_before = len(fake.messages(ids["welcome"]))
    fake.add_member(GUILD_ID, NEWBIE, "loyal_lou")
    await fake.wait_for(
        lambda: {ids["niche_role"], ids["autorole"]} <= set(fake.member_roles(GUILD_ID, NEWBIE)),
        message="roles restored",
    )
    assert (
        len(fake.dms(NEWBIE)) == dms_before and len(fake.messages(ids["welcome"])) == posts_before
    )
    assert not fake.deleted_messages


async def _left(bot: AnyBot, user_id: int) -> bool:
    async with bot.db.read() as s:
        row = await s.scalar(select(Onboarding).where(Onboarding.user_id == user_id))
        return row is not None and row.left_at is not None


async def test_leaving_within_the_window_removes_the_welcome(
    fake: FakeDiscord, bot_factory: BotFactory, clock: ManualClock
) -> None:
    bot = await bot_factory(clock=clock)
    ids = await setup_guild(fake, bot)
    cog = cog_of(bot)
    fake.add_member(GUILD_ID, NEWBIE, "drive_by_dan")

    async def posted() -> bool:
        state = await cog.service.state(GUILD_ID, NEWBIE)
        return state is not None and state.public_state == "posted"

    await eventually(posted, "welcome posted and recorded")
    welcome_id = fake.messages(ids["welcome"])[0]["id"]
    clock.advance(minutes=5)
    fake.remove_member(GUILD_ID, NEWBIE)
    await fake.wait_for(
        lambda: any(m["id"] == welcome_id for m in fake.deleted_messages), message="removed"
    )
    assert fake.messages(ids["welcome"]) == []


async def test_member_supplied_text_never_pings(
    fake: FakeDiscord, bot_factory: BotFactory, clock: ManualClock
) -> None:
    """A newcomer named like a mass ping, with a hostile intro attempt: nothing pings."""
    bot = await bot_factory(clock=clock)
    ids = await setup_guild(fake, bot)
    role = fake.add_role(GUILD_ID, name="Everyone-ish", mentionable=True)
    fake.add_member(GUILD_ID, NEWBIE, f"@everyone <@&{role}>")
    await fake.wait_for(lambda: fake.dms(NEWBIE), message="welcome DM")
    await (await fake.click(NEWBIE, PICK, values=["CozyGamerTok"])).response()
    await (await fake.click(NEWBIE, PROF)).response()
    sneaky = await fake.submit_modal(NEWBIE, MODAL, {"handle": "ok", "intro": f"<@{BOB_ID}>"})
    await sneaky.response()
    assert sneaky.ephemeral and "mentions" in (sneaky.content or "")
    await (await fake.click(NEWBIE, PROF)).response()
    await (await fake.submit_modal(NEWBIE, MODAL, {"handle": "ok", "intro": "@here hi"})).response()
    await (await fake.click(NEWBIE, PROF)).response()
    await (await fake.submit_modal(NEWBIE, MODAL, {"handle": "okay", "intro": "hi"})).response()
    await (await fake.click(NEWBIE, DONE)).response()
    posts = await fake.wait_for(
        lambda: fake.messages(ids["welcome"]) if len(fake.messages(ids["welcome"])) == 2 else None,
        message="welcome and introduction",
    )
    for msg in posts + fake.dms(NEWBIE):
        assert not msg["pinged_everyone"] and not msg["pinged_role_ids"]
        assert set(msg["pinged_user_ids"]) <= {NEWBIE, BOB_ID}
    intro = next(m for m in posts if "newest" in m["content"])
    assert intro["pinged_user_ids"] == [BOB_ID]
