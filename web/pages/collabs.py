"""Collab rounds on the web, the same options as /collab-rounds setup, pause and resume."""

from __future__ import annotations

from aiohttp import web
from babel.dates import get_day_names

from core.i18n import N_, _, current, ngettext
from services.profiles import validate_timezone
from services.schedules import parse_time
from web.access import guild_page
from web.context import Page
from web.forms import Form
from web.pages._common import pickers, read_form, submit

FREQUENCIES = [
    ("weekly", N_("weekly")),
    ("biweekly", N_("every other week")),
    ("monthly", N_("monthly (first chosen weekday)")),
]
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def day_options() -> list[tuple[str, str]]:
    """("mon", "Monday"), ("mon", "lunes"), ("mon", "月曜日")… in the viewer's language."""
    names = get_day_names("wide", locale=current())
    return [(key, str(names[i])) for i, key in enumerate(DAYS)]


async def show(page: Page, *, form: Form | None = None, status: int = 200) -> web.Response:
    settings = await page.services.collabs.settings(page.guild.id)
    cfg = await page.services.guild_config.get(page.guild.id)
    return await page.render(
        "collabs.html",
        status=status,
        form=form,
        settings=settings,
        server_zone=cfg.timezone,
        frequencies=[(key, _(label)) for key, label in FREQUENCIES],
        days=day_options(),
        **pickers(page),
    )


@guild_page("collabs")
async def view(page: Page) -> web.StreamResponse:
    return await show(page)


@guild_page("collabs")
async def save(page: Page) -> web.StreamResponse:
    form = await read_form(page, "rounds")
    channel = form.channel("channel", page.guild)
    frequency = form.raw("frequency")
    if frequency not in dict(FREQUENCIES):
        form.fail("frequency", _("Pick how often rounds run."))
    day = form.raw("day")
    if day not in DAYS:
        form.fail("day", _("Pick a weekday."))
    at = form.check("time", lambda raw: (parse_time(raw), raw)[1], label=_("The time"))
    zone = (
        form.check("timezone", validate_timezone, label=_("Time zone"))
        if form.raw("timezone")
        else (await page.services.guild_config.get(page.guild.id)).timezone
    )
    history = form.integer("history", label=_("Rounds without repeat partners"), low=0, high=52)
    followup = form.integer("followup_days", label=_("Days until the follow-up"), low=1, high=60)

    async def action() -> str:
        assert channel is not None and at is not None and zone is not None
        cfg = await page.services.collabs.setup(
            page.guild.id,
            page.viewer.id,
            channel_id=channel,
            frequency=frequency,
            day=day,
            at=at,
            timezone=zone,
            history_rounds=history,
            followup_days=followup,
        )
        found = page.guild.channel(channel)
        warning = ""
        if found is not None and not found.can_thread:
            warning = " " + _(
                "⚠️ I can't create private threads there (I need **Create Private Threads** "
                "and **Send Messages in Threads**), so I'll introduce pairs by DM until that's "
                "fixed."
            )
        nxt = " " + _("Rounds are paused: resume them below to start.") if cfg.paused else ""
        return (
            _(
                "Collab rounds run {when} in {channel}.{paused} Follow-ups after {days}; "
                "no repeat partners within {rounds}.",
                when=cfg.describe(),
                channel=f"<#{cfg.channel_id}>",
                paused=nxt,
                days=ngettext("{n} day", "{n} days", cfg.followup_days),
                rounds=ngettext("{n} round", "{n} rounds", cfg.history_rounds),
            )
            + warning
        )

    return await submit(page, form, show, action)


@guild_page("collabs")
async def pause_or_resume(page: Page) -> web.StreamResponse:
    form = await read_form(page, "state")
    pause = form.raw("do") == "pause"

    async def action() -> str:
        await page.services.collabs.set_paused(page.guild.id, pause)
        return _("Collab rounds paused.") if pause else _("Collab rounds are back on! 💞")

    return await submit(page, form, show, action)


def setup(app: web.Application) -> None:
    app.router.add_get("/g/{guild_id}/collabs", view)
    app.router.add_post("/g/{guild_id}/collabs", save)
    app.router.add_post("/g/{guild_id}/collabs/state", pause_or_resume)
