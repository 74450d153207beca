"""What the collab service answers with: plain frozen values (no ORM rows leave a session)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.text import plural
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
        return ", ".join(FORMATS[f] for f in self.formats if f in FORMATS) or "anything"


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
        when = {
            "weekly": f"every {self.day.title()}",
            "biweekly": f"every other {self.day.title()}",
            "monthly": f"the first {self.day.title()} of the month",
        }[self.frequency]
        return f"{when} at {self.time} ({self.timezone})"


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
        told = " I've told each of them privately why." if self.reasons else ""
        out = self.left_out()
        if not self.groups:
            if self.members < 2:
                return (
                    f"Only {plural(self.members, 'member')} opted in and "
                    "active: nobody to pair yet. Invite the fam to `/collab optin`!"
                )
            if out["age"] == len(self.unplaced):
                return (
                    "Nobody could be paired: adults and members not confirmed adult are never "
                    "matched together, and nobody else in their age group was free this round."
                    + told
                )
            if out["language"] == len(self.unplaced):
                return (
                    "Nobody could be paired: no two members free this round share a language."
                    + told
                )
            return "Nobody could be paired (blocks rule out every pair)." + told
        pairs = len(self.groups) - self.trios
        parts = [plural(pairs, "pair")] if pairs else []
        if self.trios:
            parts.append(plural(self.trios, "trio") + " (the odd one out included)")
        matched = plural(self.members - len(self.unplaced), "member")
        text = f"Matched **{matched}**: {' and '.join(parts)}."
        if self.repeats:
            text += (
                f" {plural(self.repeats, 'group')} repeat a partner from recent rounds: "
                "no other match was possible for them."
            )
        if out["age"]:
            text += (
                f" {plural(out['age'], 'member')} had nobody else in their age group this round "
                "(adults and members not confirmed adult are never matched together)."
            )
        if out["language"]:
            text += (
                " No shared language with anyone free this round for "
                f"{plural(out['language'], 'member')}."
            )
        if out["blocked"]:
            text += (
                f" {plural(out['blocked'], 'member')} could not be placed: blocks rule out "
                "everyone available for them."
            )
        if out["full"]:
            text += (
                f" No room left for {plural(out['full'], 'member')}: everyone free who speaks "
                "their languages was already matched."
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
