"""The record holds: receipts, statement copies and the snapshot bound to the log by hash,
and no link inside a home is ever followed."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from answering import DATA, answers_for, cli, events, forget_receipts, library, write_yaml

CHOOSE = {"d-route": "Hold", "h-after": "Carry on"}
RECEIPT = re.compile(r"Receipt (\d+):([0-9a-f]{64})\n")


def workspace(home: Path) -> None:
    (home / "playbooks").mkdir(parents=True, exist_ok=True)
    text = (DATA / "branches.yaml").read_text(encoding="utf-8")
    (home / "playbooks" / "walk-branches.yaml").write_text(text, encoding="utf-8")


def answers(home: Path) -> Path:
    resolved = library(home).load(str(DATA / "branches.yaml"))
    data = answers_for(resolved, CHOOSE, {"variables": {"product": "oat latte"}})
    return write_yaml(home / "answers.yaml", data)


def start(home: Path) -> tuple[str, str]:
    """A whole scripted incident; its id and the receipt the walk printed."""
    workspace(home)
    proc = cli(home, "start", "--answers", str(answers(home)), "-p", "walk-branches")
    assert proc.returncode == 0, proc.stderr
    match = RECEIPT.search(proc.stderr)
    assert match, proc.stderr  # the full SEQ:SHA256, not a prefix
    return proc.stdout.splitlines()[-1], f"{match[1]}:{match[2]}"


def log_of(home: Path, incident_id: str) -> Path:
    return home / "incidents" / incident_id / "log.jsonl"


def rechain(lines: list[dict[str, Any]]) -> bytes:
    """A log whose chain is recomputed from scratch: what a careful forger writes."""
    prev, out = "0" * 64, []
    for seq, event in enumerate(lines):
        event = {**event, "seq": seq, "prev": prev}
        line = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
        prev = hashlib.sha256(line).hexdigest()
        out.append(line + b"\n")
    return b"".join(out)


def verify(home: Path, incident_id: str, *extra: str) -> tuple[int, str]:
    proc = cli(home, "log", "verify", incident_id, *extra)
    return proc.returncode, proc.stdout + proc.stderr


def cut_before(home: Path, incident_id: str, step: str, torn: int = 0) -> bytes:
    """What a kill just before `step` leaves: the log up to it (and the first `torn` bytes
    of its line, if the kill came mid-write), no receipt for the walk, and no statement
    copies of the events that were never written. Returns the torn bytes."""
    path = log_of(home, incident_id)
    raw = path.read_bytes().splitlines(keepends=True)
    keep = next(n for n, line in enumerate(raw) if f'"step":"{step}"'.encode() in line)
    path.write_bytes(b"".join(raw[:keep]) + raw[keep][:torn])
    forget_receipts(home, incident_id)
    statements = path.parent / "statements"
    for copy in statements.glob("*.txt"):
        if int(copy.name[:5]) >= keep:
            copy.unlink()
    return raw[keep][:torn]


# --- receipts -----------------------------------------------------------------------------


def test_the_walk_prints_a_receipt_and_keeps_it_in_the_ledger(tmp_path: Path) -> None:
    incident_id, receipt = start(tmp_path)
    seq, sha = receipt.split(":")
    raw = log_of(tmp_path, incident_id).read_bytes().splitlines()
    assert int(seq) == len(raw) - 1 and hashlib.sha256(raw[-1]).hexdigest() == sha
    (line,) = (tmp_path / "receipts.jsonl").read_text().splitlines()
    kept = json.loads(line)
    assert (kept["incident"], kept["seq"], kept["sha256"], kept["event"]) == (
        incident_id,
        int(seq),
        sha,
        "close",
    )
    code, out = verify(tmp_path, incident_id)
    assert code == 0 and f"receipt {receipt} matches" in out


@pytest.mark.parametrize("tamper", ["cut", "edit-last", "append", "recompute"])
def test_a_rewritten_log_fails_against_its_receipt(tmp_path: Path, tamper: str) -> None:
    incident_id, _ = start(tmp_path)
    path = log_of(tmp_path, incident_id)
    raw = path.read_bytes().splitlines(keepends=True)
    evs = [json.loads(line) for line in raw]
    if tamper == "cut":
        path.write_bytes(b"".join(raw[:-3]))
        expected = "cut from the end"
    elif tamper == "edit-last":
        path.write_bytes(b"".join(raw[:-1]) + raw[-1].replace(b'"walked"', b'"forged"'))
        expected = "was changed"
    elif tamper == "append":
        forged = {**evs[-1], "type": "note", "data": {"text": "all fine", "step": None}}
        path.write_bytes(rechain([*evs, forged]))  # the chain itself is perfect
        expected = "appended after the close"
    else:
        evs[3]["data"] = {**evs[3]["data"], "note": "nothing happened"}
        path.write_bytes(rechain(evs))
        expected = "was changed"
    code, out = verify(tmp_path, incident_id)
    assert code == 1 and expected in out, out
    # Every command that trusts the log says so too.
    proc = cli(tmp_path, "report", incident_id, "--format", "md")
    assert proc.returncode == 1 and "receipt" in proc.stdout + proc.stderr
    before = path.read_bytes()
    proc = cli(tmp_path, "resume", incident_id, "--answers", str(tmp_path / "answers.yaml"))
    assert proc.returncode == 1 and "does not match its last receipt" in proc.stderr
    assert path.read_bytes() == before  # nothing was written


def test_an_edited_ledger_is_itself_caught(tmp_path: Path) -> None:
    incident_id, _ = start(tmp_path)
    ledger = tmp_path / "receipts.jsonl"
    obj = json.loads(ledger.read_text())
    obj["seq"] -= 2
    ledger.write_text(json.dumps(obj, separators=(",", ":")) + "\n")
    # The single line still chains from genesis, so its edit shows only against the log.
    code, out = verify(tmp_path, incident_id)
    assert code == 1 and "was changed" in out
    # A receipt removed from the ledger breaks its chain.
    home = tmp_path / "b"
    start(home)
    proc = cli(home, "start", "--answers", str(home / "answers.yaml"), "-p", "walk-branches")
    assert proc.returncode == 0, proc.stderr
    ledger = home / "receipts.jsonl"
    ledger.write_bytes(ledger.read_bytes().splitlines(keepends=True)[1])
    code, out = verify(home, proc.stdout.splitlines()[-1])
    assert code == 1 and "receipts.jsonl line 1" in out


def test_a_crash_leaves_no_receipt_and_resume_issues_the_next(tmp_path: Path) -> None:
    incident_id, _ = start(tmp_path)
    cut_before(tmp_path, incident_id, "h-draft")
    code, out = verify(tmp_path, incident_id)
    assert code == 0 and "no receipt yet" in out
    proc = cli(tmp_path, "resume", incident_id, "--answers", str(tmp_path / "answers.yaml"))
    assert proc.returncode == 0, proc.stderr
    assert RECEIPT.search(proc.stderr)
    assert verify(tmp_path, incident_id)[0] == 0


# --- statements and the snapshot ---------------------------------------------------------------


def test_statement_copies_are_derived_from_the_log(tmp_path: Path) -> None:
    incident_id, _ = start(tmp_path)
    folder = tmp_path / "incidents" / incident_id / "statements"
    names = sorted(os.listdir(folder))
    assert names and all(re.fullmatch(r"\d{5}-h-draft-(x|facebook)\.txt", n) for n in names)
    texts = {
        name: text
        for e in events(tmp_path, incident_id)
        if e["type"] == "step" and e["data"].get("texts")
        for name, text in (
            (f"{e['seq']:05d}-{e['data']['step']}-{p}.txt", t)
            for p, t in e["data"]["texts"].items()
        )
    }
    assert {n: (folder / n).read_text() for n in names} == {n: t + "\n" for n, t in texts.items()}

    (folder / names[0]).unlink()
    (folder / names[1]).write_text("We did nothing wrong.\n")
    (folder / "00999-forged-x.txt").write_text("Forged.\n")
    code, out = verify(tmp_path, incident_id)
    assert code == 1
    assert f"{names[0]} is missing" in out and f"{names[1]} differs" in out
    assert "00999-forged-x.txt is not a statement the log recorded" in out
    assert "--repair" in out
    code, out = verify(tmp_path, incident_id, "--repair")
    assert f"repaired: statements/{names[0]}" in out and f"repaired: statements/{names[1]}" in out
    assert {n: (folder / n).read_text() for n in names} == {n: t + "\n" for n, t in texts.items()}
    (folder / "00999-forged-x.txt").unlink()
    assert verify(tmp_path, incident_id)[0] == 0


def test_resume_rewrites_lost_statement_copies_and_says_so(tmp_path: Path) -> None:
    incident_id, _ = start(tmp_path)
    path = log_of(tmp_path, incident_id)
    raw = path.read_bytes().splitlines(keepends=True)
    keep = next(n for n, line in enumerate(raw) if b'"step":"h-after"' in line)
    path.write_bytes(b"".join(raw[:keep]))  # killed right after the draft's event...
    forget_receipts(tmp_path, incident_id)
    folder = tmp_path / "incidents" / incident_id / "statements"
    for name in os.listdir(folder):
        (folder / name).unlink()  # ... before its copies reached the disk
    proc = cli(tmp_path, "resume", incident_id, "--answers", str(tmp_path / "answers.yaml"))
    assert proc.returncode == 0, proc.stderr
    assert "2 statement copies were missing or changed" in proc.stderr
    assert len(os.listdir(folder)) == 2
    assert verify(tmp_path, incident_id)[0] == 0


def test_an_edited_snapshot_is_refused_and_replaced_by_the_same_version(tmp_path: Path) -> None:
    incident_id, _ = start(tmp_path)
    cut_before(tmp_path, incident_id, "h-draft")
    snap = tmp_path / "incidents" / incident_id / "playbook.json"
    payload = json.loads(snap.read_text())
    payload["content"]["stages"] = payload["content"]["stages"][:1]  # "close after detect"
    snap.write_text(json.dumps(payload))
    code, out = verify(tmp_path, incident_id)
    assert code == 1 and "playbook snapshot" in out and "was changed" in out
    proc = cli(tmp_path, "resume", incident_id, "--answers", str(tmp_path / "answers.yaml"))
    assert proc.returncode == 0, proc.stderr
    assert "from the library (the very same content)" in proc.stderr
    evs = events(tmp_path, incident_id)
    assert [e for e in evs if e["type"] == "playbook.restored"]
    assert any(e["type"] == "step" and e["data"]["step"] == "h-draft" for e in evs)
    assert verify(tmp_path, incident_id)[0] == 0


def test_an_edited_snapshot_without_its_playbook_is_refused(tmp_path: Path) -> None:
    incident_id, _ = start(tmp_path)
    cut_before(tmp_path, incident_id, "h-draft")
    (tmp_path / "playbooks" / "walk-branches.yaml").unlink()
    snap = tmp_path / "incidents" / incident_id / "playbook.json"
    snap.write_text(snap.read_text()[:100])  # a crash mid-write in an old version
    before = log_of(tmp_path, incident_id).read_bytes()
    proc = cli(tmp_path, "resume", incident_id, "--answers", str(tmp_path / "answers.yaml"))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "is damaged" in proc.stderr and "not in the library" in proc.stderr
    assert log_of(tmp_path, incident_id).read_bytes() == before


def test_a_full_disk_while_replacing_a_file_keeps_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crisisplay import safefs

    (tmp_path / "f.json").write_text("old")
    real_write = os.write

    def full(fd: int, data: Any) -> int:
        if os.fstat(fd).st_size > 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, bytes(data[:3]))

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(OSError):
        safefs.replace_atomic(tmp_path, "f.json", b"new and longer")
    monkeypatch.undo()
    assert (tmp_path / "f.json").read_text() == "old"
    assert os.listdir(tmp_path) == ["f.json"]  # no temp file left behind


# --- links ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["log.lock", "log.jsonl", "playbook.json", "statements"])
def test_a_planted_link_is_refused_and_its_target_untouched(tmp_path: Path, name: str) -> None:
    incident_id, _ = start(tmp_path)
    cut_before(tmp_path, incident_id, "h-draft")
    folder = tmp_path / "incidents" / incident_id
    victim = tmp_path / "victim"
    original = folder / name
    if original.is_dir():
        victim.mkdir()
        (victim / "precious.txt").write_text("precious\n")
        for child in original.iterdir():
            child.unlink()
        original.rmdir()
    else:
        victim.write_bytes(original.read_bytes() if original.exists() else b"precious\n")
        original.unlink(missing_ok=True)
    os.symlink(victim, original)
    snapshot = {p: p.read_bytes() for p in victim.rglob("*")} if victim.is_dir() else None
    before = victim.read_bytes() if victim.is_file() else None
    proc = cli(tmp_path, "resume", incident_id, "--answers", str(tmp_path / "answers.yaml"))
    assert proc.returncode == 1, proc.stderr
    assert "symbolic link" in proc.stderr and "Traceback" not in proc.stderr
    if before is not None:
        assert victim.read_bytes() == before
    else:
        assert {p: p.read_bytes() for p in victim.rglob("*")} == snapshot


def test_a_linked_incident_folder_or_ledger_is_never_followed(tmp_path: Path) -> None:
    incident_id, _ = start(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    os.rename(tmp_path / "incidents" / incident_id, elsewhere)
    os.symlink(elsewhere, tmp_path / "incidents" / incident_id)
    proc = cli(tmp_path, "log", "list")
    assert "a symbolic link, not an incident folder" in proc.stdout
    proc = cli(tmp_path, "resume", incident_id, "--answers", str(tmp_path / "answers.yaml"))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr

    home = tmp_path / "b"
    workspace(home)
    target = tmp_path / "not-a-ledger"
    target.write_text("precious\n")
    os.symlink(target, home / "receipts.jsonl")
    proc = cli(home, "start", "--answers", str(answers(home)), "-p", "walk-branches")
    assert proc.returncode == 0, proc.stderr  # the incident itself is recorded
    assert "could NOT be kept in the receipts ledger" in proc.stderr
    assert RECEIPT.search(proc.stderr)  # still printed in full, to keep by hand
    assert target.read_text() == "precious\n"


def test_resume_shows_the_torn_answer_it_set_aside(tmp_path: Path) -> None:
    incident_id, _ = start(tmp_path)
    torn = cut_before(tmp_path, incident_id, "h-draft", torn=150)  # a kill mid-write
    proc = cli(tmp_path, "log", "list")
    assert "torn entry" in proc.stdout
    proc = cli(tmp_path, "resume", incident_id, "--answers", str(tmp_path / "answers.yaml"))
    assert proc.returncode == 0, proc.stderr
    assert "was not saved completely" in proc.stderr and "log.quarantine.1" in proc.stderr
    assert torn.decode()[60:100] in proc.stderr  # what was being written


def test_the_log_vouches_for_the_ledger(tmp_path: Path) -> None:
    from crisisplay.incident import receipts

    incident_id, _ = start(tmp_path)
    cut_before(tmp_path, incident_id, "h-draft")
    # The receipt a pause at this point would have issued.
    raw = log_of(tmp_path, incident_id).read_bytes().splitlines()
    kept = receipts.issue(
        tmp_path, incident_id, len(raw) - 1, hashlib.sha256(raw[-1]).hexdigest(), "pause"
    )
    proc = cli(tmp_path, "resume", incident_id, "--answers", str(tmp_path / "answers.yaml"))
    assert proc.returncode == 0, proc.stderr
    resumed = [e for e in events(tmp_path, incident_id) if e["type"] == "session.resumed"]
    assert resumed[-1]["data"]["receipt"] == kept.text
    assert verify(tmp_path, incident_id)[0] == 0
    (tmp_path / "receipts.jsonl").unlink()  # the whole ledger removed: the log remembers
    code, out = verify(tmp_path, incident_id)
    assert code == 1 and "no longer holds" in out


def test_a_closed_incident_without_a_receipt_is_flagged(tmp_path: Path) -> None:
    incident_id, _ = start(tmp_path)
    (tmp_path / "receipts.jsonl").unlink()
    code, out = verify(tmp_path, incident_id)
    assert code == 0 and "warning:" in out and "holds no receipt" in out


@pytest.mark.parametrize("command", ["start", "resume"])
def test_no_terminal_no_walk(tmp_path: Path, command: str) -> None:
    """`crisisplay start </dev/null` once read EOF as Ctrl-C and recorded a pause."""
    import subprocess

    from answering import EXE

    if command == "resume":
        incident_id, _ = start(tmp_path)
        cut_before(tmp_path, incident_id, "h-draft")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    proc = subprocess.run(
        [str(EXE), command],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env={**os.environ, "CRISISPLAY_HOME": str(tmp_path)},
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "--answers" in proc.stderr and "nothing was written" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_a_quarantine_file_is_bound_to_the_log_by_its_hash(tmp_path: Path) -> None:
    incident_id, _ = start(tmp_path)
    cut_before(tmp_path, incident_id, "h-draft", torn=150)
    path = log_of(tmp_path, incident_id)
    proc = cli(tmp_path, "resume", incident_id, "--answers", str(tmp_path / "answers.yaml"))
    assert proc.returncode == 0, proc.stderr
    assert verify(tmp_path, incident_id)[0] == 0
    quarantine = path.parent / "log.quarantine.1"
    quarantine.write_bytes(b"something else entirely")
    code, out = verify(tmp_path, incident_id)
    assert code == 1 and "log.quarantine.1, the quarantine file, no longer hashes" in out
    quarantine.unlink()
    code, out = verify(tmp_path, incident_id)
    assert code == 1 and "is missing" in out


def test_resume_removes_what_a_kill_left_half_written(tmp_path: Path) -> None:
    incident_id, _ = start(tmp_path)
    cut_before(tmp_path, incident_id, "h-after")
    folder = tmp_path / "incidents" / incident_id
    (folder / "statements" / ".00017-h-draft-x.txt.tmp-4242").write_text("half")
    (folder / ".playbook.json.tmp-4242").write_text("{")
    proc = cli(tmp_path, "resume", incident_id, "--answers", str(tmp_path / "answers.yaml"))
    assert proc.returncode == 0, proc.stderr
    assert not list(folder.rglob("*.tmp-*"))
