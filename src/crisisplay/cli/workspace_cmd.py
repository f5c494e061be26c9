"""`crisisplay init`: an agency workspace."""

import sys
from pathlib import Path
from typing import Annotated

import typer


def init(
    directory: Annotated[Path, typer.Argument(help="Where to create it.")] = Path("."),
) -> None:
    """Create an agency workspace: settings, playbooks, templates, incidents, checker, scenarios."""
    from crisisplay.workspace import create_workspace

    created = create_workspace(directory)
    where = directory.resolve()
    if created:
        sys.stdout.write(f"Workspace ready in {where}\n")
        for line in created:
            sys.stdout.write(f"  {line}\n")
        sys.stdout.write('Next: crisisplay playbook new <client-id> --client "Client name"\n')
    else:
        sys.stdout.write(f"{where} is already a workspace; nothing changed.\n")
