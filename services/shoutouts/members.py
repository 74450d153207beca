"""What creators do (join, leave, see their place, pitch what to feature) and what happens to
them from outside: nominations by other capabilities, leaving the server, losing a role."""

from __future__ import annotations

import random

from sqlalchemy import false, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.db import Database
from core.errors import Conflict, DomainError, NotFound
from core.i18n import _
from models.shoutouts import Rotation, RotationMember, ShoutoutPitch
from services.safety import hold_to_rules
from services.shoutouts import rounds
from services.shoutouts.inputs import (
    NO_HANDLE,
    validate_blurb,
    validate_content_warning,
    validate_tiktok_url,
)
from services.shoutouts.results import (
    MemberCheck,
    Membership,
    Nomination,
    Pitch,
    no_check,
    pitch_of,
    rotation_info,
)
from services.shoutouts.store import by_name, named_or_first, next_pitch, profile_of


def and_list(items: list[str]) -> str:
    """ "", "a", "a and b", "a, b and c"."""
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


class Members:
    def __init__(self, db: Database, clock: Clock, *, rng: random.Random) -> None:
        self.db = db
        self.clock = clock
        self.rng = rng

    async def join(self, guild_id: int, user_id: int, name: str | None = None) -> Membership:
        async with self.db.write() as s:
            rotation = await named_or_first(s, guild_id, name)
            if rotation is None:
                raise NotFound(
                    _(
                        "There's no shoutout rotation in this server yet. Ask a moderator to set "
                        "one up with `/rotation create`!"
                    )
                )
            await rounds.check_profile(s, rotation, user_id, you=True)
            member, fresh = await rounds.enrol(
                s, rotation, user_id, force=True, now=self.clock.now(), rng=self.rng
            )
            assert member is not None
            if not fresh:
                raise Conflict(
                    _(
                        "You're already in **{name}**! Check your place with `/shoutout status`.",
                        name=rotation.name,
                    )
                )
            return await rounds.membership(s, rotation, member)

    async def leave(self, guild_id: int, user_id: int, name: str | None = None) -> list[str]:
        """Opt out of one rotation (or all of them); returns the rotation names left."""
        async with self.db.write() as s:
            return await rounds.deactivate(s, guild_id, user_id, name, "opted_out")

    async def member_left_guild(self, guild_id: int, user_id: int) -> list[str]:
        async with self.db.write() as s:
            return await rounds.deactivate(s, guild_id, user_id, None, "left")

    async def reactivate_excluded(
        self, guild_id: int, user_id: int, check: MemberCheck = no_check
    ) -> list[str]:
        """A member lost the role that excluded them: back in, without losing their place
        (unless ``check`` says they are still excluded, e.g. by another role)."""
        async with self.db.write() as s:
            rows = (
                await s.execute(
                    select(RotationMember, Rotation)
                    .join(Rotation, Rotation.id == RotationMember.rotation_id)
                    .where(
                        RotationMember.guild_id == guild_id,
                        RotationMember.user_id == user_id,
                        RotationMember.active == false(),
                        RotationMember.inactive_reason == "excluded",
                    )
                )
            ).all()
            back = []
            for _member, rotation in rows:
                if check(rotation_info(rotation), user_id) is not None:
                    continue
                await rounds.enrol(
                    s, rotation, user_id, force=True, now=self.clock.now(), rng=self.rng
                )
                back.append(rotation.name)
            return back

    async def status(self, guild_id: int, user_id: int) -> tuple[list[Membership], Pitch | None]:
        """Every rotation the creator is (or was) in, and the pitch their next feature uses."""
        async with self.db.read() as s:
            rows = (
                await s.execute(
                    select(RotationMember, Rotation)
                    .join(Rotation, Rotation.id == RotationMember.rotation_id)
                    .where(RotationMember.guild_id == guild_id, RotationMember.user_id == user_id)
                    .order_by(Rotation.id)
                )
            ).all()
            out = [await rounds.membership(s, rotation, member) for member, rotation in rows]
            pitch = await next_pitch(s, guild_id, user_id)
            if pitch is None:
                return out, None
            target = await s.get(Rotation, pitch.rotation_id) if pitch.rotation_id else None
            return out, pitch_of(pitch, target.name if target else None)

    async def _mine(self, s: AsyncSession, guild_id: int, user_id: int) -> list[Rotation]:
        """The rotations the creator is in (actively), oldest first."""
        rows = await s.scalars(
            select(Rotation)
            .join(RotationMember, RotationMember.rotation_id == Rotation.id)
            .where(
                RotationMember.guild_id == guild_id,
                RotationMember.user_id == user_id,
                RotationMember.active == true(),
            )
            .order_by(Rotation.id)
        )
        return list(rows)

    async def my_rotations(self, guild_id: int, user_id: int, query: str = "") -> list[str]:
        """Names of the rotations the creator is in that contain ``query``, for autocomplete."""
        async with self.db.read() as s:
            names = [r.name for r in await self._mine(s, guild_id, user_id)]
        q = query.casefold().strip()
        return [n for n in names if q in n.casefold()][:25]

    async def nominate(
        self,
        guild_id: int,
        user_id: int,
        *,
        url: str | None,
        blurb: str,
        nominated_by: int | None,
    ) -> Nomination:
        """Record a pitch for a creator and put them in the guild's first rotation.

        Other features (collab follow-ups, check-ins) call this. A creator without a TikTok
        handle can't be featured: DomainError. Someone who opted out of the rotation is not
        put back (the pitch is kept for when they rejoin).
        """
        clean_url = validate_tiktok_url(url) if url else None
        clean_blurb = validate_blurb(blurb)
        now = self.clock.now()
        async with self.db.write() as s:
            await hold_to_rules(s, guild_id, {_("blurb"): clean_blurb, _("TikTok link"): clean_url})
            profile = await profile_of(s, guild_id, user_id)
            if profile is None or not profile.tiktok_handle:
                if nominated_by is None or nominated_by == user_id:
                    raise DomainError(_(NO_HANDLE))
                raise DomainError(
                    _(
                        "That creator has no TikTok handle on their profile yet, so they can't "
                        "be featured. Ask them to run `/profile set handle:@theirhandle`."
                    )
                )
            pitch = ShoutoutPitch(
                guild_id=guild_id,
                user_id=user_id,
                url=clean_url,
                blurb=clean_blurb,
                nominated_by=nominated_by,
                created_at=now,
            )
            s.add(pitch)
            rotation = await named_or_first(s, guild_id, None)
            member: RotationMember | None = None
            fresh = False
            if rotation is not None:
                member, fresh = await rounds.enrol(
                    s, rotation, user_id, force=False, now=self.clock.now(), rng=self.rng
                )
            await s.flush()
            return Nomination(
                pitch_id=pitch.id,
                guild_id=guild_id,
                user_id=user_id,
                url=clean_url,
                blurb=clean_blurb,
                nominated_by=nominated_by,
                rotation_id=rotation.id if rotation and member else None,
                rotation_name=rotation.name if rotation and member else None,
                newly_joined=fresh,
            )

    async def pitch(
        self,
        guild_id: int,
        user_id: int,
        *,
        url: str | None,
        blurb: str,
        rotation: str | None = None,
        content_warning: str | None = None,
    ) -> Nomination:
        """A creator's own pitch for their next feature in a rotation they are in: the one named,
        else their only one. In several without naming one, or in none: a DomainError saying what
        to do. Never signs anybody up. ``content_warning``: shown as "CW: …" before the blurb,
        which then hides behind a spoiler."""
        clean_url = validate_tiktok_url(url) if url else None
        clean_blurb = validate_blurb(blurb)
        clean_cw = validate_content_warning(content_warning)
        now = self.clock.now()
        async with self.db.write() as s:
            mine = await self._mine(s, guild_id, user_id)
            target = await self._pitch_target(s, guild_id, rotation, mine)
            await hold_to_rules(
                s,
                guild_id,
                {
                    "content warning": clean_cw,
                    _("blurb"): clean_blurb,
                    _("TikTok link"): clean_url,
                },
            )
            profile = await profile_of(s, guild_id, user_id)
            if profile is None or not profile.tiktok_handle:
                raise DomainError(_(NO_HANDLE))
            pitch = ShoutoutPitch(
                guild_id=guild_id,
                user_id=user_id,
                url=clean_url,
                blurb=clean_blurb,
                content_warning=clean_cw,
                nominated_by=user_id,
                created_at=now,
                rotation_id=target.id,
            )
            s.add(pitch)
            await s.flush()
            return Nomination(
                pitch_id=pitch.id,
                guild_id=guild_id,
                user_id=user_id,
                url=clean_url,
                blurb=clean_blurb,
                nominated_by=user_id,
                rotation_id=target.id,
                rotation_name=target.name,
                newly_joined=False,
                content_warning=clean_cw,
            )

    @staticmethod
    async def _pitch_target(
        s: AsyncSession, guild_id: int, name: str | None, mine: list[Rotation]
    ) -> Rotation:
        yours = and_list([f"**{r.name}**" for r in mine])
        if name:
            wanted = await by_name(s, guild_id, name)
            if any(r.id == wanted.id for r in mine):
                return wanted
            hint = " " + _("Or pitch for yours: {rotations}.", rotations=yours) if mine else ""
            raise DomainError(
                _(
                    "You're not in **{name}**, so a pitch there wouldn't be used. Join it "
                    "with `/shoutout join rotation:{name}` first.",
                    name=wanted.name,
                )
                + hint
            )
        if not mine:
            raise DomainError(
                _(
                    "You're not in a rotation here yet, so there's nothing to pitch for. Join "
                    "one with `/shoutout join`, then pitch again. 💞"
                )
            )
        if len(mine) > 1:
            raise DomainError(
                _(
                    "Which rotation is this pitch for? You're in {rotations}: run "
                    "`/shoutout pitch` again and pick one in the `rotation` option.",
                    rotations=yours,
                )
            )
        return mine[0]
