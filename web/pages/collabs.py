"""Collab rounds on the web, the same options as /collab-rounds setup, pause and resume."""

from __future__ import annotations

from aiohttp import web

from core.text import plural
from services.profiles import validate_timezone
from services.schedules import parse_time
from web.access import guild_page
from web.context import Page
from web.forms import Form
from web.pages._common import pickers, read_form, submit

FREQUENCIES = [
    ("weekly", "weekly"),
    ("biweekly", "every other week"),
    ("monthly", "monthly (first chosen weekday)"),
]
DAYS = [
    (name[:3].lower(), name)
    for name in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
]


async def show(page: Page, *, form: Form | None = None, status: int = 200) -> web.Response:
    settings = await page.services.collabs.settings(page.guild.id)
    cfg = await page.services.guild_config.get(page.guild.id)
    return await page.render(
        "collabs.html",
        status=status,
        form=form,
        settings=settings,
        server_zone=cfg.timezone,
        frequencies=FREQUENCIES,
        days=DAYS,
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
        form.fail("frequency", "Pick how often rounds run.")
    day = form.raw("day")
    if day not in dict(DAYS):
        form.fail("day", "Pick a weekday.")
    at = form.check("time", lambda raw: (parse_time(raw), raw)[1], label="The time")
    zone = (
        form.check("timezone", validate_timezone, label="Time zone")
        if form.raw("timezone")
        else (await page.services.guild_config.get(page.guild.id)).timezone
    )
    history = form.integer("history", label="Rounds without repeat partners", low=0, high=52)
    followup = form.integer("followup_days", label="Days until the follow-up", low=1, high=60)

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
            warning = (
                " ⚠️ I can't create private threads there (I need **Create Private Threads** "
                "and **Send Messages in Threads**), so I'll introduce pairs by DM until that's "
                "fixed."
            )
        nxt = " Rounds are paused: resume them below to start." if cfg.paused else ""
        return (
            f"Collab rounds run {cfg.describe()} in <#{cfg.channel_id}>.{nxt} Follow-ups after "
            f"{plural(cfg.followup_days, 'day')}; no repeat partners within "
            f"{plural(cfg.history_rounds, 'round')}." + warning
        )

    return await submit(page, form, show, action)


@guild_page("collabs")
async def pause_or_resume(page: Page) -> web.StreamResponse:
    form = await read_form(page, "state")
    pause = form.raw("do") == "pause"

    async def action() -> str:
        await page.services.collabs.set_paused(page.guild.id, pause)
        return "Collab rounds paused." if pause else "Collab rounds are back on! 💞"

    return await submit(page, form, show, action)


def setup(app: web.Application) -> None:
    app.router.add_get("/g/{guild_id}/collabs", view)
    app.router.add_post("/g/{guild_id}/collabs", save)
    app.router.add_post("/g/{guild_id}/collabs/state", pause_or_resume)
