"""The `git` program, run as a person would run it: the team workspace's only way to git.

No library: git itself does the work (any remote it can reach: a bare repository on a share,
GitHub, GitLab; the person's own credentials and SSH keys), and this module only runs it,
with no terminal prompt (a sync never hangs waiting for a password) and a time limit.

Only the standard library.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from crisisplay.errors import CrisisplayError

__all__ = ["GitError", "available", "config", "is_repo", "run"]

#: How long one git command may take (a fetch over a slow link included).
TIMEOUT = 120.0


class GitError(CrisisplayError):
    """A git command failed; ``str()`` says which, and what git said."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


def is_repo(root: Path) -> bool:
    """Is `root` the top of a git work tree (its own `.git`)?"""
    return (root / ".git").exists()


def available() -> bool:
    from shutil import which

    return which("git") is not None


def run(
    root: Path,
    *args: str,
    check: bool = True,
    config: dict[str, str] | None = None,
    timeout: float = TIMEOUT,
) -> subprocess.CompletedProcess[bytes]:
    """`git ARGS` in `root`; a GitError (with git's own words) when it fails and `check`."""
    from crisisplay.i18n import _

    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")
    cmd = ["git", "-C", str(root), "-c", "core.quotepath=off"]
    for key, value in (config or {}).items():
        cmd += ["-c", f"{key}={value}"]
    cmd += list(args)
    try:
        done = subprocess.run(
            cmd, capture_output=True, env=env, timeout=timeout, stdin=subprocess.DEVNULL
        )
    except FileNotFoundError:
        raise GitError(
            _("The `git` program is not installed here; the team workspace needs it.")
        ) from None
    except subprocess.TimeoutExpired:
        raise GitError(
            _("`git {command}` did not finish in {seconds} seconds.").format(
                command=args[0] if args else "", seconds=int(timeout)
            )
        ) from None
    if check and done.returncode != 0:
        said = (done.stderr or done.stdout).decode("utf-8", "replace").strip()
        last = said.splitlines()[-1] if said else ""
        raise GitError(
            _("`git {command}` failed: {said}").format(command=" ".join(args[:2]), said=last),
            said,
        )
    return done


def config(root: Path, key: str) -> str | None:
    """A git setting as git reads it in `root` (the repository's, else the person's)."""
    try:
        done = run(root, "config", "--get", key, check=False, timeout=10)
    except GitError:
        return None
    value = done.stdout.decode("utf-8", "replace").strip()
    return value if done.returncode == 0 and value else None
