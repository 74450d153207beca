"""Prometheus metrics of one bot process, labelled by its shards.

Each bot has its own registry (tests run several bots in one process). Counters are fed by
the pieces that see the events (the interaction path, the outbox worker, the delivery
mechanism); outbox depth and age are read from the database when they are scraped.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from core.db import is_transient
from core.plans import Outcome

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


def shard_label(shard_count: int | None, shard_ids: tuple[int, ...] | None) -> str:
    if shard_count is None:
        return "all"
    return ",".join(map(str, shard_ids)) if shard_ids else "all"


class Metrics:
    def __init__(self, shard: str) -> None:
        self.shard = shard
        self.registry = CollectorRegistry(auto_describe=True)
        labels = ["shard"]
        self.interactions = Counter(
            "mutuals_interactions",
            "Interactions received, by type (command, component, modal, autocomplete)",
            [*labels, "type"],
            registry=self.registry,
        )
        self.interaction_seconds = Histogram(
            "mutuals_interaction_seconds",
            "From receiving a slash command to finishing it, by command",
            [*labels, "command", "outcome"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.outbox_sent = Counter(
            "mutuals_outbox_sent",
            "Outbox deliveries by queue and result (sent, dms_closed, retry, failed)",
            [*labels, "queue", "result"],
            registry=self.registry,
        )
        self.dms_closed = Counter(
            "mutuals_dms_closed",
            "DMs that answered 'closed' (recorded once, never retried)",
            labels,
            registry=self.registry,
        )
        self.outbox_depth = Gauge(
            "mutuals_outbox_depth",
            "Messages waiting in the outbox for this process's shards, by queue",
            [*labels, "queue"],
            registry=self.registry,
        )
        self.outbox_age = Gauge(
            "mutuals_outbox_oldest_due_seconds",
            "How long the oldest due message has been waiting, by queue",
            [*labels, "queue"],
            registry=self.registry,
        )
        self.slots = Counter(
            "mutuals_slots",
            "Scheduled occurrences by plan and result (done, held, missed, failed, retry)",
            [*labels, "plan", "result"],
            registry=self.registry,
        )
        self.slots_late = Counter(
            "mutuals_slots_late",
            "Occurrences delivered more than a minute after their time, by plan",
            [*labels, "plan"],
            registry=self.registry,
        )
        self.database_errors = Counter(
            "mutuals_database_errors",
            "Database errors seen (unreachable, timed out), by where",
            [*labels, "where"],
            registry=self.registry,
        )
        self.gateway_connected = Gauge(
            "mutuals_gateway_connected",
            "1 while the gateway connection is up",
            labels,
            registry=self.registry,
        )
        self.gateway_latency = Gauge(
            "mutuals_gateway_latency_seconds",
            "Heartbeat latency of the gateway connection",
            labels,
            registry=self.registry,
        )

    def delivery(self, outcome: Outcome) -> None:
        plan = outcome.occurrence.kind
        self.slots.labels(self.shard, plan, outcome.status).inc()
        if outcome.late:
            self.slots_late.labels(self.shard, plan).inc()

    def delivery_failed(self, exc: BaseException) -> None:
        """Any failure of the delivery mechanism; the database being away counts as an error."""
        if is_transient(exc):
            self.database_errors.labels(self.shard, "deliveries").inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
