"""Welcome settings on the web, the same options as /welcome: the channel, the DM, the
autorole, the public message (with a live preview), the house norms, raid and leave tuning,
and the niche list."""

from __future__ import annotations

import contextlib
from typing import Any

from aiohttp import web
from markupsafe import escape

from core.emoji import validate_emoji
from core.errors import Conflict, DomainError
from core.i18n import _, format_number, ngettext
from core.text import clean_line
from services.niches import update_niche
from services.welcome import PLACEHOLDERS, render_template, validate_rules, validate_template
from web.access import guild_page
from web.context import Page
from web.forms import Form
from web.markup import discordish
from web.pages._common import pickers, read_form, submit

SAMPLE_NICHE = "PlantTok"


def sample(page: Page, template: str) -> str:
    """The welcome as a newcomer's post would read, for a preview (the viewer as newcomer)."""
    return render_template(
        template,
        member=f"@{page.viewer.name}",
        server=page.guild.name,
        count=format_number(page.guild.member_count or 1),
        niche=SAMPLE_NICHE,
    )


async def show(
    page: Page, *, form: Form | None = None, status: int = 200, **extra: Any
) -> web.Response:
    settings = await page.services.welcome.settings(page.guild.id)
    niches = await page.services.niches.list_niches(page.guild.id)
    template = settings.template
    if form is not None and form.name == "message" and form.raw("template"):
        with contextlib.suppress(DomainError):  # the form shows why it isn't valid
            template = validate_template(form.raw("template"))
    return await page.render(
        "welcome.html",
        status=status,
        form=form,
        settings=settings,
        niches=niches,
        preview=sample(page, template),
        placeholders=PLACEHOLDERS,
        **pickers(page),
        **extra,
    )


@guild_page("welcome")
async def view(page: Page) -> web.StreamResponse:
    return await show(page)


@guild_page("welcome")
async def save_basics(page: Page) -> web.StreamResponse:
    form = await read_form(page, "basics")
    current = await page.services.welcome.settings(page.guild.id)
    channel = form.channel("channel", page.guild, required=current.channel_id is not None)
    autorole = form.role("autorole", page.guild, assignable=True)
    dm = form.flag("dm")

    async def action() -> str:
        changes: dict[str, Any] = {"dm_enabled": dm, "autorole_id": autorole}
        if channel is not None:
            changes["channel_id"] = channel
        s = await page.services.welcome.configure(page.guild.id, **changes)
        dm_text = (
            _("newcomers get the onboarding DM 📬")
            if s.dm_enabled
            else _("no DMs: newcomers use **Start onboarding** on their welcome post")
        )
        where = f"<#{s.channel_id}>" if s.channel_id else _("no channel yet")
        role = (
            _("onboarded members get {role}", role=f"<@&{s.autorole_id}>")
            if s.autorole_id
            else _("no autorole")
        )
        return _(
            "Saved! Welcomes go to {where}; {dm}; {role}. 💞", where=where, dm=dm_text, role=role
        )

    return await submit(page, form, show, action)


@guild_page("welcome")
async def save_message(page: Page) -> web.StreamResponse:
    form = await read_form(page, "message")
    reset = form.flag("reset")
    if form.raw("do") == "preview":  # shown, not saved (without JavaScript too)
        form.check("template", validate_template, label=_("The welcome message"))
        return await show(page, form=form, status=400 if form.errors else 200)
    template = None if reset else form.check("template", validate_template, label=_("The message"))

    async def action() -> str:
        await page.services.welcome.configure(page.guild.id, template=template)
        return _("Back to the default welcome.") if reset else _("Welcome message saved. 💞")

    return await submit(page, form, show, action)


@guild_page("welcome")
async def live_preview(page: Page) -> web.StreamResponse:
    """The preview as the moderator types (JSON for dashboard.js; same rules as saving)."""
    data = await page.request.post()
    raw = data.get("template", "")
    try:
        template = validate_template(raw if isinstance(raw, str) else "")
    except DomainError as exc:
        return web.json_response({"ok": False, "error": str(discordish(exc.message).striptags())})
    body = discordish(sample(page, template), page.guild)
    return web.json_response({"ok": True, "html": str(body)})


@guild_page("welcome")
async def save_rules(page: Page) -> web.StreamResponse:
    form = await read_form(page, "rules")
    reset = form.flag("reset")
    rules = None if reset else form.check("rules", validate_rules, label=_("The norms"))

    async def action() -> str:
        s = await page.services.welcome.configure(
            page.guild.id, rules="\n".join(rules) if rules is not None else None
        )
        if reset:
            return _("Default norms restored.")
        return ngettext("Norms saved 💞 ({n} norm).", "Norms saved 💞 ({n} norms).", len(s.rules))

    return await submit(page, form, show, action)


@guild_page("welcome")
async def save_tuning(page: Page) -> web.StreamResponse:
    form = await read_form(page, "tuning")
    joins = form.integer("raid_joins", label=_("Raid threshold"), low=2, high=1000)
    seconds = form.integer("raid_seconds", label=_("Raid window"), low=5, high=3600)
    minutes = form.integer("leave_minutes", label=_("Leave clean-up"), low=0, high=10080)

    async def action() -> str:
        assert joins is not None and seconds is not None and minutes is not None
        s = await page.services.welcome.configure(
            page.guild.id,
            raid_joins=joins,
            raid_window_seconds=seconds,
            leave_window_minutes=minutes,
        )
        return _(
            "More than **{joins}** in **{window}** turn into one batched welcome per window; "
            "members leaving within **{leave}** have their welcome removed.",
            joins=ngettext("{n} join", "{n} joins", s.raid_joins),
            window=ngettext("{n} second", "{n} seconds", s.raid_window_seconds),
            leave=ngettext("{n} minute", "{n} minutes", s.leave_window_minutes),
        )

    return await submit(page, form, show, action)


@guild_page("welcome")
async def save_niche(page: Page) -> web.StreamResponse:
    form = await read_form(page, "niche")
    name = form.check(
        "name",
        lambda raw: clean_line(raw, field=_("niche name"), max_len=40),
        label=_("Niche name"),
    )
    emoji = None
    if form.raw("emoji"):
        emoji = form.check("emoji", validate_emoji, label=_("Emoji"))
    role = form.role("role", page.guild, assignable=True)
    description = form.raw("description") or None
    if description is not None and len(description) > 100:
        form.fail("description", _("Keep the description to 100 characters."))
    niches = page.services.niches

    async def action() -> str:
        assert name is not None
        extra = _(" (gives {role})", role=f"<@&{role}>") if role is not None else ""
        try:
            added = await niches.add(
                page.guild.id, name, emoji=emoji, role_id=role, description=description
            )
        except Conflict as exc:
            if emoji is None and role is None and description is None:
                raise Conflict(
                    _(
                        "{problem} To change it, save it again with an emoji, role or description.",
                        problem=exc.message,
                    )
                ) from None
            updated = await update_niche(
                niches, page.guild.id, name, emoji=emoji, role_id=role, description=description
            )
            return _("Updated **{niche}**{extra}. 💞", niche=escape(updated.label), extra=extra)
        return _("Added **{niche}**{extra}. 💞", niche=escape(added.label), extra=extra)

    return await submit(page, form, show, action)


@guild_page("welcome")
async def remove_niche(page: Page) -> web.StreamResponse:
    form = await read_form(page, "niche-remove")
    name = form.check(
        "name", lambda raw: clean_line(raw, field=_("niche name"), max_len=40), label=_("Niche")
    )

    async def action() -> str:
        assert name is not None
        removed = await page.services.niches.remove(page.guild.id, name)
        return _("Removed **{niche}** from the list.", niche=escape(removed.name))

    return await submit(page, form, show, action)


def setup(app: web.Application) -> None:
    base = "/g/{guild_id}/welcome"
    app.router.add_get(base, view)
    app.router.add_post(base + "/basics", save_basics)
    app.router.add_post(base + "/message", save_message)
    app.router.add_post(base + "/preview", live_preview)
    app.router.add_post(base + "/rules", save_rules)
    app.router.add_post(base + "/tuning", save_tuning)
    app.router.add_post(base + "/niches", save_niche)
    app.router.add_post(base + "/niches/remove", remove_niche)
