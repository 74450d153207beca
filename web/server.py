"""The dashboard's web server, started and stopped with the bot (WEB_PORT set), on the bot's
own event loop, so pages call the same services as the slash commands and see the same cache."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiohttp import web

from core.settings import WebSettings
from services.container import Services
from web.app import build_app
from web.context import Dashboard
from web.discord_api import DiscordOAuth
from web.guilds import GuildLookup

if TYPE_CHECKING:
    from core.bot import AnyBot

log = logging.getLogger("mutuals.web")


class DashboardServer:
    def __init__(self, bot: AnyBot, services: Services, settings: WebSettings) -> None:
        self.settings = settings
        self.port = settings.port
        self.dash = Dashboard(
            bot=bot,
            services=services,
            settings=settings,
            oauth=DiscordOAuth(settings),
            guilds=GuildLookup(bot),
        )
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return self.dash.public_url

    async def start(self) -> None:
        await self.dash.oauth.open()
        self._runner = web.AppRunner(build_app(self.dash), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.host, self.settings.port)
        await site.start()
        # with WEB_PORT=0 (tests) the public URL, and so the redirect URL, has the real port
        self.port = int(self._runner.addresses[0][1])
        self.dash.public_url = self.settings.public_url(self.port).rstrip("/")
        log.info(
            "web dashboard on %s (register %s as a redirect in the developer portal)",
            self.dash.public_url,
            self.dash.redirect_uri,
        )

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.dash.oauth.close()
