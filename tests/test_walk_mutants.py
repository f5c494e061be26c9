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
        (
            "d-notify",
            {"acknowledged": False},
            {"kind": "notify", "status": "notified", "contacted": [], "acknowledged": False},
        ),
    ],
    ids=["check", "note", "ask", "decide", "notify", "skip-ask", "skip-check", "unheard"],
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


def test_a_decision_without_an_option_names_the_options(tmp_path: Path) -> None:
    from crisisplay.incident.walk import AnswerError

    walk = new_walk(tmp_path)
    with pytest.raises(AnswerError, match=r"^Step 'd-route': '' is not one of the options: "):
        walk.answer(step_of(walk, "d-route"), {})


def test_a_draft_records_its_texts_their_hashes_and_who_signed_off(tmp_path: Path) -> None:
    import hashlib

    walk = new_walk(tmp_path)
    texts = {"x": "On oat latte: a late batch. Next update 09:00 UTC.", "facebook": "We know."}
    data = walk.answer(step_of(walk, "h-draft"), {"texts": texts, "approved_by": "Ben Manager"})
    assert (data["step"], data["stage"], data["kind"]) == ("h-draft", "hold", "draft")
    assert data["status"] == "approved" and data["texts"] == texts
    assert data["sha256"] == {p: hashlib.sha256(t.encode()).hexdigest() for p, t in texts.items()}
    assert data["approval"] == {"by": "Ben Manager", "role": "account-manager", "at": None}


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


# --- replay: the state a resumed walk rebuilds from the log -----------------------------------


def test_replaying_the_log_rebuilds_what_the_walk_knows(tmp_path: Path) -> None:
    """Resume rebuilds the walk from its events: the variables the statements use, the texts
    already out (for the checker), each network's state, the severity (its deadlines), and
    whether the incident was closed."""
    walk = new_walk(tmp_path, severity=2)
    assert not walk.has_variables and not walk.closed

    def event(kind: str, minute: int, **data: Any) -> dict[str, Any]:
        return {"type": kind, "data": data, "ts": (FIRST + timedelta(minutes=minute)).isoformat()}

    walk.apply(event("variables", 1, values={"product": "oat latte"}))
    walk.apply(event("variables", 1))  # a variables event with no values changes nothing
    assert walk.has_variables is True and walk.variables == {"product": "oat latte"}
    walk.apply(event("step", 2, step="d-text", stage="detect", save_as="what", value="spoilt"))
    assert walk.variables["what"] == "spoilt"
    assert walk.last_step_at == FIRST + timedelta(minutes=2)
    texts = {"x": "On oat latte: spoilt.", "facebook": "We know about it."}
    walk.apply(
        event(
            "step",
            3,
            step="h-draft",
            stage="hold",
            texts=texts,
            published={"x": {"url": "https://x.com/b/status/2", "at": "2026-11-20T08:03:00Z"}},
        )
    )
    assert walk.published == list(texts.values())
    assert walk.networks["h-draft"] == {
        "x": {
            "state": "published",
            "url": "https://x.com/b/status/2",
            "at": "2026-11-20T08:03:00Z",
        },
        "facebook": {"state": "pending"},
    }
    walk.apply(
        event(
            "publication",
            4,
            step="h-draft",
            stage="hold",
            platform="facebook",
            state="published",
            url="https://facebook.com/b/posts/3",
        )
    )
    assert walk.networks["h-draft"]["facebook"] == {
        "state": "published",
        "url": "https://facebook.com/b/posts/3",
    }
    assert walk.unpublished() == []
    # a publication for a draft the walk holds no networks for is kept, not a crash
    walk.apply(
        event("publication", 4, step="d-text", stage="detect", platform="x", state="pending")
    )
    assert walk.networks["d-text"] == {"x": {"state": "pending"}}
    walk.apply(event("severity.changed", 5, to="1"))
    assert walk.severity == 1 and walk.severity_level().name == "Critical"
    hold = walk.deadline_for("hold")
    assert hold is not None and hold.due_at == FIRST + timedelta(minutes=30)  # critical: 30m
    assert not walk.closed
    walk.apply(event("deadline.missed", 6, stage="detect"))
    assert walk.missed == {"detect"} and not walk.closed
    walk.apply(event("incident.closed", 7))
    assert walk.closed is True
    assert walk.last_step_at == FIRST + timedelta(minutes=3)  # steps only


# --- deadlines: which stages have one, and when one is newly missed ---------------------------


def test_a_stage_without_a_due_time_has_no_deadline_and_hides_none_after_it(
    tmp_path: Path,
) -> None:
    text = Path(BRANCHES).read_text(encoding="utf-8")
    assert text.count("    due: 1h\n") == 1
    playbook = tmp_path / "no-hold-due.yaml"
    playbook.write_text(text.replace("    due: 1h\n", ""), encoding="utf-8")
    walk = new_walk(tmp_path, playbook=str(playbook))
    assert [(d.stage, d.title) for d in walk.deadlines()] == [
        ("detect", "Detect"),
        ("close", "Close"),
    ]
    assert walk.deadline_for("hold") is None


def test_each_deadline_carries_its_stage_title(tmp_path: Path) -> None:
    walk = new_walk(tmp_path)
    assert [(d.stage, d.title, d.due_at - FIRST) for d in walk.deadlines()] == [
        ("detect", "Detect", timedelta(minutes=15)),
        ("hold", "Hold", timedelta(hours=1)),
        ("close", "Close", timedelta(hours=3)),
    ]


def test_a_missed_deadline_already_recorded_does_not_hide_the_later_ones(tmp_path: Path) -> None:
    walk = new_walk(tmp_path)
    walk.apply({"type": "deadline.missed", "data": {"stage": "detect"}, "ts": FIRST.isoformat()})
    late = FIRST + timedelta(hours=4)
    assert [d.stage for d in walk.newly_missed(late)] == ["hold", "close"]


def test_a_deadline_is_missed_after_its_due_time_not_at_it(tmp_path: Path) -> None:
    walk = new_walk(tmp_path)
    due = FIRST + timedelta(minutes=15)
    assert walk.newly_missed(due) == []  # still in detect, exactly at its due time
    assert [d.stage for d in walk.newly_missed(due + timedelta(seconds=1))] == ["detect"]
    for step_id in DETECT_BEFORE_ROUTE:
        record(walk, step_id)
    record(walk, "d-route", minute=15, option="Jump to the last detect step")
    walk.apply(
        {"type": "step", "data": {"step": "d-last", "stage": "detect"}, "ts": due.isoformat()}
    )
    assert walk.stage_done["detect"] == due
    assert walk.newly_missed(due + timedelta(minutes=5)) == []  # done exactly on time


# --- severity and options the playbook no longer has ------------------------------------------


def test_a_severity_the_playbook_does_not_list_takes_its_last_level(tmp_path: Path) -> None:
    walk = new_walk(tmp_path, severity=9)
    levels = walk.resolved.playbook.severity_levels()
    assert walk.severity_level() is levels[-1]
    assert walk.severity_level().level == 4
    assert new_walk(tmp_path, severity=1).severity_level().level == 1


def test_a_recorded_option_the_playbook_no_longer_has_goes_on_to_the_next_step(
    tmp_path: Path,
) -> None:
    """Resumed on an updated playbook whose option was renamed: the walk carries on."""
    walk = walk_to_route(tmp_path)
    record(walk, "d-route", option="An option since renamed")
    cur = walk.current()
    assert cur is not None and cur[1].id == "d-notify"
