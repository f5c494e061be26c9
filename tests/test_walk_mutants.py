"""The walk's decisions, one at a time: where each answer leads, what is still owed, which
deadline is next. Written against the mutants `make mutation` found alive (docs/mutation.md):
each test states what a person walking an incident would see go wrong."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from answering import DATA, library
from crisisplay.incident.walk import Incident, Walk

FIRST = datetime.fromisoformat("2026-11-20T08:00:00+00:00")
BRANCHES = str(DATA / "branches.yaml")  # detect due 15m, hold 1h, close 3h


def new_walk(home: Path, playbook: str = BRANCHES, severity: int = 2) -> Walk:
    resolved = library(home).load(playbook)
    incident = Incident("x", "Title", severity, "Client", "client", FIRST, FIRST, {})
    return Walk(resolved, incident)


def record(walk: Walk, step_id: str, minute: int = 1, **data: Any) -> None:
    stage = walk.stage_of(step_id)
    at = (FIRST + timedelta(minutes=minute)).isoformat()
    walk.apply(
        {"type": "step", "data": {"step": step_id, "stage": stage, **data}, "ts": at, "seq": 1}
    )


DETECT_BEFORE_ROUTE = [
    "d-url",
    "d-text",
    "d-multi",
    "d-number",
    "d-choice",
    "d-datetime",
    "d-confirm",
    "d-check",
]


@pytest.mark.parametrize(
    ("option", "next_step"),
    [
        ("Hold", "d-notify"),  # no goto: the next step in the playbook
        ("Jump to the last detect step", "d-last"),  # goto a step
        ("Straight to close", "c-check"),  # goto a stage: its first step
        ("Ignore", None),  # goto end: the walk is over
    ],
)
def test_each_option_leads_where_its_goto_says(
    tmp_path: Path, option: str, next_step: str | None
) -> None:
    walk = new_walk(tmp_path)
    for step_id in DETECT_BEFORE_ROUTE:
        record(walk, step_id)
    record(walk, "d-route", option=option)
    cur = walk.current()
    assert (cur[1].id if cur else None) == next_step
    assert walk.path() == [*DETECT_BEFORE_ROUTE, "d-route"]


def walk_to_route(tmp_path: Path) -> Walk:
    walk = new_walk(tmp_path)
    for step_id in DETECT_BEFORE_ROUTE:
        record(walk, step_id)
    return walk


def test_each_step_belongs_to_its_stage(tmp_path: Path) -> None:
    walk = new_walk(tmp_path)
    assert walk.stage_of("d-url") == "detect"
    assert walk.stage_of("h-after") == "hold"
    assert walk.stage_of("c-check") == "close"
    assert walk.stage_of("no-such-step") is None
    assert walk.stage_number("detect") == (1, 3)
    assert walk.stage_number("close") == (3, 3)


@pytest.mark.parametrize(
    ("step_id", "data", "leaves"),
    [
        ("d-route", {"option": "Hold"}, False),  # on to d-notify, still detecting
        ("d-route", {"option": "Jump to the last detect step"}, False),
        ("d-route", {"option": "Straight to close"}, True),
        ("d-route", {"option": "Ignore"}, True),  # the walk ends
    ],
)
def test_a_stage_is_left_when_the_answer_leads_out_of_it(
    tmp_path: Path, step_id: str, data: dict[str, Any], leaves: bool
) -> None:
    walk = walk_to_route(tmp_path)
    step = walk.steps[walk.index[step_id]][1]
    assert walk.leaves_stage(step, data) is leaves
    assert step_id not in walk.records  # asking does not record


def test_the_last_step_of_a_stage_and_of_the_walk_leave_it(tmp_path: Path) -> None:
    walk = walk_to_route(tmp_path)
    record(walk, "d-route", option="Jump to the last detect step")
    d_last = walk.steps[walk.index["d-last"]][1]
    assert walk.leaves_stage(d_last, {})
    c_check = walk.steps[walk.index["c-check"]][1]
    record(walk, "d-last")
    record(walk, "h-draft")
    record(walk, "h-after", option="Close now")
    assert walk.leaves_stage(c_check, {})


def test_steps_left_count_down_to_none(tmp_path: Path) -> None:
    walk = new_walk(tmp_path)
    total = len(walk.steps)
    assert walk.remaining() == total == 14
    record(walk, "d-url")
    assert walk.remaining() == total - 1
    for step_id in DETECT_BEFORE_ROUTE[1:]:
        record(walk, step_id)
    record(walk, "d-route", option="Ignore")
    assert walk.remaining() == 0


def test_the_next_deadline_is_the_stage_we_are_in_then_the_next_open_one(tmp_path: Path) -> None:
    walk = new_walk(tmp_path)
    first = walk.next_deadline()
    assert first is not None
    assert (first.stage, first.due_at) == ("detect", FIRST + timedelta(minutes=15))
    for step_id in DETECT_BEFORE_ROUTE:
        record(walk, step_id)
    record(walk, "d-route", option="Jump to the last detect step")
    record(walk, "d-last", minute=9)
    nxt = walk.next_deadline()
    assert nxt is not None and (nxt.stage, nxt.due_at) == ("hold", FIRST + timedelta(hours=1))
    assert walk.deadline_for("detect") is not None
    assert walk.deadline_for("no-such-stage") is None
    assert walk.deadline_for("detect").done_at == FIRST + timedelta(minutes=9)  # type: ignore[union-attr]
    record(walk, "h-draft")
    record(walk, "h-after", option="Close now")
    last = walk.next_deadline()
    assert last is not None and last.stage == "close"
    record(walk, "c-check")
    assert walk.next_deadline() is None


def test_a_jump_past_a_stage_makes_the_next_deadline_the_stage_jumped_to(tmp_path: Path) -> None:
    walk = walk_to_route(tmp_path)
    record(walk, "d-route", option="Straight to close")
    nxt = walk.next_deadline()
    assert nxt is not None and nxt.stage == "close"


def test_the_summary_says_where_we_are_and_what_is_due(tmp_path: Path) -> None:
    walk = walk_to_route(tmp_path)
    at = FIRST + timedelta(minutes=10)
    assert walk.summary(at) == {
        "incident": "x",
        "stage": "detect",
        "step": "d-route",
        "since_first_seen": "10m",
        "next_deadline": {"stage": "detect", "due_at": "2026-11-20T08:15:00.000000Z", "in": "5m"},
    }
    record(walk, "d-route", option="Ignore")
    done = walk.summary(at)
    assert (done["stage"], done["step"], done["next_deadline"]) == (None, None, None)


def test_networks_left_not_yet_published_are_listed_by_stage(tmp_path: Path) -> None:
    walk = walk_to_route(tmp_path)
    record(walk, "d-route", option="Jump to the last detect step")
    record(walk, "d-last")
    record(
        walk,
        "h-draft",
        texts={"x": "a", "facebook": "b"},
        networks={
            "x": {"state": "published", "url": "https://x.com/a/status/1"},
            "facebook": {"state": "pending"},
        },
    )
    assert walk.unpublished() == [("h-draft", "facebook")]
    assert walk.unpublished("hold") == [("h-draft", "facebook")]
    assert walk.unpublished("detect") == []


def test_the_latest_promise_and_sign_off_are_remembered(tmp_path: Path) -> None:
    walk = walk_to_route(tmp_path)
    assert walk.promised_update() is None and walk.last_approval() is None
    record(walk, "d-route", option="Jump to the last detect step")
    record(walk, "d-last")
    record(
        walk,
        "h-draft",
        next_update_by="2026-11-20T09:00:00Z",
        approval={"by": "Ben Manager", "role": "account-manager", "at": None},
    )
    record(
        walk,
        "h-after",
        option="Carry on",
        next_update_by="2026-11-20T10:00:00Z",
        approval={"by": "Ana Lead", "role": "on-call-lead"},
    )
    assert walk.promised_update() == FIRST + timedelta(hours=2)
    assert walk.last_approval() == {"by": "Ana Lead", "role": "on-call-lead"}
    assert walk.last_approval("account-manager") == {
        "by": "Ben Manager",
        "role": "account-manager",
        "at": None,
    }
    assert walk.last_approval("spokesperson") is None


# --- what each answer records -----------------------------------------------------------------


def step_of(walk: Walk, step_id: str) -> Any:
    return walk.steps[walk.index[step_id]][1]


@pytest.mark.parametrize(
    ("step_id", "raw", "recorded"),
    [
        ("d-check", {}, {"kind": "check", "status": "done"}),
        ("d-last", {}, {"kind": "note", "status": "acknowledged"}),
        (
            "d-text",
            {"value": "  cold brew  "},
            {"kind": "ask", "status": "answered", "value": "cold brew", "save_as": "what"},
        ),
        (
            "d-route",
            {"option": "straight to CLOSE"},
            {
                "kind": "decide",
                "status": "decided",
                "option": "Straight to close",
                "goto": "close",
                "set": {},
            },
        ),
        (
            "d-notify",
            {"contacted": ["Ben Manager"]},
            {
                "kind": "notify",
                "status": "notified",
                "contacted": ["Ben Manager"],
                "acknowledged": True,
            },
        ),
        (
            "d-text",
            {"skip": "  no time  "},
            {
                "kind": "ask",
                "status": "skipped",
                "reason": "no time",
                "save_as": "what",
                "value": None,
            },
        ),
        (
            "d-check",
            {"skip": "not needed"},
            {"kind": "check", "status": "skipped", "reason": "not needed"},
        ),
    ],
    ids=["check", "note", "ask", "decide", "notify", "skip-ask", "skip-check"],
)
def test_each_answer_records_what_was_done(
    tmp_path: Path, step_id: str, raw: dict[str, Any], recorded: dict[str, Any]
) -> None:
    walk = new_walk(tmp_path)
    data = walk.answer(step_of(walk, step_id), raw)
    assert data == {"step": step_id, "stage": walk.stage_of(step_id), **recorded}


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_skip_needs_a_reason(tmp_path: Path, reason: str | None) -> None:
    from crisisplay.incident.walk import AnswerError

    walk = new_walk(tmp_path)
    with pytest.raises(AnswerError, match="skipping needs a reason"):
        walk.answer(step_of(walk, "d-check"), {"skip": reason})


def test_a_decision_cannot_be_skipped(tmp_path: Path) -> None:
    from crisisplay.incident.walk import AnswerError

    walk = new_walk(tmp_path)
    with pytest.raises(AnswerError, match="a decision cannot be skipped"):
        walk.answer(step_of(walk, "d-route"), {"skip": "later"})


# --- which option a typed answer picks --------------------------------------------------------


def options(*labels: str) -> list[Any]:
    from types import SimpleNamespace

    return [SimpleNamespace(label=label) for label in labels]


@pytest.mark.parametrize(
    ("labels", "given", "picked"),
    [
        # the whole label wins over a longer label it starts
        (["Yes — apologise", "Yes — apologise now"], "yes — APOLOGISE", 0),
        # the words before " — " win over another label they start
        (["Yes — apologise", "Yesterday's news"], "yes", 0),
        (["Not ours — explain", "Not ours either"], "not ours", 0),
        # a unique start of a label
        (["Troll", "Rager"], "tro", 0),
        (["Troll", "Rager"], "RAGER", 1),
        # nothing, or more than one, is no pick
        (["Troll", "Rager"], "zebra", None),
        (["Yes — now", "Yes — later"], "yes", None),
        (["Troll", "Trolling"], "tr", None),
        (["Troll", "Rager"], "", None),
    ],
)
def test_an_option_is_picked_by_label_words_before_the_dash_or_a_unique_start(
    labels: list[str], given: str, picked: int | None
) -> None:
    from crisisplay.incident.walk import match_option

    opts = options(*labels)
    assert match_option(opts, given) is (None if picked is None else opts[picked])


# --- deadlines: late is after the due time, not at it -----------------------------------------


def test_a_stage_done_at_or_before_its_due_time_is_not_late() -> None:
    from crisisplay.incident.walk import Deadline

    due = FIRST + timedelta(minutes=15)
    assert Deadline("detect", "Detect", due, due - timedelta(minutes=1)).missed_by(due) is None
    assert Deadline("detect", "Detect", due, due).missed_by(due) is None
    assert Deadline("detect", "Detect", due).missed_by(due) is None
    late = Deadline("detect", "Detect", due, due + timedelta(minutes=2))
    assert late.missed_by(due + timedelta(hours=1)) == timedelta(minutes=2)
    assert Deadline("detect", "Detect", due).missed_by(due + timedelta(seconds=1)) == timedelta(
        seconds=1
    )


# --- planning on a copy leaves the walk as it was ---------------------------------------------


def test_a_shadow_is_planned_on_without_touching_the_walk(tmp_path: Path) -> None:
    walk = new_walk(tmp_path)
    record(walk, "d-url", value="https://x.com/a/status/1", save_as="url", texts={"x": "First"})
    before = (
        dict(walk.variables),
        set(walk.missed),
        list(walk.published),
        {k: dict(v) for k, v in walk.networks.items()},
        dict(walk.records),
    )
    shadow = walk.shadow()
    shadow.apply(
        {
            "type": "step",
            "data": {
                "step": "d-text",
                "stage": "detect",
                "save_as": "what",
                "value": "late oat milk",
                "set": {"tone": "calm"},
                "texts": {"x": "We are on it"},
            },
            "ts": "2026-11-20T08:20:00Z",
        }
    )
    shadow.apply(
        {"type": "deadline.missed", "data": {"stage": "detect"}, "ts": "2026-11-20T08:20:00Z"}
    )
    shadow.apply(
        {
            "type": "publication",
            "data": {"step": "d-url", "platform": "x", "state": "published"},
            "ts": "2026-11-20T08:21:00Z",
        }
    )
    after = (
        walk.variables,
        walk.missed,
        walk.published,
        walk.networks,
        walk.records,
    )
    assert after == before
    assert shadow.variables["what"] == "late oat milk" and shadow.missed == {"detect"}
    assert shadow.published == ["First", "We are on it"]
    assert shadow.networks["d-url"]["x"] == {"state": "published"}
