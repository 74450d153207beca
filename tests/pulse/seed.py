"""A small server's week, written row by row with Core inserts, with numbers a test can count:
the week of Monday 2026-01-05 (2026-W02, UTC), seen on Wednesday 2026-01-07 at noon."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database
from models.checkins import CheckinAnswer, CheckinConfig, CheckinPrompt
from models.collabs import CollabGroup, CollabGroupMember, CollabRound
from models.directory import GuildName, MemberName
from models.quizzes import QuizAnswer, QuizStreak
from models.shoutouts import Rotation, RotationFeature, RotationMember
from models.welcome import Onboarding

G = 1_100_000_000_000_000_001
OTHER_G = 1_100_000_000_000_000_002
CH = 3_000_000_000_000_000_009
MONDAY = datetime(2026, 1, 5, tzinfo=UTC)
NOW = MONDAY + timedelta(days=2, hours=12)
WEEK = date(2026, 1, 5)
# members: 1..9, as big ids
AMINA, MARCUS, JO, KAI, LEE, MIA, NOOR, OLI, PAT = (2_000_000_000_000_000_500 + n for n in range(9))
NAMES = {
    AMINA: "Amina",
    MARCUS: "Marcus",
    JO: "=HYPERLINK(evil)",
    KAI: "Kai",
    LEE: "Lee",
    MIA: "Mia",
    NOOR: "Noor",
    OLI: "Oli",
    PAT: "Pat",
}


def at(days: float) -> datetime:
    return MONDAY + timedelta(days=days)


async def seed_week(db: Database, *, guild_name: bool = True) -> None:
    """``guild_name=False`` when a running bot has already stored the server's name."""
    async with db.write() as s:
        if guild_name:
            await s.execute(
                insert(GuildName).values(guild_id=G, name="Creator Fam", updated_at=NOW)
            )
        await s.execute(
            insert(MemberName),
            [
                {"guild_id": G, "user_id": u, "display_name": n, "updated_at": NOW}
                for u, n in NAMES.items()
            ],
        )
        # onboarding: 5 joined this week (+1 last week, +1 preview, +1 other server)
        base = {"guild_id": G, "niches": [], "display_name": "x", "status": "welcomed"}
        rows = [
            {
                **base,
                "user_id": AMINA,
                "dm_state": "sent",
                "step": "done",
                "started_at": at(0.1),
                "completed_at": at(0.2),
                "status": "completed",
            },
            {
                **base,
                "user_id": MARCUS,
                "dm_state": "sent",
                "step": "done",
                "started_at": at(1.1),
                "completed_at": at(1.2),
                "status": "completed",
            },
            {**base, "user_id": JO, "dm_state": "sent", "step": "profile", "started_at": at(1)},
            {**base, "user_id": KAI, "dm_state": "sent", "step": "niches", "left_at": at(1.5)},
            {**base, "user_id": LEE, "dm_state": "closed", "step": "niches"},
        ]
        for n, row in enumerate(rows):
            row["joined_at"] = at(n * 0.3)
        rows += [
            {**base, "user_id": MIA, "dm_state": "sent", "joined_at": at(-2)},
            {**base, "user_id": NOOR, "preview": True, "joined_at": at(1)},
            {**base, "guild_id": OTHER_G, "user_id": OLI, "joined_at": at(1)},
        ]
        await s.execute(insert(Onboarding), rows)

        # check-ins (weekly): asked 4 this week, 3 answered (Noor's low), 2 asked / 1 before
        await s.execute(
            insert(CheckinConfig).values(
                guild_id=G,
                channel_id=CH,
                active_from=WEEK - timedelta(weeks=8),
                created_by=AMINA,
                created_at=NOW,
                updated_at=NOW,
            )
        )
        prompts, answers = [], []
        for user, week_back, answered, mood, win in (
            (AMINA, 0, True, 5, "hit 10k followers"),
            (MARCUS, 0, True, None, "+1 sale, 2 collabs"),
            (NOOR, 0, True, 1, "a private win"),
            (PAT, 0, False, None, None),
            (AMINA, 1, True, 4, "old win"),
            (MARCUS, 1, False, None, None),
            (AMINA, 2, True, 4, "older win"),
        ):
            label = WEEK - timedelta(weeks=week_back)
            common = {"guild_id": G, "user_id": user, "period": label}
            prompts.append(
                {**common, "prompt_at": MONDAY, "mode": "dm", "batch": "t", "created_at": MONDAY}
            )
            if answered:
                answers.append(
                    {
                        **common,
                        "mood": mood,
                        "submitted_at": MONDAY,
                        "updated_at": MONDAY,
                        "answers": [{"q": "Wins?", "kind": "win", "a": win}],
                    }
                )
        await s.execute(insert(CheckinPrompt), prompts)
        await s.execute(insert(CheckinAnswer), answers)

        # collabs: this week 3 groups (yes, not yet, nobody answered); last week 1 (yes)
        await _round(
            s,
            at(1),
            [
                [(AMINA, "yes"), (MARCUS, None)],
                [(JO, "not_yet"), (KAI, "no")],
                [(LEE, None), (MIA, None)],
            ],
        )
        await _round(s, at(-6), [[(AMINA, "yes"), (JO, "yes")]])

        # shoutouts: Spotlight featured twice, missed once this week; Pat waits longest
        rotation = (
            await s.execute(
                insert(Rotation)
                .values(
                    guild_id=G,
                    key="spotlight",
                    name="Spotlight",
                    channel_id=CH,
                    schedule="daily 18:00",
                    schedule_anchor=at(-30),
                    active_from=at(-30),
                    created_by=AMINA,
                    created_at=at(-30),
                    updated_at=at(-30),
                )
                .returning(Rotation.id)
            )
        ).scalar_one()
        await s.execute(
            insert(RotationFeature),
            [
                {
                    "rotation_id": rotation,
                    "guild_id": G,
                    "slot_key": f"r:{n}",
                    "slot_at": at(n),
                    "status": status,
                    "user_id": user,
                    "created_at": at(n),
                }
                for n, status, user in (
                    (0, "featured", AMINA),
                    (1, "featured", MARCUS),
                    (2, "missed", None),
                    (-3, "featured", JO),
                )
            ],
        )
        await s.execute(
            insert(RotationMember),
            [
                {
                    "rotation_id": rotation,
                    "guild_id": G,
                    "user_id": user,
                    "round_no": 1,
                    "position": n,
                    "last_featured_at": last,
                    "joined_at": at(-30),
                    "times_featured": 0 if last is None else 1,
                    "active": active,
                }
                for n, (user, last, active) in enumerate(
                    (
                        (AMINA, at(0), True),
                        (MARCUS, at(1), True),
                        (JO, at(-3), True),
                        (PAT, None, True),
                        (OLI, None, False),
                    )
                )
            ],
        )

        # quizzes: Monday's term 3 players (2 right), Tuesday's 1; a game answer; streaks
        quiz = [
            (AMINA, "d2026-01-05", True, 10, None),
            (MARCUS, "d2026-01-05", True, 8, None),
            (JO, "d2026-01-05", False, 0, None),
            (AMINA, "d2026-01-06", True, 10, None),
            (KAI, "g1:0", True, 30, 1),
            (LEE, "d2026-01-04", True, 10, None),
        ]
        await s.execute(
            insert(QuizAnswer),
            [
                {
                    "guild_id": G,
                    "round_key": key,
                    "user_id": user,
                    "game_id": game,
                    "question_key": "q",
                    "category": "slang",
                    "correct": ok,
                    "points": pts,
                    "answered_at": at(-1 if key == "d2026-01-04" else 0.5),
                }
                for user, key, ok, pts, game in quiz
            ],
        )
        await s.execute(
            insert(QuizStreak),
            [
                {
                    "guild_id": G,
                    "user_id": AMINA,
                    "current": 4,
                    "best": 6,
                    "last_day": "2026-01-06",
                },
                {
                    "guild_id": G,
                    "user_id": MARCUS,
                    "current": 9,
                    "best": 9,
                    "last_day": "2026-01-02",
                },  # lapsed
                {"guild_id": G, "user_id": JO, "current": 1, "best": 2, "last_day": "2026-01-07"},
            ],
        )


async def _round(
    s: AsyncSession, slot_at: datetime, groups: list[list[tuple[int, str | None]]]
) -> None:
    round_id = (
        await s.execute(
            insert(CollabRound)
            .values(guild_id=G, slot_at=slot_at, created_at=slot_at, groups=len(groups))
            .returning(CollabRound.id)
        )
    ).scalar_one()
    for members in groups:
        group_id = (
            await s.execute(
                insert(CollabGroup)
                .values(
                    round_id=round_id,
                    guild_id=G,
                    score=1.0,
                    reason="fit",
                    followup_at=slot_at,
                    created_at=slot_at,
                )
                .returning(CollabGroup.id)
            )
        ).scalar_one()
        await s.execute(
            insert(CollabGroupMember),
            [
                {"group_id": group_id, "guild_id": G, "user_id": u, "position": n, "answer": a}
                for n, (u, a) in enumerate(members)
            ],
        )
