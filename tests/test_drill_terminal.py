"""A short drill played end to end in a real terminal (tmux), at high speed."""

from __future__ import annotations

import shutil

import pytest

from crisisplay.incident.log import read_events, verify
from needs import program
from test_drill import QUICK, SCENARIOS
from test_terminal import Terminal, terminal  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.terminal,
    program("tmux"),
]


def test_a_fast_drill_shows_events_as_they_fall_due_and_ends_with_its_score(
    terminal: Terminal,  # noqa: F811
) -> None:
    (terminal.home / "playbooks").mkdir()
    shutil.copy(SCENARIOS / "drill-mini.yaml", terminal.home / "playbooks")
    # ×600: ten scenario minutes a second; the reply at T+3m and the troll at T+6m
    # fall due while the trainee sits at the very first prompt.
    terminal.run("drill", str(QUICK), "--speed", "600")
    terminal.prompt("Ready?")
    terminal.keys("Down", "Enter")
    terminal.wait_for("The store manager wants her post deleted")
    # Nothing typed: the clock alone brings these onto the screen, above the prompt.
    terminal.wait_for("Same here, every summer.", timeout=5)
    screen = terminal.wait_for("An anonymous account mocks the brand", timeout=5)
    assert "(asked after" in screen
    assert "The store manager wants her post deleted" in screen  # the prompt is still there
    terminal.prompt("The store manager wants her post deleted", menu=True)
    terminal.keys("Down", "Down", "Enter")  # Leave it up and answer her
    terminal.prompt("Reply?", menu=True)  # the troll's question comes at the next prompt boundary
    terminal.keys("Down", "Down", "Enter")  # Ignore it
    terminal.prompt("detect-look")
    terminal.keys("Down", "Enter")
    terminal.prompt("detect-triage")
    terminal.keys("Down", "Down", "Enter")  # Unhappy customer
    terminal.prompt("detect-escalate")
    terminal.wait_for("has been unreachable since T+00:00")
    terminal.keys("Down", "Down", "Enter")  # Told them — no answer yet
    terminal.prompt("How did you reach them?")
    terminal.keys("call", "Enter")
    terminal.prompt("hold-issue-summary")
    terminal.keys("some iced coffees were served warm", "Enter")
    terminal.prompt("The statement:")
    terminal.keys("Down", "Enter")  # Accept
    terminal.prompt("Where was it published on x?")
    terminal.keys("Enter")  # not yet
    terminal.prompt("hold-done")
    terminal.keys("Down", "Enter")
    terminal.prompt("Is it out on x now?")  # asked again before the stage ends
    terminal.keys("Enter")
    terminal.prompt("Why is it not published on x?")
    terminal.keys("a drill", "Enter")
    screen = terminal.wait_for("/100")
    assert "Drill: Cold coffee on a hot day (quick) —" in screen
    assert "Deadlines" in screen and "Decisions" in screen
    assert terminal.exit_code() == 0

    (folder,) = list((terminal.home / "incidents").iterdir())
    events = list(read_events(folder / "log.jsonl"))
    assert events[0]["data"]["drill"] is True
    shown = [e["data"]["event"] for e in events if e["type"] == "drill.event"]
    assert shown[:5] == ["first-post", "am-away", "delete-ask", "repost", "troll-bait"]
    decided = [e["data"]["event"] for e in events if e["type"] == "drill.decision"]
    assert decided == ["delete-ask", "troll-bait"]
    assert events[-1]["type"] == "drill.scored"
    assert verify(folder / "log.jsonl").ok
