"""No accidental answers, numbers as people write them, a live screen: the prompts driven
with real keystrokes through prompt_toolkit's pipe input (tests/answering.drive types each
prompt's keys once that prompt is drawn)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest

from answering import DATA, drive, drive_typing_ahead
from crisisplay.frontends import interactive, prompts
from crisisplay.frontends.interactive import Interrupted, resume_interactive, start_interactive
from crisisplay.home import Home
from crisisplay.incident.log import read_events, verify
from crisisplay.playbook.library import Library

DOWN, ENTER, CTRL_C = "\x1b[B", "\r", "\x03"
MINI = DATA / "prompts-mini.yaml"
OPENING = [
    "Acme" + ENTER,
    "Cold coffee" + ENTER,
    DOWN * 2 + ENTER,
    "now" + ENTER,
]  # client … first seen


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return Library(Home(tmp_path / "home", "env"))


def spanish(tmp_path: Path) -> Path:
    path = tmp_path / "prompts-mini-es.yaml"
    text = MINI.read_text(encoding="utf-8").replace("language: en", "language: es")
    path.write_text(text.replace("id: prompts-mini", "id: prompts-mini-es"), encoding="utf-8")
    return path


def start(library: Library, keys: list[str], playbook: Path = MINI) -> list[str]:
    return drive(
        keys,
        start_interactive,
        library,
        playbook=str(playbook),
        client=None,
        title=None,
        severity=None,
        first_seen=None,
    )


def folder_of(library: Library) -> Path:
    (folder,) = list(library.home.incidents.iterdir())
    return folder


def steps(folder: Path) -> dict[str, dict[str, Any]]:
    return {
        e["data"]["step"]: e["data"]
        for e in read_events(folder / "log.jsonl")
        if e["type"] == "step"
    }


# --- typed ahead ---------------------------------------------------------------------------


def test_keys_typed_before_a_menu_is_drawn_are_dropped() -> None:
    # Without the drop, the typed-ahead ↓ Enter would take "Troll".
    got = drive_typing_ahead(
        [DOWN * 2 + ENTER],
        {0: DOWN + ENTER},
        lambda: prompts.select("Who?", ["Troll", "Customer"]),
    )
    assert got == "Customer"


def test_keys_typed_before_a_text_prompt_is_drawn_are_dropped() -> None:
    got = drive_typing_ahead(
        ["mine" + ENTER], {0: "not for you" + ENTER}, lambda: prompts.text("?")
    )
    assert got == "mine"


def test_keys_a_prompt_read_past_its_own_answer_do_not_reach_the_next() -> None:
    def two() -> tuple[str, str]:
        return prompts.text("first?"), prompts.select("then?", ["A", "B"])

    # An Enter pressed twice at the first prompt, and an arrow: prompt_toolkit reads them in
    # one go and would hand the rest on to the next prompt as typeahead.
    got = drive_typing_ahead(["one" + ENTER + DOWN + ENTER, DOWN * 2 + ENTER], {}, two)
    assert got == ("one", "B")


def test_a_decision_typed_ahead_in_the_walk_is_not_taken(library: Library) -> None:
    keys = [*OPENING, "120" + ENTER, DOWN * 2 + ENTER, CTRL_C]
    # Prompt 5 is the decision: ↓ Enter typed before it would pick "Troll" and end the walk.
    with pytest.raises(Interrupted):
        drive_typing_ahead(
            keys,
            {5: DOWN + ENTER},
            lambda: start_interactive(
                library,
                playbook=str(MINI),
                client=None,
                title=None,
                severity=None,
                first_seen=None,
            ),
        )
    assert steps(folder_of(library))["detect-triage"]["option"] == "Unhappy customer"


# --- nothing selected, nothing prefilled ---------------------------------------------------


def test_enter_on_a_menu_nobody_moved_answers_nothing(
    library: Library, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(Interrupted):  # Enter, Enter, a letter: still asking; Ctrl-C pauses
        start(library, [*OPENING, "120" + ENTER, ENTER + ENTER + "x" + ENTER + CTRL_C])
    folder = folder_of(library)
    assert "detect-triage" not in steps(folder)
    assert [e["type"] for e in read_events(folder / "log.jsonl")][-1] == "session.paused"


def test_enter_on_an_unmoved_menu_waits_for_a_choice() -> None:
    got = drive([ENTER + ENTER + DOWN + ENTER], prompts.select, "Yes or no?", ["Yes", "No"])
    assert got == []  # one prompt, answered by its ↓ Enter
    result = drive_typing_ahead(
        [ENTER + DOWN * 2 + ENTER], {}, lambda: prompts.select("?", ["a", "b"])
    )
    assert result == "b"


def test_a_placeholder_is_shown_not_recorded() -> None:
    got = drive_typing_ahead(
        [ENTER], {}, lambda: prompts.text("Who?", placeholder="Ana Ruiz (greyed)")
    )
    assert got == ""


WALK = [
    *OPENING,
    "85k" + ENTER,  # detect-reach
    DOWN * 2 + ENTER,  # Unhappy customer
    DOWN + ENTER,  # told them, they acknowledged
    ENTER,  # how: nothing typed (the placeholder reach is not taken)
    DOWN + ENTER,  # hold-draft: accept
    ENTER,  # signed off by: Enter on nothing asks again (the placeholder is not taken)
    "Ana Ruiz" + ENTER,
    "WhatsApp" + ENTER,  # how she signed off
    "https://x.com/acme/1" + ENTER,
    "now" + ENTER,  # out on x now: typed (an empty answer is asked again)
    ENTER,  # facebook: not yet
    DOWN + ENTER,  # hold-done: ends the stage, so facebook is asked again first
    "javascript:alert(1)" + ENTER,  # not a link: asked again
    ENTER,  # still not out
    "the page is locked by Meta" + ENTER,
    DOWN + ENTER,  # close-draft: accept
    DOWN + ENTER,  # "Same approver as before: Ana Ruiz (WhatsApp)"
    "https://x.com/acme/2" + ENTER,
    "now" + ENTER,
    "https://facebook.com/acme/2" + ENTER,
    "now" + ENTER,
]


def test_a_walk_records_what_was_typed_and_nothing_else(library: Library) -> None:
    assert start(library, list(WALK)) == []
    folder = folder_of(library)
    rec = steps(folder)
    assert rec["detect-reach"]["value"] == 85000
    assert rec["detect-triage"]["option"] == "Unhappy customer"
    (contacted,) = rec["detect-escalate"]["contacted"]
    assert contacted["via"] == ""  # not "+34 600 000 000" nor "(set in the client's playbook)"
    hold = rec["hold-draft"]
    assert hold["approval"]["by"] == "Ana Ruiz" and hold["approval"]["via"] == "WhatsApp"
    assert hold["networks"]["x"]["state"] == "published"
    assert hold["networks"]["x"]["url"] == "https://x.com/acme/1"
    assert hold["networks"]["facebook"] == {"state": "pending"}
    assert set(hold["published"]) == {"x"}
    events = list(read_events(folder / "log.jsonl"))
    (pub,) = [e for e in events if e["type"] == "publication"]
    assert pub["data"] == {
        "step": "hold-draft",
        "stage": "hold",
        "platform": "facebook",
        "state": "not_published",
        "reason": "the page is locked by Meta",
    }
    kinds = [(e["type"], e["data"].get("step")) for e in events]
    assert kinds.index(("publication", "hold-draft")) < kinds.index(("step", "hold-done"))
    close = rec["close-draft"]
    assert close["approval"]["by"] == "Ana Ruiz" and close["approval"]["via"] == "WhatsApp"
    assert {p: s["state"] for p, s in close["networks"].items()} == {
        "x": "published",
        "facebook": "published",
    }
    assert events[-1]["type"] == "incident.closed"
    assert verify(folder / "log.jsonl").ok


def test_the_approver_is_remembered_after_a_resume(library: Library) -> None:
    upto_hold_done = WALK[: WALK.index("the page is locked by Meta" + ENTER) + 1]
    with pytest.raises(Interrupted):
        start(library, [*upto_hold_done, CTRL_C])
    folder = folder_of(library)
    assert "hold-done" in steps(folder)
    rest = WALK[len(upto_hold_done) :]
    assert rest[1] == DOWN + ENTER  # the same approver, offered from the log
    assert drive(rest, resume_interactive, library, folder.name) == []
    close = steps(folder)["close-draft"]
    assert close["approval"]["by"] == "Ana Ruiz" and close["approval"]["via"] == "WhatsApp"


def test_the_remembered_approver_can_be_someone_else(library: Library) -> None:
    walk = list(WALK)
    at = walk.index("https://x.com/acme/2" + ENTER) - 1
    walk[at : at + 1] = [DOWN * 2 + ENTER, "Luis Gil" + ENTER, "call" + ENTER]
    assert start(library, walk) == []
    close = steps(folder_of(library))["close-draft"]
    assert close["approval"] == {**close["approval"], "by": "Luis Gil", "via": "call"}


# --- numbers -------------------------------------------------------------------------------


def test_a_spanish_number_and_an_ambiguous_one_asked_back(
    library: Library, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = [*OPENING, "muchos" + ENTER, "1,234" + ENTER, DOWN * 2 + ENTER, CTRL_C]
    with pytest.raises(Interrupted):
        start(library, keys, spanish(tmp_path))
    out = capsys.readouterr().out
    assert "«muchos» no es un número" in out
    assert steps(folder_of(library))["detect-reach"]["value"] == 1234


def test_spanish_thousands_are_not_decimals(library: Library, tmp_path: Path) -> None:
    with pytest.raises(Interrupted):
        start(library, [*OPENING, "260.000" + ENTER, CTRL_C], spanish(tmp_path))
    assert steps(folder_of(library))["detect-reach"]["value"] == 260000


# --- the live toolbar ----------------------------------------------------------------------


def test_the_toolbar_counts_down_the_deadline_the_promise_and_the_unpublished() -> None:
    from prompt_toolkit.formatted_text import to_plain_text

    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    walk = SimpleNamespace(
        next_deadline=lambda: SimpleNamespace(
            title="Holding statement", due_at=now + timedelta(minutes=10)
        ),
        next_update=lambda at: {"due": now + timedelta(minutes=30), "late": False, "every": "1h"},
        unpublished=lambda: [("hold-draft", "facebook")],
    )
    session: Any = SimpleNamespace(walk=walk, incident=SimpleNamespace(id="x"))
    first = to_plain_text(interactive.live_status(session, now))
    later = to_plain_text(interactive.live_status(session, now + timedelta(seconds=1)))
    assert "Holding statement due in 10m00s (9:10 UTC)" in first
    assert "Holding statement due in 9m59s" in later
    assert "next update due in 29m59s (9:30 UTC)" in later
    assert "not yet published: facebook (hold-draft)" in later
    overdue = to_plain_text(interactive.live_status(session, now + timedelta(minutes=11)))
    assert "Holding statement OVERDUE by 1m00s" in overdue


def test_prompts_refresh_every_second_while_a_walk_is_on_screen(library: Library) -> None:
    from prompt_toolkit import PromptSession

    seen: list[Any] = []
    real = PromptSession.__init__

    def spy(self: Any, *args: Any, **kwargs: Any) -> None:
        seen.append((kwargs.get("refresh_interval"), kwargs.get("bottom_toolbar")))
        real(self, *args, **kwargs)

    with mock.patch.object(PromptSession, "__init__", spy), pytest.raises(Interrupted):
        start(library, [*OPENING, CTRL_C])
    assert seen[0] == (0, None)  # before the incident opens there is nothing to count
    assert seen[-1][0] == 1 and seen[-1][1] is not None  # detect-reach, in the walk


def test_a_menu_takes_enter_as_a_terminal_in_cooked_mode_sends_it() -> None:
    # While a drill prints an event above the prompt the terminal is briefly in cooked mode:
    # an Enter pressed then arrives as a line feed, and still confirms the choice.
    got = drive_typing_ahead([DOWN * 2 + "\n"], {}, lambda: prompts.select("?", ["a", "b"]))
    assert got == "b"
