"""Signed receipts: each receipt signed with the person's SSH key (`ssh-keygen -Y sign`) and
checked by `log verify` and `crisisplay sync` against the workspace's allowed_signers.

Real keys (`ssh-keygen -t ed25519` in tmp_path), the real ssh-keygen, the real entry point;
the real ~/.ssh, HOME and git config are never read or written.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from answering import DATA, answers_for, library, write_yaml
from running import Crisisplay
from test_team import Team, start_and_close, team  # noqa: F401 - the two-machine fixture

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")
CHOOSE = {"d-route": "Hold", "h-after": "Carry on"}
RECEIPT = re.compile(r"Receipt (\d+):([0-9a-f]{64})")


def keypair(folder: Path, name: str) -> tuple[Path, str]:
    """A new ed25519 key without passphrase: its private key's path and its public line."""
    folder.mkdir(parents=True, exist_ok=True)
    key = folder / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True
    )
    return key, key.with_suffix(".pub").read_text().strip()


def allow(home: Path, principal: str, public: str) -> None:
    with (home / "allowed_signers").open("a", encoding="utf-8") as f:
        key_type, blob = public.split()[:2]
        f.write(f"{principal} {key_type} {blob}\n")


def setup(home: Path, key: Path | None) -> None:
    (home / "playbooks").mkdir(parents=True, exist_ok=True)
    text = (DATA / "branches.yaml").read_text(encoding="utf-8")
    (home / "playbooks" / "walk-branches.yaml").write_text(text, encoding="utf-8")
    if key is not None:
        (home / "crisisplay.toml").write_text(f'signing_key = "{key}"\n', encoding="utf-8")


def signing_as(crisisplay: Crisisplay, keys: Path, principal: str) -> Path:
    """The person's home, set up to sign with a new key of Alice's, allowed as `principal`."""
    home = crisisplay.home
    key, public = keypair(keys, "alice")
    setup(home, key)
    allow(home, principal, public)
    return home


def walk(crisisplay: Crisisplay, home: Path, env: dict[str, str | None] | None = None) -> tuple:
    """A whole scripted incident: (its id, the receipt printed, what the walk said)."""
    resolved = library(home).load(str(DATA / "branches.yaml"))
    data = answers_for(resolved, CHOOSE, {"variables": {"product": "oat latte"}})
    answers = write_yaml(home.parent / "answers.yaml", data)
    ran = crisisplay("start", "--answers", str(answers), "-p", "walk-branches", env=env)
    assert ran.code == 0, ran.err
    match = RECEIPT.search(ran.err)
    assert match, ran.err
    return ran.out.splitlines()[-1], f"{match[1]}:{match[2]}", ran.err


def ledger_lines(home: Path) -> list[dict]:
    return [json.loads(line) for line in (home / "receipts.jsonl").read_bytes().splitlines()]


def test_a_signed_receipt_verifies_and_verify_names_the_signer(
    crisisplay: Crisisplay, tmp_path: Path
) -> None:
    home = signing_as(crisisplay, tmp_path / "keys", "alice@agency.example")
    incident, receipt, said = walk(crisisplay, home)
    assert "not signed" not in said
    sigs = list((home / "receipts.sig" / incident).glob("*.sig"))
    assert len(sigs) == 1 and sigs[0].read_text().startswith("-----BEGIN SSH SIGNATURE-----")

    ran = crisisplay("log", "verify", incident)
    assert ran.code == 0, ran.err
    assert (
        "signatures: 1 of 1 signed receipt verified against allowed_signers "
        "(alice@agency.example)" in ran.out
    )
    shown = crisisplay("log", "verify", incident, "--json")
    assert json.loads(shown.out)["signatures"]["verified"] == 1

    # what the docs say a person can check by hand, with ssh-keygen alone
    line = next(r for r in ledger_lines(home) if f"{r['seq']}:{r['sha256']}" == receipt)
    content = {k: line[k] for k in ("incident", "seq", "sha256", "event", "ts")}
    by_hand = subprocess.run(
        [
            *("ssh-keygen", "-Y", "verify", "-f", str(home / "allowed_signers")),
            *("-I", "alice@agency.example", "-n", "crisisplay-receipt", "-s", str(sigs[0])),
        ],
        input=json.dumps(content, separators=(",", ":")).encode() + b"\n",
        capture_output=True,
    )
    assert by_hand.returncode == 0, by_hand.stderr


def test_a_receipt_changed_after_it_was_signed_fails_naming_it(
    crisisplay: Crisisplay, tmp_path: Path
) -> None:
    home = signing_as(crisisplay, tmp_path / "keys", "alice")
    incident, receipt, _ = walk(crisisplay, home)

    # a forger who rewrote the log's last line writes the receipt to match, and re-chains
    # the ledger (so the ledger's own chain holds): only the signature tells
    from crisisplay.incident.receipts import GENESIS

    forged_sha = "f" * 64
    prev, out = GENESIS, []
    for line in ledger_lines(home):
        if line["incident"] == incident:
            line["sha256"] = forged_sha
        line["prev"] = prev
        raw = json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode()
        prev = __import__("hashlib").sha256(raw).hexdigest()
        out.append(raw + b"\n")
    (home / "receipts.jsonl").write_bytes(b"".join(out))

    ran = crisisplay("log", "verify", incident)
    assert ran.code == 1
    seq = receipt.split(":")[0]
    assert (
        f"receipt {incident} {seq}:{forged_sha[:20]}" in ran.err
        and "the signature by alice does not match the receipt" in ran.err
    ), ran.err


def test_a_signature_by_a_key_not_allowed_fails_naming_the_key(
    crisisplay: Crisisplay, tmp_path: Path
) -> None:
    home = crisisplay.home
    key, _ = keypair(tmp_path / "keys", "mallory")
    _, alice = keypair(tmp_path / "keys", "alice")
    setup(home, key)
    allow(home, "alice", alice)  # Mallory's key is not there
    incident, receipt, _ = walk(crisisplay, home)
    shown = subprocess.run(
        ["ssh-keygen", "-l", "-f", str(key.with_suffix(".pub"))], capture_output=True, text=True
    )
    mallory = shown.stdout.split()[1]  # SHA256:…, as ssh-keygen -l shows it
    ran = crisisplay("log", "verify", incident)
    assert ran.code == 1
    assert f"receipt {incident} {receipt[:24]}" in ran.err
    assert f"signed by {mallory}, a key not in allowed_signers" in ran.err, ran.err


def test_signed_receipts_without_allowed_signers_fail_until_it_is_added(
    crisisplay: Crisisplay, tmp_path: Path
) -> None:
    home = crisisplay.home
    key, public = keypair(tmp_path / "keys", "alice")
    setup(home, key)
    incident, _, _ = walk(crisisplay, home)
    ran = crisisplay("log", "verify", incident)
    assert ran.code == 1
    assert "the workspace has no allowed_signers to check them against" in ran.err
    allow(home, "alice", public)
    assert crisisplay("log", "verify", incident).code == 0


def test_no_key_configured_leaves_receipts_unsigned_and_verify_passes(
    crisisplay: Crisisplay,
) -> None:
    home = crisisplay.home
    setup(home, None)
    incident, _, said = walk(crisisplay, home)
    assert "signed" not in said  # nothing to say when nobody asked for signatures
    assert not (home / "receipts.sig").exists()
    ran = crisisplay("log", "verify", incident)
    assert ran.code == 0, ran.err
    assert "signatures: 1 receipt, not signed" in ran.out


def test_without_ssh_keygen_the_walk_completes_with_the_receipt_unsigned(
    crisisplay: Crisisplay, tmp_path: Path
) -> None:
    home = signing_as(crisisplay, tmp_path / "keys", "alice")
    empty = tmp_path / "no-ssh"
    empty.mkdir()
    incident, receipt, said = walk(crisisplay, home, env={"PATH": str(empty)})
    notes = [line.strip() for line in said.splitlines() if "not signed" in line]
    assert notes == [
        f"note: receipt {receipt[:24]}… is not signed (ssh-keygen is not installed here); "
        "it is kept unsigned."
    ]
    assert ledger_lines(home)[-1]["sha256"] == receipt.split(":")[1]  # the receipt is kept
    assert not list((home / "receipts.sig" / incident).glob("*.sig"))
    ran = crisisplay("log", "verify", incident)
    assert ran.code == 0, ran.err
    assert "signatures: 1 receipt, not signed" in ran.out
    assert "1 left unsigned: ssh-keygen is not installed here" in ran.out


def test_bob_s_sync_verifies_alice_s_signatures(team: Team, tmp_path: Path) -> None:  # noqa: F811
    alice, bob = team.alice, team.bob
    key, public = keypair(tmp_path / "keys", "alice")
    # Alice signs as she signs her commits: git's user.signingkey with gpg.format = ssh
    config = Path(alice.env["GIT_CONFIG_GLOBAL"])
    config.write_text(config.read_text() + f"[gpg]\n\tformat = ssh\n[user]\n\tsigningkey = {key}\n")
    allow(alice.home, "alice@agency.example", public)
    incident = start_and_close(team, alice)  # the close syncs: ledger and signature pushed
    assert list((alice.home / "receipts.sig" / incident).glob("*.sig"))

    ran = team(bob, "sync")
    assert ran.code == 0, ran.err
    assert list((bob.home / "receipts.sig" / incident).glob("*.sig"))
    assert (
        "Signatures: 1 of 1 signed receipt verified against allowed_signers "
        "(alice@agency.example)." in ran.out
    ), ran.out
    assert team(bob, "log", "verify", incident).code == 0
    # verified once, remembered in .git/: the next sync does not run ssh-keygen again for it,
    # and still counts it; changing allowed_signers (below) checks it afresh
    assert len((bob.home / ".git" / "crisisplay-signatures").read_text().splitlines()) == 1
    ran = team(bob, "sync")
    assert ran.code == 0 and "Signatures: 1 of 1 signed receipt verified" in ran.out

    # allowed_signers no longer lists the key that signed: each sync says so and fails
    _, other = keypair(tmp_path / "keys", "someone")
    key_type, blob = other.split()[:2]
    (alice.home / "allowed_signers").write_text(f"alice@agency.example {key_type} {blob}\n")
    for machine in (alice, bob):
        ran = team(machine, "sync")
        assert ran.code == 1, ran.out
        assert f"receipt {incident}" in ran.err and "a key not in allowed_signers" in ran.err
