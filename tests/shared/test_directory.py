"""Names are stored as the gateway tells them (what a queued message shows comes from here),
kept up to date on renames and joins, and erased with the member's data."""

from __future__ import annotations

from core.db import Database
from fakediscord import FakeDiscord
from services.container import Services
from tests.conftest import ALICE_ID, BOB_ID, GUILD_ID, MOD_ID, BotFactory
from tests.util import eventually

NEWBIE = 2_000_000_000_000_000_099


async def test_names_follow_the_gateway_and_leave_with_the_member(
    fake: FakeDiscord, db: Database, bot_factory: BotFactory
) -> None:
    bot = await bot_factory()
    directory = bot.need(Services).directory

    async def stored() -> dict[int, str]:
        return await directory.names(GUILD_ID, [MOD_ID, ALICE_ID, BOB_ID, NEWBIE])

    async def all_three() -> bool:
        return len(await stored()) == 3

    await eventually(all_three, what="the guild's members are stored at start-up")
    assert await directory.guild_name(GUILD_ID) == "Creator Fam"
    assert (await stored())[ALICE_ID] == "alice"

    fake.update_member(GUILD_ID, ALICE_ID, nick="Alice 🌿")
    fake.add_member(GUILD_ID, NEWBIE, "newbie")

    async def updated() -> bool:
        names = await stored()
        return names.get(ALICE_ID) == "Alice 🌿" and names.get(NEWBIE) == "newbie"

    await eventually(updated, what="a rename and a join reach the directory")

    await bot.need(Services).profiles.delete(GUILD_ID, ALICE_ID)
    assert ALICE_ID not in await stored()
