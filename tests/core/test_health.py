"""An operator can watch the bot: /healthz answers for the gateway, the database, the
scheduler and the outbox; /metrics is Prometheus text with the bot's own counters."""

from __future__ import annotations

import aiohttp

from core.db import Database
from core.health import Probe, report
from fakediscord import FakeDiscord
from tests.conftest import ALICE_ID, GUILD_ID, BotFactory
from tests.util import eventually


async def _get(url: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as resp:
        return resp.status, resp.headers.get("Content-Type", ""), await resp.text()


async def test_health_and_metrics_are_served_and_scraped(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    bot = await bot_factory(health_port=0)
    assert bot.health is not None
    base = f"http://127.0.0.1:{bot.health.port}"

    async def healthy() -> bool:
        status, _type, _body = await _get(f"{base}/healthz")
        return status == 200

    await eventually(healthy, what="healthz answers 200 once the first sweep ran")
    status, ctype, body = await _get(f"{base}/healthz")
    assert ctype.startswith("application/json")
    assert '"connected": true' in body and '"reachable": true' in body and '"alive": true' in body

    h = await fake.slash(GUILD_ID, ALICE_ID, "about")
    await h.response()
    status, ctype, text = await _get(f"{base}/metrics")
    assert status == 200 and ctype.startswith("text/plain")
    assert 'mutuals_interactions_total{shard="all",type="application_command"} 1.0' in text
    assert 'mutuals_interaction_seconds_count{command="about",outcome="ok",shard="all"} 1.0' in text
    assert 'mutuals_gateway_connected{shard="all"} 1.0' in text
    assert 'mutuals_outbox_depth{queue="dm",shard="all"}' in text


async def test_an_unreachable_database_makes_the_process_unhealthy(
    fake: FakeDiscord, bot_factory: BotFactory
) -> None:
    bot = await bot_factory()
    away = Database.from_url("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere")
    try:
        probe = Probe(
            db=away,
            deliveries=bot.deliveries,
            outbox=bot.outbox_store,
            metrics=bot.metrics,
            gateway_connected=bot.gateway_connected,
            gateway_latency=lambda: bot.latency,
            shard="all",
            owner="test",
        )
        healthy, body = await report(probe)
    finally:
        await away.dispose()
    assert not healthy
    assert body["database"]["reachable"] is False and body["status"] == "degraded"
    assert 'mutuals_database_errors_total{shard="all",where="health"} 1.0' in (
        bot.metrics.render().decode()
    )
