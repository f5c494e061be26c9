"""`crisisplay handover`: the brief of what is open, the `handover` event, the shifts in
`log show`, and the shift clock on the walk's screen (R13).

The incident is walked for real from an answers file whose every answer has an `at:`
(tests/scheduled.py): first seen 2026-11-02 08:00 UTC, the detect steps at +10 min, the
hold steps at +40 min, stopped right after the holding statement went out on x only.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from answering import UNHAPPY_PATH, answers_for, drive, events, library
from running import Crisisplay
from scheduled import run, scheduled_answers

FIRST_SEEN = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
MINUTES = {"detect": 10, "hold": 40, "verify": 0, "apologise": 0, "remedy": 0, "close": 0}


def walked(home: Path, title: str = "Cold brew") -> str:
    """An open incident: detect done, hold up to its statement (out on x, not elsewhere)."""
    resolved = library(home).load("default")
    template = answers_for(resolved, UNHAPPY_PATH)
    template["hold-draft"] = {
        **template["hold-draft"],
        "published_url": {"x": "https://x.com/brand/status/2"},
    }
    answers = scheduled_answers(
        resolved,
        UNHAPPY_PATH,
        MINUTES,
        first_seen=FIRST_SEEN,
        client="Acme",
        severity=2,
        title=title,
        template=template,
    )
    order = [key for key in template if key != "incident"]
    return run(home, answers, stop_after=order.index("hold-draft") + 1, notes=2)


@pytest.fixture
def incident(crisisplay: Crisisplay) -> str:
    return walked(crisisplay.home)


def handovers(home: Path, incident: str) -> list[dict[str, Any]]:
    return [e for e in events(home, incident) if e["type"] == "handover"]


def test_the_brief_says_what_is_open(crisisplay: Crisisplay, incident: str) -> None:
    code, out, err = crisisplay("handover", "--to", "Marta", "--note", "legal calls at 10")
    assert code == 0, err
    assert "Handover: Cold brew" in out
    assert "Handed over to Marta at" in out
    assert "Note: legal calls at 10" in out
    # the stage it is in, and its deadline: 09:00, long gone
    assert "Now at: Holding statement, step hold-reactive-lines" in out
    assert "Holding statement: due Mon 2 Nov 9:00 UTC (OVERDUE by" in out
    # the holding statement went out on x only: the others are waited for
    assert "facebook (hold-draft)" in out and "instagram (hold-draft)" in out
    assert "x https://x.com/brand/status/2:" in out
    # the notes written during the shift
    assert "note 1: checked the thread again" in out
    assert "note 2: checked the thread again" in out


def test_the_handover_event_has_the_shape_the_pen_reads(
    crisisplay: Crisisplay, incident: str
) -> None:
    code, _out, err = crisisplay("handover", incident, "--to", "Marta")
    assert code == 0, err
    (event,) = handovers(crisisplay.home, incident)
    assert set(event["data"]) == {"to", "note", "brief"}
    assert event["data"]["to"] == "Marta" and event["data"]["note"] is None
    opened = events(crisisplay.home, incident)[0]
    assert event["actor"] == opened["actor"]  # who hands over
    brief = event["data"]["brief"]
    assert brief["incident"] == incident
    assert brief["stage"] == {"id": "hold", "title": "Holding statement"}
    assert [(u["step"], u["platform"]) for u in brief["unpublished"]] == [
        ("hold-draft", "facebook"),
        ("hold-draft", "instagram"),
    ]
    assert brief["last_statement"]["step"] == "hold-draft"
    assert list(brief["last_statement"]["texts"]) == ["x"]
    hold = next(d for d in brief["deadlines"] if d["stage"] == "hold")
    assert hold["due_at"].startswith("2026-11-02T09:00:00") and hold["left_s"] < 0
    # the next brief has only the notes written since this handover
    code, out, _ = crisisplay("handover", incident, "--to", "Luis", "--format", "md")
    assert "## Notes since the last handover\n\n- none" in out


def test_markdown_for_a_chat(crisisplay: Crisisplay, incident: str) -> None:
    code, out, err = crisisplay("handover", "--to", "Marta", "--format", "md")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "# Handover: Cold brew"
    assert "## Deadlines" in lines and "## Not yet published" in lines
    assert "- facebook (hold-draft)" in lines
    assert any(line.startswith("> ") for line in lines)  # the statement, quoted as sent
    assert any(line.startswith("Handed over to Marta at ") for line in lines)


def test_log_show_lists_the_handover_and_the_shifts(crisisplay: Crisisplay, incident: str) -> None:
    crisisplay("handover", "--to", "Marta", "--note", "legal calls at 10")
    code, out, _ = crisisplay("log", "show", incident)
    assert code == 0
    assert "HANDED OVER to Marta — legal calls at 10" in out
    shifts = out[out.index("\nShifts\n") + 1 :].splitlines()[1:3]
    opener = events(crisisplay.home, incident)[0]["actor"]
    assert shifts[0].split()[0] == opener
    assert "08:05 (T+00:05) – " in shifts[0]  # from the opening to the handover
    assert shifts[1].split()[0] == "Marta"
    assert "now (holding it)" in shifts[1]


def test_refused_while_a_walk_holds_the_incident(crisisplay: Crisisplay, incident: str) -> None:
    from crisisplay.incident.session import resume_incident

    lib = library(crisisplay.home)
    session = resume_incident(lib.home, lib, incident).session  # a walk on another screen
    try:
        code, _out, err = crisisplay("handover", incident, "--to", "Marta")
    finally:
        session.close()
    assert code == 1
    assert f"Incident {incident} is being walked right now" in err
    assert "pause it (/pause), then run the handover" in err
    assert handovers(crisisplay.home, incident) == []


def test_which_incident(crisisplay: Crisisplay, incident: str) -> None:
    code, _out, err = crisisplay("handover", "--to", "Marta", home=crisisplay.home.parent / "none")
    assert code == 1 and "There is no open incident to hand over." in err
    code, _out, err = crisisplay("handover", "--to", "")
    assert code == 2 and "--to NAME" in err
    other = walked(crisisplay.home, "Second one")
    code, _out, err = crisisplay("handover", "--to", "Marta")
    assert code == 1
    assert "2 incidents are open" in err and incident in err and other in err
    assert handovers(crisisplay.home, incident) == handovers(crisisplay.home, other) == []


def test_dry_run_records_nothing(crisisplay: Crisisplay, incident: str) -> None:
    code, out, err = crisisplay("handover", "--to", "Marta", "--dry-run")
    assert code == 0 and "Handed over to Marta" in out
    assert "Dry run: nothing was recorded or sent." in err
    assert handovers(crisisplay.home, incident) == []


def test_the_walk_suggests_a_handover_after_shift_hours(
    crisisplay: Crisisplay, incident: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """On the walk's screen: the opener has held it since 2 Nov, far beyond shift_hours."""
    from crisisplay.frontends.interactive import Interrupted, resume_interactive

    (crisisplay.home / "crisisplay.toml").write_text("shift_hours = 2.5\n", encoding="utf-8")
    capsys.readouterr()
    with pytest.raises(Interrupted):
        drive([], resume_interactive, library(crisisplay.home), incident)  # Ctrl-D: pause
    out = " ".join(capsys.readouterr().out.split())  # as wrapped on an 80-column screen
    opener = events(crisisplay.home, incident)[0]["actor"]
    assert f"☕ {opener} has held this incident for " in out
    assert "time to hand over (crisisplay handover --to NAME)" in out


def test_the_shift_clock_starts_again_at_a_handover(crisisplay: Crisisplay, incident: str) -> None:
    from crisisplay.frontends import interactive
    from crisisplay.incident.session import resume_incident

    crisisplay("handover", "--to", "Marta")
    lib = library(crisisplay.home)
    session = resume_incident(lib.home, lib, incident).session
    try:
        interactive.shift = interactive.shift_clock(session)
        (event,) = handovers(crisisplay.home, incident)
        at = datetime.fromisoformat(event["ts"].replace("Z", "+00:00"))
        fresh = interactive.status_line(session, at + timedelta(hours=3, minutes=59)).plain
        tired = interactive.status_line(session, at + timedelta(hours=4, minutes=1)).plain
    finally:
        interactive.shift = None
        session.close()
    assert "hand over" not in fresh  # the default shift is 4 hours
    assert "Marta has held this incident for 4h1m" in tired
