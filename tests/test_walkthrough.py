"""The walk read back for `log show` (report/walkthrough.py): which stage each event belongs
to, where the walk enters a stage again, the day each event falls on, and each deadline's
verdict, worked out once so that the CLI only prints them."""

from __future__ import annotations

from datetime import date
from typing import Any

from crisisplay.incident import events as ev
from crisisplay.report.walkthrough import Folded, fold_notes, verdict, walkthrough

BASE: dict[str, Any] = {"v": 1, "prev": "", "actor": "cm@desk"}


def _event(seq: int, kind: str, ts: str, data: dict[str, Any], at: str | None = None) -> Any:
    raw = {**BASE, "seq": seq, "type": kind, "ts": ts, "data": data}
    if at is not None:
        raw["at"] = at
    return ev.from_dict(raw)


OPENED = {
    "incident": "x",
    "title": "Cold brew",
    "severity": 2,
    "client": {"name": "Bean There", "slug": "bean-there"},
    "first_seen": "2026-11-20T23:00:00Z",
    "playbook": {"id": "default", "version": "1.0.0", "language": "en"},
}


def _step(seq: int, stage: str, step: str, ts: str, at: str | None = None) -> Any:
    data = {"stage": stage, "step": step, "kind": "ask", "status": "done", "value": "v"}
    return _event(seq, "step", ts, data, at)


EVENTS = [
    _event(0, "incident.opened", "2026-11-20T23:05:00.000000Z", OPENED),
    _step(1, "detect", "detect-a", "2026-11-20T23:10:00.000000Z"),
    _step(2, "detect", "detect-b", "2026-11-20T23:40:00.000000Z"),
    _step(3, "hold", "hold-a", "2026-11-21T00:20:00.000000Z", at="2026-11-21T00:10:00Z"),
    _step(4, "detect", "detect-c", "2026-11-21T00:30:00.000000Z"),
    _event(5, "incident.closed", "2026-11-21T00:40:00.000000Z", {"outcome": "walked"}),
]
FACTS = {
    "stages": [{"id": "detect", "title": "Detect and triage"}, {"id": "hold", "title": "Hold"}],
    "deadlines": [
        {"stage": "detect", "title": "Detect and triage", "status": "met", "margin_s": 300},
        {"stage": "hold", "title": "Hold", "status": "missed", "missed_by_s": 600},
        {"stage": "verify", "title": "Verify", "status": "not reached"},
    ],
}


def test_each_event_knows_its_stage_and_where_the_walk_comes_back() -> None:
    walk = walkthrough(EVENTS, FACTS)
    starts = [(e.event.seq, e.stage.title, e.stage.again) for e in walk.entries if e.stage]
    assert starts == [
        (1, "Detect and triage", False),
        (3, "Hold", False),
        (4, "Detect and triage", True),
    ]
    hold = next(e.stage for e in walk.entries if e.stage and e.stage.id == "hold")
    assert hold.deadline is not None and verdict(hold.deadline) == ("missed", 600)
    assert [d["stage"] for d in walk.deadlines] == ["detect", "hold", "verify"]  # unwalked too
    assert walk.last_step == ("detect", "detect-c")
    assert walk.closed is not None and walk.closed.seq == 5
    assert walk.backfilled  # hold-a happened before it was recorded


def test_days_change_at_midnight_and_backfilled_events_count_when_they_happened() -> None:
    walk = walkthrough(EVENTS, FACTS)
    days = [(e.event.seq, e.day) for e in walk.entries if e.day]
    assert days == [(0, date(2026, 11, 20)), (3, date(2026, 11, 21))]
    assert walk.entries[3].time is not None and walk.entries[3].time.minute == 10  # its `at`


def test_verdicts() -> None:
    assert verdict({"status": "met", "margin_s": 300}) == ("met", 300)
    assert verdict({"status": "missed", "missed_by_s": None}) == ("missed", None)
    assert verdict({"status": "open"}) == ("open", None)


def test_a_log_that_does_not_open_an_incident_is_shown_as_recorded() -> None:
    walk = walkthrough(EVENTS[1:], FACTS)
    assert walk.opened is None and all(e.stage is None for e in walk.entries)


def test_folded_notes_keep_their_place() -> None:
    notes = [
        _event(n, "note", "2026-11-20T23:20:00.000000Z", {"text": f"n{n}"}) for n in range(6, 106)
    ]
    out = list(fold_notes([*EVENTS[:2], *notes, *EVENTS[2:]]))
    walk = walkthrough(out, FACTS)
    folds = [e for e in walk.entries if isinstance(e.event, Folded)]
    assert len(folds) == 1 and folds[0].time is None and folds[0].event.count == 75
