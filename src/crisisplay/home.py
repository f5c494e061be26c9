"""Where crisisplay keeps things: the shipped content, the workspace, the incidents.

Home is `$CRISISPLAY_HOME` if set, else the nearest folder upward holding
`crisisplay.toml` (an agency workspace), else the user data directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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

    def timezone(self) -> str | None:
        """The workspace's IANA time zone (`timezone = "Europe/Madrid"` in its
        crisisplay.toml, at the top or under `[workspace]`), None when it names none."""
        return settings_timezone(self.root / WORKSPACE_FILE)

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


def read_toml(path: Path) -> tuple[dict[str, Any], str] | None:
    """A crisisplay.toml's table and text (at most 1 MiB read), None when there is no such
    file; a CrisisplayError naming the file when it cannot be read or is not TOML."""
    import tomllib

    from crisisplay.errors import CrisisplayError

    try:
        raw = path.read_bytes()[: 1 << 20]
    except FileNotFoundError:
        return None
    except OSError as e:
        raise CrisisplayError(f"Cannot read {path}: {e.strerror or e}.") from None
    text = raw.decode("utf-8", errors="replace")
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as e:
        raise CrisisplayError(f"{path}: not valid TOML: {e}.") from None


def settings_timezone(path: Path) -> str | None:
    """`timezone` from a crisisplay.toml; a CrisisplayError at file:line:col when the file
    cannot be read as TOML or the zone is not one (an incident opened in a wrong zone would
    tell the public wrong times)."""
    from crisisplay.errors import CrisisplayError
    from crisisplay.times import zone_named

    found = read_toml(path)
    if found is None:
        return None
    data, text = found
    workspace = data.get("workspace")
    table: dict[str, object] = workspace if isinstance(workspace, dict) else {}
    value = data.get("timezone", table.get("timezone"))
    if value is None:
        return None
    try:
        zone_named(value)
    except ValueError as e:
        line, col = 1, 1
        for n, row in enumerate(text.splitlines(), 1):
            if row.lstrip().startswith("timezone"):
                line, col = n, row.index("=") + 2 if "=" in row else 1
                col += len(row[col - 1 :]) - len(row[col - 1 :].lstrip())
                break
        raise CrisisplayError(
            f"{path}:{line}:{col}: timezone: {e}",
            "Times shown to the public and typed at a prompt are read in this zone.",
        ) from None
    return str(value)
