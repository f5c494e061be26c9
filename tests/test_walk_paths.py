"""Scripted walks of whole playbooks: every branch completes, closes and verifies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from answering import (
    DATA,
    answers_for,
    events,
    expected_path,
    library,
    step_counts,
    verified,
    write_yaml,
)
from crisisplay.frontends.scripted import start_scripted


def run(home: Path, playbook: str, answers: dict[str, Any], **opts: Any) -> str:
    path = write_yaml(home / "answers.yaml", answers)
    kw: dict[str, Any] = {"client": None, "title": None, "severity": None, "first_seen": None}
    kw.update(opts)
    session = start_scripted(library(home), path, playbook=playbook, **kw)
    return str(session.incident.id)


def assert_complete(home: Path, incident_id: str, path: list[str]) -> list[dict[str, Any]]:
    evs = events(home, incident_id)
    assert verified(home, incident_id)
    assert [e["data"]["step"] for e in evs if e["type"] == "step"] == path
    assert set(step_counts(evs).values()) == {1}
    assert [e["type"] for e in evs].count("incident.closed") == 1
    assert evs[-1]["type"] == "incident.closed"
    return evs


DEFAULT_PATHS = {
    "positive-end": {"detect-positive": "Positive"},
    "troll-contained": {
        "detect-positive": "Negative",
        "detect-triage": "Troll",
        "detect-troll-outcome": "Contained",
    },
    "troll-escalate": {
        "detect-positive": "Negative",
        "detect-triage": "Troll",
        "detect-troll-outcome": "Real customers",
    },
    "rager-answered": {
        "detect-positive": "Negative",
        "detect-triage": "Rager",
        "detect-rager-outcome": "Answered",
    },
    "rager-escalate": {
        "detect-positive": "Negative",
        "detect-triage": "Rager",
        "detect-rager-outcome": "A real problem",
        "verify-fault": "Yes",
    },
    "troll-community": {
        "detect-positive": "Negative",
        "detect-triage": "Troll",
        "detect-troll-outcome": "Our community is worried",
        "verify-fault": "No",
        "verify-after-correction": "No",
    },
    "hoax-settled": {
        "detect-positive": "Negative",
        "detect-triage": "Hoax",
        "detect-hoax-outcome": "Settled",
    },
    "hoax-escalate": {
        "detect-positive": "Negative",
        "detect-triage": "Hoax",
        "detect-hoax-outcome": "Still spreading",
        "verify-fault": "No",
        "verify-after-correction": "Yes",
    },
    "own-post": {
        "detect-positive": "Negative",
        "detect-triage": "Our own post",
        "detect-own-post-next": "Apologise now",
        "apologise-spokesperson": "No",
    },
    "own-post-doubt": {
        "detect-positive": "Negative",
        "detect-triage": "Our own post",
        "detect-own-post-next": "We may not have posted it",
        "verify-fault": "Yes",
    },
    "misguided-corrected": {
        "detect-positive": "Negative",
        "detect-triage": "Misguided",
        "detect-misguided-outcome": "Corrected",
    },
    "unhappy-full": {
        "detect-positive": "Negative",
        "detect-legal-safety": "No",
        "detect-triage": "Unhappy",
        "verify-personal-data": "Yes",
        "verify-fault": "Yes",
        "apologise-spokesperson": "Yes",
    },
    "fault-not-ours-remedy": {
        "detect-positive": "Negative",
        "detect-triage": "Unhappy",
        "verify-fault": "No",
        "verify-after-correction": "Yes",
    },
    "fault-not-ours-close": {
        "detect-positive": "Negative",
        "detect-triage": "Unhappy",
        "verify-fault": "No",
        "verify-after-correction": "No",
    },
    "fault-unknown-ours": {
        "detect-positive": "Negative",
        "detect-triage": "Unhappy",
        "verify-fault": "Not known",
        "verify-outcome": "Now established — it was our fault",
    },
    "fault-unknown-wrong": {
        "detect-positive": "Negative",
        "detect-triage": "Unhappy",
        "verify-fault": "Not known",
        "verify-outcome": "Now established — the claim is wrong",
    },
    "fault-unknown-apologise": {
        "detect-positive": "Negative",
        "detect-triage": "Unhappy",
        "verify-fault": "Not known",
        "verify-outcome": "Still unclear — apologise",
    },
    "fault-unknown-inform": {
        "detect-positive": "Negative",
        "detect-triage": "Unhappy",
        "verify-fault": "Not known",
        "verify-outcome": "Still unclear — keep informing",
    },
}


ALL = ["detect", "hold", "verify", "apologise", "remedy", "close"]
NO_APOLOGY = ["detect", "hold", "verify", "remedy", "close"]
#: Written by hand from the protocol (DOMAIN.md's triage tree), not derived from the engine:
#: the stages each branch must walk, in order, and the step it must end on.
DEFAULT_ENDINGS = {
    "positive-end": (["detect"], "detect-positive"),  # concur: nothing to manage
    "troll-contained": (["detect"], "detect-troll-outcome"),  # monitored, contained
    "troll-escalate": (ALL, "close-notify-am"),  # real customers joined: the full protocol
    # R6: an angry customer always gets an answer — a personal reply, never the end.
    "rager-answered": (["detect"], "detect-rager-outcome"),
    "rager-escalate": (ALL, "close-notify-am"),
    "troll-community": (["detect", "hold", "verify", "close"], "close-notify-am"),
    "hoax-settled": (["detect"], "detect-hoax-outcome"),  # corrected with a source, re-checked
    "hoax-escalate": (NO_APOLOGY, "close-notify-am"),  # still a hoax: never an apology
    "own-post": (["detect", "apologise", "remedy", "close"], "close-notify-am"),  # no verify
    "own-post-doubt": (ALL, "close-notify-am"),  # a hacked account? hold and verify first
    "misguided-corrected": (["detect"], "detect-misguided-outcome"),  # corrected, done
    "unhappy-full": (ALL, "close-notify-am"),
    "fault-not-ours-close": (["detect", "hold", "verify", "close"], "close-notify-am"),
    "fault-not-ours-remedy": (NO_APOLOGY, "close-notify-am"),  # not our fault: no apology
    "fault-unknown-ours": (ALL, "close-notify-am"),
    "fault-unknown-wrong": (NO_APOLOGY, "close-notify-am"),  # the claim is wrong: no apology
    "fault-unknown-apologise": (ALL, "close-notify-am"),
    "fault-unknown-inform": (NO_APOLOGY, "close-notify-am"),  # keep informing, no apology yet
}


def test_every_default_path_has_a_hand_written_ending() -> None:
    assert sorted(DEFAULT_ENDINGS) == sorted(DEFAULT_PATHS)


@pytest.mark.parametrize("name", sorted(DEFAULT_PATHS))
def test_default_tree(tmp_path: Path, name: str) -> None:
    resolved = library(tmp_path).load("default")
    answers = answers_for(resolved, DEFAULT_PATHS[name])
    incident_id = run(tmp_path, "default", answers)
    evs = assert_complete(tmp_path, incident_id, expected_path(resolved, answers))
    stage_of = {step.id: stage.id for stage, step in resolved.playbook.steps()}
    walked = [e["data"]["step"] for e in evs if e["type"] == "step"]
    stages: list[str] = []
    for step in walked:
        if not stages or stages[-1] != stage_of[step]:
            stages.append(stage_of[step])
    assert (stages, walked[-1]) == DEFAULT_ENDINGS[name]


# playbook/library.py (_apply_overlay) reads `current.model_fields` on an instance, which
# pydantic 2.11 deprecates; not this suite's file to fix. Remove once it reads the class.
OVERLAY_WARNING = pytest.mark.filterwarnings(
    "ignore:Accessing the 'model_fields' attribute on the instance:DeprecationWarning"
)


@OVERLAY_WARNING
@pytest.mark.parametrize("name", ["unhappy-full", "misguided-corrected", "fault-unknown-wrong"])
def test_client_overlay(tmp_path: Path, name: str) -> None:
    resolved = library(tmp_path).load("bean-there")
    answers = answers_for(resolved, DEFAULT_PATHS[name])
    incident_id = run(tmp_path, "bean-there", answers)
    evs = assert_complete(tmp_path, incident_id, expected_path(resolved, answers))
    assert incident_id.split("-")[2:4] == ["bean", "there"]
    opened = evs[0]["data"]
    assert opened["client"]["name"] == "Bean There Coffee"
    assert opened["playbook"]["id"] == "bean-there"
    assert [x["id"] for x in opened["playbook"]["lineage"]][-1:] != []
    drafts = [e for e in evs if e["type"] == "step" and e["data"]["kind"] == "draft"]
    assert all("approval" in d["data"] and "published" in d["data"] for d in drafts)


OWN = {
    "end": ({"d-route": "Ignore"}, ["d-check", "d-route"]),
    "goto-step": (
        {"d-route": "Jump to the last detect step", "h-after": "Carry on"},
        ["d-route", "d-last", "h-draft", "h-after", "c-check"],
    ),
    "goto-stage": ({"d-route": "Straight to close"}, ["d-route", "c-check"]),
    "fall-through": (
        {"d-route": "Hold", "h-after": "Close now"},
        ["d-route", "d-notify", "d-last", "h-draft", "h-after", "c-check"],
    ),
}


@pytest.mark.parametrize("name", sorted(OWN))
def test_own_playbook_branches(tmp_path: Path, name: str) -> None:
    choose, tail = OWN[name]
    resolved = library(tmp_path).load(str(DATA / "branches.yaml"))
    answers = answers_for(resolved, choose, {"variables": {"product": "oat latte"}})
    incident_id = run(tmp_path, str(DATA / "branches.yaml"), answers)
    path = expected_path(resolved, answers)
    assert path[-len(tail) :] == tail
    evs = assert_complete(tmp_path, incident_id, path)
    values = {e["data"]["step"]: e["data"] for e in evs if e["type"] == "step"}
    assert values["d-number"]["value"] == 12000
    assert values["d-confirm"]["value"] is False
    assert values["d-choice"]["value"] == "Slow"
    assert values["d-datetime"]["value"] == "2026-11-20T09:00:00.000000Z"
    if "h-draft" in values:
        texts = values["h-draft"]["texts"]
        assert texts["x"].startswith("On oat latte: Customers say")
        assert texts["facebook"].startswith("We know about Customers say")
        assert values["h-draft"]["approval"]["by"] == "Ben Manager"
        saved = sorted(
            p.name for p in (tmp_path / "incidents" / incident_id / "statements").iterdir()
        )
        assert [n.split("-", 1)[1] for n in saved] == ["h-draft-facebook.txt", "h-draft-x.txt"]
    if "d-notify" in values:
        assert values["d-notify"]["contacted"][0]["name"] == "Ben Manager"


def test_backfilled_times(tmp_path: Path) -> None:
    resolved = library(tmp_path).load(str(DATA / "branches.yaml"))
    answers = answers_for(
        resolved,
        {"d-route": "Hold", "h-after": "Carry on"},
        {"variables": {"product": "oat latte"}},
    )
    answers["d-url"] = {"value": answers["d-url"], "at": "2026-11-20T08:06:00Z"}
    answers["d-check"] = {"value": "done", "at": "2026-11-20T08:07:00+01:00"}
    answers["d-route"] = {"value": "Hold", "at": "2026-11-20T08:08:00Z"}
    answers["d-notify"] = {"skip": "nobody answered", "at": "2026-11-20T08:09:00Z"}
    answers["h-draft"] = {
        **answers["h-draft"],
        "at": "2026-11-20T08:20:00Z",
        "text": "Edited by hand.",
    }
    incident_id = run(tmp_path, str(DATA / "branches.yaml"), answers)
    evs = assert_complete(tmp_path, incident_id, expected_path(resolved, answers))
    by_step = {e["data"]["step"]: e for e in evs if e["type"] == "step"}
    assert by_step["d-url"]["at"] == "2026-11-20T08:06:00.000000Z"
    assert by_step["d-check"]["at"] == "2026-11-20T07:07:00.000000Z"
    assert by_step["d-route"]["data"]["option"] == "Hold"
    assert by_step["d-notify"]["data"]["status"] == "skipped"
    draft = by_step["h-draft"]
    assert draft["at"] == "2026-11-20T08:20:00.000000Z"
    assert draft["data"]["texts"] == {"x": "Edited by hand.", "facebook": "Edited by hand."}
    assert draft["data"]["edited"] == {"x": True, "facebook": True}
    assert draft["data"]["approval"]["at"] == "2026-11-20T08:20:00.000000Z"
    assert draft["data"]["published"]["x"]["at"] == "2026-11-20T08:20:00.000000Z"
    assert "at" not in by_step["d-text"]  # no `at`: recorded now
    assert evs[0]["at"] == "2026-11-20T08:05:00.000000Z"
    assert evs[0]["data"]["first_seen"] == "2026-11-20T08:00:00.000000Z"


def test_command_line_wins_over_incident_keys(tmp_path: Path) -> None:
    resolved = library(tmp_path).load("default")
    answers = answers_for(resolved, DEFAULT_PATHS["positive-end"])
    answers["incident"]["client"] = "Somebody Else"
    incident_id = run(
        tmp_path,
        "default",
        answers,
        title="From the command line",
        severity=3,
        client="Acme Foods",
        first_seen="2026-11-20T07:30:00Z",
    )
    opened = events(tmp_path, incident_id)[0]["data"]
    assert opened["title"] == "From the command line"
    assert opened["severity"] == 3
    assert opened["client"]["slug"] == "acme-foods"
    assert opened["first_seen"] == "2026-11-20T07:30:00.000000Z"
    assert incident_id == "20261120-0805-acme-foods-from-the-command-line"


def test_ids_sortable_and_distinct(tmp_path: Path) -> None:
    resolved = library(tmp_path).load("default")
    answers = answers_for(resolved, DEFAULT_PATHS["positive-end"])
    ids = [run(tmp_path, "default", answers) for _ in range(3)]
    answers["incident"]["at"] = "2026-11-20T10:05:00+02:00"  # 08:05 UTC: the id is in UTC
    ids.append(run(tmp_path, "default", answers))
    base = "20261120-0805-the-client-cold-brew-made-customers-ill"
    assert ids == [base, f"{base}-02", f"{base}-03", f"{base}-04"]
    assert sorted(ids) == ids
    answers["incident"]["at"] = "2026-11-20T08:06:00Z"
    later = run(tmp_path, "default", answers)
    assert later == "20261120-0806-the-client-cold-brew-made-customers-ill"
    assert sorted([*ids, later])[-1] == later


TRIAGE_BRANCHES = [
    "rager-answered",
    "rager-escalate",
    "troll-community",
    "hoax-settled",
    "hoax-escalate",
    "own-post",
    "own-post-doubt",
]


@pytest.mark.parametrize("name", TRIAGE_BRANCHES)
def test_the_spanish_twin_walks_the_same_triage_branches(tmp_path: Path, name: str) -> None:
    """default-es keeps the English protocol's ids and the order of its options: the
    same choices, made in Spanish, walk exactly the same steps."""
    lib = library(tmp_path)
    en, es = lib.load("default"), lib.load("default-es")
    choose = {}
    for step_id, label in DEFAULT_PATHS[name].items():
        labels = [o.label for o in en.playbook.step(step_id).options]
        n = next(i for i, x in enumerate(labels) if x.startswith(label))
        choose[step_id] = es.playbook.step(step_id).options[n].label
    answers = answers_for(es, choose)
    incident_id = run(tmp_path, "default-es", answers)
    walked = expected_path(es, answers)
    assert_complete(tmp_path, incident_id, walked)
    assert walked == expected_path(en, answers_for(en, DEFAULT_PATHS[name]))
    if name.startswith("hoax"):
        assert not [s for s in walked if s.startswith("apologise")]
    if name == "own-post":
        assert "apologise-draft" in walked and not [s for s in walked if s.startswith("verify")]
    if name.startswith("rager"):
        assert "detect-rager-reply" in walked
