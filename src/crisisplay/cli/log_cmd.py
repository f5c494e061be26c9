"""`crisisplay log …`: list incidents, show one's timeline, verify its chain."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

app = typer.Typer(
    help="Read incident logs: list, show, verify.", no_args_is_help=True, rich_markup_mode=None
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
IncidentArg = Annotated[str, typer.Argument(help="Incident id, or a unique part of it.")]


def _home() -> Any:
    from crisisplay.home import home

    return home()


def _find(home: Any, ref: str) -> str:
    """An incident's folder name: the exact name first (even when its log is unreadable)."""
    from crisisplay.incident import find_incident

    if (
        ref
        and "/" not in ref
        and not ref.startswith(".")
        and (home.incidents / ref / "log.jsonl").is_file()
    ):
        return ref
    return str(find_incident(home, ref))


@app.command("list")
def list_(
    client: Annotated[str | None, typer.Option("--client", help="Only this client (slug).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Incidents: id, client, title, severity, open/closed, opened, last activity."""
    from dataclasses import asdict

    from crisisplay.incident import list_incidents

    items = list_incidents(_home(), client)
    if as_json:
        from crisisplay.cli.output import print_json

        print_json([asdict(s) for s in items])
        return
    if not items:
        sys.stdout.write("No incidents yet. Start one with `crisisplay start`.\n")
        return
    # Plain columns, never wrapped or cut: the id is what every other command takes.
    rows = [("id", "client", "sev", "status", "opened", "last activity", "title")]
    for s in items:
        rows.append(
            (
                s.id,
                s.client,
                str(s.severity),
                s.status
                + (" (drill)" if s.drill else "")
                + (", torn entry: resume recovers it" if s.torn else ""),
                s.opened[:16].replace("T", " "),
                s.last_activity[:16].replace("T", " "),
                s.title,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for r in rows:
        cells = [c.ljust(w) for c, w in zip(r, widths, strict=False)]
        sys.stdout.write("  ".join([*cells, r[-1]]).rstrip() + "\n")


@app.command()
def show(
    incident: IncidentArg,
    as_json: JsonOpt = False,
    flat: Annotated[
        bool,
        typer.Option("--events", "--raw", help="Every event, one line each, as recorded."),
    ] = False,
) -> None:
    """The incident's timeline by stage: deadlines, statements as published, metrics."""
    import os

    from crisisplay.errors import CrisisplayError
    from crisisplay.log import LogError
    from crisisplay.log import verify as verify_log

    home = _home()
    incident_id = _find(home, incident)
    folder = home.incidents / incident_id
    try:
        events = _readable_events(folder / "log.jsonl")
        result = verify_log(folder / "log.jsonl")
    except LogError as e:
        raise CrisisplayError(str(e)) from None
    if as_json:
        from crisisplay.cli.output import print_json

        print_json(
            {
                "incident": incident_id,
                "events": events,
                "verification": {
                    "ok": result.ok,
                    "head": result.head,
                    "problems": result.problems,
                },
            }
        )
        _exit_if_damaged(incident_id, result.ok)
        return
    from crisisplay.cli.output import console

    if flat:
        from crisisplay.cli.timeline import timeline

        if not result.ok:
            for p in result.problems:
                sys.stderr.write(f"{incident_id}: {p}\n")
        console().print(timeline(events))
        _exit_if_damaged(incident_id, result.ok)
        return
    from crisisplay.cli.timeline import staged

    facts = problem = None
    try:
        from crisisplay.report.metrics import facts_for_folder

        facts = facts_for_folder(folder, events).to_json()
    except Exception as e:  # a damaged log still shows what can be read
        if os.environ.get("CRISISPLAY_DEBUG"):
            raise
        problem = " ".join(str(e).split()) or type(e).__name__
    console().print(staged(events, facts=facts, problems=result.problems, facts_problem=problem))
    _exit_if_damaged(incident_id, result.ok)


def _exit_if_damaged(incident_id: str, ok: bool) -> None:
    """Shown anyway, so a person sees what is left; exit 1 so a script notices."""
    if not ok:
        sys.stderr.write(
            f"error: the log of {incident_id} FAILED verification; shown is what can be read "
            "(details: crisisplay log verify).\n"
        )
        raise typer.Exit(1)


def _readable_events(path: Any) -> list[dict[str, Any]]:
    """Every complete line that is an event, skipping damaged ones (verify names them)."""
    import json

    from crisisplay.log import LogError

    out = []
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed by the with below
    except FileNotFoundError:
        raise LogError(f"There is no incident log at {path}.") from None
    with f:
        for raw in f:
            if not raw.endswith(b"\n"):
                break  # a torn last line: not an event
            try:
                event = json.loads(raw)
            except ValueError:
                continue
            if (
                isinstance(event, dict)
                and isinstance(event.get("type"), str)
                and isinstance(event.get("ts"), str)
                and isinstance(event.get("data", {}), dict)
            ):
                out.append(event)
    return out


@app.command()
def verify(
    incident: IncidentArg,
    anchor: Annotated[
        str | None,
        typer.Option("--anchor", help="SEQ:SHA256 kept elsewhere: also detects truncation."),
    ] = None,
    repair: Annotated[
        bool,
        typer.Option(
            "--repair", help="Rewrite the statement copies from the log (the log is not touched)."
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Check the record: the hash chain, the last receipt, the snapshot and statement copies.

    Any edit, deletion or reordering in the log fails (exit 1); so do a cut tail or a
    rewritten chain when a receipt (or --anchor) covers it, and statement copies or a
    playbook snapshot that no longer match the log.
    """
    from crisisplay.errors import CrisisplayError, UsageError
    from crisisplay.evidence import check_incident
    from crisisplay.log import LogError, parse_anchor
    from crisisplay.text import printable

    home = _home()
    incident_id = _find(home, incident)
    try:
        parsed = parse_anchor(anchor) if anchor else None
    except ValueError as e:
        raise UsageError(str(e)) from None
    try:
        ev = check_incident(home, incident_id, parsed, repair=repair)
    except LogError as e:
        raise CrisisplayError(str(e)) from None
    result = ev.log
    receipt = ev.receipt.text if ev.receipt else None
    if as_json:
        from crisisplay.cli.output import print_json

        print_json(
            {
                "incident": incident_id,
                "ok": ev.ok,
                "events": result.count,
                "head": result.head,
                "anchor": result.anchor,
                "receipt": receipt,
                "repaired": ev.repaired,
                "problems": ev.problems,
                "warnings": ev.warnings,
            }
        )
    else:
        for name in ev.repaired:
            sys.stdout.write(f"repaired: {name} (rewritten from the log)\n")
        for warning in ev.warnings:
            sys.stderr.write(f"warning: {warning}\n")
    if as_json:
        pass
    elif ev.ok:
        covered = (
            f"receipt {receipt} matches"
            if receipt
            else "no receipt yet (one is issued at every pause and close)"
        )
        sys.stdout.write(
            f"ok: {result.count} events, chain intact; {covered}\n"
            f"head {result.head}\n"
            f"anchor {result.anchor}  (keep it off this machine: --anchor detects truncation)\n"
        )
    else:
        for p in ev.problems:
            sys.stderr.write(printable(f"{incident_id}: {p}") + "\n")
        hint = (
            " `--repair` rewrites the statement copies from the log."
            if ev.file_problems and result.ok and not repair
            else ""
        )
        sys.stderr.write(
            f"error: the record of {incident_id} FAILED verification "
            f"({len(ev.problems)} problem(s); {result.count} events read).{hint}\n"
        )
    if not ev.ok:
        raise typer.Exit(1)
