"""A round, exactly once per slot: everyone eligible matched and stored with their groups in
one transaction (unique per guild and slot; asked again, the stored round is the answer)."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import use_locale
from core.sql import insert_ignore, insert_ignore_fast
from models.collabs import CollabGroup, CollabGroupMember, CollabRound
from services.collabs.base import CollabPart
from services.collabs.intro_text import explain, prompts_for
from services.collabs.matching import MatchResult, match
from services.collabs.pool import blocked_pairs, eligible, history_settings, recent_pairs
from services.collabs.results import GroupInfo, RoundInfo
from services.collabs.scoring import Candidate
from services.languages import server_language
from services.safety.age import age_rule_in


async def load_groups(s: AsyncSession, *where: Any) -> list[GroupInfo]:
    """The groups matching ``where``, members in order (fetched in chunks: a 50k round)."""
    table: Any = CollabGroup.__table__
    rows = (await s.execute(select(table).where(*where).order_by(CollabGroup.id))).all()
    if not rows:
        return []
    members: dict[int, list[int]] = {}
    for chunk in _chunks([r.id for r in rows], 5000):
        found = (
            await s.execute(
                select(CollabGroupMember.group_id, CollabGroupMember.user_id)
                .where(CollabGroupMember.group_id.in_(chunk))
                .order_by(CollabGroupMember.group_id, CollabGroupMember.position)
            )
        ).all()
        for gid, uid in found:
            members.setdefault(gid, []).append(uid)
    return [
        GroupInfo(
            id=r.id,
            round_id=r.round_id,
            guild_id=r.guild_id,
            members=tuple(members.get(r.id, ())),
            score=r.score,
            repeat=r.repeat,
            reason=r.reason,
            prompts=tuple(r.prompts or ()),
            intro=r.intro,
            thread_id=r.thread_id,
            followup_at=r.followup_at,
        )
        for r in rows
    ]


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class CollabRounds(CollabPart):
    async def create_round(
        self,
        guild_id: int,
        slot_at: datetime,
        *,
        manual: bool = False,
        present: Collection[int] | None = None,
        role_holders: Collection[int] | None = None,
    ) -> RoundInfo:
        """Match everyone eligible and store the round with its groups, once per slot.

        ``present``: the guild's current member ids when known (people who left are skipped).
        ``role_holders``: who holds the 18+ role (services.safety), when the cache knows;
        adults and members not confirmed adult are never grouped (RoleHoldersUnknown if the
        role counts and nobody can say who holds it).
        """
        existing = await self.round_at(guild_id, slot_at)
        if existing is not None:
            return existing
        now = self.clock.now()
        niches = await self.niches.list_niches(guild_id)
        async with self.db.read() as s:
            ages = await age_rule_in(s, guild_id, role_holders)
            candidates = await eligible(s, guild_id, now, niches, ages)
            blocks = await blocked_pairs(s, guild_id)
            history, followup_days = await history_settings(s, guild_id)
            recent = await recent_pairs(s, guild_id, history)
        if present is not None:
            here = set(present)
            candidates = [c for c in candidates if c.user_id in here]
        # the groups' reasons and ideas are stored as text, read in their threads: the
        # server's language
        language = await server_language(self.db, guild_id)
        by_id = {c.user_id: c for c in candidates}
        # matching and the groups' texts are pure CPU work: off the event loop, together
        result, texts = await asyncio.to_thread(
            self._match_and_explain, candidates, blocks, recent, by_id, language, slot_at
        )
        async with self.db.write() as s:
            inserted = await insert_ignore(
                s,
                CollabRound,
                [
                    {
                        "guild_id": guild_id,
                        "slot_at": slot_at,
                        "manual": manual,
                        "members": len(candidates),
                        "groups": len(result.groups),
                        "repeats": result.repeats,
                        "unplaced": list(result.unplaced),
                        "unplaced_why": {str(u): why for u, why in result.reasons.items()},
                        "total_score": round(result.pair_total, 3),
                        "created_at": now,
                    }
                ],
                ["guild_id", "slot_at"],
            )
            if inserted:
                round_id, groups = await self._store_groups(
                    s, guild_id, slot_at, result, texts, now, timedelta(days=followup_days)
                )
        if not inserted:  # another process stored this slot first: theirs is the round
            stored = await self.round_at(guild_id, slot_at)
            assert stored is not None
            return stored
        return RoundInfo(
            id=round_id,
            guild_id=guild_id,
            slot_at=slot_at,
            manual=manual,
            members=len(candidates),
            groups=tuple(groups),
            repeats=result.repeats,
            unplaced=result.unplaced,
            created=True,
            reasons=dict(result.reasons),
        )

    def _match_and_explain(
        self,
        candidates: list[Candidate],
        blocks: list[tuple[int, int]],
        recent: list[tuple[int, int]],
        by_id: dict[int, Candidate],
        language: str,
        slot_at: datetime,
    ) -> tuple[MatchResult, list[tuple[str, tuple[str, ...]]]]:
        """The round's groups, and each one's reason and collab ideas in ``language``."""
        result = match(candidates, blocked=blocks, recent=recent, workers=self.workers)
        seed = int(slot_at.timestamp()) // 60
        with use_locale(language):
            texts = []
            for i, g in enumerate(result.groups):
                members = [by_id[u] for u in g.members]
                texts.append((explain(members), prompts_for(members, i + seed)))
        return result, texts

    async def _store_groups(
        self,
        s: AsyncSession,
        guild_id: int,
        slot_at: datetime,
        result: MatchResult,
        texts: list[tuple[str, tuple[str, ...]]],
        now: datetime,
        followup: timedelta,
    ) -> tuple[int, list[GroupInfo]]:
        round_id = await s.scalar(
            select(CollabRound.id).where(
                CollabRound.guild_id == guild_id, CollabRound.slot_at == slot_at
            )
        )
        assert round_id is not None
        if not result.groups:
            return round_id, []
        followup_at = now + followup
        rows: list[dict[str, Any]] = [
            {
                "round_id": round_id,
                "guild_id": guild_id,
                "score": g.score,
                "repeat": g.repeat,
                "reason": reason,
                # a tuple (hashable): the stored JSON is dumped once per distinct pair of ideas
                "prompts": prompts,
                "intro": "pending",
                "followup_at": followup_at,
                "created_at": now,
            }
            for g, (reason, prompts) in zip(result.groups, texts, strict=True)
        ]
        conn = await s.connection()
        ids: Sequence[int]
        if conn.dialect.name == "postgresql":
            # Take the ids first and COPY the groups with them: the i-th id is the i-th group
            # whatever order the rows land in.
            ids = sorted(
                (
                    await conn.scalars(
                        text(
                            "SELECT nextval(pg_get_serial_sequence('collab_group', 'id')) "
                            "FROM generate_series(1, :n)"
                        ),
                        {"n": len(rows)},
                    )
                ).all()
            )
            for row, gid in zip(rows, ids, strict=True):
                row["id"] = gid
            await insert_ignore_fast(s, CollabGroup, rows, (), fresh=True)  # fresh ids
        else:
            await insert_ignore_fast(s, CollabGroup, rows, ())
            # SQLite's executemany inserts row after row: the i-th id of this round is the i-th
            # group
            ids = (
                await conn.scalars(
                    select(CollabGroup.id)
                    .where(CollabGroup.round_id == round_id)
                    .order_by(CollabGroup.id)
                )
            ).all()
        member_rows = [
            {"group_id": gid, "guild_id": guild_id, "user_id": uid, "position": pos}
            for gid, g in zip(ids, result.groups, strict=True)
            for pos, uid in enumerate(g.members)
        ]
        # driver-level bulk insert (COPY on PostgreSQL): a fresh round's groups hold nobody yet
        await insert_ignore_fast(
            s, CollabGroupMember, member_rows, ["group_id", "user_id"], fresh=True
        )
        return round_id, [
            GroupInfo(
                id=gid,
                round_id=round_id,
                guild_id=guild_id,
                members=g.members,
                score=row["score"],
                repeat=row["repeat"],
                reason=row["reason"],
                prompts=tuple(row["prompts"]),
                intro="pending",
                thread_id=None,
                followup_at=row["followup_at"],
            )
            for gid, g, row in zip(ids, result.groups, rows, strict=True)
        ]

    async def round_at(self, guild_id: int, slot_at: datetime) -> RoundInfo | None:
        async with self.db.read() as s:
            row = await s.scalar(
                select(CollabRound).where(
                    CollabRound.guild_id == guild_id, CollabRound.slot_at == slot_at
                )
            )
            if row is None:
                return None
            groups = await load_groups(s, CollabGroup.round_id == row.id)
        return RoundInfo(
            id=row.id,
            guild_id=row.guild_id,
            slot_at=row.slot_at,
            manual=row.manual,
            members=row.members,
            groups=tuple(groups),
            repeats=row.repeats,
            unplaced=tuple(row.unplaced or ()),
            created=False,
            reasons={int(u): why for u, why in (row.unplaced_why or {}).items()},
        )

    async def group(self, group_id: int) -> GroupInfo | None:
        async with self.db.read() as s:
            found = await load_groups(s, CollabGroup.id == group_id)
        return found[0] if found else None
