"""Statement templates: where they come from, what they need, and rendering them safely.

Templates are written by agencies, not by us, so they are rendered in Jinja2's immutable
sandbox with undefined variables as errors, no include/import/extends, a bound on what
`*` and `**` may build, and a bound on output size: a bad template is a clear error,
never an out-of-memory in the middle of an incident.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_OUTPUT = 64_000  # characters: above the longest post any network takes (Facebook, 63,206)
MAX_SEQUENCE = 20_000  # what `'a' * n` or `[x] * n` may build
MAX_EXPONENT = 64
MAX_RANGE = 1_000  # what `range()` may count to
SUFFIX = ".j2"


class TemplateError(Exception):
    """A template that cannot be used; `line` is 1-based within the template text."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class Source:
    """One template text and where it came from (a file, or a playbook's `templates:`)."""

    template_id: str
    platform: str  # "default" for the text every other platform gets
    text: str
    origin: str  # file path, or "inline"
    layer: str  # "playbook", "workspace", "shipped"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass
class TemplateStore:
    """Templates for one language, highest-priority layer first.

    A layer that has a template id at all decides it: its platform variant when it has
    one, else its `default`. So a client's inline `update` replaces the shipped `update`
    on every network, not only on the ones it names.
    """

    language: str
    layers: list[tuple[str, dict[str, dict[str, Source]]]] = field(default_factory=list)

    def find(self, template_id: str, platform: str) -> Source | None:
        for _, templates in self.layers:
            variants = templates.get(template_id)
            if variants:
                return variants.get(platform) or variants.get("default")
        return None

    def known(self, template_id: str) -> bool:
        return any(template_id in t for _, t in self.layers)

    def ids(self) -> list[str]:
        return sorted({tid for _, t in self.layers for tid in t})


def language_dirs(root: Path, language: str) -> list[Path]:
    """`es-MX` looks in `es-mx/` then `es/`."""
    tag = language.lower()
    dirs = [root / tag]
    primary = tag.split("-")[0]
    if primary != tag:
        dirs.append(root / primary)
    return [d for d in dirs if d.is_dir()]


def file_layer(root: Path, language: str, layer: str) -> dict[str, dict[str, Source]]:
    out: dict[str, dict[str, Source]] = {}
    # The more specific language directory wins, so read the general one first.
    for directory in reversed(language_dirs(root, language)):
        for path in sorted(directory.glob(f"*{SUFFIX}")):
            stem = path.name[: -len(SUFFIX)]
            tid, _, platform = stem.partition(".")
            text = _read_template(path)
            out.setdefault(tid, {})[platform or "default"] = Source(
                tid, platform or "default", text, str(path), layer
            )
    return out


def _read_template(path: Path) -> str:
    """A template file's text, at most `files.TEMPLATE` bytes, read with the limit on."""
    from crisisplay.errors import PlaybookError, Problem
    from crisisplay.files import TEMPLATE, ReadError, read_text_limited

    try:
        return read_text_limited(path, TEMPLATE, what="a statement template")
    except ReadError as e:
        raise PlaybookError([Problem(str(path), 1, 1, e.reason)]) from None


def inline_layer(templates: dict[str, Any]) -> dict[str, dict[str, Source]]:
    out: dict[str, dict[str, Source]] = {}
    for tid, value in templates.items():
        variants = value if isinstance(value, dict) else {"default": value}
        out[tid] = {p: Source(tid, p, t, "inline", "playbook") for p, t in variants.items()}
    return out


# --- the sandbox -------------------------------------------------------------------------

_ENV: Any = None


def environment() -> Any:
    global _ENV
    if _ENV is None:
        _ENV = _make_environment()
    return _ENV


def _make_environment() -> Any:
    from jinja2 import StrictUndefined
    from jinja2.exceptions import SecurityError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class Sandbox(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**"})

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            if operator == "**":
                if isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
                    raise SecurityError(
                        f"a power ('**') with an exponent over {MAX_EXPONENT}: a statement "
                        "never needs a number that large"
                    )
                if isinstance(left, int | float) and abs(left) > 10**9:
                    raise SecurityError(
                        "a power ('**') of a number over 1,000,000,000: a statement never "
                        "needs a number that large"
                    )
            if operator == "*":
                for seq, n in ((left, right), (right, left)):
                    sized = isinstance(seq, str | list | tuple) and isinstance(n, int)
                    if sized and len(seq) * n > MAX_SEQUENCE:
                        raise SecurityError(
                            f"'*' would repeat text or a list into {len(seq) * n:,} "
                            f"characters or items (the limit is {MAX_SEQUENCE:,})"
                        )
                if (
                    isinstance(left, int)
                    and isinstance(right, int)
                    and left.bit_length() + right.bit_length() > 4096
                ):
                    raise SecurityError(
                        "'*' of numbers that large: a statement never needs such a number"
                    )
            return super().call_binop(context, operator, left, right)

        def wrap_str_format(self, value: Any) -> Any:
            # `'{:>999999999}'.format(x)`: a width is a size, like the count of `*`.
            wrapped = super().wrap_str_format(value)
            if wrapped is not None:
                _check_widths(re.findall(r"\{[^{}]*:[^{}]*?(\d+)", str(value.__self__)))
            return wrapped

    env = Sandbox(
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["range"] = _bounded_range
    for name in ("center", "indent", "wordwrap", "slice", "batch"):
        env.filters[name] = _bounded_filter(env.filters[name])
    env.filters["format"] = _bounded_format(env.filters["format"])
    env.filters["replace"] = _bounded_replace(env.filters["replace"])
    return env


def _check_widths(widths: list[Any]) -> None:
    from jinja2.exceptions import SecurityError

    for width in widths:
        if isinstance(width, str) and width.isdigit():
            width = int(width)
        if isinstance(width, int) and not isinstance(width, bool) and width > MAX_SEQUENCE:
            raise SecurityError(
                f"a width or count of {width:,} (the limit is {MAX_SEQUENCE:,}): a statement "
                "never needs that much space"
            )


def _bounded_range(*args: int) -> range:
    """`range` for a statement: a few hundred items at most, never millions."""
    from jinja2.exceptions import SecurityError

    r = range(*args)
    if len(r) > MAX_RANGE:
        raise SecurityError(f"range() of {len(r):,} numbers (the limit is {MAX_RANGE:,})")
    return r


def _bounded_filter(f: Any) -> Any:
    """Filters whose numeric arguments are sizes (`center(10**9)`) get them bounded."""
    pass_arg = getattr(f, "jinja_pass_arg", None)  # e.g. wordwrap takes the environment first
    skip = 2 if pass_arg is not None else 1  # (environment,) value: not sizes

    def bounded(*args: Any, **kwargs: Any) -> Any:
        _check_widths([*args[skip:], *kwargs.values()])
        return f(*args, **kwargs)

    bounded.jinja_pass_arg = pass_arg  # type: ignore[attr-defined]
    return bounded


def _bounded_format(f: Any) -> Any:
    def bounded(value: Any, *args: Any, **kwargs: Any) -> Any:
        _check_widths(re.findall(r"%[-+ #0]*(\d+)", str(value)))
        return f(value, *args, **kwargs)

    return bounded


def _bounded_replace(f: Any) -> Any:
    def bounded(eval_ctx: Any, s: Any, old: Any, new: Any, count: Any = None) -> Any:
        from jinja2.exceptions import SecurityError

        text, old_s, new_s = str(s), str(old), str(new)
        hits = text.count(old_s) if count is None else min(count, text.count(old_s))
        if len(text) + hits * (len(new_s) - len(old_s)) > MAX_OUTPUT:
            raise SecurityError(
                f"replace() would build over {MAX_OUTPUT:,} characters (the limit for a statement)"
            )
        return f(eval_ctx, s, old, new, count)

    bounded.jinja_pass_arg = getattr(f, "jinja_pass_arg", None)  # type: ignore[attr-defined]
    return bounded


@dataclass
class Parsed:
    source: Source
    _ast: Any  # None when what it reads came from the disk cache: parsed again if needed
    variables: set[str]  # top-level names it reads
    attributes: dict[str, set[str]]  # name -> attributes read, e.g. client -> {name}
    first_line: dict[str, int]  # name -> first line that uses it
    attribute_lines: dict[str, int] = field(default_factory=dict)  # "client.x" -> line
    _compiled: Any = None

    @property
    def ast(self) -> Any:
        if self._ast is None:
            self._ast = environment().parse(self.source.text)
        return self._ast

    @property
    def template(self) -> Any:
        # Compiling to Python code costs more than parsing: only pay it when rendering.
        if self._compiled is None:
            self._compiled = environment().from_string(self.ast)
        return self._compiled


_PARSED: dict[str, Parsed] = {}
# The code whose output the disk cache keeps: a change to any of it makes a new cache.
_DERIVED_BY = ("crisisplay.templates", "jinja2")


def parse(source: Source) -> Parsed:
    """Compile a template once (cached by content) and list the variables it reads.

    What a template reads depends only on its text, so a template checked before (in
    this run or an earlier one) is not parsed again: Jinja is not even imported until
    something is rendered.
    """
    key = source.sha256
    cached = _PARSED.get(key)
    if cached is not None:
        return cached
    from crisisplay import cache as disk

    hit = disk.get("template-reads", key, _DERIVED_BY)
    if isinstance(hit, tuple) and len(hit) == 4:
        variables, attributes, first_line, attribute_lines = hit
        parsed = Parsed(source, None, variables, attributes, first_line, attribute_lines)
        _PARSED[key] = parsed
        return parsed
    parsed = _parse(source)
    _PARSED[key] = parsed
    disk.put(
        "template-reads",
        key,
        (parsed.variables, parsed.attributes, parsed.first_line, parsed.attribute_lines),
        _DERIVED_BY,
    )
    return parsed


def _parse(source: Source) -> Parsed:
    from jinja2 import meta, nodes
    from jinja2.exceptions import SecurityError, TemplateSyntaxError

    env = environment()
    try:
        ast = env.parse(source.text)
    except TemplateSyntaxError as e:
        raise TemplateError(
            f"template syntax: {_plain_syntax(e.message or '')}", e.lineno
        ) from None
    every = list(ast.find_all(nodes.Node))  # one walk of the tree, in document order
    for node in every:
        if isinstance(node, nodes.Include | nodes.Import | nodes.FromImport | nodes.Extends):
            word = type(node).__name__.lower().replace("fromimport", "import")
            raise TemplateError(
                f"'{{% {word} %}}' is not allowed: a statement template must stand alone",
                node.lineno,
            )
    for node in every:
        if isinstance(node, nodes.Macro | nodes.CallBlock):
            raise TemplateError(
                "'{% macro %}' is not allowed: write the statement out", node.lineno
            )
    for node in every:
        if isinstance(node, nodes.For) and (
            node.recursive or next(node.find_all(nodes.For), None) is not None
        ):
            raise TemplateError(
                "a loop inside a loop is not allowed in a statement template: one "
                "'{% for %}' at a time",
                node.lineno,
            )
    # `{{ 'a' * 10**10 }}` is refused now, with its line, not in the middle of an incident.
    for node in every:
        if isinstance(node, nodes.Mul | nodes.Pow):
            try:
                _constant(node, env)
            except SecurityError as e:
                raise TemplateError(f"template refused: {e}", node.lineno) from None
            except _NotConstant:
                pass
    variables = set(meta.find_undeclared_variables(ast))
    attributes: dict[str, set[str]] = {}
    attribute_lines: dict[str, int] = {}
    first_line: dict[str, int] = {}
    for node in every:
        if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name):
            attributes.setdefault(node.node.name, set()).add(node.attr)
            dotted = f"{node.node.name}.{node.attr}"
            attribute_lines[dotted] = min(attribute_lines.get(dotted, node.lineno), node.lineno)
        elif isinstance(node, nodes.Name) and node.ctx == "load" and node.name in variables:
            first_line[node.name] = min(first_line.get(node.name, node.lineno), node.lineno)
    return Parsed(source, ast, variables, attributes, first_line, attribute_lines)


class _NotConstant(Exception):
    pass


def _constant(node: Any, env: Any) -> Any:
    """The value of a literal expression, computed through the sandbox's own limits."""
    from jinja2 import nodes

    if isinstance(node, nodes.Const):
        return node.value
    if isinstance(node, nodes.Neg):
        return -_constant(node.node, env)
    if isinstance(node, nodes.List | nodes.Tuple):
        items = [_constant(item, env) for item in node.items]
        return items if isinstance(node, nodes.List) else tuple(items)
    if isinstance(node, nodes.Mul | nodes.Pow):
        left, right = _constant(node.left, env), _constant(node.right, env)
        op = "*" if isinstance(node, nodes.Mul) else "**"
        try:
            return env.call_binop(None, op, left, right)
        except (ArithmeticError, TypeError, ValueError):
            raise _NotConstant from None  # left for render to report
    raise _NotConstant


def _plain_syntax(message: str) -> str:
    """Jinja's parser messages, said for someone who writes statements, not code."""
    m = re.search(r"block that needs to be closed is '(\w+)'", message)
    if m and "Unexpected end of template" in message:
        tag = m.group(1)
        return f"'{{% {tag} %}}' is never closed: add '{{% end{tag} %}}' where it should end"
    m = re.search(r"Encountered unknown tag '(\w+)'", message)
    if m and m.group(1).startswith("end"):
        return f"'{{% {m.group(1)} %}}' closes nothing: remove it, or open the block before it"
    if "unexpected '}'" in message:
        return f"{message} (a '{{{{' or '{{%' is not closed the same way: use '}}}}' or '%}}')"
    return message


def render(source: Source, context: dict[str, Any]) -> str:
    """Render with the incident's values. Raises TemplateError with a readable message."""
    from jinja2.exceptions import SecurityError, UndefinedError
    from jinja2.exceptions import TemplateError as JinjaError

    parsed = parse(source)
    pieces: list[str] = []
    size = 0
    try:
        for piece in parsed.template.generate(context):
            size += len(piece)
            if size > MAX_OUTPUT:
                raise TemplateError(
                    f"the statement would be over {MAX_OUTPUT:,} characters: "
                    "check the template for loops or repeated text"
                )
            pieces.append(piece)
    except UndefinedError as e:
        raise TemplateError(f"template uses a value that is not set: {e.message}") from None
    except RecursionError:
        raise TemplateError("the template calls itself without end") from None
    except SecurityError as e:
        raise TemplateError(f"template refused by the sandbox: {e}") from None
    except (JinjaError, ArithmeticError, TypeError, ValueError, OverflowError) as e:
        raise TemplateError(f"template failed: {e}") from None
    return "".join(pieces).strip()
