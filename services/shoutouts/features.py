"""One rotation slot as it goes out: pick, move on, use the pitch, queue the post and write the
feature row in one transaction; and what happens when the post can't be made (pause, tell)."""

from __future__ import annotations

import asyncio
import random
import zlib
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock, as_utc
from core.db import Database
from core.i18n import N_, _
from core.outbox import CHANNEL, DM, add_message
from models.delivery import ScheduledSlot
from models.guild import GuildSettings
from models.shoutouts import Rotation, RotationFeature, RotationMember, ShoutoutPitch
from services.safety import rulebook
from services.shoutouts import rounds
from services.shoutouts.results import Feature, MemberCheck, SlotOutcome, feature_of
from services.shoutouts.store import latest_blurb, next_pitch

# Exactly once per slot: core.deliveries claims the slot in ``scheduled_slot`` before anything
# else; the feature row (unique per rotation and slot) and the outbox post (unique dedupe key)
# are written in one transaction, so re-running a slot after a crash finds what was done.
# The kinds are stored in scheduled_slot rows (and the purposes in outbox rows): never rename.
SLOT_KIND = "rotation"
RUN_NOW_KIND = "rotation_now"
FEATURE_PURPOSE = "shoutouts_feature"
NOTICE_PURPOSE = "shoutouts_notice"
MISSED_DETAIL = "the bot was offline past the grace window"
#: stored in English in the post's payload, translated when the post is rendered
VOICE_LINES = (
    N_("Go leave some hearts 💖"),
    N_("Stitch this and say hey mutual! 🧵"),
    N_("Drop a comment, the fam shows up for the fam 💬"),
    N_("Follow if it's your niche (respect the niche) ✨"),
    N_("Show the algorithm who's boss: hearts, comments, shares 📈"),
    N_("Duet it, stitch it, share the sound 🎶"),
)


def voice_line(slot_key: str) -> str:
    """A line in the community's voice, stable for a slot (a retry renders the same post)."""
    return VOICE_LINES[zlib.crc32(slot_key.encode()) % len(VOICE_LINES)]


def slot_key(kind: str, slot_at: datetime) -> str:
    return f"{'now' if kind == RUN_NOW_KIND else 'slot'}:{as_utc(slot_at).isoformat()}"


def post_key(rotation_id: int, key: str) -> str:
    """The outbox dedupe key of a slot's spotlight post (what ``OutboxWorker.wait_for`` takes)."""
    return f"shoutout:{rotation_id}:{key}"


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
    created it (in the language of the moment: the callers speak the server's)."""
    settings = await s.get(GuildSettings, row.guild_id)
    text = _(
        "⏸️ The **{name}** shoutout rotation paused itself: {reason}. "
        "Nobody lost their place. Fix the channel (or pick another with "
        "`/rotation edit name:{name} channel:`), then `/rotation resume name:{name}`.",
        name=row.name,
        reason=reason,
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


class Features:
    """What one slot does to the database. ``changed`` is told when a rotation paused itself
    (its schedule has to be re-planned)."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        rng: random.Random,
        changed: Callable[[], None],
    ) -> None:
        self.db = db
        self.clock = clock
        self.rng = rng
        self.changed = changed
        self._locks: dict[int, asyncio.Lock] = {}

    def _lock(self, rotation_id: int) -> asyncio.Lock:
        return self._locks.setdefault(rotation_id, asyncio.Lock())

    # ------------------------------------------------------------------ one slot

    async def feature_slot(
        self, rotation_id: int, kind: str, slot_at: datetime, check: MemberCheck
    ) -> SlotOutcome:
        """One transaction: pick, move the creator to the next round, use their pitch, queue
        the post, write the feature row. Re-running it for the same slot returns what was done."""
        async with self._lock(rotation_id):
            return await self._feature_slot(rotation_id, kind, slot_at, check)

    async def _feature_slot(
        self, rotation_id: int, kind: str, slot_at: datetime, check: MemberCheck
    ) -> SlotOutcome:
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
            picked = await rounds.pick_next(s, rotation, check, now)
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
            pitch = await next_pitch(s, rotation.guild_id, member.user_id, rotation.id)
            last = None
            if pitch is None:
                last = await latest_blurb(s, rotation.guild_id, member.user_id, rotation.id)
            row.status = "featured"
            row.user_id = member.user_id
            row.round_no = rotation.current_round
            row.prev_round_no = member.round_no
            row.prev_position = member.position
            row.prev_last_featured_at = member.last_featured_at
            row.pitch_id = pitch.id if pitch else None
            row.url = pitch.url if pitch else None
            if pitch is not None:
                row.blurb, row.content_warning = pitch.blurb, pitch.content_warning
            elif last is not None:  # their last words go out with their content warning
                row.blurb, row.content_warning = last
            else:
                row.blurb = profile.intro
            # Accepted when pitched; the server's rules may have changed since: what no longer
            # meets them is left out of the post (the creator is still featured). A warning that
            # no longer may be shown takes its blurb with it: never a blurb without its warning.
            rules = await rulebook(s, rotation.guild_id)
            if not rules.allows(row.blurb) or not rules.allows(row.content_warning):
                row.blurb, row.content_warning = None, None
            if not rules.allows(row.url):
                row.url = None
            if pitch is not None:
                pitch.used_at = now
            rounds.move_featured(member, rotation, self.rng, now)
            s.add(row)
            # Everything the post shows is stored here, when it is queued: the process that
            # sends it may not have this guild in its cache.
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
                    "content_warning": row.content_warning,
                    "line": voice_line(f"{rotation.id}:{key}"),
                    "round": rotation.current_round,
                    "ping_user": rotation.ping_featured,
                    "ping_role_id": rotation.ping_role_id,
                },
                now=now,
                purpose=FEATURE_PURPOSE,
                guild_id=rotation.guild_id,
                dedupe_key=post_key(rotation.id, key),
            )
            await s.flush()
            return SlotOutcome(rotation_id, slot_at, "featured", feature_of(row))

    async def record_missed(self, rotation_id: int, kind: str, slot_at: datetime) -> None:
        """A slot that fell past the grace window shows in the history as missed (once)."""
        key = slot_key(kind, slot_at)
        async with self.db.write() as s:
            rotation = await s.get(Rotation, rotation_id)
            exists = await s.scalar(
                select(RotationFeature.id).where(
                    RotationFeature.rotation_id == rotation_id, RotationFeature.slot_key == key
                )
            )
            if rotation is None or exists is not None:
                return
            s.add(
                RotationFeature(
                    rotation_id=rotation_id,
                    guild_id=rotation.guild_id,
                    slot_key=key,
                    slot_at=slot_at,
                    status="missed",
                    detail=MISSED_DETAIL,
                    created_at=self.clock.now(),
                )
            )

    async def feature_at(self, rotation_id: int, kind: str, slot_at: datetime) -> Feature | None:
        """What a slot did (None: nothing was written for it)."""
        async with self.db.read() as s:
            row = await s.scalar(
                select(RotationFeature).where(
                    RotationFeature.rotation_id == rotation_id,
                    RotationFeature.slot_key == slot_key(kind, slot_at),
                )
            )
            return feature_of(row) if row is not None else None

    async def last_slots(self, rotation_ids: Sequence[int]) -> dict[int, datetime]:
        """The latest scheduled slot already claimed (or recorded) for each rotation."""
        if not rotation_ids:
            return {}
        refs = [str(r) for r in rotation_ids]
        found: dict[int, datetime] = {}
        async with self.db.read() as s:
            for i in range(0, len(refs), 500):
                rows = await s.execute(
                    select(ScheduledSlot.ref, func.max(ScheduledSlot.slot_at))
                    .where(
                        ScheduledSlot.kind == SLOT_KIND, ScheduledSlot.ref.in_(refs[i : i + 500])
                    )
                    .group_by(ScheduledSlot.ref)
                )
                found.update({int(ref): as_utc(at) for ref, at in rows.all() if at is not None})
        return found

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
        self.changed()
        return True

    async def post_failed(self, rotation_id: int, key: str, reason: str) -> bool:
        """The post could not be made (channel gone, access lost): give the creator their place
        back, restore their pitch, pause the rotation and tell the moderators."""
        now = self.clock.now()
        paused = False
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
                paused = True
        if paused:
            self.changed()
        return True

    async def posted(self, rotation_id: int, key: str, message_id: int) -> None:
        async with self.db.write() as s:
            await s.execute(
                update(RotationFeature)
                .where(RotationFeature.rotation_id == rotation_id, RotationFeature.slot_key == key)
                .values(message_id=message_id)
            )
