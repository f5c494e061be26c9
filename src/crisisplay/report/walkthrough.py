"""An incident's events read back as the walk went: which stage each event belongs to,
where each stage starts (again), the day each falls on, every stage deadline with whether
it was met, and long runs of notes folded. `log show` prints this (cli/timeline.py); the
facts are worked out here, once, from the log and the report's metrics.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from crisisplay.incident.events import Event
from crisisplay.times import rfc3339, when

#: Of a run of consecutive notes longer than FOLD_HEAD + FOLD_TAIL, `log show` prints the
#: first FOLD_HEAD and the last FOLD_TAIL and says how many it folded in between.
FOLD_HEAD = 20
FOLD_TAIL = 5


class Folded:
    """A run of notes `log show` does not print one by one: how many, and where to see them."""

    __slots__ = ("count",)

    def __init__(self, count: int) -> None:
        self.count = count

    @property
    def text(self) -> str:
        from crisisplay.i18n import ngettext

        return "… " + ngettext(
            "{n} note folded here (`crisisplay log show INCIDENT --events` lists every event)",
            "{n} notes folded here (`crisisplay log show INCIDENT --events` lists every event)",
            self.count,
        ).format(n=f"{self.count:,}")


def fold_notes(events: Iterable[Event]) -> Iterator[Event | Folded]:
    """The events with long runs of notes folded, one event in memory at a time (plus the
    last FOLD_TAIL notes of the current run)."""
    from collections import deque

    run = 0
    tail: deque[Event] = deque(maxlen=FOLD_TAIL)
    folded = 0
    for e in events:
        if e.type == "note":
            run += 1
            if run <= FOLD_HEAD:
                yield e
                continue
            if len(tail) == FOLD_TAIL:
                folded += 1
            tail.append(e)
            continue
        if folded:
            yield Folded(folded)
        yield from tail
        tail.clear()
        run = folded = 0
        yield e
    if folded:
        yield Folded(folded)
    yield from tail


@dataclass
class StageStart:
    """The walk enters a stage here (`again`: it had been in it before)."""

    id: str
    title: str
    deadline: dict[str, Any] | None  # the report's deadline row for the stage, if it has one
    again: bool


@dataclass
class Entry:
    """One event (or fold) of the walk, with what changes at it."""

    event: Event | Folded
    time: datetime | None  # when it happened; None for a fold, or a time that cannot be read
    stage: StageStart | None = None  # set on the first event of each run of a stage
    day: date | None = None  # set on the first event of each day


@dataclass
class Walkthrough:
    opened: Event | None  # None: the log does not begin with incident.opened
    first_seen: datetime | None
    titles: dict[str, str]  # stage id -> title
    deadlines: list[dict[str, Any]]  # every stage deadline, walked or not (report rows)
    entries: list[Entry] = field(default_factory=list)
    closed: Event | None = None  # the last incident.closed event
    last_step: tuple[str, str] | None = None  # (stage, step) of the last step recorded
    backfilled: bool = False  # an event happened earlier than it was recorded
    drill: bool = False
    shifts: list[Any] = field(default_factory=list)  # incident.shifts.Shift: who held it when


def event_time(event: Event) -> datetime:
    from crisisplay.incident.walk import parse_time

    return parse_time(event.at or event.ts)


def stage_titles(
    facts: dict[str, Any] | None, given: dict[str, str] | None = None
) -> dict[str, str]:
    """Each stage's title, from the report's facts (stages walked, and every deadline)."""
    titles = dict(given or {})
    deadlines = (facts or {}).get("deadlines") or []
    for row in [*((facts or {}).get("stages") or []), *deadlines]:
        sid = str(row.get("id") or row.get("stage"))
        if row.get("title") and row["title"] != sid:
            titles.setdefault(sid, str(row["title"]))
    return titles


def walkthrough(
    events: Sequence[Event | Folded],
    facts: dict[str, Any] | None = None,
    given_titles: dict[str, str] | None = None,
) -> Walkthrough:
    """The walk in `events` (log order, notes maybe folded); `facts` is the report's
    Facts.to_json() (stage titles, deadlines met or missed)."""
    first = events[0] if events else None
    opened = first if isinstance(first, Event) and first.type == "incident.opened" else None
    deadline_rows = list((facts or {}).get("deadlines") or [])
    titles = stage_titles(facts, given_titles)
    out = Walkthrough(opened, None, titles, deadline_rows)
    if opened is None:
        out.entries = [Entry(e, None) for e in events]
        return out
    from crisisplay.incident.walk import parse_time

    out.first_seen = parse_time(opened.data["first_seen"])
    out.drill = bool(opened.data.get("drill"))
    deadlines = {str(d["stage"]): d for d in deadline_rows}
    seen: set[str] = set()
    current: Any = None
    day: date | None = None
    for event in events:
        if isinstance(event, Folded):
            out.entries.append(Entry(event, None))
            continue
        if event.at:
            out.backfilled = True
        try:
            t = event_time(event)
        except (KeyError, TypeError, ValueError):
            out.entries.append(Entry(event, None))
            continue
        entry = Entry(event, t)
        data = event.data
        if event.type == "step":
            out.last_step = (str(data.get("stage")), str(data.get("step")))
            if data.get("stage") != current:
                current = data.get("stage")
                sid = str(current)
                entry.stage = StageStart(
                    sid, titles.get(sid, sid.capitalize()), deadlines.get(sid), sid in seen
                )
                seen.add(sid)
        elif event.type == "incident.closed":
            out.closed = event
        on = date.fromisoformat(when(rfc3339(t))[:10])
        if on != day:
            day = entry.day = on
        out.entries.append(entry)
    if not out.drill:
        from crisisplay.incident.shifts import shifts

        try:
            out.shifts = shifts(e for e in events if isinstance(e, Event))
        except (KeyError, TypeError, ValueError):
            out.shifts = []  # a time that cannot be read: the events are still shown
    return out


def shift_rows(walk: Walkthrough, now: datetime) -> list[dict[str, Any]]:
    """Each shift as `log show` lists it: who, from, to (None: still holding it), how long
    (up to `now` for the one going on), and how it began (opened, handover, take-over)."""
    return [
        {
            "who": s.who,
            "from": s.start,
            "to": s.end,
            "hours": s.hours(now),
            "how": s.how,
        }
        for s in walk.shifts
    ]


def verdict(deadline: dict[str, Any]) -> tuple[str, int | float | None]:
    """A deadline row's outcome: ("missed", by how much), ("met", with how much to spare),
    ("open", None) not done yet, or its status as recorded; the seconds may be unknown."""
    status = str(deadline.get("status") or "unknown")
    if status == "missed":
        by = deadline.get("missed_by_s")
        return status, by if isinstance(by, int | float) else None
    if status == "met":
        spare = deadline.get("margin_s")
        return status, spare if isinstance(spare, int | float) else None
    return status, None
