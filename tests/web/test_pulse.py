"""The pulse on the dashboard, over HTTP: the page with its numbers, charts as PNG/SVG and each
table as a CSV download (right headers, formula-safe cells), and its doors: login first, and
Manage Server in that server (403 otherwise), for the page, the charts and the CSVs alike."""

from __future__ import annotations

import csv
import io

from core.bot import AnyBot
from core.db import Database
from fakediscord import FakeDiscord
from services import languages
from services.container import Services
from services.pulse import TABLES
from services.pulse.renderer import CHART_KEYS
from tests.conftest import ALICE_ID, GENERAL_ID, GUILD_ID, MOD_ID
from tests.pulse.seed import seed_week
from tests.web.conftest import Visitor

WEEK = "2026-W02"
PULSE = f"/g/{GUILD_ID}/pulse"


async def test_the_pulse_page_charts_and_csvs(
    visitor: Visitor, web_bot: AnyBot, db: Database
) -> None:
    await seed_week(db, guild_name=False)
    await visitor.login(MOD_ID)
    page = await visitor.get(f"{PULSE}?week={WEEK}")
    assert page.status == 200
    html = visitor.pages[-1]
    assert "Jan 5\u2009–\u200911, 2026" in html and 'id="tile-joined">2/5<' in html
    assert 'id="tile-checkins">75%<' in html and 'id="tile-collabs">1/3<' in html
    assert "hit 10k followers" in html and "a private win" not in html
    assert f'href="/g/{GUILD_ID}/pulse?week=2026-W01"' in html
    assert "Onboarding funnel this week: Joined 5" in html  # the alt text
    for key in CHART_KEYS:
        assert f"/pulse/chart/{key}.png?week={WEEK}" in html
        image = await visitor.http.get(f"{visitor.base}{PULSE}/chart/{key}.png?week={WEEK}")
        assert image.status == 200 and image.content_type == "image/png"
        assert (await image.read()).startswith(b"\x89PNG")
    svg = await visitor.get(f"{PULSE}/chart/funnel.svg?week={WEEK}")
    assert svg.content_type == "image/svg+xml" and "<svg" in visitor.pages[-1]

    for key in TABLES:
        assert f"/pulse/{key}.csv?week={WEEK}" in html
        got = await visitor.get(f"{PULSE}/{key}.csv?week={WEEK}")
        assert got.status == 200 and got.content_type == "text/csv", key
        assert got.charset == "utf-8"
        assert got.headers["Content-Disposition"] == (
            f'attachment; filename="pulse-{GUILD_ID}-{WEEK}-{key}.csv"'
        )
    waiting = await visitor.get(f"{PULSE}/waiting.csv?week={WEEK}")
    rows = list(csv.reader(io.StringIO(await waiting.text())))
    assert rows[0][0] == "Member" and [r[0] for r in rows if "HYPERLINK" in r[0]] == [
        "'=HYPERLINK(evil)"
    ]

    missing = await visitor.get(f"{PULSE}/passwords.csv?week={WEEK}")
    assert missing.status == 404
    bad = await visitor.get(f"{PULSE}?week=2026-W99")
    assert bad.status == 400 and "no week 99" in visitor.pages[-1]
    # this week (the bot's clock): the page works with nothing in it yet
    now = await visitor.get(PULSE)
    assert now.status == 200 and "this week, so far" in visitor.pages[-1]


async def test_the_pulse_needs_login_and_manage_server(
    visitor: Visitor, another_visitor: Visitor, web_bot: AnyBot
) -> None:
    paths = [PULSE, f"{PULSE}/chart/funnel.svg", f"{PULSE}/funnel.csv", f"{PULSE}/wins.csv"]
    for path in paths:
        resp = await visitor.get(path)
        assert resp.status == 303 and resp.headers["Location"] == "/auth/login", path
    await another_visitor.login(ALICE_ID)  # a member without Manage Server
    for path in paths:
        resp = await another_visitor.get(path)
        assert resp.status == 403, path
        assert "Moderators only" in another_visitor.pages[-1]
        assert resp.content_type == "text/html"


async def test_the_pulse_speaks_the_moderators_language_or_the_servers(
    visitor: Visitor, another_visitor: Visitor, web_bot: AnyBot, db: Database, fake: FakeDiscord
) -> None:
    await seed_week(db, guild_name=False)
    await languages.choose_server_language(db, GUILD_ID, "ko")
    fake.users[MOD_ID].locale = "fr"  # a language Mutuals doesn't speak: the server's, Korean
    await visitor.login(MOD_ID)
    page = await visitor.get(f"{PULSE}?week={WEEK}")
    assert page.status == 200
    html = visitor.pages[-1]
    assert '<html lang="ko">' in html and "<h1>커뮤니티 펄스</h1>" in html
    assert "2026년 1월 5일~11일" in html and "이번 주 성과" in html
    assert "이번 주 온보딩 퍼널: 참여 5" in html  # the alt text
    assert "새 멤버 2명이 온보딩을 마쳤어요" in html  # a win, counted in Korean
    waiting = await visitor.get(f"{PULSE}/waiting.csv?week={WEEK}")
    assert (await waiting.text()).startswith("멤버,사용자 ID,로테이션")
    korean = await visitor.http.get(f"{visitor.base}{PULSE}/chart/funnel.png?week={WEEK}")
    assert korean.status == 200 and (await korean.read()).startswith(b"\x89PNG")

    fake.users[MOD_ID].locale = "ja"  # their own Discord language wins once they log in again
    await visitor.login(MOD_ID)
    await visitor.get(f"{PULSE}?week={WEEK}")
    assert "<h1>コミュニティのパルス</h1>" in visitor.pages[-1]


async def test_the_weekly_post_is_set_on_the_pulse_page(
    visitor: Visitor, web_bot: AnyBot, db: Database
) -> None:
    await visitor.login(MOD_ID)
    save = f"{PULSE}/weekly-post"
    refused = await visitor.submit(save, PULSE, enabled="on")  # no channel, no log channel
    assert refused.status == 400
    assert (
        "/config log-channel" in visitor.pages[-1] and 'id="error-weekly-post"' in visitor.pages[-1]
    )
    forged = await visitor.post(save, {"enabled": "on", "channel": str(GENERAL_ID)})
    assert forged.status == 403  # no CSRF token: refused
    ok = await visitor.submit(save, PULSE, enabled="on", channel=str(GENERAL_ID))
    assert ok.status == 303 and ok.headers["Location"].endswith("/pulse#weekly-post")
    posts = web_bot.need(Services).pulse.posts
    setting = await posts.setting(GUILD_ID)
    assert setting.enabled and setting.channel_id == GENERAL_ID
    await visitor.get(PULSE)
    assert "last week&#39;s pulse in" in visitor.pages[-1]  # the note, in the command's words
    assert 'id="weekly-post-enabled" checked' in visitor.pages[-1]
    off = await visitor.submit(save, PULSE, channel="")
    assert off.status == 303 and not (await posts.setting(GUILD_ID)).enabled
