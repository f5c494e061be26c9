"""The smaller things a user notices: readable output, the right words, the right folders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from test_cli_playbook import Cli

REPR = re.compile(r"\{'|\['|': |None\b|True\b|False\b")


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CRISISPLAY_DEBUG", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("CRISISPLAY_HOME", str(home))
    return Cli(monkeypatch, capsys)


def test_show_an_overlay_prints_yaml_not_python(cli: Cli) -> None:
    out = cli.ok("playbook", "show", "bean-there")
    assert not REPR.search(out), REPR.search(out)
    assert "platforms: [x, instagram, facebook, tiktok]" in out
    assert "may_hide:" in out and "- insults" in out  # a mapping as YAML, one item a line
    assert "approve_by: spokesperson" in out


def test_show_severities_lists_deadlines_as_words(cli: Cli) -> None:
    out = cli.ok("playbook", "show", "default")
    assert "deadlines: hold 30m" in out
    assert not REPR.search(out)


def test_diff_says_what_changed_readably(cli: Cli) -> None:
    out = cli.ok("playbook", "diff", "default", "bean-there")
    assert not REPR.search(out), REPR.search(out)
    assert "~ client.platforms: + tiktok" in out
    assert "+ client.contacts franchise-ops:" in out
    assert "~ apologise-draft.approve_by: account-manager → spokesperson" in out
    assert "~ hold-draft.platforms: (none) → [x, instagram, facebook]" in out
