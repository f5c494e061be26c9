"""How to run crisisplay again from here: the command every "Resume with:" hint prints.

After `make run` the program is `.venv/bin/crisisplay`, and `crisisplay` alone is not
found: a hint that cannot be pasted is no hint at 2 a.m. So when the folder the program
was started from is not on PATH, the hint names the program by its path.
"""

from __future__ import annotations

import os
import shlex
import sys

NAME = "crisisplay"


def program(argv0: str | None = None, path: str | None = None) -> str:
    """`crisisplay` when that runs this program, else the path it was started by."""
    argv0 = (sys.argv[0] if sys.argv else "") if argv0 is None else argv0
    if not os.path.basename(argv0).startswith(NAME) or os.sep not in argv0:
        return NAME  # found on PATH by its name, or run some other way (python -c, tests)
    folder = os.path.dirname(os.path.abspath(argv0))
    search = os.environ.get("PATH", "") if path is None else path
    if any(p and os.path.abspath(p) == folder for p in search.split(os.pathsep)):
        return NAME
    full = os.path.abspath(argv0)
    here = os.getcwd()
    shown = os.path.relpath(full, here) if full.startswith(here + os.sep) else full
    return shlex.quote(shown)


def command(*words: str) -> str:
    """A command line to paste: `crisisplay resume ID` or `.venv/bin/crisisplay resume ID`."""
    return " ".join([program(), *(shlex.quote(w) for w in words)])


def resume_hint(incident_id: str) -> str:
    return command("resume", incident_id)
