"""`crisisplay handover`: hand an incident to the next person, with a brief of what is open."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer


def handover(
    incident: Annotated[
        str | None,
        typer.Argument(help="Incident id (or a unique part of it). Default: the open one."),
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="Who takes the incident over (a name).")
    ] = None,
    note: Annotated[
        str | None, typer.Option("--note", help="A word for them, kept with the handover.")
    ] = None,
    format: Annotated[
        str | None,
        typer.Option("--format", help="md: the brief as Markdown, to paste into a chat."),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Show the brief and what would be sent to them; record and send nothing.",
        ),
    ] = False,
) -> None:
    """Hand an incident over: record who takes it, and print the brief of what is open."""
    from crisisplay.errors import CrisisplayError, UsageError
    from crisisplay.home import home
    from crisisplay.i18n import _
    from crisisplay.incident.session import (
        AmbiguousIncident,
        find_incident,
        list_incidents,
        resume_incident,
    )
    from crisisplay.incident.shifts import walked_by
    from crisisplay.incident.walk import now_utc
    from crisisplay.playbook.library import Library
    from crisisplay.report import handover as brief_of

    if format not in (None, "md"):
        raise UsageError(_("--format is md (or leave it out for the terminal)."))
    to = (to or "").strip()
    if not to:
        raise UsageError(_("Say who takes the incident over: --to NAME."))
    note = note.strip() if note and note.strip() else None
    h = home()
    if not dry_run:  # who holds the pen as the team's remote knows it (resume does the same)
        from crisisplay.incident.session import sync_after

        sync_after(h.root, "session.resumed")
    if incident is None and not any(s.status == "open" for s in list_incidents(h)):
        raise CrisisplayError(_("There is no open incident to hand over."))
    try:
        incident_id = find_incident(h, incident)
    except AmbiguousIncident as e:
        raise CrisisplayError(
            _("{n} incidents are open: {ids}.").format(n=len(e.ids), ids=", ".join(e.ids)),
            _("Name the one to hand over: crisisplay handover INCIDENT --to NAME"),
        ) from None
    folder = h.incidents / incident_id
    walker = walked_by(folder)
    if walker is not None:
        raise CrisisplayError(
            _(
                "Incident {id} is being walked right now ({who}); nothing was recorded. "
                "Hand over from that walk: pause it (/pause), then run the handover."
            ).format(id=incident_id, who=_holder(walker))
        )
    session = resume_incident(h, Library(h), incident_id).session
    try:
        if session.walk.closed and session.walk.current() is None:
            raise CrisisplayError(
                _("Incident {id} is closed: there is nothing to hand over.").format(id=incident_id)
            )
        now = now_utc()
        b = brief_of.brief(folder, session.walk, now)
        outbox = _outbox(session, dry_run)
        if not dry_run:
            session.record("handover", {"to": to, "note": note, "brief": b})
        from crisisplay.incident.notify import handover_messages

        outbox.send(handover_messages(session, to, brief_of.markdown(b, to, note)))
        outbox.close()
    finally:
        session.close()
    if format == "md":
        sys.stdout.write(brief_of.markdown(b, to, note))
    else:
        from crisisplay.output import console

        console().print(brief_of.rich_text(b, to, note))
    if dry_run:
        sys.stderr.write(_("Dry run: nothing was recorded or sent.") + "\n")
    elif session.receipt is not None:
        sys.stderr.write(session.receipt_text() + "\n")


def _holder(walker: dict[str, Any]) -> str:
    who = f"{walker.get('user', '?')}@{walker.get('host', '?')}"
    return f"{who}, pid {walker['pid']}" if walker.get("pid") else who


def _outbox(session: Any, dry_run: bool) -> Any:
    from crisisplay.incident.notify import Outbox

    def say(text: str, failed: bool = False) -> None:
        sys.stderr.write(("✗ " if failed else "✉ ") + text + "\n")

    return Outbox(session, dry_run=dry_run, say=say)
