"""The `crisisplay` command: parses, calls the library, prints. The top of the house: it may
import every other room; nothing imports it.

Only `typer` is imported at start-up; each command imports what it needs when it runs,
because the tool is started in an emergency and `--help` must come back at once.
"""

import contextlib
import errno
import os
import sys
from typing import Annotated, Any

import typer
import typer.core

from crisisplay import __version__
from crisisplay.cli import (
    check_cmd,
    drill_cmd,
    handover_cmd,
    log_cmd,
    playbook_cmd,
    report_cmd,
    stats_cmd,
    walk_cmd,
    workspace_cmd,
)
from crisisplay.cli.plain import PlainGroup, plain_commands


class _GroupedHelp(PlainGroup):
    """Commands listed under headings, without loading rich just to print --help."""

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        groups: dict[str, list[tuple[str, str]]] = {}
        commands = [(n, self.get_command(ctx, n)) for n in self.list_commands(ctx)]
        shown = [(n, c) for n, c in commands if c is not None and not c.hidden]
        if not shown:
            return
        limit = formatter.width - 6 - max(len(n) for n, _ in shown)
        for name, cmd in shown:
            panel = getattr(cmd, "rich_help_panel", None) or "Commands"
            groups.setdefault(panel, []).append((name, cmd.get_short_help_str(limit)))
        for panel, rows in groups.items():
            with formatter.section(panel):
                formatter.write_dl(rows)


app = typer.Typer(
    cls=_GroupedHelp,
    name="crisisplay",
    help="Walk a social-media crisis by the agreed protocol, and keep an exact, "
    "tamper-evident record of what was said and when.",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

app.command("start", rich_help_panel="Incident")(walk_cmd.start)
app.command("resume", rich_help_panel="Incident")(walk_cmd.resume)
app.command("handover", rich_help_panel="Incident")(handover_cmd.handover)
app.add_typer(log_cmd.app, name="log", rich_help_panel="Incident")
app.command("check", rich_help_panel="Statements")(check_cmd.check)
app.command("report", rich_help_panel="After the crisis")(report_cmd.report)
app.command("stats", rich_help_panel="After the crisis")(stats_cmd.stats)
app.command("drill", rich_help_panel="Practice")(drill_cmd.drill)
app.add_typer(playbook_cmd.app, name="playbook", rich_help_panel="Playbooks")
app.command("init", rich_help_panel="Playbooks")(workspace_cmd.init)
app.command("sync", rich_help_panel="Team")(workspace_cmd.sync)
plain_commands(app)  # text and number options read without pydantic (see cli/plain.py)


def _version(value: bool) -> None:
    if value:
        print(f"crisisplay {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
) -> None:
    if debug:
        os.environ["CRISISPLAY_DEBUG"] = "1"


def main() -> None:
    """Entry point: one clean paragraph for a user error, exit codes per the contract.

    Everything printed goes through `output.guarded_streams` (no control characters from
    what others wrote reach the terminal), and a stdout or stderr that cannot be written
    (`> /dev/full`, `| head -1`) ends the command without a traceback.
    """
    from crisisplay.output import OutputGone, guarded_streams

    # No pydantic plugins (none is installed with crisisplay): looking for them reads the
    # metadata of every installed package, ~10 ms of each command that loads a playbook.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    _skip_last_collection()
    code: int | None = None
    with guarded_streams():
        try:
            code = _run()
            sys.stdout.flush()  # here, not at exit: a full device is reported, not ignored
            sys.stderr.flush()
        except OutputGone as e:
            code = _output_gone(e, code)
    sys.exit(code)


def _run() -> int:
    from crisisplay.errors import CrisisplayError

    try:
        code = _only_what_runs(app, sys.argv[1:3])(standalone_mode=False)
    except CrisisplayError as e:
        if os.environ.get("CRISISPLAY_DEBUG"):
            raise
        if e.exit_code in (0, 130):  # paused or interrupted with state kept: not an error
            print(str(e), file=sys.stderr)
            return e.exit_code
        from crisisplay.output import print_error

        print_error(e)
        return e.exit_code
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return 130
    except typer.Exit as e:
        return e.exit_code
    except typer.Abort:
        print("\nInterrupted.", file=sys.stderr)
        return 130
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except Exception as e:  # Typer's own usage errors
        exit_code = getattr(e, "exit_code", None)
        show = getattr(e, "show", None)
        if isinstance(exit_code, int) and callable(show):
            show()
            return exit_code
        if isinstance(e, OSError) and e.errno == errno.EPIPE:
            raise _gone(e) from None
        raise
    return code if isinstance(code, int) else 0


def _gone(e: OSError) -> Exception:
    from crisisplay.output import OutputGone

    return OutputGone("output", e)


def _output_gone(e: Any, code: int | None) -> int:
    """A closed pipe ends quietly (the reader has had enough: `| head -1`); a full device
    or an I/O error says so in one line, exit 1. Either way the streams are pointed at
    /dev/null so that the interpreter's own flush at exit finds nothing to complain of."""
    from crisisplay.output import raw

    _to_devnull(raw(sys.stdout if e.stream == "output" else sys.stderr))
    if e.errno == errno.EPIPE:
        return code if code is not None else 0
    try:
        sys.stderr.write(f"error: {e}\n")
        sys.stderr.flush()
    except Exception:
        _to_devnull(raw(sys.stderr))
    return 1


def _to_devnull(stream: Any) -> None:
    """Point a broken stream's file descriptor at /dev/null and drop what it buffered."""
    try:
        fd = stream.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        return
    # What is still in the TextIOWrapper's buffer now goes to /dev/null, harmlessly.
    with contextlib.suppress(OSError, ValueError):
        stream.flush()


def _skip_last_collection() -> None:
    """Spare the interpreter its garbage collection at exit.

    At exit every object is freed anyway; the last collection only walks them all for
    cycles first, which is more than 15 ms of every short command (`playbook validate`,
    `--version`). Nothing relies on it: files are closed and logs fsynced by the code
    that writes them. Freezing at exit, not now, keeps the collector working for a long
    interactive walk (and for a test session that calls main()).
    """
    import atexit
    import gc

    atexit.unregister(gc.freeze)  # once, however often main() runs in one process
    atexit.register(gc.freeze)


def _only_what_runs(typer_app: typer.Typer, words: list[str]) -> typer.Typer:
    """The app with only the command the command line names (`start`, `playbook validate`).

    Typer turns every registered function's signature into parameters before it runs
    any of them: for one command that takes a fraction of the time it takes for all.
    Anything else (help, a typo that lists the commands, an option first, completion)
    gets the whole app, and so does a group named without one of its commands.
    """
    import copy

    if not words:
        return typer_app
    word, rest = words[0], words[1:]
    commands = [c for c in typer_app.registered_commands if _command_name(c) == word]
    groups = [g for g in typer_app.registered_groups if g.name == word]
    if len(commands) + len(groups) != 1:
        return typer_app
    pruned = copy.copy(typer_app)
    pruned.registered_commands = commands
    pruned.registered_groups = []
    for group in groups:
        assert group.typer_instance is not None
        inner = _only_what_runs(group.typer_instance, rest)
        group = copy.copy(group)
        group.typer_instance = inner
        pruned.registered_groups.append(group)
    return pruned


def _command_name(info: Any) -> str | None:
    if isinstance(info.name, str):
        return info.name
    callback = info.callback
    return callback.__name__.lower().replace("_", "-") if callback is not None else None
