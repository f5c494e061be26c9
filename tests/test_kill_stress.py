"""SIGKILL a scripted walk at random moments; `resume` must finish it with nothing lost."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from answering import (
    DATA,
    UNHAPPY_PATH,
    answers_for,
    cli,
    events,
    forget_receipts,
    incidents,
    library,
    step_counts,
    verified,
    write_yaml,
)
from stress_check import Reference, Summary, check_incident, stress, timed_answers, write_answers

# --- the stress run and its checker (tests/stress_check.py, `make stress`) -----------------


Stressed = tuple[Path, Path, list[str], Summary]


@pytest.fixture(scope="module")
def stressed(tmp_path_factory: pytest.TempPathFactory) -> Stressed:
    """Three stress rounds of the real CLI on the unhappy-customer walk of `default`."""
    workdir = tmp_path_factory.mktemp("stress")
    resolved = library(workdir / "library").load("default")
    answers = workdir / "answers.yaml"
    steps = write_answers(answers, timed_answers(resolved, UNHAPPY_PATH))
    summary = stress(workdir, answers, steps, 3, seed=7)
    return workdir, answers, steps, summary


def test_stress_rounds_pass(stressed: Stressed) -> None:
    summary = stressed[3]
    assert summary.reference.ok, summary.reference.account()
    assert len(summary.rounds) == 3
    assert all(r.kills and r.incident for r in summary.rounds)
    assert sum(r.start_kills + r.resume_kills for r in summary.rounds) > 0
    failed = summary.failed
    assert not failed, failed[0].account()


def _rechain(folder: Path, edit: Callable[[list[dict[str, Any]]], None]) -> None:
    """Edit the log's events, then renumber and re-hash every line: `log verify` passes."""
    from crisisplay.incident.log import GENESIS, encode_event

    path = folder / "log.jsonl"
    evs = [json.loads(line) for line in path.read_bytes().splitlines()]
    edit(evs)
    prev, out = GENESIS, []
    for seq, e in enumerate(evs):
        e["seq"], e["prev"] = seq, prev
        line = encode_event(e).encode("utf-8")
        prev = hashlib.sha256(line).hexdigest()
        out.append(line + b"\n")
    path.write_bytes(b"".join(out))


@pytest.fixture(scope="module")
def resumed(stressed: Stressed) -> tuple[Path, Reference]:
    """A finished incident that was cut off between two events and resumed, with no timing
    involved: the reference run's log up to the step `verify-fault`, then `resume`."""
    workdir, answers, steps, summary = stressed
    assert summary.reference.folder is not None
    reference = Reference.from_folder(summary.reference.folder, steps)
    home = workdir / "resumed" / "home"
    shutil.copytree(summary.reference.folder.parent.parent, home)
    (folder,) = (home / "incidents").iterdir()
    lines = (folder / "log.jsonl").read_bytes().splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if b'"step":"verify-fault"' in line)
    (folder / "log.jsonl").write_bytes(b"".join(lines[:cut]))
    for f in (folder / "statements").iterdir():
        if int(f.name[:5]) >= cut:
            f.unlink()
    forget_receipts(home, folder.name)  # a killed session never issued its receipt
    proc = cli(home, "resume", folder.name, "--answers", str(answers))
    assert proc.returncode == 0, proc.stderr
    assert "session.resumed" in [e["type"] for e in events(home, folder.name)]
    assert check_incident(folder, reference) == []
    return folder, reference


def _drop(step: str) -> Callable[[list[dict[str, Any]]], None]:
    def edit(evs: list[dict[str, Any]]) -> None:
        evs[:] = [e for e in evs if e["type"] != "step" or e["data"]["step"] != step]

    return edit


def _duplicate(step: str) -> Callable[[list[dict[str, Any]]], None]:
    def edit(evs: list[dict[str, Any]]) -> None:
        i = next(i for i, e in enumerate(evs) if e["data"].get("step") == step)
        evs.insert(i + 1, dict(evs[i]))

    return edit


def _answer(step: str, value: Any) -> Callable[[list[dict[str, Any]]], None]:
    def edit(evs: list[dict[str, Any]]) -> None:
        next(e for e in evs if e["data"].get("step") == step)["data"]["value"] = value

    return edit


def _lost_quarantine(evs: list[dict[str, Any]]) -> None:
    data = {"file": "log.quarantine.1", "bytes": 4, "sha256": "0" * 64}
    evs.append({**evs[-1], "type": "recovery", "data": data})


def _last_statement(folder: Path) -> Path:
    return sorted((folder / "statements").iterdir())[-1]


# Each tamper, the check that must report it, and words of its finding. Only steps after
# the last draft are edited, so the statement files' names (by seq) stay right.
TAMPERS: dict[str, tuple[Callable[[Path], None], str, str]] = {
    "a step dropped, log re-chained": (
        lambda f: _rechain(f, _drop("close-why-3")),
        "steps",
        "step 'close-why-3' is not in the log (lost)",
    ),
    "a step duplicated, log re-chained": (
        lambda f: _rechain(f, _duplicate("close-why-3")),
        "steps",
        "step 'close-why-3' recorded 2 times",
    ),
    "an answer changed, log re-chained": (
        lambda f: _rechain(f, _answer("close-why-3", "someone else")),
        "events",
        "data.value",
    ),
    "a statement file lost": (
        lambda f: _last_statement(f).unlink(),
        "statements",
        "is missing",
    ),
    "a statement file edited": (
        lambda f: _last_statement(f).write_text("We never said that.\n", encoding="utf-8"),
        "statements",
        "holds",
    ),
    "a stray file in statements/": (
        lambda f: (f / "statements" / "00003-hold-draft-x.tmp").write_text("half"),
        "statements",
        "no event published it",
    ),
    "playbook.json changed": (
        lambda f: (f / "playbook.json").write_text(
            (f / "playbook.json").read_text(encoding="utf-8").replace("Detect", "Dismiss", 1),
            encoding="utf-8",
        ),
        "snapshot",
        "content hashes to",
    ),
    "a quarantine file lost, log re-chained": (
        lambda f: _rechain(f, _lost_quarantine),
        "quarantine",
        "log.quarantine.1",
    ),
}


@pytest.mark.parametrize("tamper", list(TAMPERS))
def test_the_stress_checker_catches(
    tamper: str, resumed: tuple[Path, Reference], tmp_path: Path
) -> None:
    done, reference = resumed
    folder = tmp_path / "home" / "incidents" / done.name
    shutil.copytree(done, folder)
    change, check, words = TAMPERS[tamper]
    change(folder)
    # The real `log verify` once (it says ok on a re-chained log); its function for the rest.
    found = check_incident(folder, reference, cli=tamper == next(iter(TAMPERS)))
    assert [f for f in found if f.check == "chain"] == []  # `log verify` alone would pass
    assert any(f.check == check and words in f.detail for f in found), found
    assert {f.check for f in found} <= {check, "events", "steps"}, found


# --- kills at chosen events, in-process ------------------------------------------------------

KILL_AT_VARIABLES = """
import os, signal, sys
from pathlib import Path
import crisisplay.incident.log as log
from crisisplay.home import Home
from crisisplay.playbook.library import Library
from crisisplay.frontends.scripted import start_scripted
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
