"""Resume: which incident, a changed playbook, one writer, a full disk."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from answering import (
    DATA,
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
from crisisplay.errors import CrisisplayError
from crisisplay.frontends.scripted import resume_scripted, start_scripted

CHOOSE = {"d-route": "Hold", "h-after": "Carry on"}


def workspace_playbook(home: Path) -> Path:
    (home / "playbooks").mkdir(parents=True, exist_ok=True)
    path = home / "playbooks" / "walk-branches.yaml"
    path.write_text((DATA / "branches.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    return path


def answers(home: Path, **incident: Any) -> tuple[dict[str, Any], Path]:
    resolved = library(home).load(str(DATA / "branches.yaml"))
    data = answers_for(resolved, CHOOSE, {"variables": {"product": "oat latte"}, **incident})
    return data, write_yaml(home / "answers.yaml", data)


def half_open(home: Path, stop_before: str, playbook: str = "walk-branches") -> str:
    """An open incident whose answers stop before `stop_before` (via a kill-free route:
    start with a valid file that ends the walk early is not possible, so cut the log)."""
    _data, path = answers(home)
    proc = cli(home, "start", "--answers", str(path), "-p", playbook)
    assert proc.returncode == 0, proc.stderr
    incident_id = proc.stdout.splitlines()[-1]
    log = home / "incidents" / incident_id / "log.jsonl"
    lines = log.read_bytes().splitlines(keepends=True)
    keep = next(n for n, line in enumerate(lines) if f'"step":"{stop_before}"'.encode() in line)
    log.write_bytes(b"".join(lines[:keep]))  # what a kill before that step leaves
    forget_receipts(home, incident_id)  # ... and a killed walk never issued its receipt
    return incident_id


def test_resume_picks_the_single_open_one_and_refuses_two(tmp_path: Path) -> None:
    workspace_playbook(tmp_path)
    first = half_open(tmp_path, "h-draft")
    _data, path = answers(tmp_path)
    proc = cli(tmp_path, "resume", "--answers", str(path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == first
    assert set(step_counts(events(tmp_path, first)).values()) == {1}
    a = half_open(tmp_path, "d-check")
    b = half_open(tmp_path, "c-check")
    proc = cli(tmp_path, "resume", "--answers", str(path))
    assert proc.returncode == 1
    assert "2 incidents are open" in proc.stderr and a in proc.stderr and b in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = cli(tmp_path, "resume", "nope", "--answers", str(path))
    assert proc.returncode == 1 and "No incident matches 'nope'" in proc.stderr


def test_resume_with_a_missing_answer_writes_nothing(tmp_path: Path) -> None:
    workspace_playbook(tmp_path)
    incident_id = half_open(tmp_path, "h-draft")
    before = (tmp_path / "incidents" / incident_id / "log.jsonl").read_bytes()
    data, path = answers(tmp_path)
    del data["h-after"]
    write_yaml(path, data)
    proc = cli(tmp_path, "resume", incident_id, "--answers", str(path))
    assert proc.returncode == 1 and "no answer for step 'h-after'" in proc.stderr
    assert (tmp_path / "incidents" / incident_id / "log.jsonl").read_bytes() == before


@pytest.mark.parametrize("choice", ["keep", "update"])
def test_playbook_changed_between_start_and_resume(tmp_path: Path, choice: str) -> None:
    pb = workspace_playbook(tmp_path)
    incident_id = half_open(tmp_path, "h-draft")
    text = pb.read_text(encoding="utf-8")
    text = text.replace("version: 1.0.0", "version: 1.1.0")
    text = text.replace('x: "On {{ product }}:', 'x: "NEW {{ product }}:')
    text = text.replace(
        "      - id: c-check\n", "      - id: c-new\n        check: New.\n      - id: c-check\n"
    )
    pb.write_text(text, encoding="utf-8")
    data, path = answers(tmp_path, on_playbook_change=choice)
    data["c-new"] = "done"
    write_yaml(path, data)
    proc = cli(tmp_path, "resume", "--answers", str(path))
    assert proc.returncode == 0, proc.stderr
    evs = events(tmp_path, incident_id)
    changed = [e for e in evs if e["type"] == "playbook.changed"]
    assert len(changed) == 1 and changed[0]["data"]["choice"] == choice
    assert changed[0]["data"]["to"]["version"] == "1.1.0"
    steps = {e["data"]["step"]: e["data"] for e in evs if e["type"] == "step"}
    x = steps["h-draft"]["texts"]["x"]
    if choice == "keep":
        assert x.startswith("On oat latte") and "c-new" not in steps
    else:
        assert x.startswith("NEW oat latte") and "c-new" in steps
    assert set(step_counts(evs).values()) == {1}
    assert verified(tmp_path, incident_id)
    proc = cli(tmp_path, "resume", "--answers", str(path))  # now closed: nothing open
    assert proc.returncode == 1


def test_bad_playbook_change_choice(tmp_path: Path) -> None:
    pb = workspace_playbook(tmp_path)
    incident_id = half_open(tmp_path, "h-draft")
    pb.write_text(pb.read_text(encoding="utf-8").replace("1.0.0", "1.0.1"), encoding="utf-8")
    _data, path = answers(tmp_path, on_playbook_change="maybe")
    before = (tmp_path / "incidents" / incident_id / "log.jsonl").read_bytes()
    proc = cli(tmp_path, "resume", "--answers", str(path))
    assert proc.returncode == 1 and "on_playbook_change" in proc.stderr
    assert (tmp_path / "incidents" / incident_id / "log.jsonl").read_bytes() == before


HOLDER = """
import sys, time
from pathlib import Path
from crisisplay.incident.log import IncidentLog
log = IncidentLog.open(Path(sys.argv[1]), "holder@test")
print("locked", flush=True)
time.sleep(30)
"""


def test_one_writer(tmp_path: Path) -> None:
    workspace_playbook(tmp_path)
    incident_id = half_open(tmp_path, "h-draft")
    folder = tmp_path / "incidents" / incident_id
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "locked"
        _data, path = answers(tmp_path)
        t = time.monotonic()
        proc = cli(tmp_path, "resume", incident_id, "--answers", str(path))
        assert time.monotonic() - t < 5
        assert proc.returncode == 1
        assert "open in another session" in proc.stderr
        assert f"pid {child.pid}" in proc.stderr and "since" in proc.stderr
        assert "Traceback" not in proc.stderr
    finally:
        child.kill()
        child.wait()
        if child.stdout:
            child.stdout.close()
    proc = cli(tmp_path, "resume", incident_id, "--answers", str(path))
    assert proc.returncode == 0, proc.stderr


def test_full_disk_stops_clearly_and_resume_completes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _data, path = answers(tmp_path)
    real = os.write
    calls = {"n": 0}

    def write(fd: int, payload: Any) -> int:
        if bytes(payload[:7]) == b'{"v":1,':
            calls["n"] += 1
            if calls["n"] == 8:
                raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd, payload)

    monkeypatch.setattr(os, "write", write)
    lib = library(tmp_path)
    with pytest.raises(CrisisplayError) as info:
        start_scripted(
            lib,
            path,
            playbook=str(DATA / "branches.yaml"),
            client=None,
            title=None,
            severity=None,
            first_seen=None,
        )
    monkeypatch.setattr(os, "write", real)
    err = info.value
    assert "the disk is full" in err.message
    assert err.hint is not None and "NOT saved" in err.hint and '"seq":7,' in err.hint
    (incident_id,) = incidents(tmp_path)
    assert verified(tmp_path, incident_id)
    assert len(events(tmp_path, incident_id)) == 7
    session = resume_scripted(lib, path, None)
    evs = events(tmp_path, incident_id)
    assert session.walk.closed and evs[-1]["type"] == "incident.closed"
    assert set(step_counts(evs).values()) == {1}
    assert verified(tmp_path, incident_id)


def test_full_disk_while_opening_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _data, path = answers(tmp_path)
    real = os.write

    def write(fd: int, payload: Any) -> int:
        if bytes(payload[:7]) == b'{"v":1,':
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd, payload)

    monkeypatch.setattr(os, "write", write)
    with pytest.raises(CrisisplayError, match="the disk is full"):
        start_scripted(
            library(tmp_path),
            path,
            playbook=str(DATA / "branches.yaml"),
            client=None,
            title=None,
            severity=None,
            first_seen=None,
        )
    assert list((tmp_path / "incidents").iterdir()) == []
