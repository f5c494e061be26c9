"""Statement copies: `statements/` in an incident folder holds each statement the log
recorded, one file each, derived from the log (`log verify --repair` writes them again).

Only the standard library, text and safefs: the session, the evidence check and the sync
all use it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from crisisplay.text import slugify

__all__ = [
    "STATEMENTS",
    "expected_statements",
    "statement_files",
    "statement_problems",
    "write_statements",
]

STATEMENTS = "statements"


def statement_files(event: dict[str, Any]) -> list[tuple[str, str]]:
    """(file name, text) of each statement a step event sent, as `statements/` keeps them."""
    data = event.get("data") or {}
    texts = data.get("texts")
    if event.get("type") != "step" or not isinstance(texts, dict):
        return []
    step = slugify(str(data.get("step")), 64) or "step"
    return [
        (f"{event['seq']:05d}-{step}-{slugify(str(platform), 32) or 'platform'}.txt", str(text))
        for platform, text in texts.items()
    ]


def expected_statements(events: Any) -> dict[str, str]:
    """Every statement file the log says `statements/` should hold, with its text."""
    out: dict[str, str] = {}
    for event in events:
        out.update(statement_files(event))
    return out


def write_statements(folder: Path, files: dict[str, str]) -> None:
    """Write statement copies (each atomically; never through a link)."""
    from crisisplay import safefs

    if not files:
        return
    safefs.mkdir_in(folder, STATEMENTS, depth=2)
    for name, text in files.items():
        safefs.replace_atomic(folder / STATEMENTS, name, (text + "\n").encode("utf-8"), depth=3)


def statement_problems(
    folder: Path, expected: dict[str, str], forks: dict[str, str] | None = None
) -> tuple[list[str], list[str]]:
    """(problems, names to rewrite): copies missing, different from the log, or extra
    (an extra copy that a fork copy of the log recorded, with its text, is not a stray)."""
    from crisisplay import safefs

    problems: list[str] = []
    rewrite: list[str] = []
    where = folder / STATEMENTS
    try:
        dfd = safefs.open_dir(where, 3)
    except FileNotFoundError:
        if expected:
            problems.append(f"{STATEMENTS}/ is missing; the log holds {len(expected)} statement(s)")
        return problems, sorted(expected)
    except OSError as e:
        return [f"{STATEMENTS}/ cannot be read: {e}"], []
    try:
        present = set(os.listdir(dfd))
    finally:
        os.close(dfd)
    for name in sorted(expected):
        want = (expected[name] + "\n").encode("utf-8")
        if name not in present:
            problems.append(f"{STATEMENTS}/{name} is missing (the log holds its text)")
            rewrite.append(name)
            continue
        try:
            got = safefs.read_bytes(where, name, limit=len(want) + 1, depth=3, what="a statement")
        except OSError as e:
            problems.append(f"{STATEMENTS}/{name}: {e}")
            rewrite.append(name)
            continue
        if got != want:
            problems.append(f"{STATEMENTS}/{name} differs from the text the log recorded")
            rewrite.append(name)
    for name in sorted(present - set(expected)):
        if name.startswith(".") or _forked(where, name, (forks or {}).get(name)):
            continue
        problems.append(f"{STATEMENTS}/{name} is not a statement the log recorded")
    return problems, rewrite


def _forked(where: Path, name: str, text: str | None) -> bool:
    """The copy `name` holds exactly `text`, a statement a fork copy of the log recorded."""
    from crisisplay import safefs

    if text is None:
        return False
    want = (text + "\n").encode("utf-8")
    try:
        got = safefs.read_bytes(where, name, limit=len(want) + 1, depth=3, what="a statement")
    except OSError:
        return False
    return got == want
