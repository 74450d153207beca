"""Claimed delivery slots: what makes "exactly once per slot" hold across restarts and processes.

A slot is (kind, ref, slot time). Claiming inserts the row; the unique key means only one
claimant ever wins, whatever the number of tasks or processes racing for it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from core.clock import Clock
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


class SlotStore:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def _insert(
        self, kind: str, ref: str, slot_at: datetime, status: str, detail: str | None
    ) -> bool:
        row = {
            "kind": kind,
            "ref": ref,
            "slot_at": slot_at,
            "status": status,
            "claimed_at": self.clock.now(),
            "finished_at": None if status == CLAIMED else self.clock.now(),
            "detail": detail,
        }
        async with self.db.write() as session:
            return (
                await insert_ignore(session, ScheduledSlot, [row], ["kind", "ref", "slot_at"]) == 1
            )

    async def claim(self, kind: str, ref: str, slot_at: datetime) -> bool:
        """True for exactly one caller per (kind, ref, slot_at), ever."""
        return await self._insert(kind, ref, slot_at, CLAIMED, None)

    async def record_missed(self, kind: str, ref: str, slot_at: datetime, detail: str) -> bool:
        return await self._insert(kind, ref, slot_at, MISSED, detail[:500])

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
            return await session.scalar(
                select(func.max(ScheduledSlot.slot_at)).where(
                    ScheduledSlot.kind == kind, ScheduledSlot.ref == ref
                )
            )

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
