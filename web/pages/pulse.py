"""The community pulse of one server's week: headline numbers, charts (PNG, drawn in the pulse's
worker process so the bot's event loop and GIL stay free, and kept for the same numbers) and
each table, also as a CSV download, in the moderator's language; and the weekly pulse post's
setting (the same as /pulse weekly-post). For moderators (Manage Server), like every page."""

from __future__ import annotations

import time

from aiohttp import web

from core.i18n import _, current
from services.pulse import TABLES, Pulse, following, previous, table_csv
from services.pulse.post import described
from services.pulse.renderer import CHART_KEYS
from services.pulse.weeks import week_label
from services.pulse.words import charts_of
from web.access import Refused, guild_page
from web.context import Page
from web.forms import Form
from web.pages._common import pickers, read_form, submit

CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
#: a page and its five charts (requested right after it) share one read of the numbers
READ_TTL = 30.0
#: a finished week's numbers barely move (a late "we collabed" answer, who waits longest now):
#: read again after ten minutes
FINISHED_TTL = 600.0
READS_KEPT = 64


async def read(page: Page) -> Pulse:
    week = page.request.query.get("week") or ""
    reads = page.dash.pulse_reads
    # the wins are words: each language has its own read
    key = (page.guild.id, week, current())
    hit = reads.get(key)
    if hit is not None:
        ttl = READ_TTL if hit[1].week.in_progress else FINISHED_TTL
        if time.monotonic() - hit[0] < ttl:
            return hit[1]
    pulse = await page.services.pulse.week(page.guild.id, week or None)
    if len(reads) >= READS_KEPT:
        reads.clear()
    reads[key] = (time.monotonic(), pulse)
    return pulse


def _attachment(filename: str) -> str:
    # the name is made of digits, letters and dashes only (guild id, week key, table key)
    return f'attachment; filename="{filename}"'


async def show(page: Page, *, form: Form | None = None, status: int = 200) -> web.Response:
    pulse = await read(page)
    # the browser asks for the charts right after the HTML: start drawing them now
    page.services.pulse.charts.prefetch(pulse, current())
    now = page.now
    before, after = previous(pulse.week, now), following(pulse.week, now)
    return await page.render(
        "pulse.html",
        status=status,
        form=form,
        post=await page.services.pulse.posts.setting(page.guild.id),
        **pickers(page),
        pulse=pulse,
        week_label=week_label(pulse.week),
        charts=charts_of(pulse),
        tables=[make(pulse) for make in TABLES.values()],
        before=before,
        after=after,
    )


@guild_page("pulse")
async def view(page: Page) -> web.StreamResponse:
    return await show(page)


@guild_page("pulse")
async def save_weekly_post(page: Page) -> web.StreamResponse:
    form = await read_form(page, "weekly-post")
    enabled = form.flag("enabled")
    channel = form.channel("channel", page.guild, required=False)

    async def action() -> str:
        setting = await page.services.pulse.posts.choose(
            page.guild.id, enabled=enabled, channel_id=channel
        )
        return described(setting)

    return await submit(page, form, show, action)


@guild_page("pulse")
async def chart(page: Page) -> web.StreamResponse:
    key, fmt = page.request.match_info["chart"], page.request.match_info["fmt"]
    if key not in CHART_KEYS:
        raise Refused(404, _("No such chart"), _("The pulse has no chart by that name."))
    pulse = await read(page)
    body = await page.services.pulse.charts.chart(pulse, key, fmt, current())
    return web.Response(body=body, content_type=CONTENT_TYPES[fmt])


@guild_page("pulse")
async def table(page: Page) -> web.StreamResponse:
    key = page.request.match_info["table"]
    if key not in TABLES:
        raise Refused(404, _("No such table"), _("The pulse has no table by that name."))
    filename, text = table_csv(await read(page), key)
    return web.Response(
        text=text,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": _attachment(filename)},
    )


def setup(app: web.Application) -> None:
    app.router.add_get("/g/{guild_id}/pulse", view)
    app.router.add_post("/g/{guild_id}/pulse/weekly-post", save_weekly_post)
    app.router.add_get(r"/g/{guild_id}/pulse/chart/{chart}.{fmt:png|svg}", chart)
    app.router.add_get(r"/g/{guild_id}/pulse/{table}.csv", table)
