"""`crisisplay start` and `crisisplay resume`: the walk, scripted or interactive."""

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

AnswersOpt = Annotated[
    Path | None,
    typer.Option(
        "--answers", help="Run with no terminal from a YAML answers file ('-' for stdin)."
    ),
]
DryRunOpt = Annotated[
    bool,
    typer.Option(
        "--dry-run",
        help="Show the notifications that would go out (notify steps, approval requests) "
        "and send none.",
    ),
]


def start(
    playbook: Annotated[
        str | None, typer.Option("--playbook", "-p", help="Playbook id or file.")
    ] = None,
    client: Annotated[
        str | None, typer.Option("--client", "-c", help="Client slug or name.")
    ] = None,
    title: Annotated[
        str | None, typer.Option("--title", "-t", help="What is happening, in a few words.")
    ] = None,
    severity: Annotated[
        int | None,
        typer.Option(
            "--severity",
            "-s",
            help="The level, from the playbook's severities: 1 is the most severe.",
        ),
    ] = None,
    first_seen: Annotated[
        str | None,
        typer.Option(
            "--first-seen", help="When the crisis was first seen: 14:05, '20m ago', RFC 3339."
        ),
    ] = None,
    answers: AnswersOpt = None,
    dry_run: DryRunOpt = False,
) -> None:
    """Open an incident and walk it, step by step, by the client's protocol."""
    from crisisplay.home import home
    from crisisplay.playbook.library import Library

    lib = Library(home())
    if answers is not None:
        from crisisplay.frontends.scripted import start_scripted

        session = start_scripted(
            lib,
            answers,
            playbook=playbook,
            client=client,
            title=title,
            severity=severity,
            first_seen=first_seen,
            dry_run=dry_run,
        )
        _finish(session)
        return
    resume_collector = _pause_collector()
    try:
        if severity is not None:  # a wrong level is wrong usage, said before any question
            _check_severity(lib, playbook, client, severity)
        _need_terminal("start")
        from crisisplay.frontends.interactive import start_interactive

        start_interactive(
            lib,
            playbook=playbook,
            client=client,
            title=title,
            severity=severity,
            first_seen=first_seen,
            dry_run=dry_run,
        )
    finally:
        resume_collector()


def resume(
    incident: Annotated[
        str | None,
        typer.Argument(help="Incident id (or a unique part of it). Default: the open one."),
    ] = None,
    answers: AnswersOpt = None,
    dry_run: DryRunOpt = False,
    take_over: Annotated[
        bool,
        typer.Option(
            "--take-over",
            help="Take the pen from whoever holds it (recorded in the log, with --reason).",
        ),
    ] = False,
    reason: Annotated[
        str | None, typer.Option("--reason", help="With --take-over: why, for the team.")
    ] = None,
) -> None:
    """Continue an incident at the first step not yet recorded."""
    from crisisplay.home import home
    from crisisplay.playbook.library import Library

    lib = Library(home())
    if take_over or reason is not None:
        if answers is None:
            _need_terminal("resume")  # nothing is written without a way to go on
        incident = _take_over(lib.home, incident, take_over, reason)
    else:
        from crisisplay.incident.session import sync_after

        if answers is None:
            _need_terminal("resume")  # no terminal: exit 2 before anything, git included
        sync_after(lib.home.root, "session.resumed")  # the team's latest, and who holds the pen
    if answers is not None:
        from crisisplay.frontends.scripted import resume_scripted

        session = resume_scripted(lib, answers, incident, dry_run=dry_run)
        _finish(session)
        return
    _need_terminal("resume")
    from crisisplay.frontends.interactive import resume_interactive

    resume_interactive(lib, incident, resume_drill=_resume_drill, dry_run=dry_run)


def _take_over(home: Any, ref: str | None, take_over: bool, reason: str | None) -> str:
    """Share what the team wrote, then take the pen (recorded and shared at once)."""
    from crisisplay.errors import UsageError
    from crisisplay.i18n import _
    from crisisplay.incident import pen
    from crisisplay.incident.session import actor, find_incident, sync_after

    if not take_over or not (reason or "").strip():
        raise UsageError(
            _('--take-over and --reason go together: resume INCIDENT --take-over --reason "..."')
        )
    sync_after(home.root, "session.resumed")  # who holds it now, as the team's remote knows
    incident_id = find_incident(home, ref)
    event = pen.take_over(home, incident_id, actor(home), reason or "")
    if event is not None:
        sys.stderr.write(
            _("You hold the pen of {id} now (taken from {previous}).").format(
                id=incident_id, previous=event["data"]["from"]
            )
            + "\n"
        )
        sync_after(home.root, "pen.taken")
    return incident_id


def _resume_drill(lib: Any, session: Any, out: Any) -> None:
    """A paused drill goes on as a drill: its scenario, clock and score come back."""
    from crisisplay.drill.runner import resume_drill

    resume_drill(lib, session, out)


def _check_severity(lib: Any, playbook: str | None, client: str | None, severity: int) -> None:
    """--severity against the levels of the playbook `start` would walk (each of the
    client's, when it has several and the walk will ask which)."""
    from crisisplay.errors import UsageError

    if playbook or not client:  # a preview knows the levels: no load before the first prompt
        ref = playbook or "default"
        candidates = [lib.preview(ref, meanwhile=_prepare_walk) or lib.load(ref)]
    else:  # the walk imports these for a --client start anyway
        from crisisplay.frontends.scripted import pick_playbook, playbooks_for_client
        from crisisplay.text import slugify

        entries = playbooks_for_client(lib, slugify(client))
        if len(entries) > 1:
            candidates = [lib.load(str(e.path)) for e in entries]
        else:
            candidates = [pick_playbook(lib, None, client)]
    problems = [why for res in candidates if (why := res.severity_problem(severity))]
    if len(problems) == len(candidates):
        raise UsageError(f"--severity {severity}: {problems[0]}")


def _pause_collector() -> Any:
    """No garbage collection while `start` gets to its first question: it allocates much
    and frees little, and the collector's passes over it were ~5% of the wait. On again
    once that question is on screen (prompts.after_draw), or at the latest when the
    returned function is called."""
    import gc

    from crisisplay.frontends import prompts

    if not gc.isenabled():
        return lambda: None
    gc.disable()
    prompts.after_draw.append(gc.enable)
    return gc.enable


def _prepare_walk() -> None:
    """Import what the first question is drawn with (while a child checks the playbook)."""
    from crisisplay.frontends import prompts
    from crisisplay.frontends.interactive import start_interactive  # noqa: F401 (for later)

    prompts.prepare()


def _need_terminal(command: str) -> None:
    """An interactive walk reads keys from a person: with no terminal, say so and write
    nothing (before, an empty stdin read as Ctrl-C and recorded a pause nobody made)."""
    if sys.stdin.isatty() and sys.stdout.isatty():
        return
    from crisisplay.errors import UsageError
    from crisisplay.i18n import _

    raise UsageError(
        _(
            "crisisplay {command} asks its questions in a terminal, and there is none here; "
            "nothing was written. To run without one, give the answers in a file: "
            "crisisplay {command} --answers FILE (see the README)."
        ).format(command=command)
    )


def _finish(session: Any) -> None:
    from crisisplay.i18n import _, ngettext

    walk = session.walk
    for notice in session.notices:
        sys.stderr.write(_("note: {notice}").format(notice=notice) + "\n")
    n = len(walk.records)
    said = (
        ngettext("{n} step recorded; incident closed.", "{n} steps recorded; incident closed.", n)
        if walk.closed
        else ngettext("{n} step recorded; incident open.", "{n} steps recorded; incident open.", n)
    )
    sys.stderr.write(said.format(n=n) + "\n")
    if session.receipt is not None:
        sys.stderr.write(session.receipt_text() + "\n")
    sys.stdout.write(f"{session.incident.id}\n")
