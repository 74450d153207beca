"""What comes due and how it is delivered: the term of the day's channel post, at each server's
chosen local time, exactly once per day.

Exactly once holds three times over: the slot is claimed in ``scheduled_slot`` before anything
is queued (``SlotStore.run``), the outbox row carries a per-day dedupe key, and the term itself
is a unique (guild, day) row fixed the first time anyone needs it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from core import outbox
from core.clock import Clock
from core.db import Database
from core.slots import SlotStore
from models.quizzes import QuizDailyConfig
from services.quizzes.daily import DailyConfig, DailyService
from services.quizzes.days import local_day
from services.schedules import fire_times_between, parse_schedule

SLOT_KIND = "quiz_daily"
POST_PURPOSE = "quiz_daily_post"


@dataclass(frozen=True)
class SlotPlan:
    late: tuple[datetime, ...]  # to post now (at most the latest one)
    missed: tuple[datetime, ...]  # to record as missed


def plan_slots(
    cfg: DailyConfig, last_slot: datetime | None, now: datetime, grace: timedelta
) -> SlotPlan:
    """Which slots between the last handled one and ``now`` to post late and which are missed.

    Only the most recent slot within the grace window is posted: yesterday's term arriving
    after a long outage would only confuse the fam.
    """
    start = max(last_slot, cfg.since) if last_slot else cfg.since
    schedule = parse_schedule(f"daily {cfg.post_time}", cfg.timezone, anchor=cfg.since)
    slots = fire_times_between(schedule.trigger, start, now)
    if not slots:
        return SlotPlan((), ())
    latest = slots[-1]
    if now - latest <= grace:
        return SlotPlan((latest,), tuple(slots[:-1]))
    return SlotPlan((), tuple(slots))


class DailyDelivery:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        daily: DailyService,
        slots: SlotStore,
        *,
        grace: timedelta = timedelta(hours=6),
    ) -> None:
        self.db = db
        self.clock = clock
        self.daily = daily
        self.slots = slots
        self.grace = grace

    async def post(self, guild_id: int, slot_at: datetime) -> str:
        """Queue the channel post for the day of ``slot_at`` (a no-op if that day was posted)."""
        async with self.db.write() as session:
            row = await session.get(QuizDailyConfig, guild_id)
            if row is None or not row.enabled:
                return "daily quiz switched off"
            day = local_day(slot_at, row.timezone)
            term = await self.daily.term(session, guild_id, day)
            queued = await outbox.add_message(
                session,
                kind=outbox.CHANNEL,
                target_id=row.channel_id,
                guild_id=guild_id,
                payload={"day": day.isoformat(), "question": term.question.snapshot()},
                now=self.clock.now(),
                purpose=POST_PURPOSE,
                dedupe_key=f"quiz_daily:{guild_id}:{day.isoformat()}",
            )
        return f"queued {day.isoformat()}" if queued else f"{day.isoformat()} already posted"

    async def run_due(self, owns: Callable[[int], bool] = lambda _g: True) -> list[str]:
        """Post what is due now, record what was missed; safe to call any number of times,
        from any number of processes. Returns what happened, for logs and tests."""
        now = self.clock.now()
        done: list[str] = []
        for cfg in await self.daily.configs():
            if not owns(cfg.guild_id):
                continue
            ref = str(cfg.guild_id)
            plan = plan_slots(cfg, await self.slots.last_slot(SLOT_KIND, ref), now, self.grace)
            for slot in plan.missed:
                if await self.slots.record_missed(SLOT_KIND, ref, slot, "bot was offline"):
                    done.append(f"{ref} missed {slot.isoformat()}")
            for slot in plan.late:
                guild_id = cfg.guild_id

                async def deliver(g: int = guild_id, s: datetime = slot) -> str:
                    return await self.post(g, s)

                result = await self.slots.run(SLOT_KIND, ref, slot, deliver)
                done.append(f"{ref} {result} {slot.isoformat()}")
        return done

    async def next_wakeup(self, owns: Callable[[int], bool] = lambda _g: True) -> datetime | None:
        now = self.clock.now()
        times = [
            t
            for cfg in await self.daily.configs()
            if owns(cfg.guild_id)
            for t in [cfg.next_post(now)]
            if t is not None
        ]
        return min(times) if times else None
