"""The web dashboard against the fake Discord: the real bot with WEB_PORT=0, its OAuth pointed
at the fake (which serves /oauth2/authorize, /oauth2/token and the Bearer /users/@me routes),
and a cookie-keeping HTTP client that logs in the way a browser does."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from core.bot import AnyBot
from core.settings import Secret, WebSettings
from fakediscord import FakeDiscord
from tests.conftest import BotFactory
from web import DashboardServer

CLIENT_ID = 1_300_000_000_000_000_001
CLIENT_SECRET = "dashboard-client-secret-never-shown"
SESSION_SECRET = "s" * 16 + "-session-key-for-the-tests-0123456789"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def web_settings(fake: FakeDiscord) -> WebSettings:
    return WebSettings(
        port=0,
        client_id=CLIENT_ID,
        client_secret=Secret(CLIENT_SECRET),
        session_secret=Secret(SESSION_SECRET),
        authorize_url=f"http://127.0.0.1:{fake.port}/oauth2/authorize",
        api_base=fake.rest_base,
    )


def dashboard_of(bot: AnyBot) -> DashboardServer:
    assert isinstance(bot.web, DashboardServer)
    return bot.web


async def start_web_bot(fake: FakeDiscord, bot_factory: BotFactory, **kwargs: Any) -> AnyBot:
    bot = await bot_factory(web=web_settings(fake), **kwargs)
    fake.oauth.register_app(CLIENT_ID, CLIENT_SECRET, dashboard_of(bot).dash.redirect_uri)
    return bot


@pytest.fixture
async def web_bot(fake: FakeDiscord, bot_factory: BotFactory) -> AnyBot:
    return await start_web_bot(fake, bot_factory)


@dataclass
class Visitor:
    """A browser-like client: keeps cookies, doesn't follow redirects unless asked."""

    http: aiohttp.ClientSession
    base: str
    fake: FakeDiscord
    pages: list[str]

    async def get(self, path: str, **kw: Any) -> aiohttp.ClientResponse:
        resp = await self.http.get(self._url(path), allow_redirects=False, **kw)
        self.pages.append(await resp.text())
        return resp

    async def post(self, path: str, data: Any = None, **kw: Any) -> aiohttp.ClientResponse:
        resp = await self.http.post(self._url(path), data=data, allow_redirects=False, **kw)
        self.pages.append(await resp.text())
        return resp

    def _url(self, path: str) -> str:
        return path if path.startswith("http") else self.base + path

    async def csrf(self, path: str = "/") -> str:
        resp = await self.get(path)
        found = CSRF.search(self.pages[-1])
        assert found, f"no CSRF token on {path} ({resp.status})"
        return found[1]

    async def submit(self, path: str, page: str, **fields: Any) -> aiohttp.ClientResponse:
        """Post a form the way the page's own form does (with its CSRF token)."""
        token = await self.csrf(page)
        return await self.post(path, {"csrf_token": token, **fields})

    async def login(self, user_id: int) -> aiohttp.ClientResponse:
        """Log in with Discord through the fake's consent page; returns the callback answer."""
        self.fake.oauth.login_as(user_id)
        start = await self.get("/auth/login")
        assert start.status == 303, start.status
        consent_url = start.headers["Location"]
        consent = await self.http.get(consent_url, allow_redirects=False)
        assert consent.status == 200, await consent.text()
        query = dict(consent.url.query)
        decided = await self.http.post(
            consent_url.split("?")[0],
            data={**query, "decision": "authorize"},
            allow_redirects=False,
        )
        assert decided.status == 302
        return await self.get(decided.headers["Location"])


@pytest.fixture
async def visitor(web_bot: AnyBot, fake: FakeDiscord) -> AsyncIterator[Visitor]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        yield Visitor(http, dashboard_of(web_bot).url, fake, [])


@pytest.fixture
async def another_visitor(web_bot: AnyBot, fake: FakeDiscord) -> AsyncIterator[Visitor]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        yield Visitor(http, dashboard_of(web_bot).url, fake, [])
