"""Care after a low check-in, its operations: moderators set it up (on/off, a support channel,
resource lines by region); a member who had a rough week asks for a moderator to reach out, and
one private note is queued to the moderators. Nothing here is ever posted where members see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.db import Database
from core.errors import DomainError
from core.i18n import _
from core.outbox import CHANNEL, DM, add_message
from models.checkins import CheckinAnswer, CheckinConfig
from models.guild import GuildSettings
from services.checkins.config import load_config
from services.checkins.moods import CareSettings, mood_of, parse_resources
from services.directory import FALLBACK_GUILD, FALLBACK_MEMBER, guild_name_in, names_in

PURPOSE_CARE_NOTE = "checkin_care_note"


@dataclass(frozen=True)
class Outreach:
    """What became of a member's "I'd like a moderator to reach out"."""

    guild_id: int
    user_id: int
    label: date
    care: CareSettings
    #: when they had already asked for this check-in (no second note); None: a note was queued
    asked_before: datetime | None
    dedupe_key: str | None  # the note's outbox key (wait for its delivery with it)
    to_log_channel: bool  # False: by DM to the moderator who set care (or check-ins) up


def note_key(guild_id: int, user_id: int, label: date) -> str:
    return f"checkin:care:{guild_id}:{user_id}:{label.isoformat()}"


class CheckinCare:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    # ------------------------------------------------------------------ moderators

    async def settings(self, guild_id: int) -> tuple[CareSettings, int | None]:
        """The guild's care settings and its moderators' log channel (where notes go)."""
        async with self.db.read() as s:
            cfg = await load_config(s, guild_id)
            log_channel = await s.scalar(
                select(GuildSettings.log_channel_id).where(GuildSettings.guild_id == guild_id)
            )
            return cfg.care, log_channel

    async def _set(self, guild_id: int, by: int, **values: Any) -> tuple[CareSettings, int | None]:
        async with self.db.write() as s:
            await load_config(s, guild_id)
            await s.execute(
                update(CheckinConfig)
                .where(CheckinConfig.guild_id == guild_id)
                .values(care_set_by=by, updated_at=self.clock.now(), **values)
            )
        return await self.settings(guild_id)

    async def set_enabled(
        self, guild_id: int, enabled: bool, *, by: int
    ) -> tuple[CareSettings, int | None]:
        return await self._set(guild_id, by, care_enabled=enabled)

    async def set_channel(
        self, guild_id: int, channel_id: int | None, *, by: int
    ) -> tuple[CareSettings, int | None]:
        return await self._set(guild_id, by, care_channel_id=channel_id)

    async def set_resources(
        self, guild_id: int, text: str, *, by: int
    ) -> tuple[CareSettings, int | None]:
        return await self._set(guild_id, by, care_resources=parse_resources(text))

    # ------------------------------------------------------------------ members

    async def reach_out(self, guild_id: int, user_id: int, label: date, *, share: bool) -> Outreach:
        """The member asked for a moderator to reach out after their check-in of ``label``:
        queue one private note to the moderators (their log channel, else a DM to whoever set
        care up), once per check-in, in the same transaction that records the ask. The note
        holds their answers only when ``share`` (they chose to show them)."""
        now = self.clock.now()
        async with self.db.write() as s:
            cfg = await load_config(s, guild_id)
            row = await s.scalar(
                select(CheckinAnswer).where(
                    CheckinAnswer.guild_id == guild_id,
                    CheckinAnswer.user_id == user_id,
                    CheckinAnswer.period == label,
                )
            )
            if row is None:
                raise DomainError(
                    _(
                        "I can't find that check-in any more (erased with `/profile delete`?), "
                        "so I couldn't pass this on. Please message one of the moderators "
                        "directly: they're there for you. 💛"
                    )
                )
            if row.outreach_at is not None:
                return Outreach(guild_id, user_id, label, cfg.care, row.outreach_at, None, False)
            row.outreach_at = now
            log_channel = await s.scalar(
                select(GuildSettings.log_channel_id).where(GuildSettings.guild_id == guild_id)
            )
            created_by = await s.scalar(
                select(CheckinConfig.created_by).where(CheckinConfig.guild_id == guild_id)
            )
            payload = await self._note_payload(s, row, cfg.period, share=share)
            key = note_key(guild_id, user_id, label)
            if log_channel:
                kind, target = CHANNEL, int(log_channel)
            else:
                kind, target = DM, int(cfg.care.set_by or created_by or 0)
            await add_message(
                s,
                kind=kind,
                target_id=target,
                payload={**payload, "to": kind},
                now=now,
                purpose=PURPOSE_CARE_NOTE,
                guild_id=guild_id,
                dedupe_key=key,
            )
            return Outreach(guild_id, user_id, label, cfg.care, None, key, bool(log_channel))

    @staticmethod
    async def _note_payload(
        s: AsyncSession, row: CheckinAnswer, period: str, *, share: bool
    ) -> dict[str, Any]:
        """Everything the note shows, stored now (the sending process may not hold the guild):
        who asked, when, and their answers only if they chose to share them."""
        names = await names_in(s, row.guild_id, [row.user_id])
        payload: dict[str, Any] = {
            "guild_id": row.guild_id,
            "user_id": row.user_id,
            "name": names.get(row.user_id, FALLBACK_MEMBER),
            "guild_name": await guild_name_in(s, row.guild_id) or FALLBACK_GUILD,
            "label": row.period.isoformat(),
            "period": period,
            "shared": share,
        }
        if share:
            payload["mood"] = mood_of(row.mood).text if row.mood else None
            payload["mood_value"] = row.mood  # the note shows it in the moderators' language
            payload["answers"] = [
                [str(a.get("q") or ""), str(a.get("a") or "")]
                for a in row.answers
                if a.get("a") and a.get("kind") != "mood"
            ]
        return payload
