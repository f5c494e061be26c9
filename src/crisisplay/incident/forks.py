"""Forks: two copies of one incident's log that grew apart on two machines.

A log is append-only, so two copies of it are either one a prefix of the other (the longer
one is simply newer) or they *diverge*: each holds events the other does not. Such copies
are never merged and never overwritten: `crisisplay sync` keeps one as `log.jsonl` and the
other beside it as `log.fork.<who>.jsonl` (who wrote the copy set aside), and `log verify`
reports the fork until a person resolves it: they read both, record what matters from the
fork in the log (notes, `resume`), then `crisisplay sync --resolve INCIDENT --note TEXT`
appends a `fork.resolved` event naming the fork file and its sha256. The fork file stays,
bound to the log by that hash, as the evidence of what happened.

Only the standard library and safefs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["FORK_RE", "fork_files", "fork_name", "problems", "resolved"]

FORK_RE = re.compile(r"log\.fork\.[^/]+\.jsonl")


def fork_files(folder: Path) -> list[str]:
    """The fork copies kept in an incident folder, by name."""
    try:
        names = sorted(p.name for p in folder.iterdir())
    except OSError:
        return []
    return [n for n in names if FORK_RE.fullmatch(n)]


def fork_name(folder: Path, who: str, data: bytes) -> tuple[str, bool]:
    """(the file name for a fork copy written by `who`, whether it is already there with
    exactly `data`): `log.fork.<who>.jsonl`, then `-2`, `-3` … when that name is taken."""
    from crisisplay.text import slugify

    base = slugify(who) or "unknown"
    n = 1
    while True:
        name = f"log.fork.{base}.jsonl" if n == 1 else f"log.fork.{base}-{n}.jsonl"
        path = folder / name
        if not path.exists() and not path.is_symlink():
            return name, False
        try:
            if path.read_bytes() == data:
                return name, True
        except OSError:
            pass
        n += 1


def resolved(events: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Fork file name → the sha256 a `fork.resolved` event recorded for it."""
    out: dict[str, str] = {}
    for event in events:
        if event.get("type") == "fork.resolved":
            data = event.get("data") or {}
            if isinstance(data.get("file"), str) and isinstance(data.get("sha256"), str):
                out[data["file"]] = data["sha256"]
    return out


def problems(folder: Path, events: Iterable[dict[str, Any]]) -> list[str]:
    """What `log verify` says about the forks of this incident: each one not yet resolved,
    and each resolved one whose file no longer hashes to what the log recorded."""
    from crisisplay.i18n import _
    from crisisplay.invocation import command

    done = resolved(events)
    out = []
    for name in fork_files(folder):
        try:
            sha = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        except OSError as e:
            out.append(f"{name}: {e.strerror or e}")
            continue
        if name not in done:
            out.append(
                _(
                    "{file} holds a copy of this log that grew apart from it on another machine "
                    "(a fork; nothing was merged or lost). Read both, then: {command}"
                ).format(
                    file=name, command=command("sync", "--resolve", folder.name, "--note", "...")
                )
            )
        elif done[name] != sha:
            out.append(
                _(
                    "{file}, the fork this log resolved, no longer hashes to what it recorded"
                ).format(file=name)
            )
    for name in sorted(set(done) - set(fork_files(folder))):
        out.append(_("{file}, the fork this log resolved, is missing").format(file=name))
    return out
