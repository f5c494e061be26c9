"""`start` on a client's playbook: the client is not asked again, an incident already open
for that client is named first, and a severity the playbook lacks is wrong usage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from answering import answers_for, cli, library, write_yaml
from crisisplay.frontends.interactive import Interrupted, start_interactive
from crisisplay.incident.log import read_events
from test_interactive import DOWN, ENTER, drive


def opened(home: Path) -> list[dict[str, Any]]:
    folders = sorted((home / "incidents").iterdir())
    return [next(iter(read_events(f / "log.jsonl")))["data"] for f in folders]


def start_bean_there(home: Path, title: str) -> None:
    """Title, severity (the second level), first seen, the two variables; then Ctrl-C."""
    keys = (
        title
        + ENTER
        + DOWN * 2
        + ENTER
        + "now"
        + ENTER
        + "espresso"
        + ENTER
        + "store 12"
        + ENTER
        + "\x03"
    )
    with pytest.raises(Interrupted):
        drive(
            keys,
            start_interactive,
            library(home),
            playbook="bean-there",
            client=None,
            title=None,
            severity=None,
            first_seen=None,
        )


def test_a_client_playbook_does_not_ask_for_the_client(tmp_path: Path) -> None:
    start_bean_there(tmp_path, "Cold brew")
    (data,) = opened(tmp_path)
    assert data["title"] == "Cold brew"  # the first thing typed went to the title
    assert data["client"]["slug"] == "bean-there-coffee"  # from the profile, not asked


def test_an_open_incident_for_the_client_is_named_before_the_walk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    said: list[str] = []
    monkeypatch.setattr("crisisplay.frontends.interactive._warning", said.append)
    start_bean_there(tmp_path, "Cold brew")
    assert said == []
    start_bean_there(tmp_path, "Burnt toast")
    (first,) = [p.name for p in (tmp_path / "incidents").iterdir() if "cold-brew" in p.name]
    assert len(said) == 1
    assert f"Incident {first} for Bean There Coffee is still open" in said[0]
    assert f"resume {first}" in said[0]


def test_a_scripted_start_names_the_open_incident_too(tmp_path: Path) -> None:
    start_bean_there(tmp_path, "Cold brew")  # paused: still open
    (first,) = [p.name for p in (tmp_path / "incidents").iterdir()]
    resolved = library(tmp_path).load("bean-there")
    answers = write_yaml(tmp_path / "a.yaml", answers_for(resolved))
    proc = cli(tmp_path, "start", "-p", "bean-there", "--answers", str(answers))
    assert proc.returncode == 0, proc.stderr
    assert f"Incident {first} for Bean There Coffee is still open" in proc.stderr
    assert f"crisisplay resume {first}" in proc.stderr


def test_a_severity_the_playbook_lacks_is_wrong_usage_listing_its_levels(tmp_path: Path) -> None:
    resolved = library(tmp_path).load("bean-there")
    answers = write_yaml(tmp_path / "a.yaml", answers_for(resolved))
    proc = cli(tmp_path, "start", "-p", "bean-there", "-s", "7", "--answers", str(answers))
    assert proc.returncode == 2
    assert "--severity 7" in proc.stderr
    assert "1 (Critical), 2 (High), 3 (Moderate) or 4 (Low)" in proc.stderr
    assert not (tmp_path / "incidents").exists() or not any((tmp_path / "incidents").iterdir())


def test_without_a_terminal_a_wrong_severity_is_said_first(tmp_path: Path) -> None:
    proc = cli(tmp_path, "start", "-s", "9")
    assert proc.returncode == 2
    assert "severity 9 is not a level of playbook 'default'" in proc.stderr


def test_the_pause_hint_can_be_pasted_after_make_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.argv", [".venv/bin/crisisplay", "start"])
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    keys = (
        "Cold brew"
        + ENTER
        + DOWN * 2
        + ENTER
        + "now"
        + ENTER
        + "espresso"
        + ENTER
        + "store 12"
        + ENTER
        + "\x03"
    )
    with pytest.raises(Interrupted) as info:
        drive(
            keys,
            start_interactive,
            library(tmp_path / "home"),
            playbook="bean-there",
            client=None,
            title=None,
            severity=None,
            first_seen=None,
        )
    (incident,) = [p.name for p in (tmp_path / "home" / "incidents").iterdir()]
    assert f"Resume with:\n  .venv/bin/crisisplay resume {incident}\n" in str(info.value)


def test_resume_says_when_the_playbook_was_broken_since(tmp_path: Path) -> None:
    from answering import ROOT
    from crisisplay.incident.session import resume_incident

    (tmp_path / "playbooks").mkdir()
    copy = tmp_path / "playbooks" / "bean-there.yaml"
    copy.write_text(
        (ROOT / "playbooks" / "examples" / "bean-there.yaml").read_text(encoding="utf-8")
    )
    start_bean_there(tmp_path, "Cold brew")
    (incident,) = [p.name for p in (tmp_path / "incidents").iterdir()]
    copy.write_text(copy.read_text(encoding="utf-8").replace("client:\n", "client:\n   x: [\n"))
    lib = library(tmp_path)
    resumed = resume_incident(lib.home, lib, incident)
    try:
        (notice,) = [n for n in resumed.session.notices if "cannot be read now" in n]
    finally:
        resumed.session.close()
    assert "bean-there.yaml:" in notice
    assert "goes on with the version it began with" in notice
    assert resumed.changed is None
