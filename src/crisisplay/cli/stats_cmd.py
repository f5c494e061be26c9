"""`crisisplay stats`: figures across incidents (counts, medians, deadlines, slowest stage)."""

import sys
from typing import Annotated

import typer

FORMATS = ("table", "md", "json")


def stats(
    client: Annotated[
        str | None, typer.Option("--client", "-c", help="Only this client (its slug or name).")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Only incidents first seen since 2026-11-01, an RFC 3339 time, or 30d/12h/2w.",
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="table (default on a terminal), md (default otherwise) or json.",
        ),
    ] = None,
    drills: Annotated[
        bool, typer.Option("--drills", help="Count drills too (left out by default).")
    ] = False,
) -> None:
    """Across incidents: counts by client and severity, median and p90 of each metric,
    deadlines met, the slowest stage."""
    from crisisplay.errors import CrisisplayError, UsageError
    from crisisplay.home import home
    from crisisplay.report.stats import Filters, collect, markdown, parse_since
    from crisisplay.text import slugify

    if fmt is None:
        fmt = "table" if sys.stdout.isatty() else "md"
    if fmt not in FORMATS:
        raise UsageError(f"--format is one of {', '.join(FORMATS)}, not '{fmt}'.")
    from crisisplay import times

    h = home()
    times.use_zone(h.timezone())  # across incidents: --since and dates in the workspace's zone
    try:
        since_at = parse_since(since) if since else None
    except ValueError as e:
        raise UsageError(f"--since: {e}") from None
    slug = slugify(client) if client else None
    filters = Filters(client=slug, since=since_at, drills=drills)
    result = collect(h.incidents, filters)
    if slug is not None and result.clients and slug not in result.clients:
        raise CrisisplayError(
            f"No incidents for client '{client}'.",
            "Clients with incidents: " + ", ".join(result.clients) + ".",
        )
    if result.unreadable:
        n = len(result.unreadable)
        sys.stderr.write(
            f"{n} incident{'s' if n != 1 else ''} could not be read and "
            f"{'are' if n != 1 else 'is'} left out:\n"
        )
        for u in result.unreadable:
            sys.stderr.write(f"  {u.incident}: {u.problem}\n")
        sys.stderr.write("Check them with `crisisplay log verify INCIDENT`.\n")
    data = result.to_json()
    if not data["incidents"]["total"] and fmt != "json":
        from crisisplay.report.stats import describe_filters

        if result.clients or result.unreadable:
            sys.stdout.write(f"No incidents match ({describe_filters(data)}).\n")
        else:
            sys.stdout.write(
                f"No incidents yet in {h.describe()}. Start one with `crisisplay start`.\n"
            )
        return
    if fmt == "json":
        from crisisplay.output import print_json

        print_json(data)
    elif fmt == "md":
        sys.stdout.write(markdown(data) + "\n")
    else:
        from crisisplay.cli.stats_view import stats_view
        from crisisplay.output import console

        console().print(stats_view(data))
