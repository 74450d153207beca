"""The injected clock: anything about time asks it, so tests move time without sleeping."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    #: how many clock seconds pass per real second (1 but for demos and timing tests)
    speed: float

    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    speed = 1.0

    def now(self) -> datetime:
        return datetime.now(UTC)


class ScaledClock:
    """A clock that runs ``speed`` times faster than real time: a week of rotations, rounds and
    check-ins in minutes, for the demo and for timing tests of the real process.

    It reads ``start`` at the wall-clock moment ``real_start`` (Unix seconds; default: now), so
    a process restarted with the same settings continues the same timeline. Waits are scaled by
    the delivery mechanism, which divides by ``speed``.
    """

    def __init__(
        self, speed: float, start: datetime | None = None, real_start: float | None = None
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be > 0")
        self.speed = speed
        self._real_start = time.time() if real_start is None else real_start
        self._start = (start or datetime.fromtimestamp(self._real_start, UTC)).astimezone(UTC)

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(time.time() - self._real_start) * self.speed)


class ManualClock:
    """A clock tests set and advance by hand."""

    speed = 1.0

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 5, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = when.astimezone(UTC)

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now


def as_utc(value: datetime) -> datetime:
    """Databases hand back naive datetimes (SQLite) or aware ones (PostgreSQL); make them equal."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
