"""Check-ins on the web, the same options as /checkin-mod: setup (channel, period, day, local
time), the questions, the recap's time, pause and resume."""

from __future__ import annotations

from aiohttp import web

from core.errors import DomainError
from services.checkins.inputs import MAX_QUESTIONS, clean_questions
from services.checkins.periods import WEEKDAY_NAMES, WEEKDAYS
from services.schedules import parse_time
from web.access import guild_page
from web.context import Page
from web.forms import Form
from web.pages._common import pickers, read_form, submit

PERIODS = [("weekly", "weekly"), ("daily", "daily")]
DAYS = list(zip(WEEKDAYS, WEEKDAY_NAMES, strict=True))
NOT_SET_UP = "Set check-ins up first (the form above), then change this."


async def show(page: Page, *, form: Form | None = None, status: int = 200) -> web.Response:
    settings = await page.services.checkins.get_settings(page.guild.id)
    questions = [q.text for q in settings.questions] if settings else []
    return await page.render(
        "checkins.html",
        status=status,
        form=form,
        settings=settings,
        questions=questions + [""] * (MAX_QUESTIONS - len(questions)),
        periods=PERIODS,
        days=DAYS,
        weekday_names=WEEKDAY_NAMES,
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
        form.fail("period", "Pick weekly or daily.")
    day = form.raw("day") or "sun"
    if day not in WEEKDAYS:
        form.fail("day", "Pick a day.")
    at = form.check("time", _time, label="The time")

    async def action() -> str:
        assert channel is not None and at is not None
        s = await page.services.checkins.setup(
            page.guild.id, channel_id=channel, day=day, at=at, period=period, by=page.viewer.id
        )
        return (
            f"Check-ins are on! 💞 Members who `/checkin optin` are asked {s.describe()} "
            f"(server zone **{s.timezone}** for anyone without one). The recap posts in "
            f"<#{s.channel_id}> at {s.summary_time.strftime('%H:%M')} server time after each "
            "period."
        )

    return await submit(page, form, show, action)


@guild_page("checkins")
async def save_questions(page: Page) -> web.StreamResponse:
    form = await read_form(page, "questions")
    svc = page.services.checkins
    if form.flag("reset"):

        async def reset() -> str:
            await svc.reset_questions(page.guild.id)
            return "Back to the default questions."

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
        return f"Saved {len(s.questions)} question{'s' if len(s.questions) != 1 else ''}. 💞"

    return await submit(page, form, show, action)


@guild_page("checkins")
async def save_summary(page: Page) -> web.StreamResponse:
    form = await read_form(page, "summary")
    at = form.check("summary_time", _time, label="The recap time")

    async def action() -> str:
        assert at is not None
        s = await page.services.checkins.set_summary_time(page.guild.id, at)
        return (
            f"The recap now posts at **{s.summary_time.strftime('%H:%M')}** ({s.timezone}) "
            "the day after each period."
        )

    return await submit(page, form, show, action)


@guild_page("checkins")
async def pause_or_resume(page: Page) -> web.StreamResponse:
    form = await read_form(page, "state")
    pause = form.raw("do") == "pause"

    async def action() -> str:
        s = await page.services.checkins.set_paused(page.guild.id, pause)
        if pause:
            return "Check-ins paused. 💤 Nobody's streak breaks meanwhile."
        return f"Check-ins are back! Members are asked {s.describe()}."

    return await submit(page, form, show, action)


def setup(app: web.Application) -> None:
    base = "/g/{guild_id}/checkins"
    app.router.add_get(base, view)
    app.router.add_post(base, save_setup)
    app.router.add_post(base + "/questions", save_questions)
    app.router.add_post(base + "/summary", save_summary)
    app.router.add_post(base + "/state", pause_or_resume)
