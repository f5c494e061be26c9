"""A missing or wrong answer stops `start --answers` before anything is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from answering import DATA, answers_for, cli, events, library, write_yaml

PLAYBOOK = str(DATA / "branches.yaml")


def base(home: Path, choose: dict[str, str] | None = None) -> dict[str, Any]:
    resolved = library(home).load(PLAYBOOK)
    return answers_for(
        resolved,
        choose or {"d-route": "Hold", "h-after": "Carry on"},
        {"variables": {"product": "oat latte"}},
    )


def start(home: Path, answers: dict[str, Any], *extra: str) -> Any:
    path = write_yaml(home / "answers.yaml", answers)
    return cli(home, "start", "--answers", str(path), "-p", PLAYBOOK, *extra)


def nothing_written(home: Path) -> bool:
    folder = home / "incidents"
    return not folder.exists() or not any(folder.iterdir())


def test_missing_answer_names_the_step(tmp_path: Path) -> None:
    answers = base(tmp_path)
    del answers["h-draft"]
    proc = start(tmp_path, answers)
    assert proc.returncode == 1
    assert "no answer for step 'h-draft'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    assert nothing_written(tmp_path)


BAD = {
    "d-route": ("Nowhere", "'Nowhere' is not one of the options"),
    "d-number": ("lots", "'lots' is not a number"),
    "d-url": ("not a url", "is not a web address"),
    "d-choice": ("Medium", "'Medium' is not one of: Slow; Fast"),
    "d-confirm": ("maybe", "answer yes or no"),
    "d-datetime": ("yesterday-ish", "is not a time"),
    "d-check": ("perhaps", "answer 'done'"),
}


@pytest.mark.parametrize("step", sorted(BAD))
def test_wrong_answer(tmp_path: Path, step: str) -> None:
    value, message = BAD[step]
    answers = base(tmp_path)
    answers[step] = value
    proc = start(tmp_path, answers)
    assert proc.returncode == 1, proc.stderr
    assert message in proc.stderr and step in proc.stderr
    assert nothing_written(tmp_path)


def test_draft_needs_its_approver(tmp_path: Path) -> None:
    answers = base(tmp_path)
    del answers["h-draft"]["approved_by"]
    proc = start(tmp_path, answers)
    assert proc.returncode == 1
    assert "'h-draft' needs sign-off by the account-manager (Ben Manager)" in proc.stderr
    assert nothing_written(tmp_path)


def test_unreached_answers_are_ignored_and_id_is_last_line(tmp_path: Path) -> None:
    answers = base(tmp_path, {"d-route": "Ignore"})
    answers["h-draft"] = "nonsense that would fail if it were reached"
    answers["c-check"] = {"skip": ""}
    proc = start(tmp_path, answers)
    assert proc.returncode == 0, proc.stderr
    incident_id = proc.stdout.strip().splitlines()[-1]
    assert events(tmp_path, incident_id)[-1]["type"] == "incident.closed"


def test_command_line_options_win(tmp_path: Path) -> None:
    answers = base(tmp_path, {"d-route": "Ignore"})
    proc = start(tmp_path, answers, "--title", "Other title", "--severity", "3", "--client", "Acme")
    assert proc.returncode == 0, proc.stderr
    incident_id = proc.stdout.splitlines()[-1]
    assert incident_id == "20261120-0805-acme-other-title"
    opened = events(tmp_path, incident_id)[0]["data"]
    assert (opened["title"], opened["severity"]) == ("Other title", 3)


def test_bad_incident_section(tmp_path: Path) -> None:
    answers = base(tmp_path)
    answers["incident"]["sevrity"] = 2
    proc = start(tmp_path, answers)
    assert proc.returncode == 1 and "did you mean 'severity'" in proc.stderr
    answers = base(tmp_path)
    answers["incident"]["severity"] = 7
    proc = start(tmp_path, answers)
    assert proc.returncode == 1 and "severity 7 is not a level of playbook" in proc.stderr
    assert "answers.yaml:3:3:" in proc.stderr and "or 4 (Low)" in proc.stderr
    answers = base(tmp_path)
    answers["incident"]["first_seen"] = "2026-11-20T09:00:00Z"  # after it was opened
    proc = start(tmp_path, answers)
    assert proc.returncode == 1 and "cannot be first seen" in proc.stderr
    assert nothing_written(tmp_path)


def test_a_draft_is_checked_with_the_workspace_rule_files(tmp_path: Path) -> None:
    # The agency's own rule, the same one `crisisplay check` and `playbook validate` use.
    (tmp_path / "checker").mkdir()
    (tmp_path / "checker" / "en.yaml").write_text(
        "rules:\n"
        "  - id: house-no-bean-juice\n"
        "    severity: error\n"
        "    patterns: ['\\bbean\\s+juice\\b']\n"
        "    message: We never call coffee bean juice.\n"
        "    hint: Say coffee.\n",
        encoding="utf-8",
    )
    answers = base(tmp_path)
    answers["h-draft"] = {**answers["h-draft"], "text": "Our bean juice was too warm today."}
    proc = start(tmp_path, answers)
    assert proc.returncode == 1
    assert "house-no-bean-juice" in proc.stderr and "override" in proc.stderr
    assert nothing_written(tmp_path)

    answers["h-draft"]["override"] = "the client's own wording"
    proc = start(tmp_path, answers)
    assert proc.returncode == 0, proc.stderr
    (draft,) = [
        e["data"]
        for e in events(tmp_path, proc.stdout.split()[-1])
        if e["type"] == "step"
        if e["data"]["step"] == "h-draft"
    ]
    found = [f["rule"] for fs in draft["findings"].values() for f in fs]
    assert "house-no-bean-juice" in found
    assert draft["overrides"][0]["reason"] == "the client's own wording"


def _networks(home: Path, step: str) -> dict[str, Any]:
    (incident,) = [p.name for p in (home / "incidents").iterdir()]
    steps = [e["data"] for e in events(home, incident) if e["type"] == "step"]
    (data,) = [d for d in steps if d["step"] == step]
    return data["networks"]


def test_answers_file_says_why_a_network_was_not_published(tmp_path: Path) -> None:
    answers = base(tmp_path)
    answers["h-draft"] = {
        "accept": True,
        "approved_by": "Ben Manager",
        "published_url": {"x": "https://x.com/brand/status/9"},
        "unpublished": {"facebook": "page admin locked out"},
    }
    proc = start(tmp_path, answers)
    assert proc.returncode == 0, proc.stderr
    nets = _networks(tmp_path, "h-draft")
    assert nets["x"]["state"] == "published"
    assert nets["facebook"] == {"state": "not_published", "reason": "page admin locked out"}


def test_one_reason_covers_every_network_without_a_link(tmp_path: Path) -> None:
    answers = base(tmp_path)
    answers["h-draft"] = {
        "accept": True,
        "approved_by": "Ben Manager",
        "unpublished": "legal asked us to wait",
    }
    assert start(tmp_path, answers).returncode == 0
    nets = _networks(tmp_path, "h-draft")
    assert {p: s["state"] for p, s in nets.items()} == {
        "x": "not_published",
        "facebook": "not_published",
    }
    assert nets["x"]["reason"] == "legal asked us to wait"


@pytest.mark.parametrize(
    ("unpublished", "said"),
    [
        ({"tiktok": "no account"}, "'tiktok', which is not one of this draft's platforms"),
        ({"x": "no"}, "x has a published_url and a reason"),
        ({"facebook": " "}, "say why it was not published on facebook"),
    ],
)
def test_a_wrong_unpublished_answer_writes_nothing(
    tmp_path: Path, unpublished: dict[str, str], said: str
) -> None:
    answers = base(tmp_path)
    answers["h-draft"] = {
        "accept": True,
        "approved_by": "Ben Manager",
        "published_url": {"x": "https://x.com/brand/status/9"},
        "unpublished": unpublished,
    }
    proc = start(tmp_path, answers)
    assert proc.returncode == 1
    assert said in proc.stderr
    assert nothing_written(tmp_path)
