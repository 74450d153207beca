"""The recap of one period: who checked in, their wins, streak milestones, shared TikToks and
whether blockers ask for collabs; when each recap comes due and queueing it (with the members'
names as stored, so any process renders it the same); the best link to nominate.

Moods are private: the recap shows no mood at all (an average of a few moods gives one away).
A low check-in (mood 1–2) adds only what showing up already makes public, the member's name in
who checked in and a streak milestone; its words (wins, blockers) and its TikTok stay out."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.db import Database
from core.errors import DomainError
from core.i18n import _
from core.outbox import CHANNEL, add_message
from models.checkins import CheckinAnswer, CheckinMember
from services.checkins.config import CheckinSettings, find_config, load_config
from services.checkins.history import load_streaks
from services.checkins.inputs import BLOCKER, WIN
from services.checkins.moods import is_low
from services.checkins.periods import label_for, length, local_today
from services.checkins.streaks import DONE, milestone
from services.directory import FALLBACK_MEMBER, names_in
from services.safety import rulebook

PURPOSE_SUMMARY = "checkin_summary"
SUMMARY_GRACE = timedelta(hours=36)  # a recap missed while down is posted this late at most

SUMMARY_NAMES = 60
SUMMARY_WINS = 8
SUMMARY_LINKS = 25  # a select menu's options
SUMMARY_MILESTONES = 20
COLLAB_WORDS = re.compile(
    r"\b(collabs?|collaborat\w*|ideas?|stitch\w*|duets?|partners?|brainstorm\w*)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Summary:
    guild_id: int
    label: date
    period: str
    channel_id: int
    checked_in: int
    opted_in: int
    names: tuple[int, ...]  # user ids of the first SUMMARY_NAMES who checked in
    wins: tuple[tuple[int, str], ...]
    milestones: tuple[tuple[int, int], ...]
    links: tuple[tuple[int, str], ...]
    collab_hint: bool
    #: display names as stored when the recap was queued (never the sending process's cache)
    display: Mapping[int, str] = field(default_factory=dict)

    def name_of(self, user_id: int) -> str:
        return self.display.get(user_id, FALLBACK_MEMBER)

    def payload(self) -> dict[str, Any]:
        return {
            "guild_id": self.guild_id,
            "label": self.label.isoformat(),
            "period": self.period,
            "checked_in": self.checked_in,
            "opted_in": self.opted_in,
            "names": [str(u) for u in self.names],
            "wins": [[str(u), w] for u, w in self.wins],
            "milestones": [[str(u), n] for u, n in self.milestones],
            "links": [[str(u), link] for u, link in self.links],
            "collab_hint": self.collab_hint,
            "display_names": {str(u): name for u, name in self.display.items()},
        }

    @classmethod
    def from_payload(cls, channel_id: int, data: dict[str, Any]) -> Summary:
        return cls(
            guild_id=int(data["guild_id"]),
            label=date.fromisoformat(data["label"]),
            period=str(data["period"]),
            channel_id=channel_id,
            checked_in=int(data["checked_in"]),
            opted_in=int(data["opted_in"]),
            names=tuple(int(u) for u in data["names"]),
            wins=tuple((int(u), str(w)) for u, w in data["wins"]),
            milestones=tuple((int(u), int(n)) for u, n in data["milestones"]),
            links=tuple((int(u), str(link)) for u, link in data["links"]),
            collab_hint=bool(data["collab_hint"]),
            display={int(u): str(n) for u, n in (data.get("display_names") or {}).items()},
        )


async def summarize(s: AsyncSession, cfg: CheckinSettings, label: date) -> Summary:
    """The recap of ``label`` as the database has it now, inside the caller's session."""
    rows = (
        await s.execute(
            select(
                CheckinAnswer.user_id,
                CheckinAnswer.answers,
                CheckinAnswer.mood,
                CheckinAnswer.link,
            )
            .where(CheckinAnswer.guild_id == cfg.guild_id, CheckinAnswer.period == label)
            .order_by(CheckinAnswer.submitted_at, CheckinAnswer.id)
        )
    ).all()
    opted_in = int(
        await s.scalar(
            select(func.count()).where(
                CheckinMember.guild_id == cfg.guild_id, CheckinMember.active.is_(True)
            )
        )
        or 0
    )
    users = [r[0] for r in rows]
    streaks = await load_streaks(s, cfg, dict.fromkeys(users, label))
    # checked when answered; a win or link the server's rules no longer allow is left out
    rules = await rulebook(s, cfg.guild_id)
    wins: list[tuple[int, str]] = []
    links: list[tuple[int, str]] = []
    hint = False
    for uid, answers, mood, link in rows:
        if is_low(mood):
            continue  # a rough week's words and TikTok are not the recap's to celebrate
        for item in answers:
            text = str(item.get("a") or "")
            is_win = item.get("kind") == WIN and text and len(wins) < SUMMARY_WINS
            if is_win and rules.allows(text):
                wins.append((uid, text))
            if item.get("kind") == BLOCKER and COLLAB_WORDS.search(text):
                hint = True
        if link and len(links) < SUMMARY_LINKS and rules.allows(link):
            links.append((uid, link))
    milestones = tuple(
        (uid, streaks[uid].current)
        for uid in users
        if streaks[uid].marks
        and streaks[uid].marks[-1].status == DONE
        and milestone(streaks[uid].current)
    )[:SUMMARY_MILESTONES]
    names = tuple(users[:SUMMARY_NAMES])
    shown = {*names, *(u for u, _ in wins), *(u for u, _ in milestones), *(u for u, _ in links)}
    stored = await names_in(s, cfg.guild_id, shown)
    return Summary(
        guild_id=cfg.guild_id,
        label=label,
        period=cfg.period,
        channel_id=cfg.channel_id,
        checked_in=len(users),
        opted_in=opted_in,
        names=names,
        wins=tuple(wins),
        milestones=milestones,
        links=tuple(links),
        collab_hint=hint,
        display={uid: stored.get(uid, FALLBACK_MEMBER) for uid in sorted(shown)},
    )


@dataclass(frozen=True)
class SummaryDue:
    label: date
    at: datetime
    late: bool  # True: within the grace window; False: too old, record it missed


def summary_ref(guild_id: int, label: date) -> str:
    return f"{guild_id}:{label.isoformat()}"


def parse_summary_ref(ref: str) -> tuple[int, date]:
    guild, label = ref.split(":", 1)
    return int(guild), date.fromisoformat(label)


class CheckinRecap:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def build_summary(self, guild_id: int, label: date) -> Summary:
        async with self.db.read() as s:
            cfg = await load_config(s, guild_id)
            return await summarize(s, cfg, label)

    async def guild_label(self, guild_id: int) -> date:
        """The period the guild is in now, in the guild's zone (what `report` recaps)."""
        async with self.db.read() as s:
            cfg = await find_config(s, guild_id)
        if cfg is None:
            raise DomainError(_("Check-ins aren't set up in this server yet."))
        return label_for(local_today(self.clock.now(), cfg.timezone), cfg.period)

    # ------------------------------------------------------------------ when it posts

    async def summaries_due(self, guild_id: int, now: datetime) -> list[SummaryDue]:
        """Recaps whose time has come (recent ones to post, older ones to record as missed)."""
        async with self.db.read() as s:
            cfg = await find_config(s, guild_id)
        if cfg is None or cfg.paused:
            return []
        out: list[SummaryDue] = []
        label = label_for(local_today(now - SUMMARY_GRACE * 2, cfg.timezone), cfg.period)
        last = label_for(local_today(now, cfg.timezone), cfg.period)
        while label <= last:
            at = cfg.summary_at(label)
            if at <= now and label >= cfg.active_from:
                out.append(SummaryDue(label, at, now - at <= SUMMARY_GRACE))
            label += length(cfg.period)
        return out

    async def next_summary(self, guild_id: int, now: datetime) -> datetime | None:
        """When this guild's next recap posts (strictly after ``now``)."""
        async with self.db.read() as s:
            cfg = await find_config(s, guild_id)
        if cfg is None or cfg.paused:
            return None
        current = label_for(local_today(now, cfg.timezone), cfg.period)
        times = [
            cfg.summary_at(label)
            for label in (current - length(cfg.period), current)
            if label >= cfg.active_from  # periods before setup or a resume get no recap
        ]
        return min((at for at in times if at > now), default=None)

    async def queue_summary(self, guild_id: int, label: date, *, manual: bool = False) -> Summary:
        """Queue the recap post (once per period; a moderator's `report` may post again)."""
        now = self.clock.now()
        async with self.db.write() as s:
            cfg = await load_config(s, guild_id)
            summary = await summarize(s, cfg, label)
            key = f"checkin:summary:{guild_id}:{label.isoformat()}"
            if manual:
                key = f"checkin:report:{guild_id}:{label.isoformat()}:{now.isoformat()}"
            await add_message(
                s,
                kind=CHANNEL,
                target_id=cfg.channel_id,
                guild_id=guild_id,
                purpose=PURPOSE_SUMMARY,
                payload={**summary.payload(), "manual": manual},
                now=now,
                dedupe_key=key,
            )
            return summary

    # ------------------------------------------------------------------ nominations

    async def best_link(self, guild_id: int, user_id: int, label: date) -> str | None:
        """The TikTok a member shared that period, to nominate (never from a low check-in)."""
        async with self.db.read() as s:
            row = (
                await s.execute(
                    select(CheckinAnswer.link, CheckinAnswer.mood).where(
                        CheckinAnswer.guild_id == guild_id,
                        CheckinAnswer.user_id == user_id,
                        CheckinAnswer.period == label,
                    )
                )
            ).first()
        return None if row is None or is_low(row.mood) else row.link
