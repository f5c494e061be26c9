"""`crisisplay drill`: rehearse a crisis against a simulated clock, scored at the end."""

import sys
from pathlib import Path
from typing import Annotated, Any

import typer


def drill(
    scenario: Annotated[
        str | None,
        typer.Argument(help="Scenario id (see --list) or a scenario file.", show_default=False),
    ] = None,
    list_: Annotated[
        bool,
        typer.Option(
            "--list", help="List the scenarios: id, language, length, events, decision points."
        ),
    ] = False,
    playbook: Annotated[
        str | None,
        typer.Option("--playbook", "-p", help="Walk this playbook instead of the scenario's."),
    ] = None,
    speed: Annotated[
        float | None,
        typer.Option(
            "--speed",
            min=0,
            help="Scenario minutes per real minute (default: the scenario's, else 10; "
            "0 means the scenario's).",
        ),
    ] = None,
    answers: Annotated[
        Path | None,
        typer.Option("--answers", help="Play it with no terminal from a YAML answers file."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="JSON: the list, or the score of a scripted drill.")
    ] = False,
    fail_under: Annotated[
        int | None,
        typer.Option(
            "--fail-under", min=0, max=100, help="With --answers: exit 1 if the score is lower."
        ),
    ] = None,
) -> None:
    """Rehearse a crisis: a scenario plays out on a fast clock while you walk the playbook."""
    from crisisplay.errors import UsageError
    from crisisplay.home import home
    from crisisplay.playbook.library import Library

    lib = Library(home())
    if list_:
        _list(lib, as_json)
        return
    if answers is None and (as_json or fail_under is not None):
        raise UsageError(
            "--json and --fail-under are for scripted drills (--answers FILE) and --list.",
            "An interactive drill prints its score and debrief at the end.",
        )
    if scenario is None:
        scenario = _pick(lib)
    from crisisplay.drill.scenario import check_against, find_scenario

    loaded = find_scenario(lib.home, scenario)
    for warning in loaded.warnings:
        sys.stderr.write(f"{warning}\n")
    resolved = lib.load(playbook or loaded.scenario.playbook_ref())
    check_against(loaded, resolved)
    from crisisplay import i18n

    i18n.use(resolved.playbook.language)  # the walk and the drill's frame speak it
    pace = speed or loaded.scenario.default_speed()
    if answers is not None:
        _scripted(lib, loaded, resolved, answers, pace, as_json, fail_under)
        return
    from crisisplay.drill.runner import start_drill
    from crisisplay.frontends.prompts import console

    start_drill(lib, loaded, resolved, speed=pace, out=console())


def _scripted(
    lib: Any,
    loaded: Any,
    resolved: Any,
    answers: Path,
    speed: float,
    as_json: bool,
    fail_under: int | None,
) -> None:
    from crisisplay.drill.score import debrief
    from crisisplay.drill.scripted import scripted_drill
    from crisisplay.errors import CrisisplayError

    session, score = scripted_drill(lib, loaded, resolved, answers, speed=speed)
    if as_json:
        from crisisplay.output import print_json

        print_json(score)
    else:
        sys.stdout.write("\n".join(debrief(score)) + "\n")
        sys.stdout.write(f"{session.incident.id}\n")
    from crisisplay.i18n import _

    sys.stderr.write(
        _("Drill recorded as incident {id}; log head {head}…").format(
            id=session.incident.id, head=session.log.head[:16]
        )
        + "\n"
    )
    if fail_under is not None and score["total"] < fail_under:
        raise CrisisplayError(
            _("The drill scored {total}, under {minimum}.").format(
                total=f"{score['total']:g}", minimum=fail_under
            )
        )


def _pick(lib: Any) -> str:
    from crisisplay.drill.scenario import catalogue
    from crisisplay.errors import UsageError

    entries = [e for e in catalogue(lib.home) if e.problem is None]
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError(
            "Which scenario? Name one: crisisplay drill SCENARIO",
            "See them with `crisisplay drill --list`.",
        )
    if not entries:
        raise UsageError("There are no scenarios to play.")
    from crisisplay.frontends.interactive import Interrupted
    from crisisplay.frontends.prompts import select as _select

    labels = [f"{e.id} · {e.language} · {e.title}" for e in entries]
    try:
        pick = _select("Which scenario?", labels, actions=False)
    except KeyboardInterrupt:
        raise Interrupted("Interrupted; nothing was recorded.") from None
    return entries[labels.index(pick)].id


def _list(lib: Any, as_json: bool) -> None:
    from crisisplay.drill.scenario import catalogue
    from crisisplay.times import format_duration

    entries = catalogue(lib.home)
    for e in entries:
        if e.problem is not None:
            sys.stderr.write(f"{e.problem} (crisisplay drill {e.path} shows every problem)\n")
    usable = [e for e in entries if e.problem is None]
    if as_json:
        from crisisplay.output import print_json

        print_json([e.to_json() for e in usable])
        return
    if not usable:
        sys.stderr.write("No scenarios found.\n")
        return
    from rich.table import Table

    from crisisplay.output import console

    table = Table(box=None, pad_edge=False, header_style="bold")
    for col, justify in (
        ("id", "left"),
        ("lang", "left"),
        ("title", "left"),
        ("length", "right"),
        ("events", "right"),
        ("decisions", "right"),
        ("from", "left"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for e in usable:
        table.add_row(
            e.id,
            e.language,
            e.title,
            format_duration(e.length),
            str(e.events),
            str(e.decisions),
            e.origin,
        )
    console().print(table)
