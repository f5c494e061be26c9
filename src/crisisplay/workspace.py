"""An agency workspace: one folder with its playbooks, templates and incidents."""

from __future__ import annotations

from pathlib import Path

from crisisplay import safefs
from crisisplay.errors import CrisisplayError
from crisisplay.home import WORKSPACE_FILE

TOML = """\
# crisisplay workspace. Commands run anywhere below this folder use it:
# its playbooks/ and templates/ come before the shipped ones, and incidents are
# written to incidents/. $CRISISPLAY_HOME, when set, wins over this file.
#
# The time zone statements and the screen show times in, and typed times are read in
# (an IANA name; a client's playbook may set its own with client.timezone):
timezone = "{timezone}"

[workspace]
name = "{name}"
"""

README = """\
# {name} — crisisplay workspace

- `playbooks/` — one YAML playbook per client (`crisisplay playbook new ID --client NAME`);
  a playbook here with the same id as a shipped one replaces it.
- `templates/<language>/<id>.j2` — statement templates that replace the shipped ones
  (`<id>.<platform>.j2` for one network).
- `incidents/` — one folder per incident: the log (`log.jsonl`) and the statements sent.
  Keep it in backups; never edit a log by hand (`crisisplay log verify` will notice).
- `checker/` — the agency's own statement-checker rules: `common.yaml` for every
  language, `en.yaml`, `es.yaml` … for one (see the checker's docs).
- `scenarios/` — the agency's own drills, one YAML scenario each (`crisisplay drill --list`).
"""


def create_workspace(directory: Path) -> list[str]:
    """Create what is missing; return what was created (empty if it already existed)."""
    root = directory.resolve()
    if root.exists() and not root.is_dir():
        raise CrisisplayError(f"{root} exists and is not a folder.")
    if (root / WORKSPACE_FILE).exists():
        return []
    created = []
    try:
        root.mkdir(parents=True, exist_ok=True)
        name = root.name or "workspace"
        # Created, never written through whatever a link in the folder points at.
        from crisisplay.times import machine_zone_name

        text = TOML.format(name=name, timezone=machine_zone_name())
        safefs.create_new(root, WORKSPACE_FILE, text.encode(), depth=0)
        created.append(f"{WORKSPACE_FILE}  settings; marks this folder as the workspace")
        for sub, what in (
            ("playbooks", "client playbooks"),
            ("templates", "statement templates"),
            ("incidents", "incident logs and statements"),
            ("checker", "your own statement-checker rules"),
            ("scenarios", "your own drill scenarios"),
        ):
            (root / sub).mkdir(exist_ok=True)
            created.append(f"{sub}/{' ' * (len(WORKSPACE_FILE) - len(sub) - 1)}  {what}")
        readme = root / "README.md"
        if not readme.exists() and not readme.is_symlink():
            safefs.create_new(root, "README.md", README.format(name=name).encode(), depth=0)
            created.append("README.md        what goes where")
    except OSError as e:
        why = e.strerror or e
        raise CrisisplayError(f"Cannot create the workspace in {root}: {why}.") from None
    return created
