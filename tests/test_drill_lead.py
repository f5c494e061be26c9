"""Drill scores a crisis lead would sign: on every shipped scenario (and any added later),
silence, a late holding statement, a broken promise of an update, a sign-off by someone
who could not be reached and pointing people to a statement that is not out each lower
the score, and the careful run scores highest."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from answering import ROOT, library
from crisisplay.drill.scenario import holding_statement, load_scenario
from crisisplay.drill.score import debrief
from crisisplay.times import parse_duration
from test_drill import play, run_of

SHIPPED = sorted((ROOT / "scenarios" / "en").glob("*.yaml")) + sorted(
    (ROOT / "scenarios" / "es").glob("*.yaml")
)


def minutes(value: Any) -> int:
    at = value["at"] if isinstance(value, dict) else "0m"
    return int(parse_duration(at).total_seconds()) // 60 if at.endswith("m") else 0


def shifted(answers: dict[str, Any], steps: list[str], first: str, by: int) -> dict[str, Any]:
    """The same answers with `first` and every walk step after it `by` minutes later."""
    out = json.loads(json.dumps(answers))
    for step in steps[steps.index(first) :]:
        out[step]["at"] = f"{minutes(out[step]) + by}m"
    return out


class Runs:
    """The scenario, its playbook and the careful run's answers."""

    def __init__(self, path: Path, tmp: Path) -> None:
        self.path = path
        self.tmp = tmp
        self.sc = load_scenario(path).scenario
        self.resolved = library(tmp).load(self.sc.playbook_ref())
        expected = {
            e.id: next(o for o in e.options or [] if o.expected) for e in self.sc.decisions()
        }
        best = run_of(self.sc, self.resolved, lambda e: expected[e.id])
        self.hold = holding_statement(self.sc, self.resolved)
        pb = self.resolved.playbook
        stages = [s.id for s in pb.stages]
        last = stages.index(self.sc.ends_after) if self.sc.ends_after else len(stages)
        in_play = {step.id for stage in pb.stages[: last + 1] for step in stage.steps}
        self.steps = [k for k in best if k in in_play]
        self.drafts = [k for k in self.steps if pb.step(k).kind == "draft"]
        # run_of holds the walk's last step until the last decision comes in; a careful
        # lead ends the walk a minute after the step before, as the interactive drill does.
        end, before = self.steps[-1], self.steps[-2]
        best[end]["at"] = f"{minutes(best[before]) + 1}m"
        self.best = best

    def play(self, answers: dict[str, Any]) -> dict[str, Any]:
        return play(self.tmp, answers, self.path)

    def silent(self) -> dict[str, Any]:
        """Every statement skipped: nothing published at all."""
        out = json.loads(json.dumps(self.best))
        for step in self.drafts:
            out[step] = {"value": {"skip": "waiting to see how it develops"}, "at": out[step]["at"]}
        return out

    def late(self, by: int = 120) -> dict[str, Any]:
        """Every step of the walk `by` minutes later."""
        out = json.loads(json.dumps(self.best))
        for step in self.steps:
            out[step]["at"] = f"{minutes(out[step]) + by}m"
        return out


def _ids(paths: list[Path]) -> list[str]:
    return [f"{p.parent.name}/{p.stem}" for p in paths]


def _signed_while_away(runs: Runs) -> tuple[dict[str, Any], int]:
    """The careful run, with each statement whose first approver is away when it is
    signed recorded as approved by that person anyway; and how many there are."""
    away = [e for e in runs.sc.timeline if e.kind == "unreachable" and e.role]
    names = {c.role: c.name for c in runs.resolved.client.contacts}
    signed = json.loads(json.dumps(runs.best))
    hits = 0
    for step in runs.drafts:
        first = (runs.resolved.playbook.step(step).approvers() or [None])[0]
        at = timedelta(minutes=minutes(signed[step]))
        for e in away:
            until = e.until_offset
            if first == e.role and e.offset <= at and (until is None or at < until):
                signed[step]["approved_by"] = names[first]
                hits += 1
                break
    return signed, hits


def _cases() -> dict[Path, Runs]:
    """Each shipped scenario's runs, read once when the tests are collected, so that each
    test runs on the scenarios it applies to (a troll's careful run publishes nothing)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="crisisplay-drill-cases-"))
    return {path: Runs(path, folder / f"{path.parent.name}-{path.stem}") for path in SHIPPED}


_CASES = _cases()
#: scenarios whose careful run publishes a holding statement
ANSWERED = [p for p, r in _CASES.items() if r.hold in r.drafts]
#: scenarios with a statement to be signed while its first approver is away
AWAY = [p for p, r in _CASES.items() if _signed_while_away(r)[1]]


@pytest.fixture(params=SHIPPED, ids=_ids(SHIPPED))
def runs(request: pytest.FixtureRequest, tmp_path: Path) -> Runs:
    return Runs(request.param, tmp_path)


@pytest.fixture(params=ANSWERED, ids=_ids(ANSWERED))
def answered(request: pytest.FixtureRequest, tmp_path: Path) -> Runs:
    """The scenarios whose careful run publishes a holding statement."""
    return Runs(request.param, tmp_path)


@pytest.fixture(params=AWAY, ids=_ids(AWAY))
def away(request: pytest.FixtureRequest, tmp_path: Path) -> Runs:
    return Runs(request.param, tmp_path)


def test_the_cases_cover_the_branches() -> None:
    """Most scenarios publish a holding statement, some (a troll) rightly don't, and some
    have an approver away: each test below runs on some."""
    assert len(SHIPPED) >= 20
    assert len(SHIPPED) - 4 <= len(ANSWERED) < len(SHIPPED)
    assert len(AWAY) >= 2


def codes(score: dict[str, Any]) -> set[str]:
    return {i["code"] for i in score["items"]}


def test_every_scenario_gives_the_holding_statement_a_deadline(runs: Runs) -> None:
    assert runs.hold is not None
    best = runs.play(runs.best)
    if runs.hold not in runs.drafts:  # the expected branch publishes nothing (a troll)
        assert [g["code"] for g in best["good"] if g["category"] == "holding"] == [
            "holding-not-needed"
        ]
    else:
        assert "holding-on-time" in {g["code"] for g in best["good"]}


def test_silence_costs_about_a_quarter_and_a_late_run_is_worse(answered: Runs) -> None:
    runs = answered
    best = runs.play(runs.best)
    silent = runs.play(runs.silent())
    late = runs.play(runs.late())
    assert "holding-missing" in codes(silent)
    holding = [next(c for c in s["categories"] if c["id"] == "holding") for s in (silent, late)]
    assert holding[0]["score"] == 0 and holding[0]["max"] == 25
    assert silent["total"] <= 75  # about a quarter of the score, and more
    assert "holding-late" in codes(late)
    assert 0 < holding[1]["score"] < 12.5  # late is not silence, but half of it gone
    assert best["total"] - late["total"] >= 15
    assert max(silent["total"], late["total"]) < best["total"]
    # The debrief says so, in the scenario's language.
    text = "\n".join(debrief(silent))
    assert (
        ("holding statement" in text)
        if runs.sc.language == "en"
        else ("comunicado de espera" in text)
    )


def test_earlier_is_strictly_better_within_the_deadline(answered: Runs) -> None:
    runs = answered
    assert runs.hold is not None
    by = parse_duration(runs.sc.statements[runs.hold].by or "0m")
    at = minutes(runs.best[runs.hold])
    room = int(by.total_seconds()) // 60 - at
    assert room >= 2, "the careful run publishes its holding statement in time"
    sooner = runs.play(runs.best)
    later = runs.play(shifted(runs.best, runs.steps, runs.hold, room - 1))
    hold = [i for i in later["items"] if i["category"] == "holding"]
    assert [i["code"] for i in hold] == ["holding-time"]  # still in time …
    held = [next(c for c in s["categories"] if c["id"] == "holding") for s in (sooner, later)]
    assert held[1]["score"] < held[0]["score"]  # … and still worse for every minute
    assert later["total"] < sooner["total"]


def test_a_broken_promise_of_an_update_costs_points(answered: Runs) -> None:
    runs = answered
    best = runs.play(runs.best)
    promises = [g for g in best["good"] if g["code"] == "promise-kept"]
    broken = [i for i in best["items"] if i["code"] == "promise-broken"]
    assert not broken, [i["message"] for i in broken]
    if not promises:
        pytest.skip("the careful run makes no promise it could break before the drill ends")
    # Every statement after the first promise comes after the promised time: that
    # promise is broken (a long silence, not the close, follows it).
    first = promises[0]["subject"]
    later = [d for d in runs.drafts if runs.drafts.index(d) > runs.drafts.index(first)]
    wait = runs.resolved.playbook.severity_levels()[runs.sc.incident.severity - 1].update_every
    gap = int(parse_duration(wait).total_seconds()) // 60 + 10
    breaking = shifted(runs.best, runs.steps, later[0], gap)
    score = runs.play(breaking)
    assert "promise-broken" in codes(score)
    assert score["total"] < best["total"]
    item = next(i for i in score["items"] if i["code"] == "promise-broken")
    assert item["subject"] == first and item["lost"] >= 0.1


def test_approval_by_someone_unreachable_costs_points(away: Runs) -> None:
    runs = away
    best = runs.play(runs.best)
    signed, hits = _signed_while_away(runs)
    score = runs.play(signed)
    found = [i for i in score["items"] if i["code"] == "approval-unreachable"]
    assert len(found) == hits
    assert score["total"] < best["total"]


def test_pointing_to_a_statement_that_is_not_out_costs_points(answered: Runs) -> None:
    runs = answered
    silent = runs.play(runs.silent())
    phantom = [i for i in silent["items"] if i["code"] == "statement-phantom"]
    # hold-point-to-statement (“Link the holding statement…”) done with nothing out.
    assert phantom, "the silent run points people to a statement that does not exist"
    skipped = json.loads(json.dumps(runs.silent()))
    for item in phantom:
        if item["subject"] in runs.steps:
            skipped[item["subject"]] = {
                "value": {"skip": "nothing to point to"},
                "at": skipped[item["subject"]]["at"],
            }
    honest = runs.play(skipped)
    assert honest["total"] > silent["total"]


# --- the debrief is part of the record ----------------------------------------------------


def test_report_and_log_show_give_the_debrief_readably(tmp_path: Path) -> None:
    from answering import cli

    runs = Runs(ROOT / "scenarios" / "en" / "offensive-meme.yaml", tmp_path)
    score = runs.play(runs.silent())
    incident = score["incident"]
    md = cli(tmp_path, "report", incident, "--format", "md")
    assert md.returncode == 0, md.stderr
    assert "## Drill debrief" in md.stdout
    assert "| Holding statement | 0/25 | none published: −25 |" in md.stdout
    assert "### What cost points" in md.stdout and "No holding statement: it had to" in md.stdout
    assert "Played at ×60: 1 real minute was 60 scenario minutes" in md.stdout
    assert "drill.scored: {" not in md.stdout and "drill.scored" not in md.stdout
    html = cli(tmp_path, "report", incident, "--format", "html")
    assert html.returncode == 0 and "Drill debrief" in html.stdout
    assert "drill.scored" not in html.stdout
    data = json.loads(cli(tmp_path, "report", incident, "--format", "json").stdout)
    assert data["drill"]["score"]["total"] == score["total"]
    assert data["drill"]["debrief"] == debrief(score)
    shown = cli(tmp_path, "log", "show", incident)
    assert shown.returncode == 0, shown.stderr
    flat = " ".join(shown.stdout.split())
    assert "What to work on:" in flat and "✗ −25 No holding statement" in flat
    assert "The drill ended at" in flat


def test_a_spanish_drill_s_debrief_is_kept_in_spanish(tmp_path: Path) -> None:
    from answering import cli

    runs = Runs(ROOT / "scenarios" / "es" / "cierre-por-reparto.yaml", tmp_path)
    incident = runs.play(runs.silent())["incident"]
    md = cli(tmp_path, "report", incident, "--format", "md").stdout
    assert "## Balance del simulacro" in md and "### Qué restó puntos" in md
    assert "| Comunicado de espera | 0/25 | no se publicó: −25 |" in md
    flat = " ".join(cli(tmp_path, "log", "show", incident).stdout.split())
    assert "Qué mejorar:" in flat and "Sin comunicado de espera" in flat
    for english in ("What to work on", "Played at", "No holding statement"):
        assert english not in flat and english not in md
