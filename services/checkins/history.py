"""Members' past periods read from the database (answers, prompts, vacations) and walked into
streaks: three queries for any number of members, so the recap costs the same as one member."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.checkins import CheckinAnswer, CheckinAway, CheckinPrompt
from services.checkins.config import CHUNK, CheckinSettings
from services.checkins.streaks import Streak, compute_streak


async def load_streaks(
    s: AsyncSession, cfg: CheckinSettings, current: dict[int, date]
) -> dict[int, Streak]:
    """Streaks for many members at once (three queries), each up to its current label."""
    users = list(current)
    answered: dict[int, dict[date, int | None]] = defaultdict(dict)
    prompted: dict[int, list[date]] = defaultdict(list)
    away: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for i in range(0, len(users), CHUNK):
        part = users[i : i + CHUNK]
        for uid, label, mood in (
            await s.execute(
                select(CheckinAnswer.user_id, CheckinAnswer.period, CheckinAnswer.mood).where(
                    CheckinAnswer.guild_id == cfg.guild_id, CheckinAnswer.user_id.in_(part)
                )
            )
        ).all():
            if label <= current[uid]:
                answered[uid][label] = mood
        for uid, label in (
            await s.execute(
                select(CheckinPrompt.user_id, CheckinPrompt.period).where(
                    CheckinPrompt.guild_id == cfg.guild_id, CheckinPrompt.user_id.in_(part)
                )
            )
        ).all():
            if label <= current[uid]:
                prompted[uid].append(label)
        for uid, start, until in (
            await s.execute(
                select(CheckinAway.user_id, CheckinAway.start, CheckinAway.until).where(
                    CheckinAway.guild_id == cfg.guild_id, CheckinAway.user_id.in_(part)
                )
            )
        ).all():
            away[uid].append((start, until))
    return {
        uid: compute_streak(
            period=cfg.period,
            current_label=label,
            answered=answered[uid],
            prompted=prompted[uid],
            away=away[uid],
        )
        for uid, label in current.items()
    }
