"""Where crisisplay keeps things: the shipped content, the workspace, the incidents.

Home is `$CRISISPLAY_HOME` if set, else the nearest folder upward holding
`crisisplay.toml` (an agency workspace), else the user data directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

WORKSPACE_FILE = "crisisplay.toml"
CHECKER_DIR = "checker"  # a workspace's own rule files for the statement checker


def shipped_root() -> Path:
    """The shipped playbooks/ and templates/: inside the wheel, or the source checkout."""
    here = Path(__file__).resolve().parent
    packaged = here / "_shipped"
    if packaged.is_dir():
        return packaged
    return here.parent.parent  # src/crisisplay -> repository root (editable install)


@dataclass(frozen=True)
class Home:
    root: Path
    kind: str  # "env", "workspace" or "user"

    @property
    def playbooks(self) -> Path:
        return self.root / "playbooks"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def checker(self) -> Path:
        return self.root / CHECKER_DIR

    @property
    def incidents(self) -> Path:
        return self.root / "incidents"

    def describe(self) -> str:
        return {
            "env": f"{self.root} (from $CRISISPLAY_HOME)",
            "workspace": f"{self.root} (workspace: {WORKSPACE_FILE})",
            "user": f"{self.root} (user data directory)",
        }[self.kind]


def find_workspace(start: Path | None = None) -> Path | None:
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / WORKSPACE_FILE).is_file():
            return folder
    return None


def home(start: Path | None = None) -> Home:
    env = os.environ.get("CRISISPLAY_HOME")
    if env:
        return Home(Path(env).expanduser().resolve(), "env")
    ws = find_workspace(start)
    if ws is not None:
        return Home(ws, "workspace")
    from platformdirs import user_data_path

    return Home(user_data_path("crisisplay", appauthor=False), "user")
