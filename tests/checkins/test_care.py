"""Care after a low check-in, end to end: the real bot against the fake Discord. A low mood gets a
private, warm reply with what the moderators set up and the "I'd like a moderator to reach out"
buttons; the moderators hear of it only when the member presses one; nothing of a low check-in
(and no mood at all) reaches anything other members can read."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from core.bot import AnyBot
from core.clock import ManualClock
from fakediscord import FakeDiscord
from models.delivery import OutboxMessage
from services.checkins import PROMPT_KIND, PURPOSE_CARE_NOTE, SLOT_KIND
from services.container import Services
from tests.checkins.test_bot import MODAL, OPEN, names_stored, ok, pick_mood, set_up
from tests.conftest import ALICE_ID, BOB_ID, GENERAL_ID, GUILD_ID, MOD_ID, BotFactory
from tests.util import eventually

LOG_ID = 3_000_000_000_000_000_010
SUPPORT_ID = 3_000_000_000_000_000_011
MONDAY_MORNING = datetime(2026, 1, 12, 8, 0, tzinfo=UTC)
MONDAY_EVENING = datetime(2026, 1, 12, 19, 0, tzinfo=UTC)
RECAP_TIME = datetime(2026, 1, 19, 9, 5, tzinfo=UTC)
REACH_OUT = "I'd like a moderator to reach out"
ALICE_WIN = "finally posted my first vlog"
ALICE_LINK = "https://www.tiktok.com/@alice/video/99"
ALICE_BLOCKER = "honestly thinking of quitting, need collab ideas"
RESOURCES = "🇺🇸 US: call or text 988\n🇬🇧 UK: Samaritans, 116 123"


def add_channels(fake: FakeDiscord) -> None:
    fake.add_channel(GUILD_ID, channel_id=LOG_ID, name="mod-log")
    fake.add_channel(GUILD_ID, channel_id=SUPPORT_ID, name="support")


def readable(msg: dict[str, Any]) -> str:
    return json.dumps(
        [msg.get("content"), msg.get("embeds"), msg.get("components")], ensure_ascii=False
    )


def public_text(fake: FakeDiscord, *, except_channels: tuple[int, ...] = ()) -> str:
    """Everything members can read in the server: every message in every channel (non-ephemeral
    interaction answers included), as one text."""
    out = []
    for cid in fake.guilds[GUILD_ID].channels:
        if cid in except_channels:
            continue
        out += [readable(m) for m in fake.messages(cid, include_interactions=True)]
    return "\n".join(out)


def buttons(handle: Any) -> dict[str, str]:
    """label -> custom id of the buttons on an interaction's message."""
    msg = handle.message
    assert msg is not None
    return {
        c["label"]: c.get("custom_id", "")
        for row in msg.get("components") or []
        for c in row.get("components") or []
        if c.get("type") == 2
    }


async def answer(h: Any) -> str:
    """What the member finally reads (straight away, or after "thinking…")."""
    first = await h.response()
    assert h.ephemeral
    if first.get("type") == 5:
        followup = await h.wait_followup(timeout=15)
        return str(followup.get("content") or "")
    return str(h.content or "")


async def check_in(
    fake: FakeDiscord, user_id: int, mood: int, values: dict[str, str], opener: Any = None
) -> Any:
    """Open the check-in (the given button click, else `/checkin now`), pick the mood, fill the
    form; returns the submit's handle (its response is the private reply)."""
    opener = opener or await fake.slash(GUILD_ID, user_id, "checkin now")
    await pick_mood(fake, user_id, opener, mood)
    done = await fake.submit_modal(user_id, MODAL, values)
    await done.response()
    assert done.ephemeral
    return done


async def care_setup(fake: FakeDiscord, *, log_channel: bool = True) -> None:
    await set_up(fake)
    if log_channel:
        h = await fake.slash(
            GUILD_ID, MOD_ID, "config log-channel", {"channel": fake.channel_option(LOG_ID)}
        )
        await ok(h)
    h = await fake.slash(
        GUILD_ID, MOD_ID, "checkin-mod care channel", {"channel": fake.channel_option(SUPPORT_ID)}
    )
    assert f"<#{SUPPORT_ID}>" in await ok(h)
    opened = await fake.slash(GUILD_ID, MOD_ID, "checkin-mod care resources")
    await opened.response()
    assert opened.modal is not None
    saved = await fake.submit_modal(MOD_ID, "mutuals:ci:care-res", {"lines": RESOURCES})
    assert "Saved" in await ok(saved)
    preview = json.dumps(saved.embeds, ensure_ascii=False)
    assert "988" in preview and "Samaritans" in preview
    assert (f"<#{LOG_ID}>" if log_channel else f"a DM to <@{MOD_ID}>") in preview


async def notes(bot: AnyBot) -> int:
    async with bot.db.read() as s:
        found = await s.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.purpose == PURPOSE_CARE_NOTE)
        )
        return int(found or 0)


async def test_a_low_mood_is_met_warmly_in_private_and_nothing_of_it_goes_public(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    add_channels(fake)
    clock = ManualClock(MONDAY_MORNING)
    bot = await bot_factory(clock=clock)
    await names_stored(bot)
    await care_setup(fake)
    await ok(await fake.slash(GUILD_ID, ALICE_ID, "checkin optin", {"how": "channel"}))
    await ok(await fake.slash(GUILD_ID, BOB_ID, "checkin optin", {"how": "channel"}))
    clock.set(MONDAY_EVENING)
    await bot.deliveries.run(PROMPT_KIND)

    def prompts() -> list[dict[str, Any]]:
        return [m for m in fake.messages(GENERAL_ID) if "Check-in time" in m["content"]]

    await eventually(lambda: _true(len(prompts()) == 1), what="the channel prompt")
    before = public_text(fake)

    # Alice's week was rough; she answers from the public prompt's button
    click = await fake.click(ALICE_ID, OPEN, message_id=int(prompts()[0]["id"]))
    done = await check_in(
        fake,
        ALICE_ID,
        1,
        {"q0": "1", "q1": ALICE_LINK, "q2": ALICE_WIN, "q3": ALICE_BLOCKER},
        opener=click,
    )
    text = str(done.content)
    assert "rough week" in text and "still counts" in text and "streak is **1 week**" in text
    assert "Checked in!" not in text and "🎉" not in text, "no cheering at a rough week"
    assert f"<#{SUPPORT_ID}>" in text and "call or text 988" in text and "Samaritans" in text
    assert "stay out of this week's recap" in text and "emergency number" in text
    labels = buttons(done)
    assert REACH_OUT in labels and f"{REACH_OUT}, and show them my answers" in labels
    assert public_text(fake) == before, "a low check-in posts nothing anyone else can read"
    assert await notes(bot) == 0 and fake.messages(LOG_ID) == [], "no note before she asks"

    # Bob had a good week: his reply is the cheerful one, no care buttons
    bob = await check_in(fake, BOB_ID, 4, {"q2": "hit 1k followers!", "q1": ""})
    assert "Checked in! Thanks for sharing" in str(bob.content)
    assert not bob.message or not buttons(bob)

    clock.set(RECAP_TIME)
    await bot.deliveries.run(SLOT_KIND)
    await eventually(
        lambda: _true(any(m.get("embeds") for m in fake.messages(GENERAL_ID))), what="the recap"
    )
    (recap,) = [m for m in fake.messages(GENERAL_ID) if m.get("embeds")]
    embed = recap["embeds"][0]
    assert "**2** of 2 mutuals checked in" in embed["description"]
    assert "alice" in embed["description"], "showing up is public, as for everyone"
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "hit 1k followers!" in fields["Wins 🏆"]
    everything = public_text(fake)
    for private in (ALICE_WIN, ALICE_LINK, ALICE_BLOCKER, "quitting", "/5", "mood"):
        assert private not in everything.lower(), private
    assert "Best TikToks" not in fields and "Stuck on ideas or collabs?" not in fields
    assert fake.dms(BOB_ID) == [] and fake.dms(MOD_ID) == []


async def test_the_moderators_hear_only_when_she_asks_and_only_in_private(
    fake: FakeDiscord, bot_factory: BotFactory, stop: Callable[[AnyBot], Awaitable[None]]
) -> None:
    add_channels(fake)
    clock = ManualClock(MONDAY_MORNING)
    bot = await bot_factory(clock=clock)
    await names_stored(bot)
    await care_setup(fake)
    await ok(await fake.slash(GUILD_ID, ALICE_ID, "checkin optin"))
    clock.set(MONDAY_EVENING)
    await bot.deliveries.run(PROMPT_KIND)
    await eventually(lambda: _true(len(fake.dms(ALICE_ID)) == 1), what="her prompt DM")
    # she answers in her DMs, from the prompt's button
    prompt = await fake.click(ALICE_ID, OPEN, message_id=int(fake.dms(ALICE_ID)[0]["id"]))
    done = await check_in(fake, ALICE_ID, 2, {"q2": ALICE_WIN, "q3": ALICE_BLOCKER}, prompt)
    assert "even on a meh week" in str(done.content)
    reach_out = buttons(done)[REACH_OUT]
    public = public_text(fake, except_channels=(LOG_ID,))
    assert await notes(bot) == 0

    # a restart and a new day in between: the button still works (it is persistent)
    await stop(bot)
    clock.advance(days=1)
    bot = await bot_factory(clock=clock)
    pressed = await fake.click(ALICE_ID, reach_out, message_id=done.original_message_id)
    told = await answer(pressed)
    assert "I've let the moderators know, privately" in told and "Nobody else" in told
    await eventually(lambda: _true(len(fake.messages(LOG_ID)) == 1), what="the note")
    (note,) = fake.messages(LOG_ID)
    assert f"<@{ALICE_ID}>" in note["content"] and "alice" in note["content"]
    assert "asked for a moderator to reach out" in note["content"]
    assert note["pinged_user_ids"] == [] and not note["pinged_everyone"], "a note pings nobody"
    assert "didn't share their answers" in note["content"]
    assert ALICE_WIN not in readable(note) and ALICE_BLOCKER not in readable(note)
    assert public_text(fake, except_channels=(LOG_ID,)) == public, "only the moderators' channel"
    assert fake.dms(MOD_ID) == [] and fake.dms(BOB_ID) == []

    # asking again (either button) sends nothing more, and says so kindly
    share = buttons(done)[f"{REACH_OUT}, and show them my answers"]
    again = await answer(await fake.click(ALICE_ID, share, message_id=done.original_message_id))
    assert "You already asked" in again and f"<#{SUPPORT_ID}>" in again
    assert await notes(bot) == 1 and len(fake.messages(LOG_ID)) == 1
    # editing the check-in (still low) shows she already asked, no buttons to ask twice
    edited = await check_in(fake, ALICE_ID, 1, {"q2": ALICE_WIN})
    assert "You asked a moderator to reach out" in str(edited.content)
    assert REACH_OUT not in buttons(edited)


async def test_without_a_log_channel_the_note_goes_to_the_moderator_with_what_she_shared(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    add_channels(fake)
    clock = ManualClock(MONDAY_EVENING)
    bot = await bot_factory(clock=clock)
    await names_stored(bot)
    await care_setup(fake, log_channel=False)
    await ok(await fake.slash(GUILD_ID, ALICE_ID, "checkin optin"))
    done = await check_in(fake, ALICE_ID, 1, {"q2": ALICE_WIN, "q3": ALICE_BLOCKER})
    public = public_text(fake)
    share = buttons(done)[f"{REACH_OUT}, and show them my answers"]
    told = await answer(await fake.click(ALICE_ID, share, message_id=done.original_message_id))
    assert "I've let the moderators know" in told
    await eventually(lambda: _true(len(fake.dms(MOD_ID)) == 1), what="the note by DM")
    (note,) = fake.dms(MOD_ID)
    assert "in **Creator Fam**" in note["content"] and "chose to share" in note["content"]
    shared = readable(note)
    assert ALICE_WIN in shared and ALICE_BLOCKER in shared and "Rough" in shared
    assert public_text(fake) == public and fake.dms(BOB_ID) == []
    assert await notes(bot) == 1


async def test_a_note_that_cannot_reach_the_moderators_is_told_to_her_honestly(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    add_channels(fake)
    clock = ManualClock(MONDAY_EVENING)
    bot = await bot_factory(clock=clock)
    await names_stored(bot)
    await care_setup(fake, log_channel=False)
    await ok(await fake.slash(GUILD_ID, ALICE_ID, "checkin optin"))
    fake.close_dms(MOD_ID)
    done = await check_in(fake, ALICE_ID, 2, {"q2": ALICE_WIN})
    told = await answer(
        await fake.click(ALICE_ID, buttons(done)[REACH_OUT], message_id=done.original_message_id)
    )
    assert "couldn't get your note to the moderators" in told
    assert "message one of them directly" in told and f"<#{SUPPORT_ID}>" in told and "988" in told
    assert fake.dms(MOD_ID) == [] and fake.messages(LOG_ID) == []
    assert bot.is_ready()


async def test_mood_history_is_the_members_own(fake: FakeDiscord, bot_factory: BotFactory) -> None:
    clock = ManualClock(MONDAY_EVENING)
    bot = await bot_factory(clock=clock)
    await set_up(fake)
    for uid in (ALICE_ID, BOB_ID):
        await ok(await fake.slash(GUILD_ID, uid, "checkin optin"))
    await check_in(fake, ALICE_ID, 4, {"q2": "a cozy week"})
    clock.set(datetime(2026, 1, 19, 19, 0, tzinfo=UTC))
    await check_in(fake, ALICE_ID, 2, {"q3": "views tanked"})
    await check_in(fake, BOB_ID, 5, {"q2": "brand deal!"})

    mine = await fake.slash(GUILD_ID, ALICE_ID, "checkin streak")
    await mine.response()
    assert mine.ephemeral
    fields = {f["name"]: f["value"] for f in mine.embeds[0]["fields"]}
    assert "latest 2/5" in fields["Mood trend"] and "▆" in fields["Mood trend"]
    assert mine.message is not None and mine.message["attachments"][0]["filename"] == "streak.png"

    theirs = await fake.slash(GUILD_ID, BOB_ID, "checkin streak")
    await theirs.response()
    assert theirs.ephemeral
    bob_fields = {f["name"]: f["value"] for f in theirs.embeds[0]["fields"]}
    assert (
        bob_fields["Mood trend"].endswith("(latest 5/5)") and "2/5" not in bob_fields["Mood trend"]
    )

    report = await ok(await fake.slash(GUILD_ID, MOD_ID, "checkin-mod report"))
    assert "2 of 2 mutuals checked in so far" in report
    await eventually(
        lambda: _true(any(m.get("embeds") for m in fake.messages(GENERAL_ID))), what="the report"
    )
    everything = public_text(fake)
    assert "mood" not in everything.lower() and "/5" not in everything
    assert "views tanked" not in everything
    assert "brand deal!" in everything  # a good week is still celebrated
    assert bot.is_ready()


async def test_moderators_switch_care_off_with_a_confirmation_and_members_cannot(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    add_channels(fake)
    clock = ManualClock(MONDAY_EVENING)
    await bot_factory(clock=clock)
    await set_up(fake)
    synced = {c["name"]: c for c in fake.guild_commands[GUILD_ID]}
    assert int(synced["checkin-mod"]["default_member_permissions"]) == 1 << 5
    for name in ("show", "on", "off", "channel", "resources"):
        refused = await ok(await fake.slash(GUILD_ID, ALICE_ID, f"checkin-mod care {name}"))
        assert "moderators only" in refused, name

    shown = await fake.slash(GUILD_ID, MOD_ID, "checkin-mod care show")
    await ok(shown)
    described = json.dumps(shown.embeds, ensure_ascii=False)
    assert "**On.**" in described and "findahelpline.com" in described  # on, with the default
    assert "What a member with a rough week sees" in described

    asked = await fake.slash(GUILD_ID, MOD_ID, "checkin-mod care off")
    assert "Switch care off?" in await ok(asked)
    keep = await fake.click(
        MOD_ID, buttons(asked)["Keep it on"], message_id=asked.original_message_id
    )
    await keep.response()
    assert "Care stays on" in str(keep.content)

    asked = await fake.slash(GUILD_ID, MOD_ID, "checkin-mod care off")
    await ok(asked)
    not_hers = await fake.click(
        ALICE_ID, buttons(asked)["Switch care off"], message_id=asked.original_message_id
    )
    assert "isn't yours" in await ok(not_hers)
    off = await fake.click(
        MOD_ID, buttons(asked)["Switch care off"], message_id=asked.original_message_id
    )
    await off.response()
    assert "Care is off" in str(off.content)

    # off: a low mood gets a quiet, private thank-you, no buttons; still nothing public
    await ok(await fake.slash(GUILD_ID, ALICE_ID, "checkin optin"))
    before = public_text(fake)
    done = await check_in(fake, ALICE_ID, 1, {"q2": ALICE_WIN})
    text = str(done.content)
    assert "rough week" in text and "stay out of this week's recap" in text
    assert "988" not in text and "findahelpline" not in text and not buttons(done)
    assert public_text(fake) == before

    back = await fake.slash(GUILD_ID, MOD_ID, "checkin-mod care on")
    assert "Care is on" in await ok(back)
    again = await check_in(fake, ALICE_ID, 2, {"q2": ALICE_WIN})
    assert REACH_OUT in buttons(again) and "findahelpline.com" in str(again.content)

    bad = await fake.slash(GUILD_ID, MOD_ID, "checkin-mod care resources")
    await bad.response()
    too_many = "\n".join(f"Region {i}: a helpline" for i in range(7))
    too_long = await fake.submit_modal(MOD_ID, "mutuals:ci:care-res", {"lines": too_many})
    assert "keep it to 6 or fewer" in await ok(too_long)
    pinging = await fake.submit_modal(MOD_ID, "mutuals:ci:care-res", {"lines": "ask @everyone"})
    assert "can't contain @everyone" in await ok(pinging)
    shown = await fake.slash(GUILD_ID, MOD_ID, "checkin-mod care show")
    await ok(shown)
    assert "Region 1" not in json.dumps(shown.embeds), "a refused edit changes nothing"


async def test_a_mood_only_check_in_and_changing_the_mood_within_the_week(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    """Combinations: a check-in that asks only the mood saves on the button; a low week edited
    to a better one is celebrated again, a good one edited to low leaves the recap."""
    clock = ManualClock(MONDAY_EVENING)
    bot = await bot_factory(clock=clock)
    await names_stored(bot)
    await set_up(fake)
    for uid in (ALICE_ID, BOB_ID):
        await ok(await fake.slash(GUILD_ID, uid, "checkin optin"))
    # Bob: low, then better; Alice: good, then low
    await check_in(fake, BOB_ID, 1, {"q2": "bob's quiet win"})
    await check_in(fake, BOB_ID, 4, {"q2": "bob's quiet win"})
    await check_in(fake, ALICE_ID, 5, {"q2": ALICE_WIN})
    await check_in(fake, ALICE_ID, 2, {"q2": ALICE_WIN})
    summary = await bot.need(Services).checkins.build_summary(GUILD_ID, MONDAY_EVENING.date())
    assert [w for _, w in summary.wins] == ["bob's quiet win"]

    # a moderator keeps only a mood question: the mood button alone checks in
    opened = await fake.slash(GUILD_ID, MOD_ID, "checkin-mod questions")
    await opened.response()
    saved = await fake.submit_modal(
        MOD_ID,
        "mutuals:ci:questions",
        {"q0": "Mood this week?", "q1": "", "q2": "", "q3": "", "q4": ""},
    )
    assert "Mood this week?" in await ok(saved)
    clock.set(datetime(2026, 1, 19, 19, 0, tzinfo=UTC))
    opener = await fake.slash(GUILD_ID, ALICE_ID, "checkin now")
    await opener.response()
    moods = buttons(opener)
    assert list(moods) == ["Rough", "Meh", "Okay", "Good", "Thriving"], "no skip: nothing else"
    picked = await fake.click(ALICE_ID, moods["Rough"], message_id=opener.original_message_id)
    await picked.response()
    assert picked.modal is None and picked.ephemeral
    assert "rough week" in str(picked.content) and REACH_OUT in buttons(picked)
    better = await fake.click(ALICE_ID, moods["Good"], message_id=opener.original_message_id)
    assert "Updated!" in await ok(better)
    report = await bot.need(Services).checkins.streak(GUILD_ID, ALICE_ID)
    assert report.streak.moods == [2, 4]


async def _true(value: bool) -> bool:
    return value
