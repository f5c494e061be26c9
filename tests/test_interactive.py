"""The interactive walk driven with real keystrokes through prompt_toolkit's pipe input."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from answering import drive, sample_for, start_default
from crisisplay.frontends.interactive import Interrupted, resume_interactive
from crisisplay.home import Home
from crisisplay.incident.log import read_events, verify
from crisisplay.playbook.library import Library

DOWN, ENTER, ESC_ENTER = "\x1b[B", "\r", "\x1b\r"

# The path an unhappy customer's complaint takes through the shipped default playbook.
UNHAPPY = {
    "detect-positive": "Negative",
    "detect-legal-safety": "No",
    "detect-triage": "Unhappy customer",
    "verify-personal-data": "No",
    "verify-fault": "Yes",
    "apologise-spokesperson": "No",
}


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return Library(Home(tmp_path / "home", "env"))


def keys_for_walk(resolved: Any, choose: dict[str, str], stop_after: int | None = None) -> str:
    """The keystrokes a manager types to walk `resolved` along `choose`."""
    from crisisplay.incident.walk import Incident, Walk, match_option, parse_time

    walk = Walk(resolved, Incident("x", "t", 2, "c", "c", parse_time("now"), parse_time("now"), {}))
    walk.variables.update({v.name: "x" for v in resolved.playbook.variables})
    keys = []
    seq = 0
    approved = False  # after the first sign-off, the approver is offered again
    while (cur := walk.current()) is not None:
        if stop_after is not None and seq >= stop_after:
            break
        _, step = cur
        if step.kind in ("check", "note"):
            keys.append(DOWN + ENTER)  # menus open with nothing selected
            raw: dict[str, Any] = {}
        elif step.kind == "decide":
            option = (
                match_option(step.options, choose[step.id])
                if step.id in choose
                else step.options[0]
            )
            index = step.options.index(option)
            keys.append(DOWN * (index + 1) + ENTER)
            raw = {"option": option.label}
        elif step.kind == "ask":
            kind = step.input or "text"
            if kind in ("choice", "confirm"):
                keys.append(DOWN + ENTER)  # the first choice / "Yes"
                raw = {"value": step.choices[0] if step.choices else True}
            elif kind == "multiline":
                typed = sample_for(resolved, step.save_as, "Typed by hand")
                keys.append(typed + ESC_ENTER)
                raw = {"value": typed}
            else:
                value = {"url": "https://x.com/a/1", "number": "250", "datetime": "now"}.get(
                    kind, sample_for(resolved, step.save_as, "Typed by hand")
                )
                keys.append(value + ENTER)
                raw = {"value": value}
        elif step.kind == "notify":
            keys.append(DOWN + ENTER + "call" + ENTER)  # acknowledged; how they were reached
            raw = {}
        else:  # draft: accept, sign off (the same approver again), publish on each network
            keys.append(DOWN + ENTER)
            if step.approve_by:
                keys.append(DOWN + ENTER if approved else "Ana Ruiz" + ENTER + "WhatsApp" + ENTER)
                approved = True
            for _ in resolved.draft_platforms(step):
                keys.append("https://example.com/post" + ENTER + "now" + ENTER)
            raw = {
                "texts": walk.render(step, parse_time("now")),
                "approved_by": "someone",
            }
        data = walk.answer(step, raw)
        seq += 1
        walk.apply({"type": "step", "data": data, "ts": "2026-11-20T08:10:00Z", "seq": seq})
    return "".join(keys)


def only_incident(library: Library) -> Path:
    (folder,) = list(library.home.incidents.iterdir())
    return folder


def step_events(folder: Path) -> list[dict[str, Any]]:
    return [e for e in read_events(folder / "log.jsonl") if e["type"] == "step"]


def test_walks_the_whole_default_playbook_with_keystrokes(library: Library) -> None:
    resolved = library.load("default")
    opening = "Bean Co" + ENTER + "Burnt coffee video" + ENTER + DOWN * 2 + ENTER + "now" + ENTER
    opening += "espresso" + ENTER  # the playbook's variable
    start_default(opening + keys_for_walk(resolved, UNHAPPY), library)

    folder = only_incident(library)
    events = list(read_events(folder / "log.jsonl"))
    assert events[0]["data"]["client"]["name"] == "Bean Co"
    assert events[0]["data"]["title"] == "Burnt coffee video"
    assert events[0]["data"]["severity"] == 2  # the second level, chosen with two arrows
    assert events[-1]["type"] == "incident.closed"
    steps = [e["data"]["step"] for e in step_events(folder)]
    assert len(steps) == len(set(steps)), "a step was recorded twice"
    for must in ("hold-draft", "apologise-draft", "close-draft", "close-why-5"):
        assert must in steps
    hold = next(e for e in step_events(folder) if e["data"]["step"] == "hold-draft")["data"]
    assert hold["approval"]["by"]
    assert set(hold["published"]) == set(hold["texts"])
    assert (folder / "statements").is_dir()
    assert verify(folder / "log.jsonl").ok


def test_a_note_and_a_skip_typed_at_a_prompt_are_recorded(library: Library) -> None:
    resolved = library.load("default")
    keys = (
        "Acme" + ENTER + "Leaked memo" + ENTER + DOWN * 2 + ENTER + "now" + ENTER + "memo" + ENTER
    )
    keys += "/note the journalist called back" + ENTER  # at the first question (a url)
    keys += "/skip the post was deleted before we saw it" + ENTER
    keys += DOWN * 4 + ENTER + DOWN * 5 + ENTER  # at the next step: where am I? then pause
    start_default(keys, library)
    folder = only_incident(library)
    events = list(read_events(folder / "log.jsonl"))
    notes = [e["data"]["text"] for e in events if e["type"] == "note"]
    assert notes == ["the journalist called back"]
    first = step_events(folder)[0]["data"]
    assert first["step"] == resolved.playbook.steps()[0][1].id
    assert first["status"] == "skipped"
    assert first["reason"] == "the post was deleted before we saw it"
    assert events[-1]["type"] == "session.paused"


def test_ctrl_c_pauses_and_resume_continues_at_the_next_step(library: Library) -> None:
    resolved = library.load("default")
    opening = "Acme" + ENTER + "Outage" + ENTER + DOWN * 2 + ENTER + "now" + ENTER + "app" + ENTER
    walk_keys = keys_for_walk(resolved, UNHAPPY)
    first_three = keys_for_walk(resolved, UNHAPPY, stop_after=3)
    with pytest.raises(Interrupted) as info:
        start_default(opening + first_three + "\x03", library)
    assert info.value.exit_code == 130
    folder = only_incident(library)
    assert len(step_events(folder)) == 3
    assert "crisisplay resume" in str(info.value)
    # The pause issued a receipt for the last line, printed in full and kept in the ledger.
    last = (folder / "log.jsonl").read_bytes().splitlines()
    receipt = f"{len(last) - 1}:{hashlib.sha256(last[-1]).hexdigest()}"
    assert f"Receipt {receipt}" in str(info.value)

    drive(walk_keys[len(first_three) :], resume_interactive, library, None)
    steps = [e["data"]["step"] for e in step_events(folder)]
    assert len(steps) == len(set(steps)), "resume recorded a step again"
    events = list(read_events(folder / "log.jsonl"))
    assert [e["type"] for e in events].count("session.paused") == 1
    assert events[-1]["type"] == "incident.closed"
    assert verify(folder / "log.jsonl").ok
    ledger = [
        json.loads(line) for line in (library.home.root / "receipts.jsonl").read_text().splitlines()
    ]
    assert [(r["event"], r["seq"]) for r in ledger] == [
        ("pause", int(receipt.split(":")[0])),
        ("close", len(events) - 1),
    ]
