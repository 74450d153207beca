"""Discord's OAuth2 for "Log in with Discord": the authorize link, the code-for-token exchange
and the two things a token may read (``identify guilds``). The client secret goes only into the
token request's Basic auth header, never into a log line, a page or an exception message."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

from core.settings import WebSettings

log = logging.getLogger("mutuals.web")

SCOPES = "identify guilds"
MANAGE_GUILD = 1 << 5
ADMINISTRATOR = 1 << 3
#: Discord asks to wait this long at most before we tell the person to try again instead
MAX_WAIT = 3.0


class DiscordUnavailable(Exception):
    """Discord didn't answer usefully (down, rate limited for long, odd reply): try later."""


class TokenRejected(Exception):
    """The person's token no longer works (revoked, expired): they must log in again."""


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    avatar_url: str | None
    #: the person's Discord client language ("ko", "pt-BR"…), when Discord says it
    locale: str | None = None


@dataclass(frozen=True)
class PartialGuild:
    """One server as the person's token sees it (``GET /users/@me/guilds``)."""

    id: int
    name: str
    icon_url: str | None
    can_manage: bool


def can_manage(entry: dict[str, Any]) -> bool:
    """Manage Server, Administrator or owning the server: what Mutuals' moderator commands need."""
    try:
        perms = int(entry.get("permissions", "0"))
    except (TypeError, ValueError):
        perms = 0
    return bool(entry.get("owner")) or bool(perms & (MANAGE_GUILD | ADMINISTRATOR))


class DiscordOAuth:
    def __init__(self, settings: WebSettings) -> None:
        self.settings = settings
        self._http: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    @property
    def http(self) -> aiohttp.ClientSession:
        if self._http is None:
            raise RuntimeError("the dashboard's Discord client is not open")
        return self._http

    def authorize_url(self, *, state: str, redirect_uri: str) -> str:
        query = {
            "client_id": str(self.settings.client_id),
            "response_type": "code",
            "scope": SCOPES,
            "state": state,
            "redirect_uri": redirect_uri,
            "prompt": "none",
        }
        return f"{self.settings.authorize_url}?{urlencode(query)}"

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        url = self.settings.api_base + path
        for attempt in range(2):
            try:
                async with self.http.request(method, url, **kwargs) as resp:
                    if resp.status == 429 and attempt == 0:
                        wait = await _retry_after(resp)
                        if wait <= MAX_WAIT:
                            await asyncio.sleep(wait)
                            continue
                    if resp.status in (400, 401, 403):
                        raise TokenRejected(f"Discord answered {resp.status} to {path}")
                    if resp.status >= 300:
                        raise DiscordUnavailable(f"Discord answered {resp.status} to {path}")
                    return await resp.json(content_type=None)
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                raise DiscordUnavailable(f"{type(exc).__name__} calling {path}") from None
        raise DiscordUnavailable(f"Discord kept rate limiting {path}")

    async def exchange(self, code: str, redirect_uri: str) -> tuple[str, int]:
        """The access token and its lifetime in seconds, for a code Discord just gave us."""
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        auth = aiohttp.encode_basic_auth(
            str(self.settings.client_id), self.settings.client_secret.get()
        )
        body = await self._call("POST", "/oauth2/token", data=data, headers={"Authorization": auth})
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise DiscordUnavailable("the token answer had no access_token")
        return body["access_token"], int(body.get("expires_in") or 3600)

    async def me(self, token: str) -> Person:
        body = await self._call("GET", "/users/@me", headers=_bearer(token))
        uid = int(body["id"])
        avatar = body.get("avatar")
        return Person(
            id=uid,
            name=str(body.get("global_name") or body.get("username") or uid),
            avatar_url=f"https://cdn.discordapp.com/avatars/{uid}/{avatar}.png?size=64"
            if avatar
            else None,
            locale=str(body["locale"]) if body.get("locale") else None,
        )

    async def guilds(self, token: str) -> list[PartialGuild]:
        out: list[PartialGuild] = []
        after = 0
        while True:
            page = await self._call(
                "GET",
                "/users/@me/guilds",
                headers=_bearer(token),
                params={"limit": "200", "after": str(after)},
            )
            if not isinstance(page, list):
                raise DiscordUnavailable("the guild list was not a list")
            for entry in page:
                gid = int(entry["id"])
                icon = entry.get("icon")
                out.append(
                    PartialGuild(
                        id=gid,
                        name=str(entry.get("name") or gid),
                        icon_url=f"https://cdn.discordapp.com/icons/{gid}/{icon}.png?size=64"
                        if icon
                        else None,
                        can_manage=can_manage(entry),
                    )
                )
                after = max(after, gid)
            if len(page) < 200:
                return out


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _retry_after(resp: aiohttp.ClientResponse) -> float:
    try:
        body = await resp.json(content_type=None)
        return float(body.get("retry_after", MAX_WAIT + 1))
    except (ValueError, AttributeError, aiohttp.ClientError):
        return float(resp.headers.get("Retry-After", MAX_WAIT + 1))
