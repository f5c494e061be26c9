"""The in-process runner (tests/running.py) runs each command like a fresh process."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from running import Crisisplay


def test_a_run_leaves_the_test_process_as_it_found_it(crisisplay: Crisisplay) -> None:
    before = dict(os.environ), list(sys.argv), sys.stdin
    code, out, _ = crisisplay("--debug", "playbook", "list", stdin="")  # --debug sets a variable
    assert code == 0 and "default" in out
    assert (dict(os.environ), list(sys.argv), sys.stdin) == before


def test_each_run_gets_its_own_home_and_environment(
    crisisplay: Crisisplay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRISISPLAY_DEBUG", "1")  # left over from a shell: not for the run
    monkeypatch.setenv("CRISISPLAY_HOME", str(tmp_path / "not-this-one"))
    code, _, err = crisisplay("log", "show", "nothing-here")
    assert code == 1 and "Traceback" not in err  # no --debug: one clean message
    assert err.startswith("error: No incident matches 'nothing-here'.")
    out = crisisplay.ok("stats")
    assert out.startswith(f"No incidents yet in {crisisplay.home} (from $CRISISPLAY_HOME)")
    elsewhere = tmp_path / "elsewhere"
    assert str(elsewhere) in crisisplay.ok("stats", home=elsewhere)


def test_exit_codes_and_stderr_are_main_s_own(crisisplay: Crisisplay) -> None:
    code, out, err = crisisplay("playbook", "valdate")
    assert (code, out) == (2, "") and "Did you mean 'validate'" in err
    assert crisisplay("--version").code == 0
