"""`crisisplay playbook …`: list, show, validate, schema, new, diff, upgrade."""

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(
    help="List, show, check and create playbooks.", no_args_is_help=True, rich_markup_mode=None
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _library() -> Any:
    from crisisplay.home import home
    from crisisplay.playbook.library import Library

    return Library(home())


@app.command("list")
def list_(as_json: JsonOpt = False) -> None:
    """Every playbook you can use: id, version, language, client, base, where it is."""
    lib = _library()
    entries = lib.entries()
    broken = lib.broken()
    if as_json:
        from crisisplay.output import print_json

        print_json(
            [
                {
                    "id": e.id,
                    "version": e.version,
                    "language": e.language,
                    "name": e.name,
                    "client": e.client,
                    "extends": e.extends or None,
                    "origin": e.origin,
                    "path": str(e.path),
                    "usable": True,
                }
                for e in entries
            ]
            + [
                {
                    "id": b.id,
                    "version": None,
                    "language": None,
                    "name": None,
                    "client": None,
                    "extends": None,
                    "origin": b.origin,
                    "path": str(b.path),
                    "usable": False,
                    "problems": len(b.problems),
                    "problem": _problem_json(b.problems[0]),
                }
                for b in broken
            ]
        )
        return
    from rich.table import Table

    from crisisplay.output import console

    table = Table(box=None, pad_edge=False, header_style="bold")
    for col in ("id", "version", "lang", "client", "base", "from"):
        table.add_column(col)
    for e in entries:
        table.add_row(
            e.id,
            e.version,
            e.language,
            e.client or "—",
            e.extends or "—",
            f"{e.origin}: {_short(e.path)}",
        )
    out = console()
    out.print(table)
    out.print(f"[dim]home: {lib.home.describe()}[/]")
    if broken:
        # After the table, where they cannot be missed; one line each, first problem.
        n = len(broken)
        out.print(
            f"[red bold]{n} playbook file{'s' if n != 1 else ''} cannot be used[/] "
            "(fix before a crisis; every problem: crisisplay playbook validate):",
            highlight=False,
        )
        for b in broken:
            first = b.problems[0]
            more = len(b.problems) - 1
            out.print(
                f"  {b.id}  {_short(b.path)}:{first.line}:{first.col}: {first.message}"
                + (f" (and {more} more)" if more else ""),
                markup=False,
                highlight=False,
            )


def _problem_json(p: Any) -> dict[str, Any]:
    return {"file": p.file, "line": p.line, "col": p.col, "message": p.message}


def _short(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@app.command()
def show(
    playbook: Annotated[str, typer.Argument(help="Playbook id (default, default@^1) or file.")],
    resolved: Annotated[
        bool, typer.Option("--resolved", help="Show the overlay merged onto its base.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """A readable tree of the stages and steps, with deadlines and branches."""
    lib = _library()
    entry = lib.find(playbook)
    res = lib.load(playbook)
    raw, _ = lib.read(entry.path)
    if as_json:
        from crisisplay.output import print_json

        if resolved or not raw.extends:
            print_json({"lineage": res.lineage, "sha256": res.sha256, "playbook": res.content()})
        else:
            print_json(raw.model_dump(mode="json", by_alias=True, exclude_none=True))
        return
    from crisisplay.frontends.render import overlay_tree, playbook_tree

    out = _console()
    if raw.extends and not resolved:
        out.print(overlay_tree(raw, res))
        out.print("[dim]Merged onto its base: add --resolved.[/]")
    else:
        out.print(playbook_tree(res))


def _console() -> Any:
    from crisisplay.output import console

    return console()


@app.command()
def validate(
    paths: Annotated[
        list[str] | None,
        typer.Argument(help="Playbook files or ids. Default: every playbook visible from here."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check playbooks; every problem is printed as file:line:col. Exit 1 if any."""
    from crisisplay.errors import CrisisplayError, PlaybookError, Problem

    lib = _library()
    # Without paths: every playbook file found, the usable ones and those that do not
    # even parse (which `list` and `start` would otherwise not see).
    targets = list(
        paths or [str(e.path) for e in lib.entries()] + [str(b.path) for b in lib.broken()]
    )
    results: list[dict[str, Any]] = []
    for target in targets:
        problems: list[Problem] = []
        warnings: list[Problem] = []
        info: dict[str, Any] = {"target": target}
        try:
            res = lib.load(target)
            info.update(id=res.playbook.id, version=res.playbook.version, sha256=res.sha256)
            from crisisplay.playbook.template_check import check_templates

            problems, warnings = check_templates(res)  # templates rendered and checked
            from crisisplay.playbook.placeholders import contact_warnings

            warnings = [*warnings, *contact_warnings(res)]  # "TBD", "+34 600 000 000"
        except PlaybookError as e:
            problems = e.problems
        except CrisisplayError as e:
            problems = [Problem(target, 1, 1, e.message + (f" {e.hint}" if e.hint else ""))]
        info["ok"] = not problems
        info["problems"] = [
            {"file": p.file, "line": p.line, "col": p.col, "message": p.message} for p in problems
        ]
        info["warnings"] = [
            {"file": p.file, "line": p.line, "col": p.col, "message": p.message} for p in warnings
        ]
        results.append(info)
    bad = [r for r in results if not r["ok"]]
    if as_json:
        from crisisplay.output import print_json

        print_json({"ok": not bad, "playbooks": results})
    else:
        for r in results:
            if r["ok"]:
                sys.stdout.write(f"ok    {_short(Path(r['target']))}  ({r['id']} {r['version']})\n")
            else:
                for p in r["problems"]:
                    sys.stderr.write(f"{p['file']}:{p['line']}:{p['col']}: {p['message']}\n")
            for p in r["warnings"]:
                sys.stderr.write(f"{p['file']}:{p['line']}:{p['col']}: warning: {p['message']}\n")
        if bad:
            n = sum(len(r["problems"]) for r in bad)
            sys.stderr.write(
                f"error: {n} problem{'s' if n != 1 else ''} in {len(bad)} "
                f"playbook{'s' if len(bad) != 1 else ''}.\n"
            )
        elif not results:
            sys.stdout.write("No playbooks found.\n")
    if bad:
        raise typer.Exit(1)


@app.command()
def schema(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write to this file.")
    ] = None,
) -> None:
    """The JSON Schema of crisisplay/v1, for editor completion and checks."""
    from crisisplay.playbook.model import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output and str(output) != "-":
        from crisisplay.files import write_regular

        write_regular(output, lambda f: f.write(text), what="the schema")
        sys.stderr.write(f"wrote {output}\n")
    else:
        sys.stdout.write(text)


@app.command()
def new(
    playbook_id: Annotated[str, typer.Argument(metavar="ID", help="Id of the new playbook.")],
    client: Annotated[str, typer.Option("--client", help="The client's name.")],
    base: Annotated[str, typer.Option("--from", help="Base playbook id.")] = "default",
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """A commented client overlay to fill in, in this home's playbooks/ folder."""
    from crisisplay.errors import CrisisplayError, UsageError
    from crisisplay.playbook.model import is_id
    from crisisplay.playbook.scaffold import overlay_text

    if not is_id(playbook_id):
        raise UsageError(
            f"'{playbook_id}' is not a valid id: use lower-case letters, digits "
            "and '-', e.g. bean-there."
        )
    lib = _library()
    base_res = lib.load(base)
    from crisisplay import safefs

    target = lib.home.playbooks / f"{playbook_id}.yaml"
    if target.is_symlink():
        raise CrisisplayError(
            f"{target} is a symbolic link; crisisplay never writes through a link in its data "
            "folder.",
            "Remove the link, then run the command again.",
        )
    if target.exists() and not force:
        raise CrisisplayError(f"{target} already exists.", "Pick another id, or add --force.")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        text = overlay_text(playbook_id, client, base_res)
        safefs.replace_atomic(target.parent, target.name, text.encode("utf-8"), depth=1)
    except OSError as e:
        raise CrisisplayError(f"Cannot write {target}: {e.strerror or e}") from None
    sys.stderr.write(f"created {target} (extends {base_res.playbook.id})\n")
    _warn_env_home(lib.home)
    sys.stdout.write(f"{target}\n")


def _warn_env_home(home: Any) -> None:
    """$CRISISPLAY_HOME wins over the workspace the manager is standing in: say so, or the
    playbook they just made is not where they will look for it."""
    if home.kind != "env":
        return
    from crisisplay.home import find_workspace

    workspace = find_workspace()
    if workspace is None or workspace == home.root:
        return
    sys.stderr.write(
        f"warning: $CRISISPLAY_HOME is set ({home.root}), so it wins over the workspace you "
        f"are in ({workspace}): the playbook went to the home, not to the workspace. "
        "Unset CRISISPLAY_HOME to use the workspace.\n"
    )


@app.command("diff")
def diff_(
    a: Annotated[str, typer.Argument(help="The playbook before (id or file).")],
    b: Annotated[str, typer.Argument(help="The playbook after (id or file).")],
    as_json: JsonOpt = False,
) -> None:
    """What B changes against A, step by step id (both resolved)."""
    from crisisplay.playbook.diff import diff

    lib = _library()
    result = diff(lib.load(a), lib.load(b))
    if as_json:
        from crisisplay.output import print_json

        print_json(result)
        return
    from crisisplay.frontends.render import diff_text

    _console().print(diff_text(result))


@app.command()
def upgrade(
    path: Annotated[Path, typer.Argument(help="The playbook file to bring to crisisplay/v1.")],
    write: Annotated[bool, typer.Option("--write", help="Rewrite the file in place.")] = False,
) -> None:
    """Migrate a playbook written for an older format to crisisplay/v1."""
    from crisisplay.playbook.upgrade import upgrade_file

    message = upgrade_file(path, write=write)
    sys.stdout.write(message + "\n")
