"""Moderators' side of check-ins: set the schedule up, edit the questions and the recap time,
pause and resume. Each operation is one transaction and returns the settings as they now are."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import update

from core.clock import Clock
from core.db import Database
from core.errors import DomainError
from core.i18n import _
from models.checkins import CheckinConfig
from services.checkins.config import (
    CheckinSettings,
    find_config,
    guild_tz,
    load_config,
    settings_from,
)
from services.checkins.inputs import (
    clean_questions,
    default_questions,
    parse_one_day,
    parse_period,
    questions_from,
)
from services.checkins.periods import WEEKLY, label_for, local_today
from services.schedules import parse_time


class CheckinAdmin:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def get_settings(self, guild_id: int) -> CheckinSettings | None:
        async with self.db.read() as s:
            return await find_config(s, guild_id)

    async def setup(
        self,
        guild_id: int,
        *,
        channel_id: int,
        day: str,
        at: str,
        period: str = WEEKLY,
        by: int,
    ) -> CheckinSettings:
        period = parse_period(period)
        weekday = parse_one_day(day) if period == WEEKLY else 0
        hour, minute = parse_time(at)
        now = self.clock.now()
        async with self.db.write() as s:
            tz = await guild_tz(s, guild_id)
            row = await s.get(CheckinConfig, guild_id)
            today_label = label_for(local_today(now, tz), period)
            if row is None:
                row = CheckinConfig(
                    guild_id=guild_id,
                    questions=[],
                    paused=False,
                    summary_hour=9,
                    summary_minute=0,
                    created_by=by,
                    created_at=now,
                    active_from=today_label,
                )
                s.add(row)
            elif row.period != period:
                row.active_from = today_label
                # default questions follow the period ("this week" / "today")
                if list(row.questions or []) == default_questions(row.period):
                    row.questions = []
            row.channel_id = channel_id
            row.period = period
            row.prompt_day = weekday
            row.prompt_hour, row.prompt_minute = hour, minute
            row.updated_at = now
            await s.flush()
            return settings_from(row, tz)

    async def set_questions(self, guild_id: int, texts: Sequence[str]) -> CheckinSettings:
        questions = clean_questions(texts)
        async with self.db.write() as s:
            cfg = await load_config(s, guild_id)
            await s.execute(
                update(CheckinConfig)
                .where(CheckinConfig.guild_id == guild_id)
                .values(questions=questions, updated_at=self.clock.now())
            )
        return replace(cfg, questions=questions_from(questions))

    async def reset_questions(self, guild_id: int) -> CheckinSettings:
        async with self.db.write() as s:
            await load_config(s, guild_id)
            await s.execute(
                update(CheckinConfig)
                .where(CheckinConfig.guild_id == guild_id)
                .values(questions=[], updated_at=self.clock.now())
            )
            return await load_config(s, guild_id)

    async def set_summary_time(self, guild_id: int, at: str) -> CheckinSettings:
        hour, minute = parse_time(at)
        async with self.db.write() as s:
            await load_config(s, guild_id)
            await s.execute(
                update(CheckinConfig)
                .where(CheckinConfig.guild_id == guild_id)
                .values(summary_hour=hour, summary_minute=minute, updated_at=self.clock.now())
            )
            return await load_config(s, guild_id)

    async def set_paused(self, guild_id: int, paused: bool) -> CheckinSettings:
        now = self.clock.now()
        async with self.db.write() as s:
            cfg = await load_config(s, guild_id)
            if cfg.paused == paused:
                raise DomainError(
                    _("Check-ins are already paused.")
                    if paused
                    else _("Check-ins are already running.")
                )
            values: dict[str, Any] = {"paused": paused, "updated_at": now}
            if not paused:  # don't post recaps of the weeks spent paused
                values["active_from"] = label_for(local_today(now, cfg.timezone), cfg.period)
            await s.execute(
                update(CheckinConfig).where(CheckinConfig.guild_id == guild_id).values(**values)
            )
            return await load_config(s, guild_id)
