"""Option values read without pydantic: what `crisisplay start` spends before its first prompt.

Typer (0.29) checks every option's value with a pydantic `TypeAdapter`, built the first
time the command runs, for every option, given or not: importing pydantic and building
six adapters took longer than everything else `start` does before its first question. Most
of our options are plain text or a small whole number, which need no checking at all.

`PlainCommand` is the command class (`cls=`, Typer's public way to choose it) that reads
those itself: a value left out (None) is None (for any option, as Typer has it), text
given is that text, a whole number written in plain digits is that number, and a default
of the option's own type is itself. Anything
else (a `Path` given, a flag given as text, a number with a sign or spaces, a value that is
not valid text) goes to Typer's own reading, built on first use as before, so its messages
and edge cases stay Typer's.

Typer has no public switch for this (`parser=` still builds an adapter): the one hook is the
parameter's lazily built reader (`_runtime_param`, None until first used). It is set only
where that slot exists and is still empty, so a Typer that reads values some other way
simply gets no shortcut, and behaves as it always does.
"""

from __future__ import annotations

import re
from typing import Any

import typer.core

_DIGITS = re.compile(r"[0-9]{1,18}")
_SLOT = "_runtime_param"  # Typer's lazily built value reader (see the docstring)


class PlainCommand(typer.core.TyperCommand):
    """A Typer command whose plain text and whole-number options skip pydantic."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        plain_params(self.get_params(ctx))  # with --help, and what Typer adds after __init__
        return super().parse_args(ctx, args)


class PlainGroup(typer.core.TyperGroup):
    """A Typer group whose own options (`--version`, `--debug`, completion) skip pydantic."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        plain_params(self.get_params(ctx))  # with --help, and what Typer adds after __init__
        return super().parse_args(ctx, args)


def plain_params(params: list[Any]) -> None:
    """Give each parameter that Typer would read through pydantic a plain reader first."""
    for param in params:
        if getattr(param, _SLOT, False) is not None:
            continue  # not Typer's lazy reader, or already built
        if not callable(getattr(param, "get_runtime_param", None)):
            continue
        info = param.type_descriptor.parameter_info
        kind = param.type_descriptor.annotation
        simple = (
            kind in (str, int)
            and param.nargs == 1
            and not param.multiple
            and getattr(info, "parser", None) is None
            and getattr(info, "min", None) is None
            and getattr(info, "max", None) is None
        )
        many = param.multiple or param.nargs == -1
        setattr(param, _SLOT, _Plain(kind if simple else None, many))


class _Plain:
    """Reads a value Typer would read to the same result, or hands it to Typer."""

    def __init__(self, kind: type | None, many: bool) -> None:
        self.kind = kind  # str or int when read here; None: only a missing value is
        self.many = many

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        if value is None:  # as Typer reads a value left out, whatever its type
            return () if self.many else None
        if type(value) is self.kind:  # a default of the option's own type: as it is
            return value
        if self.kind is not None and isinstance(value, str) and _valid_text(value):
            if self.kind is str:
                return value
            if _DIGITS.fullmatch(value):
                return int(value)
        setattr(param, _SLOT, None)  # Typer builds its own reader, and keeps it
        return param.get_runtime_param().coerce(value, param=param, ctx=ctx)


def _valid_text(value: str) -> bool:
    """Text pydantic takes as it is (no lone surrogates from undecodable arguments)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def plain_commands(app: typer.Typer) -> None:
    """Every command and group of `app` that has no class of its own: the plain ones."""
    for info in app.registered_commands:
        if info.cls in (None, typer.core.TyperCommand):
            info.cls = PlainCommand
    for group in app.registered_groups:
        if getattr(group.cls, "value", group.cls) in (None, typer.core.TyperGroup):
            group.cls = PlainGroup  # over Typer's default placeholder
        if group.typer_instance is not None:
            plain_commands(group.typer_instance)
