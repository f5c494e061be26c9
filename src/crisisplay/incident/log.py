"""The durable, tamper-evident incident log: ``<incident folder>/log.jsonl``.

One JSON object per line, keys in a fixed order (``v``, ``seq``, ``prev``, ``ts``, ``type``,
``actor``, ``data`` and, for backfilled events, ``at``). Each line's ``prev`` is the sha256 of the
previous line's exact bytes, so editing, removing, inserting or reordering any line breaks the
chain; an anchor (``SEQ:SHA256`` of a line kept elsewhere) also catches lines cut off the end.

Durability rules, and why:

* every event is one ``os.write`` of the whole line on an ``O_APPEND`` descriptor followed by
  ``os.fsync`` before :meth:`IncidentLog.append` returns, so an acknowledged event survives a
  crash or power cut, and a crash can only ever tear the *last* line;
* a torn last line is moved to a quarantine file and the fact is recorded in the chain, never
  silently dropped; damage anywhere else is treated as tampering and refused;
* one writer per incident, enforced with ``flock`` on ``log.lock`` (the kernel releases it when
  the process dies, so a crash never leaves a stale lock behind).

This module is on the start-up path of every command: it imports only the standard library.
POSIX only (``fcntl``, ``pthread_sigmask``).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import signal
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from crisisplay import safefs
from crisisplay.times import utc_now_text

__all__ = [
    "GENESIS",
    "LOCK_NAME",
    "LOG_NAME",
    "QUARANTINE_PREFIX",
    "IncidentLog",
    "LockedError",
    "LogError",
    "LogReader",
    "LogWriteError",
    "VerifyResult",
    "encode_event",
    "parse_anchor",
    "read_events",
    "verify",
]

LOG_NAME = "log.jsonl"
LOCK_NAME = "log.lock"
QUARANTINE_PREFIX = "log.quarantine."
#: How much of a torn tail is kept in memory to show the person (all of it is quarantined).
TORN_SHOWN = 4096
#: No event is longer (statements are at most 64,000 characters a network); a longer line is
#: damage, read without holding it.
MAX_LINE = 16 << 20
#: How many of an incident file's folders (the incident's own, and ``incidents/`` above it)
#: must be real folders, not links.
_DEPTH = 2
#: ``prev`` of the first event (seq 0), and the head of an empty log.
GENESIS = "0" * 64
FORMAT_VERSION = 1

_REQUIRED_KEYS = frozenset(("v", "seq", "prev", "ts", "type", "actor", "data"))
_ALLOWED_KEYS = _REQUIRED_KEYS | {"at"}
_HEX64 = re.compile(r"[0-9a-f]{64}")
# RFC 3339 date-time (section 5.6): a full date, a full time and an offset are all required;
# datetime.fromisoformat alone would also accept a bare date or a time without an offset.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
# Signals that would otherwise interrupt Python between the write and the bookkeeping.
_HELD_SIGNALS = frozenset(
    s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None
)
# Enough to see what went wrong without holding a huge list for a badly damaged file.
MAX_PROBLEMS = 100


# --------------------------------------------------------------------------------------------
# Errors


class LogError(Exception):
    """Something is wrong with an incident log; ``str()`` is a message for a non-programmer."""


class LockedError(LogError):
    """The incident is open in another session (another process, or another handle)."""

    def __init__(self, message: str, holder: dict[str, Any] | None) -> None:
        super().__init__(message)
        #: what the lock file says about the holder (user, host, pid, tty, since), if readable
        self.holder = holder


class LogWriteError(LogError):
    """An event could not be written; the log is left as it was before the attempt."""

    def __init__(self, message: str, event_text: str, cause: OSError | None = None) -> None:
        super().__init__(message)
        #: the full JSON line (without its newline) that is NOT in the log, for the user to keep
        self.event_text = event_text
        self.cause = cause


# --------------------------------------------------------------------------------------------
# Line encoding and checks shared by the writer, the reader and verify()


def _is_rfc3339(value: object) -> bool:
    if not isinstance(value, str) or _RFC3339.fullmatch(value) is None:
        return False
    try:
        # fromisoformat (3.11+) reads "Z" but only upper-case; it checks ranges (month 13, ...)
        datetime.fromisoformat(value.upper())
    except ValueError:
        return False
    return True


def _reject_constant(name: str) -> Any:
    # json.loads would otherwise accept NaN/Infinity, which are not JSON.
    raise ValueError(f"{name} is not valid JSON")


# One decoder for every line: json.loads with an option builds a new one per call.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def _sha256(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


def encode_event(event: dict[str, Any]) -> str:
    """Serialise one event exactly as it goes on disk (without the newline).

    ``allow_nan=False`` only refuses what is not JSON; for valid data the text is exactly the
    contract's ``json.dumps(obj, ensure_ascii=False, separators=(",", ":"))``.
    """
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _line_problems(obj: dict[str, Any], expected_seq: int, prev_hash: str) -> list[str]:
    """What is wrong with one decoded line, given where it sits in the chain (empty if fine)."""
    # Fast path for the usual, healthy line: verify() runs this for every event.
    keys = obj.keys()
    if (
        keys in (_REQUIRED_KEYS, _ALLOWED_KEYS)
        and type(obj["v"]) is int
        and obj["v"] == FORMAT_VERSION
        and type(obj["seq"]) is int
        and obj["seq"] == expected_seq
        and obj["prev"] == prev_hash
        and isinstance(obj["type"], str)
        and obj["type"]
        and isinstance(obj["actor"], str)
        and isinstance(obj["data"], dict)
        and _is_rfc3339(obj["ts"])
        and ("at" not in obj or _is_rfc3339(obj["at"]))
    ):
        return []
    problems: list[str] = []
    missing = _REQUIRED_KEYS - obj.keys()
    if missing:
        problems.append("missing " + ", ".join(sorted(missing)))
    unknown = obj.keys() - _ALLOWED_KEYS
    if unknown:
        problems.append("unexpected field " + ", ".join(sorted(unknown)))
    v = obj.get("v")
    if "v" in obj and (type(v) is not int or v != FORMAT_VERSION):
        problems.append(f"format version is {v!r}, expected {FORMAT_VERSION}")
    seq = obj.get("seq")
    if "seq" in obj:
        if type(seq) is not int:
            problems.append(f"seq is {seq!r}, not a number")
        elif seq != expected_seq:
            if seq > expected_seq:
                problems.append(f"seq jumps to {seq} after {expected_seq - 1} (events missing)")
            else:
                problems.append(f"seq is {seq}, expected {expected_seq} (out of order or repeated)")
    prev = obj.get("prev")
    if "prev" in obj and prev != prev_hash:
        if isinstance(prev, str) and _HEX64.fullmatch(prev):
            problems.append(
                "prev does not match the hash of the line before it (that line was changed, "
                "or a line was removed, inserted or moved here)"
            )
        else:
            problems.append(f"prev is {prev!r}, not a sha256 hash")
    if "ts" in obj and not _is_rfc3339(obj["ts"]):
        problems.append(f"ts {obj['ts']!r} is not an RFC 3339 time")
    if "at" in obj and not _is_rfc3339(obj["at"]):
        problems.append(f"at {obj['at']!r} is not an RFC 3339 time")
    typ = obj.get("type")
    if "type" in obj and (not isinstance(typ, str) or not typ):
        problems.append(f"type {typ!r} is not a non-empty text")
    if "actor" in obj and not isinstance(obj["actor"], str):
        problems.append(f"actor {obj['actor']!r} is not a text")
    if "data" in obj and not isinstance(obj["data"], dict):
        problems.append("data is not an object")
    return problems


def _decode_line(line: bytes) -> dict[str, Any] | str:
    """The line's JSON object, or a short description of why it is not one."""
    try:
        obj = _DECODER.decode(line.decode("utf-8"))
    except UnicodeDecodeError:
        return "not valid UTF-8"
    except ValueError as exc:  # JSONDecodeError, or NaN/Infinity
        return f"not valid JSON ({exc})"
    if not isinstance(obj, dict):
        return "not a JSON object"
    return obj


# --------------------------------------------------------------------------------------------
# Reading: one streaming pass (LogReader) behind verify(), read_events(), IncidentLog.open(),
# and every command that reads a log (report, stats, log show).


def _open_for_reading(path: Path) -> BinaryIO:
    """The log file opened for reading: the one place that opens it. Never through a link
    (the log's folder and the ``incidents`` folder above it included), and only a regular
    file: a FIFO or a device where a log belongs is refused, not read forever."""
    path = Path(path)
    try:
        fd = safefs.open_in(path.parent, path.name, os.O_RDONLY, depth=_DEPTH, what="a log")
    except FileNotFoundError:
        raise LogError(f"There is no incident log at {path}.") from None
    except safefs.UnsafePathError as exc:
        raise LogError(str(exc)) from None
    except OSError as exc:
        raise LogError(f"The incident log {path} cannot be read: {exc.strerror}.") from exc
    return os.fdopen(fd, "rb")


def _raw_lines(f: BinaryIO) -> Iterator[tuple[bytes, int, str | None]]:
    """``(line, size, digest)`` per line: the bytes with their newline and, for a line longer
    than :data:`MAX_LINE` (not one crisisplay writes), ``b""``, its size and its sha256, read
    a megabyte at a time, so one endless line never fills memory."""
    readline = f.readline
    while raw := readline(MAX_LINE + 1):
        if len(raw) <= MAX_LINE or raw.endswith(b"\n"):
            yield raw, len(raw), None
            continue
        digest = hashlib.sha256(raw)
        size = len(raw)
        ended = False
        while more := readline(1 << 20):
            size += len(more)
            ended = more.endswith(b"\n")
            digest.update(more[:-1] if ended else more)
            if ended:
                break
        yield (b"\n" if ended else b""), size, digest.hexdigest()


@dataclass
class VerifyResult:
    """What :func:`verify` found. ``ok`` is true only when ``problems`` is empty."""

    ok: bool
    count: int  #: complete lines (events) in the file
    head: str  #: sha256 of the last complete line's bytes (GENESIS for an empty log)
    problems: list[str] = field(default_factory=list)  #: "line N (seq S): what is wrong"
    first_ts: str | None = None
    last_ts: str | None = None
    torn_bytes: int = 0  #: bytes after the last newline (an interrupted write)
    #: complete lines a reader could not use as events (not JSON, or fields unusable)
    unreadable: int = 0

    @property
    def anchor(self) -> str | None:
        """``SEQ:SHA256`` of the last line, to keep elsewhere and pass to a later verify."""
        return f"{self.count - 1}:{self.head}" if self.count else None


@dataclass
class _Scan:
    """Everything one pass over a log file learns; open() needs more than verify() reports."""

    count: int = 0
    head: str = GENESIS
    problems: list[str] = field(default_factory=list)
    problem_total: int = 0
    first_ts: str | None = None
    last_ts: str | None = None
    torn_bytes: int = 0
    complete_end: int = 0  # byte offset just after the last complete line
    # The longest stretch from the start with no problem at all: where a torn tail is cut off.
    good_count: int = 0
    good_end: int = 0
    good_head: str = GENESIS
    first_bad_line: int | None = None  # 0-based index of the first line with a problem
    first_bad_garbled: bool = False  # ... and whether it was unreadable (not a JSON object)
    quarantine_files: set[str] = field(default_factory=set)  # named by recovery events
    unreadable: int = 0  # complete lines not yielded as events

    def add_problem(self, text: str) -> None:
        self.problem_total += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)

    def report(self) -> list[str]:
        extra = self.problem_total - len(self.problems)
        if extra > 0:
            return [*self.problems, f"... and {extra} more problems not listed"]
        return list(self.problems)


def _usable(obj: dict[str, Any]) -> bool:
    """Whether a line with problems still has the fields a reader needs to use it as an event.

    (Chain problems -- seq or prev out of place, an anchor mismatch -- leave an event usable;
    a missing or malformed field does not.)
    """
    typ = obj.get("type")
    return (
        type(obj.get("seq")) is int
        and isinstance(typ, str)
        and bool(typ)
        and isinstance(obj.get("actor"), str)
        and isinstance(obj.get("data"), dict)
        and _is_rfc3339(obj.get("ts"))
        and ("at" not in obj or _is_rfc3339(obj["at"]))
    )


class LogReader:
    """One streaming pass over a log: the events as they are read, and what verify() finds.

    Iterate it (once) for the events, then read :attr:`result`::

        reader = LogReader(path)
        for event in reader:      # dicts, in log order, one line in memory at a time
            ...
        if not reader.result.ok:  # exactly what verify(path) says: problems, head, count
            ...

    Every complete line is hashed, decoded and checked exactly as :func:`verify` checks it
    (the same problems, in the same words). An event is yielded when its line decodes to a
    JSON object whose own fields are usable (see :func:`_usable`), even if its place in the
    chain is wrong: a report of a damaged log shows what can be read, and says it failed.
    Lines that are not yielded are counted in ``result.unreadable``. A torn last line (no
    newline yet) is never an event. ``replay=True`` is :func:`read_events`' mode instead:
    every JSON object is yielded as it is, and a line that is not one raises
    :class:`LogError` (a replay cannot skip an event).

    Reading :attr:`result` (or :attr:`scan`) before the end finishes the pass first.
    """

    def __init__(
        self, path: Path, anchor: tuple[int, str] | None = None, *, replay: bool = False
    ) -> None:
        self.path = Path(path)
        self.anchor = anchor
        self.replay = replay
        self._scan = _Scan()
        self._iter: Iterator[dict[str, Any]] | None = None
        self._done = False

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if self._iter is None:
            self._iter = self._lines()
        return self._iter

    def finish(self) -> None:
        """Read whatever is left (without yielding it), so the result covers the whole file."""
        if not self._done:
            for _ in iter(self):
                pass

    @property
    def scan(self) -> _Scan:
        self.finish()
        return self._scan

    @property
    def result(self) -> VerifyResult:
        """What verify() reports for this file (after the whole pass)."""
        scan = self.scan
        problems = scan.report()
        return VerifyResult(
            ok=not problems,
            count=scan.count,
            head=scan.head,
            problems=problems,
            first_ts=scan.first_ts,
            last_ts=scan.last_ts,
            torn_bytes=scan.torn_bytes,
            unreadable=scan.unreadable,
        )

    def _lines(self) -> Iterator[dict[str, Any]]:
        scan = self._scan
        path = self.path
        anchor = self.anchor
        replay = self.replay
        prev_hash = GENESIS
        expected_seq = 0
        offset = 0
        sha256 = hashlib.sha256
        line_problems = _line_problems
        f = _open_for_reading(path)
        with f:
            # Iterating a binary file yields one line at a time: memory stays flat however
            # long the log is.
            for raw, size, long_digest in _raw_lines(f):
                if not raw.endswith(b"\n"):
                    scan.torn_bytes = size
                    break
                index = scan.count
                line = raw[:-1]
                if long_digest is None:
                    digest = sha256(line).hexdigest()
                    decoded = _decode_line(line)
                else:
                    digest = long_digest
                    decoded = f"longer than {MAX_LINE:,} bytes, which no event is"
                usable = False
                if isinstance(decoded, str):
                    if replay:
                        raise LogError(
                            f"Line {index + 1} of the incident log {path} is damaged ({decoded}), "
                            "so the incident cannot be replayed. Run 'crisisplay log verify' "
                            "for details."
                        )
                    garbled = True
                    problems = [decoded]
                    next_expected = expected_seq + 1
                else:
                    garbled = False
                    problems = line_problems(decoded, expected_seq, prev_hash)
                    usable = replay or not problems or _usable(decoded)
                    seq = decoded.get("seq")
                    # Resynchronise on the line's own seq, so one removed line is one problem
                    # rather than one per line after it.
                    next_expected = seq + 1 if type(seq) is int else expected_seq + 1
                    ts = decoded.get("ts")
                    if isinstance(ts, str):
                        if scan.first_ts is None:
                            scan.first_ts = ts
                        scan.last_ts = ts
                    if decoded.get("type") == "recovery":
                        data = decoded.get("data")
                        if isinstance(data, dict) and isinstance(data.get("file"), str):
                            scan.quarantine_files.add(data["file"])
                if anchor is not None and index == anchor[0] and digest != anchor[1]:
                    problems.append(
                        f"its hash {digest} differs from the anchor {anchor[1]} (this line, or "
                        "one before it, was changed)"
                    )
                if problems:
                    if scan.first_bad_line is None:
                        scan.first_bad_line = index
                        scan.first_bad_garbled = garbled
                    label = f"line {index + 1}"
                    if not isinstance(decoded, str):
                        label += f" (seq {decoded.get('seq')})"
                    for problem in problems:
                        scan.add_problem(f"{label}: {problem}")
                offset += size
                scan.count += 1
                scan.head = digest
                scan.complete_end = offset
                if scan.first_bad_line is None:
                    scan.good_count = scan.count
                    scan.good_end = offset
                    scan.good_head = digest
                prev_hash = digest
                expected_seq = next_expected
                if usable:
                    yield decoded  # type: ignore[misc]
                else:
                    scan.unreadable += 1
        if scan.torn_bytes:
            scan.add_problem(
                f"the file ends with {scan.torn_bytes} bytes that are not a complete line (a "
                "write was interrupted, e.g. by a crash); opening the incident moves them to a "
                "quarantine file"
            )
        if anchor is not None and scan.count <= anchor[0]:
            last = f"seq {scan.count - 1}" if scan.count else "no events"
            scan.add_problem(
                f"the log ends at {last} but the anchor names seq {anchor[0]}: events were "
                "removed from the end, or this is a different log"
            )
        self._done = True


def _scan(path: Path, anchor: tuple[int, str] | None = None) -> _Scan:
    """The tolerant pass IncidentLog.open() needs: where the good lines end, what is torn."""
    return LogReader(path, anchor).scan


def verify(path: Path, anchor: tuple[int, str] | None = None) -> VerifyResult:
    """Check the whole chain of the log at ``path`` in one streaming pass.

    Checks that every line is a JSON object with the required fields and ``v == 1``, that
    ``seq`` counts up from 0 without gaps, that each ``prev`` is the sha256 of the line before,
    and that ``ts``/``at`` are RFC 3339 times. With ``anchor=(seq, sha256)`` the line at that
    seq must also exist and hash to ``sha256`` (this catches lines cut off the end, which the
    chain alone cannot). Raises :class:`LogError` only if the file cannot be read.
    """
    return LogReader(path, anchor).result


def parse_anchor(text: str) -> tuple[int, str]:
    """Parse ``SEQ:SHA256`` (as printed by ``log verify``) into ``(seq, sha256)``."""
    seq_text, sep, sha = text.strip().partition(":")
    if not sep:
        raise ValueError(
            f"The anchor {text!r} should look like SEQ:SHA256, for example "
            f"12:{'ab' * 32} (the sequence number and the hash printed by 'log verify')."
        )
    seq_text, sha = seq_text.strip(), sha.strip().lower()
    if not seq_text.isascii() or not seq_text.isdigit():
        raise ValueError(
            f"The anchor's sequence number {seq_text!r} should be a whole number such as 0 or 12."
        )
    if _HEX64.fullmatch(sha) is None:
        raise ValueError(
            f"The anchor's hash {sha!r} should be 64 hexadecimal characters (a sha256)."
        )
    return int(seq_text), sha


def read_events(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the events of a log one at a time, for replay.

    Only complete lines are read: a torn last line (no newline yet, e.g. a crash or a write in
    progress in another process) is not an event. The chain is checked on the way (as by
    :class:`LogReader`) but not enforced (use :func:`verify`); a complete line that is not a
    JSON object raises :class:`LogError`.
    """
    return iter(LogReader(path, replay=True))


# --------------------------------------------------------------------------------------------
# Small durable-filesystem helpers


def fsync_dir(path: Path) -> None:
    # A new file is only durable once the directory entry pointing at it is.
    safefs.fsync_dir(path)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _who() -> dict[str, Any]:
    import pwd  # only needed when taking a lock

    try:
        user = pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        user = os.environ.get("USER") or str(os.getuid())
    tty = "no tty"
    for fd in (0, 1, 2):
        try:
            tty = os.ttyname(fd)
            break
        except OSError:
            continue
    return {
        "user": user,
        "host": os.uname().nodename,
        "pid": os.getpid(),
        "tty": tty,
        "since": utc_now_text(),
    }


def _read_holder(lock_path: Path) -> dict[str, Any] | None:
    from crisisplay.files import ReadError

    # The holder writes its details right after locking; give it a moment if we raced it.
    for _ in range(10):
        try:
            raw = safefs.read_bytes(lock_path.parent, lock_path.name, limit=4096, depth=_DEPTH)
            holder = json.loads(raw.decode("utf-8"))
            if isinstance(holder, dict):
                return holder
        except (OSError, ValueError, ReadError):
            pass
        time.sleep(0.02)
    return None


def _acquire_lock(folder: Path) -> int:
    """Take ``log.lock`` without waiting; return its descriptor (closing it releases the lock)."""
    lock_path = folder / LOCK_NAME
    # os.open descriptors are not inherited by child processes (an editor, a pager), so the
    # lock really belongs to this process alone.
    try:
        fd = safefs.open_in(
            folder, LOCK_NAME, os.O_RDWR | os.O_CREAT, depth=_DEPTH, what="the incident's lock"
        )
    except safefs.UnsafePathError as exc:
        raise LogError(str(exc)) from None
    except OSError as exc:
        raise LogError(
            f"The incident in {folder} cannot be locked for writing: {lock_path} cannot be "
            f"opened ({exc.strerror})."
        ) from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise LogError(
                f"The incident in {folder} cannot be locked for writing ({exc.strerror}). "
                "Incident folders must be on a local disk that supports file locks."
            ) from exc
        holder = _read_holder(lock_path)
        if holder is not None:
            who = (
                f"{holder.get('user', '?')}@{holder.get('host', '?')}, pid {holder.get('pid', '?')}"
                f", {holder.get('tty', 'no tty')}, since {holder.get('since', '?')}"
            )
        else:
            who = "details unavailable"
        raise LockedError(
            f"Incident {folder.name} is open in another session ({who}). Only one session at a "
            "time can record an incident, so nothing was changed. Finish or quit that session "
            "and try again; if it crashed, its lock is released as soon as the process ends.",
            holder,
        ) from None
    try:
        info = json.dumps(_who(), ensure_ascii=False).encode("utf-8")
        os.ftruncate(fd, 0)
        os.pwrite(fd, info, 0)
    except OSError:
        pass  # who holds the lock is a courtesy for the error message; the flock is what counts
    return fd


def _release_lock(fd: int) -> None:
    # Clear our details while still holding the lock, so a new holder's are never erased.
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
    os.close(fd)  # closing the last descriptor releases the flock


# --------------------------------------------------------------------------------------------
# The writer


class IncidentLog:
    """The single writer of one incident's log. Use :meth:`create` or :meth:`open`."""

    def __init__(
        self, folder: Path, actor: str, lock_fd: int, fd: int, size: int, seq: int, head: str
    ) -> None:
        # Private: the classmethods set up the lock and the file first.
        self.folder = folder
        self.actor = actor
        self._lock_fd: int | None = lock_fd
        self._fd: int | None = fd
        self._size = size  # the file's length after the last good line
        self._next_seq = seq
        self._head = head
        # Set when a failed write could not be rolled back: retried before the next write.
        self._dirty = False
        #: data of the recovery events appended by open(), or None if nothing was recovered
        self.recovered: list[dict[str, Any]] | None = None
        #: the bytes of a torn last line that open() moved aside (b"" if none)
        self.torn_tail = b""

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def create(cls, folder: Path, actor: str) -> IncidentLog:
        """Start a new, empty log in ``folder`` (created if needed) and lock it."""
        folder = Path(folder)
        created: list[Path] = []
        for parent in reversed([folder, *folder.parents]):
            if not parent.exists():
                created.append(parent)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LogError(
                f"The incident folder {folder} cannot be created ({exc.strerror})."
            ) from exc
        lock_fd = _acquire_lock(folder)
        try:
            path = folder / LOG_NAME
            try:
                fd = safefs.open_in(
                    folder,
                    LOG_NAME,
                    os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL,
                    depth=_DEPTH,
                    what="an incident log",
                )
            except FileExistsError:
                raise LogError(
                    f"The folder {folder} already holds an incident log; open it instead of "
                    "creating a new one."
                ) from None
            except safefs.UnsafePathError as exc:
                raise LogError(str(exc)) from None
            except OSError as exc:
                raise LogError(
                    f"The incident log {path} cannot be created ({exc.strerror})."
                ) from exc
            try:
                os.fsync(fd)
                fsync_dir(folder)
                # The folders made above only last if their own parents record them.
                for made in created:
                    fsync_dir(made.parent)
            except BaseException as exc:
                os.close(fd)
                if isinstance(exc, OSError):
                    raise LogError(
                        f"The incident log {path} could not be saved to disk ({exc.strerror})."
                    ) from exc
                raise
        except BaseException:
            _release_lock(lock_fd)
            raise
        return cls(folder, actor, lock_fd, fd, 0, 0, GENESIS)

    @classmethod
    def open(cls, folder: Path, actor: str) -> IncidentLog:
        """Open an existing log for writing: lock it, check the chain, recover a torn tail.

        A torn tail (bytes after the last newline, or a last line that is not readable JSON,
        both what a crash can leave) is moved to a quarantine file and a ``recovery`` event
        records it. Any other damage is refused with :class:`LogError`: it is not what a crash
        leaves, so repairing it would hide tampering.
        """
        folder = Path(folder)
        path = folder / LOG_NAME
        try:
            os.close(safefs.open_in(folder, LOG_NAME, os.O_RDONLY, depth=_DEPTH, what="a log"))
        except safefs.UnsafePathError as exc:
            raise LogError(str(exc)) from None
        except OSError:
            raise LogError(f"There is no incident log in {folder}.") from None
        lock_fd = _acquire_lock(folder)
        fd: int | None = None
        try:
            scan = _scan(path)
            bad = scan.first_bad_line
            torn_line = bad is not None and bad == scan.count - 1 and scan.first_bad_garbled
            if bad is not None and not torn_line:
                shown = "; ".join(scan.report()[:3])
                raise LogError(
                    f"The incident log {path} is damaged before its last line, which a crash "
                    f"cannot cause, so it was not opened for writing ({shown}). Keep the file as "
                    "it is and run 'crisisplay log verify' to see every problem."
                )
            fd = safefs.open_in(
                folder, LOG_NAME, os.O_WRONLY | os.O_APPEND, depth=_DEPTH, what="an incident log"
            )
            log = cls(folder, actor, lock_fd, fd, scan.good_end, scan.good_count, scan.good_head)
            recovered: list[dict[str, Any]] = []
            if scan.good_end != scan.complete_end + scan.torn_bytes:
                recovered.append(log._quarantine_tail(scan))
            listed = scan.quarantine_files | {info["file"] for info in recovered}
            recovered.extend(log._record_unlisted_quarantine(listed))
            log.recovered = recovered or None
            return log
        except BaseException as exc:
            if fd is not None:
                os.close(fd)
            _release_lock(lock_fd)
            if isinstance(exc, safefs.UnsafePathError):
                raise LogError(str(exc)) from None
            if isinstance(exc, OSError):
                raise LogError(
                    f"The incident log {path} cannot be opened for writing ({exc.strerror})."
                ) from exc
            raise

    def _quarantine_tail(self, scan: _Scan) -> dict[str, Any]:
        """Move the bytes after the last good line aside, cut them off, record that.

        Copied a megabyte at a time: a tail made of one endless "line" never fills memory.
        """
        assert self._fd is not None
        digest = hashlib.sha256()
        size = 0
        head = b""

        def chunks() -> Iterator[bytes]:
            nonlocal size, head
            rfd = safefs.open_in(self.folder, LOG_NAME, os.O_RDONLY, depth=_DEPTH)
            with os.fdopen(rfd, "rb") as f:
                f.seek(scan.good_end)
                while chunk := f.read(1 << 20):
                    digest.update(chunk)
                    size += len(chunk)
                    if len(head) < TORN_SHOWN:
                        head += chunk[: TORN_SHOWN - len(head)]
                    yield chunk

        name = self._write_quarantine(chunks())
        #: the start of what the torn tail held, for the front end to show the person
        self.torn_tail = head
        # Only cut the log once the bytes are safely elsewhere.
        os.ftruncate(self._fd, scan.good_end)
        os.fsync(self._fd)
        reason = (
            "the last line was unreadable"
            if scan.complete_end > scan.good_end
            else "the last line was incomplete"
        )
        data = {
            "reason": f"{reason} (an interrupted write); its bytes were moved out of the log",
            "file": name,
            "bytes": size,
            "sha256": digest.hexdigest(),
            "offset": scan.good_end,
        }
        self.append("recovery", data)
        return data

    def _write_quarantine(self, payload: Iterable[bytes]) -> str:
        n = 1
        while True:
            name = f"{QUARANTINE_PREFIX}{n}"
            try:
                qfd = safefs.open_in(
                    self.folder,
                    name,
                    os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                    depth=_DEPTH,
                    what="a quarantine file",
                )
            except FileExistsError:
                n += 1
                continue
            break
        try:
            for chunk in payload:
                _write_all(qfd, chunk)
            os.fsync(qfd)
        finally:
            os.close(qfd)
        fsync_dir(self.folder)
        return name

    def _record_unlisted_quarantine(self, listed: set[str]) -> list[dict[str, Any]]:
        """Record quarantine files no recovery event names (a crash during an earlier open)."""
        found: list[dict[str, Any]] = []
        names = sorted(
            (n for n in os.listdir(self.folder) if n.startswith(QUARANTINE_PREFIX)),
            key=lambda n: (len(n), n),
        )
        for name in names:
            if name in listed:
                continue
            digest = hashlib.sha256()
            size = 0
            qfd = safefs.open_in(
                self.folder, name, os.O_RDONLY, depth=_DEPTH, what="a quarantine file"
            )
            with os.fdopen(qfd, "rb") as f:
                while chunk := f.read(1 << 20):
                    digest.update(chunk)
                    size += len(chunk)
            data = {
                "reason": "found a quarantine file the log did not mention yet (a crash during "
                "an earlier recovery)",
                "file": name,
                "bytes": size,
                "sha256": digest.hexdigest(),
            }
            self.append("recovery", data)
            found.append(data)
        return found

    # -- state ---------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        return self.folder / LOG_NAME

    @property
    def head(self) -> str:
        """sha256 of the last line on disk (GENESIS for an empty log): the next event's prev."""
        return self._head

    @property
    def next_seq(self) -> int:
        return self._next_seq

    @property
    def anchor(self) -> str | None:
        """``SEQ:SHA256`` of the last event, for keeping elsewhere."""
        return f"{self._next_seq - 1}:{self._head}" if self._next_seq else None

    @property
    def closed(self) -> bool:
        return self._fd is None

    # -- writing -------------------------------------------------------------------------

    def append(
        self,
        type: str,
        data: dict[str, Any],
        *,
        at: str | None = None,
        actor: str | None = None,
    ) -> dict[str, Any]:
        """Write one event and make it durable (fsync) before returning it.

        ``at`` (RFC 3339) is when the event really happened, for events recorded after the
        fact. Returns the event as stored (as :func:`read_events` will give it back). Invalid
        arguments raise ValueError/TypeError before anything is written; a failed write raises
        :class:`LogWriteError` and leaves the log and this object as they were.
        """
        fd = self._fd
        if fd is None:
            raise LogError(f"The incident log {self.path} is closed; open it again to write.")
        if not isinstance(type, str) or not type:
            raise ValueError("an event type must be a non-empty string")
        if not isinstance(data, dict):
            raise TypeError(f"event data must be a dict, not {data.__class__.__name__}")
        who = self.actor if actor is None else actor
        if not isinstance(who, str):
            raise TypeError("actor must be a string")
        event: dict[str, Any] = {
            "v": FORMAT_VERSION,
            "seq": self._next_seq,
            "prev": self._head,
            "ts": utc_now_text(),
            "type": type,
            "actor": who,
            "data": data,
        }
        if at is not None:
            if not _is_rfc3339(at):
                raise ValueError(
                    f"{at!r} is not an RFC 3339 time such as 2026-03-01T14:05:00Z or "
                    "2026-03-01T15:05:00+01:00"
                )
            event["at"] = at
        text = encode_event(event)  # TypeError/ValueError for data JSON cannot hold
        line = text.encode("utf-8")  # UnicodeEncodeError for lone surrogates
        if len(line) >= MAX_LINE:
            raise ValueError(
                f"an event of {len(line):,} bytes is larger than the log takes ({MAX_LINE:,})"
            )
        if self._dirty:
            self._rollback()
            if self._dirty:
                raise self._write_error(text, None)
        stored = json.loads(text)  # what a reader will see (tuples become lists, etc.)

        old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD_SIGNALS)
        try:
            try:
                # One write of the whole line on an O_APPEND descriptor: a crash can tear at
                # most this line, never interleave it with another.
                written = os.write(fd, line + b"\n")
                if written != len(line) + 1:
                    raise OSError(
                        errno.ENOSPC, f"only {written} of {len(line) + 1} bytes could be written"
                    )
                os.fsync(fd)
            except OSError as exc:
                self._dirty = True
                self._rollback()
                raise self._write_error(text, exc) from exc
            self._size += len(line) + 1
            self._next_seq += 1
            self._head = _sha256(line)
        finally:
            # A Ctrl-C that arrived meanwhile is delivered now, after the event is safe.
            signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
        return stored

    def _rollback(self) -> None:
        """Cut the file back to the last good line after a failed write (best effort)."""
        assert self._fd is not None
        try:
            os.ftruncate(self._fd, self._size)
            os.fsync(self._fd)
        except OSError:
            return  # still dirty: tried again before the next write
        self._dirty = False

    def _write_error(self, text: str, exc: OSError | None) -> LogWriteError:
        reason = (exc.strerror or str(exc)) if exc is not None else "an earlier write failed"
        if exc is not None and exc.errno == errno.ENOSPC:
            reason = "the disk is full"
        state = (
            "The log itself is unchanged and still valid."
            if not self._dirty
            else "The unfinished entry could not be removed from the log yet; it will be removed "
            "before the next entry, or quarantined when the incident is next opened."
        )
        return LogWriteError(
            f"The last entry could not be saved to the incident log {self.path} ({reason}). "
            f"{state} Free some space or fix the disk, then carry on or resume the incident; "
            f"keep a copy of the entry that was not saved: {text}",
            text,
            exc,
        )

    # -- closing -------------------------------------------------------------------------

    def close(self) -> None:
        """Close the log and release the lock (safe to call twice)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._lock_fd is not None:
            _release_lock(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> IncidentLog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"next_seq={self._next_seq}"
        return f"<IncidentLog {str(self.path)!r} {state}>"
