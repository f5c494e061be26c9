"""Who holds an incident (the pen), since when, and the shifts so far, from its log (R13:
nobody manages a crisis for eighteen hours straight; on-call work is shared and handed
over).

The pen belongs to whoever opened the incident, until a ``handover`` event gives it to
its ``to`` or a ``pen.taken`` event (a take-over, see ``pen``) to its ``who``. Each
holder's time is a shift: who, from, to (None while it lasts).

Read by the walk's screen (the shift clock), ``handover`` (the brief) and ``log show``
(report/walkthrough.py): worked out here once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any


@dataclass
class Shift:
    who: str
    start: datetime
    end: datetime | None  # None: the shift goes on
    how: str  # "opened", "handover" or "take-over": how it began

    def hours(self, now: datetime) -> float:
        return ((self.end or now) - self.start).total_seconds() / 3600


def _fields(event: Any) -> tuple[str, str, dict[str, Any], str]:
    """(type, actor, data, when) of an event or of a decoded log line."""
    if isinstance(event, dict):
        return (
            str(event.get("type", "")),
            str(event.get("actor", "")),
            event.get("data") or {},
            str(event.get("at") or event.get("ts") or ""),
        )
    return event.type, event.actor, event.data, event.at or event.ts


def moves_pen(kind: str, data: dict[str, Any]) -> bool:
    """Whether an event gives the pen to someone else: the events `pen.holder` reads."""
    return kind in ("handover", "pen.taken")


def shifts(events: Iterable[Any]) -> list[Shift]:
    """The shifts of the incident whose events (log order) are given: one per holder of
    the pen, the last still going unless the incident was closed."""
    from crisisplay.incident.walk import parse_time as read_time

    out: list[Shift] = []
    for event in events:
        kind, actor, data, stamp = _fields(event)
        if kind == "incident.opened" and not out:
            out.append(Shift(actor or "?", read_time(stamp), None, "opened"))
            continue
        if not out:
            continue
        if moves_pen(kind, data):
            t = read_time(stamp)
            taker = data.get("to") if kind == "handover" else data.get("who") or actor
            who = str(taker or "")
            out[-1].end = t
            out.append(
                Shift(who or "?", t, None, "handover" if kind == "handover" else "take-over")
            )
        elif kind == "incident.closed":
            out[-1].end = read_time(stamp)
        elif kind == "incident.reopened" and out[-1].end is not None:
            out.append(Shift(out[-1].who, read_time(stamp), None, "opened"))
    return out


def holder(events: Iterable[Any]) -> Shift | None:
    """The shift going on now (None: no incident.opened, or the incident is closed)."""
    found = shifts(events)
    return found[-1] if found and found[-1].end is None else None


def over(shift: Shift | None, hours: float, now: datetime) -> bool:
    """Whether `shift` has gone on for `hours` or more by `now`: time to hand over."""
    return shift is not None and shift.end is None and shift.hours(now) >= hours


def walked_by(folder: Path) -> dict[str, Any] | None:
    """Who holds the incident's writer lock right now (a walk on screen): what the lock
    file says about them ({user, host, pid, tty, since}, maybe empty); None if nobody."""
    import fcntl
    import json
    import os

    try:
        fd = os.open(folder / "log.lock", os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None  # never locked (or not a file we would open): nobody is walking it
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            try:
                who = json.loads(os.pread(fd, 4096, 0) or b"{}")
            except (OSError, ValueError):
                who = {}
            return who if isinstance(who, dict) else {}
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
