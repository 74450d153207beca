"""Collab matchmaking: opt-in, pauses, private blocks, rounds, intros and follow-ups.

The matching itself is pure (services.matching); this module turns the database into its input
and its output back into rows, messages and stats.

Exactly once per round: the cog claims the slot (core.slots) first; ``create_round`` writes the
round and all its groups in one transaction, unique per (guild, slot), and returns the existing
round when called again. Intros are queued per group (thread or DMs, through the outbox, with
dedupe keys) and recorded on the group, so a restart mid-round resumes where it stopped: it
neither re-pairs nor loses a pair.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from rapidfuzz import process
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.db import Database
from core.errors import Conflict, DomainError, NotFound
from core.outbox import CHANNEL, DM, add_message
from core.sql import insert_ignore
from core.text import clean_line, truncate
from models.collabs import (
    CollabBlock,
    CollabGroup,
    CollabGroupMember,
    CollabMember,
    CollabRound,
    CollabSettings,
)
from models.profile import CreatorProfile
from services.matching import BANDS, FORMATS, Candidate, MatchResult, best_partners, match
from services.niches import Niche, NicheService
from services.profiles import FOLLOWER_BANDS, validate_timezone
from services.schedules import (
    fire_times_between,
    next_fire_times,
    parse_days,
    parse_time,
    split_catch_up,
)

SLOT_KIND = "collab_round"
INTRO_PURPOSE = "collab_intro"
FOLLOWUP_PURPOSE = "collab_followup"
ANNOUNCE_PURPOSE = "collab_announce"
FREQUENCIES = ("weekly", "biweekly", "monthly")
DEFAULT_HISTORY = 6
DEFAULT_FOLLOWUP_DAYS = 7
MAX_PAUSE_DAYS = 365
GRACE = timedelta(hours=6)  # a round missed while offline runs late within this window
RUN_NOW_COOLDOWN = timedelta(minutes=10)
MAX_LANGUAGES = 3
ANSWERS = {"yes": "collabed", "not_yet": "not yet", "no": "no"}

LANGUAGES = (
    "English",
    "Spanish",
    "Portuguese",
    "French",
    "German",
    "Italian",
    "Dutch",
    "Polish",
    "Turkish",
    "Russian",
    "Ukrainian",
    "Arabic",
    "Hindi",
    "Urdu",
    "Bengali",
    "Tamil",
    "Indonesian",
    "Malay",
    "Tagalog",
    "Vietnamese",
    "Thai",
    "Japanese",
    "Korean",
    "Chinese",
    "Swahili",
    "Yoruba",
    "Swedish",
    "Greek",
)
_LANGUAGE_ALIASES = {
    "en": "English",
    "es": "Spanish",
    "espanol": "Spanish",
    "español": "Spanish",
    "pt": "Portuguese",
    "pt-br": "Portuguese",
    "fr": "French",
    "de": "German",
    "it": "Italian",
    "nl": "Dutch",
    "pl": "Polish",
    "tr": "Turkish",
    "ru": "Russian",
    "uk": "Ukrainian",
    "ar": "Arabic",
    "hi": "Hindi",
    "id": "Indonesian",
    "tl": "Tagalog",
    "filipino": "Tagalog",
    "vi": "Vietnamese",
    "th": "Thai",
    "ja": "Japanese",
    "ko": "Korean",
    "zh": "Chinese",
    "mandarin": "Chinese",
    "cantonese": "Chinese",
}
_FORMAT_ALIASES = {
    "duets": "duet",
    "stitches": "stitch",
    "lives": "live",
    "joint live": "live",
    "copost": "co-post",
    "co post": "co-post",
    "co-posts": "co-post",
    "voice over": "voiceover",
    "voiceovers": "voiceover",
    "voice-over": "voiceover",
    "challenges": "challenge",
}

# Two prompts per group come from their niches' families (BookTok → "stories", …).
PROMPTS: dict[str, tuple[str, ...]] = {
    "stories": (
        "Duet a 'lives rent-free in my head' list: one pick each, react to the other's.",
        "Stitch each other's hottest take in your niche and settle it in the comments.",
    ),
    "food": (
        "Same ingredient, two recipes: cook it your way and duet the taste test.",
        "Budget battle: one meal under $5 each, let both fams vote in the comments.",
    ),
    "home": (
        "Tour swap: show each other's favourite corner and what makes it yours.",
        "Rescue challenge: each of you saves something sad (a plant, a shelf, a corner).",
    ),
    "learning": (
        "Teach the other's fam one thing from your niche in 30 seconds, then swap.",
        "Myth vs fact: stitch a myth from their niche and bust it with your knowledge.",
    ),
    "making": (
        "Same prompt, two styles: make it your way and duet the reveal.",
        "Speed round: 60 seconds, one theme, post both versions side by side.",
    ),
    "style": (
        "Style swap: recreate each other's signature look with what you own.",
        "Thrift flip challenge: same budget, duet the before-and-after.",
    ),
    "play": (
        "POV skit with one line each, then stitch the plot twist.",
        "React to each other's most-viewed TikTok and guess why it blew up.",
    ),
    "wellness": (
        "Soft content swap: your morning routine vs theirs, duet side by side.",
        "7-day challenge: pick one habit together and both post check-ins.",
    ),
}
GENERIC_PROMPTS = (
    "Stitch each other's intro TikTok and tell your fam why they should follow.",
    "Go LIVE together for 20 minutes and take questions from both fams.",
    "Put your own niche's spin on the same trending sound and duet the results.",
)


# ---------------------------------------------------------------- results


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


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

    @property
    def trios(self) -> int:
        return sum(1 for g in self.groups if len(g.members) == 3)

    def summary(self) -> str:
        if not self.groups:
            if self.members < 2:
                return (
                    f"Only {self.members} member{'s' if self.members != 1 else ''} opted in and "
                    "active: nobody to pair yet. Invite the fam to `/collab optin`!"
                )
            return "Nobody could be paired (blocks rule out every pair)."
        pairs = len(self.groups) - self.trios
        parts = [plural(pairs, "pair")] if pairs else []
        if self.trios:
            parts.append(plural(self.trios, "trio") + " (the odd one out included)")
        text = f"Matched **{self.members - len(self.unplaced)}** members: {' and '.join(parts)}."
        if self.repeats:
            text += (
                f" {plural(self.repeats, 'group')} repeat a partner from recent rounds: "
                "no other match was possible for them."
            )
        if self.unplaced:
            text += (
                f" {plural(len(self.unplaced), 'member')} could not be placed: blocks rule out "
                "everyone available for them."
            )
        return text


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


@dataclass(frozen=True)
class AnswerResult:
    group_id: int
    guild_id: int
    answer: str
    partners: tuple[int, ...]
    changed: bool


@dataclass(frozen=True)
class DueRound:
    guild_id: int
    run: datetime | None  # the slot to run now (late within the grace window or on time)
    missed: tuple[datetime, ...] = field(default_factory=tuple)


# ---------------------------------------------------------------- input checks


def parse_formats(raw: str) -> tuple[str, ...]:
    chosen: list[str] = []
    for part in raw.replace(";", ",").split(","):
        item = " ".join(part.strip().lower().split())
        if not item:
            continue
        if item in ("all", "any", "anything"):
            return tuple(FORMATS)
        key = _FORMAT_ALIASES.get(item, item)
        if key not in FORMATS:
            guess = process.extractOne(item, list(FORMATS), score_cutoff=60)
            hint = f" Did you mean **{guess[0]}**?" if guess else ""
            raise DomainError(
                f"`{item[:30]}` isn't a collab format.{hint} "
                f"Pick from: {', '.join(FORMATS)} (comma-separated), or `all`."
            )
        if key not in chosen:
            chosen.append(key)
    if not chosen:
        raise DomainError(f"Name at least one format: {', '.join(FORMATS)}, or `all`.")
    return tuple(f for f in FORMATS if f in chosen)


def parse_languages(raw: str) -> tuple[str, ...]:
    by_key = {lang.casefold(): lang for lang in LANGUAGES}
    chosen: list[str] = []
    for part in raw.replace(";", ",").replace("/", ",").split(","):
        item = part.strip().casefold()
        if not item:
            continue
        lang = by_key.get(item) or _LANGUAGE_ALIASES.get(item)
        if lang is None:
            guess = process.extractOne(item, list(LANGUAGES), processor=str.casefold)
            hint = f" Did you mean **{guess[0]}**?" if guess and guess[1] >= 60 else ""
            raise DomainError(
                f"`{part.strip()[:30]}` isn't a language I know.{hint} "
                "Use names like `English, Spanish`."
            )
        if lang not in chosen:
            chosen.append(lang)
    if not chosen:
        raise DomainError("Name at least one language you can collab in, e.g. `English`.")
    if len(chosen) > MAX_LANGUAGES:
        raise DomainError(f"Pick up to {MAX_LANGUAGES} languages, the ones you create in.")
    return tuple(chosen)


def parse_pause_date(raw: str, *, now: datetime, timezone: str) -> datetime:
    """A date (YYYY-MM-DD) → the local midnight that starts it, in UTC."""
    text = raw.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise DomainError(
            f"`{text[:20]}` isn't a date I can read. Use year-month-day, like `2026-03-01`."
        ) from None
    tz = ZoneInfo(timezone)
    today = now.astimezone(tz).date()
    if day <= today:
        raise DomainError(
            f"{day.isoformat()} isn't in the future. Pick a date after today "
            f"({today.isoformat()}) and I'll skip you until then."
        )
    if day > today + timedelta(days=MAX_PAUSE_DAYS):
        raise DomainError(
            f"That's more than a year away. Pause up to {MAX_PAUSE_DAYS} days, "
            "or use `/collab optout` to step out of rounds for now."
        )
    return datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(UTC)


def round_trigger(frequency: str, day: str, at: str, timezone: str) -> CronTrigger:
    hour, minute = parse_time(at)
    tz = ZoneInfo(timezone)
    if frequency == "monthly":
        return CronTrigger(day=f"1st {day}", hour=hour, minute=minute, timezone=tz)
    return CronTrigger(day_of_week=day, hour=hour, minute=minute, timezone=tz)


def _on_schedule(s: CollabSettings | RoundSettings, when: datetime, anchor: datetime) -> bool:
    if s.frequency != "biweekly":
        return True
    tz = ZoneInfo(s.timezone)
    weeks = (when.astimezone(tz).date() - anchor.astimezone(tz).date()).days // 7
    return weeks % 2 == 0


def next_round_after(s: CollabSettings, after: datetime) -> datetime:
    trigger = round_trigger(s.frequency, s.day, s.time, s.timezone)
    for when in next_fire_times(trigger, after, 3):
        if _on_schedule(s, when, s.anchor):
            return when
    raise DomainError("That schedule never fires.")  # unreachable for weekly cron triggers


def _offset_hours(zone: str | None, now: datetime, cache: dict[str, float | None]) -> float | None:
    if not zone:
        return None
    if zone not in cache:
        try:
            offset = ZoneInfo(zone).utcoffset(now)
            cache[zone] = offset.total_seconds() / 3600 if offset is not None else None
        except (KeyError, ValueError):
            cache[zone] = None
    return cache[zone]


def _hours(value: float) -> str:
    return f"{value:g}".replace(".5", "½")


def explain(group: Sequence[Candidate]) -> str:
    """Why these members were matched, in the fam's words."""
    who = "both" if len(group) == 2 else "all three"
    parts: list[str] = []
    shared = set(group[0].niches).intersection(*(c.niches for c in group[1:]))
    families = set(group[0].families).intersection(*(c.families for c in group[1:]))
    if shared:
        parts.append(f"{who} {' & '.join(sorted(shared)[:2])}")
    elif families:
        names = list(dict.fromkeys(c.niches[0] for c in group if c.niches))
        parts.append(f"{' × '.join(names)} (related niches)")
    else:
        names = list(dict.fromkeys(c.niches[0] for c in group if c.niches))
        if len(names) > 1:
            parts.append(f"{' meets '.join(names)}: a fresh crossover")
    bands = {c.band for c in group}
    if None not in bands:
        labels = [FOLLOWER_BANDS[BANDS[b]] for b in sorted(b for b in bands if b is not None)]
        if len(labels) == 1:
            parts.append(f"{who} {labels[0]}")
        elif max(b for b in bands if b is not None) - min(b for b in bands if b is not None) == 1:
            parts.append(f"{' & '.join(labels)} fams")
    formats = set(group[0].formats).intersection(*(c.formats for c in group[1:]))
    if formats and len(formats) < len(FORMATS):
        names = [FORMATS[f] for f in FORMATS if f in formats][:2]
        parts.append(f"{who} like {' and '.join(names)}")
    languages = set(group[0].languages).intersection(*(c.languages for c in group[1:]))
    if languages:
        parts.append(f"{who} speak {' & '.join(sorted(languages)[:2])}")
    offsets = [c.utc_offset for c in group]
    if all(o is not None for o in offsets):
        known = [o for o in offsets if o is not None]
        gap = max(known) - min(known)
        gap = min(gap, 24 - gap)
        parts.append("same time zone" if gap == 0 else f"{_hours(gap)} h apart")
    return truncate(", ".join(parts) or "you two haven't met yet: new fam!", 400)


def prompts_for(group: Sequence[Candidate], seed: int) -> tuple[str, ...]:
    families = list(dict.fromkeys(f for c in group for f in c.families if f in PROMPTS))
    pool: list[str] = []
    for family in families:
        options = PROMPTS[family]
        pool.append(options[seed % len(options)])
    for generic in itertools.islice(itertools.cycle(GENERIC_PROMPTS), seed % 3, seed % 3 + 3):
        pool.append(generic)
    return tuple(dict.fromkeys(pool))[:2]


def _to_profile(row: CollabMember) -> CollabProfile:
    return CollabProfile(
        guild_id=row.guild_id,
        user_id=row.user_id,
        opted_in=row.opted_in,
        formats=tuple(row.formats or ()),
        languages=tuple(row.languages or ()),
        availability=row.availability,
        paused_until=row.paused_until,
    )


def _to_settings(row: CollabSettings) -> RoundSettings:
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


NO_PROFILE = (
    "You need a creator profile first so I know your niche, fam size and time zone. "
    "Make one with `/profile set`, then `/collab optin` again!"
)
NOT_IN = "You're not in collab rounds yet. Join with `/collab optin`."
NO_SETUP = (
    "Collab rounds aren't set up here yet. A moderator can start them with `/collab-rounds setup`."
)


class CollabService:
    def __init__(self, db: Database, clock: Clock, niches: NicheService) -> None:
        self.db = db
        self.clock = clock
        self.niches = niches

    # ------------------------------------------------------------ members

    async def _member(self, s: AsyncSession, guild_id: int, user_id: int) -> CollabMember | None:
        return await s.scalar(
            select(CollabMember).where(
                CollabMember.guild_id == guild_id, CollabMember.user_id == user_id
            )
        )

    async def get(self, guild_id: int, user_id: int) -> CollabProfile | None:
        async with self.db.read() as s:
            row = await self._member(s, guild_id, user_id)
            return _to_profile(row) if row else None

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
            clean_line(availability, field="availability note", max_len=100)
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
                raise DomainError(NO_PROFILE)
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
            return _to_profile(row)

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
                raise DomainError("You're not in collab rounds, so there's nothing to leave. 💞")
            row.opted_in = False
            row.paused_until = None
            row.updated_at = self.clock.now()
            return _to_profile(row)

    async def pause(self, guild_id: int, user_id: int, until: str) -> CollabProfile:
        now = self.clock.now()
        async with self.db.write() as s:
            row = await self._member(s, guild_id, user_id)
            if row is None or not row.opted_in:
                raise DomainError(NOT_IN)
            zone = await s.scalar(
                select(CreatorProfile.timezone).where(
                    CreatorProfile.guild_id == guild_id, CreatorProfile.user_id == user_id
                )
            )
            row.paused_until = parse_pause_date(until, now=now, timezone=zone or "UTC")
            row.updated_at = now
            return _to_profile(row)

    async def resume(self, guild_id: int, user_id: int) -> CollabProfile:
        now = self.clock.now()
        async with self.db.write() as s:
            row = await self._member(s, guild_id, user_id)
            if row is None or not row.opted_in:
                raise DomainError(NOT_IN)
            if row.paused_until is None or row.paused_until <= now:
                raise DomainError("You aren't paused: you're in the next round already. 💞")
            row.paused_until = None
            row.updated_at = now
            return _to_profile(row)

    async def block(
        self, guild_id: int, user_id: int, other_id: int, *, other_is_bot: bool
    ) -> bool:
        """True if newly blocked (False: already on the list)."""
        if other_id == user_id:
            raise DomainError("You can't block yourself. 😅 Pick someone else.")
        if other_is_bot:
            raise DomainError("Bots are never matched for collabs, no need to block them.")
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
                raise NotFound("That member isn't on your never-pair list.")

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
        return MemberStatus(
            profile=_to_profile(row) if row else None,
            has_creator_profile=has_profile is not None,
            blocked=int(blocked or 0),
            last_partners=tuple(recent),
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

    # ------------------------------------------------------------ matching input

    async def _candidates(
        self, s: AsyncSession, guild_id: int, now: datetime, niches: list[Niche]
    ) -> list[Candidate]:
        family = {n.name.casefold(): n.family for n in niches}
        rows = (
            await s.execute(
                select(
                    CreatorProfile.user_id,
                    CreatorProfile.niches,
                    CreatorProfile.timezone,
                    CreatorProfile.follower_band,
                    CollabMember.formats,
                    CollabMember.languages,
                )
                .join(
                    CreatorProfile,
                    and_(
                        CreatorProfile.guild_id == CollabMember.guild_id,
                        CreatorProfile.user_id == CollabMember.user_id,
                    ),
                )
                .where(
                    CollabMember.guild_id == guild_id,
                    CollabMember.opted_in.is_(True),
                    or_(CollabMember.paused_until.is_(None), CollabMember.paused_until <= now),
                )
                .order_by(CollabMember.id)
            )
        ).all()
        offsets: dict[str, float | None] = {}
        return [_candidate(*row, family=family, now=now, offsets=offsets) for row in rows]

    async def _blocks(self, s: AsyncSession, guild_id: int) -> list[tuple[int, int]]:
        rows = (
            await s.execute(
                select(CollabBlock.user_id, CollabBlock.blocked_id).where(
                    CollabBlock.guild_id == guild_id
                )
            )
        ).all()
        return [(a, b) for a, b in rows]

    async def _recent_pairs(
        self, s: AsyncSession, guild_id: int, rounds: int
    ) -> list[tuple[int, int]]:
        round_ids = (
            await s.scalars(
                select(CollabRound.id)
                .where(CollabRound.guild_id == guild_id)
                .order_by(CollabRound.slot_at.desc())
                .limit(rounds)
            )
        ).all()
        if not round_ids:
            return []
        rows = (
            await s.execute(
                select(CollabGroupMember.group_id, CollabGroupMember.user_id)
                .join(CollabGroup, CollabGroup.id == CollabGroupMember.group_id)
                .where(CollabGroup.round_id.in_(round_ids))
            )
        ).all()
        groups: dict[int, list[int]] = {}
        for gid, uid in rows:
            groups.setdefault(gid, []).append(uid)
        return [
            (a, b) for members in groups.values() for a, b in itertools.combinations(members, 2)
        ]

    async def _history_rounds(self, s: AsyncSession, guild_id: int) -> tuple[int, int]:
        row = await s.get(CollabSettings, guild_id)
        if row is None:
            return DEFAULT_HISTORY, DEFAULT_FOLLOWUP_DAYS
        return row.history_rounds, row.followup_days

    # ------------------------------------------------------------ suggestions

    async def suggest(self, guild_id: int, user_id: int, *, limit: int = 5) -> list[Suggestion]:
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
                raise DomainError(NO_PROFILE.replace("`/collab optin` again", "`/collab suggest`"))
            mine = await self._member(s, guild_id, user_id)
            pool = await self._candidates(s, guild_id, now, niches)
            blocks = await self._blocks(s, guild_id)
            history, _days = await self._history_rounds(s, guild_id)
            recent = await self._recent_pairs(s, guild_id, history)
        me = _candidate(
            profile.user_id,
            profile.niches,
            profile.timezone,
            profile.follower_band,
            mine.formats if mine else None,
            mine.languages if mine else None,
            family=family,
            now=now,
            offsets={},
        )
        exclude = {b for a, b in blocks if a == user_id} | {a for a, b in blocks if b == user_id}
        exclude |= {b for a, b in recent if a == user_id} | {a for a, b in recent if b == user_id}
        found = best_partners(me, pool, exclude=exclude, limit=limit)
        return [Suggestion(c.user_id, score, explain([me, c])) for c, score in found]

    # ------------------------------------------------------------ moderators: schedule

    async def settings(self, guild_id: int) -> RoundSettings | None:
        async with self.db.read() as s:
            row = await s.get(CollabSettings, guild_id)
            return _to_settings(row) if row else None

    async def setup(
        self,
        guild_id: int,
        by: int,
        *,
        channel_id: int,
        frequency: str,
        day: str,
        at: str,
        timezone: str,
        history_rounds: int | None = None,
        followup_days: int | None = None,
    ) -> RoundSettings:
        if frequency not in FREQUENCIES:
            raise DomainError(f"Pick a frequency: {', '.join(FREQUENCIES)}.")
        weekday = parse_days(day)
        if "," in weekday:
            raise DomainError("Pick one weekday for rounds, like `mon`.")
        hour, minute = parse_time(at)
        zone = validate_timezone(timezone)
        if history_rounds is not None and not 0 <= history_rounds <= 52:
            raise DomainError("Remember between 0 and 52 past rounds when avoiding repeats.")
        if followup_days is not None and not 1 <= followup_days <= 60:
            raise DomainError("Follow up between 1 and 60 days after a round.")
        now = self.clock.now()
        async with self.db.write() as s:
            row = await s.get(CollabSettings, guild_id)
            if row is None:
                row = CollabSettings(
                    guild_id=guild_id,
                    history_rounds=DEFAULT_HISTORY,
                    followup_days=DEFAULT_FOLLOWUP_DAYS,
                    paused=False,
                    created_at=now,
                )
                s.add(row)
            row.channel_id = channel_id
            row.frequency, row.day, row.time = frequency, weekday, f"{hour:02d}:{minute:02d}"
            row.timezone = zone
            row.created_by = by
            if history_rounds is not None:
                row.history_rounds = history_rounds
            if followup_days is not None:
                row.followup_days = followup_days
            trigger = round_trigger(frequency, weekday, row.time, zone)
            row.anchor = next_fire_times(trigger, now, 1)[0]
            row.next_round_at = None if row.paused else next_round_after(row, now)
            row.updated_at = now
            return _to_settings(row)

    async def set_paused(self, guild_id: int, paused: bool) -> RoundSettings:
        now = self.clock.now()
        async with self.db.write() as s:
            row = await s.get(CollabSettings, guild_id)
            if row is None:
                raise DomainError(NO_SETUP)
            if row.paused == paused:
                raise Conflict(
                    "Rounds are already paused." if paused else "Rounds are already running."
                )
            row.paused = paused
            row.next_round_at = None if paused else next_round_after(row, now)
            row.updated_at = now
            return _to_settings(row)

    async def scheduled(self) -> list[RoundSettings]:
        """Every guild with a next round (the cog rebuilds its scheduler jobs from this)."""
        async with self.db.read() as s:
            rows = (
                await s.scalars(
                    select(CollabSettings).where(
                        CollabSettings.paused.is_(False), CollabSettings.next_round_at.is_not(None)
                    )
                )
            ).all()
            return [_to_settings(r) for r in rows]

    async def due(self, guild_id: int, now: datetime) -> DueRound | None:
        """What to do for a guild whose round time has come: run one slot, record the rest
        missed (the bot was offline longer than the grace window)."""
        async with self.db.read() as s:
            row = await s.get(CollabSettings, guild_id)
            if row is None or row.paused or row.next_round_at is None:
                return None
            if row.next_round_at > now:
                return None
            trigger = round_trigger(row.frequency, row.day, row.time, row.timezone)
            slots = [row.next_round_at] + [
                t
                for t in fire_times_between(trigger, row.next_round_at, now)
                if _on_schedule(row, t, row.anchor)
            ]
        late, missed = split_catch_up(slots, now, GRACE)
        run = late[-1] if late else None
        missed += late[:-1]
        return DueRound(guild_id, run, tuple(sorted(missed)))

    async def advance(self, guild_id: int, now: datetime) -> datetime | None:
        """After a due round was handled: the next round strictly after now."""
        async with self.db.write() as s:
            row = await s.get(CollabSettings, guild_id)
            if row is None or row.paused:
                return None
            row.next_round_at = next_round_after(row, now)
            return row.next_round_at

    async def check_run_now(self, guild_id: int) -> RoundSettings:
        now = self.clock.now()
        async with self.db.read() as s:
            row = await s.get(CollabSettings, guild_id)
            if row is None:
                raise DomainError(NO_SETUP)
            last = await s.scalar(
                select(func.max(CollabRound.created_at)).where(CollabRound.guild_id == guild_id)
            )
        if last is not None and now - last < RUN_NOW_COOLDOWN:
            wait = int((RUN_NOW_COOLDOWN - (now - last)).total_seconds() // 60) + 1
            raise DomainError(f"A round just ran. Give the fam a moment: try again in {wait} min.")
        return _to_settings(row)

    # ------------------------------------------------------------ rounds

    async def create_round(
        self,
        guild_id: int,
        slot_at: datetime,
        *,
        manual: bool = False,
        present: Collection[int] | None = None,
    ) -> RoundInfo:
        """Match everyone eligible and store the round with its groups, once per slot.

        ``present``: the guild's current member ids when known (people who left are skipped).
        """
        existing = await self.round_at(guild_id, slot_at)
        if existing is not None:
            return existing
        now = self.clock.now()
        niches = await self.niches.list_niches(guild_id)
        async with self.db.read() as s:
            candidates = await self._candidates(s, guild_id, now, niches)
            blocks = await self._blocks(s, guild_id)
            history, followup_days = await self._history_rounds(s, guild_id)
            recent = await self._recent_pairs(s, guild_id, history)
        if present is not None:
            here = set(present)
            candidates = [c for c in candidates if c.user_id in here]
        result = await asyncio.to_thread(match, candidates, blocked=blocks, recent=recent)
        by_id = {c.user_id: c for c in candidates}
        async with self.db.write() as s:
            inserted = await insert_ignore(
                s,
                CollabRound,
                [
                    {
                        "guild_id": guild_id,
                        "slot_at": slot_at,
                        "manual": manual,
                        "members": len(candidates),
                        "groups": len(result.groups),
                        "repeats": result.repeats,
                        "unplaced": list(result.unplaced),
                        "total_score": round(result.pair_total, 3),
                        "created_at": now,
                    }
                ],
                ["guild_id", "slot_at"],
            )
            if inserted:
                round_id, groups = await self._store_groups(
                    s, guild_id, slot_at, result, by_id, now, timedelta(days=followup_days)
                )
        if not inserted:  # another process stored this slot first: theirs is the round
            stored = await self.round_at(guild_id, slot_at)
            assert stored is not None
            return stored
        return RoundInfo(
            id=round_id,
            guild_id=guild_id,
            slot_at=slot_at,
            manual=manual,
            members=len(candidates),
            groups=tuple(groups),
            repeats=result.repeats,
            unplaced=result.unplaced,
            created=True,
        )

    async def _store_groups(
        self,
        s: AsyncSession,
        guild_id: int,
        slot_at: datetime,
        result: MatchResult,
        by_id: dict[int, Candidate],
        now: datetime,
        followup: timedelta,
    ) -> tuple[int, list[GroupInfo]]:
        round_id = await s.scalar(
            select(CollabRound.id).where(
                CollabRound.guild_id == guild_id, CollabRound.slot_at == slot_at
            )
        )
        assert round_id is not None
        if not result.groups:
            return round_id, []
        rows: list[dict[str, Any]] = []
        for i, g in enumerate(result.groups):
            members = [by_id[u] for u in g.members]
            rows.append(
                {
                    "round_id": round_id,
                    "guild_id": guild_id,
                    "score": g.score,
                    "repeat": g.repeat,
                    "reason": explain(members),
                    "prompts": list(prompts_for(members, i + int(slot_at.timestamp()) // 60)),
                    "intro": "pending",
                    "followup_at": now + followup,
                    "created_at": now,
                }
            )
        conn = await s.connection()
        group_table: Any = CollabGroup.__table__
        member_table: Any = CollabGroupMember.__table__
        await conn.execute(group_table.insert(), rows)
        # ids grow in insertion order: the i-th id of this round is the i-th group
        ids = (
            await conn.scalars(
                select(CollabGroup.id)
                .where(CollabGroup.round_id == round_id)
                .order_by(CollabGroup.id)
            )
        ).all()
        member_rows = [
            {"group_id": gid, "guild_id": guild_id, "user_id": uid, "position": pos}
            for gid, g in zip(ids, result.groups, strict=True)
            for pos, uid in enumerate(g.members)
        ]
        await conn.execute(member_table.insert(), member_rows)
        return round_id, [
            GroupInfo(
                id=gid,
                round_id=round_id,
                guild_id=guild_id,
                members=g.members,
                score=row["score"],
                repeat=row["repeat"],
                reason=row["reason"],
                prompts=tuple(row["prompts"]),
                intro="pending",
                thread_id=None,
                followup_at=row["followup_at"],
            )
            for gid, g, row in zip(ids, result.groups, rows, strict=True)
        ]

    async def round_at(self, guild_id: int, slot_at: datetime) -> RoundInfo | None:
        async with self.db.read() as s:
            row = await s.scalar(
                select(CollabRound).where(
                    CollabRound.guild_id == guild_id, CollabRound.slot_at == slot_at
                )
            )
            if row is None:
                return None
            groups = await self._groups(s, CollabGroup.round_id == row.id)
        return RoundInfo(
            id=row.id,
            guild_id=row.guild_id,
            slot_at=row.slot_at,
            manual=row.manual,
            members=row.members,
            groups=tuple(groups),
            repeats=row.repeats,
            unplaced=tuple(row.unplaced or ()),
            created=False,
        )

    async def _groups(self, s: AsyncSession, *where: Any) -> list[GroupInfo]:
        table: Any = CollabGroup.__table__
        rows = (await s.execute(select(table).where(*where).order_by(CollabGroup.id))).all()
        if not rows:
            return []
        members: dict[int, list[int]] = {}
        for chunk in _chunks([r.id for r in rows], 5000):
            found = (
                await s.execute(
                    select(CollabGroupMember.group_id, CollabGroupMember.user_id)
                    .where(CollabGroupMember.group_id.in_(chunk))
                    .order_by(CollabGroupMember.group_id, CollabGroupMember.position)
                )
            ).all()
            for gid, uid in found:
                members.setdefault(gid, []).append(uid)
        return [
            GroupInfo(
                id=r.id,
                round_id=r.round_id,
                guild_id=r.guild_id,
                members=tuple(members.get(r.id, ())),
                score=r.score,
                repeat=r.repeat,
                reason=r.reason,
                prompts=tuple(r.prompts or ()),
                intro=r.intro,
                thread_id=r.thread_id,
                followup_at=r.followup_at,
            )
            for r in rows
        ]

    async def group(self, group_id: int) -> GroupInfo | None:
        async with self.db.read() as s:
            found = await self._groups(s, CollabGroup.id == group_id)
        return found[0] if found else None

    async def queue_intro(
        self,
        group_id: int,
        *,
        thread_id: int | None,
        channel_id: int | None,
        payload: dict[str, Any],
    ) -> bool:
        """Record how a group is introduced and queue the intro (one transaction).

        With a thread: one post in it. Without: the same intro by DM to each member. False if
        it was already done (a retry after a restart).
        """
        now = self.clock.now()
        async with self.db.write() as s:
            row = await s.get(CollabGroup, group_id)
            if row is None or row.intro != "pending":
                return False
            members = (
                await s.scalars(
                    select(CollabGroupMember.user_id)
                    .where(CollabGroupMember.group_id == group_id)
                    .order_by(CollabGroupMember.position)
                )
            ).all()
            if thread_id is not None:
                row.intro, row.thread_id = "thread", thread_id
                await add_message(
                    s,
                    kind=CHANNEL,
                    target_id=thread_id,
                    payload={**payload, "mention_users": list(members)},
                    now=now,
                    purpose=INTRO_PURPOSE,
                    guild_id=row.guild_id,
                    dedupe_key=f"collab:intro:{group_id}",
                )
            else:
                row.intro = "dm"
                for uid in members:
                    await add_message(
                        s,
                        kind=DM,
                        target_id=uid,
                        payload={**payload, "for_user": uid, "channel_id": channel_id},
                        now=now,
                        purpose=INTRO_PURPOSE,
                        guild_id=row.guild_id,
                        dedupe_key=f"collab:intro:{group_id}:{uid}",
                    )
            return True

    async def announce(self, rnd: RoundInfo, channel_id: int) -> bool:
        """One public line in the collab channel per round (no pings): the fam sees it happen."""
        if not rnd.groups:
            return False
        matched = rnd.members - len(rnd.unplaced)
        groups = plural(len(rnd.groups), "group")
        content = (
            f"💞 New collab round! {matched} creators matched into {groups}: check your "
            "private thread (or DMs) for your match and two collab ideas. "
            "Not in yet? `/collab optin` and you're in the next one!"
        )
        async with self.db.write() as s:
            return await add_message(
                s,
                kind=CHANNEL,
                target_id=channel_id,
                payload={"content": content},
                now=self.clock.now(),
                purpose=ANNOUNCE_PURPOSE,
                guild_id=rnd.guild_id,
                dedupe_key=f"collab:announce:{rnd.id}",
            )

    async def pending_intros(self, guild_id: int | None = None) -> list[GroupInfo]:
        async with self.db.read() as s:
            where = [CollabGroup.intro == "pending"]
            if guild_id is not None:
                where.append(CollabGroup.guild_id == guild_id)
            return await self._groups(s, *where)

    # ------------------------------------------------------------ follow-ups

    async def queue_followups(self, now: datetime, *, limit: int = 500) -> int:
        """Ask "did you collab?" for every group whose follow-up is due (exactly once each)."""
        async with self.db.write() as s:
            rows = (
                await s.scalars(
                    select(CollabGroup)
                    .where(
                        CollabGroup.followup_sent_at.is_(None),
                        CollabGroup.followup_at <= now,
                        CollabGroup.intro.in_(("thread", "dm")),
                    )
                    .order_by(CollabGroup.followup_at, CollabGroup.id)
                    .limit(limit)
                )
            ).all()
            if not rows:
                return 0
            members: dict[int, list[int]] = {}
            found = (
                await s.execute(
                    select(CollabGroupMember.group_id, CollabGroupMember.user_id)
                    .where(CollabGroupMember.group_id.in_([r.id for r in rows]))
                    .order_by(CollabGroupMember.position)
                )
            ).all()
            for gid, uid in found:
                members.setdefault(gid, []).append(uid)
            for row in rows:
                row.followup_sent_at = now
                who = members.get(row.id, [])
                if len(who) < 2:
                    continue  # a member erased their data: nobody left to ask together
                payload = {"group_id": row.id, "members": who}
                if row.thread_id is not None:
                    await add_message(
                        s,
                        kind=CHANNEL,
                        target_id=row.thread_id,
                        payload={**payload, "mention_users": who},
                        now=now,
                        purpose=FOLLOWUP_PURPOSE,
                        guild_id=row.guild_id,
                        dedupe_key=f"collab:followup:{row.id}",
                    )
                else:
                    for uid in who:
                        await add_message(
                            s,
                            kind=DM,
                            target_id=uid,
                            payload={**payload, "for_user": uid},
                            now=now,
                            purpose=FOLLOWUP_PURPOSE,
                            guild_id=row.guild_id,
                            dedupe_key=f"collab:followup:{row.id}:{uid}",
                        )
            return len(rows)

    async def next_followup_at(self) -> datetime | None:
        async with self.db.read() as s:
            return await s.scalar(
                select(func.min(CollabGroup.followup_at)).where(
                    CollabGroup.followup_sent_at.is_(None),
                    CollabGroup.intro.in_(("thread", "dm")),
                )
            )

    async def answer(self, group_id: int, user_id: int, answer: str) -> AnswerResult:
        if answer not in ANSWERS:
            raise DomainError("That answer isn't one of the buttons.")
        now = self.clock.now()
        async with self.db.write() as s:
            row = await s.scalar(
                select(CollabGroupMember).where(
                    CollabGroupMember.group_id == group_id, CollabGroupMember.user_id == user_id
                )
            )
            if row is None:
                raise DomainError("This check-in is for the collab partners only. 💞")
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

    # ------------------------------------------------------------ stats

    async def stats(self, guild_id: int) -> Stats:
        now = self.clock.now()
        async with self.db.read() as s:
            settings = await s.get(CollabSettings, guild_id)
            rounds, last = (
                await s.execute(
                    select(func.count(), func.max(CollabRound.slot_at)).where(
                        CollabRound.guild_id == guild_id
                    )
                )
            ).one()
            groups = await s.scalar(
                select(func.count())
                .select_from(CollabGroup)
                .where(CollabGroup.guild_id == guild_id)
            )
            sizes = (
                await s.execute(
                    select(CollabGroupMember.group_id, func.count())
                    .where(CollabGroupMember.guild_id == guild_id)
                    .group_by(CollabGroupMember.group_id)
                )
            ).all()
            answer_rows = (
                await s.execute(
                    select(CollabGroupMember.answer, func.count())
                    .join(CollabGroup, CollabGroup.id == CollabGroupMember.group_id)
                    .where(
                        CollabGroupMember.guild_id == guild_id,
                        CollabGroup.followup_sent_at.is_not(None),
                    )
                    .group_by(CollabGroupMember.answer)
                )
            ).all()
            answers: dict[str | None, int] = {a: int(n) for a, n in answer_rows}
            opted, paused = (
                await s.execute(
                    select(
                        func.count(),
                        func.count(CollabMember.paused_until).filter(
                            CollabMember.paused_until > now
                        ),
                    ).where(CollabMember.guild_id == guild_id, CollabMember.opted_in.is_(True))
                )
            ).one()
            repeat_groups = await s.scalar(
                select(func.count())
                .select_from(CollabGroup)
                .where(CollabGroup.guild_id == guild_id, CollabGroup.repeat.is_(True))
            )
        return Stats(
            settings=_to_settings(settings) if settings else None,
            rounds=int(rounds or 0),
            groups=int(groups or 0),
            trios=sum(1 for _g, n in sizes if n >= 3),
            matched=sum(int(n) for _g, n in sizes),
            repeats=int(repeat_groups or 0),
            answers={k: int(answers.get(k, 0)) for k in ANSWERS},
            awaiting=int(answers.get(None, 0)),
            opted_in=int(opted or 0),
            paused=int(paused or 0),
            last_round_at=last,
        )


def _candidate(
    user_id: int,
    niches_raw: list[str] | None,
    timezone: str | None,
    follower_band: str | None,
    formats_raw: list[str] | None,
    languages_raw: list[str] | None,
    *,
    family: dict[str, str | None],
    now: datetime,
    offsets: dict[str, float | None],
) -> Candidate:
    niches = tuple(niches_raw or ())
    families = tuple(
        dict.fromkeys(f for n in niches if (f := family.get(n.casefold())) is not None)
    )
    return Candidate(
        user_id=user_id,
        niches=niches,
        families=families,
        band=BANDS.index(follower_band) if follower_band in BANDS else None,
        formats=frozenset(formats_raw) if formats_raw else frozenset(FORMATS),
        languages=frozenset(languages_raw or ()),
        utc_offset=_offset_hours(timezone, now, offsets),
    )


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


__all__ = [
    "ANSWERS",
    "FOLLOWUP_PURPOSE",
    "FREQUENCIES",
    "INTRO_PURPOSE",
    "SLOT_KIND",
    "CollabService",
    "GroupInfo",
    "RoundInfo",
    "RoundSettings",
    "explain",
    "parse_formats",
    "parse_languages",
    "parse_pause_date",
]
