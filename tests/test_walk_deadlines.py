"""Deadlines: recorded once per stage, only when really missed, with the right lateness."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from answering import DATA, answers_for, events, library, verified, write_yaml
from crisisplay.frontends.scripted import start_scripted

FIRST = datetime.fromisoformat("2026-11-20T08:00:00+00:00")
PLAYBOOK = str(DATA / "branches.yaml")  # detect due 15m, hold 1h, close 3h


def walk(
    home: Path,
    choose: dict[str, str],
    times: dict[str, int],
    playbook: str = PLAYBOOK,
    severity: int = 2,
) -> list[dict[str, Any]]:
    """Walk with every step backfilled: `times` gives minutes after first seen for named
    steps; the others take the time of the step before them."""
    resolved = library(home).load(playbook)
    answers = answers_for(
        resolved, choose, {"variables": {"product": "oat latte"}, "severity": severity}
    )
    minute = 5
    for key in list(answers):
        if key == "incident":
            continue
        minute = times.get(key, minute)
        at = (FIRST + timedelta(minutes=minute)).isoformat()
        value = answers[key]
        answers[key] = (
            {**value, "at": at} if isinstance(value, dict) else {"value": value, "at": at}
        )
    path = write_yaml(home / "answers.yaml", answers)
    session = start_scripted(
        library(home),
        path,
        playbook=playbook,
        client=None,
        title=None,
        severity=None,
        first_seen=None,
    )
    evs = events(home, session.incident.id)
    assert verified(home, session.incident.id)
    assert evs[-1]["type"] == "incident.closed"
    return evs


def missed(evs: list[dict[str, Any]]) -> dict[str, int]:
    out = {}
    for e in evs:
        if e["type"] == "deadline.missed":
            assert e["data"]["stage"] not in out, "recorded twice"
            out[e["data"]["stage"]] = e["data"]["missed_by_s"]
    return out


HOLD = {"d-route": "Hold", "h-after": "Carry on"}


def test_all_on_time_records_nothing(tmp_path: Path) -> None:
    evs = walk(tmp_path, HOLD, {"d-url": 6, "h-draft": 20, "c-check": 100})
    assert missed(evs) == {}


def test_stage_completed_late_once_with_its_lateness(tmp_path: Path) -> None:
    evs = walk(tmp_path, HOLD, {"d-url": 6, "d-last": 45, "h-draft": 50, "c-check": 100})
    assert missed(evs) == {"detect": 30 * 60}
    event = next(e for e in evs if e["type"] == "deadline.missed")
    assert event["at"] == "2026-11-20T08:45:00.000000Z"


def test_late_inside_the_stage_is_recorded_while_in_it(tmp_path: Path) -> None:
    evs = walk(tmp_path, HOLD, {"d-url": 6, "h-draft": 20, "h-after": 90, "c-check": 100})
    # h-draft at 20 min: hold (due 60) still open; h-after at 90 completes it 30 min late
    assert missed(evs) == {"hold": 30 * 60}


def test_walk_still_before_a_stage_when_its_due_passes(tmp_path: Path) -> None:
    evs = walk(tmp_path, HOLD, {"d-url": 6, "d-number": 70, "h-draft": 75, "c-check": 100})
    got = missed(evs)
    assert got["detect"] == 55 * 60
    assert got["hold"] == 10 * 60  # flagged at d-number (70 min) while still in detect
    assert "close" not in got


def test_stages_jumped_over_are_never_missed(tmp_path: Path) -> None:
    evs = walk(tmp_path, {"d-route": "Straight to close"}, {"d-url": 6, "c-check": 170})
    assert missed(evs) == {}  # hold (due 60) was jumped over; close done at 170 < 180
    evs = walk(tmp_path, {"d-route": "Straight to close"}, {"d-url": 6, "c-check": 200})
    assert missed(evs) == {"close": 20 * 60}


def test_walk_that_ends_early_misses_nothing_later(tmp_path: Path) -> None:
    evs = walk(tmp_path, {"d-route": "Ignore"}, {"d-url": 6, "d-route": 14})
    assert missed(evs) == {}


def test_severity_tightens_a_deadline(tmp_path: Path) -> None:
    choose = {"detect-positive": "Negative", "detect-triage": "Unhappy", "verify-fault": "Yes"}
    times = {
        "detect-post-url": 5,
        "hold-acknowledge": 10,
        "hold-point-to-statement": 40,
        "verify-handover": 41,
        "apologise-elements": 120,
        "remedy-deliver": 300,
        "close-summary": 400,
    }
    assert missed(walk(tmp_path, choose, times, "default", severity=2)) == {}
    assert missed(walk(tmp_path, choose, times, "default", severity=1)) == {"hold": 600}


def test_newly_missed_never_flags_a_stage_done_on_time() -> None:
    from crisisplay.incident.walk import Incident, Walk

    resolved = library(Path("/nonexistent")).load(PLAYBOOK)
    w = Walk(resolved, Incident("x", "t", 2, "c", "c", FIRST, FIRST, {}))
    for n, (_, step) in enumerate(resolved.playbook.steps()[:9]):
        data = {"step": step.id, "stage": "detect", "kind": step.kind}
        if step.kind == "decide":
            data.update(option="Jump to the last detect step", goto="d-last")
        w.apply({"type": "step", "data": data, "ts": f"2026-11-20T08:{n + 1:02d}:00Z"})
    w.apply(
        {"type": "step", "data": {"step": "d-last", "kind": "note"}, "ts": "2026-11-20T08:12:00Z"}
    )
    assert w.stage_done["detect"] == FIRST + timedelta(minutes=12)
    assert w.newly_missed(FIRST + timedelta(hours=2)) == [w.deadline_for("hold")]
    assert [d.stage for d in w.newly_missed(FIRST + timedelta(minutes=30))] == []
