"""Claimed delivery slots: what makes "exactly once per slot" hold across restarts and processes.

A slot is (kind, ref, slot time). Claiming inserts the row; the unique key means only one
claimant ever wins, whatever the number of tasks or processes racing for it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from core.clock import Clock, as_utc
from core.db import Database
from core.sql import insert_ignore
from models.delivery import ScheduledSlot

log = logging.getLogger(__name__)

CLAIMED, DONE, MISSED, FAILED = "claimed", "done", "missed", "failed"


class RetryLater(Exception):
    """Raised by a delivery that failed in a way worth retrying (Discord 5xx, a timeout)."""


@dataclass(frozen=True)
class Slot:
    kind: str
    ref: str
    slot_at: datetime
    status: str


@dataclass(frozen=True)
class Claim:
    """An unfinished claim: somebody (``owner``) started delivering it and hasn't finished."""

    id: int
    kind: str
    ref: str
    slot_at: datetime
    owner: str | None
    claimed_at: datetime
    guild_id: int | None


class SlotStore:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def _insert(
        self,
        kind: str,
        ref: str,
        slot_at: datetime,
        status: str,
        detail: str | None,
        *,
        owner: str | None = None,
        guild_id: int | None = None,
    ) -> bool:
        row = {
            "kind": kind,
            "ref": ref,
            "slot_at": slot_at,
            "status": status,
            "claimed_at": self.clock.now(),
            "finished_at": None if status == CLAIMED else self.clock.now(),
            "detail": detail,
            "owner": owner if status == CLAIMED else None,
            "guild_id": guild_id,
        }
        async with self.db.write() as session:
            return (
                await insert_ignore(session, ScheduledSlot, [row], ["kind", "ref", "slot_at"]) == 1
            )

    async def claim(
        self,
        kind: str,
        ref: str,
        slot_at: datetime,
        *,
        owner: str | None = None,
        guild_id: int | None = None,
    ) -> bool:
        """True for exactly one caller per (kind, ref, slot_at), ever."""
        return await self._insert(kind, ref, slot_at, CLAIMED, None, owner=owner, guild_id=guild_id)

    async def record_missed(
        self, kind: str, ref: str, slot_at: datetime, detail: str, *, guild_id: int | None = None
    ) -> bool:
        return await self._insert(kind, ref, slot_at, MISSED, detail[:500], guild_id=guild_id)

    async def open_claims(self, kinds: Sequence[str]) -> list[Claim]:
        """Every unfinished claim of these kinds, oldest slot first."""
        async with self.db.read() as session:
            rows = (
                await session.scalars(
                    select(ScheduledSlot)
                    .where(ScheduledSlot.status == CLAIMED, ScheduledSlot.kind.in_(kinds))
                    .order_by(ScheduledSlot.slot_at, ScheduledSlot.id)
                )
            ).all()
        return [
            Claim(r.id, r.kind, r.ref, r.slot_at, r.owner, r.claimed_at, r.guild_id) for r in rows
        ]

    async def take_over(self, claim: Claim, owner: str) -> bool:
        """Make an unfinished claim ours, unless somebody else changed it first (atomic)."""
        async with self.db.write() as session:
            result = await session.execute(
                update(ScheduledSlot)
                .where(
                    ScheduledSlot.id == claim.id,
                    ScheduledSlot.status == CLAIMED,
                    ScheduledSlot.owner.is_not_distinct_from(claim.owner),
                )
                .values(owner=owner, claimed_at=self.clock.now())
            )
            return int(getattr(result, "rowcount", 0) or 0) == 1

    async def recorded(
        self, kind: str, keys: Iterable[tuple[str, datetime]]
    ) -> set[tuple[str, datetime]]:
        """Which of these (ref, slot time) already have a row (claimed, done, missed…)."""
        wanted = set(keys)
        if not wanted:
            return set()
        refs = sorted({ref for ref, _ in wanted})
        first = min(at for _, at in wanted)
        found: set[tuple[str, datetime]] = set()
        async with self.db.read() as session:
            for i in range(0, len(refs), 500):
                rows = await session.execute(
                    select(ScheduledSlot.ref, ScheduledSlot.slot_at).where(
                        ScheduledSlot.kind == kind,
                        ScheduledSlot.ref.in_(refs[i : i + 500]),
                        ScheduledSlot.slot_at >= first,
                    )
                )
                found.update((ref, as_utc(at)) for ref, at in rows.all())
        return found & wanted

    async def finish(
        self, kind: str, ref: str, slot_at: datetime, status: str = DONE, detail: str | None = None
    ) -> None:
        async with self.db.write() as session:
            await session.execute(
                update(ScheduledSlot)
                .where(
                    ScheduledSlot.kind == kind,
                    ScheduledSlot.ref == ref,
                    ScheduledSlot.slot_at == slot_at,
                )
                .values(status=status, finished_at=self.clock.now(), detail=detail)
            )

    async def release(self, kind: str, ref: str, slot_at: datetime) -> None:
        """Give a claim back so the slot can be tried again (only after a failed delivery)."""
        async with self.db.write() as session:
            await session.execute(
                delete(ScheduledSlot).where(
                    ScheduledSlot.kind == kind,
                    ScheduledSlot.ref == ref,
                    ScheduledSlot.slot_at == slot_at,
                    ScheduledSlot.status == CLAIMED,
                )
            )

    async def unfinished(self, kind: str, older_than: timedelta = timedelta(0)) -> list[Slot]:
        """Claims never finished: the process died between claim and delivery."""
        cutoff = self.clock.now() - older_than
        async with self.db.read() as session:
            rows = (
                await session.scalars(
                    select(ScheduledSlot)
                    .where(
                        ScheduledSlot.kind == kind,
                        ScheduledSlot.status == CLAIMED,
                        ScheduledSlot.claimed_at <= cutoff,
                    )
                    .order_by(ScheduledSlot.slot_at)
                )
            ).all()
        return [Slot(r.kind, r.ref, r.slot_at, r.status) for r in rows]

    async def last_slot(self, kind: str, ref: str) -> datetime | None:
        async with self.db.read() as session:
            value: datetime | None = await session.scalar(
                select(func.max(ScheduledSlot.slot_at)).where(
                    ScheduledSlot.kind == kind, ScheduledSlot.ref == ref
                )
            )
        return value

    async def history(self, kind: str, ref: str, limit: int = 20) -> list[Slot]:
        async with self.db.read() as session:
            rows = (
                await session.scalars(
                    select(ScheduledSlot)
                    .where(ScheduledSlot.kind == kind, ScheduledSlot.ref == ref)
                    .order_by(ScheduledSlot.slot_at.desc())
                    .limit(limit)
                )
            ).all()
        return [Slot(r.kind, r.ref, r.slot_at, r.status) for r in rows]

    async def run(
        self,
        kind: str,
        ref: str,
        slot_at: datetime,
        deliver: Callable[[], Awaitable[str | None]],
        *,
        reclaim: bool = False,
    ) -> str:
        """Claim, deliver, finish: returns "done", "taken" (someone has it), "retry" or "failed".

        ``reclaim`` is for start-up recovery of a claim this bot already holds.
        """
        if not reclaim and not await self.claim(kind, ref, slot_at):
            return "taken"
        try:
            detail = await deliver()
        except RetryLater as exc:
            log.warning("slot %s/%s@%s will be retried: %s", kind, ref, slot_at, exc)
            await self.release(kind, ref, slot_at)
            return "retry"
        except Exception as exc:
            log.exception("slot %s/%s@%s failed", kind, ref, slot_at)
            await self.finish(kind, ref, slot_at, FAILED, f"{type(exc).__name__}: {exc}"[:500])
            return "failed"
        await self.finish(kind, ref, slot_at, DONE, detail)
        return "done"
