"""`crisisplay report INCIDENT`: the post-mortem, from the log alone."""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer


class Format(StrEnum):
    md = "md"
    html = "html"
    json = "json"


def report(
    incident: Annotated[str, typer.Argument(help="Incident id, or a unique part of it.")],
    format: Annotated[
        Format, typer.Option("--format", "-f", help="md (default), html or json.")
    ] = Format.md,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write to this file (a regular file) instead of stdout."
        ),
    ] = None,
) -> None:
    """The post-mortem of an incident: summary, impact, timeline, statements, decisions,
    deadlines, promises, five whys, action items and metrics. Exit 1 (the report is still
    written) when the log fails verification."""
    from crisisplay.cli.log_cmd import _find, _home
    from crisisplay.cli.output import OutputGone
    from crisisplay.report.build import build_report

    home = _home()
    incident_id = _find(home, incident)
    data = build_report(home.incidents / incident_id)
    if output is None or str(output) == "-":
        try:
            _write(data, format, sys.stdout)
            sys.stdout.flush()
        except (BrokenPipeError, OutputGone) as e:
            # `crisisplay report … | head`: the reader has had enough; not an error. A full
            # disk or an I/O error is: main() says it in one line.
            if e.errno != errno.EPIPE:
                raise
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    else:
        _write_file(data, format, output)
        sys.stderr.write(f"{output}\n")
    if not data["verification"]["ok"]:
        sys.stderr.write(
            f"error: the log of {incident_id} FAILED verification; the report says so at "
            "the top. Run `crisisplay log verify` for every problem.\n"
        )
        raise typer.Exit(1)


def _write(data: dict[str, Any], format: Format, out: Any) -> None:
    """The report in `format`; every format is safe to `cat` to a terminal: JSON escapes
    control characters and bidi overrides (`\\u202e`: the data is unchanged), Markdown and
    HTML (whose text is escaped) leave them out."""
    from crisisplay.text import json_safe, printable

    if format is Format.json:
        from crisisplay.report.build import write_json

        write_json(data, _Filtered(out, json_safe))
    elif format is Format.html:
        from crisisplay.report.html import parts

        for piece in parts(data):
            out.write(printable(piece))
    else:
        from crisisplay.report.markdown import sections

        for line in sections(data):
            out.write(printable(line) + "\n")


class _Filtered:
    """A stream whose writes pass through `change` first."""

    def __init__(self, out: Any, change: Any) -> None:
        self.out = out
        self.change = change

    def write(self, text: str) -> int:
        self.out.write(self.change(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.out, name)


def _write_file(data: dict[str, Any], format: Format, path: Path) -> None:
    """Written next to its final name, then renamed: a reader never sees half a report.

    Only a regular file is ever written or replaced: a symbolic link, a device (`-o
    /dev/sda`), a FIFO or a folder is refused before anything is written, so `-o` never
    turns a device node into a file or follows a link somewhere else.
    """
    from crisisplay.errors import CrisisplayError

    target = path.expanduser()
    mode = _refuse_unless_regular(target)
    folder = target.parent
    tmp = folder / f".{target.name}.{os.getpid()}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            _write(data, format, f)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)  # the report it replaces kept its permissions; so does this
        _refuse_unless_regular(target)  # not swapped for a link or a device meanwhile
        os.replace(tmp, target)
    except (OSError, CrisisplayError) as e:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        if isinstance(e, CrisisplayError):
            raise
        raise CrisisplayError(f"Cannot write the report to {target}: {e.strerror or e}") from None


def _refuse_unless_regular(target: Path) -> int | None:
    """The permission bits of `target` if it is a regular file, None if it does not exist;
    a clear error for anything else."""
    import stat

    from crisisplay.errors import CrisisplayError

    try:
        st = os.lstat(target)
    except FileNotFoundError:
        if not target.parent.is_dir():
            raise CrisisplayError(
                f"Cannot write the report to {target}: there is no folder {target.parent}."
            ) from None
        return None
    except OSError as e:
        raise CrisisplayError(f"Cannot write the report to {target}: {e.strerror}") from None
    what = None
    if stat.S_ISLNK(st.st_mode):
        what = "a symbolic link"
    elif stat.S_ISDIR(st.st_mode):
        what = "a folder"
    elif stat.S_ISFIFO(st.st_mode):
        what = "a named pipe (FIFO)"
    elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        what = "a device"
    elif not stat.S_ISREG(st.st_mode):
        what = "not a regular file"
    if what is not None:
        raise CrisisplayError(
            f"Not writing the report to {target}: it is {what}, and -o only writes or "
            "replaces a regular file.",
            "Give a new file name, or -o - (or no -o) for standard output.",
        )
    return stat.S_IMODE(st.st_mode)
