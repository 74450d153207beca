"""Log in with Discord (OAuth2 authorization code flow, scopes ``identify guilds``), log out,
and the home page: the servers this person can set Mutuals up in."""

from __future__ import annotations

import hmac
import logging
import secrets

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session, new_session

from core.i18n import _
from web.access import Refused, current_viewer, ensure_csrf
from web.context import DASHBOARD, base_context
from web.discord_api import DiscordUnavailable, PartialGuild, TokenRejected
from web.guilds import GuildSnapshot

log = logging.getLogger("mutuals.web")


def _local(path: object) -> str:
    """Only a path on this site is a place to go back to after login (no open redirect)."""
    if isinstance(path, str) and path.startswith("/") and not path.startswith("//"):
        return path
    return "/"


async def login(request: web.Request) -> web.StreamResponse:
    dash = request.app[DASHBOARD]
    session = await get_session(request)
    state = secrets.token_urlsafe(24)
    session["oauth_state"] = state
    if "next" in request.query:
        session["next"] = _local(request.query["next"])
    raise web.HTTPSeeOther(dash.oauth.authorize_url(state=state, redirect_uri=dash.redirect_uri))


async def callback(request: web.Request) -> web.StreamResponse:
    dash = request.app[DASHBOARD]
    session = await get_session(request)
    expected = session.pop("oauth_state", None)
    state = request.query.get("state", "")
    if not isinstance(expected, str) or not hmac.compare_digest(expected, state):
        log.warning("web: login callback with a missing or wrong OAuth state; refused")
        raise Refused(
            400,
            _("That login link is stale"),
            _(
                "That login didn't start here (or it was already used). Nothing happened: "
                "log in again from this page."
            ),
        )
    if request.query.get("error"):
        raise Refused(
            403,
            _("Login cancelled"),
            _(
                "You didn't let Mutuals see who you are, so I can't show you your servers. "
                "Log in again whenever you're ready. 💞"
            ),
        )
    code = request.query.get("code", "")
    if not code:
        raise Refused(400, _("Login failed"), _("Discord sent no login code. Log in again."))
    try:
        token, _ttl = await dash.oauth.exchange(code, dash.redirect_uri)
        person = await dash.oauth.me(token)
    except (TokenRejected, DiscordUnavailable) as exc:
        log.warning("web: login failed: %s", exc)
        raise Refused(
            502,
            _("Login failed"),
            _("Discord didn't accept that login (it may have expired). Log in again."),
        ) from None
    go_to = _local(session.get("next"))
    fresh = await new_session(request)  # a new session (and CSRF token) for the logged-in person
    fresh.update({"uid": person.id, "name": person.name, "avatar": person.avatar_url})
    fresh["locale"] = person.locale
    fresh["token"] = token
    fresh["csrf"] = secrets.token_urlsafe(32)
    dash.access.pop(person.id, None)
    log.info("web: user %s logged in", person.id)
    raise web.HTTPSeeOther(go_to)


async def logout(request: web.Request) -> web.StreamResponse:
    viewer = await current_viewer(request)
    session = await get_session(request)
    session.invalidate()
    if viewer is not None:
        request.app[DASHBOARD].access.pop(viewer.id, None)
    raise web.HTTPSeeOther("/")


async def home(request: web.Request) -> web.StreamResponse:
    dash = request.app[DASHBOARD]
    viewer = await current_viewer(request)
    await ensure_csrf(request)
    context = await base_context(request, viewer)
    if viewer is None:
        return aiohttp_jinja2.render_template("login.html", request, context)
    try:
        servers = await dash.servers_of(viewer, fresh=False)
    except TokenRejected:
        (await get_session(request)).invalidate()
        raise web.HTTPSeeOther("/") from None
    except DiscordUnavailable:
        raise Refused(
            503,
            _("Discord isn't answering"),
            _("I couldn't get your servers. Try again in a moment."),
        ) from None
    managed = [s for s in servers if s.can_manage]
    with_bot: list[tuple[PartialGuild, GuildSnapshot]] = []
    without_bot: list[tuple[PartialGuild, None]] = []
    for server in managed:
        snap = await dash.guilds.get(server.id)
        if snap is not None:
            with_bot.append((server, snap))
        else:
            without_bot.append((server, None))
    context.update(with_bot=with_bot, without_bot=without_bot)
    return aiohttp_jinja2.render_template("home.html", request, context)
