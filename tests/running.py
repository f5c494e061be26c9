"""The one way tests run the `crisisplay` command in-process.

`Crisisplay(...)("playbook", "validate")` goes through the real entry point,
`crisisplay.cli.main()`, so the exit code and stderr are the ones a person gets: main()
itself turns errors into messages and exit codes, nothing here knows how. Each run is set
up like a fresh process started from the test's environment: its own `sys.argv`,
`CRISISPLAY_HOME`, `NO_COLOR`, `COLUMNS`, no `CRISISPLAY_DEBUG`, and, when given, its own
standard input; all of it is put back afterwards, so nothing one run changes (`--debug`
sets `CRISISPLAY_DEBUG`) leaks into the next.

End-to-end runs of the installed program in a subprocess are `answering.cli()`.
"""

from __future__ import annotations

import io
import json as jsonlib
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import pytest

COLUMNS = 200  # wide enough that no table or timeline is cut; a test can ask for another


class Ran(NamedTuple):
    """What one run left: exit code, stdout, stderr (`code, out, err = crisisplay(...)`)."""

    code: int
    out: str
    err: str


class Crisisplay:
    """`crisisplay ARGS` in-process. `home` is the CRISISPLAY_HOME and `env` the variables
    added to every run, unless a run names its own."""

    def __init__(self, home: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.home = home
        self.env: dict[str, str | None] = {}
        self._capsys = capsys

    def __call__(
        self,
        *args: str,
        home: Path | None = None,
        env: Mapping[str, str | None] | None = None,
        stdin: str | bytes | None = None,
    ) -> Ran:
        """Run it; `env` adds variables (None unsets one), `stdin` is what is piped in
        (without it, reading standard input fails the test)."""
        from crisisplay.cli import main  # here: loading the suite imports no command

        saved = sys.argv, sys.stdin, dict(os.environ)
        self._capsys.readouterr()  # what ran before is not this run's output
        try:
            sys.argv = ["crisisplay", *args]
            os.environ.pop("CRISISPLAY_DEBUG", None)
            os.environ.update(
                CRISISPLAY_HOME=str(home if home is not None else self.home),
                NO_COLOR="1",
                COLUMNS=str(COLUMNS),
            )
            for name, value in {**self.env, **(env or {})}.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            if stdin is not None:
                raw = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
                sys.stdin = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8")
            try:
                main()
            except SystemExit as e:
                code = _exit_status(e.code)
            else:
                raise AssertionError("crisisplay.cli.main() returned instead of exiting")
        finally:
            sys.argv, sys.stdin = saved[0], saved[1]
            os.environ.clear()
            os.environ.update(saved[2])
            from crisisplay import i18n

            i18n.use(None)  # a fresh process speaks English until it loads a playbook
        out, err = self._capsys.readouterr()
        return Ran(code, out, err)

    def ok(self, *args: str, **kwargs: Any) -> str:
        """Run it, require exit 0, return stdout."""
        ran = self(*args, **kwargs)
        assert ran.code == 0, ran.err
        return ran.out

    def json(self, *args: str, code: int = 0, **kwargs: Any) -> Any:
        """Run it with `--json`, require exit `code`, return the parsed stdout."""
        ran = self(*args, "--json", **kwargs)
        assert ran.code == code, ran.err
        return jsonlib.loads(ran.out)


def _exit_status(code: object) -> int:
    """The status the interpreter would exit with for `sys.exit(code)`."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1
