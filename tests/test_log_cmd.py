"""`crisisplay log list|show|verify` on real incidents, intact and tampered with."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from answering import DATA, answers_for, cli, library, write_yaml
from crisisplay.frontends.scripted import start_scripted
from running import Crisisplay


@pytest.fixture
def home(tmp_path: Path, crisisplay: Crisisplay) -> Path:
    """Two closed incidents, Acme's and Bolt's; the home of every in-process run."""
    for client, choose in (("Acme", {"d-route": "Ignore"}), ("Bolt", {"d-route": "Hold"})):
        resolved = library(tmp_path).load(str(DATA / "branches.yaml"))
        answers = answers_for(
            resolved,
            {**choose, "h-after": "Carry on"},
            {"variables": {"product": "tea"}, "client": client},
        )
        path = write_yaml(tmp_path / "answers.yaml", answers)
        start_scripted(
            library(tmp_path),
            path,
            playbook=str(DATA / "branches.yaml"),
            client=None,
            title=None,
            severity=None,
            first_seen=None,
        )
    crisisplay.home = tmp_path
    return tmp_path


ACME = "20261120-0805-acme-cold-brew-made-customers-ill"
BOLT = "20261120-0805-bolt-cold-brew-made-customers-ill"


def test_list(crisisplay: Crisisplay, home: Path) -> None:
    code, out, _ = crisisplay("log", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["id", "client", "sev", "status"]
    assert [line.split()[0] for line in lines[1:]] == [ACME, BOLT]  # ids never cut
    code, out, _ = crisisplay("log", "list", "--json")
    items = json.loads(out)
    assert [(i["id"], i["client"], i["status"]) for i in items] == [
        (ACME, "acme", "closed"),
        (BOLT, "bolt", "closed"),
    ]
    code, out, _ = crisisplay("log", "list", "--json", "--client", "bolt")
    assert [i["id"] for i in json.loads(out)] == [BOLT]
    assert crisisplay("log", "list", home=home / "empty")[1].startswith("No incidents yet")


def test_show(crisisplay: Crisisplay, home: Path) -> None:
    code, out, _ = crisisplay("log", "show", BOLT)
    assert code == 0
    assert "OPENED" in out and "h-draft" in out and "CLOSED" in out
    code, out, _ = crisisplay("log", "show", "bolt", "--json")
    data = json.loads(out)
    assert data["incident"] == BOLT
    assert [e["seq"] for e in data["events"]] == list(range(len(data["events"])))


def test_verify_ok_and_anchor(crisisplay: Crisisplay, home: Path) -> None:
    code, out, _ = crisisplay("log", "verify", ACME, "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"] and report["problems"] == []
    anchor = report["anchor"]
    assert anchor == f"{report['events'] - 1}:{report['head']}"
    code, out, _ = crisisplay("log", "verify", ACME, "--anchor", anchor)
    assert code == 0 and out.startswith("ok:")
    code, _, err = crisisplay("log", "verify", ACME, "--anchor", "nonsense")
    assert code == 2 and "SEQ:SHA256" in err


def _lines(home: Path, incident: str) -> tuple[Path, list[bytes]]:
    path = home / "incidents" / incident / "log.jsonl"
    return path, path.read_bytes().splitlines(keepends=True)


@pytest.mark.parametrize("damage", ["edit", "delete", "reorder", "garble"])
def test_verify_fails_on_tampering(home: Path, damage: str) -> None:
    path, lines = _lines(home, BOLT)
    if damage == "edit":
        lines[3] = lines[3].replace(b'"actor":"', b'"actor":"X')
    elif damage == "delete":
        del lines[4]
    elif damage == "reorder":
        lines[4], lines[5] = lines[5], lines[4]
    else:
        lines[4] = b"{not json\n"
    path.write_bytes(b"".join(lines))
    proc = cli(home, "log", "verify", BOLT)
    assert proc.returncode == 1 and "FAILED verification" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    proc = cli(home, "log", "verify", BOLT, "--json")
    assert proc.returncode == 1 and json.loads(proc.stdout)["ok"] is False
    # the other commands stay usable and say what is wrong
    proc = cli(home, "log", "list")
    assert proc.returncode == 0 and ACME in proc.stdout and BOLT in proc.stdout
    proc = cli(home, "log", "show", BOLT)
    assert "Traceback" not in proc.stderr
    proc = cli(home, "resume", BOLT, "--answers", str(home / "answers.yaml"))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr


def test_truncation_is_caught_by_the_receipt_or_an_anchor(
    crisisplay: Crisisplay, home: Path
) -> None:
    _, out, _ = crisisplay("log", "verify", BOLT, "--json")
    anchor = json.loads(out)["anchor"]
    assert json.loads(out)["receipt"] == anchor  # the walk's own receipt covers the last line
    path, lines = _lines(home, BOLT)
    path.write_bytes(b"".join(lines[:-2]))
    code, _, err = crisisplay("log", "verify", BOLT)
    assert code == 1 and "cut from the end" in err
    (home / "receipts.jsonl").unlink()  # whoever cut the log also removed the ledger:
    assert crisisplay("log", "verify", BOLT)[0] == 0  # the chain alone cannot tell
    code, _, err = crisisplay("log", "verify", BOLT, "--anchor", anchor)  # a copy kept elsewhere
    assert code == 1 and "anchor" in err
