"""The pulse page for a server of 10k members and a year of history (bench/pulse_seed.py), on
SQLite and PostgreSQL, through the real dashboard over HTTP (logged in through the fake's
OAuth): the pulse read alone, the page's HTML, and the whole page as a browser loads it (the
HTML, then its five charts at once) twice: with the pictures kept from an earlier load of the
same numbers (what a reload or a finished week is), and cold (every picture forgotten first,
drawn again in the worker process), each read afresh. Target: < 300 ms.

And the bot's command latency while it does: /about (a /ping-like command) p50/p99 alone, then
while a moderator reloads the pulse page with cold charts back to back (the charts are drawn in
the pulse's worker process, so the event loop and the GIL stay free).
``python -m bench.run [--quick] pulse``
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from typing import Any

import aiohttp

from bench.harness import GUILD, MEMBER, MOD, quantile, running_bot
from bench.pulse_seed import NOW, seed_year, week_key
from core.settings import Secret, WebSettings
from fakediscord import FakeDiscord
from services.container import Services
from services.pulse.renderer import CHART_KEYS, ChartRenderer
from web import DashboardServer

CLIENT_ID = 1_300_000_000_000_000_001
CLIENT_SECRET = "bench-client-secret"
IMG = re.compile(r'src="(/g/\d+/pulse/chart/[^"]+)"')


def _ms(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), quantile(ordered, 0.99)


async def _login(http: aiohttp.ClientSession, base: str, fake: FakeDiscord) -> None:
    fake.oauth.login_as(MOD)
    start = await http.get(base + "/auth/login", allow_redirects=False)
    consent_url = start.headers["Location"]
    consent = await http.get(consent_url, allow_redirects=False)
    decided = await http.post(
        consent_url.split("?")[0],
        data={**dict(consent.url.query), "decision": "authorize"},
        allow_redirects=False,
    )
    await http.get(decided.headers["Location"], allow_redirects=False)


async def _whole_page(
    http: aiohttp.ClientSession, server: DashboardServer, path: str, *, cold: bool = True
) -> float:
    """The HTML, then every chart at once (as a browser does), read afresh; the pictures drawn
    cold, or kept from an earlier load of the same numbers."""
    base = server.url
    server.dash.pulse_reads.clear()
    renderer: ChartRenderer = server.dash.services.pulse.charts
    if cold:
        renderer.forget()
    t0 = time.perf_counter()
    page = await http.get(base + path)
    html = await page.text()
    assert page.status == 200, html[:300]
    images = IMG.findall(html)
    assert len(images) == len(CHART_KEYS)

    async def one(src: str) -> None:
        resp = await http.get(base + src.replace("&amp;", "&"))
        assert resp.status == 200 and (await resp.read()).startswith(b"\x89PNG")

    await asyncio.gather(*(one(src) for src in images))
    return (time.perf_counter() - t0) * 1000


async def _reloads(http: aiohttp.ClientSession, server: DashboardServer, path: str, n: int) -> None:
    for _ in range(n):
        await _whole_page(http, server, path)


async def _command_latency(fake: FakeDiscord, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        await (await fake.slash(GUILD, MEMBER, "about")).response(timeout=10)
        out.append((time.perf_counter() - t0) * 1000)
    return out


async def _one_backend(backend: str, members: int, weeks: int, n: int) -> list[dict[str, Any]]:
    def web(fake: FakeDiscord) -> WebSettings:
        return WebSettings(
            port=0,
            client_id=CLIENT_ID,
            client_secret=Secret(CLIENT_SECRET),
            session_secret=Secret("bench-session-secret-0123456789abcdef"),
            authorize_url=f"http://127.0.0.1:{fake.port}/oauth2/authorize",
            api_base=fake.rest_base,
        )

    rows: list[dict[str, Any]] = []
    label = f"pulse {backend} {members // 1000}k members, {weeks} weeks"
    async with running_bot(backend, web=web) as run:
        server = run.bot.web
        assert isinstance(server, DashboardServer)
        run.fake.oauth.register_app(CLIENT_ID, CLIENT_SECRET, server.dash.redirect_uri)
        t0 = time.perf_counter()
        counts = await seed_year(run.db, GUILD, members, weeks)
        seeded = time.perf_counter() - t0
        rows.append(
            _row(
                label,
                "seed (bulk Core inserts)",
                seeded,
                "s",
                ", ".join(f"{k} {v:,}" for k, v in counts.items()),
            )
        )
        week = week_key(NOW.date())
        service = run.bot.need(Services).pulse
        reads = []
        for _ in range(n):
            t0 = time.perf_counter()
            await service.week(GUILD, week)
            reads.append((time.perf_counter() - t0) * 1000)
        p50, p99 = _ms(reads)
        rows.append(_row(label, "pulse read (one transaction) p50", p50, "ms", f"p99 {p99:.1f}"))
        path = f"/g/{GUILD}/pulse?week={week}"
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            await _login(http, server.url, run.fake)
            html = []
            for _ in range(n):
                server.dash.pulse_reads.clear()
                t0 = time.perf_counter()
                resp = await http.get(server.url + path)
                await resp.read()
                html.append((time.perf_counter() - t0) * 1000)
            p50, p99 = _ms(html)
            rows.append(_row(label, "page HTML p50", p50, "ms", f"p99 {p99:.1f}"))
            await server.dash.services.pulse.charts.start()  # spawned with the bot, once
            await _whole_page(http, server, path)  # the worker's first pictures (fonts, caches)
            drawn = server.dash.services.pulse.charts.drawn
            kept = [await _whole_page(http, server, path, cold=False) for _ in range(n)]
            assert server.dash.services.pulse.charts.drawn == drawn  # nothing drawn again
            p50, p99 = _ms(kept)
            rows.append(
                _row(
                    label,
                    "whole page + 5 charts kept, p50",
                    p50,
                    "ms",
                    f"p99 {p99:.1f} (target < 300 ms; numbers read afresh)",
                )
            )
            whole = [await _whole_page(http, server, path) for _ in range(n)]
            p50, p99 = _ms(whole)
            rows.append(
                _row(
                    label,
                    "whole page + 5 charts drawn cold, p50",
                    p50,
                    "ms",
                    f"p99 {p99:.1f} (1 worker process)",
                )
            )

            quiet = await _command_latency(run.fake, n * 4)
            # /about back to back for as long as a moderator reloads the pulse n times
            loads = asyncio.create_task(_reloads(http, server, path, n))
            busy: list[float] = []
            while not loads.done():
                busy += await _command_latency(run.fake, 1)
            await loads
        renders = n
        for name, values in (("alone", quiet), (f"during {renders} pulse page loads", busy)):
            p50, p99 = _ms(values)
            rows.append(_row(label, f"/about p50, {name}", p50, "ms", f"p99 {p99:.1f}"))
    return rows


def _row(bench: str, metric: str, value: float, unit: str, note: str = "") -> dict[str, Any]:
    return {"bench": bench, "metric": metric, "value": value, "unit": unit, "note": note}


async def run(quick: bool) -> list[dict[str, Any]]:
    members, weeks, n = (2_000, 8, 5) if quick else (10_000, 52, 20)
    rows = await _one_backend("sqlite", members, weeks, n)
    rows += await _one_backend("postgres", members, weeks, n)
    return rows
