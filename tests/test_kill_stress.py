"""SIGKILL a scripted walk at random moments; `resume` must finish it with nothing lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from answering import (
    DATA,
    answers_for,
    cli,
    events,
    expected_path,
    incidents,
    kill_stress,
    library,
    step_counts,
    verified,
    write_yaml,
)

CHOOSE = {"detect-positive": "Negative", "detect-triage": "Unhappy", "verify-fault": "Yes"}


def test_kill_and_resume_rounds(tmp_path: Path) -> None:
    resolved = library(tmp_path).load("default")
    answers = answers_for(resolved, CHOOSE)
    path = write_yaml(tmp_path / "answers.yaml", answers)
    expected = expected_path(resolved, answers)
    results = kill_stress(tmp_path, path, "default", 8, seed=7)
    opened = [r for r in results if r["opened"]]
    assert opened, results
    for r in opened:
        assert r["verified"], r
        assert r["closed"] == 1, r
        assert r["steps"] == dict.fromkeys(expected, 1), r
    evs = events(tmp_path, opened[0]["incident"])
    assert [e["data"]["step"] for e in evs if e["type"] == "step"] == expected


KILL_AT_VARIABLES = """
import os, signal, sys
from pathlib import Path
import crisisplay.log as log
from crisisplay.home import Home
from crisisplay.playbook.library import Library
from crisisplay.scripted import start_scripted
real = log.IncidentLog.append
def append(self, type, data, **kw):
    if type == sys.argv[3]:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(self, type, data, **kw)
log.IncidentLog.append = append
start_scripted(Library(Home(Path(sys.argv[1]), "env")), Path(sys.argv[2]), playbook=None,
               client=None, title=None, severity=None, first_seen=None)
"""


def test_kill_between_opened_and_variables(tmp_path: Path) -> None:
    resolved = library(tmp_path).load("default")
    answers = answers_for(resolved, {"detect-positive": "Positive"})
    path = write_yaml(tmp_path / "answers.yaml", answers)
    env = {**os.environ, "CRISISPLAY_HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-c", KILL_AT_VARIABLES, str(tmp_path), str(path), "variables"],
        env=env,
        check=False,
    )
    assert proc.returncode == -signal.SIGKILL
    assert incidents(tmp_path) == []  # a half-opened incident is not an incident
    assert cli(tmp_path, "log", "list").stdout.startswith("No incidents yet")
    proc = cli(tmp_path, "resume", "--answers", str(path))
    assert proc.returncode == 1 and "no open incident" in proc.stderr
    proc = cli(tmp_path, "start", "--answers", str(path))  # so: start again
    assert proc.returncode == 0, proc.stderr
    incident_id = proc.stdout.splitlines()[-1]
    assert incidents(tmp_path) == [incident_id]
    types = [e["type"] for e in events(tmp_path, incident_id)]
    assert types[:2] == ["incident.opened", "variables"]


def test_resume_a_log_without_its_variables(tmp_path: Path) -> None:
    """A log opened by a version that crashed before `variables`: resume records them."""
    resolved = library(tmp_path).load("default")
    answers = answers_for(resolved, {"detect-positive": "Negative", "detect-triage": "Rager"})
    path = write_yaml(tmp_path / "answers.yaml", answers)
    full = tmp_path / "full"
    proc = cli(full, "start", "--answers", str(path))
    incident_id = proc.stdout.splitlines()[-1]
    src = full / "incidents" / incident_id
    dst = tmp_path / "cut" / "incidents" / incident_id
    dst.mkdir(parents=True)
    (dst / "playbook.json").write_bytes((src / "playbook.json").read_bytes())
    first = (src / "log.jsonl").read_bytes().split(b"\n")[0] + b"\n"
    (dst / "log.jsonl").write_bytes(first)
    proc = cli(tmp_path / "cut", "resume", "--answers", str(path))
    assert proc.returncode == 0, proc.stderr
    evs = events(tmp_path / "cut", incident_id)
    assert [e["type"] for e in evs][:4] == [
        "incident.opened",
        "variables",
        "session.resumed",
        "step",
    ]
    assert evs[1]["data"]["values"] == {"product": "sample product"}
    assert set(step_counts(evs).values()) == {1}
    assert verified(tmp_path / "cut", incident_id)


def test_kill_after_last_step_closes_on_resume(tmp_path: Path) -> None:
    resolved = library(tmp_path).load(str(DATA / "branches.yaml"))
    answers = answers_for(resolved, {"d-route": "Ignore"}, {"variables": {"product": "oat latte"}})
    path = write_yaml(tmp_path / "answers.yaml", answers)
    env = {**os.environ, "CRISISPLAY_HOME": str(tmp_path)}
    code = KILL_AT_VARIABLES.replace("playbook=None", f"playbook={str(DATA / 'branches.yaml')!r}")
    subprocess.run(
        [sys.executable, "-c", code, str(tmp_path), str(path), "incident.closed"],
        env=env,
        check=False,
    )
    (incident_id,) = incidents(tmp_path)
    assert "incident.closed" not in [e["type"] for e in events(tmp_path, incident_id)]
    proc = cli(tmp_path, "resume", "--answers", str(path))
    assert proc.returncode == 0, proc.stderr
    evs = events(tmp_path, incident_id)
    closed = [e for e in evs if e["type"] == "incident.closed"]
    assert len(closed) == 1 and closed[0]["data"]["last_step"] == "d-route"
    assert json.loads(cli(tmp_path, "log", "verify", incident_id, "--json").stdout)["ok"]
    proc = cli(tmp_path, "resume", incident_id, "--answers", str(path))
    assert proc.returncode == 0 and "already closed" in proc.stderr
    assert len(events(tmp_path, incident_id)) == len(evs)
