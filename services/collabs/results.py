"""What the collab service answers with: plain frozen values (no ORM rows leave a session)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from babel.dates import get_day_names

from core.i18n import _, current, ngettext
from models.collabs import CollabMember, CollabSettings
from services.collabs.scoring import FORMATS

# The follow-up's answers (stored values → how stats name them).
ANSWERS = {"yes": "collabed", "not_yet": "not yet", "no": "no"}


@dataclass(frozen=True)
class CollabProfile:
    guild_id: int
    user_id: int
    opted_in: bool
    formats: tuple[str, ...]
    languages: tuple[str, ...]
    availability: str | None
    paused_until: datetime | None

    def paused(self, now: datetime) -> bool:
        return self.paused_until is not None and self.paused_until > now

    @property
    def format_labels(self) -> str:
        return ", ".join(_(FORMATS[f]) for f in self.formats if f in FORMATS) or _("anything")


@dataclass(frozen=True)
class RoundSettings:
    guild_id: int
    channel_id: int
    frequency: str
    day: str
    time: str
    timezone: str
    paused: bool
    history_rounds: int
    followup_days: int
    next_round_at: datetime | None

    def describe(self) -> str:
        day = _weekday_name(self.day)
        when = {
            "weekly": _("every {day}", day=day),
            "biweekly": _("every other {day}", day=day),
            "monthly": _("the first {day} of the month", day=day),
        }[self.frequency]
        return _("{when} at {time} ({timezone})", when=when, time=self.time, timezone=self.timezone)


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _weekday_name(day: str) -> str:
    """ "mon" → "Mon", "lun", "月"… (Babel's short names in the current language)."""
    if day not in _WEEKDAYS:
        return day.title()
    return str(get_day_names("abbreviated", locale=current())[_WEEKDAYS.index(day)])


@dataclass(frozen=True)
class GroupInfo:
    id: int
    round_id: int
    guild_id: int
    members: tuple[int, ...]
    score: float
    repeat: bool
    reason: str
    prompts: tuple[str, ...]
    intro: str
    thread_id: int | None
    followup_at: datetime


#: why a member was left out of a round (services.collabs.matching's reasons)
LEFT_OUT_REASONS = ("language", "blocked", "full", "alone", "age")


@dataclass(frozen=True)
class RoundInfo:
    id: int
    guild_id: int
    slot_at: datetime
    manual: bool
    members: int
    groups: tuple[GroupInfo, ...]
    repeats: int
    unplaced: tuple[int, ...]
    created: bool  # False: the round already existed (a retry after a restart)
    #: each unplaced member → why (rounds stored before reasons were kept have none)
    reasons: dict[int, str] = field(default_factory=dict)

    @property
    def trios(self) -> int:
        return sum(1 for g in self.groups if len(g.members) == 3)

    def left_out(self) -> dict[str, int]:
        """How many were left out, by reason (blocks were the only reason before reasons
        were stored)."""
        counts = dict.fromkeys(LEFT_OUT_REASONS, 0)
        for uid in self.unplaced:
            counts[self.reasons.get(uid, "blocked")] += 1
        return counts

    def summary(self) -> str:
        told = " " + _("I've told each of them privately why.") if self.reasons else ""
        out = self.left_out()
        if not self.groups:
            if self.members < 2:
                return ngettext(
                    "Only {n} member opted in and active: nobody to pair yet. Invite the fam to "
                    "`/collab optin`!",
                    "Only {n} members opted in and active: nobody to pair yet. Invite the fam "
                    "to `/collab optin`!",
                    self.members,
                )
            if out["age"] == len(self.unplaced):
                return (
                    _(
                        "Nobody could be paired: adults and members not confirmed adult are "
                        "never matched together, and nobody else in their age group was free "
                        "this round."
                    )
                    + told
                )
            if out["language"] == len(self.unplaced):
                return (
                    _("Nobody could be paired: no two members free this round share a language.")
                    + told
                )
            return _("Nobody could be paired (blocks rule out every pair).") + told
        pairs = len(self.groups) - self.trios
        parts = [ngettext("{n} pair", "{n} pairs", pairs)] if pairs else []
        if self.trios:
            parts.append(
                ngettext(
                    "{n} trio (the odd one out included)",
                    "{n} trios (the odd one out included)",
                    self.trios,
                )
            )
        matched = ngettext("{n} member", "{n} members", self.members - len(self.unplaced))
        text = _("Matched **{matched}**: {parts}.", matched=matched, parts=_(" and ").join(parts))
        if self.repeats:
            text += " " + ngettext(
                "{n} group repeat a partner from recent rounds: no other match was possible "
                "for them.",
                "{n} groups repeat a partner from recent rounds: no other match was possible "
                "for them.",
                self.repeats,
            )
        if out["age"]:
            text += " " + ngettext(
                "{n} member had nobody else in their age group this round (adults and members "
                "not confirmed adult are never matched together).",
                "{n} members had nobody else in their age group this round (adults and "
                "members not confirmed adult are never matched together).",
                out["age"],
            )
        if out["language"]:
            text += " " + ngettext(
                "No shared language with anyone free this round for {n} member.",
                "No shared language with anyone free this round for {n} members.",
                out["language"],
            )
        if out["blocked"]:
            text += " " + ngettext(
                "{n} member could not be placed: blocks rule out everyone available for them.",
                "{n} members could not be placed: blocks rule out everyone available for them.",
                out["blocked"],
            )
        if out["full"]:
            text += " " + ngettext(
                "No room left for {n} member: everyone free who speaks their languages was "
                "already matched.",
                "No room left for {n} members: everyone free who speaks their languages was "
                "already matched.",
                out["full"],
            )
        return text + (told if self.unplaced else "")


@dataclass(frozen=True)
class Suggestion:
    user_id: int
    score: float
    reason: str


@dataclass(frozen=True)
class MemberStatus:
    profile: CollabProfile | None
    has_creator_profile: bool
    blocked: int
    last_partners: tuple[tuple[datetime, tuple[int, ...]], ...]
    removed: bool = False  # a moderator took them out of rounds and suggestions


@dataclass(frozen=True)
class Stats:
    settings: RoundSettings | None
    rounds: int
    groups: int
    trios: int
    matched: int
    repeats: int
    answers: dict[str, int]
    awaiting: int
    opted_in: int
    paused: int
    last_round_at: datetime | None
    #: members rounds couldn't place, by reason (LEFT_OUT_REASONS), over every round
    left_out: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class AnswerResult:
    group_id: int
    guild_id: int
    answer: str
    partners: tuple[int, ...]
    changed: bool


def to_profile(row: CollabMember) -> CollabProfile:
    return CollabProfile(
        guild_id=row.guild_id,
        user_id=row.user_id,
        opted_in=row.opted_in,
        formats=tuple(row.formats or ()),
        languages=tuple(row.languages or ()),
        availability=row.availability,
        paused_until=row.paused_until,
    )


def to_settings(row: CollabSettings) -> RoundSettings:
    return RoundSettings(
        guild_id=row.guild_id,
        channel_id=row.channel_id,
        frequency=row.frequency,
        day=row.day,
        time=row.time,
        timezone=row.timezone,
        paused=row.paused,
        history_rounds=row.history_rounds,
        followup_days=row.followup_days,
        next_round_at=row.next_round_at,
    )
