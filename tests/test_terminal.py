"""The real program in a real terminal (tmux): start, Ctrl-C, resume, as a person sees it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from crisisplay.log import read_events, verify
from needs import program

pytestmark = [
    pytest.mark.terminal,
    program("tmux"),
]
CRISISPLAY = str(Path(sys.executable).parent / "crisisplay")


class Terminal:
    def __init__(self, home: Path) -> None:
        self.name = f"crisisplay-{uuid.uuid4().hex[:8]}"
        self.home = home

    def run(self, *args: str) -> None:
        exit_file = self.home / "exit-code"
        exit_file.unlink(missing_ok=True)
        command = (
            f"cd {Path.cwd()} && CRISISPLAY_HOME={self.home} {CRISISPLAY} "
            + " ".join(f"'{a}'" for a in args)
            + f"; echo $? > {exit_file}; sleep 60"
        )
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", self.name, "-x", "120", "-y", "50", command],
            check=True,
        )

    def screen(self) -> str:
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.name],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def wait_for(self, text: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared on screen:\n{self.screen()}")

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def exit_code(self, timeout: float = 10.0) -> int:
        path = self.home / "exit-code"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if path.exists() and path.read_text().strip():
                return int(path.read_text())
            time.sleep(0.1)
        raise AssertionError(f"the program did not exit:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


@pytest.fixture
def terminal(tmp_path: Path):  # type: ignore[no-untyped-def]
    term = Terminal(tmp_path)
    os.environ.pop("TMUX", None)
    yield term
    term.close()


def test_ctrl_c_in_a_real_terminal_pauses_and_resume_goes_on(terminal: Terminal) -> None:
    terminal.run(
        "start",
        "--playbook",
        "default",
        "--client",
        "Bean Co",
        "--title",
        "Burnt coffee video",
        "--severity",
        "2",
    )
    terminal.wait_for("When was it first seen?")
    terminal.keys("Enter")
    terminal.wait_for("Which product")
    terminal.keys("espresso", "Enter")
    screen = terminal.wait_for("detect-post-url")
    assert "severity 2 High" in screen and "stage 1/6" in screen  # the status line
    terminal.keys("https://x.com/a/1", "Enter")
    terminal.wait_for("detect-screenshot")
    terminal.keys("Enter")
    terminal.wait_for("detect-post-summary")
    terminal.keys("C-c")
    assert terminal.exit_code() == 130
    screen = terminal.wait_for("crisisplay resume")
    assert "Everything recorded is kept" in screen
    terminal.close()

    (folder,) = list((terminal.home / "incidents").iterdir())
    steps = [e["data"]["step"] for e in read_events(folder / "log.jsonl") if e["type"] == "step"]
    assert steps == ["detect-post-url", "detect-screenshot"]

    terminal.run("resume")
    terminal.wait_for("Resuming")
    terminal.wait_for("detect-post-summary")
    terminal.keys("Burnt cup")
    terminal.wait_for("Burnt cup")
    terminal.keys("M-Enter")  # Esc then Enter ends a multi-line answer
    try:
        terminal.wait_for("detect-moderation", timeout=3)
    except AssertionError:
        # Under load the terminal can split Esc from Enter, which then adds a line instead
        # of submitting; a person would press it again, and so do we.
        terminal.keys("M-Enter")
        terminal.wait_for("detect-moderation")
    terminal.keys("Down", "Down", "Down", "Down", "Enter")  # ⏸ Pause
    assert terminal.exit_code() == 0
    events = list(read_events(folder / "log.jsonl"))
    steps = [e["data"]["step"] for e in events if e["type"] == "step"]
    assert steps == ["detect-post-url", "detect-screenshot", "detect-post-summary"]
    assert [e["type"] for e in events][-1] == "session.paused"
    assert verify(folder / "log.jsonl").ok
