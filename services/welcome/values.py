"""The plain values the welcome service takes and hands out (no ORM row leaves the package)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from models.welcome import Onboarding, WelcomeConfig
from services.welcome.wording import copy_text, default_rules


@dataclass(frozen=True)
class WelcomeSettings:
    guild_id: int
    channel_id: int | None
    template: str
    custom_template: bool
    dm_enabled: bool
    autorole_id: int | None
    rules: tuple[str, ...]
    custom_rules: bool
    leave_window_minutes: int
    raid_joins: int
    raid_window_seconds: int


@dataclass(frozen=True)
class OnboardingState:
    guild_id: int
    user_id: int
    preview: bool
    status: str
    step: str
    niches: tuple[str, ...]
    tiktok_handle: str | None
    intro: str | None
    display_name: str
    member_number: int | None
    dm_state: str
    public_state: str

    @property
    def completed(self) -> bool:
        return self.status == "completed"


@dataclass(frozen=True)
class JoinInfo:
    """One join as the cog saw it (plain values); ``guild_name`` is the server's name as the
    join event told it, put in the queued messages (without it, the stored name is used);
    ``joined_at`` is Discord's, the same for every session that receives this join."""

    guild_id: int
    user_id: int
    display_name: str
    member_count: int | None
    pending: bool
    fallback_channel_id: int | None = None
    guild_name: str | None = None
    joined_at: datetime | None = None


@dataclass(frozen=True)
class JoinOutcome:
    """What the cog must still do: ``action`` is screening | welcomed | batched | returning |
    ignored; roles to give back to a returning member; when a raid batch is due."""

    action: str
    restore_role_ids: tuple[int, ...] = ()
    batch_due: datetime | None = None


@dataclass(frozen=True)
class StartCheck:
    """Whom a **Start onboarding** click is for: ``action`` is go | done | not_yours;
    ``newcomer`` is whom the clicked post welcomes, when it is one member's own welcome."""

    action: str
    newcomer: int | None = None


@dataclass(frozen=True)
class Completion:
    state: OnboardingState
    role_ids: tuple[int, ...]
    invitees: tuple[int, ...]
    intro_queued: bool
    channel_id: int | None


@dataclass(frozen=True)
class LeaveOutcome:
    delete_messages: tuple[tuple[int, int], ...]  # (channel id, message id)
    cancelled: int


@dataclass(frozen=True)
class BatchRef:
    guild_id: int
    window_start: datetime
    due_at: datetime


@dataclass(frozen=True)
class PeriodStats:
    days: int
    joins: int
    started: int
    completed: int
    dms_closed: int

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.started if self.started else None


def to_settings(guild_id: int, row: WelcomeConfig | None) -> WelcomeSettings:
    """A guild's settings; without a config row, the defaults."""
    if row is None:
        return WelcomeSettings(
            guild_id=guild_id,
            channel_id=None,
            template=copy_text("default_template"),
            custom_template=False,
            dm_enabled=True,
            autorole_id=None,
            rules=default_rules(),
            custom_rules=False,
            leave_window_minutes=30,
            raid_joins=8,
            raid_window_seconds=30,
        )
    return WelcomeSettings(
        guild_id=guild_id,
        channel_id=row.channel_id,
        template=row.template or copy_text("default_template"),
        custom_template=row.template is not None,
        dm_enabled=row.dm_enabled,
        autorole_id=row.autorole_id,
        rules=tuple(row.rules) if row.rules else default_rules(),
        custom_rules=bool(row.rules),
        leave_window_minutes=row.leave_window_minutes,
        raid_joins=row.raid_joins,
        raid_window_seconds=row.raid_window_seconds,
    )


def to_state(row: Onboarding) -> OnboardingState:
    return OnboardingState(
        guild_id=row.guild_id,
        user_id=row.user_id,
        preview=row.preview,
        status=row.status,
        step=row.step,
        niches=tuple(row.niches or ()),
        tiktok_handle=row.tiktok_handle,
        intro=row.intro,
        display_name=row.display_name,
        member_number=row.member_number,
        dm_state=row.dm_state,
        public_state=row.public_state,
    )
