"""Each place Mutuals re-posts a member's words, through the fake Discord: the welcome intro, a
shoutout pitch (and a collab nomination's blurb), check-in wins in the recap. A text that meets
the server's rules is refused privately, naming the field, and nothing is posted; text accepted
earlier is left out when the rules changed before it went out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from core.bot import AnyBot
from core.clock import ManualClock
from fakediscord import FakeDiscord
from services.checkins import SLOT_KIND
from services.container import Services
from services.safety import TextNotAllowed
from tests.checkins.test_bot import pick_mood
from tests.conftest import ALICE_ID, BOB_ID, GENERAL_ID, GUILD_ID, MOD_ID, BotFactory
from tests.safety.test_text_rules_bot import holds
from tests.shoutouts.support import START, give_profile, join, posts, setup_rotation
from tests.util import eventually
from tests.welcome.test_flow import DONE, MODAL, NEWBIE, PICK, PROF, custom_ids, setup_guild

LINK = "https://www.tiktok.com/@plantladyjane/video/1"
CLEAN = "https://www.tiktok.com/@me/video/3"


async def block(fake: FakeDiscord, bot: AnyBot, words: str, probe: str) -> None:
    h = await fake.slash(GUILD_ID, MOD_ID, "safety-words add", {"words": words})
    await h.response()
    assert "Blocked" in (h.content or ""), h.content
    await holds(bot, probe)


async def _true(value: bool) -> bool:
    return value


# ---------------------------------------------------------------------- the welcome intro


async def test_the_welcome_intro_is_held_to_the_rules(
    fake: FakeDiscord, bot_factory: BotFactory, clock: ManualClock
) -> None:
    fake.add_automod_rule(GUILD_ID, "No drama", keywords=["*drama*"])
    bot = await bot_factory(clock=clock)
    ids = await setup_guild(fake, bot)
    await holds(bot, "drama")
    fake.add_member(GUILD_ID, NEWBIE, "newbie_creator")
    await fake.wait_for(lambda: fake.dms(NEWBIE), message="welcome DM")
    await (await fake.click(NEWBIE, PICK, values=["CozyGamerTok"])).response()
    await (await fake.click(NEWBIE, PROF)).response()
    refused = await fake.submit_modal(
        NEWBIE, MODAL, {"handle": "@newbie", "intro": "Cozy games, zero drama"}
    )
    await refused.response()
    assert refused.ephemeral
    assert refused.content == (
        "Your intro has a word this server's rules don't allow: `d••••`. "
        "Reword your intro and try again (nothing was posted). 💞"
    )
    assert PROF in custom_ids(fake.dms(NEWBIE)[0])  # the button stays to retry
    saved = await fake.submit_modal(NEWBIE, MODAL, {"handle": "@newbie", "intro": "Cozy games"})
    assert (await saved.response())["type"] == 7
    # a moderator blocks a word of that intro before the newcomer finishes
    await block(fake, bot, "*cozy*", "cozy")
    finish = await fake.click(NEWBIE, DONE)
    await finish.response()  # acknowledged at once; the refusal follows
    refusal = await finish.wait_followup()
    assert finish.ephemeral and "Your intro has a word" in refusal["content"]
    assert "`C•••`" in refusal["content"]
    state = await bot.need(Services).welcome.state(GUILD_ID, NEWBIE)
    assert state is not None and not state.completed
    assert not [m for m in fake.messages(ids["welcome"]) if "newest" in m["content"]]
    # a new intro goes through and the introduction is posted
    await (await fake.click(NEWBIE, PROF)).response()  # "Edit handle/intro" on the norms step
    await (
        await fake.submit_modal(NEWBIE, MODAL, {"handle": "@newbie", "intro": "Speedruns"})
    ).response()
    done = await fake.click(NEWBIE, DONE)
    assert (await done.response())["type"] == 6  # acknowledged first
    intro = await fake.wait_for(
        lambda: [m for m in fake.messages(ids["welcome"]) if "newest" in m["content"]],
        message="introduction posted",
    )
    assert "Speedruns" in str(intro[0]["embeds"])


# ---------------------------------------------------------------------- shoutouts


async def test_a_pitch_is_held_to_the_rules_and_a_feature_leaves_out_what_no_longer_is(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    fake.add_automod_rule(GUILD_ID, "Links", keywords=["free nitro"], regex_patterns=[r"@plant\w*"])
    clock = ManualClock(START)
    bot = await bot_factory(clock=clock)
    await holds(bot, "free nitro")
    await setup_rotation(fake, bot)
    await give_profile(bot, ALICE_ID, "plantladyjane")
    await join(fake, ALICE_ID)

    async def pitch(**options: Any) -> str:
        h = await fake.slash(GUILD_ID, ALICE_ID, "shoutout pitch", options)
        await h.response()
        assert h.ephemeral
        return h.content or ""

    refused = await pitch(url="https://www.tiktok.com/@me/video/2", blurb="FREE NITRO inside")
    assert refused.startswith("Your blurb has a word this server's rules don't allow: `F••••••••`")
    refused_link = await pitch(url=LINK, blurb="Monstera glow-up")
    assert refused_link.startswith("Your TikTok link has a word")
    refused_cw = await pitch(url=CLEAN, blurb="Soft vlog", content_warning="free nitro talk")
    assert refused_cw.startswith("Your content warning has a word")
    service = bot.need(Services).shoutouts
    _, saved = await service.members.status(GUILD_ID, ALICE_ID)
    assert saved is None  # nothing saved, so nothing will be posted
    assert "Pitch saved" in await pitch(url=CLEAN, blurb="Monstera glow-up, the sequel")
    # collab nominations go through the same door (a member's own blurb)
    with pytest.raises(TextNotAllowed, match="Your blurb"):
        await service.nominate(
            GUILD_ID, ALICE_ID, url=None, blurb="free nitro collab", nominated_by=ALICE_ID
        )
    # the rules change after the pitch: the feature still goes out, without the blurb
    await block(fake, bot, "monstera", "monstera")
    clock.advance(seconds=1)
    h = await fake.slash(GUILD_ID, MOD_ID, "rotation run-now", {"name": "Spotlight"})
    await h.response()
    await fake.wait_for(lambda: posts(fake), message="the feature")
    (post,) = posts(fake)
    assert "Monstera" not in str(post) and f"<@{ALICE_ID}>" in post["content"]
    assert post["pinged_user_ids"] == [ALICE_ID]


# ---------------------------------------------------------------------- check-ins

MONDAY_EVENING = datetime(2026, 1, 12, 19, 0, tzinfo=UTC)
CHECKIN_MODAL = f"mutuals:ci:modal:{GUILD_ID}"


async def test_a_win_is_refused_when_answered_and_left_out_of_the_recap_if_rules_changed(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    fake.add_automod_rule(GUILD_ID, "Kind", keywords=["*hater*"])
    clock = ManualClock(datetime(2026, 1, 12, 8, 0, tzinfo=UTC))
    bot = await bot_factory(clock=clock)
    await holds(bot, "haters")
    setup = await fake.slash(
        GUILD_ID,
        MOD_ID,
        "checkin-mod setup",
        {"channel": fake.channel_option(GENERAL_ID), "day": "mon", "time": "18:00"},
    )
    await setup.response()
    checkins = bot.need(Services).checkins
    for uid in (ALICE_ID, BOB_ID):
        await checkins.opt_in(GUILD_ID, uid, "channel")
    clock.set(MONDAY_EVENING)
    opened = await fake.slash(GUILD_ID, ALICE_ID, "checkin now")
    await pick_mood(fake, ALICE_ID, opened, 4)  # the mood buttons come first, then the form
    typed = {"q0": "3", "q1": LINK, "q2": "Proved the haters wrong", "q3": "time"}
    refused = await fake.submit_modal(ALICE_ID, CHECKIN_MODAL, typed)
    await refused.response()
    assert refused.ephemeral
    assert (refused.content or "").startswith(
        "Your win has a word this server's rules don't allow: `h•••••`."
    )
    assert await checkins.best_link(GUILD_ID, ALICE_ID, MONDAY_EVENING.date()) is None
    # one tap reopens the form with everything as typed: nothing lost
    (button,) = [c for row in (refused.message or {})["components"] for c in row["components"]]
    assert button["label"] == "Edit my answers"
    again = await fake.click(ALICE_ID, button["custom_id"])
    assert (await again.response())["type"] == 9 and again.modal is not None
    prefilled = {
        c["custom_id"]: c.get("value")
        for row in again.modal["components"]
        for c in row["components"]
    }
    assert prefilled["q2"] == "Proved the haters wrong" and prefilled["q1"] == LINK
    ok = await fake.submit_modal(ALICE_ID, CHECKIN_MODAL, {**typed, "q2": "Hit 5k!"})
    await ok.response()
    assert "Checked in" in (ok.content or "")
    await checkins.submit(GUILD_ID, BOB_ID, ["1", "", "First duet with my sister", "", "5"])
    # the server blocks a word of Bob's win before the recap goes out
    await block(fake, bot, "duet*", "duets")
    clock.set(datetime(2026, 1, 19, 9, 5, tzinfo=UTC))
    await bot.deliveries.run(SLOT_KIND)

    def recaps() -> list[dict[str, Any]]:
        return [m for m in fake.messages(GENERAL_ID) if m.get("embeds")]

    await eventually(lambda: _true(len(recaps()) == 1), what="the recap")
    embed = recaps()[0]["embeds"][0]
    wins = {f["name"]: f["value"] for f in embed["fields"]}["Wins 🏆"]
    assert "Hit 5k!" in wins and "duet" not in wins and "haters" not in str(embed)
    assert "2** of 2" in embed["description"]  # Bob still counts as checked in
