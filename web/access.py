"""Who may see and change what: a logged-in person (their Discord token in the encrypted
session), a server where they have Manage Server and the bot is present (asked of Discord again
before every change, never taken from a stale session), and a CSRF token on every form."""

from __future__ import annotations

import functools
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session

from core.i18n import SOURCE, _, language_of, set_locale
from services.languages import server_language
from web.context import DASHBOARD, Dashboard, Page, Viewer, base_context
from web.discord_api import DiscordUnavailable, TokenRejected

log = logging.getLogger("mutuals.web")

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
#: forms a visitor may send before logging in (still with the session's CSRF token)
OPEN_FORMS = ("/language",)
PageHandler = Callable[[Page], Awaitable[web.StreamResponse]]


class Refused(Exception):
    """Answer with a friendly page (or a short text for scripts) and this status."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


async def error_page(request: web.Request, refused: Refused) -> web.Response:
    viewer = await current_viewer(request)
    context = await base_context(request, viewer)
    context.update(title=refused.title, message=refused.message, status=refused.status)
    return aiohttp_jinja2.render_template("error.html", request, context, status=refused.status)


async def current_viewer(request: web.Request) -> Viewer | None:
    session = await get_session(request)
    uid = session.get("uid")
    token = session.get("token")
    if not isinstance(uid, int) or not isinstance(token, str):
        return None
    locale = session.get("locale")
    return Viewer(
        uid,
        str(session.get("name", uid)),
        session.get("avatar"),
        token,
        locale if isinstance(locale, str) else None,
    )


async def ensure_csrf(request: web.Request) -> str:
    session = await get_session(request)
    token = session.get("csrf")
    if not isinstance(token, str):
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


async def require_viewer(request: web.Request) -> Viewer:
    viewer = await current_viewer(request)
    if viewer is not None:
        return viewer
    if request.method in SAFE_METHODS:
        session = await get_session(request)
        session["next"] = request.path_qs
        raise web.HTTPSeeOther("/auth/login")
    raise Refused(401, _("Log in first"), _("Log in with Discord to change Mutuals' settings."))


async def _logged_out(request: web.Request) -> None:
    session = await get_session(request)
    session.invalidate()


async def page_language(dash: Dashboard, viewer: Viewer, guild_id: int) -> str:
    """On a server's pages: the language picked in the switcher, or the person's Discord
    language, when Mutuals speaks it; else the server's language (before their browser's)."""
    if viewer.locale is not None:
        mine = language_of(viewer.locale)
        if mine != SOURCE or viewer.locale.startswith("en"):
            return mine
    return await server_language(dash.bot.db, guild_id)


def guild_page(section: str) -> Callable[[PageHandler], Callable[[web.Request], Awaitable[Any]]]:
    """A page of one server's dashboard: logged in, Manage Server there (re-checked with
    Discord on every change), the bot present."""

    def wrap(handler: PageHandler) -> Callable[[web.Request], Awaitable[Any]]:
        @functools.wraps(handler)
        async def run(request: web.Request) -> web.StreamResponse:
            dash = request.app[DASHBOARD]
            viewer = await require_viewer(request)
            try:
                guild_id = int(request.match_info["guild_id"])
            except ValueError:
                raise Refused(404, _("No such server"), _("That isn't a server link.")) from None
            changing = request.method not in SAFE_METHODS
            try:
                servers = await dash.servers_of(viewer, fresh=changing)
            except TokenRejected:
                await _logged_out(request)
                if changing:
                    raise Refused(
                        401, _("Log in again"), _("Your Discord login ended. Log in again.")
                    ) from None
                raise web.HTTPSeeOther("/auth/login") from None
            except DiscordUnavailable:
                raise Refused(
                    503,
                    _("Discord isn't answering"),
                    _(
                        "I couldn't check your permissions with Discord just now. "
                        "Nothing was changed; try again in a few seconds."
                    ),
                ) from None
            entry = next((g for g in servers if g.id == guild_id), None)
            if entry is None or not entry.can_manage:
                log.info(
                    "web: user %s refused for guild %s (no Manage Server)", viewer.id, guild_id
                )
                raise Refused(
                    403,
                    _("Moderators only"),
                    _(
                        "You need the Manage Server permission in that server to set Mutuals up "
                        "there. Ask a server admin, or pick one of your servers."
                    ),
                )
            snap = await dash.guilds.get(guild_id)
            if snap is None:
                raise Refused(
                    404,
                    _("Mutuals isn't there"),
                    _(
                        "Mutuals isn't in {server}. Invite the bot first, then come back.",
                        server=entry.name,
                    ),
                )
            set_locale(await page_language(dash, viewer, guild_id))
            return await handler(Page(request, dash, viewer, snap, section))

        return run

    return wrap


@web.middleware
async def csrf_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Every form carries the session's CSRF token (or the X-CSRF-Token header for the
    preview); a change without it, or with another one, is refused before anything runs."""
    if request.method in SAFE_METHODS:
        return await handler(request)
    session = await get_session(request)
    expected = session.get("csrf")
    sent = request.headers.get("X-CSRF-Token", "")
    if not sent and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        form = await request.post()
        value = form.get("csrf_token", "")
        sent = value if isinstance(value, str) else ""
    if session.get("uid") is None and request.path not in OPEN_FORMS:
        raise Refused(401, _("Log in first"), _("Log in with Discord to change Mutuals' settings."))
    if not isinstance(expected, str) or not hmac.compare_digest(expected, sent):
        log.warning("web: refused a form without a valid CSRF token (%s)", request.path)
        raise Refused(
            403,
            _("That form expired"),
            _(
                "That form didn't come from this dashboard (or it is older than your login). "
                "Nothing was changed: reload the page and try again."
            ),
        )
    return await handler(request)
