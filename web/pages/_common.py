"""What every settings page shares: the pickers (channels, roles, time zones) from what the
bot sees in this server, and the one way a form is submitted (validate field by field, make
the one service call, go back with a note; or show the form again with its errors)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from aiohttp import web

from core.errors import DomainError
from core.i18n import _
from services.profiles import search_timezones
from web.context import Page
from web.forms import Form, Invalid

Show = Callable[..., Awaitable[web.StreamResponse]]


@cache
def all_zones() -> tuple[str, ...]:
    """The popular zones first, then every other one (the time-zone fields' suggestions)."""
    popular = search_timezones("")
    return tuple(popular) + tuple(z for z in sorted(available_timezones()) if z not in popular)


def pickers(page: Page) -> dict[str, Any]:
    return {
        "channel_options": [
            (
                c.id,
                f"#{c.name}" if c.can_post else _("#{channel} (I can't post here)", channel=c.name),
            )
            for c in page.guild.channels
        ],
        "role_options": [(r.id, f"@{r.name}") for r in page.guild.roles],
        "zones": all_zones(),
    }


async def submit(
    page: Page, form: Form, show: Show, action: Callable[[], Awaitable[str]]
) -> web.StreamResponse:
    """Run ``action`` (the service call; it returns the note to show) once the form is valid;
    a service's refusal is shown on the form, in the service's own words."""
    try:
        form.done()
        message = await action()
    except Invalid:
        pass
    except DomainError as exc:
        form.fail("_form", exc.message)
    else:
        return await page.saved(message, anchor=form.name)
    return await show(page, form=form, status=400)


async def read_form(page: Page, name: str) -> Form:
    return Form(await page.request.post(), name=name)
