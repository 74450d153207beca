"""Age groups: every member is an *adult* (the 18+ role, or said "18 or older", as the guild
counts it) or *not confirmed adult*, and a guild's rule keeps the two apart wherever Mutuals
puts members together. Read inside the caller's transaction, so what a round, a suggestion or
an intro decides rests on one consistent state."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.cache import changed
from core.errors import DomainError
from core.i18n import N_, _
from core.sql import upsert_many
from models.safety import MemberAge, SafetySettings

# A member's own answer (stored value → how it reads).
ADULT, MINOR, UNSAID = "adult", "minor", "unsaid"
AGE_ANSWERS: dict[str, str] = {
    ADULT: N_("18 or older"),
    MINOR: N_("13 to 17"),
    UNSAID: N_("I'd rather not say"),
}

# Who counts as an adult (stored value → how moderators read it).
EITHER, ROLE, SAID = "either", "role", "said"
ADULTS_BY: dict[str, str] = {
    EITHER: N_("the 18+ role, or their own answer"),
    ROLE: N_("the 18+ role only"),
    SAID: N_("their own answer only"),
}

#: the two groups, as collab matching compares them
NOT_CONFIRMED, ADULT_GROUP = 0, 1


class RoleHoldersUnknown(DomainError):
    """The guild counts the 18+ role, but who holds it can't be known right now (the bot's
    member list isn't loaded): nobody is grouped on a guess."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "I can't see who holds this server's 18+ role right now (my member list is "
                "still loading), and I won't guess who's an adult. Try again in a minute. 💞"
            )
        )


@dataclass(frozen=True)
class AgeSettings:
    """A guild's age-group settings (the defaults when a moderator never changed them)."""

    guild_id: int
    separate: bool  # adults and members not confirmed adult are never grouped
    adult_role_id: int | None
    adults_by: str  # EITHER | ROLE | SAID
    adults_only_by: int | None  # who confirmed the server is 18+ (when separate is off)
    adults_only_at: datetime | None

    @property
    def counts_role(self) -> bool:
        """Holding the 18+ role makes a member an adult."""
        return self.adults_by in (EITHER, ROLE) and self.adult_role_id is not None

    @property
    def counts_answer(self) -> bool:
        """Saying "18 or older" makes a member an adult."""
        return self.adults_by in (EITHER, SAID)

    def counts_as_adult(self, answer: str | None, holds_role: bool) -> bool:
        """One member's group, as ``age_rule_in`` decides it for everyone at once."""
        if not self.separate:
            return False
        return (self.counts_role and holds_role) or (self.counts_answer and answer == ADULT)


def to_settings(guild_id: int, row: SafetySettings | None) -> AgeSettings:
    if row is None:
        return AgeSettings(guild_id, True, None, EITHER, None, None)
    return AgeSettings(
        guild_id=guild_id,
        separate=row.separate_ages,
        adult_role_id=row.adult_role_id,
        adults_by=row.adults_by,
        adults_only_by=row.adults_only_by,
        adults_only_at=row.adults_only_at,
    )


@dataclass(frozen=True)
class AgeRule:
    """Who is in which group for one decision. With ``separate`` off everyone is one group."""

    separate: bool
    adults: frozenset[int]

    def group_of(self, user_id: int) -> int:
        return ADULT_GROUP if self.separate and user_id in self.adults else NOT_CONFIRMED

    def same_group(self, a: int, b: int) -> bool:
        return self.group_of(a) == self.group_of(b)


#: no age groups (an 18+ server), and what code without a guild's rule assumes
NO_GROUPS = AgeRule(False, frozenset())


@dataclass(frozen=True)
class AgeAnswer:
    answer: str  # ADULT | MINOR | UNSAID
    source: str  # "onboarding" | "profile"
    answered_at: datetime

    @property
    def label(self) -> str:
        return _(AGE_ANSWERS[self.answer])


def validate_age(raw: str) -> str:
    """A stored answer from what a form or an option sent ("adult", "18 or older", "13-17"…)."""
    value = raw.strip().casefold().replace("–", "-")
    aliases = {
        "18+": ADULT,
        "18 or older": ADULT,
        "13-17": MINOR,
        "13 to 17": MINOR,
        "under 18": MINOR,
        "rather not say": UNSAID,
        "i'd rather not say": UNSAID,
    }
    value = aliases.get(value, value)
    if value not in AGE_ANSWERS:
        raise DomainError(
            _(
                "Pick your age group from the list: {choices}.",
                choices=", ".join(_(label) for label in AGE_ANSWERS.values()),
            )
        )
    return value


async def settings_in(session: AsyncSession, guild_id: int) -> AgeSettings:
    return to_settings(guild_id, await session.get(SafetySettings, guild_id))


async def age_rule_in(
    session: AsyncSession, guild_id: int, role_holders: Collection[int] | None
) -> AgeRule:
    """The guild's groups right now. ``role_holders``: who holds the 18+ role, as the guild
    cache knows it (None: not known). Raises RoleHoldersUnknown if the role counts and
    ``role_holders`` is None."""
    cfg = await settings_in(session, guild_id)
    if not cfg.separate:
        return NO_GROUPS
    adults: set[int] = set()
    if cfg.counts_role:
        if role_holders is None:
            raise RoleHoldersUnknown()
        adults.update(role_holders)
    if cfg.counts_answer:
        said = await session.scalars(
            select(MemberAge.user_id).where(
                MemberAge.guild_id == guild_id, MemberAge.answer == ADULT
            )
        )
        adults.update(said.all())
    return AgeRule(True, frozenset(adults))


#: where ``AgeGroups.answer`` keeps answers in memory (every write of one names it)
ANSWER_CACHE = MemberAge.__member_cache__


async def answer_in(session: AsyncSession, guild_id: int, user_id: int) -> AgeAnswer | None:
    row = await session.scalar(
        select(MemberAge).where(MemberAge.guild_id == guild_id, MemberAge.user_id == user_id)
    )
    return AgeAnswer(row.answer, row.source, row.answered_at) if row is not None else None


async def save_answer_in(
    session: AsyncSession, guild_id: int, user_id: int, answer: str, *, source: str, now: datetime
) -> None:
    """Store (or replace) a member's answer in the caller's transaction (one atomic upsert)."""
    changed(session, ANSWER_CACHE, (guild_id, user_id))
    await upsert_many(
        session,
        MemberAge,
        [
            {
                "guild_id": guild_id,
                "user_id": user_id,
                "answer": validate_age(answer),
                "source": source,
                "answered_at": now,
            }
        ],
        ["guild_id", "user_id"],
        ["answer", "source", "answered_at"],
    )
