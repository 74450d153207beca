"""The server's rules for member text, end to end through the fake Discord: AutoMod rules read
when the bot connects, kept fresh by the rule events (and read again after a restart that missed
some), the no-permission case told once with the moderators' list still holding, and
/safety-words closed to members."""

from __future__ import annotations

from typing import Any

from core.bot import AnyBot
from fakediscord import FakeDiscord
from fakediscord.state import DEFAULT_BOT_PERMISSIONS, MANAGE_GUILD
from services.container import Services
from tests.conftest import ALICE_ID, GENERAL_ID, GUILD_ID, MOD_ID, BotFactory
from tests.util import eventually

NOTICE = "I can't read this server's AutoMod rules"


async def holds(bot: AnyBot, text: str) -> None:
    """Until the stored rules refuse ``text`` (events and reads arrive asynchronously)."""
    service = bot.need(Services).text_rules

    async def refused() -> bool:
        return not (await service.rulebook(GUILD_ID)).allows(text)

    await eventually(refused, what=f"the rules refuse {text!r}")


async def lets_through(bot: AnyBot, text: str) -> None:
    service = bot.need(Services).text_rules

    async def allowed() -> bool:
        return (await service.rulebook(GUILD_ID)).allows(text)

    await eventually(allowed, what=f"the rules allow {text!r}")


async def set_intro(fake: FakeDiscord, intro: str, user_id: int = ALICE_ID) -> str:
    h = await fake.slash(GUILD_ID, user_id, "profile set", {"intro": intro})
    await h.response()
    assert h.ephemeral
    return h.content or ""


async def intro_of(bot: AnyBot, user_id: int = ALICE_ID) -> str | None:
    profile = await bot.need(Services).profiles.get(GUILD_ID, user_id)
    return profile.intro if profile else None


def nothing_public(fake: FakeDiscord) -> None:
    assert fake.messages(GENERAL_ID, include_interactions=True) == []


async def test_rules_are_read_at_start_and_kept_fresh_by_the_events(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    spoilers = fake.add_automod_rule(GUILD_ID, "No spoilers", keywords=["spoiler*"])
    bot = await bot_factory()
    await holds(bot, "SPOILERS ahead")
    refused = await set_intro(fake, "No spoilers, just plant care 🪴")
    assert refused == (
        "Your intro has a word this server's rules don't allow: `s•••••••`. "
        "Reword your intro and try again (nothing was posted). 💞"
    )
    assert await intro_of(bot) is None
    # a rule created after start is enforced...
    drama = fake.add_automod_rule(
        GUILD_ID, "Keep it kind", keywords=["*drama*"], regex_patterns=[r"tea\s*spill"]
    )
    await holds(bot, "dramatic")
    assert "`D•••••••`" in await set_intro(fake, "Dramatic reels daily")
    assert "`T••••••••`" in await set_intro(fake, "Tea spill Tuesdays")
    # ...a deleted one no longer is, and an edit applies at once
    fake.delete_automod_rule(GUILD_ID, spoilers)
    await lets_through(bot, "spoilers")
    assert "Saved" in await set_intro(fake, "Book spoilers, but cozy")
    assert await intro_of(bot) == "Book spoilers, but cozy"
    fake.update_automod_rule(GUILD_ID, drama, enabled=False)
    await lets_through(bot, "dramatic")
    assert "Saved" in await set_intro(fake, "Dramatic reels daily")
    nothing_public(fake)
    assert fake.requests_to("GET", r"/auto-moderation/rules$")  # read over REST at start


async def test_a_rule_made_while_the_bot_was_down_is_read_on_restart(
    fake: FakeDiscord, bot_factory: BotFactory, stop: Any
) -> None:
    bot = await bot_factory()
    await eventually(lambda: _read(bot), what="the rules were read once (there are none yet)")
    await stop(bot)
    fake.add_automod_rule(GUILD_ID, "Scams", keywords=["free nitro"])  # the event is lost
    assert fake.dropped_events[-1][0] == "AUTO_MODERATION_RULE_CREATE"
    bot = await bot_factory()
    await holds(bot, "FREE NITRO here")


async def _read(bot: AnyBot) -> bool:
    return (await bot.need(Services).text_rules.overview(GUILD_ID)).readable is True


async def test_without_manage_server_moderators_are_told_once_and_their_words_hold(
    fake: FakeDiscord, bot_factory: BotFactory, stop: Any
) -> None:
    no_manage = DEFAULT_BOT_PERMISSIONS & ~MANAGE_GUILD
    fake.set_bot_permissions(GUILD_ID, no_manage)
    fake.add_automod_rule(GUILD_ID, "Invisible to the bot", keywords=["spoiler"])
    bot = await bot_factory()
    notices = await fake.wait_for(
        lambda: [m for m in fake.dms(MOD_ID) if NOTICE in m["content"]], message="the notice"
    )
    assert len(notices) == 1 and "Manage Server" in notices[0]["content"]
    assert notices[0]["pinged_user_ids"] == [] and not notices[0]["pinged_everyone"]
    assert fake.requests_to("GET", r"/auto-moderation/") == []  # no 403 was asked for
    # the moderators' own list still works
    h = await fake.slash(GUILD_ID, MOD_ID, "safety-words add", {"words": "cringe, *scam*"})
    await h.response()
    assert h.ephemeral and "Blocked 2 words" in (h.content or "")
    assert "`c•••••`" in await set_intro(fake, "No cringe here")
    assert "`S•••••`" in await set_intro(fake, "Scammy stuff")
    assert "Saved" in await set_intro(fake, "spoiler-free plant care")  # AutoMod's can't apply
    listing = await fake.slash(GUILD_ID, MOD_ID, "safety-words list")
    await listing.response()
    rules = {f["name"]: f["value"] for f in listing.embeds[0]["fields"]}
    assert "I can't read them" in rules["This server's AutoMod rules"]
    assert "||`*scam*`||" in rules["Your blocked words"]
    # a restart doesn't tell them again
    await stop(bot)
    bot = await bot_factory()
    await eventually(lambda: _unreadable(bot), what="the restart looked at the rules again")
    assert len([m for m in fake.dms(MOD_ID) if NOTICE in m["content"]]) == 1
    # Manage Server given: the rules are read by themselves, no command needed
    fake.set_bot_permissions(GUILD_ID, DEFAULT_BOT_PERMISSIONS)
    await holds(bot, "a spoiler")
    assert "`s••••••`" in await set_intro(fake, "a spoiler for you")
    nothing_public(fake)


async def _unreadable(bot: AnyBot) -> bool:
    view = await bot.need(Services).text_rules.overview(GUILD_ID)
    return view.readable is False


async def test_safety_words_are_for_moderators_and_list_what_holds(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    fake.add_automod_rule(
        GUILD_ID,
        "Links",
        keywords=["free nitro", "*airdrop*"],
        regex_patterns=[r"disc[o0]rd\.gg/\w+", r"(?<=x)y"],
        allow_list=["airdrop safety"],
    )
    fake.add_automod_rule(GUILD_ID, "Presets", trigger_type=4, presets=[1, 3])
    fake.add_automod_rule(GUILD_ID, "Old", keywords=["meh"], enabled=False)
    fake.add_automod_rule(GUILD_ID, "Spam", trigger_type=3)
    bot = await bot_factory()
    await holds(bot, "free nitro")
    assert not fake.command_visible_to(GUILD_ID, ALICE_ID, "safety-words")
    assert fake.command_visible_to(GUILD_ID, MOD_ID, "safety-words")
    for name, options in (
        ("safety-words add", {"words": "x"}),
        ("safety-words remove", {"words": "x"}),
        ("safety-words list", None),
    ):
        h = await fake.slash(GUILD_ID, ALICE_ID, name, options)
        await h.response()
        assert h.ephemeral and "moderators only" in (h.content or ""), name
    assert (await bot.need(Services).text_rules.overview(GUILD_ID)).words == ()

    add = await fake.slash(GUILD_ID, MOD_ID, "safety-words add", {"words": "cringe, yikes"})
    await add.response()
    again = await fake.slash(GUILD_ID, MOD_ID, "safety-words add", {"words": "Cringe"})
    await again.response()
    assert "Already on the list: ||`cringe`||" in (again.content or "")
    bad = await fake.slash(GUILD_ID, MOD_ID, "safety-words add", {"words": "*"})
    await bad.response()
    assert bad.ephemeral and "can't be only `*`" in (bad.content or "")
    choices = await fake.autocomplete(
        GUILD_ID, MOD_ID, "safety-words remove", {"words": "yi"}, focused="words"
    )
    await choices.response()
    assert [c["value"] for c in choices.choices] == ["yikes"]
    removed = await fake.slash(GUILD_ID, MOD_ID, "safety-words remove", {"words": "yikes"})
    await removed.response()
    assert "Took 1 word off the list" in (removed.content or "")
    missing = await fake.slash(GUILD_ID, MOD_ID, "safety-words remove", {"words": "yikes"})
    await missing.response()
    assert "isn't on this server's list" in (missing.content or "")

    listing = await fake.slash(GUILD_ID, MOD_ID, "safety-words list")
    await listing.response()
    assert listing.ephemeral
    fields = {f["name"]: f["value"] for f in listing.embeds[0]["fields"]}
    assert fields["Your blocked words"] == "1 word: ||`cringe`||"
    rules = fields["This server's AutoMod rules"]
    assert "**Links**: 2 keywords, 2 patterns, 1 allowed" in rules
    assert "**Presets** (Discord's lists: profanity, slurs)" in rules
    assert "**Old**: 1 keyword (switched off, so not applied)" in rules
    assert "Spam" not in rules  # not about words
    assert "`(?<=x)y` in **Links**" in fields["Patterns I can't read (skipped)"]
    nothing_public(fake)


async def test_the_rules_only_hold_in_their_own_server(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    other = 1_100_000_000_000_000_777
    fake.add_guild(other, name="Other fam", owner_id=MOD_ID)
    fake.add_member(other, ALICE_ID, "alice", dispatch=False)
    fake.add_automod_rule(other, "Theirs", keywords=["spoiler"])
    bot = await bot_factory()
    service = bot.need(Services).text_rules

    async def other_read() -> bool:
        return not (await service.rulebook(other)).allows("spoiler")

    await eventually(other_read, what="the other server's rules were read")
    assert "Saved" in await set_intro(fake, "a spoiler a day")
