"""Files inside a home, opened without ever following a symbolic link.

Anyone who can write to a shared workspace could plant ``log.lock -> ~/.bashrc`` in an
incident folder; a tool that follows it would truncate the operator's file. So every file
the tool keeps in a home (logs, locks, snapshots, statements, quarantine files, the receipts
ledger) is opened through this module:

* the folders are opened one component at a time with ``O_NOFOLLOW`` (``depth`` says how
  many of the path's last components must be real folders: an incident folder and the
  ``incidents`` folder above it, say), and the file relative to that folder descriptor, so a
  link swapped in between a check and the open is refused too;
* the file itself is opened with ``O_NOFOLLOW`` and must be a regular file (a FIFO, a device
  or a folder where a log belongs is refused, and opening never blocks on a FIFO);
* writes that replace a file go to a temporary file in the same folder, are fsynced and
  renamed into place, so a crash or a full disk leaves the old file or the new one, never
  half of either.

Only the standard library: the log imports this on every command's start-up path.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

__all__ = [
    "UnsafePathError",
    "create_new",
    "fsync_dir",
    "is_regular",
    "mkdir_in",
    "open_dir",
    "open_in",
    "read_bytes",
    "remove_stale_temps",
    "replace_atomic",
    "sha256_of",
]

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = os.O_NOFOLLOW
_DIRECTORY = os.O_DIRECTORY


class UnsafePathError(OSError):
    """A link, a device or something else that is not what belongs at a path in a home."""

    def __init__(self, message: str) -> None:
        super().__init__(errno.ELOOP, message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def _link_message(path: Path, what: str) -> UnsafePathError:
    return UnsafePathError(
        f"{path} is a symbolic link where {what} belongs. crisisplay never follows links "
        "inside its data folder, so nothing was read or written through it. Remove the link "
        "(and find out who planted it) before carrying on."
    )


def open_dir(path: Path, depth: int = 1) -> int:
    """A descriptor of folder ``path`` whose last ``depth`` components are not links.

    The part above them (the home itself, which may legitimately be reached through a link)
    is opened normally.
    """
    path = Path(path)
    parts = path.parts
    depth = max(0, min(depth, len(parts) - 1))
    base = Path(*parts[: len(parts) - depth]) if depth else path
    try:
        fd = os.open(base, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    except OSError as exc:
        raise OSError(exc.errno, f"{base} cannot be opened ({exc.strerror})") from exc
    walked = base
    for name in parts[len(parts) - depth :]:
        walked = walked / name
        try:
            nfd = os.open(name, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=fd)
        except OSError as exc:
            os.close(fd)
            if exc.errno == errno.ELOOP or (exc.errno == errno.ENOTDIR and walked.is_symlink()):
                raise _link_message(walked, "a folder") from None
            raise OSError(exc.errno, f"{walked} cannot be opened ({exc.strerror})") from exc
        os.close(fd)
        fd = nfd
    return fd


def open_in(
    folder: Path,
    name: str,
    flags: int,
    mode: int = 0o666,
    *,
    depth: int = 1,
    what: str = "a file",
) -> int:
    """Open ``folder/name`` with ``flags`` without following a link anywhere below the home.

    The file must be a regular file; the descriptor returned is blocking as usual.
    Raises :class:`UnsafePathError` for a link or a non-regular file, ``OSError`` otherwise
    (``FileNotFoundError`` when it does not exist and ``O_CREAT`` was not given).
    """
    path = Path(folder) / name
    dfd = open_dir(Path(folder), depth)
    try:
        try:
            fd = os.open(name, flags | _NOFOLLOW | _CLOEXEC | os.O_NONBLOCK, mode, dir_fd=dfd)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise _link_message(path, what) from None
            raise
    finally:
        os.close(dfd)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafePathError(
                f"{path} is not a regular file (it is a {_kind(st.st_mode)}) where {what} "
                "belongs, so crisisplay did not use it. Move it away and try again."
            )
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISFIFO(mode):
        return "named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "special file"


def read_bytes(
    folder: Path, name: str, *, limit: int, depth: int = 1, what: str = "a file"
) -> bytes:
    """The bytes of ``folder/name`` (no links), refusing more than ``limit`` while reading."""
    fd = open_in(folder, name, os.O_RDONLY, depth=depth, what=what)
    chunks: list[bytes] = []
    total = 0
    try:
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise OSError(
                    errno.EFBIG,
                    f"{Path(folder) / name} is larger than {limit:,} bytes, more than {what} "
                    "can be; it was not read",
                )
    finally:
        os.close(fd)
    return b"".join(chunks)


def sha256_of(folder: Path, name: str, *, depth: int = 1, what: str = "a file") -> str:
    """The sha256 of ``folder/name`` (no links), read a megabyte at a time."""
    import hashlib

    digest = hashlib.sha256()
    fd = open_in(folder, name, os.O_RDONLY, depth=depth, what=what)
    with os.fdopen(fd, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def is_regular(folder: Path, name: str, *, depth: int = 1) -> bool:
    """True if ``folder/name`` is a regular file reached without any link."""
    try:
        os.close(open_in(folder, name, os.O_RDONLY, depth=depth))
    except OSError:
        return False
    return True


def mkdir_in(folder: Path, name: str, *, depth: int = 1) -> None:
    """Create ``folder/name`` unless it exists as a real folder; refuse a link there."""
    dfd = open_dir(Path(folder), depth)
    try:
        with contextlib.suppress(FileExistsError):
            os.mkdir(name, 0o777, dir_fd=dfd)
        # Whatever is there now must be a real folder.
        os.close(open_dir(Path(folder) / name, depth + 1))
    finally:
        os.close(dfd)


def replace_atomic(folder: Path, name: str, data: bytes, *, depth: int = 1) -> None:
    """Write ``data`` as ``folder/name``: temp file, fsync, rename, fsync the folder.

    A crash or a full disk leaves either the old file or the new one. The rename replaces
    whatever directory entry is at ``name`` (a planted link is replaced, never followed).
    """
    dfd = open_dir(Path(folder), depth)
    tmp = f".{name}.tmp-{os.getpid()}"
    try:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp, dir_fd=dfd)
        fd = os.open(
            tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o666, dir_fd=dfd
        )
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=dfd)
            raise
        os.close(fd)
        try:
            os.replace(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=dfd)
            raise
        os.fsync(dfd)
    finally:
        os.close(dfd)


def create_new(folder: Path, name: str, data: bytes, *, depth: int = 1) -> None:
    """Create ``folder/name`` with ``data``; ``FileExistsError`` if anything (even a dangling
    link) is already there, so nothing is ever written through a link."""
    fd = open_in(folder, name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, depth=depth)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_temps(folder: Path, *, depth: int = 1) -> int:
    """Remove the temporary files :func:`replace_atomic` left when a process died between
    writing one and renaming it (call only while holding the folder's lock). Returns how
    many were removed."""
    import re

    temp = re.compile(r"\..+\.tmp-\d+")
    try:
        dfd = open_dir(Path(folder), depth)
    except FileNotFoundError:
        return 0
    removed = 0
    try:
        for name in os.listdir(dfd):
            if temp.fullmatch(name):
                with contextlib.suppress(OSError):
                    os.unlink(name, dir_fd=dfd)
                    removed += 1
    finally:
        os.close(dfd)
    return removed


def fsync_dir(path: Path, depth: int = 0) -> None:
    """Make a folder's entries durable (a new file only lasts once its entry does)."""
    fd = open_dir(Path(path), depth)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
