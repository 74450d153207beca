"""Welcome / onboarding end to end: fake gateway -> real discord.py -> cog -> service -> DB."""

from __future__ import annotations

from typing import Any

from core.bot import AnyBot
from core.clock import ManualClock
from tests.conftest import ALICE_ID, BOB_ID, GUILD_ID, MOD_ID, BotFactory
from tests.fakediscord import FakeDiscord

NEWBIE = 2_000_000_000_000_000_100
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
    await fake.wait_for(lambda: bot.get_guild(GUILD_ID) and bot.get_guild(GUILD_ID).get_role(autorole))  # type: ignore[union-attr]
    for name, opts in [
        ("welcome channel", {"channel": fake.channel_option(welcome)}),
        ("welcome autorole", {"role": fake.role_option(autorole)}),
        (
            "welcome niche add",
            {"name": "CozyGamerTok", "emoji": "🎮", "role": fake.role_option(niche_role)},
        ),
    ]:
        h = await fake.slash(GUILD_ID, MOD_ID, name, opts)
        await h.response()
        assert h.ephemeral and "can't" not in (h.content or ""), h.content
    await bot.profiles.update(GUILD_ID, BOB_ID, handle="@bobcozy", niches=["CozyGamerTok"])
    await bot.profiles.update(GUILD_ID, ALICE_ID, handle="@alicebooks", niches=["BookTok"])
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
    sub = await fake.submit_modal(NEWBIE, MODAL, {"handle": "@newbie.plays", "intro": "Cozy games"})
    assert (await sub.response())["type"] == 7
    norms = fake.dms(NEWBIE)[0]
    assert "respect the niche" in norms["embeds"][0]["description"].lower()
    assert DONE in custom_ids(norms)

    done = await fake.click(NEWBIE, DONE)
    assert (await done.response())["type"] == 7
    assert not custom_ids(fake.dms(NEWBIE)[0])  # finished: no buttons left
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

    profile = await bot.profiles.get(GUILD_ID, NEWBIE)
    assert profile is not None and profile.tiktok_handle == "newbie.plays"
    assert profile.niches == ("CozyGamerTok",) and profile.intro == "Cozy games"
    state = await bot.get_cog("Welcome").service.state(GUILD_ID, NEWBIE)  # type: ignore[union-attr]
    assert state is not None and state.completed
