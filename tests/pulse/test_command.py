"""/pulse through the real bot and the fake Discord: a moderator gets the week privately (an
embed and the charts image); members neither see the command nor can run it; a bad week is a
friendly private error."""

from __future__ import annotations

from core.bot import AnyBot
from core.db import Database
from fakediscord import FakeDiscord
from fakediscord.handles import InteractionHandle
from tests.conftest import ALICE_ID, GUILD_ID, MOD_ID
from tests.pulse.seed import seed_week


async def answered(h: InteractionHandle) -> InteractionHandle:
    first = await h.response(timeout=15)
    if first["type"] == 5:  # "thinking…" first: the outcome replaces it
        await h.wait_edit(timeout=15)
    return h


async def test_a_moderator_gets_the_weeks_pulse_privately(
    fake: FakeDiscord, bot: AnyBot, db: Database
) -> None:
    await seed_week(db, guild_name=False)
    h = await answered(await fake.slash(GUILD_ID, MOD_ID, "pulse show", {"week": "2026-W02"}))
    assert h.ephemeral
    (embed,) = h.embeds
    assert embed["title"].startswith("💓 Pulse · Jan 5\u2009–\u200911, 2026")
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["👋 Onboarding"].startswith("**2** of 5 newcomers finished (40%)")
    assert "Stopped at: profile 1" in fields["👋 Onboarding"]
    assert fields["📝 Check-ins"].startswith("**75%** answered (3 of 4)")
    assert fields["🤝 Collabs"].startswith("**1** of 3 groups said we collabed")
    assert "**2** featured · 1 missed" in fields["📣 Shoutouts"]
    assert "hit 10k followers" in fields["🏆 Wins"] and "private" not in fields["🏆 Wins"]
    assert embed["image"]["url"] == "attachment://pulse.png"
    message = h.message
    assert message is not None
    (image,) = message["attachments"]
    assert image["filename"] == "pulse.png" and image["size"] > 10_000


async def test_members_cant_see_or_run_it_and_bad_weeks_are_explained(
    fake: FakeDiscord, bot: AnyBot
) -> None:
    synced = {c["name"]: c for c in fake.guild_commands[GUILD_ID]}
    assert int(synced["pulse"]["default_member_permissions"]) == 1 << 5
    assert not fake.command_visible_to(GUILD_ID, ALICE_ID, "pulse")
    assert fake.command_visible_to(GUILD_ID, MOD_ID, "pulse")
    refused = await answered(await fake.slash(GUILD_ID, ALICE_ID, "pulse show"))
    assert refused.ephemeral and "moderators only" in (refused.content or "")
    assert not refused.embeds

    bad = await answered(await fake.slash(GUILD_ID, MOD_ID, "pulse show", {"week": "someday"}))
    assert bad.ephemeral and "2026-W14" in (bad.content or "")
    this_week = await answered(await fake.slash(GUILD_ID, MOD_ID, "pulse show"))
    assert "(so far)" in this_week.embeds[0]["title"]
