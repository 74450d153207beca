"""/welcome … for moderators: refused to members, validated, previewable."""

from __future__ import annotations

from typing import Any

import pytest

from core.bot import AnyBot
from core.clock import ManualClock
from fakediscord import FakeDiscord
from services.container import Services
from services.welcome import default_rules
from tests.conftest import ALICE_ID, GUILD_ID, MOD_ID, BotFactory
from tests.welcome.test_flow import cog_of, custom_ids


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("welcome stats", {}),
        ("welcome show", {}),
        ("welcome preview", {}),
        ("welcome dm", {"state": "off"}),
        ("welcome message", {"text": "hi {member}"}),
        ("welcome niche add", {"name": "KnitTok"}),
        ("welcome niche list", {}),
    ],
)
async def test_members_are_refused_at_run_time(
    fake: FakeDiscord, bot: AnyBot, name: str, options: dict[str, str]
) -> None:
    h = await fake.slash(GUILD_ID, ALICE_ID, name, options)
    await h.response()
    assert h.ephemeral and "moderators" in (h.content or "")
    settings = await cog_of(bot).service.settings(GUILD_ID)
    assert settings.dm_enabled and not settings.custom_template


async def test_welcome_is_hidden_from_members_at_sync(fake: FakeDiscord, bot: AnyBot) -> None:
    synced = {c["name"]: c for c in fake.guild_commands[GUILD_ID]}
    assert int(synced["welcome"]["default_member_permissions"]) == 1 << 5


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("Hey {member}, welcome {unknown}!", "`{unknown}`"),
        ("Hey {member.name}", "`{member.name}`"),
        ("Hey {0}", "`{0}`"),
        ("Hey {member", "unmatched"),
        ("Hey @everyone, {member} is here", "@everyone"),
        ("{server}" * 30, "2000"),
    ],
)
async def test_bad_templates_are_refused_with_the_valid_placeholders(
    fake: FakeDiscord, bot: AnyBot, text: str, needle: str
) -> None:
    h = await fake.slash(GUILD_ID, MOD_ID, "welcome message", {"text": text})
    await h.response()
    assert h.ephemeral and needle in (h.content or "")
    if needle != "unmatched":
        assert "{member}" in (h.content or "") and "{niche}" in (h.content or "")
    assert not (await cog_of(bot).service.settings(GUILD_ID)).custom_template


async def test_good_template_is_saved_and_shown_rendered(fake: FakeDiscord, bot: AnyBot) -> None:
    text = "Hey mutual {member}! {server} fam #{count}, {niche} creators unite"
    h = await fake.slash(GUILD_ID, MOD_ID, "welcome message", {"text": text})
    await h.response()
    assert h.ephemeral and "saved" in (h.content or "")
    assert "Creator Fam fam #" in h.embeds[0]["description"]
    assert (await cog_of(bot).service.settings(GUILD_ID)).template == text
    reset = await fake.slash(GUILD_ID, MOD_ID, "welcome message", {"reset": True})
    await reset.response()
    assert not (await cog_of(bot).service.settings(GUILD_ID)).custom_template


async def test_settings_commands(fake: FakeDiscord, bot: AnyBot) -> None:
    role = fake.add_role(GUILD_ID, name="Fam")
    high = fake.add_role(GUILD_ID, name="Admins", position=2000)
    channel = fake.add_channel(GUILD_ID, name="welcome")
    await fake.wait_for(lambda: bot.get_channel(channel) is not None)
    service = cog_of(bot).service
    steps: list[tuple[str, dict[str, Any]]] = [
        ("welcome channel", {"channel": fake.channel_option(channel)}),
        ("welcome dm", {"state": "off"}),
        ("welcome autorole", {"role": fake.role_option(role)}),
        ("welcome tuning", {"raid_joins": 20, "raid_seconds": 60, "leave_minutes": 10}),
    ]
    for name, options in steps:
        h = await fake.slash(GUILD_ID, MOD_ID, name, options)
        await h.response()
        assert h.ephemeral
    s = await service.settings(GUILD_ID)
    assert (s.channel_id, s.dm_enabled, s.autorole_id) == (channel, False, role)
    assert (s.raid_joins, s.raid_window_seconds, s.leave_window_minutes) == (20, 60, 10)

    above = await fake.slash(GUILD_ID, MOD_ID, "welcome autorole", {"role": fake.role_option(high)})
    await above.response()
    assert above.ephemeral and "can't give" in (above.content or "")
    assert (await service.settings(GUILD_ID)).autorole_id == role

    show = await fake.slash(GUILD_ID, MOD_ID, "welcome show")
    await show.response()
    fields = {f["name"]: f["value"] for f in show.embeds[0]["fields"]}
    assert fields["Channel"] == f"<#{channel}>" and fields["DM"] == "off"
    assert fields["Raids"] == "> 20 joins in 60 seconds → batched"
    assert fields["Leave clean-up"] == "10 minutes"

    one = await fake.slash(GUILD_ID, MOD_ID, "welcome tuning", {"leave_minutes": 1})
    await one.response()
    assert "within **1 minute** have their welcome removed" in (one.content or "")
    show = await fake.slash(GUILD_ID, MOD_ID, "welcome show")
    await show.response()
    fields = {f["name"]: f["value"] for f in show.embeds[0]["fields"]}
    assert fields["Leave clean-up"] == "1 minute" and fields["Norms"].startswith("5 norms")


async def test_rules_modal_and_reset(fake: FakeDiscord, bot: AnyBot) -> None:
    h = await fake.slash(GUILD_ID, MOD_ID, "welcome rules")
    modal = await h.response()
    assert modal["type"] == 9
    bad = await fake.submit_modal(MOD_ID, "mutuals:wel:rules", {"rules": "be kind @everyone"})
    await bad.response()
    assert bad.ephemeral and "@everyone" in (bad.content or "")
    await (await fake.slash(GUILD_ID, MOD_ID, "welcome rules")).response()
    ok = await fake.submit_modal(
        MOD_ID, "mutuals:wel:rules", {"rules": "- Respect the niche\n\n- Hype each other"}
    )
    await ok.response()
    service = cog_of(bot).service
    assert (await service.settings(GUILD_ID)).rules == ("Respect the niche", "Hype each other")
    await (await fake.slash(GUILD_ID, MOD_ID, "welcome rules", {"reset": True})).response()
    assert (await service.settings(GUILD_ID)).rules == default_rules()


async def test_niche_add_list_remove(fake: FakeDiscord, bot: AnyBot) -> None:
    listed = await fake.slash(GUILD_ID, MOD_ID, "welcome niche list")
    await listed.response()
    assert "BookTok" in listed.embeds[0]["description"]  # seeded defaults
    bad = await fake.slash(GUILD_ID, MOD_ID, "welcome niche add", {"name": "X", "emoji": "abc"})
    await bad.response()
    assert bad.ephemeral and "emoji" in (bad.content or "")
    add = await fake.slash(
        GUILD_ID, MOD_ID, "welcome niche add", {"name": "KnitTok", "emoji": "🧶"}
    )
    await add.response()
    assert "KnitTok" in (add.content or "")
    dup = await fake.slash(GUILD_ID, MOD_ID, "welcome niche add", {"name": "knittok"})
    await dup.response()
    assert "already" in (dup.content or "")
    role = fake.add_role(GUILD_ID, name="Plant fam")
    await fake.wait_for(lambda: bot.get_guild(GUILD_ID).get_role(role) is not None)  # type: ignore[union-attr]
    upd = await fake.slash(
        GUILD_ID, MOD_ID, "welcome niche add", {"name": "PlantTok", "role": fake.role_option(role)}
    )
    await upd.response()
    assert "Updated" in (upd.content or "")
    plant = next(
        n for n in await bot.need(Services).niches.list_niches(GUILD_ID) if n.name == "PlantTok"
    )
    assert plant.role_id == role and plant.emoji == "🪴"  # other fields kept
    ac = await fake.autocomplete(
        GUILD_ID, MOD_ID, "welcome niche remove", {"name": "knit"}, focused="name"
    )
    await ac.response()
    assert [c["value"] for c in ac.choices] == ["KnitTok"]
    rm = await fake.slash(GUILD_ID, MOD_ID, "welcome niche remove", {"name": "KnitTok"})
    await rm.response()
    names = [n.name for n in await bot.need(Services).niches.list_niches(GUILD_ID)]
    assert "KnitTok" not in names and "BookTok" in names
    missing = await fake.slash(GUILD_ID, MOD_ID, "welcome niche remove", {"name": "Nope"})
    await missing.response()
    assert missing.ephemeral and "no niche called" in (missing.content or "")


async def test_preview_runs_the_flow_without_saving_anything(
    fake: FakeDiscord, bot_factory: BotFactory, clock: ManualClock
) -> None:
    bot = await bot_factory(clock=clock)
    h = await fake.slash(GUILD_ID, MOD_ID, "welcome preview")
    await h.response()
    assert h.ephemeral and "preview" in h.embeds[0]["title"].lower()
    pick = f"mutuals:wel:pick:{GUILD_ID}:p"
    assert pick in custom_ids(h.message or {})
    await (await fake.click(MOD_ID, pick, values=["PlantTok"])).response()
    await (await fake.click(MOD_ID, f"mutuals:wel:prof:{GUILD_ID}:p")).response()
    sub = await fake.submit_modal(MOD_ID, f"mutuals:wel:modal:{GUILD_ID}:p", {"handle": "@mod"})
    await sub.response()
    done = await fake.click(MOD_ID, f"mutuals:wel:done:{GUILD_ID}:p")
    await done.response()
    note = await done.wait_followup()
    assert "nothing was saved" in note["content"] and not note["pinged_user_ids"]
    assert await bot.need(Services).profiles.get(GUILD_ID, MOD_ID) is None
    stats = await cog_of(bot).service.stats(GUILD_ID)
    assert stats[0].started == 0 and stats[0].completed == 0
    again = await fake.slash(GUILD_ID, MOD_ID, "welcome preview")  # can be run again
    await again.response()
    assert pick in custom_ids(again.message or {})


async def test_stats_embed(fake: FakeDiscord, bot: AnyBot) -> None:
    h = await fake.slash(GUILD_ID, MOD_ID, "welcome stats")
    await h.response()
    names = [f["name"] for f in h.embeds[0]["fields"]]
    assert names == ["Last 7 days", "Last 30 days"]
    assert "Joins: **0**" in h.embeds[0]["fields"][0]["value"]
