"""The language a dashboard page speaks: the one picked in the footer's switcher, else the
person's Discord client language (read from ``/users/@me`` at login), else their browser's
(``Accept-Language``, before they log in), else English.

It is set once per request, around everything the request runs (the error pages, the CSRF
refusal, the handler and the template it renders, the services it calls): a service's refusal
is worded with ``_()`` when it is raised, so the language must already be the viewer's then."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp_session import get_session

from core.i18n import LANGUAGES, SOURCE, _, language_name, language_of, use_locale
from web.access import Refused
from web.auth import _local as local_path

#: the session key holding the person's language: the Discord locale from login ("pt-BR"), or
#: one of ours ("pt_BR") once they pick one in the switcher; core.i18n.language_of reads both
SESSION_KEY = "locale"
SWITCH_PATH = "/language"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def from_accept_language(header: str) -> str | None:
    """The browser's most wanted language that Mutuals speaks ("ja,en;q=0.8" → "ja")."""
    wanted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _sep, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and weight > 0:
            wanted.append((-weight, position, tag.strip()))
    for _weight, _position, tag in sorted(wanted):
        base = tag.replace("_", "-").split("-")[0].lower()
        # Portuguese is Brazilian Portuguese here: the only Portuguese Mutuals writes
        found = "pt_BR" if base == "pt" else base
        if found in LANGUAGES:
            return found
    return None


async def request_language(request: web.Request) -> str:
    session = await get_session(request)
    chosen = session.get(SESSION_KEY)
    if isinstance(chosen, str) and chosen:
        return language_of(chosen)
    return from_accept_language(request.headers.get("Accept-Language", "")) or SOURCE


@web.middleware
async def language_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    with use_locale(await request_language(request)):
        return await handler(request)


def choices() -> list[tuple[str, str]]:
    """The switcher's options, each language named in itself ("日本語", "한국어"…)."""
    return [(code, language_name(code)) for code in LANGUAGES]


async def switch(request: web.Request) -> web.StreamResponse:
    """The footer's switcher (a form with the CSRF token, checked by csrf_middleware)."""
    form = await request.post()
    chosen = form.get("language")
    if not isinstance(chosen, str) or chosen not in LANGUAGES:
        raise Refused(400, _("Pick a language"), _("Pick one of the languages in the list."))
    session = await get_session(request)
    session[SESSION_KEY] = chosen
    raise web.HTTPSeeOther(local_path(form.get("next")))
