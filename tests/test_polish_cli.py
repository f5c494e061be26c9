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


def test_init_creates_the_checker_and_scenarios_folders_the_readme_describes(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "agency"
    out = cli.ok("init", str(root))
    for name in ("checker", "scenarios"):
        assert (root / name).is_dir()
        assert f"{name}/" in out
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert "- `checker/`" in readme and "- `scenarios/`" in readme
    # An empty folder of each is harmless: the shipped rules and scenarios still load.
    monkeypatch.setenv("CRISISPLAY_HOME", str(root))
    statement = tmp_path / "s.txt"
    statement.write_text("We are sorry. We got this wrong and we are fixing it.\n")
    code, _, err = cli("check", str(statement))
    assert code in (0, 1), err
    assert "airline-passenger" in cli.ok("drill", "--list")


def test_new_inside_a_workspace_with_crisisplay_home_set_says_where_it_wrote(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    agency = tmp_path / "agency"
    cli.ok("init", str(agency))
    monkeypatch.chdir(agency / "playbooks")
    code, out, err = cli("playbook", "new", "acme", "--client", "Acme")
    assert code == 0, err
    home = tmp_path / "home"
    assert out.strip() == str(home / "playbooks" / "acme.yaml")
    assert "$CRISISPLAY_HOME is set" in err and str(agency) in err
    assert not (agency / "playbooks" / "acme.yaml").exists()


def test_new_in_the_workspace_itself_has_no_warning(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    agency = tmp_path / "agency"
    cli.ok("init", str(agency))
    monkeypatch.delenv("CRISISPLAY_HOME")
    monkeypatch.chdir(agency)
    code, out, err = cli("playbook", "new", "acme", "--client", "Acme")
    assert code == 0, err
    assert out.strip() == str(agency / "playbooks" / "acme.yaml")
    assert "warning" not in err
