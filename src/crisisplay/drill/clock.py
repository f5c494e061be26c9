"""The drill's simulated clock: scenario time running `speed` times faster than real time."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta


class SimClock:
    """Scenario time as a datetime: `start` is scenario time 0 (the incident's first_seen).

    `elapsed` is the scenario time already played when this clock starts (a resumed drill
    goes on where it stopped: the pause did not run the clock). `source` is a monotonic
    seconds counter, so changes to the system clock never move scenario time.
    """

    def __init__(
        self,
        start: datetime,
        speed: float,
        *,
        elapsed: timedelta = timedelta(0),
        source: Callable[[], float] = time.monotonic,
    ) -> None:
        if speed <= 0:
            raise ValueError("a drill's speed is a positive number")
        self.start = start
        self.speed = speed
        self._base = elapsed
        self._source = source
        self._real0 = source()

    def elapsed(self) -> timedelta:
        return self._base + timedelta(seconds=(self._source() - self._real0) * self.speed)

    def now(self) -> datetime:
        return self.start + self.elapsed()

    def real_seconds_until(self, when: datetime) -> float:
        """How long, in real seconds, until scenario time reaches `when` (0 if past)."""
        return max(0.0, (when - self.now()).total_seconds() / self.speed)
