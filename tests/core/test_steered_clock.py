"""The demo's steered clock: another process pauses it, steps it and changes its speed
through a file, and the bot's clock follows without a restart."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.clock import ClockControl, SteeredClock

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def test_follows_pause_step_and_speed_written_by_another_process(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    clock = SteeredClock(path, ClockControl(START.isoformat(), time.time(), 0.0))
    assert clock.now() == START  # paused: time stands still
    assert clock.speed > 0  # waits are divided by it

    # a step: run fast up to a day later, then stand there
    until = START + timedelta(days=1)
    ClockControl(START.isoformat(), time.time() - 10, 1e9, until.isoformat()).write(path)
    clock._refresh(force=True)
    assert clock.now() == until

    # real speed from a known point
    ClockControl(until.isoformat(), time.time(), 1.0).write(path)
    clock._refresh(force=True)
    assert until <= clock.now() < until + timedelta(seconds=5)
    assert clock.speed == 1.0


def test_a_broken_control_file_keeps_the_last_good_time(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    clock = SteeredClock(path, ClockControl(START.isoformat(), time.time(), 0.0))
    path.write_text("{half a wri")
    clock._refresh(force=True)
    assert clock.now() == START
