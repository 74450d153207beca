"""What comes due and how it goes out: the round schedule (which slot runs now, which were
missed), each group's intro, the round's announcement and the "did you collab?" follow-ups."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import func, select

from core.errors import DomainError
from core.outbox import CHANNEL, add_message, post_or_dm_each
from core.text import plural
from models.collabs import CollabGroup, CollabGroupMember, CollabSettings
from services.collabs.base import CollabPart
from services.collabs.results import (
    DueRound,
    GroupInfo,
    RoundInfo,
    RoundSettings,
    to_settings,
)
from services.collabs.rounds import load_groups
from services.schedules import fire_times_between, next_fire_times, parse_time, split_catch_up

SLOT_KIND = "collab_round"
INTRO_PURPOSE = "collab_intro"
FOLLOWUP_PURPOSE = "collab_followup"
ANNOUNCE_PURPOSE = "collab_announce"
GRACE = timedelta(hours=6)  # a round missed while offline runs late within this window


def round_trigger(frequency: str, day: str, at: str, timezone: str) -> CronTrigger:
    hour, minute = parse_time(at)
    tz = ZoneInfo(timezone)
    if frequency == "monthly":
        return CronTrigger(day=f"1st {day}", hour=hour, minute=minute, timezone=tz)
    return CronTrigger(day_of_week=day, hour=hour, minute=minute, timezone=tz)


def on_schedule(s: CollabSettings | RoundSettings, when: datetime, anchor: datetime) -> bool:
    if s.frequency != "biweekly":
        return True
    tz = ZoneInfo(s.timezone)
    weeks = (when.astimezone(tz).date() - anchor.astimezone(tz).date()).days // 7
    return weeks % 2 == 0


def next_round_after(s: CollabSettings, after: datetime) -> datetime:
    trigger = round_trigger(s.frequency, s.day, s.time, s.timezone)
    for when in next_fire_times(trigger, after, 3):
        if on_schedule(s, when, s.anchor):
            return when
    raise DomainError("That schedule never fires.")  # unreachable for weekly cron triggers


class CollabDelivery(CollabPart):
    """Exactly once: the cog claims a round's slot (core.slots) before ``create_round``; intros
    and follow-ups are queued in the outbox with dedupe keys, in the same transaction that
    records them on the group, so a restart resumes where it stopped and neither repeats nor
    loses a message."""

    async def scheduled(self) -> list[RoundSettings]:
        """Every guild with a next round (the cog rebuilds its scheduler jobs from this)."""
        async with self.db.read() as s:
            rows = (
                await s.scalars(
                    select(CollabSettings).where(
                        CollabSettings.paused.is_(False), CollabSettings.next_round_at.is_not(None)
                    )
                )
            ).all()
            return [to_settings(r) for r in rows]

    async def due(self, guild_id: int, now: datetime) -> DueRound | None:
        """What to do for a guild whose round time has come: run one slot, record the rest
        missed (the bot was offline longer than the grace window)."""
        async with self.db.read() as s:
            row = await s.get(CollabSettings, guild_id)
            if row is None or row.paused or row.next_round_at is None:
                return None
            if row.next_round_at > now:
                return None
            trigger = round_trigger(row.frequency, row.day, row.time, row.timezone)
            slots = [row.next_round_at] + [
                t
                for t in fire_times_between(trigger, row.next_round_at, now)
                if on_schedule(row, t, row.anchor)
            ]
        late, missed = split_catch_up(slots, now, GRACE)
        run = late[-1] if late else None
        missed += late[:-1]
        return DueRound(guild_id, run, tuple(sorted(missed)))

    async def advance(self, guild_id: int, now: datetime) -> datetime | None:
        """After a due round was handled: the next round strictly after now."""
        async with self.db.write() as s:
            row = await s.get(CollabSettings, guild_id)
            if row is None or row.paused:
                return None
            row.next_round_at = next_round_after(row, now)
            return row.next_round_at

    async def pending_intros(self, guild_id: int | None = None) -> list[GroupInfo]:
        async with self.db.read() as s:
            where = [CollabGroup.intro == "pending"]
            if guild_id is not None:
                where.append(CollabGroup.guild_id == guild_id)
            return await load_groups(s, *where)

    async def queue_intro(
        self,
        group_id: int,
        *,
        thread_id: int | None,
        channel_id: int | None,
        payload: dict[str, Any],
    ) -> bool:
        """Record how a group is introduced and queue the intro (one transaction).

        With a thread: one post in it. Without: the same intro by DM to each member. False if
        it was already done (a retry after a restart).
        """
        now = self.clock.now()
        async with self.db.write() as s:
            row = await s.get(CollabGroup, group_id)
            if row is None or row.intro != "pending":
                return False
            members = (
                await s.scalars(
                    select(CollabGroupMember.user_id)
                    .where(CollabGroupMember.group_id == group_id)
                    .order_by(CollabGroupMember.position)
                )
            ).all()
            row.intro = "thread" if thread_id is not None else "dm"
            row.thread_id = thread_id
            await post_or_dm_each(
                s,
                channel_id=thread_id,
                user_ids=members,
                # by DM, the intro names the collab channel the thread couldn't be opened in
                payload=payload if thread_id is not None else {**payload, "channel_id": channel_id},
                now=now,
                purpose=INTRO_PURPOSE,
                guild_id=row.guild_id,
                dedupe_key=f"collab:intro:{group_id}",
            )
            return True

    async def announce(self, rnd: RoundInfo, channel_id: int) -> bool:
        """One public line in the collab channel per round (no pings): the fam sees it happen."""
        if not rnd.groups:
            return False
        matched = rnd.members - len(rnd.unplaced)
        groups = plural(len(rnd.groups), "group")
        content = (
            f"💞 New collab round! {plural(matched, 'creator')} matched into {groups}: check your "
            "private thread (or DMs) for your match and two collab ideas. "
            "Not in yet? `/collab optin` and you're in the next one!"
        )
        async with self.db.write() as s:
            return await add_message(
                s,
                kind=CHANNEL,
                target_id=channel_id,
                payload={"content": content},
                now=self.clock.now(),
                purpose=ANNOUNCE_PURPOSE,
                guild_id=rnd.guild_id,
                dedupe_key=f"collab:announce:{rnd.id}",
            )

    async def queue_followups(self, now: datetime, *, limit: int = 500) -> int:
        """Ask "did you collab?" for every group whose follow-up is due (exactly once each)."""
        async with self.db.write() as s:
            rows = (
                await s.scalars(
                    select(CollabGroup)
                    .where(
                        CollabGroup.followup_sent_at.is_(None),
                        CollabGroup.followup_at <= now,
                        CollabGroup.intro.in_(("thread", "dm")),
                    )
                    .order_by(CollabGroup.followup_at, CollabGroup.id)
                    .limit(limit)
                )
            ).all()
            if not rows:
                return 0
            members: dict[int, list[int]] = {}
            found = (
                await s.execute(
                    select(CollabGroupMember.group_id, CollabGroupMember.user_id)
                    .where(CollabGroupMember.group_id.in_([r.id for r in rows]))
                    .order_by(CollabGroupMember.position)
                )
            ).all()
            for gid, uid in found:
                members.setdefault(gid, []).append(uid)
            for row in rows:
                row.followup_sent_at = now
                who = members.get(row.id, [])
                if len(who) < 2:
                    continue  # a member erased their data: nobody left to ask together
                await post_or_dm_each(
                    s,
                    channel_id=row.thread_id,
                    user_ids=who,
                    payload={"group_id": row.id, "members": who},
                    now=now,
                    purpose=FOLLOWUP_PURPOSE,
                    guild_id=row.guild_id,
                    dedupe_key=f"collab:followup:{row.id}",
                )
            return len(rows)

    async def next_followup_at(self) -> datetime | None:
        async with self.db.read() as s:
            when: datetime | None = await s.scalar(
                select(func.min(CollabGroup.followup_at)).where(
                    CollabGroup.followup_sent_at.is_(None),
                    CollabGroup.intro.in_(("thread", "dm")),
                )
            )
        return when
