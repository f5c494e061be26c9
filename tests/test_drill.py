"""Drills: scenario files, the simulated clock, scripted drills and their scores."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from answering import ROOT, answers_for, cli, events, library, verified, write_yaml
from crisisplay.drill.clock import SimClock
from crisisplay.drill.scenario import load_scenario, problems_against
from crisisplay.drill.scripted import scripted_drill
from crisisplay.errors import PlaybookError

SCENARIOS = Path(__file__).resolve().parent / "data" / "scenarios"
QUICK = SCENARIOS / "quick.yaml"
SHIPPED = sorted((ROOT / "scenarios").rglob("*.yaml"))

# A careful run of the quick scenario on the mini protocol: every answer in time.
GOOD: dict[str, Any] = {
    "incident": {"first_seen": "2026-11-20T10:00:00Z"},
    "detect-look": {"value": "done", "at": "1m"},
    "delete-ask": {"value": "Leave it up", "at": "2m"},
    "detect-triage": {"value": "Unhappy customer", "at": "3m"},
    "detect-escalate": {"value": "no answer yet", "at": "4m"},
    "hold-issue-summary": {"value": "some iced coffees were served warm", "at": "6m"},
    "troll-bait": {"value": "Ignore it", "at": "8m"},
    "hold-draft": {"accept": True, "at": "10m"},
    "hold-done": {"value": "done", "at": "11m"},
}
NON_APOLOGY = (
    "We are sorry if anyone was upset. We take this very seriously. Next update by 11:00 UTC."
)


def bad_run() -> dict[str, Any]:
    """The same walk with deliberate mistakes, each one costed in docs/drills.md."""
    bad = json.loads(json.dumps(GOOD))
    bad["delete-ask"] = {"value": "Delete it", "at": "2m"}  # a marked mistake: 10
    bad["detect-escalate"] = {"value": "done", "at": "4m"}  # "acknowledged", unreachable: 5
    bad["troll-bait"] = {"value": "Reply and defend", "at": "14m"}  # mistake 10; 8m > 5m: 3
    bad["hold-draft"] = {  # due by 15m, out at 25m (10m > 15m/4): 10; findings below
        "accept": True,
        "text": NON_APOLOGY,
        "override": "the client insisted",
        "at": "25m",
    }
    bad["hold-done"] = {"value": "done", "at": "26m"}  # hold due 20m, done 26m (> 20m/4): 10
    return bad


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A home with the mini protocol the quick scenario is written for."""
    (tmp_path / "playbooks").mkdir()
    shutil.copy(SCENARIOS / "drill-mini.yaml", tmp_path / "playbooks")
    return tmp_path


def play(home: Path, answers: dict[str, Any], scenario: Path = QUICK) -> dict[str, Any]:
    lib = library(home)
    loaded = load_scenario(scenario)
    resolved = lib.load(loaded.scenario.playbook_ref())
    path = write_yaml(home / "answers.yaml", answers)
    _, score = scripted_drill(lib, loaded, resolved, path, speed=60)
    return score


def lost(score: dict[str, Any]) -> set[tuple[str, str, int]]:
    return {(i["code"], i["subject"], i["lost"]) for i in score["items"]}


# --- scenario files -----------------------------------------------------------------------


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_scenario_fits_its_playbook(path: Path, tmp_path: Path) -> None:
    loaded = load_scenario(path)
    sc = loaded.scenario
    resolved = library(tmp_path).load(sc.playbook_ref())
    assert problems_against(loaded, resolved) == []
    assert path.parent.name == sc.language  # scenarios/en/…, scenarios/es/…
    assert resolved.playbook.language == sc.language
    assert sc.briefing.strip() and sc.summary.strip()
    assert sc.expect, "a shipped scenario says what the triage should conclude"
    for event in sc.decisions():
        options = event.options or []
        assert any(o.expected for o in options), f"{event.id}: no expected option"
        assert any(o.mistake for o in options), f"{event.id}: no option marked as a mistake"
        assert all((o.mistake or "").strip() or not o.mistake for o in options)


def test_shipped_scenarios_come_in_english_and_spanish() -> None:
    languages = {load_scenario(p).scenario.language for p in SHIPPED}
    assert {"en", "es"} <= languages


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    return path


HEAD = """\
schema: crisisplay/scenario/v1
id: broken
title: Broken
language: en
incident: {title: T, severity: 2, client: C}
"""


@pytest.mark.parametrize(
    ("body", "where", "says"),
    [
        (
            "timeline:\n  - id: a\n    at: 12\n    kind: post\n    text: hi\n",
            "8:9",
            "12 has no unit",
        ),
        (
            "timeline:\n  - id: a\n    at: 0m\n    kind: tweet\n    text: hi\n",
            "9:11",
            "kind: 'tweet' is not allowed",
        ),
        ("timelines: []\n", "6:1", "unknown key 'timelines' — did you mean 'timeline'?"),
        ("", "1:1", "scenario: missing required key 'timeline'"),
        (
            "timeline:\n  - {id: a, at: 0m, kind: post, text: x}\n"
            "  - {id: a, at: 1m, kind: note, text: y}\n",
            "8:10",
            "the id is used twice",
        ),
        (
            "timeline:\n  - id: q\n    at: 1m\n    kind: note\n    text: x\n    decide: Q?\n"
            "    options:\n      - label: Only one\n",
            "7:5",
            "a decision needs 'options', at least two",
        ),
        (
            "timeline:\n  - {id: m, at: 0m, kind: metric, text: x}\n",
            "7:5",
            "a metric event needs 'metric'",
        ),
        (
            "timeline:\n  - {id: u, at: 2h, kind: unreachable, role: legal, until: 1h}\n",
            "7:60",
            "until 1h is not after at 2h",
        ),
    ],
)
def test_a_broken_scenario_says_where(tmp_path: Path, body: str, where: str, says: str) -> None:
    path = write(tmp_path, HEAD + body)
    with pytest.raises(PlaybookError) as info:
        load_scenario(path)
    shown = [str(p) for p in info.value.problems]
    assert any(p.startswith(f"{path}:{where}: ") and says in p for p in shown), shown


def test_a_scenario_is_checked_against_the_playbook_it_is_played_on(
    home: Path, tmp_path: Path
) -> None:
    body = """\
timeline:
  - {id: post, at: 0m, kind: post, text: x}
  - {id: silent, at: 1m, kind: unreachable, role: press-office}
  - {id: detect-look, at: 2m, kind: note, text: clash}
expect:
  detect-triag: Unhappy
  detect-triage: {option: Angry}
statements:
  detect-look: {by: 5m}
"""
    path = write(tmp_path, HEAD.replace("severity: 2", "severity: 7") + body)
    loaded = load_scenario(path)
    found = sorted(str(p) for p in problems_against(loaded, library(home).load("drill-mini")))
    expected = [
        f"{path}:11:3: expect: playbook 'drill-mini' has no step 'detect-triag' — did you "
        "mean 'detect-triage'?",
        f"{path}:12:27: expect 'detect-triage': 'Angry' is not one of its options: "
        "Troll — wants a reaction; Unhappy customer — something went wrong",
        f"{path}:14:3: statements 'detect-look': it is a check step, not a draft",
        f"{path}:5:32: incident.severity 7 is not one of the levels of playbook 'drill-mini' "
        "(1, 2, 3, 4)",
        f"{path}:8:51: event 'silent': role 'press-office' is not one of the contacts of "
        "playbook 'drill-mini' (account-manager)",
        f"{path}:9:10: event 'detect-look': playbook 'drill-mini' has a step with this id; "
        "event ids and step ids share the answers file, so give the event another id",
    ]
    assert found == sorted(expected)


def test_the_command_reports_a_broken_scenario_without_a_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "timeline:\n  - {id: a, at: soon, kind: post, text: x}\n")
    proc = cli(tmp_path, "drill", str(path), "--answers", str(path))
    assert proc.returncode == 1
    assert f"{path}:7:17: event 'a', at: 'soon' is not a duration" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "incidents").exists()


# --- the clock ----------------------------------------------------------------------------


class Ticks:
    """A monotonic source that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_scenario_time_runs_speed_times_faster_than_real_time() -> None:
    real = Ticks()
    start = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
    clock = SimClock(start, 10, source=real)
    assert clock.now() == start
    real.now += 6 * 60  # six real minutes …
    assert clock.elapsed() == timedelta(hours=1)  # … are the golden hour at ×10
    assert clock.now() == start + timedelta(hours=1)
    assert clock.real_seconds_until(start + timedelta(hours=2)) == 360


def test_a_resumed_clock_goes_on_from_where_it_stopped() -> None:
    real = Ticks()
    start = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
    clock = SimClock(start, 60, elapsed=timedelta(minutes=42), source=real)
    assert clock.now() == start + timedelta(minutes=42)
    real.now += 1
    assert clock.elapsed() == timedelta(minutes=43)
    with pytest.raises(ValueError):
        SimClock(start, 0, source=real)


# --- scripted drills and their scores -----------------------------------------------------


def test_a_careful_run_scores_full_marks_and_the_log_is_a_drill(home: Path) -> None:
    score = play(home, GOOD)
    assert score["total"] == 100
    assert score["items"] == []
    evs = events(home, score["incident"])
    assert evs[0]["data"]["drill"] is True
    assert verified(home, score["incident"])
    types = [e["type"] for e in evs]
    assert types.count("drill.started") == 1 and types[-1] == "drill.scored"
    # Events reached by the end (11m) are recorded at their own scenario time.
    shown = {e["data"]["event"]: e["at"] for e in evs if e["type"] == "drill.event"}
    assert shown == {
        "first-post": "2026-11-20T10:00:00.000000Z",
        "am-away": "2026-11-20T10:00:00.000000Z",
        "delete-ask": "2026-11-20T10:00:00.000000Z",
        "repost": "2026-11-20T10:03:00.000000Z",
        "troll-bait": "2026-11-20T10:06:00.000000Z",
    }
    decided = [e["data"] for e in evs if e["type"] == "drill.decision"]
    assert [(d["event"], d["option"], d["after_s"]) for d in decided] == [
        ("delete-ask", "Leave it up and answer her", 120),
        ("troll-bait", "Ignore it", 120),
    ]
    steps = {e["data"]["step"]: e["at"] for e in evs if e["type"] == "step"}
    assert steps["hold-draft"] == "2026-11-20T10:10:00.000000Z"
    assert (home / "incidents" / score["incident"] / "scenario.yaml").read_bytes() == (
        QUICK.read_bytes()
    )


def test_a_bad_run_scores_worse_on_exactly_the_mistakes_it_made(home: Path) -> None:
    good, bad = play(home, GOOD), play(home, bad_run())
    assert sorted((i["code"], i["subject"], i["lost"]) for i in bad["items"]) == sorted(
        [
            ("decision-mistake", "delete-ask", 10),
            ("unreachable-acknowledged", "detect-escalate", 5),
            ("decision-mistake", "troll-bait", 10),
            ("decision-late", "troll-bait", 3),
            ("statement-late", "hold-draft", 10),
            ("deadline-missed", "hold", 10),
            ("finding-error", "hold-draft", 5),  # holding-needs-acknowledgement
            ("finding-error", "hold-draft", 5),  # conditional-apology
            ("finding-warning", "hold-draft", 1),  # canned-cliche
        ]
    )
    rules = sorted(i["message"].split(" ")[2] for i in bad["items"] if i["code"].startswith("f"))
    assert rules == ["canned-cliche", "conditional-apology", "holding-needs-acknowledgement"]
    assert good["total"] - bad["total"] == sum(i["lost"] for i in bad["items"]) == 59
    assert {c["id"]: c["score"] for c in bad["categories"]} == {
        "deadlines": 10,
        "statements": 14,
        "decisions": 10,
        "timeliness": 7,
    }
    # The debrief names each mistake with the scenario's own WHY and the times involved.
    text = "\n".join(i["message"] for i in bad["items"])
    assert "R3: criticism is never hidden." in text
    assert "R6: don't feed trolls." in text
    assert "Holding statement was due at T+00:20; done at T+00:26: 6m late." in text
    assert "it went out at T+00:25: 10m late. A complaint that spreads" in text
    assert "answered at T+00:14, 8m after it came in (due within 5m)" in text
    assert "Published with an override: “the client insisted”" in text


def test_one_mistake_costs_exactly_its_own_points(home: Path) -> None:
    answers = dict(GOOD, **{"delete-ask": {"value": "Hide it for now", "at": "2m"}})
    score = play(home, answers)
    assert lost(score) == {("decision-mistake", "delete-ask", 8)}  # the option's own cost
    assert score["total"] == 92
    triage = dict(GOOD, **{"detect-triage": {"value": "Troll", "at": "3m"}})
    score = play(home, triage)  # the troll branch ends the walk before any statement
    assert lost(score) == {
        ("expectation-missed", "detect-triage", 10),
        ("statement-missing", "hold-draft", 10),
    }
    message = next(i["message"] for i in score["items"] if i["subject"] == "detect-triage")
    assert "attacking the accuser (R5)" in message


def test_the_same_answers_give_the_same_score_whenever_they_are_played(home: Path) -> None:
    first = play(home, bad_run())
    later = bad_run()
    later["incident"] = {"first_seen": "2024-01-05T23:30:00Z"}
    second = play(home, later)
    assert first["incident"] != second["incident"]
    for score in (first, second):
        score.pop("incident")
    assert first == second


def test_a_shipped_scenario_scores_the_decisions_it_marks(tmp_path: Path) -> None:
    """offensive-meme on the default playbook: two marked mistakes cost exactly 20."""
    path = ROOT / "scenarios" / "en" / "offensive-meme.yaml"
    resolved = library(tmp_path).load("default")
    walk = answers_for(
        resolved,
        {
            "detect-positive": "Negative",
            "detect-legal-safety": "No",
            "detect-triage": "Unhappy customer",
            "verify-personal-data": "No",
            "verify-fault": "Yes",
            "apologise-spokesperson": "No",
        },
    )
    walk.pop("incident")
    careful: dict[str, Any] = {"incident": {"first_seen": "2026-11-20T21:00:00Z"}}
    for n, (step, value) in enumerate(walk.items(), start=1):  # a step a minute
        careful[step] = (
            dict(value, at=f"{n}m")
            if isinstance(value, dict)
            else {
                "value": value,
                "at": f"{n}m",
            }
        )
    careful["detect-escalate"] = {"value": "no answer yet", "at": careful["detect-escalate"]["at"]}
    careful.update(
        {
            "intern-panics": "Delete our post now",
            "troll-cheers": "Hide it",
            "client-wants-hack": "No — we say what happened",
            "journalist-call": "Point her to our statement",
        }
    )
    good = play(tmp_path, careful, path)
    sloppy = dict(careful, **{"intern-panics": "Delete it quietly", "client-wants-hack": "Say"})
    bad = play(tmp_path, sloppy, path)
    assert good["total"] - bad["total"] == 20
    assert lost(bad) - lost(good) == {
        ("decision-mistake", "intern-panics", 10),
        ("decision-mistake", "client-wants-hack", 10),
    }
    assert lost(good) <= lost(bad)
    text = "\n".join(i["message"] for i in bad["items"])
    assert "R1: never lie. The intern's scheduler log exists" in text
    assert "a silent deletion becomes" in text
    # ends_after: apologise — the drill ends there and its incident is closed.
    evs = events(tmp_path, bad["incident"])
    closed = [e["data"] for e in evs if e["type"] == "incident.closed"]
    assert closed == [{"outcome": "drill-ended", "last_step": "apologise-spokesperson"}]
    assert bad["ended"]["reason"] == "ends-after"


# --- answers that cannot be played --------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"troll-bait": None}, "no answer for the decision of event 'troll-bait' (T+00:06)"),
        ({"troll-bait": "Shout"}, "event 'troll-bait': 'Shout' is not one of its options"),
        ({"troll-bait": {"value": "Ignore", "at": "5m"}}, "before it happens (T+00:06)"),
        ({"hold-done": {"value": "done", "at": "9m"}}, "comes before the step answered before"),
        ({"hold-draft": None}, "no answer for step 'hold-draft'"),
        ({"incident": {"title": "x"}}, "'title' comes from the scenario in a drill"),
    ],
)
def test_a_wrong_answers_file_writes_nothing(home: Path, change: dict[str, Any], says: str) -> None:
    answers = dict(GOOD)
    for key, value in change.items():
        if value is None:
            del answers[key]
        else:
            answers[key] = value
    with pytest.raises(PlaybookError) as info:
        play(home, answers)
    assert says in str(info.value)
    assert not (home / "incidents").exists() or not any((home / "incidents").iterdir())


# --- the command --------------------------------------------------------------------------


def test_drill_command_prints_the_debrief_then_the_incident_id(home: Path) -> None:
    answers = write_yaml(home / "bad.yaml", bad_run())
    proc = cli(home, "drill", str(QUICK), "--answers", str(answers), "--fail-under", "50")
    assert proc.returncode == 1, proc.stderr  # 41 is under 50
    lines = proc.stdout.strip().splitlines()
    assert lines[0] == "Drill: Cold coffee on a hot day (quick) — 41/100"
    assert "  Deadlines    10/30" in lines
    assert "What to work on:" in lines
    assert lines[-1].startswith("2026") and lines[-1] in proc.stderr
    assert "The drill scored 41, under 50." in proc.stderr
    proc = cli(home, "drill", "quick", "--answers", str(answers), "--json")
    assert proc.returncode == 1  # the workspace's quick scenario is not there: an id
    assert "No scenario 'quick'" in proc.stderr


def test_drill_json_is_the_score_object(home: Path) -> None:
    (home / "scenarios").mkdir()
    shutil.copy(QUICK, home / "scenarios")  # a workspace scenario, found by its id
    answers = write_yaml(home / "good.yaml", GOOD)
    proc = cli(home, "drill", "quick", "--answers", str(answers), "--json")
    assert proc.returncode == 0, proc.stderr
    score = json.loads(proc.stdout)
    assert list(score) == [
        "schema",
        "scenario",
        "title",
        "incident",
        "playbook",
        "total",
        "max",
        "ended",
        "categories",
        "items",
        "good",
    ]
    assert score["total"] == 100 and score["playbook"] == {"id": "drill-mini", "version": "1.0.0"}
    stats = cli(home, "stats", "--format", "json")
    assert stats.returncode == 0
    assert json.loads(stats.stdout)["incidents"]["total"] == 0  # drills are left out


def test_drill_list_shows_shipped_and_workspace_scenarios(tmp_path: Path) -> None:
    (tmp_path / "scenarios").mkdir()
    mine = tmp_path / "scenarios" / "meme.yaml"
    shutil.copy(ROOT / "scenarios" / "en" / "offensive-meme.yaml", mine)
    mine.write_text(mine.read_text().replace("title: A meme on", "title: Our own meme on"))
    proc = cli(tmp_path, "drill", "--list", "--json")
    assert proc.returncode == 0, proc.stderr
    listed = {e["id"]: e for e in json.loads(proc.stdout)}
    assert {"offensive-meme", "cierre-por-reparto"} <= set(listed)
    meme = listed["offensive-meme"]
    assert meme["origin"] == "workspace" and meme["title"].startswith("Our own meme")
    assert meme["language"] == "en"
    assert meme["length"] == "3h" and meme["decisions"] == 8  # 5 events + 3 expectations
    assert listed["cierre-por-reparto"]["language"] == "es"
    table = cli(tmp_path, "drill", "--list")
    assert "cierre-por-reparto" in table.stdout and "workspace" in table.stdout


def test_drill_without_a_scenario_off_a_terminal_is_a_usage_error(tmp_path: Path) -> None:
    proc = cli(tmp_path, "drill")
    assert proc.returncode == 2
    assert "crisisplay drill SCENARIO" in proc.stderr


# The unhappy-customer path through the shipped defaults, for the steps a scenario does
# not set expectations on.
PATH_BY_LANGUAGE = {
    "en": {
        "detect-positive": "Negative",
        "detect-legal-safety": "No",
        "detect-triage": "Unhappy customer",
        "verify-personal-data": "No",
        "verify-fault": "Yes",
        "apologise-spokesperson": "No",
    },
    "es": {
        "detect-positive": "Negativa",
        "detect-legal-safety": "No",
        "detect-triage": "Cliente molesto",
        "verify-personal-data": "No",
        "verify-fault": "Sí",
        "apologise-spokesperson": "No",
    },
}


def run_of(scenario: Any, resolved: Any, pick: Any) -> dict[str, Any]:
    """Answers that meet every expectation, a step a minute, each decision one minute after
    its event with the option `pick(event)` chooses."""
    choose = dict(PATH_BY_LANGUAGE.get(scenario.language, {}))
    choose = {k: v for k, v in choose.items() if resolved.playbook.step(k) is not None}
    asks = {}
    for step_id, exp in scenario.expectations().items():
        if resolved.playbook.step(step_id).kind == "decide":
            choose[step_id] = exp.option
        else:
            asks[step_id] = exp.option
    walk = answers_for(resolved, choose)
    variables = walk.pop("incident")["variables"]
    answers: dict[str, Any] = {
        "incident": {"first_seen": "2026-11-20T09:00:00Z", "variables": variables}
    }
    for n, (step, value) in enumerate(walk.items(), start=1):
        value = asks.get(step, value)
        if resolved.playbook.step(step).kind == "notify":
            value = "no answer yet"  # nobody is recorded as answering who could not
        answers[step] = (
            dict(value, at=f"{n}m") if isinstance(value, dict) else {"value": value, "at": f"{n}m"}
        )
    for event in scenario.decisions():
        at = event.offset + timedelta(minutes=1)
        answers[event.id] = {"value": pick(event).label, "at": f"{int(at.total_seconds())}s"}
    return answers


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_scenario_scores_its_marked_mistakes_exactly(
    path: Path, tmp_path: Path
) -> None:
    """A scenario not written with these tests in mind: the expected answers to its
    decisions cost nothing, and its marked mistakes cost exactly their points."""
    sc = load_scenario(path).scenario
    resolved = library(tmp_path).load(sc.playbook_ref())
    careful = play(
        tmp_path, run_of(sc, resolved, lambda e: next(o for o in e.options if o.expected)), path
    )
    assert not [i for i in careful["items"] if i["category"] in ("decisions", "timeliness")]
    reached = {g["subject"] for g in careful["good"] if g["code"] == "decision-good"}
    assert reached, "the careful run reaches at least one of the scenario's decisions"
    sloppy = play(
        tmp_path, run_of(sc, resolved, lambda e: next(o for o in e.options if o.mistake)), path
    )
    added = [i for i in sloppy["items"] if i not in careful["items"]]
    expected = {
        (e.id, next(o for o in e.options if o.mistake).cost or 10)
        for e in sc.decisions()
        if e.id in reached
    }
    assert {(i["subject"], i["lost"]) for i in added} == expected
    assert all(i["code"] == "decision-mistake" for i in added)
    for item in added:
        why = next(o for o in sc.event(item["subject"]).options if o.mistake).mistake
        assert why.strip() in item["message"]
    decisions_max = sc.scoring.decisions
    assert careful["total"] - sloppy["total"] == min(decisions_max, sum(c for _, c in expected))


def test_a_drill_report_calls_its_times_scenario_time_not_backfilled(home: Path) -> None:
    score = play(home, GOOD)
    for fmt in ("md", "html"):
        result = cli(home, "report", score["incident"], "--format", fmt)
        assert result.returncode == 0, result.stderr
        assert "scenario time" in result.stdout
        assert "(backfilled" not in result.stdout and "_backfilled_" not in result.stdout
