"""An interactive drill driven with real keystrokes (prompt_toolkit's pipe input)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from answering import (
    cli,
    drive,
    drive_typing_ahead,
    events,
    key_chunks,
    library,
    verified,
    write_yaml,
)
from crisisplay.cli.drill_cmd import drill
from crisisplay.drill.runner import resume_drill
from crisisplay.frontends.interactive import Interrupted
from crisisplay.frontends.interactive import resume_interactive as resume_walk
from crisisplay.incident.walk import parse_time
from test_drill import QUICK, SCENARIOS

DOWN, ENTER, CTRL_C = "\x1b[B", "\r", "\x03"


def resume_interactive(lib: Any, incident: Any) -> None:
    """`crisisplay resume` at a terminal: a paused drill goes on as a drill."""
    resume_walk(lib, incident, resume_drill=resume_drill)


# At ×1 only the events at T+0 fall due while the keys are typed: the decision about the
# store manager's request comes first, then the steps of the mini protocol.
# Menus open with nothing selected: the first option is one arrow down.
START = DOWN + ENTER  # "Start the clock"
DECIDE = DOWN * 2 + ENTER  # "Leave it up and answer her"
STEPS_TO_TRIAGE = DOWN + ENTER + DOWN * 2 + ENTER  # detect-look done; "Unhappy customer"
NOTIFY_ACKNOWLEDGED = DOWN + ENTER + "call" + ENTER  # "Told them — they acknowledged"; by call
REST = (
    "some iced coffees were served warm"
    + ENTER
    + DOWN
    + ENTER  # accept the statement
    + "https://x.com/beanco/1"
    + ENTER
    + "now"
    + ENTER  # published now (typed: an empty answer is asked again)
    + DOWN
    + ENTER  # hold-done
)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "playbooks").mkdir()
    shutil.copy(SCENARIOS / "drill-mini.yaml", tmp_path / "playbooks")
    monkeypatch.setenv("CRISISPLAY_HOME", str(tmp_path))
    return tmp_path


def play(keys: str) -> None:
    drive(
        keys,
        drill,
        scenario=str(QUICK),
        list_=False,
        playbook=None,
        speed=1,
        answers=None,
        as_json=False,
        fail_under=None,
    )


def only_incident(home: Path) -> str:
    (folder,) = list((home / "incidents").iterdir())
    return folder.name


def test_a_drill_played_with_keystrokes_is_recorded_and_scored(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    play(START + DECIDE + STEPS_TO_TRIAGE + NOTIFY_ACKNOWLEDGED + REST)
    out = capsys.readouterr().out
    incident = only_incident(home)
    evs = events(home, incident)
    assert evs[0]["data"]["drill"] is True
    assert [e["data"]["event"] for e in evs if e["type"] == "drill.event"] == [
        "first-post",
        "am-away",
        "delete-ask",
    ]
    (decision,) = [e["data"] for e in evs if e["type"] == "drill.decision"]
    assert decision["option"] == "Leave it up and answer her" and decision["mistake"] is None
    # The decision came before the first step: it was due when the clock started.
    kinds = [e["type"] for e in evs]
    assert kinds.index("drill.decision") < kinds.index("step")
    # Every answer is stamped with the scenario clock.
    assert all("at" in e for e in evs if e["type"] in ("step", "drill.decision"))
    score = evs[-1]["data"]
    assert evs[-1]["type"] == "drill.scored"
    # The clock's time spent writing (at ×1) is kept with the end, for the debrief.
    (ended,) = [e["data"] for e in evs if e["type"] == "drill.ended"]
    assert isinstance(ended["typed_s"], int) and score["ended"]["typed_s"] == ended["typed_s"]
    # The account manager was unreachable, yet the notify step says they acknowledged.
    assert [(i["code"], i["subject"]) for i in score["items"]] == [
        ("unreachable-acknowledged", "detect-escalate")
    ]
    # Decisions' worst case in the quick scenario is 50 (see test_drill): 5 × 35/50 = 3.5.
    assert score["total"] == 96.5
    assert "⚠ The account-manager has been unreachable since T+00:00" in out
    # The intro's counts are --list's: 6 events, 3 decision events + 1 expectation.
    said = " ".join(out.split())
    assert "6 events, 4 decision points" in said
    assert "The drill ends when the walk ends." in said
    # The end is announced, with why, the speed, and how many events came.
    assert "■ The drill is over." in said
    assert "Drill: Cold coffee on a hot day (quick) — 96.5/100" in out
    assert "Played in real time." in said
    assert "The drill ended at T+00:00: the walk is complete. 3 of its 6 events" in said
    assert "Paid for iced coffee, got a warm one." in out  # the post, as shown
    assert out.strip().splitlines()[-1] == incident
    assert verified(home, incident)


def test_a_spanish_drill_speaks_spanish_around_an_english_walk(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drive(
        START + DECIDE + STEPS_TO_TRIAGE + NOTIFY_ACKNOWLEDGED + REST,
        drill,
        scenario=str(SCENARIOS / "quick-es.yaml"),
        list_=False,
        playbook=None,
        speed=1,
        answers=None,
        as_json=False,
        fail_under=None,
    )
    out = capsys.readouterr().out
    assert "Simulacro · Café frío en un día de calor" in out
    assert "Publicación en X — Ana Ruiz @anaruiz · 15.200 seguidores" in out
    assert "Mensaje de Encargada de la tienda" in out
    assert "⚑ Decisión · delete-ask" in out and "Decisión registrada." in out
    assert "⚠ account-manager: no se le puede localizar desde T+00:00" in out
    assert "⏱ Reloj del escenario T+00:" in out
    # Decisions' worst case: the expectation 10, delete-ask 10, the notify step 5, and
    # hold-done ("Pin the statement") done with nothing published 5: 30.
    # The acknowledged notify step costs 5 × 35/30 = 5.83, to a tenth 5.8.
    assert "Simulacro: Café frío en un día de calor (rapido) — 94,2/100" in out
    flat = " ".join(out.split())  # long lines wrap at the console's width
    assert "Qué mejorar:" in out and "registrado como confirmado por account-manager" in flat
    assert "Decisiones 29,2/35 2 de 2 como se esperaba: −5,8" in flat
    assert "El simulacro ha terminado." in flat and "Jugado en tiempo real." in flat
    # The walk's own panels and prompts are the playbook's (an English one here).
    for english in ("Post on", "followers", "⚑ Decision", "What to work on", "Scenario clock"):
        assert english not in out


def test_ctrl_c_pauses_a_drill_and_resume_goes_on_with_its_clock(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(Interrupted) as info:
        play(START + DECIDE + DOWN + ENTER + CTRL_C)  # the decision, one step, then Ctrl-C
    assert info.value.exit_code == 130
    incident = only_incident(home)
    before = events(home, incident)
    assert before[-1]["type"] == "session.paused"
    stopped_at = max(parse_time(e["at"]) for e in before if "at" in e)

    lib = library(home)
    triage_and_notify = DOWN * 2 + ENTER + DOWN * 2 + ENTER + "call" + ENTER  # no answer yet
    drive(triage_and_notify + REST, resume_interactive, lib, incident)
    out = capsys.readouterr().out
    assert "Drill resumed at T+00:00" in out
    evs = events(home, incident)
    kinds = [e["type"] for e in evs]
    assert kinds.count("drill.started") == 1
    assert kinds.count("drill.decision") == 1, "the decision taken before the pause was asked again"
    assert [e["data"]["event"] for e in evs if e["type"] == "drill.event"] == [
        "first-post",
        "am-away",
        "delete-ask",
    ]
    steps = [e["data"]["step"] for e in evs if e["type"] == "step"]
    assert steps == [
        "detect-look",
        "detect-triage",
        "detect-escalate",
        "hold-issue-summary",
        "hold-draft",
        "hold-done",
    ]
    # The clock stood still while paused: scenario time goes on from where it stopped.
    resumed = [parse_time(e["at"]) for e in evs[len(before) :] if "at" in e]
    assert min(resumed) >= stopped_at
    assert kinds[-1] == "drill.scored" and evs[-1]["data"]["total"] == 100
    assert verified(home, incident)

    # A finished drill cannot be walked again: resume shows its score.
    drive("", resume_interactive, lib, incident)
    assert "This drill is over" in capsys.readouterr().out
    assert [e["type"] for e in events(home, incident)].count("drill.scored") == 1


def test_resume_with_answers_carries_an_interrupted_drill_on_as_a_plain_walk(
    home: Path,
) -> None:
    with pytest.raises(Interrupted):
        play(START + DECIDE + DOWN + ENTER + CTRL_C)
    incident = only_incident(home)
    rest = {
        "detect-triage": "Unhappy customer",
        "detect-escalate": "done",
        "hold-issue-summary": "some iced coffees were served warm",
        "hold-draft": {"accept": True},
        "hold-done": "done",
    }
    proc = cli(home, "resume", incident, "--answers", str(write_yaml(home / "rest.yaml", rest)))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == incident
    evs = events(home, incident)
    steps = [e["data"]["step"] for e in evs if e["type"] == "step"]
    assert steps == ["detect-look", *rest]
    assert evs[0]["data"]["drill"] is True  # still a drill, kept out of stats
    assert "incident.closed" in [e["type"] for e in evs]
    assert verified(home, incident)


def test_keys_typed_for_the_step_before_never_answer_a_pop_up(home: Path) -> None:
    """The store manager's pop-up opens right after the clock starts: an Enter and an
    arrow already typed (meant for "Start the clock") must not choose "Delete it"."""
    keys = key_chunks(START + DECIDE + STEPS_TO_TRIAGE + NOTIFY_ACKNOWLEDGED + REST)
    drive_typing_ahead(
        keys,
        {1: DOWN + ENTER + ENTER},  # prompt 1 is the pop-up decision
        lambda: drill(
            scenario=str(QUICK),
            list_=False,
            playbook=None,
            speed=1,
            answers=None,
            as_json=False,
            fail_under=None,
        ),
    )
    (decision,) = [
        e["data"] for e in events(home, only_incident(home)) if e["type"] == "drill.decision"
    ]
    assert decision["option"] == "Leave it up and answer her"
