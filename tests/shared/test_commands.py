"""The whole path, end to end: fake gateway -> real discord.py -> cog -> service -> DB -> reply."""

from __future__ import annotations

import pytest

from core.bot import AnyBot
from fakediscord import FakeDiscord
from services.container import Services
from tests.conftest import ALICE_ID, BOB_ID, GUILD_ID, MOD_ID, BotFactory


async def test_about(fake: FakeDiscord, bot: AnyBot) -> None:
    h = await fake.slash(GUILD_ID, ALICE_ID, "about")
    await h.response()
    assert h.ephemeral
    fields = {f["name"]: f["value"] for f in h.embeds[0]["fields"]}
    assert fields["Database"] in ("sqlite", "postgresql")
    assert fields["Servers"] == "1" and "Version" in fields and "Uptime" in fields


async def test_commands_synced_to_dev_guild_with_mod_permissions(
    fake: FakeDiscord, bot: AnyBot
) -> None:
    synced = {c["name"]: c for c in fake.guild_commands[GUILD_ID]}
    assert {"about", "profile", "config"} <= set(synced)
    assert int(synced["config"]["default_member_permissions"]) == 1 << 5
    assert synced["profile"].get("default_member_permissions") in (None, "")


async def test_profile_set_show_delete(fake: FakeDiscord, bot: AnyBot) -> None:
    h = await fake.slash(
        GUILD_ID,
        ALICE_ID,
        "profile set",
        {
            "handle": "@plantladyjane",
            "niche": "PlantTok",
            "niche2": "DIY",
            "timezone": "America/New_York",
            "followers": "10k-50k",
            "intro": "Tiny jungle energy",
        },
    )
    await h.response()
    assert h.ephemeral and "Saved" in (h.content or "")
    stored = await bot.need(Services).profiles.get(GUILD_ID, ALICE_ID)
    assert stored is not None and stored.tiktok_handle == "plantladyjane"
    assert stored.niches == ("PlantTok", "DIY") and stored.follower_band == "10k-50k"

    show = await fake.slash(
        GUILD_ID, BOB_ID, "profile show", {"member": fake.member_option(ALICE_ID)}
    )
    await show.response()
    fields = {f["name"]: f["value"] for f in show.embeds[0]["fields"]}
    assert "@plantladyjane" in fields["TikTok"] and fields["Niches"] == "PlantTok, DIY"

    delete = await fake.slash(GUILD_ID, ALICE_ID, "profile delete")
    await delete.response()
    confirm = await fake.click(ALICE_ID, _button(delete, "danger"), guild_id=GUILD_ID)
    await confirm.response()
    assert await bot.need(Services).profiles.get(GUILD_ID, ALICE_ID) is None


def _button(handle: object, style: str) -> str:
    resp = handle.response_nowait()  # type: ignore[attr-defined]
    rows = resp["data"]["components"]
    styles = {"danger": 4, "secondary": 2}
    for row in rows:
        for comp in row["components"]:
            if comp.get("style") == styles[style]:
                return str(comp["custom_id"])
    raise AssertionError("button not found")


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        ({"handle": "not a handle!"}, "TikTok handle"),
        ({"handle": "x" * 500}, "TikTok handle"),
        ({"niche": "x" * 500}, "niches"),
        ({"timezone": "x" * 500}, "time zone"),
        ({"niche": "KnittingTok"}, "niches"),
        ({"timezone": "Mars/Olympus"}, "time zone"),
        ({"intro": "x" * 500}, "200 or fewer"),
        ({"intro": "follow me @everyone"}, "@everyone"),
        ({}, "at least one thing"),
        ({"intro": "cozy \ud83d vibes"}, "garbled"),  # a lone surrogate: refused cleanly
    ],
)
async def test_profile_bad_input_is_ephemeral_and_changes_nothing(
    fake: FakeDiscord, bot: AnyBot, options: dict[str, str], needle: str
) -> None:
    await bot.need(Services).profiles.update(GUILD_ID, ALICE_ID, handle="@before")
    before = await bot.need(Services).profiles.get(GUILD_ID, ALICE_ID)
    h = await fake.slash(GUILD_ID, ALICE_ID, "profile set", options)
    await h.response()
    assert h.ephemeral and needle in (h.content or "")
    assert await bot.need(Services).profiles.get(GUILD_ID, ALICE_ID) == before


async def test_show_without_profile_is_friendly(fake: FakeDiscord, bot: AnyBot) -> None:
    h = await fake.slash(GUILD_ID, BOB_ID, "profile show")
    await h.response()
    assert h.ephemeral and "/profile set" in (h.content or "")


async def test_autocomplete_niches_and_timezones(fake: FakeDiscord, bot: AnyBot) -> None:
    h = await fake.autocomplete(
        GUILD_ID, ALICE_ID, "profile set", {"niche": "tok"}, focused="niche"
    )
    await h.response()
    names = [c["value"] for c in h.choices]
    assert "BookTok" in names and len(names) <= 25
    h = await fake.autocomplete(
        GUILD_ID, ALICE_ID, "profile set", {"timezone": "kolk"}, focused="timezone"
    )
    await h.response()
    assert "Asia/Kolkata" in [c["value"] for c in h.choices]


async def test_member_cannot_run_moderator_command(fake: FakeDiscord, bot: AnyBot) -> None:
    h = await fake.slash(GUILD_ID, ALICE_ID, "config show")
    await h.response()
    assert h.ephemeral and "moderators" in (h.content or "")
    mod = await fake.slash(GUILD_ID, MOD_ID, "config show")
    await mod.response()
    assert mod.embeds and mod.embeds[0]["title"] == "Mutuals settings"


async def test_config_timezone_validated(fake: FakeDiscord, bot: AnyBot) -> None:
    bad = await fake.slash(GUILD_ID, MOD_ID, "config timezone", {"timezone": "Nowhere/Land"})
    await bad.response()
    assert bad.ephemeral and "time zone" in (bad.content or "")
    good = await fake.slash(GUILD_ID, MOD_ID, "config timezone", {"timezone": "Asia/Tokyo"})
    await good.response()
    assert "Asia/Tokyo" in (good.content or "")


async def test_unexpected_error_gets_an_id_and_the_bot_keeps_going(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    bot = await bot_factory()

    async def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("database on fire")

    bot.need(Services).profiles.get = broken  # type: ignore[method-assign]
    h = await fake.slash(GUILD_ID, ALICE_ID, "profile show")
    await h.response()
    assert h.ephemeral and "error id" in (h.content or "")
    ok = await fake.slash(GUILD_ID, ALICE_ID, "about")
    await ok.response()
    assert ok.embeds


async def test_gateway_drop_resumes_and_keeps_answering(fake: FakeDiscord, bot: AnyBot) -> None:
    await fake.drop_gateway(code=4000)
    h = await fake.slash(GUILD_ID, ALICE_ID, "about")
    await h.response(timeout=10)
    assert h.embeds
    await fake.drop_gateway(invalidate=True)  # a session Discord won't resume: re-IDENTIFY
    h = await fake.slash(GUILD_ID, BOB_ID, "profile show")
    await h.response(timeout=10)
    assert h.ephemeral and "/profile set" in (h.content or "")


async def test_sharded_bot_answers_and_knows_its_guilds(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    own_shard = (GUILD_ID >> 22) % 2
    bot = await bot_factory(shard_count=2, shard_ids=(own_shard,))
    assert bot.shard_count == 2 and bot.owns_guild(GUILD_ID)
    assert not bot.owns_guild(GUILD_ID + (1 << 22))  # the other shard's guild
    h = await fake.slash(GUILD_ID, ALICE_ID, "about")
    await h.response(timeout=10)
    assert h.embeds


async def test_global_sync_only_when_tree_changed_or_forced(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    def global_puts() -> int:
        return len(fake.requests_to("PUT", r"^/applications/\d+/commands$"))

    bot = await bot_factory(dev_guild_id=None)
    assert global_puts() == 1 and "about" in {c["name"] for c in fake.commands}
    await bot.close()
    bot = await bot_factory(dev_guild_id=None)  # same tree: no sync on boot
    assert global_puts() == 1
    await bot.close()
    await bot_factory(dev_guild_id=None, force_sync=True)  # `python bot.py --sync`
    assert global_puts() == 2


async def test_refused_sync_is_logged_and_the_bot_still_runs(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    fake.fail_next("PUT", r"/commands$", 403, body={"code": 50001, "message": "Missing Access"})
    await bot_factory()
    h = await fake.slash(GUILD_ID, ALICE_ID, "about")  # known from an earlier sync
    await h.response(timeout=10)
    assert h.embeds


async def test_a_broken_extension_does_not_stop_the_others(
    fake: FakeDiscord, bot_factory: BotFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    import core.bot

    real = core.bot.discover_extensions()
    monkeypatch.setattr(core.bot, "discover_extensions", lambda: ["tests.broken_cog", *real])
    bot = await bot_factory()
    assert "tests.broken_cog" not in bot.extensions and "cogs.about" in bot.extensions
    h = await fake.slash(GUILD_ID, ALICE_ID, "about")
    await h.response(timeout=10)
    assert h.embeds
