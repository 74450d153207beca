"""Reports to moderators: a member flags someone from anything Mutuals posts between members
(or with ``/report``); one transaction stores the report and queues the moderators' notice (in
their log channel, else by DM to each moderator, never to the reported member); moderators
dismiss it, take the member out of collabs, or remove the post.

Invariants: one open report per reporter and target (a unique key, so no race can make two);
the reported member is never told anything, least of all who reported; what a notice shows is
stored in its payload when it is queued (names from the directory), so any process sends it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.db import Database
from core.errors import DomainError, NotFound
from core.i18n import N_, _, ngettext
from core.outbox import CHANNEL, DM, add_message
from core.sql import insert_ignore
from models.guild import GuildSettings
from models.safety import SafetyReport
from services.directory import FALLBACK_GUILD, guild_name_in, names_in
from services.safety.report_inputs import (
    check_category,
    check_source,
    clean_details,
    jump_url,
)

# The outbox purpose of a moderators' notice (stored in outbox rows: never rename).
REPORT_PURPOSE = "safety_report"
OPEN, DISMISSED, ACTIONED = "open", "dismissed", "actioned"
#: open reports one member may have waiting at once (each about someone else)
MAX_OPEN_PER_REPORTER = 10

SELF_REPORT = N_(
    "That's you! 😅 You can't report yourself. If something about your own post feels off, "
    "ask a moderator and they'll sort it out."
)
NO_MODERATOR = N_(
    "I couldn't find a moderator to send this to privately (no mod log channel, and nobody "
    "else who can manage the server). If you feel unsafe, step away, block them, and use "
    "Discord's own report button too. 💞"
)


class CollabRemovalsPort(Protocol):
    """What reports need from collabs (services.collabs.CollabService is one)."""

    async def remove_member(
        self, guild_id: int, user_id: int, *, by: int, reason: str | None = None
    ) -> bool: ...

    async def allow_member(self, guild_id: int, user_id: int) -> bool: ...


@dataclass(frozen=True)
class ReportDraft:
    """A report as the member sent it (the cog turned Discord objects into ids)."""

    guild_id: int
    reporter_id: int
    target_id: int
    source: str
    category: str | None
    details: str | None
    channel_id: int | None = None
    message_id: int | None = None
    in_dm: bool = False  # the message is in the reporter's DMs with the bot


@dataclass(frozen=True)
class Report:
    id: int
    guild_id: int
    reporter_id: int
    target_id: int
    source: str
    category: str | None
    details: str | None
    channel_id: int | None
    message_id: int | None
    in_dm: bool
    notice: str
    status: str
    created_at: datetime
    handled_by: int | None
    handled_at: datetime | None
    removed_from_collabs: bool
    let_back: bool
    post_removed: bool

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    @property
    def out_of_collabs(self) -> bool:
        return self.removed_from_collabs and not self.let_back

    @property
    def has_post(self) -> bool:
        """A server message moderators can open and remove (not a DM, not a bare /report)."""
        return self.channel_id is not None and self.message_id is not None and not self.in_dm

    @property
    def jump_url(self) -> str | None:
        if self.channel_id is None or self.message_id is None:
            return None
        return jump_url(None if self.in_dm else self.guild_id, self.channel_id, self.message_id)


@dataclass(frozen=True)
class Filed:
    report: Report
    target_name: str | None
    notices: int  # moderators' notices queued (1 in the log channel, or one DM per moderator)


@dataclass(frozen=True)
class Handled:
    report: Report
    changed: bool  # False: it was already so (another moderator, or a second click)


def to_report(row: SafetyReport) -> Report:
    return Report(
        id=row.id,
        guild_id=row.guild_id,
        reporter_id=row.reporter_id,
        target_id=row.target_id,
        source=row.source,
        category=row.category,
        details=row.details,
        channel_id=row.channel_id,
        message_id=row.message_id,
        in_dm=bool(row.in_dm),
        notice=row.notice,
        status=row.status,
        created_at=row.created_at,
        handled_by=row.handled_by,
        handled_at=row.handled_at,
        removed_from_collabs=bool(row.removed_from_collabs),
        let_back=bool(row.let_back),
        post_removed=bool(row.post_removed),
    )


def open_key(guild_id: int, reporter_id: int, target_id: int) -> str:
    return f"{guild_id}:{reporter_id}:{target_id}"


def already_open(name: str | None) -> str:
    if name:
        return _(
            "You've already reported **{name}** and it's with the moderators. 💞 No need to "
            "send it again: they'll take it from here. If something new happened, DM a "
            "moderator too.",
            name=name,
        )
    return _(
        "You've already reported them and it's with the moderators. 💞 No need to send it "
        "again: they'll take it from here. If something new happened, DM a moderator too."
    )


async def notice_payload(
    s: AsyncSession, report: Report, note: str | None = None
) -> dict[str, Any]:
    """Everything the moderators' notice shows, stored when it is queued."""
    names = await names_in(s, report.guild_id, [report.reporter_id, report.target_id])
    payload: dict[str, Any] = {
        "report_id": report.id,
        "guild_id": report.guild_id,
        "guild_name": await guild_name_in(s, report.guild_id) or FALLBACK_GUILD,
        "reporter_id": report.reporter_id,
        "reporter_name": names.get(report.reporter_id),
        "target_id": report.target_id,
        "target_name": names.get(report.target_id),
        "source": report.source,
        "category": report.category,
        "details": report.details,
        "jump_url": report.jump_url,
        "in_dm": report.in_dm,
        "has_post": report.has_post,
        "created_at": report.created_at.isoformat(),
    }
    if note:
        payload["note"] = note
    return payload


async def queue_dms(
    s: AsyncSession, report: Report, moderators: Sequence[int], now: datetime, note: str | None
) -> int:
    payload = await notice_payload(s, report, note)
    queued = 0
    for mod in moderators:
        queued += await add_message(
            s,
            kind=DM,
            target_id=mod,
            payload={**payload, "for_user": mod},
            now=now,
            purpose=REPORT_PURPOSE,
            guild_id=report.guild_id,
            dedupe_key=f"safety:report:{report.id}:{mod}",
        )
    return queued


class ReportService:
    def __init__(self, db: Database, clock: Clock, collabs: CollabRemovalsPort) -> None:
        self.db = db
        self.clock = clock
        self.collabs = collabs

    # ------------------------------------------------------------------ members

    async def open_report(self, guild_id: int, reporter_id: int, target_id: int) -> str | None:
        """If this member already has an open report about that one: what to tell them."""
        async with self.db.read() as s:
            found = await s.scalar(
                select(SafetyReport.id).where(
                    SafetyReport.open_key == open_key(guild_id, reporter_id, target_id)
                )
            )
            if found is None:
                return None
            names = await names_in(s, guild_id, [target_id])
        return already_open(names.get(target_id))

    async def file(self, draft: ReportDraft, *, moderators: Sequence[int] = ()) -> Filed:
        """Store the report and queue the moderators' notice, in one transaction.

        ``moderators``: who to DM when the server has no log channel (the reported member is
        never among those told)."""
        source = check_source(draft.source)
        category = check_category(draft.category)
        details = clean_details(draft.details)
        if draft.target_id == draft.reporter_id:
            raise DomainError(_(SELF_REPORT))
        key = open_key(draft.guild_id, draft.reporter_id, draft.target_id)
        now = self.clock.now()
        async with self.db.write() as s:
            names = await names_in(s, draft.guild_id, [draft.target_id])
            target_name = names.get(draft.target_id)
            if await s.scalar(select(SafetyReport.id).where(SafetyReport.open_key == key)):
                raise DomainError(already_open(target_name))
            waiting = await s.scalar(
                select(func.count())
                .select_from(SafetyReport)
                .where(
                    SafetyReport.guild_id == draft.guild_id,
                    SafetyReport.reporter_id == draft.reporter_id,
                    SafetyReport.status == OPEN,
                )
            )
            if int(waiting or 0) >= MAX_OPEN_PER_REPORTER:
                raise DomainError(
                    ngettext(
                        "You have {n} report waiting with the moderators already; they'll get "
                        "to it, promise. 💞 If something is urgent, DM a moderator directly.",
                        "You have {n} reports waiting with the moderators already; they'll get "
                        "to them, promise. 💞 If something is urgent, DM a moderator directly.",
                        MAX_OPEN_PER_REPORTER,
                    )
                )
            settings = await s.get(GuildSettings, draft.guild_id)
            log_channel = settings.log_channel_id if settings is not None else None
            recipients = [m for m in dict.fromkeys(moderators) if m != draft.target_id]
            if log_channel is None and not recipients:
                raise DomainError(_(NO_MODERATOR))
            row = {
                "guild_id": draft.guild_id,
                "reporter_id": draft.reporter_id,
                "target_id": draft.target_id,
                "source": source,
                "category": category,
                "details": details,
                "channel_id": draft.channel_id,
                "message_id": draft.message_id,
                "in_dm": draft.in_dm,
                "notice": CHANNEL if log_channel is not None else DM,
                "status": OPEN,
                "open_key": key,
                "created_at": now,
                "removed_from_collabs": False,
                "let_back": False,
                "post_removed": False,
            }
            if not await insert_ignore(s, SafetyReport, [row], ["open_key"]):
                raise DomainError(already_open(target_name))  # a double-click won the race
            stored = await s.scalar(select(SafetyReport).where(SafetyReport.open_key == key))
            assert stored is not None
            report = to_report(stored)
            if log_channel is not None:
                await add_message(
                    s,
                    kind=CHANNEL,
                    target_id=log_channel,
                    payload=await notice_payload(s, report),
                    now=now,
                    purpose=REPORT_PURPOSE,
                    guild_id=report.guild_id,
                    dedupe_key=f"safety:report:{report.id}",
                )
                notices = 1
            else:
                notices = await queue_dms(s, report, recipients, now, None)
        return Filed(report, target_name, notices)

    # ------------------------------------------------------------------ moderators

    async def get(self, report_id: int) -> Report:
        async with self.db.read() as s:
            row = await s.get(SafetyReport, report_id)
            if row is None:
                raise NotFound(_("I can't find that report any more."))
            return to_report(row)

    async def notice_failed(self, report_id: int, moderators: Sequence[int], why: str) -> int:
        """The log channel refused the notice: DM it to each moderator instead (once), saying
        why, so a report never dies in a channel the bot lost. How many DMs were queued."""
        now = self.clock.now()
        async with self.db.write() as s:
            row = await s.get(SafetyReport, report_id)
            if row is None or row.notice == DM:
                return 0
            row.notice = DM
            report = to_report(row)
            recipients = [m for m in dict.fromkeys(moderators) if m != report.target_id]
            return await queue_dms(s, report, recipients, now, why)

    async def _update(self, report_id: int, by: int, **changes: Any) -> Handled:
        """Apply a moderator's decision; ``changed`` says whether anything was new."""
        async with self.db.write() as s:
            row = await s.get(SafetyReport, report_id)
            if row is None:
                raise NotFound(_("I can't find that report any more."))
            changed = any(getattr(row, k) != v for k, v in changes.items())
            if changed:
                for k, v in changes.items():
                    setattr(row, k, v)
                row.open_key = None  # handled: the reporter may report them again later
                row.handled_by = by
                row.handled_at = self.clock.now()
            return Handled(to_report(row), changed)

    async def dismiss(self, report_id: int, by: int) -> Handled:
        """Close without action. A report already acted on stays acted on."""
        report = await self.get(report_id)
        if report.status == ACTIONED:
            return Handled(report, False)
        return await self._update(report_id, by, status=DISMISSED)

    async def remove_from_collabs(self, report_id: int, by: int) -> Handled:
        """Take the reported member out of collab rounds and suggestions (collabs keeps that)."""
        report = await self.get(report_id)
        removed = await self.collabs.remove_member(
            report.guild_id, report.target_id, by=by, reason=f"report #{report.id}"
        )
        done = await self._update(
            report_id, by, status=ACTIONED, removed_from_collabs=True, let_back=False
        )
        return Handled(done.report, done.changed or removed)

    async def let_back(self, report_id: int, by: int) -> Handled:
        """Let the reported member back into collab rounds and suggestions."""
        report = await self.get(report_id)
        allowed = await self.collabs.allow_member(report.guild_id, report.target_id)
        done = await self._update(report_id, by, status=ACTIONED, let_back=True)
        return Handled(done.report, done.changed or allowed)

    async def post_removed(self, report_id: int, by: int) -> Handled:
        """The moderator removed the reported post (the cog deleted it): record it."""
        return await self._update(report_id, by, status=ACTIONED, post_removed=True)
