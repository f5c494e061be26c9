"""The drill's simulated clock: scenario time running `speed` times faster than real time."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
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
        self._rate = speed  # scenario seconds per real second, now
        self._lock = threading.Lock()
        self.typed = timedelta(0)  # scenario time spent typing, charged at real time

    def elapsed(self) -> timedelta:
        with self._lock:
            return self._base + timedelta(seconds=(self._source() - self._real0) * self._rate)

    def _set_rate(self, rate: float) -> timedelta:
        now = self.elapsed()
        with self._lock:
            self._base, self._real0, self._rate = now, self._source(), rate
        return now

    @contextlib.contextmanager
    def typing(self) -> Iterator[None]:
        """While a text is written or edited the clock runs at real time (×1): a drill
        trains reading and deciding under pressure, not typing speed."""
        if self._rate != self.speed:  # already typing (nested)
            yield
            return
        began = self._set_rate(1.0)
        try:
            yield
        finally:
            self.typed += self._set_rate(self.speed) - began

    def now(self) -> datetime:
        return self.start + self.elapsed()

    def real_seconds_until(self, when: datetime) -> float:
        """How long, in real seconds, until scenario time reaches `when` (0 if past)."""
        return max(0.0, (when - self.now()).total_seconds() / self._rate)
