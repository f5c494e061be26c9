"""Printing: data to stdout, diagnostics to stderr, colour only on a terminal."""

from __future__ import annotations

import json
import sys
from typing import Any

from crisisplay.errors import CrisisplayError, PlaybookError


def console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def print_error(error: CrisisplayError) -> None:
    """One clean paragraph on stderr; a file's problems one per line, editor-clickable."""
    if isinstance(error, PlaybookError):
        for problem in error.problems:
            sys.stderr.write(f"{problem}\n")
        n = len(error.problems)
        plural = "s" if n != 1 else ""
        sys.stderr.write(f"error: {n} problem{plural} found: fix and try again.\n")
        if error.hint:
            sys.stderr.write(f"{error.hint}\n")
        return
    sys.stderr.write(f"error: {error.message}\n")
    if error.hint:
        sys.stderr.write(f"{error.hint}\n")
