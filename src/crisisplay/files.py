"""Reading files and standard input with a size limit enforced while reading.

Every file the tool reads (answers, playbooks, scenarios, templates, rule files, a
statement to check, its own snapshots and caches) goes through `read_limited`: at most
`limit + 1` bytes are read, so `--answers /dev/zero`, a FIFO that never ends or a
50 GB file costs at most the limit in memory, and the error names the file and the
limit. Never `stat()` then read everything: a device or a pipe has no size, and a
file can grow between the two calls.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO

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
        return read_stream(sys.stdin.buffer, limit, what=what, name=shown)
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
