"""Server settings: the time zone every schedule defaults to, and the moderators' log channel
(the same as /config timezone and /config log-channel)."""

from __future__ import annotations

from aiohttp import web

from core.i18n import _
from services.profiles import validate_timezone
from web.access import guild_page
from web.context import Page
from web.forms import Form
from web.pages._common import pickers, read_form, submit


async def show(page: Page, *, form: Form | None = None, status: int = 200) -> web.Response:
    config = await page.services.guild_config.get(page.guild.id)
    return await page.render(
        "server.html", status=status, form=form, config=config, **pickers(page)
    )


@guild_page("server")
async def view(page: Page) -> web.StreamResponse:
    return await show(page)


@guild_page("server")
async def save(page: Page) -> web.StreamResponse:
    form = await read_form(page, "server")
    zone = form.check("timezone", validate_timezone, label=_("Time zone"))
    log_channel = form.channel("log_channel", page.guild, required=False)

    async def action() -> str:
        assert zone is not None
        cfg = await page.services.guild_config.update(
            page.guild.id, timezone=zone, log_channel_id=log_channel
        )
        where = f"<#{cfg.log_channel_id}>" if cfg.log_channel_id else _("a DM to whoever set it up")
        return _(
            "Saved! Server time zone **{timezone}**; moderator notices go to {where}.",
            timezone=cfg.timezone,
            where=where,
        )

    return await submit(page, form, show, action)


async def index(request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther(f"/g/{request.match_info['guild_id']}/server")


def setup(app: web.Application) -> None:
    app.router.add_get("/g/{guild_id}", index)
    app.router.add_get("/g/{guild_id}/server", view)
    app.router.add_post("/g/{guild_id}/server", save)
