"""What moderators set for age groups (the 18+ role, who counts as an adult, keeping the
groups apart or, for an 18+ server only, not) and what they may see: members' answers."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.db import Database
from core.errors import DomainError
from core.i18n import _, ngettext
from core.sql import insert_ignore
from models.safety import MemberAge, SafetySettings
from services.safety.age import (
    ADULTS_BY,
    AGE_ANSWERS,
    ANSWER_CACHE,
    MINOR,
    ROLE,
    AgeAnswer,
    AgeSettings,
    answer_in,
    save_answer_in,
    settings_in,
    to_settings,
)


@dataclass(frozen=True)
class AgeCounts:
    """How many members gave each answer (no names: moderators see one member's answer at
    a time, in their profile)."""

    answers: dict[str, int]  # AGE_ANSWERS keys → members

    @property
    def answered(self) -> int:
        return sum(self.answers.values())


class AgeGroupService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def _row(self, s: AsyncSession, guild_id: int) -> SafetySettings:
        """The guild's row, created with the defaults if missing (one atomic insert)."""
        now = self.clock.now()
        await insert_ignore(
            s,
            SafetySettings,
            [
                {
                    "guild_id": guild_id,
                    "separate_ages": True,
                    "adults_by": "either",
                    "created_at": now,
                    "updated_at": now,
                }
            ],
            ["guild_id"],
        )
        row = await s.get(SafetySettings, guild_id)
        assert row is not None
        return row

    async def settings(self, guild_id: int) -> AgeSettings:
        async with self.db.read() as s:
            return await settings_in(s, guild_id)

    async def answer(self, guild_id: int, user_id: int) -> AgeAnswer | None:
        """A member's own answer: for moderators' eyes (and the onboarding flow) only. From
        memory when it can be (``core.cache``: never a second staler than the database)."""
        return await self.db.cache.fetch(
            ANSWER_CACHE, (guild_id, user_id), lambda: self._load_answer(guild_id, user_id)
        )

    async def _load_answer(self, guild_id: int, user_id: int) -> AgeAnswer | None:
        async with self.db.read() as s:
            return await answer_in(s, guild_id, user_id)

    async def set_answer(
        self, guild_id: int, user_id: int, answer: str, *, source: str = "profile"
    ) -> AgeAnswer:
        now = self.clock.now()
        async with self.db.write() as s:
            await save_answer_in(s, guild_id, user_id, answer, source=source, now=now)
            saved = await answer_in(s, guild_id, user_id)
        assert saved is not None
        return saved

    async def counts(self, guild_id: int, present: Collection[int] | None = None) -> AgeCounts:
        """Answers given by the guild's members (``present``: only those still here)."""
        async with self.db.read() as s:
            return await _counts_in(s, guild_id, present)

    async def set_adult_role(self, guild_id: int, role_id: int | None) -> AgeSettings:
        async with self.db.write() as s:
            row = await self._row(s, guild_id)
            if role_id is None and row.adults_by == ROLE:
                raise DomainError(
                    _(
                        "Adults are counted by the 18+ role only here, so clearing it would "
                        "leave nobody counted as an adult. Pick who counts first with "
                        "`/safety adults-by`, then clear the role."
                    )
                )
            row.adult_role_id = role_id
            row.updated_at = self.clock.now()
            return to_settings(guild_id, row)

    async def set_adults_by(self, guild_id: int, adults_by: str) -> AgeSettings:
        if adults_by not in ADULTS_BY:
            raise DomainError(_("Pick who counts as an adult from the list."))
        async with self.db.write() as s:
            row = await self._row(s, guild_id)
            if adults_by == ROLE and row.adult_role_id is None:
                raise DomainError(
                    _(
                        'Name the 18+ role first with `/safety adult-role`, then choose "{role}".',
                        role=_(ADULTS_BY[ROLE]),
                    )
                )
            row.adults_by = adults_by
            row.updated_at = self.clock.now()
            return to_settings(guild_id, row)

    async def check_adults_only(
        self, guild_id: int, present: Collection[int] | None = None
    ) -> None:
        """Refuses when members said they're 13 to 17: such a server isn't 18+ only."""
        async with self.db.read() as s:
            await _refuse_if_minors(s, guild_id, present)

    async def keep_apart(
        self,
        guild_id: int,
        separate: bool,
        *,
        by: int,
        present: Collection[int] | None = None,
    ) -> AgeSettings:
        """Switch age groups on, or off: only for a server its moderator ``by`` confirmed is
        18+ only (the cog asks first), and never while members said they're 13 to 17."""
        now = self.clock.now()
        async with self.db.write() as s:
            if not separate:
                await _refuse_if_minors(s, guild_id, present)
            row = await self._row(s, guild_id)
            row.separate_ages = separate
            row.adults_only_by = None if separate else by
            row.adults_only_at = None if separate else now
            row.updated_at = now
            return to_settings(guild_id, row)


async def _counts_in(s: AsyncSession, guild_id: int, present: Collection[int] | None) -> AgeCounts:
    if present is None:
        rows = (
            await s.execute(
                select(MemberAge.answer, func.count())
                .where(MemberAge.guild_id == guild_id)
                .group_by(MemberAge.answer)
            )
        ).all()
        found = {a: int(n) for a, n in rows}
    else:
        here = set(present)
        pairs = (
            await s.execute(
                select(MemberAge.user_id, MemberAge.answer).where(MemberAge.guild_id == guild_id)
            )
        ).all()
        found = {}
        for uid, answer in pairs:
            if uid in here:
                found[answer] = found.get(answer, 0) + 1
    return AgeCounts({key: found.get(key, 0) for key in AGE_ANSWERS})


async def _refuse_if_minors(
    s: AsyncSession, guild_id: int, present: Collection[int] | None
) -> None:
    minors = (await _counts_in(s, guild_id, present)).answers[MINOR]
    if minors:
        raise DomainError(
            ngettext(
                "{n} member told me they're 13 to 17, so this server isn't 18+ only and age "
                "groups stay on: they're what keeps those members out of adults' collabs and "
                "intros. If an answer is wrong, that member can fix it with `/profile set age:`.",
                "{n} members told me they're 13 to 17, so this server isn't 18+ only and age "
                "groups stay on: they're what keeps those members out of adults' collabs and "
                "intros. If an answer is wrong, that member can fix it with `/profile set age:`.",
                minors,
            )
        )
