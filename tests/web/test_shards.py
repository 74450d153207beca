"""With several processes the dashboard runs in one (shard 0's): a server on another shard is
not in its cache, so what the pages need of it (channels, roles, the bot's permissions) is read
over REST, and the change is saved through the same services for the other process to run."""

from __future__ import annotations

import aiohttp

from core.bot import AnyBot
from fakediscord import FakeDiscord
from services.container import Services
from tests.conftest import GENERAL_ID, GUILD_ID, MOD_ID, BotFactory
from tests.web.conftest import Visitor, dashboard_of, start_web_bot


async def test_a_server_of_another_shard_is_set_up_over_rest(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    assert (GUILD_ID >> 22) % 2 == 1  # the test guild lives on shard 1
    bot: AnyBot = await start_web_bot(fake, bot_factory, shard_count=2, shard_ids=(0,))
    assert bot.get_guild(GUILD_ID) is None and not bot.owns_guild(GUILD_ID)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        visitor = Visitor(http, dashboard_of(bot).url, fake, [])
        await visitor.login(MOD_ID)
        home = await visitor.get("/")
        assert home.status == 200 and "Creator Fam" in visitor.pages[-1]
        page = await visitor.get(f"/g/{GUILD_ID}/welcome")
        assert page.status == 200 and "#general" in visitor.pages[-1]
        saved = await visitor.submit(
            f"/g/{GUILD_ID}/welcome/basics", f"/g/{GUILD_ID}/welcome", channel=str(GENERAL_ID)
        )
        assert saved.status == 303
    assert any(r.path == f"/guilds/{GUILD_ID}/channels" for r in fake.requests)
    settings = await bot.need(Services).welcome.settings(GUILD_ID)
    assert settings.channel_id == GENERAL_ID
