"""A broken playbook is loud: `validate`, `list` and `start` all name it, at file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from running import Crisisplay


@pytest.fixture
def workspace(tmp_path: Path, crisisplay: Crisisplay) -> Path:
    """An agency workspace made with `crisisplay init`, used as home."""
    root = tmp_path / "agency"
    crisisplay.ok("init", str(root))
    crisisplay.home = root
    return root


ANSWERS = "incident: {title: Cold coffee, severity: 2}\n"


def break_indentation(path: Path) -> int:
    """Indent one key of the client profile by one space too many, as a hurried edit does;
    return the line it is on."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    n = next(i for i, line in enumerate(lines) if line.startswith("client:"))
    lines.insert(n + 1, "   voice: warm\n")  # the other keys are indented by two
    lines.insert(n + 2, "  name: [\n")
    path.write_text("".join(lines), encoding="utf-8")
    return n + 3


def acme(crisisplay: Crisisplay, workspace: Path) -> Path:
    crisisplay.ok("playbook", "new", "acme", "--client", "Acme Coffee")
    path = workspace / "playbooks" / "acme.yaml"
    break_indentation(path)
    return path


def test_validate_without_paths_fails_on_a_workspace_file_that_does_not_parse(
    crisisplay: Crisisplay, workspace: Path
) -> None:
    path = acme(crisisplay, workspace)
    code, out, err = crisisplay("playbook", "validate")
    assert code == 1
    assert f"{path}:" in err and "YAML syntax" in err
    assert "ok    playbooks/default.yaml" in out  # the rest is still checked


def test_validate_json_lists_the_unparseable_file(crisisplay: Crisisplay, workspace: Path) -> None:
    import json

    path = acme(crisisplay, workspace)
    code, out, _ = crisisplay("playbook", "validate", "--json")
    assert code == 1
    report = json.loads(out)
    assert not report["ok"]
    (bad,) = [p for p in report["playbooks"] if not p["ok"]]
    assert bad["target"] == str(path)
    assert bad["problems"][0]["line"] > 1


def test_list_shows_the_unusable_file_with_its_first_problem(
    crisisplay: Crisisplay, workspace: Path
) -> None:
    acme(crisisplay, workspace)
    code, out, _ = crisisplay("playbook", "list")
    assert code == 0
    assert "1 playbook file cannot be used" in out
    line = next(ln for ln in out.splitlines() if ln.strip().startswith("acme "))
    assert "acme.yaml:" in line and "YAML syntax" in line


def test_list_json_says_which_files_are_unusable(crisisplay: Crisisplay, workspace: Path) -> None:
    acme(crisisplay, workspace)
    listed = crisisplay.json("playbook", "list")
    assert isinstance(listed, list)
    by_id = {e["id"]: e for e in listed}
    assert by_id["default"]["usable"] is True
    assert by_id["acme"]["usable"] is False
    assert by_id["acme"]["problem"]["line"] > 1
    assert "YAML syntax" in by_id["acme"]["problem"]["message"]


def test_start_with_the_id_of_an_unparseable_file_shows_its_errors_not_not_found(
    crisisplay: Crisisplay, workspace: Path, tmp_path: Path
) -> None:
    path = acme(crisisplay, workspace)
    answers = tmp_path / "a.yaml"
    answers.write_text(ANSWERS, encoding="utf-8")
    for args in (("-p", "acme"), ("--client", "acme"), ("--client", "Acme Coffee")):
        code, _, err = crisisplay("start", *args, "--answers", str(answers))
        assert code == 1, args
        assert "was found" not in err
        assert f"{path}:" in err and "YAML syntax" in err
        assert "crisisplay playbook validate acme" in err  # what to do
    assert not (workspace / "incidents").exists() or not any((workspace / "incidents").iterdir())


def test_start_finds_a_broken_file_by_the_id_it_claims(
    crisisplay: Crisisplay, workspace: Path, tmp_path: Path
) -> None:
    crisisplay.ok("playbook", "new", "acme", "--client", "Acme Coffee")
    path = workspace / "playbooks" / "acme.yaml"
    renamed = path.with_name("acme-v2.yaml")
    path.rename(renamed)
    break_indentation(renamed)
    answers = tmp_path / "a.yaml"
    answers.write_text(ANSWERS, encoding="utf-8")
    code, _, err = crisisplay("start", "-p", "acme", "--answers", str(answers))
    assert code == 1
    assert f"{renamed}:" in err


def test_a_broken_workspace_copy_of_a_shipped_id_is_not_replaced_by_the_shipped_one(
    crisisplay: Crisisplay, workspace: Path, tmp_path: Path
) -> None:
    (workspace / "playbooks" / "default.yaml").write_text(
        "schema: crisisplay/v1\nid: default\nversion: 2.0.0\nname: [\n", encoding="utf-8"
    )
    answers = tmp_path / "a.yaml"
    answers.write_text(ANSWERS, encoding="utf-8")
    code, _, err = crisisplay("start", "-p", "default", "--answers", str(answers))
    assert code == 1
    assert "default.yaml:" in err and str(workspace) in err


def test_a_yaml_file_that_is_not_a_playbook_is_named_too(
    crisisplay: Crisisplay, workspace: Path
) -> None:
    (workspace / "playbooks" / "notes.yaml").write_text("just: some notes\n", encoding="utf-8")
    code, _, err = crisisplay("playbook", "validate")
    assert code == 1
    assert "notes.yaml:1:1" in err and "schema" in err
