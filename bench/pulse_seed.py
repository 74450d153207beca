"""A year of a 10k-member server's history for the pulse benchmark, written with bulk Core
inserts (executemany in chunks): onboarding for every member, weekly check-ins, weekly collab
rounds, three shoutout rotations, the daily term and games, names and streaks."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, insert

from core.db import Database
from models.checkins import CheckinAnswer, CheckinConfig, CheckinPrompt
from models.collabs import CollabGroup, CollabGroupMember, CollabRound
from models.directory import MemberName
from models.quizzes import QuizAnswer, QuizStreak
from models.shoutouts import Rotation, RotationFeature, RotationMember
from models.welcome import Onboarding

CHUNK = 5_000
FIRST_USER = 2_700_000_000_000_000_000
#: "now" of the benchmark: a Wednesday noon, a year after the server started
NOW = datetime(2026, 6, 17, 12, 0, tzinfo=UTC)


async def bulk(db: Database, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    core_table: Table = table.__table__
    for start in range(0, len(rows), CHUNK):
        async with db.write() as s:
            await s.execute(insert(core_table), list(rows[start : start + CHUNK]))


async def seed_year(db: Database, guild: int, members: int, weeks: int) -> dict[str, int]:
    rng = random.Random(15)
    start = NOW - timedelta(weeks=weeks)
    users = [FIRST_USER + n for n in range(members)]
    counts: dict[str, int] = {}

    names = [
        {"guild_id": guild, "user_id": u, "display_name": f"creator{n}", "updated_at": NOW}
        for n, u in enumerate(users)
    ]
    await bulk(db, MemberName, names)

    onboarding: list[dict[str, Any]] = []
    for u in users:
        joined = start + timedelta(seconds=rng.randrange(int((NOW - start).total_seconds())))
        r = rng.random()
        started = joined + timedelta(minutes=5) if r < 0.65 else None
        done = joined + timedelta(minutes=20) if r < 0.5 else None
        onboarding.append(
            {
                "guild_id": guild,
                "user_id": u,
                "status": "completed" if done else "welcomed",
                "step": "done" if done else rng.choice(("niches", "profile", "norms")),
                "niches": [],
                "display_name": "x",
                "dm_state": "closed" if r > 0.9 else "sent",
                "joined_at": joined,
                "started_at": started,
                "completed_at": done,
                "left_at": joined + timedelta(days=1) if r > 0.95 else None,
            }
        )
    await bulk(db, Onboarding, onboarding)
    counts["onboarding"] = len(onboarding)

    # check-ins: 15% of members, weekly, answered 70% of the time
    async with db.write() as s:
        await s.execute(
            insert(CheckinConfig).values(
                guild_id=guild,
                channel_id=1,
                active_from=start.date(),
                created_by=users[0],
                created_at=start,
                updated_at=start,
            )
        )
    checkers = users[: members * 15 // 100]
    monday = NOW.date() - timedelta(days=NOW.weekday())
    labels = [monday - timedelta(weeks=w) for w in range(weeks)]
    prompts, answers = [], []
    for u in checkers:
        for label in labels:
            common = {"guild_id": guild, "user_id": u, "period": label}
            at = datetime.combine(label, datetime.min.time(), UTC)
            prompts.append(
                {**common, "prompt_at": at, "mode": "dm", "batch": "b", "created_at": at}
            )
            if rng.random() < 0.7:
                answers.append(
                    {
                        **common,
                        "mood": rng.randint(1, 5),
                        "submitted_at": at,
                        "updated_at": at,
                        "answers": [{"q": "Wins?", "kind": "win", "a": "posted 3 times"}],
                    }
                )
    await bulk(db, CheckinPrompt, prompts)
    await bulk(db, CheckinAnswer, answers)
    counts["checkin rows"] = len(prompts) + len(answers)

    # collabs: 10% opted in, weekly rounds of pairs, half answer, a third collabed
    collabers = users[: members // 10]
    groups_made = 0
    for w in range(weeks):
        slot = datetime.combine(labels[w], datetime.min.time(), UTC) + timedelta(hours=18)
        async with db.write() as s:
            round_id = (
                await s.execute(
                    insert(CollabRound)
                    .values(
                        guild_id=guild, slot_at=slot, created_at=slot, groups=len(collabers) // 2
                    )
                    .returning(CollabRound.id)
                )
            ).scalar_one()
            group_rows = [
                {
                    "round_id": round_id,
                    "guild_id": guild,
                    "score": 1.0,
                    "reason": "fit",
                    "followup_at": slot,
                    "created_at": slot,
                }
                for _ in range(len(collabers) // 2)
            ]
            ids = (
                (await s.execute(insert(CollabGroup).returning(CollabGroup.id), group_rows))
                .scalars()
                .all()
            )
            shuffled = collabers[:]
            rng.shuffle(shuffled)
            member_rows = []
            for n, gid in enumerate(ids):
                answer = rng.choice(("yes", "not_yet", "no", None, None, None))
                for pos in (0, 1):
                    member_rows.append(
                        {
                            "group_id": gid,
                            "guild_id": guild,
                            "user_id": shuffled[2 * n + pos],
                            "position": pos,
                            "answer": answer if pos == 0 else None,
                        }
                    )
            await s.execute(insert(CollabGroupMember), member_rows)
            groups_made += len(ids)
    counts["collab groups"] = groups_made

    # shoutouts: 3 daily rotations of 600 creators each
    for r in range(3):
        async with db.write() as s:
            rid = (
                await s.execute(
                    insert(Rotation)
                    .values(
                        guild_id=guild,
                        key=f"rot{r}",
                        name=f"Rotation {r}",
                        channel_id=1,
                        schedule="daily 18:00",
                        schedule_anchor=start,
                        active_from=start,
                        created_by=users[0],
                        created_at=start,
                        updated_at=start,
                    )
                    .returning(Rotation.id)
                )
            ).scalar_one()
        queue = users[r * 600 : (r + 1) * 600]
        await bulk(
            db,
            RotationMember,
            [
                {
                    "rotation_id": rid,
                    "guild_id": guild,
                    "user_id": u,
                    "round_no": 1,
                    "position": n,
                    "joined_at": start,
                    "last_featured_at": None,
                }
                for n, u in enumerate(queue)
            ],
        )
        await bulk(
            db,
            RotationFeature,
            [
                {
                    "rotation_id": rid,
                    "guild_id": guild,
                    "slot_key": f"r:{d}",
                    "slot_at": start + timedelta(days=d, hours=18),
                    "status": "featured" if d % 9 else "missed",
                    "user_id": queue[d % 600],
                    "created_at": start,
                }
                for d in range(weeks * 7)
            ],
        )

    # quizzes: 300 players a day on the term of the day, a weekly game of 40 players × 10
    players = users[: members * 3 // 10]
    quiz: list[dict[str, Any]] = []
    for d in range(weeks * 7):
        day = (start + timedelta(days=d)).date()
        at = start + timedelta(days=d, hours=19)
        for u in rng.sample(players, 300):
            quiz.append(
                {
                    "guild_id": guild,
                    "round_key": f"d{day.isoformat()}",
                    "user_id": u,
                    "question_key": "q",
                    "category": "slang",
                    "correct": rng.random() < 0.7,
                    "points": 10,
                    "answered_at": at,
                }
            )
        if d % 7 == 5:
            for q in range(10):
                for u in players[:40]:
                    quiz.append(
                        {
                            "guild_id": guild,
                            "round_key": f"g{d}:{q}",
                            "user_id": u,
                            "game_id": d,
                            "question_key": "q",
                            "category": "slang",
                            "correct": True,
                            "points": 20,
                            "answered_at": at,
                        }
                    )
    await bulk(db, QuizAnswer, quiz)
    counts["quiz answers"] = len(quiz)
    today = NOW.date()
    await bulk(
        db,
        QuizStreak,
        [
            {
                "guild_id": guild,
                "user_id": u,
                "current": n % 30,
                "best": n % 45,
                "last_day": (today - timedelta(days=n % 3)).isoformat(),
            }
            for n, u in enumerate(players)
        ],
    )
    return counts


def week_key(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
