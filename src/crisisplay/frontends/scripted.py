"""Running `start`/`resume` from an answers file: plan everything, then record it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crisisplay import i18n
from crisisplay.errors import CrisisplayError, UsageError
from crisisplay.frontends.answers import load_answers, plan, start_variables
from crisisplay.i18n import _
from crisisplay.incident.session import (
    Session,
    find_incident,
    open_for_client,
    open_incident,
    open_incidents_line,
    resume_incident,
    switch_playbook,
)
from crisisplay.incident.walk import UPDATE, Incident, Walk, incident_time, now_utc
from crisisplay.text import slugify

if TYPE_CHECKING:
    from crisisplay.playbook.library import Library
    from crisisplay.playbook.resolved import Resolved


def playbooks_for_client(lib: Library, slug: str) -> list[Any]:
    """Playbooks whose client profile is `slug` (by its slug or its name), newest per id."""
    newest: dict[str, Any] = {}
    for test in (
        lambda e: slugify(e.client) == slug,
        lambda e: e.id == slug,
        lambda e: slugify(e.client).startswith(slug + "-"),
    ):
        for e in lib.entries():
            if e.client and e.extends and test(e):
                newest[e.id] = e  # entries are sorted by version: the last is the newest
        if newest:
            break
    return sorted(newest.values(), key=lambda e: e.id)


def pick_playbook(lib: Library, playbook: str | None, client: str | None) -> Resolved:
    """--playbook wins; else the client's own playbook; else the shipped default."""
    if playbook:
        return lib.load(playbook)
    if client:
        entries = playbooks_for_client(lib, slugify(client))
        if len(entries) == 1:
            return lib.load(str(entries[0].path))
        if entries:
            raise CrisisplayError(
                _("Client '{client}' has {n} playbooks: {playbooks}.").format(
                    client=client,
                    n=len(entries),
                    playbooks=", ".join(f"{e.id} ({e.language})" for e in entries),
                ),
                _("Name one with --playbook."),
            )
        slug = slugify(client)
        broken = next((b for b in lib.broken() if b.for_client(slug)), None)
        if broken is not None:  # the client's playbook is there but unusable: never the default
            raise broken.error()
    return lib.load("default")


def start_scripted(
    lib: Library,
    answers_path: Path,
    *,
    playbook: str | None,
    client: str | None,
    title: str | None,
    severity: int | None,
    first_seen: str | None,
    dry_run: bool = False,
) -> Session:
    answers = load_answers(answers_path)
    inc = answers.incident
    client = client or (str(inc["client"]) if inc.get("client") else None)
    resolved = pick_playbook(lib, playbook or inc.get("playbook"), client)
    i18n.use(resolved.playbook.language)  # what follows speaks the playbook's language
    from crisisplay import times

    times.use_zone(resolved.timezone())  # typed times are read in the incident's zone
    title = title or str(inc.get("title") or "")
    if not title:
        raise answers.problem(
            ("incident",),
            _("the incident needs a title: add 'title:' under 'incident:' or pass --title"),
        )
    sev = severity if severity is not None else inc.get("severity")
    if sev is None:
        raise answers.problem(
            ("incident",),
            _(
                "the incident needs a severity (1 is the most severe): add 'severity:' "
                "under 'incident:' or pass --severity"
            ),
        )
    if severity is not None and (why := resolved.severity_problem(severity)):
        raise UsageError(f"--severity {severity}: {why}")
    if isinstance(sev, str) and sev.strip().isdigit():
        sev = int(sev)
    if isinstance(sev, bool) or not isinstance(sev, int):
        raise answers.problem(
            ("incident", "severity"),
            _("severity is a level number (1 is the most severe), not '{value}'").format(value=sev),
        )
    if why := resolved.severity_problem(sev):
        raise answers.problem(("incident", "severity"), why)
    try:
        opened_at = incident_time(inc["at"], "incident.at") if inc.get("at") else None
        first = (
            incident_time(
                first_seen or inc["first_seen"],
                "--first-seen" if first_seen else "incident.first_seen",
                relative_to=opened_at,
            )
            if (first_seen or inc.get("first_seen"))
            else None
        )
    except ValueError as e:
        raise answers.problem(("incident",), str(e)) from None
    # Plan on a walk that is not yet on disk: nothing is written if any answer is wrong.
    opened = opened_at or now_utc()
    dry = Walk(
        resolved,
        Incident(
            id="(planning)",
            title=title,
            severity=int(sev),
            client_name=client or resolved.client.name,
            client_slug="",
            first_seen=first or opened,
            opened_at=opened,
            playbook={},
        ),
    )
    variables = start_variables(dry, answers)
    dry.variables.update(variables)
    plan(dry, answers)
    from crisisplay.workspace import contact_channels

    contact_channels(lib.home.root)  # a broken contacts.toml is said before anything is written
    name = resolved.incident_client(client)
    if found := open_for_client(lib.home, slugify(name)):
        sys.stderr.write(open_incidents_line(found, name) + "\n")
    session = open_incident(
        lib.home,
        resolved,
        title=title,
        severity=int(sev),
        client_name=client,
        first_seen=first,
        opened_at=opened_at,
        variables=variables,
    )
    try:
        _record_all(session, answers, outbox_for(session, dry_run))
    finally:
        session.close()
    return session


def outbox_for(session: Session, dry_run: bool = False) -> Any:
    """The walk's notifications, each outcome said on stderr."""
    from crisisplay.incident.notify import Outbox

    def say(text: str, failed: bool = False) -> None:
        sys.stderr.write(("✗ " if failed else "✉ ") + text + "\n")

    return Outbox(session, dry_run=dry_run, say=say)


def _record_all(session: Session, answers: Any, outbox: Any = None) -> None:
    """Record every planned step; a notify step's message goes out after it is recorded."""
    from crisisplay.incident.notify import step_messages

    for item in plan(session.walk, answers):
        session.submit(item.data, item.at)
        _say_media_needed(item.step, item.data)
        if outbox is not None:
            outbox.settle()
            outbox.send(step_messages(session, item.step, item.data))
    if outbox is not None:
        outbox.close()


def _say_media_needed(step: Any, data: dict[str, Any]) -> None:
    """A draft for TikTok or Instagram is a caption: say what it must be posted with."""
    from crisisplay.check.platforms import media_note

    for platform in data.get("texts") or {}:
        note = media_note(platform)
        if note:
            sys.stderr.write(_("Step '{step}': {note}").format(step=step.id, note=note) + "\n")


def resume_scripted(
    lib: Library, answers_path: Path, ref: str | None, *, dry_run: bool = False
) -> Session:
    """Continue an incident from an answers file. The rest of the path is planned before
    anything new is written, so a missing or wrong answer changes nothing."""
    answers = load_answers(answers_path)
    incident_id = find_incident(lib.home, ref)
    resumed = resume_incident(lib.home, lib, incident_id)
    session = resumed.session
    try:
        outbox = outbox_for(session, dry_run)
        outbox.retry()  # what failed or was still going when the walk last stopped
        if session.walk.closed and session.walk.position() is None:
            sys.stderr.write(
                _("Incident {id} is already closed; nothing to resume.").format(id=incident_id)
                + "\n"
            )
            outbox.close()
            return session
        choice = None
        walk = session.walk
        if resumed.changed is not None and resumed.current is not None:
            choice = str(answers.incident.get("on_playbook_change") or "keep")
            if choice not in ("keep", "update"):
                raise answers.problem(
                    ("incident", "on_playbook_change"),
                    _(
                        "on_playbook_change is 'keep' (the version the incident began with) "
                        "or 'update' (the playbook as it is now)"
                    ),
                )
            if choice == "update":
                walk = replayed(session, resumed.current)
        variables = None
        if not walk.has_variables and walk.resolved.playbook.variables:
            # Opened by a version that crashed before recording them, or a playbook that
            # gained variables: take them from the answers like `start` does.
            variables = start_variables(walk, answers)
            walk.variables.update(variables)
        plan(walk, answers)  # raises, naming the step, before anything is written
        if choice is not None and resumed.changed is not None:
            session.record_playbook_change(resumed.changed, choice)
            sys.stderr.write(
                (
                    _(
                        "The playbook changed since this incident began; continuing with the "
                        "new version."
                    )
                    if choice == "update"
                    else _(
                        "The playbook changed since this incident began; continuing with the "
                        "original version."
                    )
                )
                + "\n"
            )
            if choice == "update" and resumed.current is not None:
                switch_playbook(session, resumed.current, choice)
        if variables is not None:
            session.record("variables", {"values": variables})
        session.resumed("scripted")
        _record_all(session, answers, outbox)
        session.settle_pending()
    finally:
        session.close()
    return session


def replayed(session: Session, resolved: Resolved) -> Walk:
    """The incident's events replayed onto `resolved`, without touching the session."""
    from crisisplay.incident.log import read_events

    walk = Walk(resolved, session.incident)
    for event in read_events(session.log.path):
        if event["type"] == "step" and event["data"]["step"] not in walk.index:
            if event["data"].get("action") == UPDATE:  # an update between steps: kept
                walk.apply(event)
            continue
        walk.apply(event)
    return walk


__all__ = ["resume_scripted", "start_scripted"]
