"""A guild's check-in schedule as one value (CheckinSettings), and the lookups every operation
starts with inside its own session: the settings, the guild's and a member's time zone, the row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import DomainError
from core.i18n import _
from models.checkins import CheckinConfig, CheckinMember
from models.guild import GuildSettings
from models.profile import CreatorProfile
from services.checkins.inputs import MOOD, Question, default_questions, questions_from
from services.checkins.moods import CareSettings, care_from
from services.checkins.periods import (
    WEEKLY,
    MemberPeriod,
    current_period,
    member_period,
    next_prompt_after,
    summary_at,
    unit_of,
)
from services.checkins.wording import weekday_name

CHUNK = 1000  # rows per statement: PostgreSQL allows 32,767 bind parameters per statement


@dataclass(frozen=True)
class CheckinSettings:
    guild_id: int
    channel_id: int
    period: str
    prompt_day: int
    prompt_time: time
    summary_time: time
    questions: tuple[Question, ...]
    paused: bool
    timezone: str  # the guild's zone: members without a profile zone use it
    active_from: date
    created_at: datetime
    care: CareSettings = field(default_factory=CareSettings)

    @property
    def asks_mood(self) -> bool:
        """The mood is asked (with the five mood buttons, before the form) when a question is
        about the mood (the default ones are) or when care after a low check-in is on."""
        return self.care.enabled or any(q.kind == MOOD for q in self.questions)

    def describe(self) -> str:
        """ "every Monday at 18:00, each member's own time", in the current language."""
        at = self.prompt_time.strftime("%H:%M")
        if self.period == WEEKLY:
            return _(
                "every {weekday} at {time}, each member's own time",
                weekday=weekday_name(self.prompt_day),
                time=at,
            )
        return _("every day at {time}, each member's own time", time=at)

    def member_period(self, label: date, tz: str) -> MemberPeriod:
        return member_period(
            label,
            period=self.period,
            prompt_day=self.prompt_day,
            prompt_time=self.prompt_time,
            tz=tz,
        )

    def current(self, now: datetime, tz: str) -> MemberPeriod:
        return current_period(
            now,
            period=self.period,
            prompt_day=self.prompt_day,
            prompt_time=self.prompt_time,
            tz=tz,
        )

    def next_prompt(self, now: datetime, tz: str) -> datetime:
        return next_prompt_after(
            now,
            period=self.period,
            prompt_day=self.prompt_day,
            prompt_time=self.prompt_time,
            tz=tz,
        )

    def summary_at(self, label: date) -> datetime:
        return summary_at(
            label, period=self.period, summary_time=self.summary_time, tz=self.timezone
        )

    @property
    def unit(self) -> str:
        return unit_of(self.period)


def settings_from(row: CheckinConfig, guild_tz: str) -> CheckinSettings:
    texts = list(row.questions or []) or default_questions(row.period)
    return CheckinSettings(
        guild_id=row.guild_id,
        channel_id=row.channel_id,
        period=row.period,
        prompt_day=row.prompt_day,
        prompt_time=time(row.prompt_hour, row.prompt_minute),
        summary_time=time(row.summary_hour, row.summary_minute),
        questions=questions_from(texts),
        paused=row.paused,
        timezone=guild_tz,
        active_from=row.active_from,
        created_at=row.created_at,
        care=care_from(row),
    )


async def guild_tz(s: AsyncSession, guild_id: int) -> str:
    tz = await s.scalar(select(GuildSettings.timezone).where(GuildSettings.guild_id == guild_id))
    return tz or "UTC"


async def find_config(s: AsyncSession, guild_id: int) -> CheckinSettings | None:
    row = await s.get(CheckinConfig, guild_id)
    return None if row is None else settings_from(row, await guild_tz(s, guild_id))


async def load_config(s: AsyncSession, guild_id: int) -> CheckinSettings:
    """The guild's settings, or the member-facing "not set up yet" refusal."""
    cfg = await find_config(s, guild_id)
    if cfg is None:
        raise DomainError(
            _(
                "Check-ins aren't set up in this server yet. A moderator can start them with "
                "`/checkin-mod setup`."
            )
        )
    return cfg


async def member_tz(s: AsyncSession, guild_id: int, user_id: int, fallback: str) -> str:
    """The member's profile zone, else ``fallback`` (the guild's)."""
    tz = await s.scalar(
        select(CreatorProfile.timezone).where(
            CreatorProfile.guild_id == guild_id, CreatorProfile.user_id == user_id
        )
    )
    return tz or fallback


async def member_row(s: AsyncSession, guild_id: int, user_id: int) -> CheckinMember | None:
    row: CheckinMember | None = await s.scalar(
        select(CheckinMember).where(
            CheckinMember.guild_id == guild_id, CheckinMember.user_id == user_id
        )
    )
    return row


async def profile_zones(s: AsyncSession, guild_id: int) -> dict[int, str]:
    """Every profile zone in the guild by member (one indexed scan, no join)."""
    rows = await s.execute(
        select(CreatorProfile.user_id, CreatorProfile.timezone).where(
            CreatorProfile.guild_id == guild_id, CreatorProfile.timezone.is_not(None)
        )
    )
    return {uid: tz for uid, tz in rows.all() if tz}
