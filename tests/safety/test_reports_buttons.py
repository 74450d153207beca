"""The Report button is on all five kinds of post Mutuals makes between members (a collab
thread, a collab DM, a welcome intro, a shoutout, a check-in recap), each opening the form
that fits it; real posts made by each capability, through the fake Discord, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from core.bot import AnyBot
from core.clock import ManualClock
from fakediscord import FakeDiscord
from services.checkins import PROMPT_KIND, SLOT_KIND
from services.container import Services
from tests.conftest import ALICE_ID, BOB_ID, GENERAL_ID, GUILD_ID, MOD_ID, BotFactory
from tests.safety.test_reports import (
    COLLABS_ID,
    MODLOG_ID,
    answer,
    carrying,
    fields_of,
    file_report,
    mod_buttons,
    modal_fields,
    names_stored,
    report_button,
    shoutout_of_alice,
    use_log_channel,
)
from tests.util import eventually
from tests.welcome.test_flow import DONE, MODAL, NEWBIE, PICK, PROF, setup_guild

MONDAY_MORNING = datetime(2026, 1, 12, 8, 0, tzinfo=UTC)


async def recap_post(fake: FakeDiscord, bot: AnyBot, clock: ManualClock) -> dict[str, Any]:
    """A real check-in recap in #general celebrating Alice's win."""
    h = await fake.slash(
        GUILD_ID,
        MOD_ID,
        "checkin-mod setup",
        {"channel": fake.channel_option(GENERAL_ID), "day": "mon", "time": "18:00"},
    )
    assert "Check-ins are on" in await answer(h)
    checkins = bot.need(Services).checkins
    await checkins.opt_in(GUILD_ID, ALICE_ID, "dm")
    clock.set(datetime(2026, 1, 12, 19, 0, tzinfo=UTC))
    await bot.deliveries.run(PROMPT_KIND)
    await fake.wait_for(lambda: fake.dms(ALICE_ID), message="Alice's check-in prompt")
    await checkins.submit(
        GUILD_ID,
        ALICE_ID,
        ["2", "https://www.tiktok.com/@alice/video/7", "first brand deal!", "", "4"],
    )
    clock.set(datetime(2026, 1, 19, 9, 5, tzinfo=UTC))
    await bot.deliveries.run(SLOT_KIND)
    [recap] = await fake.wait_for(
        lambda: [
            m
            for m in fake.messages(GENERAL_ID)
            if m["embeds"] and m["embeds"][0]["title"].startswith("Check-in recap")
        ],
        message="the recap",
    )
    return recap


async def collab_intros(fake: FakeDiscord, bot: AnyBot, clock: ManualClock) -> tuple[Any, Any]:
    """A round in a private thread, then a round whose thread can't be made (intros by DM)."""
    fake.add_channel(GUILD_ID, channel_id=COLLABS_ID, name="collabs")
    services = bot.need(Services)
    for i, uid in enumerate((ALICE_ID, BOB_ID)):
        await services.profiles.update(
            GUILD_ID, uid, handle=f"creator{i}", niches=["PlantTok"], timezone="Europe/London"
        )
    await services.collabs.setup(
        GUILD_ID,
        MOD_ID,
        channel_id=COLLABS_ID,
        frequency="weekly",
        day="mon",
        at="09:00",
        timezone="UTC",
    )
    for uid in (ALICE_ID, BOB_ID):
        await services.collabs.optin(GUILD_ID, uid)
    assert "Round done!" in await answer(
        await fake.slash(GUILD_ID, MOD_ID, "collab-rounds run-now")
    )
    [thread] = await fake.wait_for(
        lambda: [c for c in fake.channels.values() if c.is_thread and fake.messages(c.id)]
    )
    in_thread = fake.messages(thread.id)[0]
    clock.advance(hours=1)
    fake.fail_next("POST", r"^/channels/\d+/threads$", 403)
    assert "Round done!" in await answer(
        await fake.slash(GUILD_ID, MOD_ID, "collab-rounds run-now")
    )

    def intro_dm() -> list[dict[str, Any]]:
        return [m for m in fake.dms(ALICE_ID) if "couldn't open a private thread" in m["content"]]

    [by_dm] = await fake.wait_for(intro_dm, message="the collab intro by DM")
    return in_thread, by_dm


async def welcome_intro(fake: FakeDiscord, bot: AnyBot) -> dict[str, Any]:
    """A newcomer's intro in #welcome, after the real onboarding flow."""
    ids = await setup_guild(fake, bot)
    fake.add_member(GUILD_ID, NEWBIE, "newbie_creator")
    await fake.wait_for(lambda: fake.dms(NEWBIE), message="welcome DM")
    await (await fake.click(NEWBIE, PICK, values=["CozyGamerTok"])).response()
    await (await fake.click(NEWBIE, PROF)).response()
    await (
        await fake.submit_modal(NEWBIE, MODAL, {"handle": "@newbie.plays", "intro": "Cozy games"})
    ).response()
    await (await fake.click(NEWBIE, DONE)).response()
    [intro] = await fake.wait_for(
        lambda: [m for m in fake.messages(ids["welcome"]) if "newest" in m["content"]],
        message="introduction posted",
    )
    return intro


async def test_the_report_button_is_on_all_five_kinds_of_post(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    clock = ManualClock(MONDAY_MORNING)
    bot = await bot_factory(clock=clock)
    await names_stored(bot, ALICE_ID, BOB_ID)
    await use_log_channel(fake)

    recap = await recap_post(fake, bot, clock)
    shoutout = await shoutout_of_alice(fake, bot)
    in_thread, by_dm = await collab_intros(fake, bot, clock)
    intro = await welcome_intro(fake, bot)

    posts = {
        "collab thread": in_thread,
        "collab DM": by_dm,
        "welcome intro": intro,
        "shoutout": shoutout,
        "check-in recap": recap,
    }
    buttons = {kind: report_button(msg) for kind, msg in posts.items()}
    assert buttons["collab thread"].startswith("mutuals:report:c:")
    assert buttons["collab DM"].startswith("mutuals:report:c:")
    assert buttons["welcome intro"] == f"mutuals:report:i:{GUILD_ID}:{NEWBIE}"
    assert buttons["shoutout"] == f"mutuals:report:s:{GUILD_ID}:{ALICE_ID}"
    assert buttons["check-in recap"] == f"mutuals:report:r:{GUILD_ID}"
    for kind, msg in posts.items():
        button = next(
            c
            for row in msg["components"]
            for c in row["components"]
            if c.get("custom_id") == buttons[kind]
        )
        assert button["label"] == "Report" and button["emoji"]["name"] == "🚩", kind
    # the posts' own components are still there, first
    assert recap["components"][0]["components"][0]["type"] == 3  # the mods' nominate select
    assert shoutout["components"][0]["components"][0]["style"] == 5  # the TikTok link

    # each opens the form that fits: who is asked only when the post involves several
    for kind in ("collab thread", "welcome intro", "shoutout"):
        opened = await fake.click(BOB_ID, buttons[kind], message_id=int(posts[kind]["id"]))
        resp = await opened.response()
        assert resp["type"] == 9, (kind, opened.content)
        assert set(modal_fields(resp["data"])) == {"what", "details"}, kind
    own = await fake.click(NEWBIE, buttons["welcome intro"], message_id=int(intro["id"]))
    assert "You can't report yourself" in await answer(own)

    # the recap involves many: the form asks who, with the member picker
    modal, told = await file_report(
        fake,
        BOB_ID,
        buttons["check-in recap"],
        int(recap["id"]),
        {"who": [ALICE_ID], "what": ["other"], "details": "that win is my video"},
    )
    assert modal_fields(modal)["who"]["type"] == 5  # a user select
    assert "about **alice**" in told
    [notice] = await fake.wait_for(lambda: fake.messages(MODLOG_ID), message="recap notice")
    jump = f"https://discord.com/channels/{GUILD_ID}/{GENERAL_ID}/{recap['id']}"
    assert fields_of(notice)["Where"] == f"[Jump to the check-in recap]({jump})"

    # in a DM only the member sees the post: no link to open, nothing for moderators to remove
    _modal, told = await file_report(
        fake, ALICE_ID, buttons["collab DM"], int(by_dm["id"]), {"what": ["uncomfortable"]}
    )
    assert "about **bob**" in told

    async def two() -> bool:
        return len(fake.messages(MODLOG_ID)) == 2

    await eventually(two, what="the DM report's notice")
    notice = fake.messages(MODLOG_ID)[1]
    assert fields_of(notice)["Where"] == (
        "A collab DM in their DMs with me (only they can open it)"
    )
    assert mod_buttons(notice) == ["dismiss", "collabs"]
    # the reported members got nothing: the notices are in the log channel only
    assert {int(m["channel_id"]) for m in carrying(fake, "🚩 Report")} == {MODLOG_ID}
    assert {int(m["channel_id"]) for m in carrying(fake, "that win is my video")} == {MODLOG_ID}
