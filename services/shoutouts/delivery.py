"""What comes due and how it goes out: slots claimed exactly once, the feature post and the
moderators' notices queued in the outbox, catch-up after downtime, and the post's outcome."""

from __future__ import annotations

import asyncio
import random
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock, as_utc
from core.db import Database
from core.errors import Conflict
from core.outbox import CHANNEL, DM, add_message
from core.slots import DONE, MISSED, SlotStore
from models.delivery import ScheduledSlot
from models.guild import GuildSettings
from models.shoutouts import Rotation, RotationFeature, RotationMember, ShoutoutPitch
from services.schedules import fire_times_between, next_fire_times, split_catch_up
from services.shoutouts import rounds
from services.shoutouts.results import (
    MemberCheck,
    RotationInfo,
    SlotOutcome,
    feature_of,
    no_check,
)
from services.shoutouts.rotations import Rotations
from services.shoutouts.store import latest_blurb, next_pitch

# Exactly once per slot: a slot is claimed in ``scheduled_slot`` (core.slots) before anything
# else; the feature row (unique per rotation and slot) and the outbox post (unique dedupe key)
# are written in one transaction, so re-running a slot after a crash finds what was done.
# The kinds are stored in scheduled_slot rows (and the purposes in outbox rows): never rename.
SLOT_KIND = "rotation"
RUN_NOW_KIND = "rotation_now"
FEATURE_PURPOSE = "shoutouts_feature"
NOTICE_PURPOSE = "shoutouts_notice"
DEFAULT_GRACE = timedelta(hours=6)
# a claim left unfinished this long belongs to a process that died (a live one takes ms)
RECOVER_AFTER = timedelta(minutes=2)
MAX_CATCH_UP_WINDOW = timedelta(days=31)
VOICE_LINES = (
    "Go leave some hearts 💖",
    "Stitch this and say hey mutual! 🧵",
    "Drop a comment, the fam shows up for the fam 💬",
    "Follow if it's your niche (respect the niche) ✨",
    "Show the algorithm who's boss: hearts, comments, shares 📈",
    "Duet it, stitch it, share the sound 🎶",
)


def voice_line(slot_key: str) -> str:
    """A line in the community's voice, stable for a slot (a retry renders the same post)."""
    return VOICE_LINES[zlib.crc32(slot_key.encode()) % len(VOICE_LINES)]


def slot_key(kind: str, slot_at: datetime) -> str:
    return f"{'now' if kind == RUN_NOW_KIND else 'slot'}:{as_utc(slot_at).isoformat()}"


async def forget_slots(s: AsyncSession, rotation_id: int) -> None:
    """A deleted rotation's claimed slots go too: a later rotation reusing the id starts clean."""
    await s.execute(
        delete(ScheduledSlot).where(
            ScheduledSlot.kind.in_((SLOT_KIND, RUN_NOW_KIND)),
            ScheduledSlot.ref == str(rotation_id),
        )
    )


async def notify_mods(s: AsyncSession, row: Rotation, now: datetime, reason: str) -> None:
    """Tell the moderators a rotation paused itself: in the log channel, else by DM to whoever
    created it."""
    settings = await s.get(GuildSettings, row.guild_id)
    text = (
        f"⏸️ The **{row.name}** shoutout rotation paused itself: {reason}. "
        "Nobody lost their place. Fix the channel (or pick another with "
        f"`/rotation edit name:{row.name} channel:`), then `/rotation resume name:{row.name}`."
    )
    payload = {"content": text}
    key = f"shoutout-notice:{row.id}:{now.isoformat()}"
    if settings is not None and settings.log_channel_id:
        kind, target_id = CHANNEL, settings.log_channel_id
    else:
        kind, target_id = DM, row.created_by
    await add_message(
        s,
        kind=kind,
        target_id=target_id,
        payload=payload,
        now=now,
        purpose=NOTICE_PURPOSE,
        guild_id=row.guild_id,
        dedupe_key=key,
    )


class ShoutoutDelivery:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        slots: SlotStore,
        rng: random.Random,
        rotations: Rotations,
    ) -> None:
        self.db = db
        self.clock = clock
        self.slots = slots
        self.rng = rng
        self.rotations = rotations
        self._locks: dict[int, asyncio.Lock] = {}

    def _lock(self, rotation_id: int) -> asyncio.Lock:
        return self._locks.setdefault(rotation_id, asyncio.Lock())

    # ------------------------------------------------------------------ one slot

    async def feature_slot(
        self, rotation_id: int, kind: str, slot_at: datetime, check: MemberCheck
    ) -> SlotOutcome:
        """One transaction: pick, move the creator to the next round, use their pitch, queue
        the post, write the feature row. Re-running it for the same slot returns what was done."""
        key = slot_key(kind, slot_at)
        now = self.clock.now()
        async with self.db.write() as s:
            stmt = select(Rotation).where(Rotation.id == rotation_id)
            if not self.db.is_sqlite:
                stmt = stmt.with_for_update()
            rotation = await s.scalar(stmt)
            if rotation is None:
                return SlotOutcome(rotation_id, slot_at, "empty")
            done = await s.scalar(
                select(RotationFeature).where(
                    RotationFeature.rotation_id == rotation_id, RotationFeature.slot_key == key
                )
            )
            if done is not None:
                return SlotOutcome(rotation_id, slot_at, done.status, feature_of(done))
            if rotation.paused:
                return SlotOutcome(rotation_id, slot_at, "paused")
            picked = await rounds.pick_next(s, rotation, check, self.clock.now())
            row = RotationFeature(
                rotation_id=rotation.id,
                guild_id=rotation.guild_id,
                slot_key=key,
                slot_at=slot_at,
                created_at=now,
            )
            if isinstance(picked, str):
                row.status, row.detail = "empty", picked[:200]
                s.add(row)
                await s.flush()
                return SlotOutcome(rotation_id, slot_at, "empty", feature_of(row))
            member, profile = picked
            pitch = await next_pitch(s, rotation.guild_id, member.user_id)
            last_blurb = None
            if pitch is None:
                last_blurb = await latest_blurb(s, rotation.guild_id, member.user_id)
            row.status = "featured"
            row.user_id = member.user_id
            row.round_no = rotation.current_round
            row.prev_round_no = member.round_no
            row.prev_position = member.position
            row.prev_last_featured_at = member.last_featured_at
            row.pitch_id = pitch.id if pitch else None
            row.url = pitch.url if pitch else None
            row.blurb = pitch.blurb if pitch else (last_blurb or profile.intro)
            if pitch is not None:
                pitch.used_at = now
            rounds.move_featured(member, rotation, self.rng, now)
            s.add(row)
            await add_message(
                s,
                kind=CHANNEL,
                target_id=rotation.channel_id,
                payload={
                    "rotation_id": rotation.id,
                    "rotation": rotation.name,
                    "slot_key": key,
                    "user_id": member.user_id,
                    "handle": profile.tiktok_handle,
                    "niches": list(profile.niches or []),
                    "url": row.url,
                    "blurb": row.blurb,
                    "line": voice_line(f"{rotation.id}:{key}"),
                    "round": rotation.current_round,
                    "ping_user": rotation.ping_featured,
                    "ping_role_id": rotation.ping_role_id,
                },
                now=now,
                purpose=FEATURE_PURPOSE,
                guild_id=rotation.guild_id,
                dedupe_key=f"shoutout:{rotation.id}:{key}",
            )
            await s.flush()
            return SlotOutcome(rotation_id, slot_at, "featured", feature_of(row))

    async def run_slot(
        self,
        rotation_id: int,
        slot_at: datetime,
        check: MemberCheck = no_check,
        *,
        kind: str = SLOT_KIND,
        reclaim: bool = False,
    ) -> SlotOutcome:
        """Claim the slot, then feature: a slot somebody already claimed is "taken"."""
        holder: list[SlotOutcome] = []

        async def deliver() -> str | None:
            outcome = await self.feature_slot(rotation_id, kind, slot_at, check)
            holder.append(outcome)
            return outcome.status

        async with self._lock(rotation_id):
            result = await self.slots.run(kind, str(rotation_id), slot_at, deliver, reclaim=reclaim)
        if holder:
            return holder[0]
        return SlotOutcome(rotation_id, slot_at, result)

    async def run_now(self, guild_id: int, name: str, check: MemberCheck = no_check) -> SlotOutcome:
        rotation = await self.rotations.get(guild_id, name)
        if rotation.paused:
            raise Conflict(
                f"**{rotation.name}** is paused. Resume it with `/rotation resume` first."
            )
        return await self.run_slot(rotation.id, self.clock.now(), check, kind=RUN_NOW_KIND)

    # ------------------------------------------------------------------ the clock's side

    async def _record_missed(self, rotation: RotationInfo, kind: str, slot_at: datetime) -> None:
        await self.slots.record_missed(kind, str(rotation.id), slot_at, "bot was offline")
        now = self.clock.now()
        async with self.db.write() as s:
            exists = await s.scalar(
                select(RotationFeature.id).where(
                    RotationFeature.rotation_id == rotation.id,
                    RotationFeature.slot_key == slot_key(kind, slot_at),
                )
            )
            if exists is None:
                s.add(
                    RotationFeature(
                        rotation_id=rotation.id,
                        guild_id=rotation.guild_id,
                        slot_key=slot_key(kind, slot_at),
                        slot_at=slot_at,
                        status="missed",
                        detail="the bot was offline past the grace window",
                        created_at=now,
                    )
                )

    async def _has_feature(self, rotation_id: int, key: str) -> bool:
        async with self.db.read() as s:
            return (
                await s.scalar(
                    select(RotationFeature.id).where(
                        RotationFeature.rotation_id == rotation_id,
                        RotationFeature.slot_key == key,
                    )
                )
                is not None
            )

    async def due(
        self,
        now: datetime,
        *,
        check: MemberCheck = no_check,
        grace: timedelta = DEFAULT_GRACE,
        guild_filter: Callable[[int], bool] | None = None,
        rotation_id: int | None = None,
    ) -> list[SlotOutcome]:
        """Everything the clock says is due at ``now``: claims a crash left unfinished (older
        than RECOVER_AFTER, so another live process's claim is never taken over), slots
        that fell while the bot was down (posted within ``grace``, else recorded missed), and
        the slot that is due right now."""
        rotations = {
            r.id: r
            for r in await self.rotations.list_rotations()
            if (guild_filter is None or guild_filter(r.guild_id))
            and (rotation_id is None or r.id == rotation_id)
        }
        outcomes: list[SlotOutcome] = []
        for kind in (SLOT_KIND, RUN_NOW_KIND):
            for claim in await self.slots.unfinished(kind, older_than=RECOVER_AFTER):
                rotation = rotations.get(int(claim.ref))
                if rotation is None:
                    continue
                key = slot_key(kind, claim.slot_at)
                if await self._has_feature(rotation.id, key):
                    # picked and queued before the crash: the outbox posts it (once)
                    await self.slots.finish(kind, claim.ref, claim.slot_at, DONE, "recovered")
                    outcomes.append(SlotOutcome(rotation.id, claim.slot_at, "recovered"))
                elif now - claim.slot_at <= grace and not rotation.paused:
                    outcomes.append(
                        await self.run_slot(
                            rotation.id, claim.slot_at, check, kind=kind, reclaim=True
                        )
                    )
                else:
                    await self.slots.finish(kind, claim.ref, claim.slot_at, MISSED, "interrupted")
                    await self._record_missed(rotation, kind, claim.slot_at)
                    outcomes.append(SlotOutcome(rotation.id, claim.slot_at, "missed"))
        for rotation in rotations.values():
            if rotation.paused:
                continue
            start = max(rotation.active_from, now - MAX_CATCH_UP_WINDOW)
            last = await self.slots.last_slot(SLOT_KIND, str(rotation.id))
            if last is not None:
                start = max(start, last)
            slots = fire_times_between(rotation.parsed().trigger, start, now)
            late, missed = split_catch_up(slots, now, grace)
            for slot_at in missed:
                await self._record_missed(rotation, SLOT_KIND, slot_at)
                outcomes.append(SlotOutcome(rotation.id, slot_at, "missed"))
            for slot_at in late:
                outcome = await self.run_slot(rotation.id, slot_at, check)
                outcomes.append(outcome)
                if outcome.status == "paused":
                    break
        return outcomes

    async def next_wake(self, rotation_id: int, now: datetime) -> datetime | None:
        rotation = await self.rotations.get_by_id(rotation_id)
        if rotation is None or rotation.paused:
            return None
        times = next_fire_times(rotation.parsed().trigger, max(now, rotation.active_from), 1)
        return times[0] if times else None

    async def slot_statuses(self, rotation_id: int) -> list[tuple[datetime, str]]:
        """(slot time, status) of every claimed slot of a rotation, for tests and /history."""
        async with self.db.read() as s:
            rows = await s.execute(
                select(ScheduledSlot.slot_at, ScheduledSlot.status)
                .where(
                    ScheduledSlot.kind.in_((SLOT_KIND, RUN_NOW_KIND)),
                    ScheduledSlot.ref == str(rotation_id),
                )
                .order_by(ScheduledSlot.slot_at)
            )
            return [(as_utc(t), st) for t, st in rows]

    # ------------------------------------------------------------------ when posting fails

    async def pause_for_problem(self, rotation_id: int, reason: str) -> bool:
        """The channel is gone or the bot lost access: pause and tell the moderators once."""
        now = self.clock.now()
        async with self.db.write() as s:
            row = await s.get(Rotation, rotation_id)
            if row is None or row.paused:
                return False
            row.paused = True
            row.pause_reason = reason[:200]
            row.updated_at = now
            await notify_mods(s, row, now, reason)
            return True

    async def post_failed(self, rotation_id: int, key: str, reason: str) -> bool:
        """The post could not be made (channel gone, access lost): give the creator their place
        back, restore their pitch, pause the rotation and tell the moderators."""
        now = self.clock.now()
        async with self.db.write() as s:
            rotation = await s.get(Rotation, rotation_id)
            row = await s.scalar(
                select(RotationFeature).where(
                    RotationFeature.rotation_id == rotation_id, RotationFeature.slot_key == key
                )
            )
            if rotation is None or row is None or row.status != "featured":
                return False
            row.status = "failed"
            row.detail = reason[:200]
            if row.user_id is not None and row.prev_round_no is not None:
                member = await s.scalar(
                    select(RotationMember).where(
                        RotationMember.rotation_id == rotation_id,
                        RotationMember.user_id == row.user_id,
                    )
                )
                if member is not None:
                    rounds.give_place_back(member, row)
                if (row.round_no or 0) < rotation.current_round:
                    rotation.current_round = row.round_no or rotation.current_round
            if row.pitch_id is not None:
                await s.execute(
                    update(ShoutoutPitch)
                    .where(ShoutoutPitch.id == row.pitch_id)
                    .values(used_at=None)
                )
            if not rotation.paused:
                rotation.paused = True
                rotation.pause_reason = reason[:200]
                rotation.updated_at = now
                await notify_mods(s, rotation, now, reason)
            return True

    async def posted(self, rotation_id: int, key: str, message_id: int) -> None:
        async with self.db.write() as s:
            await s.execute(
                update(RotationFeature)
                .where(RotationFeature.rotation_id == rotation_id, RotationFeature.slot_key == key)
                .values(message_id=message_id)
            )
