"""core.sql.insert_ignore_fast on SQLite and PostgreSQL (both its paths there: a driver-level
executemany, and COPY through a scratch table from COPY_FROM rows): every row lands with its
values as the ORM reads them, and a row whose unique key exists is skipped, never doubled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from core.db import Database
from core.outbox import DM, outbox_row
from core.sql import COPY_FROM, insert_ignore_fast
from models.delivery import OutboxMessage

NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


def rows(first: int, count: int, payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        outbox_row(
            kind=DM,
            target_id=1000 + i,
            guild_id=7,
            purpose="bulk_test",
            payload=payload,  # one object shared by every row: converted once
            dedupe_key=f"bulk:{i}",
            now=NOW,
            not_before=NOW + timedelta(seconds=i % 3),
        )
        for i in range(first, first + count)
    ]


@pytest.mark.parametrize("count", [10, COPY_FROM + 200])
async def test_bulk_rows_land_once_with_their_values(db: Database, count: int) -> None:
    payload = {"guild_id": "7", "period": "2026-03-02", "names": ["añá", "💞"]}
    async with db.write() as s:
        await insert_ignore_fast(s, OutboxMessage, rows(0, count, payload), ["dedupe_key"])
    # again, half of them known already: only the new half is inserted, nothing doubled
    other = {"guild_id": "7", "period": "later"}
    async with db.write() as s:
        await insert_ignore_fast(s, OutboxMessage, rows(count // 2, count, other), ["dedupe_key"])
    async with db.read() as s:
        total = await s.scalar(select(func.count()).select_from(OutboxMessage))
        first = await s.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == "bulk:1"))
        last = await s.scalar(
            select(OutboxMessage).where(
                OutboxMessage.dedupe_key == f"bulk:{count + count // 2 - 1}"
            )
        )
        due_now = await s.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.next_attempt_at <= NOW)
        )
    assert total == count + count // 2
    assert first is not None and first.payload == payload and first.status == "pending"
    assert first.next_attempt_at == NOW + timedelta(seconds=1) and first.created_at == NOW
    assert (
        last is not None
        and last.payload == other
        and last.target_id == 1000 + count + count // 2 - 1
    )
    assert due_now == len([i for i in range(count + count // 2) if i % 3 == 0])


async def test_a_failed_transaction_leaves_no_bulk_rows(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.write() as s:
            await insert_ignore_fast(
                s, OutboxMessage, rows(0, COPY_FROM + 10, {"a": 1}), ["dedupe_key"]
            )
            raise RuntimeError("the rest of the operation failed")
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)) == 0
