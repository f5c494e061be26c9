"""Migrating playbooks from older formats, in version order.

`crisisplay/v1` is the first published format, so there is nothing older to migrate
yet. When a v2 comes, add `(from_schema, to_schema, function)` to MIGRATIONS; each
function takes and returns the plain YAML data.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from crisisplay.errors import CrisisplayError
from crisisplay.playbook.model import SCHEMA
from crisisplay.yamlfile import load_file

MIGRATIONS: list[tuple[str, str, Callable[[dict[str, Any]], dict[str, Any]]]] = []


def upgrade_data(data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Apply every migration from the data's schema to the current one."""
    steps = []
    schema = data.get("schema")
    for source, target, migrate in MIGRATIONS:
        if schema == source:
            data = migrate(dict(data))
            data["schema"] = target
            steps.append(f"{source} -> {target}")
            schema = target
    return data, steps


def upgrade_file(path: Path, *, write: bool = False) -> str:
    located = load_file(path)
    data = located.data
    if not isinstance(data, dict):
        raise CrisisplayError(f"{path} is not a playbook (no top-level mapping).")
    schema = data.get("schema")
    if schema == SCHEMA:
        return f"{path}: already {SCHEMA}; nothing to do."
    known = {s for s, _, _ in MIGRATIONS}
    if schema not in known:
        raise CrisisplayError(
            f"{path}: schema '{schema}' is not one crisisplay knows how to upgrade.",
            f"This version reads {SCHEMA}. Set 'schema: {SCHEMA}' if the file was written "
            "for it, then run `crisisplay playbook validate`.",
        )
    new, steps = upgrade_data(data)  # pragma: no cover - no migrations exist yet
    if write:  # pragma: no cover
        from ruamel.yaml import YAML

        with path.open("w", encoding="utf-8") as f:
            YAML().dump(new, f)
    return f"{path}: {', '.join(steps)}" + ("" if write else " (dry run; add --write)")
