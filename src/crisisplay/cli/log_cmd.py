"""`crisisplay log …`: list incidents, show one's timeline, verify its chain."""

import itertools
import sys
from collections.abc import Iterable, Iterator
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
    from crisisplay.incident.session import incident_named

    return incident_named(home, ref)


@app.command("list")
def list_(
    client: Annotated[str | None, typer.Option("--client", help="Only this client (slug).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Incidents: id, client, title, severity, open/closed, opened, last activity."""
    from dataclasses import asdict

    from crisisplay import times
    from crisisplay.incident.session import list_incidents

    h = _home()
    items = list_incidents(h, client)
    if as_json:
        from crisisplay.output import print_json

        print_json([asdict(s) for s in items])
        return
    if not items:
        sys.stdout.write("No incidents yet. Start one with `crisisplay start`.\n")
        return
    times.use_zone(h.timezone())  # across incidents: the workspace's zone
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
                times.when(s.opened, seconds=False),
                times.when(s.last_activity, seconds=False),
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
    follow: Annotated[
        bool,
        typer.Option(
            "--follow",
            "-f",
            help="Keep showing events as they are recorded (here, or by the team: fetched "
            "from the git remote). Ctrl-C stops.",
        ),
    ] = False,
) -> None:
    """The incident's timeline by stage: deadlines, statements as published, metrics."""
    import os

    from crisisplay.errors import CrisisplayError
    from crisisplay.incident.events import Event, typed
    from crisisplay.incident.log import LogError, LogReader
    from crisisplay.incident.session import use_zone_of
    from crisisplay.report.metrics import Digest
    from crisisplay.report.walkthrough import fold_notes

    home = _home()
    incident_id = _find(home, incident)
    folder = home.incidents / incident_id
    use_zone_of(folder, home)  # its times in its own zone, whatever this machine's
    if follow:
        _follow(home, incident_id)
        return
    # One pass through the log's reader: the events (checked as `log verify` checks them),
    # what the metrics need, and the verification itself. Only what is shown is kept: the
    # staged view folds long runs of notes; --events and --json list every event.
    reader = LogReader(folder / "log.jsonl")
    dg = Digest()

    def digested(events: Iterable[Event]) -> Iterator[Event]:
        for e in events:
            dg.add(e)
            yield e

    stream = digested(typed(reader))
    try:
        # The file is opened by the first read: a missing or unreadable log fails here,
        # before anything is printed.
        first = next(stream, None)
    except LogError as e:
        raise CrisisplayError(str(e)) from None
    if first is not None and first.type == "incident.opened":
        from crisisplay import i18n

        # the timeline speaks the language of the playbook the incident was walked with
        i18n.use((first.data.get("playbook") or {}).get("language"))
    everything = itertools.chain(() if first is None else (first,), stream)
    if as_json:
        _print_json(incident_id, everything, reader)  # printed as read: memory stays flat
        _exit_if_damaged(incident_id, reader.result.ok)
        return
    from crisisplay.output import console

    if flat:
        from rich.console import Group

        from crisisplay.cli.timeline import timeline_lines

        con = console()
        batch: list[Any] = []
        for line in timeline_lines(everything):
            batch.append(line)
            if len(batch) >= 1000:
                con.print(Group(*batch))
                batch = []
        if batch:
            con.print(Group(*batch))
        result = reader.result
        if not result.ok:
            for p in result.problems:
                sys.stderr.write(f"{incident_id}: {p}\n")
        _exit_if_damaged(incident_id, result.ok)
        return
    events = list(fold_notes(everything))
    result = reader.result
    from crisisplay.cli.timeline import staged

    facts = problem = None
    try:
        from crisisplay.report.metrics import facts_for_folder

        facts = facts_for_folder(folder, dg).to_json()
    except Exception as e:  # a damaged log still shows what can be read
        if os.environ.get("CRISISPLAY_DEBUG"):
            raise
        problem = " ".join(str(e).split()) or type(e).__name__
    console().print(staged(events, facts=facts, problems=result.problems, facts_problem=problem))
    _exit_if_damaged(incident_id, result.ok)


def _follow(home: Any, incident_id: str) -> None:
    """Every event, one line each, then each new one as it is recorded: read from the log
    every second or so; in a team workspace with a remote, the remote's new events are
    fetched into it every half minute. Ends with Ctrl-C (exit 0)."""
    import os
    import time

    from crisisplay import i18n
    from crisisplay.cli.timeline import timeline_lines
    from crisisplay.i18n import _
    from crisisplay.incident.events import typed
    from crisisplay.incident.log import LogError, read_events
    from crisisplay.output import console

    path = home.incidents / incident_id / "log.jsonl"
    interval = max(0.05, float(os.environ.get("CRISISPLAY_FOLLOW_SECONDS") or 1))
    fetch_every = max(interval, float(os.environ.get("CRISISPLAY_FETCH_SECONDS") or 30))
    team = (home.root / ".git").exists()
    con = console()
    shown = 0
    fetched = -fetch_every
    said: str | None = None
    sys.stderr.write(_("Following {id}; Ctrl-C stops.").format(id=incident_id) + "\n")
    sys.stderr.flush()
    try:
        while True:
            if team and time.monotonic() - fetched >= fetch_every:
                from crisisplay.incident.sync import pull_log

                fetched = time.monotonic()
                problem = pull_log(home.root, incident_id)
                if problem and problem != said:
                    sys.stderr.write(_("note: {problem}").format(problem=problem) + "\n")
                said = problem
            try:
                events = list(read_events(path))
            except (LogError, OSError) as e:
                raise _damaged(incident_id, e) from None
            if shown == 0 and events and events[0]["type"] == "incident.opened":
                i18n.use((events[0]["data"].get("playbook") or {}).get("language"))
            if len(events) > shown:
                lines = list(timeline_lines(typed(events[shown:])))
                for line in lines if shown == 0 else lines[:-1]:  # the legend once
                    con.print(line)
                shown = len(events)
            sys.stdout.flush()
            time.sleep(interval)
    except KeyboardInterrupt:
        return


def _damaged(incident_id: str, e: Exception) -> Exception:
    from crisisplay.errors import CrisisplayError

    return CrisisplayError(f"{incident_id}: {e}")


def _print_json(incident_id: str, events: Iterable[Any], reader: Any) -> None:
    """`{"incident", "events", "verification"}` exactly as json.dumps(indent=2) writes it,
    one event at a time (the verification is known only once every event is read)."""
    import json

    out = sys.stdout
    out.write(
        '{\n  "incident": ' + json.dumps(incident_id, ensure_ascii=False) + ',\n  "events": ['
    )
    lead = "\n    "
    for e in events:
        text = json.dumps(e.to_dict(), ensure_ascii=False, indent=2, default=str)
        out.write(lead + text.replace("\n", "\n    "))
        lead = ",\n    "
    out.write("]" if lead == "\n    " else "\n  ]")
    result = reader.result
    verification = {"ok": result.ok, "head": result.head, "problems": result.problems}
    text = json.dumps(verification, ensure_ascii=False, indent=2, default=str)
    out.write(',\n  "verification": ' + text.replace("\n", "\n  ") + "\n}\n")


def _exit_if_damaged(incident_id: str, ok: bool) -> None:
    """Shown anyway, so a person sees what is left; exit 1 so a script notices."""
    if not ok:
        from crisisplay.i18n import _

        sys.stderr.write(
            _(
                "error: the log of {id} FAILED verification; shown is what can be read "
                "(details: crisisplay log verify)."
            ).format(id=incident_id)
            + "\n"
        )
        raise typer.Exit(1)


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
    from crisisplay.incident.evidence import check_incident
    from crisisplay.incident.log import LogError, parse_anchor
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
        from crisisplay.output import print_json

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
                "signatures": _signatures_json(ev.signatures),
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
        if ev.signatures is not None:
            sys.stdout.write(_signatures_line(ev.signatures) + "\n")
    else:
        for p in ev.problems:
            sys.stderr.write(printable(f"{incident_id}: {p}") + "\n")
        hint = (
            " `--repair` rewrites the statement copies from the log."
            if ev.file_problems and result.ok and not repair
            else ""
        )
        if ev.signatures is not None:
            sys.stderr.write(_signatures_line(ev.signatures) + "\n")
        sys.stderr.write(
            f"error: the record of {incident_id} FAILED verification "
            f"({len(ev.problems)} problem(s); {result.count} events read).{hint}\n"
        )
    if not ev.ok:
        raise typer.Exit(1)


def _signatures_json(found: Any) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        "receipts": found.receipts,
        "signed": found.signed,
        "verified": found.verified,
        "unsigned": found.unsigned,
        "signers": found.signers,
    }


def _signatures_line(found: Any) -> str:
    """How many of the incident's receipts are signed, and verified, by whom (a line)."""
    from crisisplay.i18n import ngettext

    if not found.signed:
        line = ngettext(
            "signatures: {n} receipt, not signed",
            "signatures: {n} receipts, none signed",
            found.receipts,
        ).format(n=found.receipts)
    else:
        line = ngettext(
            "signatures: {verified} of {n} signed receipt verified against allowed_signers",
            "signatures: {verified} of {n} signed receipts verified against allowed_signers",
            found.signed,
        ).format(verified=found.verified, n=found.signed)
        if found.signers:
            line += " (" + ", ".join(found.signers) + ")"
        if found.unsigned:
            line += "; " + ngettext(
                "{n} receipt unsigned", "{n} receipts unsigned", found.unsigned
            ).format(n=found.unsigned)
    for why, n in found.unsigned_why.items():
        line += "\n  " + ngettext("{n} left unsigned: {why}", "{n} left unsigned: {why}", n).format(
            n=n, why=why
        )
    return line
