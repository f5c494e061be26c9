"""Signed receipts: each receipt signed with the person's SSH key, as git signs commits.

A receipt in ``receipts.jsonl`` proves a log was not cut or rewritten — unless whoever
rewrote the log also wrote a matching receipt. A signature says *who* issued it: only the
holder of a key listed in the workspace's ``allowed_signers`` can make one that verifies.

* The key: ``signing_key`` in ``crisisplay.toml`` (see :func:`crisisplay.workspace.signing_key`),
  else git's ``user.signingkey`` when ``gpg.format = ssh`` (the key a person already signs
  commits with). Neither: receipts are not signed, and nothing is said.
* What is signed: the receipt's own content, one line of canonical JSON
  ``{"incident","seq","sha256","event","ts"}`` and a newline (:func:`message`) — not its
  place in the ledger (``n``, ``prev``), which ``crisisplay sync`` renumbers when it takes
  in the remote's receipts. ``jq -c '{incident,seq,sha256,event,ts}'`` prints the same bytes.
* Where: ``receipts.sig/<incident>/<seq>-<event>-<ts digits>.sig``, the armoured signature of
  ``ssh-keygen -Y sign -n crisisplay-receipt``; shared through git like the ledger. A receipt
  that could not be signed (no ``ssh-keygen``, no key) is written all the same, and a
  ``.unsigned`` file beside says why: the walk is never held up and nothing is lost.
* Checked by ``log verify`` and ``crisisplay sync``: ``ssh-keygen -Y find-principals`` names
  the signer in ``allowed_signers``, ``ssh-keygen -Y verify`` checks the signature over the
  receipt as the ledger holds it now.

Only the standard library, :mod:`crisisplay.safefs` and ``ssh-keygen`` (``subprocess``).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from crisisplay import safefs
from crisisplay.i18n import _

if TYPE_CHECKING:
    from collections.abc import Iterable

    from crisisplay.incident.receipts import Receipt

__all__ = ["ALLOWED_SIGNERS", "FOLDER", "NAMESPACE", "Signatures", "check", "message", "sign"]

NAMESPACE = "crisisplay-receipt"
FOLDER = "receipts.sig"
ALLOWED_SIGNERS = "allowed_signers"
#: How long one ssh-keygen may take (it never asks for a passphrase: no terminal, no askpass).
TIMEOUT = 20.0
_MAX_SIG = 64 << 10


def message(receipt: Receipt) -> bytes:
    """The bytes a receipt's signature covers (see the module's docstring)."""
    content = {
        "incident": receipt.incident,
        "seq": receipt.seq,
        "sha256": receipt.sha256,
        "event": receipt.event,
        "ts": receipt.ts,
    }
    return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def _stem(receipt: Receipt) -> str | None:
    """The signature's name in ``receipts.sig/<incident>/``, without extension; None for a
    receipt whose incident or event cannot be a file name (never one the tool wrote)."""
    safe = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
    if not (safe.fullmatch(receipt.incident) and safe.fullmatch(receipt.event)):
        return None
    digits = "".join(c for c in receipt.ts if c.isdigit())
    return f"{receipt.seq}-{receipt.event}-{digits}"


def _ssh_keygen() -> str | None:
    from shutil import which

    return which("ssh-keygen")


def _run(args: list[str], data: bytes) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "LC_ALL": "C", "SSH_ASKPASS_REQUIRE": "never"}
    env.pop("DISPLAY", None)
    return subprocess.run(
        args,
        input=data,
        capture_output=True,
        env=env,
        timeout=TIMEOUT,
        start_new_session=True,  # no terminal to ask a passphrase on: a locked key fails
    )


def _said(done: subprocess.CompletedProcess[bytes]) -> str:
    said = (done.stderr or done.stdout).decode("utf-8", "replace").strip()
    return said.splitlines()[-1] if said else f"exit {done.returncode}"


def _key(root: Path) -> str | None:
    """The key this person signs with here (a path, or git's ``key::…``), None if none."""
    from crisisplay.workspace import signing_key

    configured = signing_key(root)
    if configured:
        return configured
    from crisisplay import git

    if git.is_repo(root) and (git.config(root, "gpg.format") or "").lower() == "ssh":
        return git.config(root, "user.signingkey")
    return None


def sign(root: Path, receipt: Receipt) -> str | None:
    """Sign ``receipt`` if this person has a signing key here. None when it was signed or
    when no key is set; else one line to show (the receipt stays, unsigned, and a
    ``.unsigned`` file beside its place says why)."""
    from crisisplay.errors import CrisisplayError

    root = Path(root)
    why: str | None
    try:
        key = _key(root)
    except CrisisplayError as e:
        key, why = None, " ".join(e.message.split())
    else:
        if key is None:
            return None
        why = _sign_with(root, receipt, key)
    stem = _stem(receipt)
    if why is None or stem is None:
        return None
    with contextlib.suppress(OSError):  # the line on screen still says it
        _write(root, receipt.incident, stem + ".unsigned", (why + "\n").encode("utf-8"))
    return _("note: receipt {receipt} is not signed ({why}); it is kept unsigned.").format(
        receipt=receipt.text[:24] + "…", why=why
    )


def _sign_with(root: Path, receipt: Receipt, key: str) -> str | None:
    """Sign; None when done, else why not (one line)."""
    import tempfile

    exe = _ssh_keygen()
    if exe is None:
        return _("ssh-keygen is not installed here")
    stem = _stem(receipt)
    if stem is None:
        return _("this receipt cannot be named on disk")
    with tempfile.TemporaryDirectory(prefix="crisisplay-sign-") as tmp:
        if key.startswith("key::"):  # git's literal public key: the agent holds the secret
            path = Path(tmp) / "key.pub"
            path.write_text(key[len("key::") :].strip() + "\n", encoding="utf-8")
        else:
            path = Path(key).expanduser()
            if not path.is_absolute():
                path = root / path
            if not path.is_file():
                return _("no key at {path}").format(path=path)
        try:
            done = _run([exe, "-Y", "sign", "-f", str(path), "-n", NAMESPACE], message(receipt))
        except subprocess.TimeoutExpired:
            return _("ssh-keygen did not finish in {seconds} seconds").format(seconds=int(TIMEOUT))
        except OSError as e:
            return str(e.strerror or e)
    if done.returncode != 0 or not done.stdout.startswith(b"-----BEGIN SSH SIGNATURE-----"):
        return _("ssh-keygen could not sign: {said}").format(said=_said(done))
    try:
        _write(root, receipt.incident, stem + ".sig", done.stdout)
    except OSError as e:
        return _("the signature could not be written: {why}").format(why=e.strerror or e)
    return None


def _write(root: Path, incident: str, name: str, data: bytes) -> None:
    safefs.mkdir_in(root, FOLDER, depth=0)
    safefs.mkdir_in(root / FOLDER, incident, depth=1)
    folder = root / FOLDER / incident
    try:
        safefs.create_new(folder, name, data, depth=2)
    except FileExistsError:
        safefs.replace_atomic(folder, name, data, depth=2)
    safefs.fsync_dir(folder, depth=2)


@dataclass
class Signatures:
    """What :func:`check` found among the receipts it was given."""

    receipts: int = 0
    signed: int = 0  #: receipts with a signature
    verified: int = 0  #: … that verified against allowed_signers
    unsigned: int = 0
    #: why receipts were left unsigned (the ``.unsigned`` files), with how many each
    unsigned_why: dict[str, int] = field(default_factory=dict)
    signers: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def fingerprint(signature: bytes) -> str | None:
    """``SHA256:…`` of the public key inside an armoured SSH signature (as ssh-keygen -l
    shows a key), None if it is not one."""
    body = b"".join(
        line.strip() for line in signature.splitlines() if line and not line.startswith(b"-----")
    )
    try:
        blob = base64.b64decode(body, validate=True)
    except ValueError:
        return None
    if not blob.startswith(b"SSHSIG") or len(blob) < 14:
        return None
    size = int.from_bytes(blob[10:14], "big")
    key = blob[14 : 14 + size]
    if len(key) != size:
        return None
    return "SHA256:" + base64.b64encode(hashlib.sha256(key).digest()).decode().rstrip("=")


def check(root: Path, receipts: Iterable[Receipt], *, remember: Path | None = None) -> Signatures:
    """Check the signature of every receipt given that has one, against the workspace's
    ``allowed_signers``; count the unsigned ones.

    ``remember``: a file of signatures already verified (``crisisplay sync`` keeps one in
    ``.git/``), each the sha256 of allowed_signers, the receipt and the signature together,
    with its signer: one that verified before, with all three unchanged, is not run through
    ssh-keygen again (about 8 ms a receipt, which a ledger of years would add to every sync).
    """
    root = Path(root)
    out = Signatures()
    exe: str | None = None
    looked = False
    allowed = root / ALLOWED_SIGNERS
    unchecked = 0
    known = _remembered(remember)
    allowed_sha: str | None = None
    learnt: list[str] = []
    for receipt in receipts:
        out.receipts += 1
        stem = _stem(receipt)
        folder = root / FOLDER / receipt.incident
        sig = None
        if stem is not None:
            try:
                sig = safefs.read_bytes(folder, stem + ".sig", limit=_MAX_SIG, depth=2)
            except OSError:
                sig = None
        if sig is None or stem is None:
            out.unsigned += 1
            why = _unsigned_why(folder, stem)
            if why:
                out.unsigned_why[why] = out.unsigned_why.get(why, 0) + 1
            continue
        out.signed += 1
        if not looked:
            exe, looked = _ssh_keygen(), True
            allowed_sha = _allowed_sha(root)
        if exe is None or allowed_sha is None:
            unchecked += 1
            continue
        digest = hashlib.sha256(
            b"\0".join((allowed_sha.encode(), message(receipt), sig))
        ).hexdigest()
        signer = known.get(digest)
        if signer is None:
            problem, signer = _verify(exe, allowed, folder / (stem + ".sig"), sig, receipt)
            if problem:
                out.problems.append(problem)
                continue
            learnt.append(f"{digest} {signer}\n")
        out.verified += 1
        if signer not in out.signers:
            out.signers.append(signer)
    if unchecked and exe is None:
        out.warnings.append(
            _(
                "{n} signed receipt(s) not checked: ssh-keygen is not installed here "
                "(Debian: apt-get install openssh-client)"
            ).format(n=unchecked)
        )
    elif unchecked:
        out.problems.append(
            _(
                "{n} receipt(s) are signed, but the workspace has no {file} to check them "
                "against: add one line per person (`NAME KEY-TYPE KEY`, as git's "
                "gpg.ssh.allowedSignersFile)"
            ).format(n=unchecked, file=ALLOWED_SIGNERS)
        )
    if remember is not None and learnt:
        with contextlib.suppress(OSError), remember.open("a", encoding="utf-8") as f:
            f.writelines(learnt)
    return out


def _allowed_sha(root: Path) -> str | None:
    try:
        return safefs.sha256_of(root, ALLOWED_SIGNERS, depth=0)
    except OSError:
        return None


def _remembered(path: Path | None) -> dict[str, str]:
    """The signatures verified before (see :func:`check`): digest -> signer."""
    if path is None:
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    out = {}
    for line in text.splitlines():
        digest, _sep, signer = line.partition(" ")
        if len(digest) == 64 and signer:
            out[digest] = signer
    return out


def _unsigned_why(folder: Path, stem: str | None) -> str | None:
    if stem is None:
        return None
    try:
        raw = safefs.read_bytes(folder, stem + ".unsigned", limit=4096, depth=2)
    except OSError:
        return None
    return " ".join(raw.decode("utf-8", "replace").split())[:200] or None


def _verify(
    exe: str, allowed: Path, path: Path, sig: bytes, receipt: Receipt
) -> tuple[str | None, str]:
    """(what is wrong, the signer's name in allowed_signers)."""
    where = _("receipt {incident} {receipt}").format(
        incident=receipt.incident, receipt=receipt.text[:24] + "…"
    )
    try:
        found = _run([exe, "-Y", "find-principals", "-s", str(path), "-f", str(allowed)], b"")
    except (OSError, subprocess.TimeoutExpired) as e:
        return _("{where}: its signature could not be checked ({why})").format(
            where=where, why=e
        ), ""
    principals = found.stdout.decode("utf-8", "replace").split()
    if found.returncode != 0 or not principals:
        key = fingerprint(sig) or _("an unreadable signature")
        return _(
            "{where}: signed by {key}, a key not in {file}: not signed by anyone the "
            "workspace allows"
        ).format(where=where, key=key, file=ALLOWED_SIGNERS), ""
    signer = principals[0]
    try:
        done = _run(
            [
                exe,
                "-Y",
                "verify",
                "-f",
                str(allowed),
                "-I",
                signer,
                "-n",
                NAMESPACE,
                "-s",
                str(path),
            ],
            message(receipt),
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return _("{where}: its signature could not be checked ({why})").format(
            where=where, why=e
        ), signer
    if done.returncode != 0:
        return _(
            "{where}: the signature by {signer} does not match the receipt: it was changed "
            "after {signer} signed it"
        ).format(where=where, signer=signer), signer
    return None, signer
