"""Who is at the keyboard: the name written as the actor of every event.

In a team workspace the same incident is written on several machines, so the name must say
who, not which account on which machine: `$CRISISPLAY_NAME` if set, else git's `user.name`
as git reads it in the workspace (the clone's own setting first, then the person's), else
`user@host`. The name is not read from crisisplay.toml: that file is shared by the whole
team through git, and would give everyone the same name.

Only the standard library (git is asked only in a workspace that is a git repository).
"""

from __future__ import annotations

import getpass
import os
import socket
from pathlib import Path

__all__ = ["machine_name", "name"]


def machine_name() -> str:
    """`user@host`: the name when nothing better is known (and the one older logs used)."""
    try:
        user = getpass.getuser()
    except Exception:  # no user name in some containers
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def name(root: Path | None = None) -> str:
    """The person's name for the workspace at `root` (see the module's docstring)."""
    env = " ".join(os.environ.get("CRISISPLAY_NAME", "").split())
    if env:
        return env
    if root is not None and (root / ".git").exists():  # git (and subprocess) only then
        from crisisplay import git

        configured = git.config(root, "user.name")
        if configured:
            return " ".join(configured.split())
    return machine_name()
