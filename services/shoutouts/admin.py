"""What moderators do with rotations: create, edit, delete, pause and resume, look at the
queue and its history, skip the head, add or take out a creator."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, func, select, update

from core.clock import Clock
from core.db import Database
from core.errors import Conflict, DomainError, NotFound
from core.i18n import N_, _, ngettext
from models.guild import GuildSettings
from models.shoutouts import Rotation, RotationFeature, RotationMember, ShoutoutPitch
from services.schedules import parse_schedule
from services.shoutouts import rounds
from services.shoutouts.features import forget_slots
from services.shoutouts.inputs import (
    MAX_ROTATIONS,
    check_excluded_roles,
    check_min_days,
    rotation_key,
    validate_name,
    validate_required_fields,
)
from services.shoutouts.results import (
    Feature,
    Membership,
    QueueEntry,
    RotationInfo,
    SkipResult,
    feature_of,
    rotation_info,
)
from services.shoutouts.store import by_name


class _Unset:
    pass


#: the pause reason of a rotation a moderator paused (any other reason: it paused itself)
MODERATOR_PAUSE = N_("paused by a moderator")  # stored as is; translated where shown
# "leave it as it is", for edit options where None is a value (no ping role, say)
UNSET: Any = _Unset()


class RotationAdmin:
    """``changed`` is told after every change of when or whether a rotation posts (create,
    edit, delete, pause, resume), once it is committed, so its schedule is re-planned at once."""

    def __init__(
        self, db: Database, clock: Clock, *, rng: random.Random, changed: Callable[[], None]
    ) -> None:
        self.db = db
        self.clock = clock
        self.rng = rng
        self.changed = changed

    async def create(
        self,
        guild_id: int,
        *,
        name: str,
        channel_id: int,
        schedule: str,
        created_by: int,
        timezone: str | None = None,
        exclude_role_ids: list[int] | tuple[int, ...] = (),
        min_days_between: int = 0,
        ping_featured: bool = True,
        ping_role_id: int | None = None,
        required_fields: list[str] | tuple[str, ...] = (),
    ) -> RotationInfo:
        now = self.clock.now()
        clean = validate_name(name)
        check_min_days(min_days_between)
        required = validate_required_fields(required_fields)
        excluded = check_excluded_roles(exclude_role_ids)
        async with self.db.write() as s:
            tz = timezone
            if not tz:
                settings = await s.get(GuildSettings, guild_id)
                tz = settings.timezone if settings else "UTC"
            parsed = parse_schedule(schedule, tz, anchor=now)
            count = await s.scalar(select(func.count()).where(Rotation.guild_id == guild_id))
            if (count or 0) >= MAX_ROTATIONS:
                raise Conflict(
                    ngettext(
                        "This server already has {n} rotation. Delete one first.",
                        "This server already has {n} rotations. Delete one first.",
                        MAX_ROTATIONS,
                    )
                )
            exists = await s.scalar(
                select(Rotation.id).where(
                    Rotation.guild_id == guild_id, Rotation.key == rotation_key(clean)
                )
            )
            if exists is not None:
                raise Conflict(
                    _(
                        "There's already a rotation called **{name}**. Pick another name, or "
                        "change that one with `/rotation edit`.",
                        name=clean,
                    )
                )
            row = Rotation(
                guild_id=guild_id,
                key=rotation_key(clean),
                name=clean,
                channel_id=channel_id,
                schedule=parsed.text,
                timezone=parsed.timezone,
                schedule_anchor=now,
                active_from=now,
                paused=False,
                created_by=created_by,
                exclude_role_ids=excluded,
                min_days_between=min_days_between,
                ping_featured=ping_featured,
                ping_role_id=ping_role_id,
                required_fields=list(required),
                current_round=1,
                created_at=now,
                updated_at=now,
            )
            s.add(row)
            await s.flush()
            info = rotation_info(row)
        self.changed()
        return info

    async def edit(
        self,
        guild_id: int,
        name: str,
        *,
        new_name: str | None = None,
        channel_id: int | None = None,
        schedule: str | None = None,
        timezone: str | None = None,
        exclude_role_ids: list[int] | tuple[int, ...] | _Unset = UNSET,
        min_days_between: int | None = None,
        ping_featured: bool | None = None,
        ping_role_id: int | _Unset | None = UNSET,
        required_fields: list[str] | tuple[str, ...] | _Unset = UNSET,
    ) -> RotationInfo:
        now = self.clock.now()
        clean = validate_name(new_name) if new_name is not None else None
        if min_days_between is not None:
            check_min_days(min_days_between)
        required = (
            validate_required_fields(required_fields)
            if not isinstance(required_fields, _Unset)
            else None
        )
        async with self.db.write() as s:
            row = await by_name(s, guild_id, name)
            if clean is not None and rotation_key(clean) != row.key:
                taken = await s.scalar(
                    select(Rotation.id).where(
                        Rotation.guild_id == guild_id, Rotation.key == rotation_key(clean)
                    )
                )
                if taken is not None:
                    raise Conflict(_("There's already a rotation called **{name}**.", name=clean))
            if schedule is not None or timezone is not None:
                parsed = parse_schedule(
                    schedule or row.schedule, timezone or row.timezone, anchor=now
                )
                row.schedule, row.timezone = parsed.text, parsed.timezone
                row.schedule_anchor = now
                # a new schedule starts now: old slots are neither caught up nor "missed"
                row.active_from = now
            if clean is not None:
                row.name, row.key = clean, rotation_key(clean)
            if channel_id is not None:
                row.channel_id = channel_id
            if not isinstance(exclude_role_ids, _Unset):
                row.exclude_role_ids = check_excluded_roles(exclude_role_ids)
            if min_days_between is not None:
                row.min_days_between = min_days_between
            if ping_featured is not None:
                row.ping_featured = ping_featured
            if not isinstance(ping_role_id, _Unset):
                row.ping_role_id = ping_role_id
            if required is not None:
                row.required_fields = list(required)
            row.updated_at = now
            info = rotation_info(row)
        self.changed()
        return info

    async def delete(self, guild_id: int, name: str) -> RotationInfo:
        async with self.db.write() as s:
            row = await by_name(s, guild_id, name)
            info = rotation_info(row)
            await s.execute(delete(RotationMember).where(RotationMember.rotation_id == row.id))
            await s.execute(delete(RotationFeature).where(RotationFeature.rotation_id == row.id))
            # pitches meant for it stay the creators', for whichever rotation features them
            await s.execute(
                update(ShoutoutPitch)
                .where(ShoutoutPitch.rotation_id == row.id)
                .values(rotation_id=None)
            )
            await forget_slots(s, row.id)
            await s.delete(row)
        self.changed()
        return info

    async def set_paused(self, guild_id: int, name: str, paused: bool) -> RotationInfo:
        now = self.clock.now()
        async with self.db.write() as s:
            row = await by_name(s, guild_id, name)
            if row.paused == paused:
                raise Conflict(
                    _("**{name}** is already paused.", name=row.name)
                    if paused
                    else _("**{name}** is already running.", name=row.name)
                )
            row.paused = paused
            row.pause_reason = MODERATOR_PAUSE if paused else None
            if not paused:
                # slots that fell while paused are neither posted late nor recorded as missed
                row.active_from = now
            row.updated_at = now
            info = rotation_info(row)
        self.changed()
        return info

    async def queue(self, guild_id: int, name: str, limit: int = 10) -> list[QueueEntry]:
        """The next creators in order: the rest of this round, then the next round's shuffle."""
        async with self.db.read() as s:
            return await rounds.upcoming(s, await by_name(s, guild_id, name), limit)

    async def skip(self, guild_id: int, name: str) -> SkipResult:
        """The creator at the head goes to the end of the current round."""
        async with self.db.write() as s:
            row = await by_name(s, guild_id, name)
            result = await rounds.skip_head(s, row)
            if result is None:
                raise DomainError(_("Nobody is waiting in **{name}** right now.", name=row.name))
            return result

    async def history(self, guild_id: int, name: str, limit: int = 15) -> list[Feature]:
        async with self.db.read() as s:
            row = await by_name(s, guild_id, name)
            rows = await s.scalars(
                select(RotationFeature)
                .where(RotationFeature.rotation_id == row.id)
                .order_by(RotationFeature.slot_at.desc(), RotationFeature.id.desc())
                .limit(limit)
            )
            return [feature_of(r) for r in rows]

    async def add_member(self, guild_id: int, name: str, user_id: int) -> Membership:
        async with self.db.write() as s:
            rotation = await by_name(s, guild_id, name)
            await rounds.check_profile(s, rotation, user_id, you=False)
            member, fresh = await rounds.enrol(
                s, rotation, user_id, force=True, now=self.clock.now(), rng=self.rng
            )
            assert member is not None
            if not fresh:
                raise Conflict(_("They're already in **{name}**.", name=rotation.name))
            return await rounds.membership(s, rotation, member)

    async def remove_member(self, guild_id: int, name: str, user_id: int) -> None:
        async with self.db.write() as s:
            left = await rounds.deactivate(s, guild_id, user_id, name, "removed")
        if not left:
            raise NotFound(_("They aren't in that rotation."))
