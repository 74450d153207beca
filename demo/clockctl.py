"""The demo's clock controls (pause, step a day, real speed, fast): it writes the control file
the bot's steered clock follows (core.clock.SteeredClock), and reads the same time itself."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

from core.clock import ClockControl

#: a step runs this many clock seconds per real second (a day in 15 s), then stops
STEP_SPEED = 86400 / 15


class DemoClock:
    def __init__(self, path: Path, start: datetime, speed: float) -> None:
        self.path = path
        self.fast_speed = speed
        self._control = ClockControl(start.isoformat(), time.time(), 0.0)
        self._control.write(path)

    def now(self) -> datetime:
        return self._control.now(time.time())

    @property
    def speed(self) -> float:
        """Clock seconds per real second now (0 while paused or when a step arrived)."""
        control = self._control
        if control.until is not None and self.now() >= datetime.fromisoformat(control.until):
            return 0.0
        return control.speed

    @property
    def stepping(self) -> bool:
        return self._control.until is not None and self.speed > 0

    def _set(self, speed: float, until: datetime | None = None) -> None:
        self._control = ClockControl(
            self.now().isoformat(), time.time(), speed, None if until is None else until.isoformat()
        )
        self._control.write(self.path)

    def run(self) -> None:
        self._set(self.fast_speed)

    def pause(self) -> None:
        self._set(0.0)

    def real(self) -> None:
        self._set(1.0)

    def step_day(self) -> None:
        self._set(STEP_SPEED, self.now() + timedelta(days=1))

    def state(self) -> dict[str, object]:
        speed = self.speed
        if speed == 0:
            mode = "paused"
        elif self.stepping:
            mode = "stepping a day"
        elif speed == 1:
            mode = "real speed"
        else:
            mode = f"{speed:g}× (a day in {86400 / speed:.0f} s)"
        return {"now": self.now().isoformat(), "speed": speed, "mode": mode}
