"""What moderators do with collab rounds: where and when they run, pausing them, and the
guard before running one right now (none while one is still going out, nor just after one)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from core.errors import Conflict, DomainError
from core.i18n import N_, _, ngettext
from core.slots import CLAIMED
from models.collabs import CollabGroup, CollabRound, CollabSettings
from models.delivery import ScheduledSlot
from services.collabs.base import ROUND_NOW_KIND, SLOT_KIND, CollabPart
from services.collabs.inputs import DEFAULT_FOLLOWUP_DAYS, DEFAULT_HISTORY, parse_schedule
from services.collabs.results import RoundSettings, to_settings
from services.collabs.schedule import next_round_after, round_trigger
from services.schedules import next_fire_times

NO_SETUP = N_(
    "Collab rounds aren't set up here yet. A moderator can start them with `/collab-rounds setup`."
)
RUN_NOW_COOLDOWN = timedelta(minutes=10)


class CollabAdmin(CollabPart):
    async def settings(self, guild_id: int) -> RoundSettings | None:
        async with self.db.read() as s:
            row = await s.get(CollabSettings, guild_id)
            return to_settings(row) if row else None

    async def setup(
        self,
        guild_id: int,
        by: int,
        *,
        channel_id: int,
        frequency: str,
        day: str,
        at: str,
        timezone: str,
        history_rounds: int | None = None,
        followup_days: int | None = None,
    ) -> RoundSettings:
        new = parse_schedule(
            frequency,
            day,
            at,
            timezone,
            history_rounds=history_rounds,
            followup_days=followup_days,
        )
        now = self.clock.now()
        async with self.db.write() as s:
            row = await s.get(CollabSettings, guild_id)
            if row is None:
                row = CollabSettings(
                    guild_id=guild_id,
                    history_rounds=DEFAULT_HISTORY,
                    followup_days=DEFAULT_FOLLOWUP_DAYS,
                    paused=False,
                    created_at=now,
                )
                s.add(row)
            row.channel_id = channel_id
            row.frequency, row.day, row.time = new.frequency, new.day, new.time
            row.timezone = new.timezone
            row.created_by = by
            if new.history_rounds is not None:
                row.history_rounds = new.history_rounds
            if new.followup_days is not None:
                row.followup_days = new.followup_days
            trigger = round_trigger(new.frequency, new.day, new.time, new.timezone)
            row.anchor = next_fire_times(trigger, now, 1)[0]
            row.next_round_at = None if row.paused else next_round_after(row, now)
            row.updated_at = now
            saved = to_settings(row)
        self.replan(SLOT_KIND)
        return saved

    async def set_paused(self, guild_id: int, paused: bool) -> RoundSettings:
        now = self.clock.now()
        async with self.db.write() as s:
            row = await s.get(CollabSettings, guild_id)
            if row is None:
                raise DomainError(_(NO_SETUP))
            if row.paused == paused:
                raise Conflict(
                    _("Rounds are already paused.") if paused else _("Rounds are already running.")
                )
            row.paused = paused
            row.next_round_at = None if paused else next_round_after(row, now)
            row.updated_at = now
            saved = to_settings(row)
        self.replan(SLOT_KIND)
        return saved

    async def check_run_now(self, guild_id: int) -> RoundSettings:
        """Refused, saying why, while a round is being matched or its intros are still going
        out (a retry would start a second round), and for a few minutes after one ran."""
        now = self.clock.now()
        async with self.db.read() as s:
            row = await s.get(CollabSettings, guild_id)
            if row is None:
                raise DomainError(_(NO_SETUP))
            last_id, last = (
                (
                    await s.execute(
                        select(CollabRound.id, CollabRound.created_at)
                        .where(CollabRound.guild_id == guild_id)
                        .order_by(CollabRound.created_at.desc(), CollabRound.id.desc())
                        .limit(1)
                    )
                ).one_or_none()
            ) or (None, None)
            groups, waiting = (
                (
                    await s.execute(
                        select(
                            func.count(),
                            func.count(CollabGroup.id).filter(CollabGroup.intro == "pending"),
                        ).where(CollabGroup.round_id == last_id)
                    )
                ).one()
                if last_id is not None
                else (0, 0)
            )
            matching = await s.scalar(
                select(func.count())
                .select_from(ScheduledSlot)
                .where(
                    ScheduledSlot.kind.in_((SLOT_KIND, ROUND_NOW_KIND)),
                    ScheduledSlot.ref == str(guild_id),
                    ScheduledSlot.status == CLAIMED,
                )
            )
        if waiting:
            raise DomainError(
                ngettext(
                    "A round is going out right now: {done} of {n} group introduced so far. "
                    "I'll finish it, no need to run it again.",
                    "A round is going out right now: {done} of {n} groups introduced so far. "
                    "I'll finish it, no need to run it again.",
                    groups,
                    done=groups - waiting,
                )
            )
        if matching:
            raise DomainError(
                _(
                    "A round is being matched right now. I'll post it in a moment, no need to "
                    "run it again."
                )
            )
        if last is not None and now - last < RUN_NOW_COOLDOWN:
            wait = int((RUN_NOW_COOLDOWN - (now - last)).total_seconds() // 60) + 1
            raise DomainError(
                ngettext(
                    "A round just ran. Give the fam a moment: try again in {n} minute.",
                    "A round just ran. Give the fam a moment: try again in {n} minutes.",
                    wait,
                )
            )
        return to_settings(row)
