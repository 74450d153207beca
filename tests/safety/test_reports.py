"""Reports end to end: the real bot against the fake Discord, on SQLite and PostgreSQL. A
report reaches the moderators and nobody else, a member can't flood, every moderator button
does what it says and only for moderators, and all of it survives a restart."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from core.bot import AnyBot
from core.clock import ManualClock
from fakediscord import FakeDiscord
from services.container import Services
from tests.conftest import ALICE_ID, BOB_ID, GENERAL_ID, GUILD_ID, MANAGE_GUILD, MOD_ID, BotFactory
from tests.util import eventually

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
MODLOG_ID = 3_000_000_000_000_000_090
COLLABS_ID = 3_000_000_000_000_000_091
CARA_ID = 2_000_000_000_000_000_044
DAVE_ID = 2_000_000_000_000_000_045
MOD2_ID = 2_000_000_000_000_000_046
SECRET = "he asked for my snap and my school name"


# ---------------------------------------------------------------- helpers


async def answer(handle: Any) -> str:
    """The text a member sees for an interaction (a reply, or the followup of a deferral)."""
    resp = await handle.response()
    if resp["type"] == 5:
        await handle.wait_followup(timeout=10, index=0)
    if handle.followups:
        return str(handle.followups[-1].get("content") or "")
    return str(handle.content or "")


def custom_ids(msg: dict[str, Any]) -> list[str]:
    return [
        str(c["custom_id"])
        for row in msg.get("components") or []
        for c in row.get("components") or []
        if c.get("custom_id")
    ]


def report_button(msg: dict[str, Any]) -> str:
    [found] = [c for c in custom_ids(msg) if c.startswith("mutuals:report:")]
    return found


def mod_buttons(msg: dict[str, Any]) -> list[str]:
    """The moderators' actions left on a notice, by name (dismiss, collabs, back, post)."""
    return [c.split(":")[3] for c in custom_ids(msg) if c.startswith("mutuals:report:mod:")]


def mod_button(msg: dict[str, Any], action: str) -> str:
    [found] = [c for c in custom_ids(msg) if c.startswith(f"mutuals:report:mod:{action}:")]
    return found


def modal_fields(modal: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The form's inputs by custom id (each inside a Label)."""
    return {
        str(c["component"]["custom_id"]): c["component"]
        for c in modal["components"]
        if c.get("type") == 18
    }


def everything(fake: FakeDiscord) -> list[dict[str, Any]]:
    """Every message anyone can see: channel posts, threads, DMs and public replies."""
    return [m for cid in list(fake.channels) for m in fake.messages(cid, include_interactions=True)]


def carrying(fake: FakeDiscord, needle: str) -> list[dict[str, Any]]:
    return [m for m in everything(fake) if needle in json.dumps(m, ensure_ascii=False)]


def status_of(msg: dict[str, Any]) -> str:
    return next(f["value"] for f in msg["embeds"][0]["fields"] if f["name"] == "Status")


def fields_of(msg: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f["value"] for f in msg["embeds"][0]["fields"]}


async def names_stored(bot: AnyBot, *user_ids: int) -> None:
    """The gateway's names reached the directory (the notice shows those)."""
    directory = bot.need(Services).directory

    async def stored() -> bool:
        return len(await directory.names(GUILD_ID, user_ids)) == len(user_ids)

    await eventually(stored, what="names stored")


async def use_log_channel(fake: FakeDiscord) -> None:
    fake.add_channel(GUILD_ID, channel_id=MODLOG_ID, name="mod-log")
    h = await fake.slash(
        GUILD_ID, MOD_ID, "config log-channel", {"channel": fake.channel_option(MODLOG_ID)}
    )
    assert "moderator notices" in await answer(h)


async def shoutout_of_alice(fake: FakeDiscord, bot: AnyBot) -> dict[str, Any]:
    """A real spotlight post featuring Alice in #general."""
    h = await fake.slash(
        GUILD_ID,
        MOD_ID,
        "rotation create",
        {
            "name": "Spotlight",
            "channel": fake.channel_option(GENERAL_ID),
            "schedule": "daily 18:00",
        },
    )
    await h.response()
    await bot.need(Services).profiles.update(
        GUILD_ID, ALICE_ID, handle="plantladyjane", niches=["PlantTok"]
    )
    assert "You're in" in await answer(await fake.slash(GUILD_ID, ALICE_ID, "shoutout join"))
    said = await answer(
        await fake.slash(GUILD_ID, MOD_ID, "rotation run-now", {"name": "Spotlight"})
    )
    assert "plantladyjane" in said or "Posted" in said or "posted" in said, said
    [post] = await fake.wait_for(
        lambda: [
            m
            for m in fake.messages(GENERAL_ID)
            if m["embeds"] and m["embeds"][0]["title"].startswith("✨ Spotlight")
        ]
    )
    return post


async def confirm_buttons(handle: Any) -> tuple[str, str]:
    """The "are you sure?" buttons a moderator was shown: (yes, keep it)."""
    resp = await handle.response()
    yes, keep = [str(c["custom_id"]) for c in resp["data"]["components"][0]["components"]]
    return yes, keep


async def file_report(
    fake: FakeDiscord,
    user_id: int,
    custom_id: str,
    message_id: int,
    values: dict[str, Any],
) -> tuple[dict[str, Any], str]:
    """Press Report on a message, fill the form: (the form, what the reporter is told)."""
    opened = await fake.click(user_id, custom_id, message_id=message_id)
    resp = await opened.response()
    assert resp["type"] == 9, opened.content  # the form opened
    modal = resp["data"]
    sent = await fake.submit_modal(user_id, str(modal["custom_id"]), values)
    text = await answer(sent)
    assert sent.ephemeral, text
    return modal, text


# ---------------------------------------------------------------- the tests


async def test_a_report_reaches_the_moderators_and_nobody_else(
    fake: FakeDiscord, bot_factory: BotFactory, stop: Callable[[AnyBot], Awaitable[None]]
) -> None:
    clock = ManualClock(START)
    bot = await bot_factory(clock=clock)
    await names_stored(bot, ALICE_ID, BOB_ID)
    await use_log_channel(fake)
    post = await shoutout_of_alice(fake, bot)
    button = report_button(post)
    assert button == f"mutuals:report:s:{GUILD_ID}:{ALICE_ID}"

    modal, told = await file_report(
        fake, BOB_ID, button, int(post["id"]), {"what": ["contact"], "details": SECRET}
    )
    assert set(modal_fields(modal)) == {"what", "details"}  # the post is about Alice: no "who"
    assert modal_fields(modal)["details"]["required"] is False
    assert "Your report about **alice** is with the moderators now" in told
    assert "Nobody will tell them it was you" in told

    [notice] = await fake.wait_for(lambda: fake.messages(MODLOG_ID), message="the notice")
    embed = notice["embeds"][0]
    assert embed["description"] == (f"**bob** (<@{BOB_ID}>) reported **alice** (<@{ALICE_ID}>).")
    fields = fields_of(notice)
    assert fields["What happened"] == "Asked for pics, personal info or to move apps"
    assert fields["In their words"] == f"> {SECRET}"
    jump = f"https://discord.com/channels/{GUILD_ID}/{GENERAL_ID}/{post['id']}"
    assert fields["Where"] == f"[Jump to the shoutout post]({jump})"
    assert status_of(notice) == "🕒 Waiting for a moderator"
    assert mod_buttons(notice) == ["dismiss", "collabs", "post"]
    assert not notice["pinged_user_ids"] and not notice["pinged_everyone"]

    # nobody else: the report shows up in the log channel only; Alice got nothing at all
    assert [int(m["channel_id"]) for m in carrying(fake, SECRET)] == [MODLOG_ID]
    assert [int(m["channel_id"]) for m in carrying(fake, "🚩 Report")] == [MODLOG_ID]
    assert fake.dms(ALICE_ID) == [] and fake.dm_channel_of(ALICE_ID) is None

    # the same reporter can't flood: a second press, or /report, is told it's already there
    again = await fake.click(BOB_ID, button, message_id=int(post["id"]))
    text = await answer(again)
    assert again.ephemeral and "already reported **alice** and it's with the moderators" in text
    cmd = await fake.slash(
        GUILD_ID, BOB_ID, "report", {"member": fake.member_option(ALICE_ID), "reason": "again"}
    )
    assert "already reported" in await answer(cmd) and cmd.ephemeral
    # Alice pressing Report on her own spotlight is pointed elsewhere
    own = await fake.click(ALICE_ID, button, message_id=int(post["id"]))
    assert "You can't report yourself" in await answer(own)
    assert len(fake.messages(MODLOG_ID)) == 1

    # after a restart the notice's buttons still work, for moderators only
    await stop(bot)
    bot = await bot_factory(clock=clock)
    dismiss = mod_button(notice, "dismiss")
    for member in (BOB_ID, ALICE_ID):
        refused = await fake.click(member, dismiss, message_id=int(notice["id"]))
        assert "for moderators only" in await answer(refused) and refused.ephemeral
    assert mod_buttons(fake.messages(MODLOG_ID)[0]) == ["dismiss", "collabs", "post"]
    pressed = await fake.click(MOD_ID, dismiss, message_id=int(notice["id"]))
    assert (await pressed.response())["type"] == 7  # the notice itself is updated
    notice = fake.messages(MODLOG_ID)[0]
    assert status_of(notice).startswith(f"👍 Dismissed by <@{MOD_ID}>")
    assert mod_buttons(notice) == []  # closed
    # closed, so Bob may report Alice again (the old post's button still works too)
    _modal, told = await file_report(
        fake, BOB_ID, button, int(post["id"]), {"what": ["harassment"], "details": ""}
    )
    assert "with the moderators now" in told
    second = await fake.wait_for(lambda: fake.messages(MODLOG_ID)[1:], message="second notice")
    assert "In their words" not in fields_of(second[0])  # details are optional
    assert fake.dms(ALICE_ID) == []


async def test_remove_post_asks_first_then_deletes_the_post(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    bot = await bot_factory(clock=ManualClock(START))
    await names_stored(bot, ALICE_ID, BOB_ID)
    await use_log_channel(fake)
    post = await shoutout_of_alice(fake, bot)
    await file_report(fake, BOB_ID, report_button(post), int(post["id"]), {"what": ["spam"]})
    [notice] = await fake.wait_for(lambda: fake.messages(MODLOG_ID))
    remove = mod_button(notice, "post")

    stranger = await fake.click(BOB_ID, remove, message_id=int(notice["id"]))
    assert "for moderators only" in await answer(stranger)
    ask = await fake.click(MOD_ID, remove, message_id=int(notice["id"]))
    assert "Remove that post for everyone?" in await answer(ask) and ask.ephemeral
    _yes, keep = await confirm_buttons(ask)
    kept = await fake.click(MOD_ID, keep)
    assert "Kept the post" in await answer(kept)
    assert fake.get_message(int(post["id"])) is not None

    ask = await fake.click(MOD_ID, remove, message_id=int(notice["id"]))
    await answer(ask)
    yes, _keep = await confirm_buttons(ask)
    done = await fake.click(MOD_ID, yes)
    assert "The post is gone for everyone" in await answer(done)
    assert fake.get_message(int(post["id"])) is None
    assert int(post["id"]) in [int(m["id"]) for m in fake.deleted_messages]
    notice = fake.messages(MODLOG_ID)[0]
    assert "🗑️ Post removed" in status_of(notice)
    assert mod_buttons(notice) == ["collabs"]  # nothing left to remove; collabs still possible
    report_id = int(remove.rsplit(":", 1)[1])
    report = await bot.need(Services).safety_reports.get(report_id)
    assert report.post_removed and report.status == "actioned" and report.handled_by == MOD_ID


async def test_without_a_log_channel_the_moderators_get_dms_and_remove_from_collabs_holds(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    fake.add_channel(GUILD_ID, channel_id=COLLABS_ID, name="collabs")
    fake.add_member(GUILD_ID, CARA_ID, "cara", dispatch=False)
    fake.add_member(GUILD_ID, DAVE_ID, "dave", dispatch=False)
    fake.add_member(GUILD_ID, MOD2_ID, "modmo", permissions=MANAGE_GUILD, dispatch=False)
    clock = ManualClock(START)
    bot = await bot_factory(clock=clock)
    await names_stored(bot, ALICE_ID, BOB_ID, CARA_ID)
    services = bot.need(Services)
    for i, uid in enumerate((ALICE_ID, BOB_ID, CARA_ID, DAVE_ID)):
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
    for uid in (ALICE_ID, BOB_ID, CARA_ID):
        assert "You're in" in await answer(await fake.slash(GUILD_ID, uid, "collab optin"))
    assert "Round done!" in await answer(
        await fake.slash(GUILD_ID, MOD_ID, "collab-rounds run-now")
    )
    [thread] = await fake.wait_for(
        lambda: [c for c in fake.channels.values() if c.is_thread and c.parent_id == COLLABS_ID]
    )
    [intro] = await fake.wait_for(lambda: fake.messages(thread.id))
    button = report_button(intro)
    assert button.startswith("mutuals:report:c:")

    # Dave joins later: Cara is one of his suggestions (she wasn't his partner)
    assert "You're in" in await answer(await fake.slash(GUILD_ID, DAVE_ID, "collab optin"))
    h = await fake.slash(GUILD_ID, DAVE_ID, "collab suggest")
    await answer(h)
    assert f"<@{CARA_ID}>" in json.dumps(h.embeds)

    # a trio: the form asks which partner; Bob reports Cara
    modal, told = await file_report(
        fake,
        BOB_ID,
        button,
        int(intro["id"]),
        {"who": [str(CARA_ID)], "what": ["sexual"], "details": SECRET},
    )
    who = modal_fields(modal)["who"]
    assert who["type"] == 3 and sorted(o["label"] for o in who["options"]) == ["alice", "cara"]
    assert "about **cara**" in told and "`/collab block`" in told

    # no log channel: each moderator gets it by DM, and nobody else sees a thing
    mod_dm = (await fake.wait_for(lambda: fake.dms(MOD_ID), message="moderator's DM"))[0]
    await fake.wait_for(lambda: fake.dms(MOD2_ID), message="second moderator's DM")
    readers = {int(m["channel_id"]) for m in carrying(fake, SECRET)}
    assert readers == {fake.dm_channel_of(MOD_ID), fake.dm_channel_of(MOD2_ID)}
    assert fake.dms(CARA_ID) == [] and fake.dms(ALICE_ID) == [] and fake.dms(BOB_ID) == []
    assert mod_dm["embeds"][0]["title"] == "🚩 Report in Creator Fam"
    assert "[Jump to the collab thread](" in fields_of(mod_dm)["Where"]
    assert mod_buttons(mod_dm) == ["dismiss", "collabs", "post"]

    # a member pressing a moderator button (a forwarded or leaked notice) is refused
    remove = mod_button(mod_dm, "collabs")
    refused = await fake.click(ALICE_ID, remove, message_id=int(mod_dm["id"]))
    assert "for moderators only" in await answer(refused)
    assert not await services.collabs.removed(GUILD_ID, CARA_ID)

    pressed = await fake.click(MOD_ID, remove, message_id=int(mod_dm["id"]))
    assert (await pressed.response())["type"] == 7
    mod_dm = fake.dms(MOD_ID)[0]
    assert status_of(mod_dm).startswith("🚫 Out of collab rounds and suggestions")
    assert mod_buttons(mod_dm) == ["back", "post"]
    again = await fake.click(MOD2_ID, remove)  # the other moderator's copy
    assert (await again.response())["type"] == 7  # brought up to date
    followup = await again.wait_followup(timeout=10, index=0)
    assert "already out of collab rounds" in followup["content"]
    assert status_of(fake.dms(MOD2_ID)[0]).startswith("🚫 Out of collab rounds")

    # Cara is out: not in suggestions, can't opt back in or ask for suggestions
    h = await fake.slash(GUILD_ID, DAVE_ID, "collab suggest")
    await answer(h)
    assert f"<@{CARA_ID}>" not in json.dumps(h.embeds) and h.embeds
    for cmd in ("collab suggest", "collab optin"):
        h = await fake.slash(GUILD_ID, CARA_ID, cmd)
        assert "taken you out of collab rounds" in await answer(h) and h.ephemeral
    h = await fake.slash(GUILD_ID, CARA_ID, "collab status")
    await answer(h)
    assert fields_of({"embeds": h.embeds})["Collab rounds"] == (
        "out for now: a moderator took you out of rounds and suggestions"
    )
    # and the next round leaves her out
    clock.advance(hours=1)
    before = {c.id for c in fake.channels.values() if c.is_thread}
    assert "Round done!" in await answer(
        await fake.slash(GUILD_ID, MOD_ID, "collab-rounds run-now")
    )
    new = await fake.wait_for(  # the intro is posted once everyone was added
        lambda: [
            c
            for c in fake.channels.values()
            if c.is_thread and c.id not in before and fake.messages(c.id)
        ]
    )
    members = {u for t in new for u in t.thread_members}
    assert {ALICE_ID, BOB_ID, DAVE_ID} <= members and CARA_ID not in members

    # a moderator lets her back
    back = await fake.click(MOD_ID, mod_button(mod_dm, "back"), message_id=int(mod_dm["id"]))
    assert (await back.response())["type"] == 7
    assert "↩️ Let back" in status_of(fake.dms(MOD_ID)[0])
    # her own opt-in was kept all along: she is simply back
    assert "Updated!" in await answer(await fake.slash(GUILD_ID, CARA_ID, "collab optin"))
    h = await fake.slash(GUILD_ID, DAVE_ID, "collab suggest")
    await answer(h)
    assert f"<@{CARA_ID}>" in json.dumps(h.embeds)


async def test_report_command_from_anywhere_in_the_server(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    bot = await bot_factory(clock=ManualClock(START))
    await names_stored(bot, ALICE_ID, BOB_ID)
    await use_log_channel(fake)
    synced = {c["name"]: c for c in fake.guild_commands[GUILD_ID]}
    assert synced["report"].get("default_member_permissions") is None  # every member sees it
    assert [o["name"] for o in synced["report"]["options"]] == ["member", "reason", "message"]

    said = await fake.user_message(GENERAL_ID, ALICE_ID, "something nasty")
    link = f"https://discord.com/channels/{GUILD_ID}/{GENERAL_ID}/{said['id']}"
    member = fake.member_option(ALICE_ID)
    for options, needle in [
        ({"member": member, "reason": "x", "message": "look at this"}, "Copy Message Link"),
        (
            {"member": member, "reason": "x", "message": link.replace(str(GUILD_ID), "12345")},
            "from somewhere else",
        ),
        ({"member": fake.member_option(BOB_ID), "reason": "x"}, "can't report yourself"),
        ({"member": fake.member_option(fake.bot_user.id), "reason": "x"}, "That's a bot"),
    ]:
        h = await fake.slash(GUILD_ID, BOB_ID, "report", options)
        assert needle in await answer(h) and h.ephemeral, options
    assert fake.messages(MODLOG_ID) == []  # nothing was filed

    h = await fake.slash(
        GUILD_ID, BOB_ID, "report", {"member": member, "reason": SECRET, "message": link}
    )
    assert "about **alice** is with the moderators" in await answer(h) and h.ephemeral
    [notice] = await fake.wait_for(lambda: fake.messages(MODLOG_ID))
    fields = fields_of(notice)
    assert fields["In their words"] == f"> {SECRET}" and "What happened" not in fields
    assert fields["Where"] == f"`/report` about [this message]({link})"
    assert mod_buttons(notice) == ["dismiss", "collabs", "post"]
    assert [int(m["channel_id"]) for m in carrying(fake, SECRET)] == [MODLOG_ID]

    # removing it: a message the bot can't delete is said kindly and not marked removed
    remove = mod_button(notice, "post")
    fake.fail_next("DELETE", rf"^/channels/{GENERAL_ID}/messages/\d+$", 403)
    ask = await fake.click(MOD_ID, remove, message_id=int(notice["id"]))
    await answer(ask)
    yes, _keep = await confirm_buttons(ask)
    refused = await fake.click(MOD_ID, yes)
    assert "I need **Manage Messages**" in await answer(refused)
    report_id = int(remove.rsplit(":", 1)[1])
    assert not (await bot.need(Services).safety_reports.get(report_id)).post_removed
    # (the fake keeps no members' messages, so this one is "already gone": noted as removed)
    ask = await fake.click(MOD_ID, remove, message_id=int(notice["id"]))
    await answer(ask)
    yes, _keep = await confirm_buttons(ask)
    assert "already gone" in await answer(await fake.click(MOD_ID, yes))
    assert (await bot.need(Services).safety_reports.get(report_id)).post_removed

    # a moderator can't handle a report about themselves
    h = await fake.slash(
        GUILD_ID, ALICE_ID, "report", {"member": fake.member_option(MOD_ID), "reason": "rude"}
    )
    assert "is with the moderators now" in await answer(h)
    about_mod = (await fake.wait_for(lambda: fake.messages(MODLOG_ID)[1:]))[0]
    own = await fake.click(
        MOD_ID, mod_button(about_mod, "dismiss"), message_id=int(about_mod["id"])
    )
    assert "another moderator has to handle it" in await answer(own)
    assert status_of(fake.messages(MODLOG_ID)[1]) == "🕒 Waiting for a moderator"


async def test_a_log_channel_that_refuses_the_notice_falls_back_to_the_moderators_dms(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    bot = await bot_factory(clock=ManualClock(START))
    await names_stored(bot, ALICE_ID, BOB_ID)
    await use_log_channel(fake)
    fake.fail_next("POST", rf"^/channels/{MODLOG_ID}/messages$", 403)
    h = await fake.slash(
        GUILD_ID, BOB_ID, "report", {"member": fake.member_option(ALICE_ID), "reason": SECRET}
    )
    assert "with the moderators now" in await answer(h)
    [dm] = await fake.wait_for(lambda: fake.dms(MOD_ID), message="the notice by DM")
    note = fields_of(dm)["Note"]
    assert f"I can't post in <#{MODLOG_ID}> (missing permissions)" in note
    assert "/config log-channel" in note
    assert fake.messages(MODLOG_ID) == []
    assert {int(m["channel_id"]) for m in carrying(fake, SECRET)} == {fake.dm_channel_of(MOD_ID)}
    assert fake.dms(ALICE_ID) == []
