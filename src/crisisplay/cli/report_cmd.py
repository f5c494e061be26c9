"""`crisisplay report INCIDENT`: the post-mortem, from the log alone."""

from __future__ import annotations

import contextlib
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
        typer.Option("--output", "-o", help="Write to this file instead of stdout."),
    ] = None,
) -> None:
    """The post-mortem of an incident: summary, impact, timeline, statements, decisions,
    deadlines, promises, five whys, action items and metrics. Exit 1 (the report is still
    written) when the log fails verification."""
    from crisisplay.cli.log_cmd import _find, _home
    from crisisplay.report.build import build_report

    home = _home()
    incident_id = _find(home, incident)
    data = build_report(home.incidents / incident_id)
    from crisisplay.incident import check_receipt

    # A log that chains perfectly can still have been cut or rewritten since its receipt.
    against_receipt = check_receipt(home, incident_id)
    if against_receipt:
        verification = data["verification"]
        verification["ok"] = False
        verification["problems"] = [*verification.get("problems", []), *against_receipt]
    if output is None:
        try:
            _write(data, format, sys.stdout)
            sys.stdout.flush()
        except BrokenPipeError:
            # `crisisplay report … | head`: the reader has had enough; not an error.
            import os

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
    if format is Format.json:
        from crisisplay.report.build import write_json

        write_json(data, out)
    elif format is Format.html:
        from crisisplay.report.html import parts

        for piece in parts(data):
            out.write(piece)
    else:
        from crisisplay.report.markdown import sections

        for line in sections(data):
            out.write(line + "\n")


def _write_file(data: dict[str, Any], format: Format, path: Path) -> None:
    """Written next to its final name, then renamed: a reader never sees half a report."""
    import os

    from crisisplay.errors import CrisisplayError

    target = path.expanduser()
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            _write(data, format, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except OSError as e:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise CrisisplayError(f"Cannot write the report to {target}: {e.strerror or e}") from None
