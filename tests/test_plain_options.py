"""Options read without pydantic (cli/plain.py) read every value exactly as Typer does:
the same value reaches the command, or the same error reaches the person."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pytest
import typer
import typer.core

from crisisplay.cli.plain import PlainCommand, PlainGroup

TRICKY = [
    None,
    "2",
    "007",
    "+2",
    "-1",
    " 2",
    "2 ",
    "2.0",
    "1_000",
    "٣",  # an Arabic-Indic digit
    "",
    "abc",
    "99999999999999999999999",
    "ÿ\udcff",  # an argument that was not valid UTF-8
    "text with spaces, ñ and —",
    "-",
]


def read_with(cls: type[typer.core.TyperCommand], option: str, value: str | None) -> Any:
    """What the command receives for `--opt value` (or no option), or the error's text."""
    got: dict[str, Any] = {}
    app = typer.Typer(cls=PlainGroup if cls is PlainCommand else typer.core.TyperGroup)

    @app.command(cls=cls)
    def run(
        text: Annotated[str | None, typer.Option("--text")] = None,
        number: Annotated[int | None, typer.Option("--number")] = None,
        path: Annotated[Path | None, typer.Option("--path")] = None,
        flag: Annotated[bool, typer.Option("--flag")] = False,
        count: Annotated[int, typer.Option("--count")] = 5,
        name: Annotated[str, typer.Option("--name")] = "plain",
    ) -> None:
        got.update(text=text, number=number, path=path, flag=flag, count=count, name=name)

    @app.command()
    def other() -> None:  # two commands: a group, as crisisplay's
        pass

    args = ["run"] if value is None else ["run", f"--{option}", value]
    try:
        app(args, standalone_mode=False)
    except Exception as e:  # a usage error: compared by what it says
        return (type(e).__name__, str(e))
    return got


@pytest.mark.parametrize("option", ["text", "number", "path", "count", "name"])
@pytest.mark.parametrize("value", TRICKY)
def test_plain_options_read_values_as_typer_does(option: str, value: str | None) -> None:
    assert read_with(PlainCommand, option, value) == read_with(
        typer.core.TyperCommand, option, value
    )


@pytest.mark.parametrize("cls", [PlainCommand, typer.core.TyperCommand])
def test_a_flag_reads_as_typer_reads_it(cls: type[typer.core.TyperCommand]) -> None:
    app = typer.Typer()
    seen: list[bool] = []

    @app.command(cls=cls)
    def run(flag: Annotated[bool, typer.Option("--flag/--no-flag")] = False) -> None:
        seen.append(flag)

    for args in ([], ["--flag"], ["--no-flag"]):
        app(args, standalone_mode=False)
    assert seen == [False, True, False]
