"""Process heartbeats: how a claim's holder is known to be alive.

Each process registers a row and renews it every few seconds; a claim whose owner's row is
older than the lease (or gone, after a clean shutdown) is free to be taken over.
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import timedelta

from sqlalchemy import delete, select, update

from core.clock import Clock
from core.db import Database
from models.delivery import ProcessLease

DEFAULT_LEASE = timedelta(seconds=12)


class LeaseStore:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        lease: timedelta = DEFAULT_LEASE,
        shard_count: int | None = None,
        shard_ids: tuple[int, ...] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.lease = lease
        self.shard_count = shard_count
        self.shard_ids = shard_ids
        #: this process, as the owner of its claims (unique across restarts and hosts)
        self.owner = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"

    async def beat(self) -> None:
        """Renew this process's heartbeat (registering again if the row went missing)."""
        now = self.clock.now()
        async with self.db.write() as session:
            result = await session.execute(
                update(ProcessLease)
                .where(ProcessLease.owner == self.owner)
                .values(heartbeat_at=now)
            )
            if int(getattr(result, "rowcount", 0) or 0) == 0:
                session.add(
                    ProcessLease(
                        owner=self.owner,
                        started_at=now,
                        heartbeat_at=now,
                        shard_count=self.shard_count,
                        shard_ids=",".join(map(str, self.shard_ids)) if self.shard_ids else None,
                        host=socket.gethostname()[:200],
                        pid=os.getpid(),
                    )
                )

    async def live_owners(self) -> set[str]:
        cutoff = self.clock.now() - self.lease
        async with self.db.read() as session:
            rows = await session.scalars(
                select(ProcessLease.owner).where(ProcessLease.heartbeat_at >= cutoff)
            )
            return set(rows.all())

    async def release(self) -> None:
        """A clean shutdown: our unfinished claims (if any) can be taken over at once."""
        async with self.db.write() as session:
            await session.execute(delete(ProcessLease).where(ProcessLease.owner == self.owner))

    async def forget_dead(self, older_than: timedelta = timedelta(days=1)) -> None:
        cutoff = self.clock.now() - older_than
        async with self.db.write() as session:
            await session.execute(delete(ProcessLease).where(ProcessLease.heartbeat_at < cutoff))
