"""The injected clock: anything about time asks it, so tests move time without sleeping."""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol


class Clock(Protocol):
    @property
    def speed(self) -> float:
        """How many clock seconds pass per real second (1 but for demos and timing tests)."""
        ...

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


@dataclass(frozen=True)
class ClockControl:
    """Where a steered clock stands: it read ``at`` at the Unix time ``real`` and moves
    ``speed`` clock seconds per real second (0 = paused), never past ``until`` when set."""

    at: str
    real: float
    speed: float
    until: str | None = None

    def now(self, real_now: float) -> datetime:
        moved = datetime.fromisoformat(self.at) + timedelta(
            seconds=max(0.0, real_now - self.real) * self.speed
        )
        if self.until is not None:
            moved = min(moved, datetime.fromisoformat(self.until))
        return moved.astimezone(UTC)

    def write(self, path: Path) -> None:
        """Atomically (a reader never sees half a file)."""
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(asdict(self)))
        os.replace(tmp, path)

    @classmethod
    def read(cls, path: Path) -> ClockControl:
        data = json.loads(path.read_text())
        return cls(
            at=str(data["at"]),
            real=float(data["real"]),
            speed=float(data["speed"]),
            until=None if data.get("until") is None else str(data["until"]),
        )


class SteeredClock:
    """A fast clock another process steers at run time (the demo's pause, step-a-day and
    real-speed controls), through a small JSON file (CLOCK_CONTROL) it re-reads when it changes.

    Only built when CLOCK_CONTROL is set: production never reads a file for the time. Waits are
    divided by ``speed``; while paused that is a tiny positive number (nothing comes due, and
    the delivery sweep re-arms every few seconds, so a resume or a step is seen at once).
    """

    #: how often (real seconds) the file's modification time is looked at
    POLL = 0.1

    def __init__(self, path: Path, initial: ClockControl) -> None:
        self.path = path
        self._control = initial
        self._mtime = 0.0
        self._checked = 0.0
        if not path.exists():
            initial.write(path)
        self._refresh(force=True)

    def _refresh(self, *, force: bool = False) -> None:
        real = time.monotonic()
        if not force and real - self._checked < self.POLL:
            return
        self._checked = real
        try:
            mtime = self.path.stat().st_mtime
            if force or mtime != self._mtime:
                self._control = ClockControl.read(self.path)
                self._mtime = mtime
        except (OSError, ValueError, KeyError):
            pass  # mid-replace or removed: keep the last good control

    @property
    def control(self) -> ClockControl:
        self._refresh()
        return self._control

    @property
    def speed(self) -> float:
        return max(self.control.speed, 1e-3)

    def now(self) -> datetime:
        return self.control.now(time.time())


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
