"""The dashboard's aiohttp application: encrypted session cookies (HttpOnly, SameSite=Lax,
Secure behind https), CSRF on every change, security headers, server-rendered Jinja2 pages,
one error path (friendly pages; anything unexpected logged once with an error id)."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import setup as setup_sessions
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from core import i18n
from core.errors import DomainError, new_error_id
from core.i18n import _
from web import auth, language
from web.access import Refused, csrf_middleware, error_page
from web.context import DASHBOARD, Dashboard
from web.markup import discordish, local_time
from web.pages import PAGES

log = logging.getLogger("mutuals.web")

HERE = Path(__file__).resolve().parent
COOKIE_NAME = "mutuals_session"
SESSION_DAYS = 7
#: a quiz pack may be up to 1 MB; leave room for the form around it
MAX_BODY = 2 * 1024 * 1024

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _cookie_key(dash: Dashboard) -> bytes:
    secret = dash.settings.session_secret
    if secret is None:
        log.warning("WEB_SESSION_SECRET is not set: dashboard logins end when the bot restarts")
        raw = secrets.token_bytes(32)
    else:
        raw = hashlib.sha256(b"mutuals-web-session:" + secret.get().encode()).digest()
    return raw  # 32 bytes: the storage makes the Fernet key of them


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except Refused as refused:
        return await error_page(request, refused)
    except DomainError as exc:  # a service's friendly refusal outside a form
        return await error_page(request, Refused(400, _("That didn't work"), exc.message))
    except web.HTTPRequestEntityTooLarge:
        return await error_page(
            request,
            Refused(
                413,
                _("That's too big"),
                _(
                    "That upload is over {size} MB, so nothing was changed. "
                    "Question packs can be up to 1 MB: split it into smaller packs.",
                    size=MAX_BODY // 1024**2,
                ),
            ),
        )
    except web.HTTPException:
        raise
    except Exception:
        error_id = new_error_id()
        log.exception("web: error %s on %s %s", error_id, request.method, request.path)
        return await error_page(
            request,
            Refused(
                500,
                _("Something broke on our side"),
                _(
                    "Sorry! That didn't work (error id {error_id}; it's logged). "
                    "Nothing else was changed. Try again in a minute.",
                    error_id=error_id,
                ),
            ),
        )


@web.middleware
async def headers_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data: https://cdn.discordapp.com; "
        "style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'",
    )
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def build_app(dash: Dashboard) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY)
    app[DASHBOARD] = dash
    secure = (dash.settings.base_url or "").startswith("https://")
    storage = EncryptedCookieStorage(
        _cookie_key(dash),
        cookie_name=COOKIE_NAME,
        max_age=SESSION_DAYS * 86400,
        httponly=True,
        # Lax, not Strict: Discord sends the person back to /auth/callback with a top-level
        # navigation from discord.com, which must carry the cookie holding the OAuth state.
        samesite="Lax",
        secure=secure,
    )
    setup_sessions(app, storage)
    # after the session middleware: errors render with the session, CSRF reads it; the
    # language first, so error pages and services' refusals speak the viewer's language too
    app.middlewares.extend(
        [language.language_middleware, headers_middleware, errors_middleware, csrf_middleware]
    )
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    # Templates call _("… {name} …", name=x) like the Python code (str.format fields, the
    # request's language): installed as they are, not "newstyle" (which formats with %).
    env.install_gettext_callables(i18n._, i18n.ngettext, newstyle=False)  # type: ignore[attr-defined]
    env.globals["language"] = i18n.current
    env.globals["language_choices"] = language.choices
    env.filters["discordish"] = discordish
    env.filters["local"] = local_time
    app[aiohttp_jinja2.static_root_key] = "/static"
    app.router.add_get("/", auth.home)
    app.router.add_get("/auth/login", auth.login)
    app.router.add_get(dash.settings.redirect_path, auth.callback)
    app.router.add_post("/auth/logout", auth.logout)
    app.router.add_post(language.SWITCH_PATH, language.switch)
    app.router.add_static("/static/", HERE / "static")
    for page in PAGES:
        page.setup(app)
    return app
