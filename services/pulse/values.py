"""What the pulse of one server's week is made of: frozen values, no database, no Discord."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Week:
    """A calendar week (Monday to Sunday) in the server's time zone."""

    start: date  # the Monday
    starts_at: datetime  # its first instant, in UTC
    ends_at: datetime  # the next Monday's first instant, in UTC
    timezone: str
    in_progress: bool  # the clock is inside it: its numbers are "so far"

    @property
    def key(self) -> str:
        """``2026-W14``: what ``?week=`` takes."""
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Funnel:
    """Newcomers who joined this week, and how far they got (so far)."""

    joined: int
    dm_sent: int  # the "Hey mutual!" DM reached them
    dm_closed: int  # their DMs were closed (they can still start from the public welcome)
    started: int  # opened the flow (DM or the public Start button)
    finished: int
    left: int  # left the server again
    # where the ones who started but didn't finish stopped: step -> count (niches, profile, norms)
    stuck_at: tuple[tuple[str, int], ...]

    @property
    def never_started(self) -> int:
        return max(self.joined - self.started, 0)


@dataclass(frozen=True)
class WeekRate:
    """One week of a trend: how many were asked / formed, and how many answered / collabed."""

    week: date
    total: int
    done: int

    @property
    def rate(self) -> float | None:
        return self.done / self.total if self.total else None


@dataclass(frozen=True)
class StreakRow:
    user_id: int
    name: str
    current: int
    best: int


@dataclass(frozen=True)
class Checkins:
    set_up: bool
    period: str  # weekly | daily
    prompted: int
    answered: int
    trend: tuple[WeekRate, ...]  # oldest first, ending with this week
    streaks: tuple[StreakRow, ...]  # the longest runs of answered periods up to this week
    on_streak: int  # members whose run is at least STREAK_SHOWN periods

    @property
    def rate(self) -> float | None:
        return self.answered / self.prompted if self.prompted else None


@dataclass(frozen=True)
class Collabs:
    rounds: int
    groups: int
    members: int
    collabed: int  # groups where someone said "we collabed"
    not_yet: int
    said_no: int
    unanswered: int
    trend: tuple[WeekRate, ...]  # per week: groups formed, groups that collabed


@dataclass(frozen=True)
class RotationWeek:
    rotation_id: int
    name: str
    featured: int
    missed: int
    empty: int
    failed: int
    queue: int  # active members in its queue now
    paused: bool


@dataclass(frozen=True)
class Waiting:
    user_id: int
    name: str
    rotation: str
    since: datetime  # last featured, or joined the rotation if never
    times_featured: int


@dataclass(frozen=True)
class Shoutouts:
    rotations: tuple[RotationWeek, ...]
    waiting: tuple[Waiting, ...]  # longest wait first


@dataclass(frozen=True)
class DayPlayers:
    day: date
    players: int  # answered the term of the day, that local day
    correct: int


@dataclass(frozen=True)
class Quizzes:
    players: int  # distinct members who answered anything this week
    answers: int
    correct: int
    game_players: int
    days: tuple[DayPlayers, ...]  # the term of the day, Monday first
    streaks: tuple[StreakRow, ...]  # term-of-the-day streaks still alive at the week's end


@dataclass(frozen=True)
class Win:
    kind: str  # checkin | collab | welcome | shoutout | quiz
    user_id: int | None
    name: str
    text: str


@dataclass(frozen=True)
class Pulse:
    guild_id: int
    guild_name: str
    week: Week
    generated_at: datetime
    funnel: Funnel
    checkins: Checkins
    collabs: Collabs
    shoutouts: Shoutouts
    quizzes: Quizzes
    wins: tuple[Win, ...]
