"""A round big enough for the worker processes and PostgreSQL's COPY, through the service on
both backends: stored whole, and the same groups as a round matched in-process."""

from __future__ import annotations

from sqlalchemy import func, select

from core.clock import ManualClock
from core.db import Database
from models.collabs import CollabGroupMember
from services.collabs import CollabService, store_synthetic, synthetic_candidates
from services.niches import NicheService

N = 2_400  # over matching.PARALLEL_FROM and core.sql.COPY_FROM
POOLED, IN_PROCESS = 901, 902  # two guilds with the very same members


async def _seed(db: Database, clock: ManualClock) -> None:
    candidates = synthetic_candidates(N, seed=5)
    async with db.write() as s:
        for guild in (POOLED, IN_PROCESS):
            await store_synthetic(s, guild, candidates, clock.now())


async def test_a_big_round_in_workers_is_stored_whole_and_same_as_in_process(
    db: Database, clock: ManualClock
) -> None:
    await _seed(db, clock)
    pooled = CollabService(db, clock, NicheService(db))
    here = CollabService(db, clock, NicheService(db))
    here.close()  # no pool: matched in this process
    try:
        a = await pooled.create_round(POOLED, clock.now())
        assert pooled.workers.running  # the blocks went to the worker processes
        b = await here.create_round(IN_PROCESS, clock.now())
    finally:
        pooled.close()
    assert [g.members for g in a.groups] == [g.members for g in b.groups]
    assert [(g.reason, g.prompts) for g in a.groups] == [(g.reason, g.prompts) for g in b.groups]
    assert sum(len(g.members) for g in a.groups) + len(a.unplaced) == N
    stored = await pooled.round_at(POOLED, clock.now())
    assert stored is not None
    assert [g.members for g in stored.groups] == [g.members for g in a.groups]
    assert [g.prompts for g in stored.groups] == [g.prompts for g in a.groups]
    async with db.read() as s:
        rows = await s.scalar(
            select(func.count())
            .select_from(CollabGroupMember)
            .where(CollabGroupMember.guild_id == POOLED)
        )
    assert rows == sum(len(g.members) for g in a.groups)
