"""Quizzes on the web, the same options as /quiz-mod: the term of the day (daily-setup,
daily-off), categories on and off, and question packs in (all or nothing, every problem listed
by question) and out."""

from __future__ import annotations

from aiohttp import web

from core.errors import DomainError, NotFound
from core.i18n import _, ngettext
from services.profiles import validate_timezone
from services.quizzes import CATEGORIES, PackErrors, check_upload
from services.schedules import parse_time
from web.access import guild_page
from web.context import Page
from web.forms import Form
from web.pages._common import pickers, read_form, submit


async def show(
    page: Page, *, form: Form | None = None, status: int = 200, problems: list[str] | None = None
) -> web.Response:
    quizzes = page.services.quizzes
    daily = await quizzes.daily.config(page.guild.id)
    counts = await quizzes.admin.category_counts(page.guild.id)
    cfg = await page.services.guild_config.get(page.guild.id)
    return await page.render(
        "quizzes.html",
        status=status,
        form=form,
        daily=daily,
        next_post=daily.next_post(page.now) if daily and daily.enabled else None,
        categories=[
            (key, _(label), *counts.get(key, (0, True))) for key, label in CATEGORIES.items()
        ],
        server_zone=cfg.timezone,
        problems=problems or [],
        **pickers(page),
    )


@guild_page("quizzes")
async def view(page: Page) -> web.StreamResponse:
    return await show(page)


@guild_page("quizzes")
async def save_daily(page: Page) -> web.StreamResponse:
    form = await read_form(page, "daily")
    daily = page.services.quizzes.daily
    if form.raw("do") == "off":

        async def off() -> str:
            changed = await daily.disable(page.guild.id)
            return (
                _("The term of the day is paused. Set it up again here whenever you like.")
                if changed
                else _("The term of the day wasn't being posted here.")
            )

        return await submit(page, form, show, off)
    channel = form.channel("channel", page.guild)
    at = form.check("time", lambda raw: (parse_time(raw), raw)[1], label=_("The time"))
    zone = (
        form.check("timezone", validate_timezone, label=_("Time zone"))
        if form.raw("timezone")
        else None
    )

    async def action() -> str:
        assert channel is not None and at is not None
        cfg = await daily.setup(page.guild.id, channel, at, zone)
        return _(
            "🌅 The term of the day will post in {channel} at **{time}** ({timezone}), once a day.",
            channel=f"<#{cfg.channel_id}>",
            time=cfg.post_time,
            timezone=cfg.timezone,
        )

    return await submit(page, form, show, action)


@guild_page("quizzes")
async def toggle_category(page: Page) -> web.StreamResponse:
    form = await read_form(page, "categories")
    key = form.raw("category")
    on = form.raw("do") == "on"
    if key not in CATEGORIES:
        form.fail("_form", _("Pick one of the categories listed."))

    async def action() -> str:
        label = _(CATEGORIES[key])
        changed = await page.services.quizzes.admin.set_category_enabled(page.guild.id, key, on)
        if on:
            if changed:
                return _("**{category}** is back on. 🎉", category=label)
            return _("**{category}** was already on.", category=label)
        if changed:
            return _("**{category}** is off.", category=label)
        return _("**{category}** was already off.", category=label)

    return await submit(page, form, show, action)


@guild_page("quizzes")
async def import_pack(page: Page) -> web.StreamResponse:
    data = await page.request.post()
    form = Form(data, name="import")
    upload = data.get("pack")
    if not isinstance(upload, web.FileField) or not upload.filename:
        form.fail("pack", _("Choose a .yaml, .yml or .json pack to import."))
        return await show(page, form=form, status=400)
    content = upload.file.read()
    try:
        check_upload(len(content), upload.filename)
        questions = await page.services.quizzes.admin.import_pack(
            page.guild.id, page.viewer.id, content, upload.filename
        )
    except PackErrors as exc:
        form.fail("pack", exc.message.splitlines()[0])
        return await show(page, form=form, status=400, problems=[str(p) for p in exc.problems])
    except DomainError as exc:
        form.fail("pack", exc.message)
        return await show(page, form=form, status=400)
    by_category: dict[str, int] = {}
    for q in questions:
        by_category[q.category_label] = by_category.get(q.category_label, 0) + 1
    summary = ", ".join(f"{n} {label}" for label, n in by_category.items())
    return await page.saved(
        ngettext(
            "Imported {n} question: {summary}. 🎉",
            "Imported {n} questions: {summary}. 🎉",
            len(questions),
            summary=summary,
        )
    )


@guild_page("quizzes")
async def export_pack(page: Page) -> web.StreamResponse:
    builtin = page.request.query.get("builtin") == "1"
    try:
        data, _count = await page.services.quizzes.admin.export_pack(
            page.guild.id, include_builtin=builtin
        )
    except NotFound:  # nothing of the server's own: the slash command's advice, for this page
        form = Form({}, name="export")
        form.fail(
            "_form",
            _(
                "This server hasn't added any questions yet. Add one with `/quiz-mod add` in "
                "Discord, or tick “include the shipped questions” to get the shipped packs as "
                "a template."
            ),
        )
        return await show(page, form=form, status=404)
    return web.Response(
        body=data,
        content_type="application/x-yaml",
        headers={"Content-Disposition": 'attachment; filename="mutuals-quiz-pack.yaml"'},
    )


def setup(app: web.Application) -> None:
    base = "/g/{guild_id}/quizzes"
    app.router.add_get(base, view)
    app.router.add_post(base + "/daily", save_daily)
    app.router.add_post(base + "/categories", toggle_category)
    app.router.add_post(base + "/import", import_pack)
    app.router.add_get(base + "/export", export_pack)
