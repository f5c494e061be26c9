"""What a drill's log says: the scenario events shown, the decisions taken, where it ended.

Both the runner (to resume without showing anything twice) and the scoring read the log
through this, so a score can always be recomputed from the log and the scenario alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from crisisplay.incident.walk import parse_time

STARTED, EVENT, DECISION, ENDED, SCORED = (
    "drill.started",
    "drill.event",
    "drill.decision",
    "drill.ended",
    "drill.scored",
)


def when(event: dict[str, Any]) -> datetime:
    """When an event happened: `at` (scenario time, in a drill) or else `ts`."""
    return parse_time(event.get("at") or event["ts"])


@dataclass
class DrillLog:
    first_seen: datetime
    started: dict[str, Any] | None = None
    shown: dict[str, dict[str, Any]] = field(default_factory=dict)  # scenario event id -> data
    decisions: dict[str, dict[str, Any]] = field(default_factory=dict)
    ended: dict[str, Any] | None = None
    scored: dict[str, Any] | None = None
    last: datetime | None = None  # the latest scenario time recorded

    @classmethod
    def read(cls, events: list[dict[str, Any]]) -> DrillLog:
        opened = events[0]["data"]
        out = cls(parse_time(opened["first_seen"]))
        for event in events:
            kind, data = event["type"], event.get("data", {})
            if kind == STARTED:
                out.started = data
            elif kind == EVENT:
                out.shown[data["event"]] = data
            elif kind == DECISION:
                out.decisions[data["event"]] = data
            elif kind == ENDED:
                out.ended = data
            elif kind == SCORED:
                out.scored = data
            if event.get("at") is not None:
                t = parse_time(event["at"])
                out.last = t if out.last is None or t > out.last else out.last
        return out

    def elapsed(self) -> timedelta:
        """Scenario time played so far (where a resumed drill's clock starts again)."""
        return (self.last - self.first_seen) if self.last else timedelta(0)
