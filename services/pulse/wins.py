"""The week's wins: what to celebrate, from members' own check-in wins (never a low check-in's:
those stay private, as in the recap) and what the numbers say went well."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import ngettext
from models.checkins import CheckinAnswer
from models.quizzes import QuizAnswer
from services.checkins.moods import LOW_MOODS
from services.pulse.names import names_of
from services.pulse.values import Checkins, Collabs, Funnel, Shoutouts, Week, Win

MEMBER_WINS = 6
#: enough answers to find a few wins without reading the whole week's check-ins
ANSWERS_READ = 200


async def read_wins(
    session: AsyncSession,
    guild_id: int,
    week: Week,
    funnel: Funnel,
    checkins: Checkins,
    collabs: Collabs,
    shoutouts: Shoutouts,
) -> tuple[Win, ...]:
    wins: list[Win] = []
    if funnel.finished:
        wins.append(
            Win(
                "welcome",
                None,
                "",
                ngettext(
                    "{n} newcomer finished onboarding",
                    "{n} newcomers finished onboarding",
                    funnel.finished,
                ),
            )
        )
    featured = sum(r.featured for r in shoutouts.rotations)
    if featured:
        wins.append(
            Win(
                "shoutout",
                None,
                "",
                ngettext(
                    "{n} creator got their spotlight", "{n} creators got their spotlight", featured
                ),
            )
        )
    if collabs.collabed:
        wins.append(
            Win(
                "collab",
                None,
                "",
                ngettext(
                    "{n} collab group said we collabed",
                    "{n} collab groups said we collabed",
                    collabs.collabed,
                ),
            )
        )
    if checkins.streaks and checkins.streaks[0].current >= 2:
        best = checkins.streaks[0]
        text = ngettext("{n} check-in in a row", "{n} check-ins in a row", best.current)
        wins.append(Win("checkin", best.user_id, best.name, text))
    top = (
        await session.execute(
            select(QuizAnswer.user_id, func.sum(QuizAnswer.points).label("points"))
            .where(
                QuizAnswer.guild_id == guild_id,
                QuizAnswer.answered_at >= week.starts_at,
                QuizAnswer.answered_at < week.ends_at,
            )
            .group_by(QuizAnswer.user_id)
            .order_by(func.sum(QuizAnswer.points).desc(), QuizAnswer.user_id)
            .limit(1)
        )
    ).first()
    member_wins = await _checkin_wins(session, guild_id, week)
    names = await names_of(
        session, guild_id, [uid for uid, _ in member_wins] + ([int(top[0])] if top else [])
    )
    if top is not None and int(top[1] or 0) > 0:
        uid = int(top[0])
        points = int(top[1])
        text = ngettext("top of the quiz board, {n} pt", "top of the quiz board, {n} pts", points)
        wins.append(Win("quiz", uid, names[uid], text))
    wins.extend(Win("checkin", uid, names[uid], text) for uid, text in member_wins)
    return tuple(wins)


async def _checkin_wins(session: AsyncSession, guild_id: int, week: Week) -> list[tuple[int, str]]:
    rows = await session.execute(
        select(CheckinAnswer.user_id, CheckinAnswer.answers)
        .where(
            CheckinAnswer.guild_id == guild_id,
            CheckinAnswer.period >= week.start,
            CheckinAnswer.period < week.start + timedelta(days=7),
            or_(CheckinAnswer.mood.is_(None), CheckinAnswer.mood.not_in(sorted(LOW_MOODS))),
        )
        .order_by(CheckinAnswer.submitted_at, CheckinAnswer.id)
        .limit(ANSWERS_READ)
    )
    found: list[tuple[int, str]] = []
    for uid, answers in rows.all():
        for item in answers or ():
            text = str(item.get("a") or "").strip()
            if item.get("kind") == "win" and text:
                found.append((int(uid), text))
                break
        if len(found) >= MEMBER_WINS:
            break
    return found
