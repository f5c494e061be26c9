"""`crisisplay report INCIDENT`: the post-mortem, from the log alone."""

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
    from crisisplay.home import home as find_home
    from crisisplay.incident.session import incident_named, use_zone_of
    from crisisplay.output import OutputGone
    from crisisplay.report.build import build_report

    home = find_home()
    incident_id = incident_named(home, incident)
    use_zone_of(home.incidents / incident_id, home)  # times in the incident's own zone
    data = build_report(home.incidents / incident_id, full=format is Format.json)
    from crisisplay.incident.session import check_receipt

    # A log that chains perfectly can still have been cut or rewritten since its receipt.
    against_receipt, _ = check_receipt(home, incident_id)
    if against_receipt:
        verification = data["verification"]
        verification["ok"] = False
        verification["problems"] = [*verification.get("problems", []), *against_receipt]
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
    """Written next to its final name, then renamed: a reader never sees half a report;
    only a regular file is ever written or replaced (files.write_regular)."""
    from crisisplay.files import write_regular

    write_regular(path, lambda f: _write(data, format, f), what="the report")
