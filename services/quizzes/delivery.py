"""What comes due and how it is delivered: the term of the day's channel post, at each server's
chosen local time, exactly once per day. Core (``core.deliveries``) claims, catches up and re-arms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from core import outbox
from core.clock import Clock, as_utc
from core.db import Database
from core.plans import EACH, DeliveryPlan, GuildFilter, Occurrence, occurrences_in
from models.delivery import ScheduledSlot
from models.quizzes import QuizDailyConfig
from services.quizzes.daily import (
    SLOT_KIND,
    DailyConfig,
    DailyService,
    config_of,
    daily_trigger,
    next_post,
)
from services.quizzes.days import local_day
from services.schedules import fire_times_between

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
    slots = fire_times_between(daily_trigger(cfg.post_time, cfg.timezone), start, now)
    if not slots:
        return SlotPlan((), ())
    latest = slots[-1]
    if now - latest <= grace:
        return SlotPlan((latest,), tuple(slots[:-1]))
    return SlotPlan((), tuple(slots))


class DailyDelivery(DeliveryPlan):
    """One occurrence per server and post time (ref: the guild id).

    Exactly once holds three times over: core claims the slot before anything is queued, the
    outbox row carries a per-day dedupe key, and the term itself is a unique (guild, day) row
    fixed the first time anyone needs it.
    """

    kind = SLOT_KIND
    catch_up = EACH

    def __init__(
        self,
        db: Database,
        clock: Clock,
        daily: DailyService,
        *,
        grace: timedelta = timedelta(hours=6),
    ) -> None:
        self.db = db
        self.clock = clock
        self.daily = daily
        self.grace = grace

    async def due(self, now: datetime, owns: GuildFilter) -> list[Occurrence]:
        """Every slot since the last handled one: the latest within grace is posted, the
        older ones come back to core to be recorded as missed (``plan_slots``)."""
        configs = [cfg for cfg in await self.daily.configs() if owns(cfg.guild_id)]
        if not configs:
            return []
        last = await self._last_slots([str(cfg.guild_id) for cfg in configs])
        # Core asks every few seconds and almost every server has handled its latest post
        # time: find that time once per (time, zone) and skip those servers cheaply.
        latest: dict[tuple[str, str], datetime | None] = {}
        found: list[Occurrence] = []
        for cfg in configs:
            ref = str(cfg.guild_id)
            key = (cfg.post_time, cfg.timezone)
            if key not in latest:
                recent = fire_times_between(daily_trigger(*key), now - timedelta(days=2), now)
                latest[key] = recent[-1] if recent else None
            handled = max(last[ref], cfg.since) if ref in last else cfg.since
            newest = latest[key]
            if newest is not None and newest <= handled:
                continue  # nothing came due since the last handled slot (or the setup)
            plan = plan_slots(cfg, last.get(ref), now, self.grace)
            found += occurrences_in(
                [*plan.missed, *plan.late], kind=self.kind, ref=ref, guild_id=cfg.guild_id
            )
        return found

    async def next_at(self, now: datetime, owns: GuildFilter) -> datetime | None:
        upcoming = {
            (cfg.post_time, cfg.timezone)
            for cfg in await self.daily.configs()
            if owns(cfg.guild_id)
        }
        times = [t for key in upcoming for t in [next_post(*key, after=now)] if t is not None]
        return min(times) if times else None

    async def deliver(self, occurrence: Occurrence) -> str:
        # The ref is the guild id: a claim left by an older version carries no guild id.
        return await self.post(int(occurrence.ref), occurrence.at)

    async def post(self, guild_id: int, slot_at: datetime) -> str:
        """Queue the channel post for the day of ``slot_at`` (a no-op if that day was posted,
        or if a later post time has come meanwhile: only the latest term goes out)."""
        now = self.clock.now()
        async with self.db.write() as session:
            row = await session.get(QuizDailyConfig, guild_id)
            if row is None or not row.enabled:
                return "daily quiz switched off"
            later = config_of(row).next_post(slot_at)
            if later is not None and later <= now:
                return f"skipped: the post of {later.isoformat()} is due instead"
            day = local_day(slot_at, row.timezone)
            term = await self.daily.term(session, guild_id, day)
            queued = await outbox.add_message(
                session,
                kind=outbox.CHANNEL,
                target_id=row.channel_id,
                guild_id=guild_id,
                payload={"day": day.isoformat(), "question": term.question.snapshot()},
                now=now,
                purpose=POST_PURPOSE,
                dedupe_key=f"quiz_daily:{guild_id}:{day.isoformat()}",
            )
        return f"queued {day.isoformat()}" if queued else f"{day.isoformat()} already posted"

    async def _last_slots(self, refs: list[str]) -> dict[str, datetime]:
        """The latest handled slot of each server (claimed, done or missed), in one query."""
        found: dict[str, datetime] = {}
        async with self.db.read() as session:
            for i in range(0, len(refs), 500):
                chunk = refs[i : i + 500]
                rows = await session.execute(
                    select(ScheduledSlot.ref, func.max(ScheduledSlot.slot_at))
                    .where(ScheduledSlot.kind == self.kind, ScheduledSlot.ref.in_(chunk))
                    .group_by(ScheduledSlot.ref)
                )
                found.update({ref: as_utc(at) for ref, at in rows.all() if at is not None})
        return found
