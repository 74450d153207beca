"""The weekly pulse post: when a moderator turns it on, the week that just ended is posted to the
moderators' channel every Monday at 09:00 server time, exactly once per week and server (a
claimed slot on core's delivery mechanism, and a deduplicated outbox row), caught up after a
restart within two days, and never for a week that ended before it was turned on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.clock import Clock
from core.db import Database
from core.errors import DomainError
from core.i18n import _
from core.outbox import CHANNEL, add_message
from core.plans import LATEST, DeliveryPlan, GuildFilter, Occurrence, Replan, no_replan
from models.guild import GuildSettings
from models.pulse import PulsePost
from services.languages import server_language
from services.pulse.weeks import monday_of
from services.quizzes.days import server_timezone

KIND = "pulse_weekly"
PURPOSE = "pulse_weekly"
#: Monday morning, server time: the week before is over, moderators are around
POST_AT = time(9, 0)
GRACE = timedelta(days=2)


@dataclass(frozen=True)
class PostSetting:
    guild_id: int
    enabled: bool
    channel_id: int | None  # None: the server's log channel
    since: datetime | None


def week_ref(guild_id: int, monday: date) -> str:
    year, week, _day = monday.isocalendar()
    return f"{guild_id}:{year}-W{week:02d}"


def parse_ref(ref: str) -> tuple[int, str]:
    guild, week = ref.split(":", 1)
    return int(guild), week


def post_time(monday: date, tz: str) -> datetime:
    """When the week starting ``monday`` is posted: the Monday after, at POST_AT local."""
    return datetime.combine(monday + timedelta(days=7), POST_AT, ZoneInfo(tz)).astimezone(UTC)


def described(setting: PostSetting) -> str:
    """What the setting does now, in the current language (the command's and the page's
    confirmation)."""
    if not setting.enabled:
        return _("Okay, no more weekly pulse posts.")
    if setting.channel_id is not None:
        return _(
            "Done! Every Monday at 09:00 server time I'll post last week's pulse in "
            "<#{channel}>. 💓",
            channel=setting.channel_id,
        )
    return _(
        "Done! Every Monday at 09:00 server time I'll post last week's pulse in the "
        "moderators' log channel. 💓"
    )


class PulsePosts:
    def __init__(self, db: Database, clock: Clock, replan: Replan = no_replan) -> None:
        self.db = db
        self.clock = clock
        self.replan = replan

    async def setting(self, guild_id: int) -> PostSetting:
        async with self.db.read() as session:
            row = await session.get(PulsePost, guild_id)
        if row is None:
            return PostSetting(guild_id, False, None, None)
        return PostSetting(guild_id, row.enabled, row.channel_id, row.since)

    async def choose(
        self, guild_id: int, *, enabled: bool, channel_id: int | None = None
    ) -> PostSetting:
        """Turn the weekly post on (to ``channel_id``, or the log channel) or off. It needs a
        channel: one given here, or the server's log channel."""
        now = self.clock.now()
        async with self.db.write() as session:
            if enabled and channel_id is None:
                log_channel = await session.scalar(
                    select(GuildSettings.log_channel_id).where(GuildSettings.guild_id == guild_id)
                )
                if log_channel is None:
                    raise DomainError(
                        _(
                            "Pick a channel for the weekly pulse, or set the moderators' log "
                            "channel first with `/config log-channel`."
                        )
                    )
            row = await session.get(PulsePost, guild_id)
            if row is None:
                row = PulsePost(guild_id=guild_id, since=now, updated_at=now)
                session.add(row)
            if enabled and not row.enabled:
                row.since = now  # weeks that ended before it was on are never posted
            row.enabled = enabled
            row.channel_id = channel_id
            row.updated_at = now
            setting = PostSetting(guild_id, row.enabled, row.channel_id, row.since)
        self.replan(KIND)
        return setting

    async def enabled_guilds(self) -> list[tuple[int, datetime]]:
        async with self.db.read() as session:
            rows = await session.execute(
                select(PulsePost.guild_id, PulsePost.since).where(PulsePost.enabled.is_(True))
            )
            return [(int(g), since) for g, since in rows.all()]

    async def timezone(self, guild_id: int) -> str:
        async with self.db.read() as session:
            return await server_timezone(session, guild_id)

    async def queue(self, guild_id: int, week: str) -> str:
        """Queue the post of ``week`` (once: the outbox row is deduplicated by week)."""
        now = self.clock.now()
        language = await server_language(self.db, guild_id)
        async with self.db.write() as session:
            row = await session.get(PulsePost, guild_id)
            if row is None or not row.enabled:
                return "turned off"
            channel_id = row.channel_id or await session.scalar(
                select(GuildSettings.log_channel_id).where(GuildSettings.guild_id == guild_id)
            )
            if channel_id is None:
                return "no channel to post in"
            await add_message(
                session,
                kind=CHANNEL,
                target_id=int(channel_id),
                guild_id=guild_id,
                purpose=PURPOSE,
                # the numbers are read again when it is sent (the week is over: they stay put)
                payload={"week": week, "language": language},
                now=now,
                dedupe_key=f"pulse:weekly:{guild_id}:{week}",
            )
        return f"queued for {week}"


class WeeklyPostPlan(DeliveryPlan):
    """The latest Monday post time of every server with the weekly post on; only the latest
    is delivered after downtime (an older week's pulse is recorded as missed)."""

    kind = KIND
    catch_up = LATEST
    grace = GRACE

    def __init__(self, posts: PulsePosts) -> None:
        self.posts = posts

    async def due(self, now: datetime, owns: GuildFilter) -> Sequence[Occurrence]:
        out: list[Occurrence] = []
        for guild_id, since in await self.posts.enabled_guilds():
            if not owns(guild_id):
                continue
            tz = await self.posts.timezone(guild_id)
            today = now.astimezone(ZoneInfo(tz)).date()
            week = monday_of(today) - timedelta(days=7)
            at = post_time(week, tz)
            if at > now:
                week -= timedelta(days=7)
                at = post_time(week, tz)
            # a week that ended before the post was turned on is not posted
            if datetime.combine(week + timedelta(days=7), time(0), ZoneInfo(tz)) <= since:
                continue
            out.append(Occurrence(at, week_ref(guild_id, week), self.kind, guild_id))
        return out

    async def next_at(self, now: datetime, owns: GuildFilter) -> datetime | None:
        times = []
        for guild_id, _since in await self.posts.enabled_guilds():
            if owns(guild_id):
                tz = await self.posts.timezone(guild_id)
                week = monday_of(now.astimezone(ZoneInfo(tz)).date()) - timedelta(days=7)
                at = post_time(week, tz)
                times.append(at if at > now else post_time(week + timedelta(days=7), tz))
        return min(times, default=None)

    async def deliver(self, occurrence: Occurrence) -> str | None:
        guild_id, week = parse_ref(occurrence.ref)
        return await self.posts.queue(guild_id, week)
