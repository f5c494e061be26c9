"""User-facing errors: what went wrong, where, and what to do about it.

Anything that is not a CrisisplayError is a bug and propagates (with a traceback only
under --debug); these are the errors a user can act on.
"""

from __future__ import annotations

from dataclasses import dataclass


class CrisisplayError(Exception):
    """A clear, one-paragraph error for the user. Exit code 1 unless said otherwise."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


class UsageError(CrisisplayError):
    """The command was called the wrong way (exit 2)."""

    exit_code = 2


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a file, at a 1-based line and column."""

    file: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


class PlaybookError(CrisisplayError):
    """A playbook (or an answers file) that cannot be used: every problem found, at once."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems), key=lambda p: (p.file, p.line, p.col, p.message))
        n = len(self.problems)
        head = "1 problem" if n == 1 else f"{n} problems"
        super().__init__(f"{head}:\n" + "\n".join(str(p) for p in self.problems))
