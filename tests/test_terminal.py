"""The real program in a real terminal (tmux): start, Ctrl-C, resume, as a person sees it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from crisisplay.incident.log import read_events, verify
from needs import program

pytestmark = [
    pytest.mark.terminal,
    program("tmux"),
]
CRISISPLAY = str(Path(sys.executable).parent / "crisisplay")


class Terminal:
    """A tmux of our own: a private server on a socket in the test's folder (never the
    person's server), running the program with a temporary HOME, cache and data folder."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.user_home = home / ".user-home"
        self.user_home.mkdir(exist_ok=True)
        self.socket = ""

    def _tmux(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-S", self.socket, *args], capture_output=True, text=True, check=False
        )

    def run(self, *args: str) -> None:
        exit_file = self.home / "exit-code"
        exit_file.unlink(missing_ok=True)
        env = {
            "HOME": self.user_home,
            "XDG_CACHE_HOME": self.user_home / ".cache",
            "XDG_DATA_HOME": self.user_home / ".local" / "share",
            "CRISISPLAY_CACHE_DIR": os.environ.get("CRISISPLAY_CACHE_DIR", "off"),
            "CRISISPLAY_HOME": self.home,
        }
        command = (
            f"cd {Path.cwd()} && "
            + " ".join(f"{k}='{v}'" for k, v in env.items())
            + f" {CRISISPLAY} "
            + " ".join(f"'{a}'" for a in args)
            + f"; echo $? > {exit_file}; sleep 60"
        )
        self.socket = str(self.home / f".tmux-{uuid.uuid4().hex[:8]}")  # a fresh server per run
        proc = self._tmux("new-session", "-d", "-s", "t", "-x", "120", "-y", "50", command)
        assert proc.returncode == 0, proc.stderr

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "t").stdout

    def wait_for(self, text: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared on screen:\n{self.screen()}")

    def prompt(self, text: str, timeout: float = 10.0, *, menu: bool = False) -> str:
        """Wait until a prompt is drawn and waiting for keys: a menu whose question holds
        `text`, or (unless `menu`: `text` is also shown elsewhere, in a drill's event)
        once `text` is on screen, an input line or the walk's toolbar at the bottom. A
        prompt drops keys typed before it is drawn, as a person's would be."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            lines = [line for line in screen.splitlines() if line.strip()]
            last = lines[-1] if lines else ""
            asked = any(
                line.startswith("▶") and text in line and "(↓ ↑ to choose" in line for line in lines
            )
            waiting = text in screen and ("⏱" in last or last.startswith("›"))
            if asked or (waiting and not menu):
                return screen
            time.sleep(0.05)
        raise AssertionError(f"no prompt waiting for {text!r}:\n{self.screen()}")

    def keys(self, *keys: str) -> None:
        proc = self._tmux("send-keys", "-t", "t", *keys)
        assert proc.returncode == 0, proc.stderr

    def exit_code(self, timeout: float = 10.0) -> int:
        path = self.home / "exit-code"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if path.exists() and path.read_text().strip():
                return int(path.read_text())
            time.sleep(0.1)
        raise AssertionError(f"the program did not exit:\n{self.screen()}")

    def close(self) -> None:
        if self.socket:
            self._tmux("kill-server")
            Path(self.socket).unlink(missing_ok=True)


@pytest.fixture
def terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Terminal]:
    monkeypatch.delenv("TMUX", raising=False)  # inside tmux, a new server still starts clean
    term = Terminal(tmp_path)
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
    terminal.prompt("When was it first seen?")
    terminal.keys("now", "Enter")
    terminal.prompt("Which product")
    terminal.keys("espresso", "Enter")
    screen = terminal.prompt("detect-post-url")
    assert "severity 2 High" in screen and "stage 1/6" in screen  # the status line
    # The toolbar at the bottom (drawn once the terminal has said where the cursor is)
    # keeps counting while the prompt waits.
    screen = terminal.wait_for("⏱ Detect and triage due in 14m")
    toolbar = [line for line in screen.splitlines() if "⏱" in line]
    assert toolbar and "Detect and triage due in 14m" in toolbar[-1]
    time.sleep(2.2)
    later = [line for line in terminal.screen().splitlines() if "⏱" in line]
    assert later and later[-1] != toolbar[-1], "the countdown stood still"
    terminal.keys("https://x.com/a/1", "Enter")
    terminal.prompt("detect-screenshot")
    terminal.keys("Enter")  # on a menu nobody moved: answers nothing
    terminal.wait_for("Choose one first")
    terminal.keys("Down", "Enter")  # Done
    terminal.prompt("detect-post-summary")
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
    terminal.prompt("detect-post-summary")
    long = "Burnt cup " + "and a long account of what the video shows " * 2
    terminal.keys(long.strip())
    screen = terminal.wait_for("shows and a long account")
    # A multi-line answer starts at the first column and uses the whole width.
    assert any(
        line.startswith("Burnt cup and a long") and len(line) > 90 for line in screen.splitlines()
    )
    terminal.keys("M-Enter")  # Esc then Enter ends a multi-line answer
    try:
        terminal.wait_for("detect-moderation", timeout=3)
    except AssertionError:
        # Under load the terminal can split Esc from Enter, which then adds a line instead
        # of submitting; a person would press it again, and so do we.
        terminal.keys("M-Enter")
        terminal.wait_for("detect-moderation")
    terminal.prompt("Read?")
    # Read, Record a post hidden or deleted, then the walk's actions: ⏸ Pause is the sixth
    terminal.keys("Down", "Down", "Down", "Down", "Down", "Down", "Enter")
    assert terminal.exit_code() == 0
    events = list(read_events(folder / "log.jsonl"))
    steps = [e["data"]["step"] for e in events if e["type"] == "step"]
    assert steps == ["detect-post-url", "detect-screenshot", "detect-post-summary"]
    summary = next(e for e in events if e["type"] == "step" and e["data"]["step"] == steps[-1])
    assert summary["data"]["value"] == long.strip()
    assert [e["type"] for e in events][-1] == "session.paused"
    assert verify(folder / "log.jsonl").ok
