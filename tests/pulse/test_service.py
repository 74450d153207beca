"""The pulse of a seeded week on a real database (SQLite and PostgreSQL): every number counted
by hand from tests/pulse/seed.py; the tables as CSV; the charts as real images."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from core.clock import ManualClock
from core.db import Database
from core.errors import DomainError, NotFound
from services.pulse import TABLES, PulseService, table_csv
from services.pulse.charts import render_chart
from services.pulse.renderer import CHART_KEYS
from services.pulse.words import charts_of
from tests.pulse import seed
from tests.pulse.seed import AMINA, JO, MARCUS, NOW, OTHER_G, PAT, WEEK, seed_week

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
async def pulse_service(db: Database, clock: ManualClock) -> PulseService:
    clock.set(NOW)
    await seed_week(db)
    return PulseService(db, clock)


async def test_the_week_in_numbers(pulse_service: PulseService) -> None:
    p = await pulse_service.week(seed.G)
    assert p.week.key == "2026-W02" and p.week.start == WEEK and p.week.in_progress
    assert p.guild_name == "Creator Fam"

    f = p.funnel  # last week's joiner, the preview and the other server don't count
    assert (f.joined, f.dm_sent, f.dm_closed, f.started, f.finished, f.left) == (5, 4, 1, 3, 2, 1)
    assert f.stuck_at == (("profile", 1),) and f.never_started == 2

    k = p.checkins
    assert (k.prompted, k.answered, k.period) == (4, 3, "weekly")
    assert [(r.total, r.done) for r in k.trend[-3:]] == [(1, 1), (2, 1), (4, 3)]
    assert k.trend[-1].week == WEEK and len(k.trend) == 8
    assert k.streaks[0].user_id == AMINA and k.streaks[0].current == 3
    assert k.on_streak == 1

    c = p.collabs
    assert (c.rounds, c.groups, c.members) == (1, 3, 6)
    assert (c.collabed, c.not_yet, c.said_no, c.unanswered) == (1, 1, 0, 1)
    assert [(r.total, r.done) for r in c.trend[-2:]] == [(1, 1), (3, 1)]

    (spotlight,) = p.shoutouts.rotations
    assert (spotlight.featured, spotlight.missed, spotlight.queue) == (2, 1, 4)
    assert [w.user_id for w in p.shoutouts.waiting] == [PAT, JO, AMINA, MARCUS]

    q = p.quizzes
    assert (q.players, q.answers, q.correct, q.game_players) == (4, 5, 4, 1)
    assert [(d.players, d.correct) for d in q.days[:3]] == [(3, 2), (1, 1), (0, 0)]
    # Marcus's longer streak lapsed (last played Friday): only live ones show
    assert [(s.user_id, s.current) for s in q.streaks] == [(AMINA, 4), (JO, 1)]

    texts = [w.text for w in p.wins]
    assert "2 newcomers finished onboarding" in texts
    assert "2 creators got their spotlight" in texts
    assert "hit 10k followers" in texts and "+1 sale, 2 collabs" in texts
    assert "a private win" not in texts  # a low check-in's words stay private
    assert "older win" not in texts  # another week's


async def test_an_earlier_week_and_bad_weeks(pulse_service: PulseService) -> None:
    p = await pulse_service.week(seed.G, "2026-W01")
    assert p.week.start == date(2025, 12, 29) and not p.week.in_progress
    assert p.funnel.joined == 1 and p.checkins.answered == 1 and p.collabs.groups == 1
    for bad, says in (
        ("last week", "2026-W14"),
        ("2026-W60", "no week 60"),
        ("2026-W03", "hasn't started"),
    ):
        with pytest.raises(DomainError) as err:
            await pulse_service.week(seed.G, bad)
        assert says in err.value.message


async def test_a_server_with_nothing_yet(db: Database, clock: ManualClock) -> None:
    clock.set(NOW)
    p = await PulseService(db, clock).week(OTHER_G + 5)
    assert p.funnel.joined == 0 and not p.checkins.set_up and p.shoutouts.rotations == ()
    assert p.wins == ()
    for key in CHART_KEYS:
        assert render_chart(p, key).startswith(PNG)


async def test_csv_tables_are_formula_safe(pulse_service: PulseService) -> None:
    p = await pulse_service.week(seed.G)
    for key in TABLES:
        name, text = table_csv(p, key)
        assert name == f"pulse-{seed.G}-2026-W02-{key}.csv"
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] and all(len(r) == len(rows[0]) for r in rows)
    _, waiting = table_csv(p, "waiting")
    cells = [c for row in csv.reader(io.StringIO(waiting)) for c in row]
    assert "'=HYPERLINK(evil)" in cells and "=HYPERLINK(evil)" not in cells
    _, wins = table_csv(p, "wins")
    assert "'+1 sale, 2 collabs" in wins
    with pytest.raises(NotFound):
        table_csv(p, "passwords")


async def test_charts_are_images_with_words(pulse_service: PulseService) -> None:
    p = await pulse_service.week(seed.G)
    charts = pulse_service.charts  # the real worker process
    try:
        await charts.prefetch(p, "en")
        assert charts.drawn == len(CHART_KEYS)
        for key in CHART_KEYS:  # kept: the page's chart requests draw nothing again
            assert (await charts.chart(p, key, "png", "en")).startswith(PNG)
        assert charts.drawn == len(CHART_KEYS)
        assert b"<svg" in await charts.chart(p, "funnel", "svg", "en")
        assert (await charts.summary(p, "en")).startswith(PNG)
        korean = await charts.chart(p, "funnel", "png", "ko")  # another language, another picture
        assert korean.startswith(PNG) and korean != await charts.chart(p, "funnel", "png", "en")
        assert charts.drawn == len(CHART_KEYS) + 3
        with pytest.raises(NotFound):
            await charts.chart(p, "funnel", "exe", "en")
    finally:
        charts.close()
    assert render_chart(p, "quizzes", "png").startswith(PNG)  # the same drawing, in process
    alt = {c.key: c.alt for c in charts_of(p)}
    assert "Joined 5" in alt["funnel"] and "Finished 2" in alt["funnel"]
    assert "3 of 4 answered (75%)" in alt["checkins"]
    assert "Spotlight: 2 featured, 1 missed" in alt["shoutouts"]
    assert WEEK + timedelta(days=6) == p.quizzes.days[-1].day
