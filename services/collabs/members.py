"""What a member does with collabs: join, leave, pause, block, see their status, ask for
suggestions now, and answer the "did you collab?" follow-up."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import DomainError, NotFound
from core.i18n import N_, _
from core.sql import insert_ignore
from core.text import clean_line
from models.collabs import CollabBlock, CollabGroup, CollabGroupMember, CollabMember, CollabRound
from models.profile import CreatorProfile
from services.collabs.base import CollabPart
from services.collabs.inputs import parse_formats, parse_languages, parse_pause_date
from services.collabs.intro_text import either, explain
from services.collabs.pool import (
    blocked_pairs,
    candidate,
    eligible,
    history_settings,
    recent_pairs,
)
from services.collabs.removals import REMOVED, is_removed
from services.collabs.results import (
    ANSWERS,
    AnswerResult,
    CollabProfile,
    MemberStatus,
    Suggestion,
    to_profile,
)
from services.collabs.scoring import FORMATS, best_partners
from services.safety.age import age_rule_in

NO_PROFILE = N_(
    "You need a creator profile first so I know your niche, fam size and time zone. "
    "Make one with `/profile set`, then `/collab optin` again!"
)
NO_PROFILE_TO_SUGGEST = N_(
    "You need a creator profile first so I know your niche, fam size and time zone. "
    "Make one with `/profile set`, then `/collab suggest`!"
)
NOT_IN = N_("You're not in collab rounds yet. Join with `/collab optin`.")


class CollabMembers(CollabPart):
    async def _member(self, s: AsyncSession, guild_id: int, user_id: int) -> CollabMember | None:
        row: CollabMember | None = await s.scalar(
            select(CollabMember).where(
                CollabMember.guild_id == guild_id, CollabMember.user_id == user_id
            )
        )
        return row

    async def get(self, guild_id: int, user_id: int) -> CollabProfile | None:
        async with self.db.read() as s:
            row = await self._member(s, guild_id, user_id)
            return to_profile(row) if row else None

    async def optin(
        self,
        guild_id: int,
        user_id: int,
        *,
        formats: str | None = None,
        languages: str | None = None,
        availability: str | None = None,
    ) -> CollabProfile:
        """Join (or update) collab rounds. Validates everything before writing anything."""
        fmts = parse_formats(formats) if formats is not None else None
        langs = parse_languages(languages) if languages is not None else None
        note = (
            clean_line(availability, field=_("availability note"), max_len=100)
            if availability is not None
            else None
        )
        now = self.clock.now()
        async with self.db.write() as s:
            has_profile = await s.scalar(
                select(CreatorProfile.id).where(
                    CreatorProfile.guild_id == guild_id, CreatorProfile.user_id == user_id
                )
            )
            if has_profile is None:
                raise DomainError(_(NO_PROFILE))
            if await is_removed(s, guild_id, user_id):
                raise DomainError(_(REMOVED))
            row = await self._member(s, guild_id, user_id)
            if row is None:
                row = CollabMember(
                    guild_id=guild_id,
                    user_id=user_id,
                    formats=list(FORMATS),
                    languages=["English"],
                    created_at=now,
                )
                s.add(row)
            row.opted_in = True
            if fmts is not None:
                row.formats = list(fmts)
            if langs is not None:
                row.languages = list(langs)
            if note is not None:
                row.availability = note
            row.updated_at = now
            await s.flush()
            return to_profile(row)

    async def member_left(self, guild_id: int, user_id: int) -> None:
        """Someone left the server: out of rounds (their settings stay for a comeback)."""
        async with self.db.write() as s:
            await s.execute(
                update(CollabMember)
                .where(CollabMember.guild_id == guild_id, CollabMember.user_id == user_id)
                .values(opted_in=False, updated_at=self.clock.now())
            )

    async def optout(self, guild_id: int, user_id: int) -> CollabProfile:
        async with self.db.write() as s:
            row = await self._member(s, guild_id, user_id)
            if row is None or not row.opted_in:
                raise DomainError(_("You're not in collab rounds, so there's nothing to leave. 💞"))
            row.opted_in = False
            row.paused_until = None
            row.updated_at = self.clock.now()
            return to_profile(row)

    async def pause(self, guild_id: int, user_id: int, until: str) -> CollabProfile:
        now = self.clock.now()
        async with self.db.write() as s:
            row = await self._member(s, guild_id, user_id)
            if row is None or not row.opted_in:
                raise DomainError(_(NOT_IN))
            zone = await s.scalar(
                select(CreatorProfile.timezone).where(
                    CreatorProfile.guild_id == guild_id, CreatorProfile.user_id == user_id
                )
            )
            row.paused_until = parse_pause_date(until, now=now, timezone=zone or "UTC")
            row.updated_at = now
            return to_profile(row)

    async def resume(self, guild_id: int, user_id: int) -> CollabProfile:
        now = self.clock.now()
        async with self.db.write() as s:
            row = await self._member(s, guild_id, user_id)
            if row is None or not row.opted_in:
                raise DomainError(_(NOT_IN))
            if row.paused_until is None or row.paused_until <= now:
                raise DomainError(_("You aren't paused: you're in the next round already. 💞"))
            row.paused_until = None
            row.updated_at = now
            return to_profile(row)

    async def block(
        self, guild_id: int, user_id: int, other_id: int, *, other_is_bot: bool
    ) -> bool:
        """True if newly blocked (False: already on the list)."""
        if other_id == user_id:
            raise DomainError(_("You can't block yourself. 😅 Pick someone else."))
        if other_is_bot:
            raise DomainError(_("Bots are never matched for collabs, no need to block them."))
        async with self.db.write() as s:
            row = {
                "guild_id": guild_id,
                "user_id": user_id,
                "blocked_id": other_id,
                "created_at": self.clock.now(),
            }
            added = await insert_ignore(
                s, CollabBlock, [row], ["guild_id", "user_id", "blocked_id"]
            )
            return added == 1

    async def unblock(self, guild_id: int, user_id: int, other_id: int) -> None:
        async with self.db.write() as s:
            result = await s.execute(
                delete(CollabBlock).where(
                    CollabBlock.guild_id == guild_id,
                    CollabBlock.user_id == user_id,
                    CollabBlock.blocked_id == other_id,
                )
            )
            if not getattr(result, "rowcount", 0):
                raise NotFound(_("That member isn't on your never-pair list."))

    async def status(self, guild_id: int, user_id: int, *, partners: int = 3) -> MemberStatus:
        async with self.db.read() as s:
            row = await self._member(s, guild_id, user_id)
            has_profile = await s.scalar(
                select(CreatorProfile.id).where(
                    CreatorProfile.guild_id == guild_id, CreatorProfile.user_id == user_id
                )
            )
            blocked = await s.scalar(
                select(func.count())
                .select_from(CollabBlock)
                .where(CollabBlock.guild_id == guild_id, CollabBlock.user_id == user_id)
            )
            recent = await self._recent_groups_of(s, guild_id, user_id, partners)
            removed = await is_removed(s, guild_id, user_id)
        return MemberStatus(
            profile=to_profile(row) if row else None,
            has_creator_profile=has_profile is not None,
            blocked=int(blocked or 0),
            last_partners=tuple(recent),
            removed=removed,
        )

    async def _recent_groups_of(
        self, s: AsyncSession, guild_id: int, user_id: int, limit: int
    ) -> list[tuple[datetime, tuple[int, ...]]]:
        mine = (
            await s.execute(
                select(CollabGroupMember.group_id, CollabRound.slot_at)
                .join(CollabGroup, CollabGroup.id == CollabGroupMember.group_id)
                .join(CollabRound, CollabRound.id == CollabGroup.round_id)
                .where(CollabGroupMember.guild_id == guild_id, CollabGroupMember.user_id == user_id)
                .order_by(CollabRound.slot_at.desc())
                .limit(limit)
            )
        ).all()
        if not mine:
            return []
        ids = [g for g, _ in mine]
        others = (
            await s.execute(
                select(CollabGroupMember.group_id, CollabGroupMember.user_id)
                .where(CollabGroupMember.group_id.in_(ids), CollabGroupMember.user_id != user_id)
                .order_by(CollabGroupMember.position)
            )
        ).all()
        by_group: dict[int, list[int]] = {}
        for gid, uid in others:
            by_group.setdefault(gid, []).append(uid)
        return [(slot, tuple(by_group.get(gid, ()))) for gid, slot in mine]

    async def suggest(
        self,
        guild_id: int,
        user_id: int,
        *,
        limit: int = 5,
        role_holders: Collection[int] | None = None,
    ) -> list[Suggestion]:
        """The member's best matches now: never someone in the other age group
        (``role_holders``: who holds the 18+ role, as for rounds), nor anyone they can't
        speak with, blocked, or had as a partner in recent rounds."""
        now = self.clock.now()
        niches = await self.niches.list_niches(guild_id)
        family = {n.name.casefold(): n.family for n in niches}
        async with self.db.read() as s:
            profile = await s.scalar(
                select(CreatorProfile).where(
                    CreatorProfile.guild_id == guild_id, CreatorProfile.user_id == user_id
                )
            )
            if profile is None:
                raise DomainError(_(NO_PROFILE_TO_SUGGEST))
            if await is_removed(s, guild_id, user_id):
                raise DomainError(_(REMOVED))
            mine = await self._member(s, guild_id, user_id)
            ages = await age_rule_in(s, guild_id, role_holders)
            pool = await eligible(s, guild_id, now, niches, ages)
            blocks = await blocked_pairs(s, guild_id)
            history, _days = await history_settings(s, guild_id)
            recent = await recent_pairs(s, guild_id, history)
        me = candidate(
            profile.user_id,
            profile.niches,
            profile.timezone,
            profile.follower_band,
            mine.formats if mine else None,
            mine.languages if mine else None,
            family=family,
            now=now,
            offsets={},
            ages=ages,
        )
        exclude = {b for a, b in blocks if a == user_id} | {a for a, b in blocks if b == user_id}
        exclude |= {b for a, b in recent if a == user_id} | {a for a, b in recent if b == user_id}
        found = best_partners(me, pool, exclude=exclude, limit=limit)
        others = [c for c in pool if c.user_id not in exclude | {me.user_id}]
        if not found and others and all(c.age_group != me.age_group for c in others):
            raise DomainError(
                _(
                    "Nobody in your age group is in collab rounds right now: collabs always keep "
                    "adults and members who aren't confirmed 18+ apart. Try again soon, and if "
                    "your age group looks wrong, update it with `/profile set age:` (only "
                    "moderators see it). 💞"
                )
            )
        others = [c for c in others if c.age_group == me.age_group]
        if not found and me.languages and others:
            raise DomainError(
                _(
                    "Nobody in collab rounds speaks {languages} yet. Invite creators who do to "
                    "`/collab optin`, or add another language you create in with "
                    "`/collab optin languages:`. 💞",
                    languages=either(me.languages),
                )
            )
        return [Suggestion(c.user_id, score, explain([me, c])) for c, score in found]

    async def answer(self, group_id: int, user_id: int, answer: str) -> AnswerResult:
        if answer not in ANSWERS:
            raise DomainError(_("That answer isn't one of the buttons."))
        now = self.clock.now()
        async with self.db.write() as s:
            row = await s.scalar(
                select(CollabGroupMember).where(
                    CollabGroupMember.group_id == group_id, CollabGroupMember.user_id == user_id
                )
            )
            if row is None:
                raise DomainError(_("This check-in is for the collab partners only. 💞"))
            changed = row.answer != answer
            row.answer, row.answered_at = answer, now
            partners = (
                await s.scalars(
                    select(CollabGroupMember.user_id)
                    .where(
                        CollabGroupMember.group_id == group_id,
                        CollabGroupMember.user_id != user_id,
                    )
                    .order_by(CollabGroupMember.position)
                )
            ).all()
            return AnswerResult(group_id, row.guild_id, answer, tuple(partners), changed)
