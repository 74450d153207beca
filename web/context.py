"""The dashboard's shared pieces (one per web server) and the page a guild handler works on:
who is looking, which server, and how to answer (render, or save and go back with a note)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session

from services.container import Services
from services.pulse import Pulse
from web.discord_api import DiscordOAuth, PartialGuild
from web.guilds import GuildLookup, GuildSnapshot
from web.nav import SECTIONS

if TYPE_CHECKING:
    from core.bot import AnyBot
    from core.settings import WebSettings
    from web.forms import Form

#: how long a person's server list from Discord is trusted for showing pages (never for changes)
ACCESS_TTL = 60.0


@dataclass(frozen=True)
class Viewer:
    id: int
    name: str
    avatar_url: str | None
    token: str
    #: their Discord client language at login (None: not known)
    locale: str | None = None


@dataclass
class Dashboard:
    bot: AnyBot
    services: Services
    settings: WebSettings
    oauth: DiscordOAuth
    guilds: GuildLookup
    public_url: str = ""
    #: user id -> (when fetched, their servers as Discord said)
    access: dict[int, tuple[float, list[PartialGuild]]] = field(default_factory=dict)
    #: (guild id, week asked for, language) -> (when read, the pulse): a page and its charts
    #: share a read
    pulse_reads: dict[tuple[int, str, str], tuple[float, Pulse]] = field(default_factory=dict)

    @property
    def redirect_uri(self) -> str:
        return self.public_url + self.settings.redirect_path

    async def servers_of(self, viewer: Viewer, *, fresh: bool) -> list[PartialGuild]:
        """The person's servers with their permissions, from Discord; ``fresh`` asks Discord
        now (every change does), otherwise a list up to a minute old may be used."""
        hit = self.access.get(viewer.id)
        if not fresh and hit is not None and time.monotonic() - hit[0] < ACCESS_TTL:
            return hit[1]
        servers = await self.oauth.guilds(viewer.token)
        self.access[viewer.id] = (time.monotonic(), servers)
        return servers


DASHBOARD: web.AppKey[Dashboard] = web.AppKey("dashboard", Dashboard)


async def flash(request: web.Request, message: str) -> None:
    """A one-time note shown on the next page (after a save redirects back)."""
    session = await get_session(request)
    session["flash"] = message


async def base_context(request: web.Request, viewer: Viewer | None) -> dict[str, Any]:
    session = await get_session(request)
    return {
        "viewer": viewer,
        "csrf_token": session.get("csrf", ""),
        "flash": session.pop("flash", None),
        # where the footer's language switcher comes back to
        "here": request.path_qs,
    }


@dataclass
class Page:
    request: web.Request
    dash: Dashboard
    viewer: Viewer
    guild: GuildSnapshot
    section: str

    @property
    def services(self) -> Services:
        return self.dash.services

    @property
    def now(self) -> Any:
        return self.dash.bot.clock.now()

    def url(self, path: str = "") -> str:
        return f"/g/{self.guild.id}/{self.section}{path}"

    async def render(
        self, template: str, *, status: int = 200, form: Form | None = None, **ctx: Any
    ) -> web.Response:
        context = await base_context(self.request, self.viewer)
        context.update(
            guild=self.guild,
            section=self.section,
            sections=SECTIONS,
            form=form,
            errors=form.errors if form is not None else {},
            submitted=form.data if form is not None else {},
            form_name=form.name if form is not None else "",
            **ctx,
        )
        response = aiohttp_jinja2.render_template(template, self.request, context, status=status)
        return response

    async def saved(self, message: str, anchor: str = "") -> web.Response:
        """After a change: back to the page (a reload never re-sends the form), with a note."""
        await flash(self.request, message)
        raise web.HTTPSeeOther(self.url() + (f"#{anchor}" if anchor else ""))
