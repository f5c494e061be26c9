"""`crisisplay report`: metrics against hand-computed values, and what each format shows.

Every incident here is scripted with an explicit `at:` on every answer, so each metric
can be worked out by hand from the minutes below (first seen 08:00 UTC, opened 08:05).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from answering import UNHAPPY_PATH, answers_for, cli, events, library, write_yaml
from crisisplay.frontends.scripted import start_scripted
from crisisplay.report.build import build_report, materialize, parse_action_items, write_json
from crisisplay.report.metrics import facts_for_folder

FIRST = datetime.fromisoformat("2026-11-20T08:00:00+00:00")
TROLL = {
    "detect-positive": "Negative",
    "detect-legal-safety": "No",
    "detect-triage": "Troll",
    "detect-troll-outcome": "Contained",
}
ACTION_ITEMS = (
    "Marta Gil — add a fridge-temperature alert — 2026-12-01\n"
    "Ops team | retrain the night shift | 2026-12-15\n"
    "- Legal - review the supplier contract - end of January\n"
    "just check the fridges more often\n"
)

# The happy unhappy-customer path. Minutes after first seen; a step not listed happens at
# the minute of the step before it. Hand computation:
#   hold-draft 38.5 min  -> acknowledge = holding statement = 2310 s; promises 09:38
#   apologise-draft 85 min + 0.25 s -> apology = 5100.25 s; promises 10:25 (to the minute)
#   remedy-update-draft 140 min -> remedy done (close follows) = 8400 s; promises 11:20
#   close-draft 170 min (delivers 11:20), close-notify-am 185 min -> close = 11100 s
#   deadlines: detect 15m (done 12), hold 1h (41), verify 4h (70), apologise 8h (95),
#   remedy 1d (140), close 3d (185): six met, none missed.
HAPPY = {
    "detect-post-url": 2,
    "detect-escalate": 12,
    "hold-acknowledge": 20,
    "hold-draft": 38.5,
    "hold-cadence": 40,
    "hold-point-to-statement": 41,
    "verify-handover": 45,
    "verify-fault": 70,
    "apologise-elements": 75,
    "apologise-draft": 85 + 0.25 / 60,
    "apologise-spokesperson": 90,
    "apologise-notify-spokesperson": 95,
    "remedy-deliver": 100,
    "remedy-update-draft": 140,
    "close-summary": 150,
    "close-draft": 170,
    "close-review-note": 175,
    "close-notify-am": 185,
}

# Late. Hand computation:
#   hold-draft 50 -> promises 09:50; the apology at 130 (10:10) comes 1200 s late
#   hold-point-to-statement 70: hold was due at 60, missed by 600 s (the only miss)
#   apologise-draft 130 -> promises 11:10; the remedy update at 200 (11:20) is 600 s late
#   remedy-update-draft 200 -> remedy = 12000 s; promises 12:20; the closing post at
#   230 (11:50) is not an update and keeps nothing. 3 promised, 0 delivered, 3 missed.
#   close-notify-am 240 -> 14400 s.
LATE = {
    "detect-post-url": 2,
    "detect-escalate": 12,
    "hold-acknowledge": 20,
    "hold-draft": 50,
    "hold-point-to-statement": 70,
    "verify-handover": 75,
    "verify-fault": 100,
    "apologise-elements": 110,
    "apologise-draft": 130,
    "apologise-notify-spokesperson": 140,
    "remedy-deliver": 150,
    "remedy-update-draft": 200,
    "close-summary": 210,
    "close-draft": 230,
    "close-notify-am": 240,
}


def scripted(
    home: Path,
    choose: dict[str, str],
    minutes: dict[str, float],
    *,
    severity: int = 2,
    overrides: dict[str, Any] | None = None,
    untimed: tuple[str, ...] = (),
) -> Path:
    """Start a scripted incident with every answer at FIRST + its minute; its folder."""
    resolved = library(home).load("default")
    answers = answers_for(
        resolved,
        choose,
        {
            "severity": severity,
            "first_seen": "2026-11-20T08:00:00Z",
            "at": "2026-11-20T08:05:00Z",
            "variables": {"product": "cold brew"},
        },
    )
    answers.update(overrides or {})
    minute = 5.0
    for key in list(answers):
        if key == "incident" or key in untimed:
            continue
        minute = minutes.get(key, minute)
        at = (FIRST + timedelta(minutes=minute)).isoformat()
        value = answers[key]
        answers[key] = (
            {**value, "at": at} if isinstance(value, dict) else {"value": value, "at": at}
        )
    path = write_yaml(home / "answers.yaml", answers)
    session = start_scripted(
        library(home),
        path,
        playbook="default",
        client=None,
        title=None,
        severity=None,
        first_seen=None,
    )
    return home / "incidents" / session.incident.id


@pytest.fixture(scope="module")
def happy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("happy")
    return scripted(
        home,
        UNHAPPY_PATH,
        HAPPY,
        overrides={
            "close-action-items": ACTION_ITEMS,
            "detect-post-summary": "Price | quality # bad <script>alert(1)</script>",
            "close-why-1": "The fridge in store 12 failed",
            "close-went-well": "We answered inside the hour\n- and kept our promises",
        },
    )


@pytest.fixture(scope="module")
def happy_report(happy: Path) -> dict[str, Any]:
    return build_report(happy)


# --- metrics, by hand ------------------------------------------------------------------


def test_happy_path_metrics_by_hand(happy_report: dict[str, Any]) -> None:
    m = happy_report["metrics"]
    assert m["time_to_acknowledge"] == 2310
    assert m["time_to_holding_statement"] == 2310
    assert m["time_to_apology"] == 5100.25
    assert m["time_to_remedy"] == 8400
    assert m["time_to_close"] == 11100
    # The remedy update promised another; the closing post and the close are not updates,
    # so that promise is broken (closing used to count as keeping it).
    assert (m["updates_promised"], m["updates_delivered"], m["updates_missed"]) == (3, 2, 1)
    assert (m["deadlines_met"], m["deadlines_missed"]) == (6, 0)
    assert m["statements_published"] == 4
    assert isinstance(m["time_to_close"], int)  # whole seconds are ints, not 11100.0


def test_happy_path_promises_and_stages(happy_report: dict[str, Any]) -> None:
    promises = {p["step"]: p for p in happy_report["promises"]}
    assert promises["hold-draft"]["next_update_by"] == "2026-11-20T09:38:00.000000Z"
    assert promises["apologise-draft"]["next_update_by"] == "2026-11-20T10:25:00.000000Z"
    assert promises["remedy-update-draft"]["next_update_by"] == "2026-11-20T11:20:00.000000Z"
    # The closing post is not an update: the last promise is broken, not kept by it.
    assert promises["remedy-update-draft"]["followed_by"] is None
    assert promises["remedy-update-draft"]["status"] == "missed"
    assert {promises[s]["status"] for s in ("hold-draft", "apologise-draft")} == {"delivered"}
    stages = {s["id"]: s for s in happy_report["stages"]}
    assert list(stages) == ["detect", "hold", "verify", "apologise", "remedy", "close"]
    # detect is entered when the incident opens (08:05) and done at its last step (08:12)
    assert stages["detect"]["entered_at"] == "2026-11-20T08:05:00.000000Z"
    assert stages["detect"]["duration_s"] == 7 * 60
    assert stages["remedy"]["entered_at"] == "2026-11-20T09:35:00.000000Z"
    assert stages["remedy"]["duration_s"] == 45 * 60
    assert all(s["met"] is True for s in stages.values())
    hold = next(d for d in happy_report["deadlines"] if d["stage"] == "hold")
    assert (hold["due_at"], hold["done_at"]) == (
        "2026-11-20T09:00:00.000000Z",
        "2026-11-20T08:41:00.000000Z",
    )
    assert hold["margin_s"] == 19 * 60


def test_statement_says_the_time_it_promises(happy_report: dict[str, Any]) -> None:
    """Backfilled statements are written as of their `at`, not the wall clock: the text
    published at 08:38:30 says 09:38, and that is the promise recorded."""
    hold = next(s for s in happy_report["statements"] if s["step"] == "hold-draft")
    assert hold["next_update_by"] == "2026-11-20T09:38:00.000000Z"
    for p in hold["platforms"]:
        assert "9:38 UTC" in p["text"]
    resolution = next(s for s in happy_report["statements"] if s["step"] == "close-draft")
    assert resolution["next_update_by"] is None  # the closing post promises nothing


def test_troll_path_ends_early_with_nulls(tmp_path: Path) -> None:
    # detect due 15m; the troll branch ends at 25 min: missed by 600 s, closed at 1500 s.
    folder = scripted(tmp_path, TROLL, {"detect-post-url": 3, "detect-troll-outcome": 25})
    facts = facts_for_folder(folder)
    m = facts.metrics
    for key in (
        "time_to_acknowledge",
        "time_to_holding_statement",
        "time_to_apology",
        "time_to_remedy",
    ):
        assert m[key] is None, key
    assert m["time_to_close"] == 1500
    assert (m["deadlines_met"], m["deadlines_missed"]) == (0, 1)
    assert (m["updates_promised"], m["statements_published"]) == (0, 0)
    detect = next(d for d in facts.deadlines if d["stage"] == "detect")
    assert (detect["status"], detect["missed_by_s"]) == ("missed", 600)
    assert {d["status"] for d in facts.deadlines if d["stage"] != "detect"} == {"not reached"}
    assert [s["id"] for s in facts.stages] == ["detect"]


def test_missed_deadline_and_broken_promises(tmp_path: Path) -> None:
    folder = scripted(tmp_path, UNHAPPY_PATH, LATE)
    report = build_report(folder)
    m = report["metrics"]
    assert m["time_to_acknowledge"] == 50 * 60
    assert m["time_to_apology"] == 130 * 60
    assert m["time_to_remedy"] == 200 * 60
    assert m["time_to_close"] == 240 * 60
    assert (m["deadlines_met"], m["deadlines_missed"]) == (5, 1)
    assert (m["updates_promised"], m["updates_delivered"], m["updates_missed"]) == (3, 0, 3)
    promises = {p["step"]: p for p in report["promises"]}
    assert promises["hold-draft"]["status"] == "missed"
    assert promises["hold-draft"]["late_by_s"] == 20 * 60
    assert promises["apologise-draft"]["late_by_s"] == 10 * 60
    assert promises["remedy-update-draft"]["status"] == "missed"  # closing is no update
    hold = next(d for d in report["deadlines"] if d["stage"] == "hold")
    assert (hold["status"], hold["missed_by_s"]) == ("missed", 600)
    md = render_md(report)
    assert "**missed ✗** by 10 min" in md


def test_incident_still_in_remedy_has_no_remedy_or_close_time(tmp_path: Path) -> None:
    """An open incident (the log cut after a remedy step: a valid chain, just shorter)."""
    folder = scripted(tmp_path, UNHAPPY_PATH, HAPPY)
    log = folder / "log.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
    cut = next(
        n
        for n, line in enumerate(lines)
        if json.loads(line)["data"].get("step") == "remedy-deliver"
    )
    log.write_text("".join(lines[: cut + 1]), encoding="utf-8")
    m = facts_for_folder(folder).metrics
    assert m["time_to_apology"] == 5100.25
    assert m["time_to_remedy"] is None  # entered, still in progress
    assert m["time_to_close"] is None
    facts = facts_for_folder(folder)
    assert facts.incident["status"] == "open"
    remedy = next(s for s in facts.stages if s["id"] == "remedy")
    assert remedy["left_at"] is None and remedy["duration_s"] is None
    statuses = {d["stage"]: d["status"] for d in facts.deadlines}
    assert statuses["remedy"] == statuses["close"] == "open"
    # The apology promised 10:25; the last event is at 09:40, so that one is not due yet.
    assert [p["status"] for p in facts.promises][-1] == "open"


def test_deadlines_match_the_walks_own_replay(happy: Path) -> None:
    """The report's fast replay agrees with Walk.apply (what `resume` uses)."""
    from crisisplay.incident.session import playbook_sha, snapshot_playbook
    from crisisplay.incident.walk import Incident, Walk

    evs = events(happy.parent.parent, happy.name)
    resolved = snapshot_playbook(happy, library(happy.parent.parent), playbook_sha(evs))
    assert resolved is not None
    walk = Walk(resolved, Incident.from_event(evs[0]))
    for e in evs:
        walk.apply(e)
    expected = {d.stage: d.done_at for d in walk.deadlines()}
    facts = facts_for_folder(happy)
    got = {
        d["stage"]: datetime.fromisoformat(d["done_at"]) if d["done_at"] else None
        for d in facts.deadlines
    }
    assert got == expected


def test_snapshot_that_does_not_match_is_not_used(tmp_path: Path) -> None:
    folder = scripted(tmp_path, UNHAPPY_PATH, LATE)
    snap = folder / "playbook.json"
    payload = json.loads(snap.read_text(encoding="utf-8"))
    payload["content"]["stages"][1]["due"] = "5h"  # would make the hold deadline met
    snap.write_text(json.dumps(payload), encoding="utf-8")
    report = build_report(folder)
    assert report["playbook_check"]["status"] == "mismatch"
    assert report["metrics"]["deadlines_met"] is None
    assert report["metrics"]["deadlines_missed"] == 1
    assert [d["stage"] for d in report["deadlines"]] == ["hold"]
    assert "snapshot is mismatch" in render_md(report)
    snap.unlink()
    assert build_report(folder)["playbook_check"]["status"] == "missing"


# --- sections --------------------------------------------------------------------------


def test_action_items_parsed_tolerantly() -> None:
    items = parse_action_items(ACTION_ITEMS)
    assert [(i["owner"], i["action"], i["due"]) for i in items] == [
        ("Marta Gil", "add a fridge-temperature alert", "2026-12-01"),
        ("Ops team", "retrain the night shift", "2026-12-15"),
        ("Legal", "review the supplier contract", "end of January"),
        (None, "just check the fridges more often", None),
    ]
    assert items[2]["raw"] == "- Legal - review the supplier contract - end of January"
    assert parse_action_items("Fix the alert – 2026-12-01")[0]["due"] == "2026-12-01"


def test_report_sections(happy_report: dict[str, Any]) -> None:
    r = happy_report
    assert r["five_whys"][0]["answer"] == "The fridge in store 12 failed"
    assert r["five_whys"][0]["question"].startswith("Why did it happen?")
    assert [w["n"] for w in r["five_whys"]] == [1, 2, 3, 4, 5]
    assert r["review"]["went_well"].startswith("We answered inside the hour")
    impact = {i["name"]: i["value"] for i in r["impact"]}
    assert impact["author_reach"] == 12000
    assert impact["triage"] == "unhappy"
    triage = next(d for d in r["decisions"] if d["step"] == "detect-triage")
    assert triage["option"].startswith("Unhappy customer")
    assert (triage["goto"], triage["led_to"]) == ("detect-escalate", "detect-escalate")
    fault = next(d for d in r["decisions"] if d["step"] == "verify-fault")
    assert fault["led_to"] == "apologise-elements"
    escalate = next(n for n in r["notifications"] if n["step"] == "detect-escalate")
    assert escalate["contacted"][0]["role"] == "account-manager"
    assert escalate["acknowledged"] is True
    hold = next(s for s in r["statements"] if s["step"] == "hold-draft")
    assert hold["approval"]["role"] == "account-manager"
    assert hold["approval"]["at"] == "2026-11-20T08:38:30.000000Z"
    assert {p["platform"] for p in hold["platforms"]} == {"x", "facebook", "instagram"}
    assert all(p["sha256_ok"] and p["url"] for p in hold["platforms"])


def test_checker_override_is_reported_with_its_reason(tmp_path: Path) -> None:
    reason = "Legal asked for this exact wording"
    folder = scripted(
        tmp_path,
        UNHAPPY_PATH,
        HAPPY,
        overrides={
            "apologise-draft": {
                "accept": True,
                "text": "We are sorry if anyone was offended by any inconvenience.",
                "approved_by": "Account manager (set in the client's playbook)",
                "published_url": "https://x.com/brand/status/3",
                "override": reason,
            }
        },
    )
    report = build_report(folder)
    (override,) = report["overrides"]
    assert override["step"] == "apologise-draft"
    assert override["reason"] == reason
    assert override["rules"] and all(f["severity"] == "error" for f in override["findings"])
    apology = next(s for s in report["statements"] if s["step"] == "apologise-draft")
    assert all(p["edited"] for p in apology["platforms"])
    assert report["metrics"]["checker_overrides"] == 1
    assert reason in render_md(report)
    # The edited apology no longer names a time for the next update: no promise recorded.
    assert apology["next_update_by"] is None
    assert [p["step"] for p in report["promises"]] == ["hold-draft", "remedy-update-draft"]


def test_backfilled_events_are_marked(tmp_path: Path) -> None:
    # Two steps answered without `at`: recorded now, so not backfilled.
    folder = scripted(
        tmp_path, TROLL, {"detect-troll-outcome": 25}, untimed=("detect-troll-outcome",)
    )
    report = build_report(folder)
    flags = {t["step"]: t["backfilled"] for t in report["timeline"] if t["type"] == "step"}
    assert flags["detect-post-url"] is True
    assert flags["detect-troll-outcome"] is False
    md = render_md(report)
    assert r"| \# | when | what | recorded (backfilled) |" in md
    url_row = next(line for line in md.splitlines() if "detect-post-url:" in line)
    recorded = _cells(url_row)[3].strip("_")
    assert recorded.startswith("20") and recorded != _cells(url_row)[1]  # when it was recorded
    outcome_row = next(line for line in md.splitlines() if "detect-troll-outcome:" in line)
    assert _cells(outcome_row)[3] == ""  # recorded as it happened
    opened = report["timeline"][0]
    assert opened["at"] == "2026-11-20T08:05:00.000000Z" and opened["recorded_at"] != opened["at"]


# --- formats ---------------------------------------------------------------------------


def render_md(report: dict[str, Any]) -> str:
    from crisisplay.report.markdown import render

    return render(report)


def _cells(row: str) -> list[str]:
    """A Markdown table row's cells, split on unescaped pipes only."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", row.strip().strip("|"))]


def test_markdown_escapes_user_text(happy_report: dict[str, Any]) -> None:
    md = render_md(happy_report)
    row = next(line for line in md.splitlines() if line.startswith("| What it said"))
    assert len(_cells(row)) == 2  # the answer's own "|" did not add a column
    assert r"\<script\>" in row and "<script>" not in md
    assert r"Price \| quality \# bad" in row
    assert "> \\- and kept our promises" in md  # not turned into a list
    assert "<br" not in md and "<div" not in md


def test_markdown_reads_as_a_post_mortem(happy_report: dict[str, Any]) -> None:
    md = render_md(happy_report)
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Summary",
        "## Impact",
        "## Metrics",
        "## Stages and deadlines",
        "## Statements as published",
        "## Updates promised versus delivered",
        "## Decisions",
        "## Notifications",
        "## Checker findings overridden",
        "## Posts hidden or deleted",
        "## Five whys",
        "## Review",
        "## Action items",
        "## Notes",
        "## Timeline",
    ]
    assert "| Time to apology | 1 h 25 min (5,100.25 s) |" in md
    assert "| Time to close | 3 h 05 min (11,100 s) |" in md
    for s in happy_report["statements"]:
        for p in s["platforms"]:
            assert f"```text\n{p['text']}\n```" in md  # exactly as published
    assert "| **unassigned** | just check the fridges more often | **no date** |" in md
    assert "| Marta Gil | add a fridge-temperature alert | 2026-12-01 |" in md


def test_json_schema_keys_are_stable(happy_report: dict[str, Any], tmp_path: Path) -> None:
    import io

    out = io.StringIO()
    write_json(happy_report, out)
    data = json.loads(out.getvalue())
    assert list(data) == [
        "schema",
        "incident",
        "verification",
        "playbook_check",
        "metrics",
        "impact",
        "stages",
        "timeline",
        "statements",
        "decisions",
        "notifications",
        "deadlines",
        "promises",
        "overrides",
        "moderation",
        "five_whys",
        "review",
        "action_items",
        "notes",
    ]
    assert data["schema"] == "crisisplay/report/v1"
    assert list(data["metrics"])[:5] == [
        "time_to_acknowledge",
        "time_to_holding_statement",
        "time_to_apology",
        "time_to_remedy",
        "time_to_close",
    ]
    assert set(data["verification"]) >= {"ok", "head", "problems"}
    assert set(data["review"]) == {"went_well", "went_badly", "got_lucky"}
    assert set(data["action_items"][0]) == {"owner", "action", "due", "raw"}
    assert set(data["statements"][0]) == {
        "step", "stage", "template", "status", "at", "recorded_at", "backfilled",
        "platforms", "approval", "preapproved", "next_update_by", "findings", "overrides",
    }  # fmt: skip
    for t in data["timeline"]:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", t["at"])
    assert data == json.loads(json.dumps(materialize(happy_report)))  # nothing lost


def test_cli_formats_output_file_and_exit_codes(happy: Path, tmp_path: Path) -> None:
    home = happy.parent.parent
    prefix = happy.name[:20]
    proc = cli(home, "report", prefix, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["metrics"]["time_to_close"] == 11100
    target = tmp_path / "pm.html"
    proc = cli(home, "report", prefix, "--format", "html", "-o", str(target))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.strip() == str(target)
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["pm.html"]  # no temporary left behind
    proc = cli(home, "report", "no-such-incident")
    assert proc.returncode == 1 and "No incident matches" in proc.stderr
    proc = cli(home, "report", prefix, "--format", "pdf")
    assert proc.returncode == 2


def test_tampered_log_is_reported_and_exits_1(tmp_path: Path) -> None:
    folder = scripted(tmp_path, TROLL, {"detect-post-url": 3, "detect-troll-outcome": 25})
    log = folder / "log.jsonl"
    text = log.read_text(encoding="utf-8")
    log.write_text(text.replace("https://x.com/someone/status/1", "https://x.com/other/9"))
    proc = cli(tmp_path, "report", folder.name)
    assert proc.returncode == 1
    assert "FAILED verification" in proc.stderr
    first_lines = proc.stdout.splitlines()[:4]
    assert any("FAILED verification" in line for line in first_lines)
    assert "https://x.com/other/9" in proc.stdout  # still shows what can be read
    proc = cli(tmp_path, "report", folder.name, "--format", "json")
    assert proc.returncode == 1
    ver = json.loads(proc.stdout)["verification"]
    assert ver["ok"] is False and ver["problems"]
    proc = cli(tmp_path, "report", folder.name, "--format", "html")
    assert proc.returncode == 1
    assert 'class="banner" id="verification"' in proc.stdout


def test_long_timelines_are_summarised_in_markdown_but_not_in_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from crisisplay.incident.log import IncidentLog
    from crisisplay.report import build, markdown

    folder = scripted(tmp_path, TROLL, {"detect-post-url": 3, "detect-troll-outcome": 25})
    with IncidentLog.open(folder, "monitor@desk") as log:
        for n in range(5):
            log.append("note", {"text": f"check {n}: 40 new replies", "step": None})
    monkeypatch.setattr(build, "NOTE_LIMIT", 3)  # what the report keeps in memory to show
    report = build_report(folder)
    md = markdown.render(report)
    assert "check 2: 40 new replies" in md
    assert "check 3" not in md
    assert "2 more notes not shown" in md
    out = io.StringIO()
    write_json(report, out)
    data = json.loads(out.getvalue())
    assert [n["text"] for n in data["notes"]] == [f"check {n}: 40 new replies" for n in range(5)]
    assert sum(t["type"] == "note" for t in data["timeline"]) == 5
    assert data["metrics"]["notes"] == 5


def test_direct_json_lines_for_notes_equal_the_general_encoding() -> None:
    from crisisplay.incident.events import from_dict
    from crisisplay.report.build import (
        _item_encoder,
        note_entry,
        note_line,
        timeline_entry,
        timeline_note_line,
    )

    encode = _item_encoder()
    odd = [
        {"seq": 7, "ts": "2026-11-20T08:00:00.000000Z", "type": "note", "actor": "a@b",
         "data": {"text": 'quote " back\\slash\nnew line — ünïcödé 🙂 </script>', "step": None}},
        {"seq": 8, "ts": "2026-11-20T09:00:00+01:00", "at": "2026-11-20T07:59:00.5Z",
         "type": "note", "actor": "x", "data": {"text": "  spaced   out  ", "step": "hold-draft"}},
    ]  # fmt: skip
    for raw in odd:
        e = from_dict(raw)
        assert timeline_note_line(e) == encode(timeline_entry(e))
        assert note_line(e) == encode(note_entry(e))
    unusual = from_dict({**odd[0], "data": {"text": 42, "step": None}})
    assert timeline_note_line(unusual) is None and note_line(unusual) is None
