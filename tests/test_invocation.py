"""Every "Resume with:" hint prints a command that runs from where the manager is."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crisisplay import invocation


def test_on_path_it_is_just_crisisplay(tmp_path: Path) -> None:
    exe = tmp_path / "bin" / "crisisplay"
    assert invocation.program(str(exe), path=str(tmp_path / "bin")) == "crisisplay"
    assert invocation.program("crisisplay", path="") == "crisisplay"


def test_after_make_run_it_is_the_venv_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shown = invocation.program(".venv/bin/crisisplay", path="/usr/bin" + os.pathsep + "/bin")
    assert shown == os.path.join(".venv", "bin", "crisisplay")


def test_outside_the_current_folder_it_is_the_full_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    exe = tmp_path / "venv" / "bin" / "crisisplay"
    assert invocation.program(str(exe), path="/usr/bin") == str(exe)


def test_the_resume_hint_uses_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.argv", [".venv/bin/crisisplay", "start"])
    monkeypatch.setenv("PATH", "/usr/bin")
    assert invocation.resume_hint("20261120-0805-acme") == (
        ".venv/bin/crisisplay resume 20261120-0805-acme"
    )
