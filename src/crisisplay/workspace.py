"""An agency workspace: one folder with its playbooks, templates and incidents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crisisplay import safefs
from crisisplay.errors import CrisisplayError
from crisisplay.home import WORKSPACE_FILE, read_toml

TOML = """\
# crisisplay workspace. Commands run anywhere below this folder use it:
# its playbooks/ and templates/ come before the shipped ones, and incidents are
# written to incidents/. $CRISISPLAY_HOME, when set, wins over this file.
#
# The time zone statements and the screen show times in, and typed times are read in
# (an IANA name; a client's playbook may set its own with client.timezone):
timezone = "{timezone}"
#
# Hours one person holds an incident before the walk suggests a handover (default 4):
# shift_hours = 4
#
# Sign every receipt with this SSH key (checked against allowed_signers; see docs/team.md);
# without it, git's user.signingkey when gpg.format = ssh:
# signing_key = "~/.ssh/id_ed25519"

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
- `contacts.toml` (optional) — where notifications go: Apprise URLs per contact role or name
  (see docs/team.md). Keep secrets here, never in a playbook.
"""

CONTACTS_FILE = "contacts.toml"
DEFAULT_SHIFT_HOURS = 4.0


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


def _line_of(text: str, key: str) -> int:
    return next(
        (n for n, row in enumerate(text.splitlines(), 1) if row.lstrip().startswith(key)), 1
    )


def _setting(root: Path, key: str) -> tuple[Any, str]:
    """`key` from the home's crisisplay.toml, at the top or under `[workspace]` (None when
    it is not set), and where a problem with it is: `file:line`."""
    path = root / WORKSPACE_FILE
    found = read_toml(path)
    if found is None:
        return None, str(path)
    data, text = found
    table = data.get("workspace")
    value = data.get(key, table.get(key) if isinstance(table, dict) else None)
    return value, f"{path}:{_line_of(text, key)}"


def shift_hours(root: Path) -> float:
    """`shift_hours`: how long one person holds an incident before the walk suggests a
    handover. 4 when it is not set; a CrisisplayError at file:line when it is not a
    positive number of hours."""
    value, where = _setting(root, "shift_hours")
    if value is None:
        return DEFAULT_SHIFT_HOURS
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 24 * 7:
        raise CrisisplayError(
            f"{where}: shift_hours must be a number of hours "
            f"above 0 (such as 4 or 2.5), not {value!r}.",
            "Nobody should hold a crisis for more than a few hours without a handover.",
        )
    return float(value)


def signing_key(root: Path) -> str | None:
    """`signing_key`: the SSH key receipts are signed with (a path; `~` is the person's
    home). None when it is not set; a CrisisplayError at file:line when it is not a text."""
    value, where = _setting(root, "signing_key")
    if value is None:
        return None
    if not isinstance(value, str):
        raise CrisisplayError(
            f"{where}: signing_key must be the path of an SSH "
            f'key (such as "~/.ssh/id_ed25519"), not {value!r}.'
        )
    return value.strip() or None


def env_key(name: str) -> str:
    """`CRISISPLAY_NOTIFY_<KEY>` for a role or a name: upper case, other characters `_`
    (`legal` -> LEGAL, `Ana Pérez` -> ANA_P_REZ)."""
    return "".join(c if c.isascii() and c.isalnum() else "_" for c in name.upper())


def contact_channels(root: Path) -> dict[str, list[str]]:
    """The notification channels of the home's contacts.toml and of the environment, by
    key (a contact role or a contact's name, compared without case): Apprise URLs.

    contacts.toml holds one table per role or name with `notify` = one URL or a list;
    `CRISISPLAY_NOTIFY_<KEY>` (see env_key) adds URLs, separated by spaces or commas.
    """
    import os

    out: dict[str, list[str]] = {}
    path = root / CONTACTS_FILE
    found = read_toml(path)
    if found is not None:
        data, text = found
        for key, table in data.items():
            urls = table.get("notify") if isinstance(table, dict) else None
            if isinstance(urls, str):
                urls = [urls]
            if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
                raise CrisisplayError(
                    f"{path}:{_line_of(text, '[' + key)}: [{key}] needs notify = "
                    '"URL" or a list of URLs (Apprise URLs such as mailto://, slack://, '
                    "json://).",
                )
            out.setdefault(key.casefold(), []).extend(u.strip() for u in urls if u.strip())
    prefix = "CRISISPLAY_NOTIFY_"
    for name, value in os.environ.items():
        if name.startswith(prefix) and len(name) > len(prefix):
            key = name[len(prefix) :].casefold()
            urls = [u for u in value.replace(",", " ").split() if u]
            out.setdefault(key, []).extend(urls)
    return out
