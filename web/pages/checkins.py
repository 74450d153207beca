"""Check-ins on the web, the same options as /checkin-mod: setup (channel, period, day, local
time), the questions, the recap's time, pause and resume."""

from __future__ import annotations

from aiohttp import web
from babel.dates import get_day_names

from core.errors import DomainError
from core.i18n import N_, _, current, ngettext
from services.checkins.inputs import MAX_QUESTIONS, clean_questions
from services.checkins.periods import WEEKDAYS
from services.schedules import parse_time
from web.access import guild_page
from web.context import Page
from web.forms import Form
from web.pages._common import pickers, read_form, submit

PERIODS = [("weekly", N_("weekly")), ("daily", N_("daily"))]


def day_options() -> list[tuple[str, str]]:
    """("mon", "Monday"), ("mon", "月曜日")… in the viewer's language (Babel's names)."""
    names = get_day_names("wide", locale=current())
    return [(key, str(names[i])) for i, key in enumerate(WEEKDAYS)]


async def show(page: Page, *, form: Form | None = None, status: int = 200) -> web.Response:
    settings = await page.services.checkins.get_settings(page.guild.id)
    questions = [q.text for q in settings.questions] if settings else []
    return await page.render(
        "checkins.html",
        status=status,
        form=form,
        settings=settings,
        questions=questions + [""] * (MAX_QUESTIONS - len(questions)),
        periods=[(key, _(label)) for key, label in PERIODS],
        days=day_options(),
        weekdays=WEEKDAYS,
        **pickers(page),
    )


def _time(raw: str) -> str:
    hour, minute = parse_time(raw)
    return f"{hour:02d}:{minute:02d}"


@guild_page("checkins")
async def view(page: Page) -> web.StreamResponse:
    return await show(page)


@guild_page("checkins")
async def save_setup(page: Page) -> web.StreamResponse:
    form = await read_form(page, "setup")
    channel = form.channel("channel", page.guild)
    period = form.raw("period") or "weekly"
    if period not in dict(PERIODS):
        form.fail("period", _("Pick weekly or daily."))
    day = form.raw("day") or "sun"
    if day not in WEEKDAYS:
        form.fail("day", _("Pick a day."))
    at = form.check("time", _time, label=_("The time"))

    async def action() -> str:
        assert channel is not None and at is not None
        s = await page.services.checkins.setup(
            page.guild.id, channel_id=channel, day=day, at=at, period=period, by=page.viewer.id
        )
        return _(
            "Check-ins are on! 💞 Members who `/checkin optin` are asked {when} (server zone "
            "**{timezone}** for anyone without one). The recap posts in {channel} at {time} "
            "server time after each period.",
            when=s.describe(),
            timezone=s.timezone,
            channel=f"<#{s.channel_id}>",
            time=s.summary_time.strftime("%H:%M"),
        )

    return await submit(page, form, show, action)


@guild_page("checkins")
async def save_questions(page: Page) -> web.StreamResponse:
    form = await read_form(page, "questions")
    svc = page.services.checkins
    if form.flag("reset"):

        async def reset() -> str:
            await svc.reset_questions(page.guild.id)
            return _("Back to the default questions.")

        return await submit(page, form, show, reset)
    texts = [form.raw(f"q{i}") for i in range(1, MAX_QUESTIONS + 1)]
    for i, text in enumerate(texts, start=1):  # each question's own problem under it
        if text:
            try:
                clean_questions([text])
            except DomainError as exc:
                form.fail(f"q{i}", exc.message)

    async def action() -> str:
        s = await svc.set_questions(page.guild.id, texts)
        return ngettext("Saved {n} question. 💞", "Saved {n} questions. 💞", len(s.questions))

    return await submit(page, form, show, action)


@guild_page("checkins")
async def save_summary(page: Page) -> web.StreamResponse:
    form = await read_form(page, "summary")
    at = form.check("summary_time", _time, label=_("The recap time"))

    async def action() -> str:
        assert at is not None
        s = await page.services.checkins.set_summary_time(page.guild.id, at)
        return _(
            "The recap now posts at **{time}** ({timezone}) the day after each period.",
            time=s.summary_time.strftime("%H:%M"),
            timezone=s.timezone,
        )

    return await submit(page, form, show, action)


@guild_page("checkins")
async def pause_or_resume(page: Page) -> web.StreamResponse:
    form = await read_form(page, "state")
    pause = form.raw("do") == "pause"

    async def action() -> str:
        s = await page.services.checkins.set_paused(page.guild.id, pause)
        if pause:
            return _("Check-ins paused. 💤 Nobody's streak breaks meanwhile.")
        return _("Check-ins are back! Members are asked {when}.", when=s.describe())

    return await submit(page, form, show, action)


def setup(app: web.Application) -> None:
    base = "/g/{guild_id}/checkins"
    app.router.add_get(base, view)
    app.router.add_post(base, save_setup)
    app.router.add_post(base + "/questions", save_questions)
    app.router.add_post(base + "/summary", save_summary)
    app.router.add_post(base + "/state", pause_or_resume)
