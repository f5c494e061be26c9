"""Drills: scenario files, the simulated clock, scripted drills and their scores."""

from __future__ import annotations

import itertools
import json
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from answering import ROOT, answers_for, cli, drill_answers, events, library, verified, write_yaml
from crisisplay.drill.clock import SimClock
from crisisplay.drill.scenario import load_scenario, problems_against
from crisisplay.drill.score import debrief
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
    path = home / "answers.yaml"  # JSON is YAML, and much quicker to write
    path.write_text(json.dumps(answers, ensure_ascii=False), encoding="utf-8")
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
    assert loaded.warnings == [], "an option label too long for the selection list"
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
        (
            "timeline:\n  - {id: v, at: 0m, kind: post, platform: youtub, text: x}\n",
            "7:43",
            "platform: 'youtub' is not allowed; use one of: x, bluesky, threads, instagram, "
            "facebook, linkedin, tiktok, youtube, reddit, whatsapp, telegram, forum, web — "
            "did you mean 'youtube'?",
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
        f"{path}:13:1: statements: no deadline for the holding statement — add 'hold-draft: "
        "{by: 45m, why: …}' under statements (how fast this crisis needs its first word; "
        "playbook 'drill-mini' drafts it in hold-draft)",
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


def test_writing_a_statement_runs_at_real_time_not_at_the_drill_s_speed() -> None:
    real = Ticks()
    start = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
    clock = SimClock(start, 60, source=real)
    real.now += 1  # one real second reading: a scenario minute at ×60
    with clock.typing():
        real.now += 90  # a minute and a half typing the statement: charged at ×1
        assert clock.elapsed() == timedelta(seconds=60 + 90)
    real.now += 1  # and back at ×60 once it is written
    assert clock.elapsed() == timedelta(seconds=60 + 90 + 60)
    assert clock.typed == timedelta(seconds=90)


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
    # Full marks but for the holding statement's ten minutes: out at T+00:10 of the 15
    # allowed costs 3 × 10/15 = 2 of its 25 (earlier is always better).
    assert score["total"] == 98
    assert [(i["code"], i["lost"]) for i in score["items"]] == [("holding-time", 2)]
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


# The quick scenario's worst cases, counted by hand from quick.yaml and drill-mini.yaml:
# deadlines 20 (stages detect and hold, 10 each; hold-draft's `by` is the holding
# statement's, scored in its own category), decisions 50 (the detect-triage expectation 10;
# the mistakes of delete-ask, troll-bait and news, 10 each; detect-escalate acknowledged
# while the account manager is away, 5; hold-done, "Pin the statement", done with nothing
# published, 5), timeliness 9 (three decisions, 3 each).
# So a raw point costs 15/20 in deadlines, 35/50 in decisions, 10/9 in timeliness,
# rounded down to a tenth; statements keep their raw points.
MISTAKE_10 = 7  # 10 × 35/50
ACK_5 = 3.5  # 5 × 35/50
LATE_3 = 3.3  # 3 × 10/9 = 3.33


def test_a_bad_run_scores_worse_on_exactly_the_mistakes_it_made(home: Path) -> None:
    good, bad = play(home, GOOD), play(home, bad_run())
    assert sorted((i["code"], i["subject"], i["raw"], i["lost"]) for i in bad["items"]) == sorted(
        [
            ("decision-mistake", "delete-ask", 10, MISTAKE_10),
            ("unreachable-acknowledged", "detect-escalate", 5, ACK_5),
            ("decision-mistake", "troll-bait", 10, MISTAKE_10),
            ("decision-late", "troll-bait", 3, LATE_3),
            # out at 25m, due 15m: 3 + 19 × 10/30 = 9.33 of the holding statement's 25
            ("holding-late", "hold-draft", 9.33, 9.33),
            ("deadline-missed", "hold", 10, 7.5),
            # a missing element is only probable: a warning, one point
            ("finding-warning", "hold-draft", 1, 1),  # holding-needs-acknowledgement
            ("finding-error", "hold-draft", 5, 5),  # conditional-apology
            ("finding-warning", "hold-draft", 1, 1),  # canned-cliche
        ]
    )
    rules = sorted(i["message"].split(" ")[2] for i in bad["items"] if i["code"].startswith("f"))
    assert rules == ["canned-cliche", "conditional-apology", "holding-needs-acknowledgement"]
    spent = sum(i["lost"] for i in bad["items"]) - sum(i["lost"] for i in good["items"])
    assert good["total"] - bad["total"] == pytest.approx(spent)
    assert bad["total"] == 55.37  # 100 − (7 + 3.5 + 7 + 3.3 + 9.33 + 7.5 + 1 + 5 + 1)
    assert {c["id"]: (c["score"], c["raw"], c["worst"]) for c in bad["categories"]} == {
        "holding": (15.67, 9.33, 25),
        "deadlines": (7.5, 10, 20),
        "statements": (8, 7, bad["categories"][2]["worst"]),
        "decisions": (17.5, 25, 50),
        "timeliness": (6.7, 3, 9),
    }
    # The debrief names each mistake with the scenario's own WHY and the times involved.
    text = "\n".join(i["message"] for i in bad["items"])
    assert "R3: criticism is never hidden." in text
    assert "R6: don't feed trolls." in text
    assert "Holding statement was due at T+00:20; done at T+00:26: 6m late." in text
    assert "Holding statement out at T+00:25, due T+00:15: 10m late. A complaint that" in text
    assert "answered at T+00:14, 8m after it came in (due within 5m)" in text
    assert "Published with an override: “the client insisted”" in text


def test_one_mistake_costs_exactly_its_own_points(home: Path) -> None:
    answers = dict(GOOD, **{"delete-ask": {"value": "Hide it for now", "at": "2m"}})
    score = play(home, answers)
    # The option's own cost, 8, shared like the others: 8 × 35/50 = 5.6.
    assert {(i["code"], i["subject"], i["raw"], i["lost"]) for i in score["items"]} == {
        ("decision-mistake", "delete-ask", 8, 5.6),
        ("holding-time", "hold-draft", 2.0, 2),
    }
    assert score["total"] == 92.4
    triage = dict(GOOD, **{"detect-triage": {"value": "Troll", "at": "3m"}})
    score = play(home, triage)  # the troll branch ends the walk before any statement
    assert lost(score) == {
        ("expectation-missed", "detect-triage", MISTAKE_10),
        ("holding-missing", "hold-draft", 25),  # silence costs the whole quarter
    }
    assert score["total"] == 68
    message = next(i["message"] for i in score["items"] if i["subject"] == "detect-triage")
    assert "attacking the accuser (R5)" in message


def test_no_holding_statement_is_right_only_on_the_branch_the_scenario_expects(
    home: Path, tmp_path: Path
) -> None:
    """A troll is monitored, not answered: where the scenario expects the troll branch,
    which publishes nothing, silence is not charged; where it does not, it costs 25."""
    troll = tmp_path / "troll.yaml"
    text = QUICK.read_text(encoding="utf-8")
    text = text.replace("    option: Unhappy customer\n", "    option: Troll\n").replace(
        "      Troll: Calling a paying customer a troll is attacking the accuser (R5).\n",
        "      Unhappy customer: It is a troll.\n",
    )
    troll.write_text(text, encoding="utf-8")
    answers = dict(GOOD, **{"detect-triage": {"value": "Troll", "at": "3m"}})
    score = play(home, answers, troll)
    assert not [i for i in score["items"] if i["category"] == "holding"]
    assert "holding-not-needed" in {g["code"] for g in score["good"]}
    assert score["total"] == 100
    wrong = play(home, answers)  # the quick scenario expects an unhappy customer
    assert "holding-missing" in {i["code"] for i in wrong["items"]}


def test_every_item_lowers_the_total_even_past_a_category_s_maximum(
    home: Path, tmp_path: Path
) -> None:
    """Five marked mistakes on a category of 35 that used to stop at zero after four."""
    text = QUICK.read_text(encoding="utf-8")
    extra = "".join(
        f"""  - id: push-{n}
    at: {n}m
    kind: message
    text: Another push, number {n}.
    decide: Give in?
    options:
      - label: Give in
        mistake: "Giving in, number {n}."
      - label: Hold firm
        expected: true
"""
        for n in range(1, 4)
    )
    many = tmp_path / "many.yaml"
    many.write_text(text.replace("expect:\n", extra + "expect:\n"), encoding="utf-8")
    careful = dict(GOOD, **{f"push-{n}": "Hold firm" for n in range(1, 4)})
    answers = dict(careful, **{"delete-ask": {"value": "Delete it", "at": "2m"}})
    totals = [play(home, careful, many)["total"], play(home, answers, many)["total"]]
    answers["troll-bait"] = {"value": "Reply and defend", "at": "8m"}
    totals.append(play(home, answers, many)["total"])
    for n in range(1, 4):
        answers[f"push-{n}"] = "Give in"
        score = play(home, answers, many)
        totals.append(score["total"])
    # Decisions' worst case is now 80 (50 + three pushes of 10): each mistake costs
    # 10 × 35/80 = 4.375, to a tenth 4.3, the fifth as much as the first.
    assert [round(a - b, 1) for a, b in itertools.pairwise(totals)] == [4.3] * 5
    named = {i["subject"] for i in score["items"] if i["code"] == "decision-mistake"}
    assert named == {"delete-ask", "troll-bait", "push-1", "push-2", "push-3"}
    decisions = next(c for c in score["categories"] if c["id"] == "decisions")
    assert decisions["score"] == pytest.approx(35 - 5 * 4.3)  # face values would have stopped at 0


def test_past_any_real_run_each_item_still_costs_and_no_category_goes_below_zero() -> None:
    from crisisplay.drill.score import Scale

    # Statements keep raw points; forty possible error findings, so 0.39 is kept back
    # for the others when the first is paid, and less as each one comes.
    costs = Scale.of("statements", 25, [5] * 40).charge([5] * 40)
    assert costs[:4] == [500, 500, 500, 500]  # hundredths: 5 points each, at face value
    assert costs[4] == 465  # 5 points left, 0.35 of them kept for the 35 still possible
    assert costs[5:] == [1] * 35  # a hundredth each, and never free
    assert sum(costs) == 2500
    # Shared: 35 over a worst case of 95; a mistake 10 × 35/95 = 3.68 → 3.6.
    assert Scale.of("decisions", 35, [10] * 8 + [5] * 3).charge([10, 5]) == [360, 180]


def test_a_statement_due_with_its_stage_is_late_only_once(home: Path, tmp_path: Path) -> None:
    """hold-draft due by 20m, the hold stage's own deadline: one lateness, one penalty."""
    same = tmp_path / "same.yaml"
    same.write_text(QUICK.read_text(encoding="utf-8").replace("by: 15m", "by: 20m"), "utf-8")
    late = dict(GOOD)
    late["hold-draft"] = {"accept": True, "at": "24m"}  # 4m late: at most a quarter, 5
    late["hold-done"] = {"value": "done", "at": "26m"}  # the stage 6m late: 10
    score = play(home, late, same)
    # The holding statement 4m late: 3 + 19 × 4/40 = 4.9 of its 25; the hold stage, 6m
    # late, is the same lateness and is folded into it, not counted again.
    assert [(i["code"], i["subject"], i["raw"], i["lost"]) for i in score["items"]] == [
        ("holding-late", "hold-draft", 4.9, 4.9)
    ]
    assert score["items"][0]["message"].endswith(
        "The hold stage deadline (T+00:20, done at T+00:26: 6m late) counts once, with this."
    )
    # The statement on time and the rest of the stage late: that is the stage's lateness.
    # Deadlines' worst case is the detect stage alone (10): the hold stage costs 15.
    late["hold-draft"] = {"accept": True, "at": "19m"}
    score = play(home, late, same)
    assert [(i["code"], i["subject"], i["lost"]) for i in score["items"]] == [
        ("holding-time", "hold-draft", 2.85),
        ("deadline-missed", "hold", 15),
    ]
    # By 15m, before the stage's 20m, the scenario asks for more than the playbook: both count.
    late["hold-draft"] = {"accept": True, "at": "24m"}
    assert {(i["code"], i["subject"]) for i in play(home, late)["items"]} == {
        ("holding-late", "hold-draft"),
        ("deadline-missed", "hold"),
    }


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
    careful = drill_answers(resolved)  # a step a minute
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
    # Decisions' worst case in offensive-meme (score.worst_cases): five decision events at
    # 10, three expectations at 10, and 5 for each notify step for the account manager and
    # each draft she would have to approve while she is on a plane, and for each step that
    # points people to a statement: 140 with the protocol's triage and first-hour steps. A
    # marked mistake costs 10 × 35/140 = 2.5.
    assert good["total"] - bad["total"] == pytest.approx(5.0)
    assert lost(bad) - lost(good) == {
        ("decision-mistake", "intern-panics", 2.5),
        ("decision-mistake", "client-wants-hack", 2.5),
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
    proc = cli(home, "drill", str(QUICK), "--answers", str(answers), "--fail-under", "60")
    assert proc.returncode == 1, proc.stderr  # 55.37 is under 60
    lines = proc.stdout.strip().splitlines()
    assert lines[:3] == [
        "Drill: Cold coffee on a hot day (quick) — 55.37/100",
        "Played at ×60: 1 real minute was 60 scenario minutes; the times below are scenario time.",
        "The drill ended at T+00:26: the walk is complete. 5 of its 6 events had come by then.",
    ]
    # Plain words on each category: what was met, what it cost.
    assert "  Holding statement 15.67/25  out late: −9.33" in lines
    assert "  Deadlines           7.5/15  1 of 2 met: −7.5" in lines
    assert "  Statements            8/15  3 checker findings: −7" in lines
    assert "  Decisions          17.5/35  1 of 3 as expected: −17.5" in lines
    assert not any("of a possible" in line for line in lines)
    assert (
        f"  ✗ −{MISTAKE_10} delete-ask (T+00:00): “Delete it” — R3: criticism is never hidden."
        in (lines)
    )
    assert "What to work on:" in lines
    assert lines[-1].startswith("2026") and lines[-1] in proc.stderr
    assert "The drill scored 55.37, under 60." in proc.stderr
    proc = cli(home, "drill", "quick", "--answers", str(answers), "--json")
    assert proc.returncode == 1  # the workspace's quick scenario is not there: an id
    assert "No scenario 'quick'" in proc.stderr


def test_a_long_option_label_is_a_warning_on_stderr_not_an_error(
    home: Path, tmp_path: Path
) -> None:
    long = "Leave it up and answer her, in public, once, and then by direct message after that"
    path = tmp_path / "long.yaml"
    path.write_text(
        QUICK.read_text(encoding="utf-8").replace("Leave it up and answer her", long), "utf-8"
    )
    proc = cli(home, "drill", str(path), "--answers", str(write_yaml(home / "a.yaml", GOOD)))
    assert proc.returncode == 0, proc.stderr
    assert (
        f"{path}:39:16: warning: event 'delete-ask': option label of {len(long)} characters is "
        "cut short in the selection list on an 80-column terminal (over 77)"
    ) in proc.stderr
    assert "warning" not in proc.stdout and proc.stdout.startswith("Drill: ")


def test_log_show_tells_a_drill_s_own_events_in_one_line_each(home: Path) -> None:
    score = play(home, bad_run())
    for args in (
        ("log", "show", score["incident"]),
        ("log", "show", "--events", score["incident"]),
    ):
        proc = cli(home, *args)
        assert proc.returncode == 0, proc.stderr
        out = proc.stdout
        assert "DRILL started: quick — Cold coffee on a hot day (scripted, ×60)" in out
        assert "▶ post on x by Ana Ruiz @anaruiz (15,200 followers): Paid for iced coffee" in out
        assert "▶ unreachable account-manager until T+10d 00:00: Sam is on holiday" in out
        assert "▶ message by Store manager: Can we just delete her post from our page? ⚑" in out
        assert "◆ drill decision on delete-ask: “Delete it” ✗ mistake" in out
        assert (
            "◆ drill decision on troll-bait: “Reply and defend the brand” ✗ mistake (late)" in out
        )
        assert "DRILL ended at T+00:26: the walk is complete" in out
        assert "DRILL scored 55.37/100" in out
        assert "drill.event {" not in out and "drill ended {" not in out


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
        "language",
        "incident",
        "playbook",
        "total",
        "max",
        "speed",
        "mode",
        "ended",
        "categories",
        "items",
        "good",
    ]
    assert score["total"] == 98 and score["playbook"] == {"id": "drill-mini", "version": "1.0.0"}
    assert (score["speed"], score["mode"]) == (60, "scripted")
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
    its event with the option `pick(event)` chooses; the walk's last step waits for the
    last decision, so that every decision is reached."""
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
    stages = [s.id for s in resolved.playbook.stages]
    played = stages[: stages.index(scenario.ends_after) + 1] if scenario.ends_after else stages
    in_play = {
        step.id for stage in resolved.playbook.stages if stage.id in played for step in stage.steps
    }
    last = [step for step in walk if step in in_play][-1]
    latest = max(int(e.offset.total_seconds()) // 60 + 2 for e in scenario.decisions())
    away = {e.role for e in scenario.timeline if e.kind == "unreachable"}
    signer = next(c.name for c in resolved.client.contacts if c.role not in away)
    for n, (step, value) in enumerate(walk.items(), start=1):
        value = asks.get(step, value)
        if resolved.playbook.step(step).kind == "notify":
            value = "no answer yet"  # nobody is recorded as answering who could not
        if isinstance(value, dict) and value.get("approved_by"):
            value = dict(value, approved_by=signer)  # signed off by someone reachable
        at = f"{max(n, latest)}m" if step == last else f"{n}m"
        answers[step] = (
            dict(value, at=at) if isinstance(value, dict) else {"value": value, "at": at}
        )
    for event in scenario.decisions():
        at = event.offset + timedelta(minutes=1)
        answers[event.id] = {"value": pick(event).label, "at": f"{int(at.total_seconds())}s"}
    return answers


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_each_marked_mistake_taken_lowers_the_total_and_is_named(
    path: Path, tmp_path: Path
) -> None:
    """A scenario not written with these tests in mind. From the expected answer to every
    decision, take its marked mistakes one more at a time: each one lowers the total,
    by exactly what its item says, and the debrief names exactly the mistakes taken."""
    sc = load_scenario(path).scenario
    resolved = library(tmp_path).load(sc.playbook_ref())
    expected = {e.id: next(o for o in e.options or [] if o.expected) for e in sc.decisions()}
    mistake = {e.id: next(o for o in e.options or [] if o.mistake) for e in sc.decisions()}
    careful = play(tmp_path, run_of(sc, resolved, lambda e: expected[e.id]), path)
    assert not [i for i in careful["items"] if i["category"] in ("decisions", "timeliness")]
    good = {g["subject"] for g in careful["good"] if g["code"] == "decision-good"}
    reached = [e.id for e in sc.decisions() if e.id in good]
    assert len(reached) >= 2, "the careful run reaches at least two of the scenario's decisions"
    taken: list[str] = []
    totals = [careful["total"]]
    for event_id in reached:
        taken.append(event_id)
        score = play(
            tmp_path,
            run_of(sc, resolved, lambda e: mistake[e.id] if e.id in taken else expected[e.id]),
            path,
        )
        totals.append(score["total"])
        added = [i for i in score["items"] if i not in careful["items"]]
        assert sorted((i["code"], i["subject"], i["raw"]) for i in added) == sorted(
            ("decision-mistake", t, mistake[t].cost or 10) for t in taken
        )
        assert all(i["lost"] >= 0.1 for i in added)
        assert careful["total"] - score["total"] == pytest.approx(sum(i["lost"] for i in added))
        text = "\n".join(debrief(score))
        for event_id in reached:
            said = " ".join((mistake[event_id].mistake or "").split())
            assert (said in " ".join(text.split())) == (event_id in taken), event_id
    assert totals == sorted(totals, reverse=True) and len(set(totals)) == len(totals), totals


def test_a_spanish_drill_debriefs_in_spanish(tmp_path: Path) -> None:
    path = ROOT / "scenarios" / "es" / "cierre-por-reparto.yaml"
    sc = load_scenario(path).scenario
    resolved = library(tmp_path).load(sc.playbook_ref())
    score = play(
        tmp_path, run_of(sc, resolved, lambda e: next(o for o in e.options if o.mistake)), path
    )
    lines = debrief(score)
    text = "\n".join(lines)
    assert lines[0].startswith(f"Simulacro: {sc.title} (cierre-por-reparto) — ")
    assert "Qué mejorar:" in lines and "Qué salió bien:" in lines
    assert any(line.startswith("  Decisiones ") and "como se esperaba" in line for line in lines)
    assert lines[1].startswith("Jugado a ×60: 1 minuto real fueron 60 minutos del escenario")
    # Decisions' worst case here is 140: a marked mistake costs 10 × 35/140 = 2.5, written
    # the Spanish way.
    decisions = next(c for c in score["categories"] if c["id"] == "decisions")
    assert decisions["worst"] == 140
    assert "  ✗ −2,5 humorista (T+00:18): «" not in text  # an option label is quoted as “…”
    assert "  ✗ −2,5 humorista (T+00:18): “Pedirle por privado que la borre” — R10" in text
    # out in time, yet a little later than it could have been: a little less than 25
    assert re.search(r"\n  Comunicado de espera +2[0-4](,\d)?/25  publicado a tiempo: −\d", text)
    for english in ("What to work on", "you chose", "Expected", "Played", "Deadlines", "olding"):
        assert english not in text


def test_event_panels_speak_the_scenario_s_language() -> None:
    from rich.console import Console

    from crisisplay import i18n
    from crisisplay.drill.runner import event_panel

    sc = load_scenario(ROOT / "scenarios" / "es" / "cierre-por-reparto.yaml").scenario
    console = Console(record=True, width=200, color_system=None)
    with i18n.speaking(sc.language):  # as the drill shows it: in the scenario's language
        for event in sc.events():
            console.print(event_panel(event))
    shown = console.export_text()
    assert "Publicación en X — " in shown and "· 58.400 seguidores" in shown
    assert "☎ Llamada de Elena Prieto" in shown
    assert "impresiones de #SinPollo: 1.000.000" in shown
    assert "(se pregunta después de este paso)" in shown
    for english in ("Post on", "followers", "Call from", "asked after", "1,000,000"):
        assert english not in shown
    prank = load_scenario(ROOT / "scenarios" / "en" / "prank-video.yaml").scenario
    console = Console(record=True, width=200, color_system=None)
    console.print(event_panel(prank.timeline[0]))
    assert "Post on YouTube — kayzee_riverton @kayzee_riverton · 310 followers" in (
        console.export_text()
    )


def test_a_drill_report_calls_its_times_scenario_time_not_backfilled(home: Path) -> None:
    incident = play(home, GOOD)["incident"]
    for args in (
        ("report", incident, "--format", "md"),
        ("report", incident, "--format", "html"),
        ("log", "show", incident),
        ("log", "show", incident, "--events"),
    ):
        result = cli(home, *args)
        assert result.returncode == 0, result.stderr
        assert "scenario time" in result.stdout, args
        assert "(backfilled" not in result.stdout and "_backfilled_" not in result.stdout, args
