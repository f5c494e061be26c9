"""`crisisplay log show`: the timeline by stage, as a reader sees it.

The incident is walked for real with an `at:` on every answer (tests/scheduled.py): every
step of a stage at one minute after first seen (2026-11-02 08:00 UTC, a Monday).
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from answering import UNHAPPY_PATH, answers_for, events, library
from running import Crisisplay
from scheduled import run, scheduled_answers

FIRST_SEEN = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
# hold at 90 misses its 1 h deadline by 30 min; close at 1000 min is 00:40 the next day
CLOSED = {"detect": 10, "hold": 90, "verify": 120, "apologise": 200, "remedy": 600, "close": 1000}
OPEN = {"detect": 10, "hold": 40}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("show") / "home"
    resolved = library(home).load("default")
    template = answers_for(resolved, UNHAPPY_PATH)

    def answers(title: str, minutes: dict[str, int]) -> dict:
        filled = {s: minutes.get(s, 0) for s in CLOSED}
        return scheduled_answers(
            resolved,
            UNHAPPY_PATH,
            filled,
            first_seen=FIRST_SEEN,
            client="Acme",
            severity=2,
            title=title,
            template=template,
        )

    closed = run(home, answers("Closed one", CLOSED))
    # the detect steps, then the first two of hold: stopped as a Ctrl-C would leave it
    stage_of = {step.id: stage.id for stage, step in resolved.playbook.steps()}
    detect = sum(1 for key in template if stage_of.get(key) == "detect")
    run(home, answers("Open one", OPEN), stop_after=detect + 2)
    damaged = home / "incidents" / "damaged-copy"
    shutil.copytree(home / "incidents" / closed, damaged)
    lines = (damaged / "log.jsonl").read_bytes().splitlines(keepends=True)
    lines[20] = b"{not json\n"
    (damaged / "log.jsonl").write_bytes(b"".join(lines))
    return home


@pytest.fixture(autouse=True)
def wide(crisisplay: Crisisplay, home: Path) -> None:
    """Every run reads this module's incidents, on a terminal wide enough for a whole line."""
    crisisplay.home = home
    crisisplay.env["COLUMNS"] = "400"


def lines_of(out: str) -> list[str]:
    return [line.rstrip() for line in out.splitlines()]


def test_stages_with_their_deadlines(crisisplay: Crisisplay) -> None:
    code, out, _ = crisisplay("log", "show", "closed-one")
    assert code == 0
    lines = lines_of(out)
    assert lines[0] == "Closed one"
    # closed the next day: the day is said, not only the clock
    assert (
        "first seen 2026-11-02 08:00 UTC · opened 08:05 (T+00:05) · "
        "closed Tue 3 Nov 00:40 (T+16:40)"
    ) in out
    assert (
        "Detect and triage — due 08:15 (T+00:15) · done 08:10 (T+00:10) · met, 5 min to spare"
        in lines
    )
    assert (
        "Holding statement — due 09:00 (T+01:00) · done 09:30 (T+01:30) · MISSED by 30 min" in lines
    )
    headers = [line for line in lines if " — due " in line]
    assert [h.split(" — ")[0] for h in headers] == [
        "Detect and triage",
        "Holding statement",
        "Verify the facts",
        "Apologise",
        "Remedy",
        "Close and learn",
    ]


def test_events_with_offsets_clock_times_and_backfill_marks(crisisplay: Crisisplay) -> None:
    _, out, _ = crisisplay("log", "show", "closed-one")
    lines = lines_of(out)
    row = next(line for line in lines if "detect-reach" in line)
    assert row.split() == ["T+00:10", "08:10*", "?", "detect-reach:", "12000"]
    assert any(line.split()[:2] == ["T+16:40", "00:40*"] and "CLOSED" in line for line in lines)
    assert "Tuesday 2026-11-03 (UTC)" in out  # the day changes before the close stage ends
    assert lines[-1].startswith("* happened earlier than recorded (backfilled)")


def test_decisions_show_the_branch_taken(crisisplay: Crisisplay) -> None:
    _, out, _ = crisisplay("log", "show", "closed-one")
    assert (
        "◇ detect-triage: decided “Unhappy customer — something really went wrong for them” "
        "→ detect-escalate" in out
    )
    assert "◇ detect-positive: decided “Negative or critical — assess it” → the next step" in out


def test_statements_in_full_with_platform_and_approver(crisisplay: Crisisplay, home: Path) -> None:
    _, out, _ = crisisplay("log", "show", "closed-one")
    incident = next(p.name for p in (home / "incidents").iterdir() if "closed-one" in p.name)
    drafts = [
        e["data"]
        for e in events(home, incident)
        if e["type"] == "step" and e["data"]["kind"] == "draft"
    ]
    assert len(drafts) == 4
    for d in drafts:
        for platform, text in d["texts"].items():
            assert f"{platform} · published " in out
            for paragraph in filter(None, text.splitlines()):
                assert paragraph.strip() in out, (d["step"], platform)
    approver = drafts[0]["approval"]["by"]
    assert f"approved by {approver} (account-manager) at 09:30 (T+01:30)" in out
    assert "✎ hold-draft: holding-statement published" in out


def test_missed_deadline_is_an_event_and_in_the_summary(crisisplay: Crisisplay) -> None:
    _, out, _ = crisisplay("log", "show", "closed-one")
    assert "✗ DEADLINE MISSED: hold, due 09:00 (T+01:00) (by 30 min when recorded)" in out
    deadlines = lines_of(out.split("\nDeadlines\n")[1].split("\nMetrics\n")[0])
    hold = next(line for line in deadlines if "Holding statement" in line)
    assert hold.split() == (
        [
            "Holding",
            "statement",
            "due",
            "09:00",
            "(T+01:00)",
            "done",
            "09:30",
            "(T+01:30)",
            "MISSED",
            "by",
            "30",
            "min",
        ]
    )


def test_metrics_at_the_end(crisisplay: Crisisplay) -> None:
    _, out, _ = crisisplay("log", "show", "closed-one")
    metrics = {
        line.strip().split("  ")[0]: line
        for line in lines_of(out.split("\nMetrics\n")[1])
        if line.startswith("  ")
    }
    assert "1 h 30 min  (5400 s)" in metrics["time to holding statement"]
    assert "1 h 30 min  (5400 s)" in metrics["time to acknowledge"]
    assert "3 h 20 min  (12000 s)" in metrics["time to apology"]
    assert "10 h 00 min  (36000 s)" in metrics["time to remedy"]
    assert "16 h 40 min  (60000 s)" in metrics["time to close"]
    assert metrics["statements published"].split()[-1] == "4"


def test_open_incident(crisisplay: Crisisplay) -> None:
    code, out, _ = crisisplay("log", "show", "open-one")
    assert code == 0
    assert "OPEN, in stage hold, after hold-pause-scheduled" in out
    lines = lines_of(out)
    assert (
        "Holding statement — due 09:00 (T+01:00) · open: not done yet" in lines
    )  # the stage it is in
    assert "CLOSED" not in out
    closing = next(line for line in lines if "time to close" in line)
    assert closing.split()[-1] == "—"


def test_damaged_log_says_what_is_wrong_and_shows_the_rest(crisisplay: Crisisplay) -> None:
    code, out, err = crisisplay("log", "show", "damaged-copy")
    assert code == 1  # shown, but a script notices
    assert out.startswith("This log FAILED verification (2 problems); below is what can be read:")
    assert "line 21: not valid JSON" in out
    assert "CLOSED (walked)" in out  # the events after the damage are still shown
    assert "worked out from the events that could be read: they may be wrong" in out
    assert "FAILED verification" in err and "Traceback" not in err


def test_flat_listing_and_json_are_kept(crisisplay: Crisisplay, home: Path) -> None:
    code, out, _ = crisisplay("log", "show", "closed-one", "--events")
    assert code == 0
    lines = lines_of(out)
    assert lines[0].split()[0] == "0" and "OPENED" in lines[0]
    assert lines[-1] == "* happened earlier than recorded (backfilled)"
    code, out, _ = crisisplay("log", "show", "closed-one", "--json")
    data = json.loads(out)
    assert data["verification"]["ok"] is True and data["verification"]["problems"] == []
    assert [e["seq"] for e in data["events"]] == list(range(len(data["events"])))
    code, out, _ = crisisplay("log", "show", "damaged-copy", "--json")
    data = json.loads(out)
    assert code == 1 and data["verification"]["ok"] is False
    assert 20 not in [e["seq"] for e in data["events"]]  # the garbled line, and only it
    assert len(data["events"]) == len(events_of(home, "closed-one")) - 1


def events_of(home: Path, part: str) -> list[dict]:
    incident = next(p.name for p in (home / "incidents").iterdir() if part in p.name)
    return events(home, incident)
