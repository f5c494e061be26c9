"""`crisisplay init`: an agency workspace; `crisisplay sync`: the team's copy of it in git."""

import sys
from pathlib import Path
from typing import Annotated

import typer


def init(
    directory: Annotated[Path, typer.Argument(help="Where to create it.")] = Path("."),
    in_git: Annotated[
        bool,
        typer.Option("--git", help="Make it a team workspace: a git repository, shared by sync."),
    ] = False,
    remote: Annotated[
        str | None,
        typer.Option(
            "--remote",
            help="With --git: the team's git remote (a bare repository, GitHub, GitLab); an "
            "empty folder joins the workspace already there.",
        ),
    ] = None,
) -> None:
    """Create an agency workspace: settings, playbooks, templates, incidents, checker, scenarios."""
    from crisisplay.errors import UsageError
    from crisisplay.i18n import _

    if remote and not in_git:
        raise UsageError(_("--remote goes with --git: crisisplay init --git --remote URL"))
    where = directory.resolve()
    if in_git and remote:
        from crisisplay.home import WORKSPACE_FILE
        from crisisplay.incident import sync

        if not (where / WORKSPACE_FILE).exists() and sync.join(where, remote):
            sys.stdout.write(
                _("Joined the team workspace from {remote} in {where}").format(
                    remote=remote, where=where
                )
                + "\n"
            )
            return
    from crisisplay.workspace import create_workspace

    created = create_workspace(directory)
    if created:
        sys.stdout.write(f"Workspace ready in {where}\n")
        for line in created:
            sys.stdout.write(f"  {line}\n")
    if in_git:
        from crisisplay.incident import sync

        sync.init_repo(where, remote)
        sys.stdout.write(_("It is a git repository: crisisplay sync shares it.") + "\n")
        if remote:
            _report(sync.sync(where))
    if created:
        sys.stdout.write('Next: crisisplay playbook new <client-id> --client "Client name"\n')
    elif not in_git:
        sys.stdout.write(f"{where} is already a workspace; nothing changed.\n")


def sync(
    resolve: Annotated[
        str | None,
        typer.Option(
            "--resolve",
            metavar="INCIDENT",
            help="Record that the incident's fork copies were read and settled (with --note).",
        ),
    ] = None,
    note: Annotated[
        str | None, typer.Option("--note", help="With --resolve: what was done with the fork.")
    ] = None,
) -> None:
    """Commit what changed in the team workspace and exchange it with its git remote.

    Incident logs are never merged: a log that grew on both sides is a fork, kept whole in
    both copies (log.jsonl and log.fork.WHO.jsonl); the sync shows where they part, exits 1,
    and `log verify` reports it until someone runs `sync --resolve INCIDENT --note TEXT`.
    """
    from crisisplay.home import home
    from crisisplay.i18n import _
    from crisisplay.incident import sync as team

    h = home()
    if resolve is not None:
        from crisisplay.incident.session import actor, incident_named

        incident_id = incident_named(h, resolve)
        done = team.resolve_forks(h.root, incident_id, actor(h), note or "")
        if not done:
            sys.stdout.write(_("{id} has no fork left to resolve.").format(id=incident_id) + "\n")
        for name in done:
            sys.stdout.write(_("resolved: {id}/{file}").format(id=incident_id, file=name) + "\n")
    elif note is not None:
        from crisisplay.errors import UsageError

        raise UsageError(_("--note goes with --resolve INCIDENT."))
    _report(team.sync(h.root))


def _report(result: object) -> None:
    """What a sync did, one line each; exit 1 on a fork or a problem."""
    from crisisplay.i18n import _, ngettext
    from crisisplay.incident.sync import SyncResult

    assert isinstance(result, SyncResult)
    out, err = sys.stdout, sys.stderr
    if result.remote is None:
        out.write(
            (
                _("Committed; this workspace has no remote to exchange with.")
                if result.committed
                else _("Nothing to commit; this workspace has no remote to exchange with.")
            )
            + "\n"
        )
    for incident in result.forwarded:
        out.write(_("updated: {id} (new events from the remote)").format(id=incident) + "\n")
    for fork in result.forks:
        err.write(
            _("FORK: {id}: the log grew apart here and on the remote; both are kept.").format(
                id=fork.incident
            )
            + "\n"
        )
        err.write("  " + _("here:       {event}").format(event=fork.here) + "\n")
        err.write("  " + _("the remote: {event}").format(event=fork.remote) + "\n")
        kept = _("this side's") if fork.kept == "here" else _("the remote's")
        err.write(
            "  "
            + _("log.jsonl is {whose} copy; the other is {file}.").format(
                whose=kept, file=fork.file
            )
            + "\n"
        )
    for problem in result.problems:
        err.write(_("error: {problem}").format(problem=problem) + "\n")
    if result.remote is not None and not result.stopped:
        done = _("Synced with {remote}.") if result.pushed else _("Up to date with {remote}.")
        out.write(done.format(remote=result.remote) + "\n")
    if result.signed:
        out.write(
            ngettext(
                "Signatures: {verified} of {n} signed receipt verified against "
                "allowed_signers ({signers}).",
                "Signatures: {verified} of {n} signed receipts verified against "
                "allowed_signers ({signers}).",
                result.signed,
            ).format(
                verified=result.verified, n=result.signed, signers=", ".join(result.signers) or "-"
            )
            + "\n"
        )
    if result.forks:
        n = len(result.forks)
        err.write(
            ngettext(
                "Read both copies, then: crisisplay sync --resolve INCIDENT --note TEXT "
                "({n} fork).",
                "Read both copies, then: crisisplay sync --resolve INCIDENT --note TEXT "
                "({n} forks).",
                n,
            ).format(n=n)
            + "\n"
        )
    if not result.ok:
        raise typer.Exit(1)
