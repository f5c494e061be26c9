"""Reading files and standard input with a size limit enforced while reading.

Every file the tool reads (answers, playbooks, scenarios, templates, rule files, a
statement to check, its own snapshots and caches) goes through `read_limited`: at most
`limit + 1` bytes are read, so `--answers /dev/zero`, a FIFO that never ends or a
50 GB file costs at most the limit in memory, and the error names the file and the
limit. Never `stat()` then read everything: a device or a pipe has no size, and a
file can grow between the two calls.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TextIO

from crisisplay.errors import CrisisplayError

KiB = 1024
MiB = 1024 * KiB

#: what a person writes by hand: a playbook, an answers file, a scenario, rule files.
#: The longest shipped playbook is about 30 KiB; 1 MiB is generous and still cheap.
HAND_WRITTEN = 1 * MiB
#: a statement template (one post; the longest any network takes is 63,206 characters)
TEMPLATE = 256 * KiB
#: files the tool writes for itself (playbook snapshots, caches), read back
OWN_FILE = 32 * MiB

STDIN = "-"


class ReadError(CrisisplayError):
    """A file that cannot be read, or is over its limit. `name` is how the user wrote it."""

    def __init__(self, name: str, reason: str, kind: str, hint: str | None = None) -> None:
        super().__init__(f"{name}: {reason}", hint)
        self.name = name
        self.reason = reason
        #: "missing", "folder", "unreadable", "too-big" or "not-text"
        self.kind = kind


def too_big_reason(limit: int, what: str, size: int | None = None) -> str:
    """'file is 2,000,007 bytes, over the 1,048,576-byte limit for a playbook', or for a
    device or a pipe, whose size nobody knows, where the reading stopped."""
    if size is not None and size > limit:
        return f"file is {size:,} bytes, over the {limit:,}-byte limit for {what}"
    return (
        f"over the {limit:,}-byte limit for {what} (reading stopped there): is this the right file?"
    )


def read_limited(
    source: Path | str, limit: int, *, what: str = "a file", name: str | None = None
) -> bytes:
    """The bytes of `source` ('-' is standard input), at most `limit` of them.

    Raises ReadError naming the file: not found, a folder, unreadable, or over `limit`
    (`what` says what the file was meant to be: "an answers file", "a playbook").
    """
    shown = name or ("standard input" if str(source) == STDIN else str(source))
    if str(source) == STDIN:
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:  # `<&-`: no standard input at all
            raise ReadError(shown, "standard input is closed", "unreadable")
        return read_stream(stream, limit, what=what, name=shown)
    try:
        f = open(source, "rb")  # noqa: SIM115 - closed by the with below
    except FileNotFoundError:
        raise ReadError(shown, "file not found", "missing") from None
    except IsADirectoryError:
        raise ReadError(shown, "is a folder, not a file", "folder") from None
    except OSError as e:
        raise ReadError(shown, f"cannot read: {e.strerror or e}", "unreadable") from None
    with f:
        return read_stream(f, limit, what=what, name=shown)


def read_stream(stream: BinaryIO, limit: int, *, what: str, name: str) -> bytes:
    """At most `limit` bytes of an open binary stream; ReadError when there are more."""
    try:
        raw = stream.read(limit + 1)
    except IsADirectoryError:
        raise ReadError(name, "is a folder, not a file", "folder") from None
    except OSError as e:
        raise ReadError(name, f"cannot read: {e.strerror or e}", "unreadable") from None
    if raw is None:  # a non-blocking stream with nothing ready
        raw = b""
    if len(raw) > limit:
        raise ReadError(name, too_big_reason(limit, what, _regular_size(stream)), "too-big")
    return raw


def _regular_size(stream: BinaryIO) -> int | None:
    """The size of a regular file (after reading: only to say it), else None."""
    import os
    import stat

    try:
        st = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def read_text_limited(
    source: Path | str, limit: int, *, what: str = "a file", name: str | None = None
) -> str:
    """`read_limited`, decoded as UTF-8 (a BOM is dropped); ReadError if it is not text."""
    shown = name or ("standard input" if str(source) == STDIN else str(source))
    raw = read_limited(source, limit, what=what, name=shown)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ReadError(
            shown, f"not UTF-8 text (byte 0x{raw[e.start]:02x} at offset {e.start})", "not-text"
        ) from None


# --- writing ---------------------------------------------------------------------------


def write_regular(path: Path, produce: Callable[[TextIO], object], *, what: str) -> None:
    """Write a file the user named (`-o FILE`): into a temporary file in the same folder,
    fsynced, then renamed over the target, so a reader never sees half of it.

    Only a regular file is ever written or replaced: a symbolic link, a device (`-o
    /dev/sda`), a FIFO or a folder is refused before anything is written, so `-o` never
    turns a device node into a file or follows a link somewhere else. A file replaced
    keeps its permissions.
    """
    target = path.expanduser()
    mode = refuse_unless_regular(target, what)
    tmp = target.parent / f".{target.name}.{os.getpid()}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            produce(f)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)  # not narrowed by the umask: the file it replaces had it
        refuse_unless_regular(target, what)  # not swapped for a link or a device meanwhile
        os.replace(tmp, target)
    except (OSError, CrisisplayError) as e:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        if isinstance(e, CrisisplayError):
            raise
        raise CrisisplayError(f"Cannot write {what} to {target}: {e.strerror or e}") from None


def refuse_unless_regular(target: Path, what: str) -> int | None:
    """The permission bits of `target` if it is a regular file, None if it does not exist
    yet (in a folder that does); a clear CrisisplayError for anything else."""
    import stat

    try:
        st = os.lstat(target)
    except FileNotFoundError:
        if not target.parent.is_dir():
            raise CrisisplayError(
                f"Cannot write {what} to {target}: there is no folder {target.parent}."
            ) from None
        return None
    except OSError as e:
        raise CrisisplayError(f"Cannot write {what} to {target}: {e.strerror}") from None
    kind = None
    if stat.S_ISLNK(st.st_mode):
        kind = "a symbolic link"
    elif stat.S_ISDIR(st.st_mode):
        kind = "a folder"
    elif stat.S_ISFIFO(st.st_mode):
        kind = "a named pipe (FIFO)"
    elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        kind = "a device"
    elif not stat.S_ISREG(st.st_mode):
        kind = "not a regular file"
    if kind is not None:
        raise CrisisplayError(
            f"Not writing {what} to {target}: it is {kind}, and -o only writes or "
            "replaces a regular file.",
            "Give a new file name, or -o - (or no -o) for standard output.",
        )
    return stat.S_IMODE(st.st_mode)
