"""Turning pydantic's errors into `file:line:col: message` a non-programmer can act on."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from crisisplay.errors import PlaybookError, Problem
from crisisplay.yamlfile import Located

M = TypeVar("M", bound=BaseModel)

_KIND_WORDS = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "none_required": "nothing",
    "dict_type": "a mapping (key: value lines)",
    "model_type": "a mapping (key: value lines)",
    "model_attributes_type": "a mapping (key: value lines)",
    "list_type": "a list (lines starting with '- ')",
}


def validate(
    model: type[M], located: Located, *, prefix: tuple[str | int, ...] = (), data: Any = None
) -> M:
    """Validate `data` (default: the whole file) as `model`, or raise every problem at once."""
    payload = located.data if data is None else data
    try:
        return model.model_validate(payload)
    except ValidationError as e:
        raise PlaybookError(problems(model, e, located, prefix, payload)) from None


def problems(
    model: type[BaseModel],
    error: ValidationError,
    located: Located,
    prefix: tuple[str | int, ...],
    payload: Any,
) -> list[Problem]:
    grouped: dict[tuple[str | int, ...], list[dict[str, Any]]] = {}
    for err in error.errors(include_url=False):
        path = _data_path(err["loc"], payload)
        grouped.setdefault(path, []).append(dict(err))
    out = []
    for path, errs in grouped.items():
        out.append(_problem(model, path, errs, located, prefix))
    return out


def _data_path(loc: tuple[Any, ...], data: Any) -> tuple[str | int, ...]:
    """Drop the type-name elements pydantic adds for unions (`str`, `function-after[…]`)."""
    path: list[str | int] = []
    current = data
    for part in loc:
        in_dict = isinstance(current, dict) and part in current
        in_list = isinstance(current, list) and isinstance(part, int) and part < len(current)
        if in_dict or in_list:
            path.append(part)
            current = current[part]
        elif isinstance(part, str) and (
            "[" in part or part in ("str", "int", "float", "bool", "none", "list", "dict")
        ):
            continue
        else:
            path.append(part)
            current = None
    return tuple(path)


def _problem(
    model: type[BaseModel],
    path: tuple[str | int, ...],
    errs: list[dict[str, Any]],
    located: Located,
    prefix: tuple[str | int, ...],
) -> Problem:
    full = prefix + path
    err = errs[0]
    kind = err["type"]
    # For a missing or unknown key, name the mapping it belongs to, not the key itself.
    where = describe(located, full[:-1] if kind in ("missing", "extra_forbidden") else full)
    name = path[-1] if path else ""
    if kind == "missing":
        parent = full[:-1]
        return located.problem(parent, f"{where}: missing required key '{name}'", key=True)
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, path[:-1])
        message = f"{where}: unknown key '{name}'"
        close = difflib.get_close_matches(str(name), allowed, n=1, cutoff=0.6)
        if close:
            message += f" — did you mean '{close[0]}'?"
        elif allowed:
            message += f"; allowed here: {', '.join(allowed)}"
        return located.problem(full, message, key=True)
    value = err.get("input")
    if len(errs) > 1 or kind in _KIND_WORDS:
        wanted = []
        for e in errs:
            word = _KIND_WORDS.get(e["type"])
            if word and word not in wanted:
                wanted.append(word)
        if wanted and len(wanted) == len({e["type"] for e in errs} & set(_KIND_WORDS)):
            message = f"{where}: expected {' or '.join(wanted)}, got {_what(value)}"
            if wanted == ["text"] and isinstance(value, int | float) and name == "version":
                message += " — write all three parts, e.g. 1.0.0"
            elif wanted == ["text"] and isinstance(value, int | float | bool):
                message += " — put it in quotes if it is meant as text"
            return located.problem(full, message)
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        options = [o.strip().strip("'") for o in expected.replace(" or ", ", ").split(",")]
        message = f"{where}: '{value}' is not allowed; use one of: {', '.join(options)}"
        if len(options) == 1:
            message = f"{where}: '{value}' is not allowed; it must be '{options[0]}'"
        close = difflib.get_close_matches(str(value), options, n=1, cutoff=0.6)
        alias = _ALIASES.get(str(value).strip().lower())
        if alias in options:
            message += f" — did you mean '{alias}'?"
        elif close and len(options) > 1:
            message += f" — did you mean '{close[0]}'?"
        if name == "schema" and len(full) == 1:
            message += " (a file written for an older format: `crisisplay playbook upgrade FILE`)"
        # A mapping key that is not allowed (deadlines: {holding: 30m}) is shown at the key.
        return located.problem(full, message, key="[key]" in err["loc"])
    msg = err["msg"]
    for lead in ("Value error, ", "Assertion failed, "):
        if msg.startswith(lead):
            msg = msg[len(lead) :]
    return located.problem(full, f"{where}: {msg}")


# What people write for a fixed value, and the value they mean.
_ALIASES = {
    "yes/no": "confirm",
    "yes-no": "confirm",
    "yesno": "confirm",
    "bool": "confirm",
    "boolean": "confirm",
    "date": "datetime",
    "time": "datetime",
    "link": "url",
    "select": "choice",
    "options": "choice",
    "list": "choice",
    "integer": "number",
    "textarea": "multiline",
    "long": "multiline",
    "twitter": "x",
    "fb": "facebook",
    "ig": "instagram",
    "insta": "instagram",
    "apologize": "apologise",
    "apology": "apologise",
    "closing": "close",
    "holding": "hold",
}


def _what(value: Any) -> str:
    if isinstance(value, bool):
        return f"'{str(value).lower()}'"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (the value is empty)"
    if isinstance(value, int | float):
        return f"the number {value}"
    return f"'{value}'"


_NOUNS = {
    "stages": "stage",
    "steps": "step",
    "options": "option",
    "contacts": "contact",
    "severities": "severity",
    "variables": "variable",
    "add": "insertion",
}


def describe(located: Located, path: tuple[str | int, ...]) -> str:
    """A human name for a place in a playbook: `step 'hold-draft', platforms, item 2`.

    List items are named by their id (or label, or name) when they have one; keys are
    written as in the file, dotted when nested (`client.moderation`).
    """
    segments: list[str] = []
    keys: list[str] = []  # mapping keys since the last named segment
    current: Any = located.data
    for n, part in enumerate(path):
        parent = path[n - 1] if n else None
        if isinstance(part, int):
            if keys and str(parent) in _NOUNS:
                keys.pop()  # "stages" is said by "stage 'detect'"
            if keys:
                segments.append(".".join(keys))
            keys = []
            item = current[part] if isinstance(current, list) and part < len(current) else None
            current = item
            noun = _NOUNS.get(str(parent), "item")
            name = None
            if isinstance(item, dict):
                name = next(
                    (item[k] for k in ("id", "label", "name") if isinstance(item.get(k), str)),
                    None,
                )
            if noun == "step":  # a step id is unique: its stage adds nothing
                segments = [s for s in segments if not s.startswith("stage ")]
            segments.append(f"{noun} '{name}'" if name else f"{noun} {part + 1}")
        else:
            current = current.get(part) if isinstance(current, dict) else None
            if parent == "change" and n == 1:
                segments.append(f"change to step '{part}'")
                keys = []
            else:
                keys.append(str(part))
    if keys:
        segments.append(".".join(keys))
    return ", ".join(segments) or "playbook"


def _allowed_keys(model: type[BaseModel], path: tuple[str | int, ...]) -> list[str]:
    current: Any = model
    for part in path:
        current = _unwrap(current, part)
        if current is None:
            return []
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or n for n, f in current.model_fields.items()]
    return []


def _unwrap(tp: Any, part: str | int) -> Any:
    tp = _strip(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel) and isinstance(part, str):
        for name, field in tp.model_fields.items():
            if part in (name, field.alias):
                return _strip(field.annotation)
        return None
    origin = typing.get_origin(tp)
    if origin is list and isinstance(part, int):
        return _strip(typing.get_args(tp)[0])
    if origin is dict:
        return _strip(typing.get_args(tp)[1])
    return None


def _strip(tp: Any) -> Any:
    """Annotated[X, …] -> X; X | None -> X; a union of a model and text -> the model."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            structured = [
                a
                for a in args
                if typing.get_origin(_strip(a)) in (list, dict)
                or (isinstance(a, type) and issubclass(a, BaseModel))
            ]
            tp = structured[0] if structured else args[0]
        else:
            return tp
