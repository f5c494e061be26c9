"""Receipts: the tool keeps an anchor of every incident log, so a cut or rewritten log shows.

The hash chain alone catches an edit in the middle of a log, but not lines cut off its end,
a changed last line, a forged line appended, or a whole chain recomputed after an edit:
each of those leaves a log that chains perfectly. What catches them is a copy of the hash
of a line kept somewhere else: a *receipt*, ``SEQ:SHA256``.

At every pause, handover and close, the walk prints a receipt and appends it to
``<home>/receipts.jsonl``: one JSON line per receipt, across incidents, hash-chained like
the logs (``prev`` is the sha256 of the line before), so a receipt cannot be quietly removed
or changed either. ``log verify``, ``resume`` and ``report`` compare each log with its last
receipt.

What a receipt proves, and what it doesn't: a log that still matches its receipts was not
cut, and nothing up to the receipt's line was changed since it was issued. Someone who can
rewrite both the log and the whole ledger on this machine can forge both; a receipt kept
*off* the machine (pasted into the client's channel, mailed to the account lead) can't be
reached that way, and ``log verify --anchor SEQ:SHA256`` checks a log against it.

Only the standard library and :mod:`crisisplay.safefs`.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crisisplay import safefs
from crisisplay.times import utc_now_text

__all__ = [
    "LEDGER",
    "Ledger",
    "Receipt",
    "adopt",
    "compare",
    "issue",
    "load",
]

LEDGER = "receipts.jsonl"
GENESIS = "0" * 64
#: A ledger this big is not one the tool wrote (a receipt line is ~250 bytes).
MAX_LEDGER = 256 << 20
_KEYS = ("v", "n", "prev", "ts", "incident", "seq", "sha256", "event")


@dataclass(frozen=True)
class Receipt:
    """One receipt: the log of ``incident`` had, at ``seq``, a line hashing to ``sha256``."""

    incident: str
    seq: int
    sha256: str
    event: str  #: what it was issued at: "pause", "close", "handover", …
    ts: str
    n: int = 0  #: its line in the ledger, from 0

    @property
    def text(self) -> str:
        """``SEQ:SHA256``: what the walk prints and ``log verify --anchor`` takes."""
        return f"{self.seq}:{self.sha256}"


@dataclass
class Ledger:
    """What :func:`load` read: the last receipt per incident, and any damage to the ledger."""

    path: Path
    last: dict[str, Receipt] = field(default_factory=dict)
    #: every receipt's ``SEQ:SHA256`` per incident
    kept: dict[str, set[str]] = field(default_factory=dict)
    count: int = 0
    #: every receipt, in the ledger's order
    every: list[Receipt] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def for_incident(self, incident: str) -> Receipt | None:
        return self.last.get(incident)

    def has(self, incident: str, text: str) -> bool:
        return text in self.kept.get(incident, set())


def _line_problem(obj: Any, n: int, prev: str) -> str | None:
    if not isinstance(obj, dict) or tuple(obj) != _KEYS:
        return "not a receipt line"
    if obj["v"] != 1 or obj["n"] != n:
        return f"numbered {obj['n']!r}, expected {n} (a receipt was removed or inserted)"
    if obj["prev"] != prev:
        return "does not chain to the line before it (a receipt was changed or removed)"
    if not (
        isinstance(obj["incident"], str)
        and type(obj["seq"]) is int
        and obj["seq"] >= 0
        and isinstance(obj["sha256"], str)
        and len(obj["sha256"]) == 64
    ):
        return "is not a complete receipt"
    return None


def _chained(lines: list[bytes]) -> Iterator[tuple[int, dict[str, Any], str | None]]:
    """(line number from 0, the receipt, what is wrong with it or None) for each line, in
    order, each checked against the hash of the line before; stop after the first damage."""
    prev = GENESIS
    for n, line in enumerate(lines):
        try:
            obj = json.loads(line.decode("utf-8"))
        except ValueError:
            obj = None
        problem = _line_problem(obj, n, prev)
        yield n, obj if isinstance(obj, dict) else {}, problem
        if problem is not None:
            return
        prev = hashlib.sha256(line).hexdigest()


def load(root: Path) -> Ledger:
    """Read and check the whole ledger in ``root`` (the home). A missing ledger is empty."""
    root = Path(root)
    ledger = Ledger(root / LEDGER)
    try:
        raw = safefs.read_bytes(root, LEDGER, limit=MAX_LEDGER, depth=0, what="the receipts ledger")
    except FileNotFoundError:
        return ledger
    except OSError as exc:
        ledger.problems.append(f"{ledger.path} cannot be read: {exc}")
        return ledger
    lines = raw.split(b"\n")
    torn = lines.pop()  # b"" when the file ends with a newline
    for n, obj, problem in _chained(lines):
        if problem is not None:
            ledger.problems.append(f"{ledger.path} line {n + 1}: {problem}")
            return ledger  # nothing after a damaged line can be trusted
        receipt = Receipt(
            obj["incident"], obj["seq"], obj["sha256"], str(obj["event"]), str(obj["ts"]), n
        )
        ledger.last[receipt.incident] = receipt
        ledger.every.append(receipt)
        ledger.kept.setdefault(receipt.incident, set()).add(receipt.text)
        ledger.count = n + 1
    if torn:
        # A receipt being written when the machine stopped: it was never printed as kept.
        ledger.problems.append(
            f"{ledger.path} ends with {len(torn)} bytes that are not a complete receipt "
            "(a write was interrupted); the next receipt cuts them off"
        )
    return ledger


def issue(root: Path, incident: str, seq: int, sha256: str, event: str) -> Receipt:
    """Append a receipt for ``incident``'s line ``seq`` to the ledger; fsync before returning.

    Raises ``OSError`` (a full disk, a link where the ledger belongs, a damaged ledger): the
    caller still prints the receipt, so the person can keep it by hand.
    """
    root = Path(root)
    fd = safefs.open_in(root, LEDGER, os.O_RDWR | os.O_CREAT, depth=0, what="the receipts ledger")
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # several incidents may issue receipts at once
        n, prev, end = _tail(fd, root / LEDGER)
        os.ftruncate(fd, end)  # a torn receipt (never printed) is cut off
        line = json.dumps(
            {
                "v": 1,
                "n": n,
                "prev": prev,
                "ts": utc_now_text(),
                "incident": incident,
                "seq": seq,
                "sha256": sha256,
                "event": event,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
        os.lseek(fd, end, os.SEEK_SET)
        data = memoryview(line + b"\n")
        try:
            while data:
                data = data[os.write(fd, data) :]
            os.fsync(fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, end)
            raise
        stored = json.loads(line)
        return Receipt(incident, seq, sha256, event, stored["ts"], n)
    finally:
        os.close(fd)  # releases the flock


def _tail(fd: int, path: Path) -> tuple[int, str, int]:
    """(number of receipts, sha256 of the last line, offset after it), checking the chain."""
    size = os.fstat(fd).st_size
    if size > MAX_LEDGER:
        raise OSError(f"{path} is larger than {MAX_LEDGER:,} bytes; it is not a receipts ledger")
    os.lseek(fd, 0, os.SEEK_SET)
    raw = b""
    while len(raw) < size:
        chunk = os.read(fd, size - len(raw))
        if not chunk:
            break
        raw += chunk
    end = raw.rfind(b"\n") + 1
    lines = raw[:end].split(b"\n")[:-1]
    for n, _, problem in _chained(lines):
        if problem is not None:
            raise OSError(
                f"the receipts ledger {path} is damaged at line {n + 1} ({problem}); "
                "no receipt is added to a damaged ledger"
            )
    prev = hashlib.sha256(lines[-1]).hexdigest() if lines else GENESIS
    count = raw[:end].count(b"\n")
    return count, prev, end


def compare(log_path: Path, receipt: Receipt) -> list[str]:
    """What is wrong with the log at ``log_path`` against its last receipt (empty if fine).

    One pass that only hashes lines, no JSON: cheap next to a full verify.
    """
    where = f"the receipt {receipt.seq}:{receipt.sha256[:12]}… (issued at {receipt.event}, "
    where += f"{receipt.ts})"
    count = 0
    found: str | None = None
    try:
        fd = safefs.open_in(log_path.parent, log_path.name, os.O_RDONLY, depth=2)
    except OSError as exc:
        return [f"the log cannot be read to compare it with {where}: {exc}"]
    with os.fdopen(fd, "rb") as f:
        for raw in f:
            if not raw.endswith(b"\n"):
                break
            if count == receipt.seq:
                found = hashlib.sha256(raw[:-1]).hexdigest()
            count += 1
    if found is None:
        last = f"seq {count - 1}" if count else "no events"
        return [
            f"the log ends at {last}, but {where} names seq {receipt.seq}: events were cut "
            "from the end of the log after the receipt was issued"
        ]
    if found != receipt.sha256:
        return [
            f"line {receipt.seq + 1} (seq {receipt.seq}) hashes to {found}, not to the "
            f"{receipt.sha256} of {where}: that line, or one before it, was changed (or the "
            "whole chain recomputed) after the receipt was issued"
        ]
    if receipt.event == "close" and count > receipt.seq + 1:
        return [
            f"{count - receipt.seq - 1} event(s) follow {where}, issued when the incident was "
            "closed, and no later receipt covers them: lines were appended after the close"
        ]
    return []


def adopt(root: Path, remote: bytes) -> bytes:
    """Take the team remote's ledger into this one (``crisisplay sync``); return the ledger
    as it now is. The remote's lines are kept exactly, so the ledger there only ever grows;
    receipts issued here that the remote lacks follow them, numbered and chained anew (their
    ``SEQ:SHA256`` — what a person keeps — is unchanged)."""
    root = Path(root)
    fd = safefs.open_in(root, LEDGER, os.O_RDWR | os.O_CREAT, depth=0, what="the receipts ledger")
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        local = os.pread(fd, min(size, MAX_LEDGER), 0)
        local = local[: local.rfind(b"\n") + 1]
        remote = remote[: remote.rfind(b"\n") + 1]
        if local.startswith(remote):
            return local
        if remote.startswith(local):
            merged = remote
        else:
            ours = remote.split(b"\n")[:-1]
            known = {_content(line) for line in ours}
            prev = hashlib.sha256(ours[-1]).hexdigest() if ours else GENESIS
            out = list(ours)
            for line in local.split(b"\n")[:-1]:
                if _content(line) in known:
                    continue
                obj = json.loads(line)
                obj.update(n=len(out), prev=prev)
                text = json.dumps(
                    {k: obj[k] for k in _KEYS}, ensure_ascii=False, separators=(",", ":")
                ).encode("utf-8")
                prev = hashlib.sha256(text).hexdigest()
                out.append(text)
            merged = b"".join(line + b"\n" for line in out)
        safefs.replace_atomic(root, LEDGER, merged, depth=0)
        return merged
    finally:
        os.close(fd)


def _content(line: bytes) -> tuple[Any, ...]:
    """What a receipt says, without its place in a ledger (number and chain)."""
    try:
        obj = json.loads(line)
    except ValueError:
        return (line,)
    return tuple(obj.get(k) for k in ("incident", "seq", "sha256", "event", "ts"))
