"""The operator's window: ``/healthz`` (is this process doing its job?) and ``/metrics``.

Served by aiohttp (already under discord.py) on HEALTH_PORT when it is set. ``/healthz``
answers 200 when the gateway is connected, the database answers, the delivery sweep ran
recently and the outbox isn't lagging; 503 with the same JSON otherwise, which is what the
Docker HEALTHCHECK and compose look at.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from core.db import Database
from core.deliveries import Deliveries
from core.metrics import Metrics
from core.outbox import CHANNEL, DM, OutboxStore

log = logging.getLogger("mutuals.health")

#: the outbox is "lagging" when a due message has waited longer than this
OUTBOX_LAG_LIMIT = 120.0


@dataclass(frozen=True)
class Probe:
    """What the health page needs from the running bot (core knows these pieces already)."""

    db: Database
    deliveries: Deliveries
    outbox: OutboxStore
    metrics: Metrics
    gateway_connected: Callable[[], bool]
    gateway_latency: Callable[[], float]
    shard: str
    owner: str


async def _database_ok(db: Database) -> tuple[bool, str | None]:
    try:
        async with db.read() as session:
            await session.execute(text("SELECT 1"))
    except Exception as exc:
        return False, f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
    return True, None


async def report(probe: Probe) -> tuple[bool, dict[str, Any]]:
    connected = probe.gateway_connected()
    latency = probe.gateway_latency()
    db_ok, db_error = await _database_ok(probe.db)
    if not db_ok:
        probe.metrics.database_errors.labels(probe.shard, "health").inc()
    sweep = probe.deliveries.last_sweep
    sweep_age = None if sweep is None else time.monotonic() - sweep
    scheduler_ok = sweep_age is not None and sweep_age < 3 * probe.deliveries.sweep_seconds + 30
    queues: dict[str, dict[str, float | int]] = {}
    outbox_ok = True
    if db_ok:
        try:
            for queue in (DM, CHANNEL):
                depth, lag = await probe.outbox.lag(queue)
                queues[queue] = {"pending": depth, "oldest_due_seconds": round(lag, 1)}
                probe.metrics.outbox_depth.labels(probe.shard, queue).set(depth)
                probe.metrics.outbox_age.labels(probe.shard, queue).set(lag)
                outbox_ok = outbox_ok and lag < OUTBOX_LAG_LIMIT
        except Exception as exc:
            db_ok, db_error = False, f"{type(exc).__name__}"
    probe.metrics.gateway_connected.labels(probe.shard).set(1 if connected else 0)
    if latency == latency and latency != float("inf"):  # NaN before the first heartbeat
        probe.metrics.gateway_latency.labels(probe.shard).set(latency)
    healthy = connected and db_ok and scheduler_ok and outbox_ok
    body: dict[str, Any] = {
        "status": "ok" if healthy else "degraded",
        "shard": probe.shard,
        "process": probe.owner,
        "gateway": {"connected": connected},
        "database": {"reachable": db_ok, **({"error": db_error} if db_error else {})},
        "scheduler": {
            "alive": scheduler_ok,
            "last_sweep_seconds_ago": None if sweep_age is None else round(sweep_age, 1),
        },
        "outbox": {"lagging": not outbox_ok, **queues},
    }
    return healthy, body


def build_app(probe: Probe) -> web.Application:
    async def healthz(_request: web.Request) -> web.Response:
        healthy, body = await report(probe)
        return web.json_response(body, status=200 if healthy else 503)

    async def metrics(_request: web.Request) -> web.Response:
        await report(probe)  # refreshes the gauges read from the database and the gateway
        response = web.Response(body=probe.metrics.render())
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    return app


class HealthServer:
    def __init__(self, probe: Probe, host: str, port: int) -> None:
        self.probe = probe
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        self._runner = web.AppRunner(build_app(self.probe), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        bound = self._runner.addresses[0]
        self.port = int(bound[1])  # the real one when HEALTH_PORT=0 asked for any free port
        log.info("health and metrics on http://%s:%s/healthz and /metrics", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
