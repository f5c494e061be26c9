"""The smaller things a user notices: readable output, the right words, the right folders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from running import Crisisplay

REPR = re.compile(r"\{'|\['|': |None\b|True\b|False\b")


@pytest.fixture(autouse=True)
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from a folder that is no workspace: only CRISISPLAY_HOME says where things go."""
    monkeypatch.chdir(tmp_path)


def test_show_an_overlay_prints_yaml_not_python(crisisplay: Crisisplay) -> None:
    out = crisisplay.ok("playbook", "show", "bean-there")
    assert not REPR.search(out), REPR.search(out)
    assert "platforms: [x, instagram, facebook, tiktok]" in out
    assert "may_hide:" in out and "- insults" in out  # a mapping as YAML, one item a line
    assert "approve_by: [spokesperson, account-manager]" in out  # a list, as YAML


def test_show_severities_lists_deadlines_as_words(crisisplay: Crisisplay) -> None:
    out = crisisplay.ok("playbook", "show", "default")
    assert "deadlines: hold 30m" in out
    assert not REPR.search(out)


def test_diff_says_what_changed_readably(crisisplay: Crisisplay) -> None:
    out = crisisplay.ok("playbook", "diff", "default", "bean-there")
    assert not REPR.search(out), REPR.search(out)
    assert "~ client.platforms: + tiktok" in out
    assert "+ client.contacts franchise-ops:" in out
    assert "~ apologise-draft.approve_by: + spokesperson, - on-call-lead" in out
    assert "~ hold-draft.platforms: (none) → [x, instagram, facebook]" in out


def test_init_creates_the_checker_and_scenarios_folders_the_readme_describes(
    crisisplay: Crisisplay, tmp_path: Path
) -> None:
    root = tmp_path / "agency"
    out = crisisplay.ok("init", str(root))
    for name in ("checker", "scenarios"):
        assert (root / name).is_dir()
        assert f"{name}/" in out
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert "- `checker/`" in readme and "- `scenarios/`" in readme
    # An empty folder of each is harmless: the shipped rules and scenarios still load.
    crisisplay.home = root
    statement = tmp_path / "s.txt"
    statement.write_text("We are sorry. We got this wrong and we are fixing it.\n")
    code, _, err = crisisplay("check", str(statement))
    assert code in (0, 1), err
    assert "airline-passenger" in crisisplay.ok("drill", "--list")


def test_new_inside_a_workspace_with_crisisplay_home_set_says_where_it_wrote(
    crisisplay: Crisisplay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    agency = tmp_path / "agency"
    crisisplay.ok("init", str(agency))
    monkeypatch.chdir(agency / "playbooks")
    code, out, err = crisisplay("playbook", "new", "acme", "--client", "Acme")
    assert code == 0, err
    assert out.strip() == str(crisisplay.home / "playbooks" / "acme.yaml")
    assert "$CRISISPLAY_HOME is set" in err and str(agency) in err
    assert not (agency / "playbooks" / "acme.yaml").exists()


def test_new_in_the_workspace_itself_has_no_warning(
    crisisplay: Crisisplay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    agency = tmp_path / "agency"
    crisisplay.ok("init", str(agency))
    monkeypatch.chdir(agency)
    code, out, err = crisisplay(
        "playbook", "new", "acme", "--client", "Acme", env={"CRISISPLAY_HOME": None}
    )
    assert code == 0, err
    assert out.strip() == str(agency / "playbooks" / "acme.yaml")
    assert "warning" not in err
