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
MAX_LIPSUM_PARAGRAPHS = 20  # `lipsum(n)`: placeholder text, not a book
MAX_WORK = 20_000_000  # characters built in all during one render (loops included)
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
    """`es-MX` looks in `es-MX/` (or `es-mx/`), then `es-419/`, then `es/`."""
    from crisisplay.i18n import language_tags

    dirs: list[Path] = []
    for tag in language_tags(language):
        for name in dict.fromkeys((tag, tag.lower())):
            if (root / name).is_dir() and root / name not in dirs:
                dirs.append(root / name)
                break
    return dirs


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
#
# A template is a statement: a few hundred words. Everything a template can do that
# builds text or a list, or loops, is bounded before it happens, so a template that
# would need gigabytes (`lipsum(n=1000000)`, `'a'.ljust(10**10)`, `'%99999999s' % x`,
# `a ~ a` ten times over) is a clear error that names what to change, at validation
# time, never an out-of-memory in the middle of an incident:
#
# * every call (`x.ljust(n)`, `lipsum()`, `'…'.format()`) goes through `Sandbox.call`:
#   sizes given as arguments are checked first, and what comes back is checked after;
# * every filter is wrapped the same way (`center`, `indent`, `wordwrap`, `format`,
#   `join`, `sum`, `replace`, `batch`…), and so are `+`, `*`, `**`, `%` and `~`;
# * a value printed is measured before it is turned into text;
# * all the text built during one render counts against MAX_WORK, so a loop cannot
#   build the limit a thousand times over.


def _refuse(message: str) -> Exception:
    from jinja2.exceptions import SecurityError

    return SecurityError(message)


_WORK = [0]  # characters built during the current render (rendering is single-threaded)


def fresh_budget() -> None:
    """Start counting the work of a new render."""
    _WORK[0] = 0


def _spend(n: int) -> None:
    _WORK[0] += n
    if _WORK[0] > MAX_WORK:
        raise _refuse(
            f"the template builds over {MAX_WORK:,} characters in all while it runs (a loop "
            "that builds text again and again): a statement never needs that much work"
        )


def _approx_len(value: Any, cap: int = MAX_OUTPUT) -> int:
    """Roughly len(str(value)), without building it, and stopping past `cap`: a list of
    20,000 references to one long text is small in memory and gigabytes as text."""
    if isinstance(value, str):
        return len(value)
    if value is None or isinstance(value, bool | float):
        return 5
    if isinstance(value, int):
        return value.bit_length() // 3 + 2
    if not isinstance(value, list | tuple | dict | set | frozenset):
        return len(str(value))
    total = 0
    stack: list[Any] = [value]
    while stack and total <= cap:
        item = stack.pop()
        if isinstance(item, dict):
            total += 2 + 4 * len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            total += 2 + 2 * len(item)
            stack.extend(item)
        else:
            total += _approx_len(item, cap)
    return total


def _check_text(size: int, what: str) -> None:
    if size > MAX_OUTPUT:
        raise _refuse(
            f"{what} would build about {size:,} characters (the limit for a statement is "
            f"{MAX_OUTPUT:,})"
        )


def _check_items(count: int, what: str) -> None:
    if count > MAX_SEQUENCE:
        raise _refuse(f"{what} would build {count:,} items (the limit is {MAX_SEQUENCE:,})")


def _check_width(width: Any, what: str) -> None:
    if isinstance(width, int) and not isinstance(width, bool) and abs(width) > MAX_SEQUENCE:
        raise _refuse(
            f"{what}: a width or count of {width:,} (the limit is {MAX_SEQUENCE:,}): a "
            "statement never needs that much space"
        )


def _checked(value: Any, what: str) -> Any:
    """What a call, a filter or an operator gave back, if it is a sensible size."""
    if isinstance(value, str):
        _check_text(len(value), what)
        _spend(len(value))
    elif isinstance(value, list | tuple | dict | set | frozenset):
        _check_items(len(value), what)
        _spend(len(value))
    return value


def bounded_output(value: Any) -> Any:
    """Jinja's `finalize`: a value printed by `{{ … }}` is measured before it is text."""
    _check_text(_approx_len(value), "printing this value")
    return value


_PERCENT = re.compile(r"%(?:\([^)]*\))?[-+ #0]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([a-zA-Z%])")


def _check_percent(fmt: Any, values: Any, what: str) -> None:
    """`'%10s' % x`, the `format` filter: widths, precisions and the size of the result."""
    if not isinstance(fmt, str):
        return
    specs = 0
    widths = 0
    for width, precision, kind in _PERCENT.findall(fmt):
        if kind == "%":
            continue
        specs += 1
        for n in (width, precision):
            if n == "*":
                raise _refuse(
                    f"{what}: a width taken from the values ('*') is not allowed: write "
                    "the width as a number"
                )
            if n:
                _check_width(int(n) if len(n) < 12 else 10**12, what)
                widths += int(n) if len(n) < 12 else 10**12
    if isinstance(values, dict):
        args: list[Any] = list(values.values())
    elif isinstance(values, tuple | list):
        args = list(values)
    else:
        args = [values]
    biggest = max((_approx_len(a) for a in args), default=0)
    _check_text(len(fmt) + specs * biggest + widths, what)


def _check_format(fmt: str, args: tuple[Any, ...], kwargs: dict[str, Any], what: str) -> None:
    """`'{:>10}'.format(x)`, `format_map`: widths, nesting and the size of the result."""
    from string import Formatter

    fields = 0
    widths = 0
    for _, name, spec, _ in Formatter().parse(fmt):
        if name is None:
            continue
        fields += 1
        if spec and "{" in spec:
            raise _refuse(
                f"{what}: a width taken from another value ('{{:>{{w}}}}') is not allowed: "
                "write the width as a number"
            )
        for n in re.findall(r"\d+", spec or ""):
            value = int(n) if len(n) < 12 else 10**12
            _check_width(value, what)
            widths += value
    values = [*args, *kwargs.values()]
    if len(args) == 1 and isinstance(args[0], dict):  # format_map
        values += list(args[0].values())
    biggest = max((_approx_len(v) for v in values), default=0)
    _check_text(len(fmt) + fields * biggest + widths, what)


def _materialize(iterable: Any, what: str) -> list[Any]:
    """An iterable as a list, refusing one too long to be part of a statement."""
    if isinstance(iterable, list | tuple | str | dict | set | frozenset):
        _check_items(len(iterable), what)
        return list(iterable)
    out: list[Any] = []
    for item in iterable:
        out.append(item)
        if len(out) > MAX_SEQUENCE:
            _check_items(len(out), what)
    return out


def _check_join(items: list[Any], sep: Any, what: str) -> None:
    total = _approx_len(sep) * max(0, len(items) - 1)
    for item in items:
        total += _approx_len(item)
        if total > MAX_OUTPUT:
            break
    _check_text(total, what)


def _check_str_method(text: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Sizes in a call of a method of a text; returns the arguments to call it with."""
    what = f"'{name}()'"
    values = [*args, *kwargs.values()]
    if name in ("ljust", "rjust", "center", "zfill"):
        for v in values[:1]:
            _check_width(v, what)
    elif name == "expandtabs":
        size = values[0] if values else 8
        if isinstance(size, int):
            _check_width(size, what)
            _check_text(len(text) + text.count("\t") * max(size, 0), what)
    elif name == "replace" and len(values) >= 2:
        old, new = str(values[0]), str(values[1])
        count = values[2] if len(values) > 2 and isinstance(values[2], int) else -1
        hits = (len(text) + 1) if old == "" else text.count(old)
        if count >= 0:
            hits = min(hits, count)
        _check_text(len(text) + hits * max(0, len(new) - len(old)), what)
    elif name == "join" and args:
        items = _materialize(args[0], what)
        _check_join(items, text, what)
        return (items, *args[1:]), kwargs
    elif name in ("format", "format_map"):
        _check_format(text, args, kwargs, what)
    elif name == "translate" and args and isinstance(args[0], dict):
        longest = max((_approx_len(v) for v in args[0].values()), default=1)
        _check_text(len(text) * max(longest, 1), what)
    return args, kwargs


def _bounded_lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
    """`lipsum()` for a placeholder: a few paragraphs, never a million."""
    from jinja2.utils import generate_lorem_ipsum

    for value, limit, name in (
        (n, MAX_LIPSUM_PARAGRAPHS, "n"),
        (max, 200, "max"),
        (min, 200, "min"),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= limit:
            raise _refuse(
                f"lipsum({name}={value!r}): {name} is at most {limit} in a statement "
                "template (placeholder text is a few paragraphs)"
            )
    return generate_lorem_ipsum(n=n, html=html, min=min, max=max)


def _bounded_range(*args: int) -> range:
    """`range` for a statement: a few hundred items at most, never millions."""
    r = range(*args)
    if len(r) > MAX_RANGE:
        raise _refuse(f"range() of {len(r):,} numbers (the limit is {MAX_RANGE:,})")
    return r


def _filter_checks(name: str, bound: dict[str, Any]) -> None:
    """What a filter is about to build, from its arguments (named as in Jinja)."""
    what = f"the '{name}' filter"
    value = bound.get("value", bound.get("s"))
    if name in ("center", "batch", "slice", "truncate"):
        for key in ("width", "linecount", "slices", "length"):
            _check_width(bound.get(key), what)
    elif name == "indent":
        width = bound.get("width", 4)
        _check_width(width, what)
        text = str(value)
        step = width if isinstance(width, int) else len(str(width))
        _check_text(len(text) + (text.count("\n") + 1) * max(step, 0), what)
    elif name == "wordwrap":
        width = bound.get("width", 79)
        _check_width(width, what)
        wrap = bound.get("wrapstring") or "\n"
        text = str(value)
        lines = 2 * len(text) // max(int(width) if isinstance(width, int) else 1, 1) + 2
        _check_text(len(text) + lines * len(str(wrap)), what)
    elif name == "format":
        _check_percent(value, bound.get("kwargs") or bound.get("args"), what)


def _bounded_filter(name: str, f: Any) -> Any:
    """A filter whose arguments are checked before it runs and whose result after."""
    import inspect

    pass_arg = getattr(f, "jinja_pass_arg", None)
    try:
        signature: inspect.Signature | None = inspect.signature(f)
    except (TypeError, ValueError):
        signature = None
    skip = 1 if pass_arg is not None else 0

    def bounded(*args: Any, **kwargs: Any) -> Any:
        what = f"the '{name}' filter"
        if name in ("join", "sum") and len(args) > skip:
            items = _materialize(args[skip], what)
            args = (*args[:skip], items, *args[skip + 1 :])
        if signature is not None and name in _SIZED_FILTERS:
            try:
                bound_args = signature.bind(*args, **kwargs)
            except TypeError:
                pass  # the filter itself says what is wrong
            else:
                bound_args.apply_defaults()
                named = dict(bound_args.arguments)
                if name == "join":
                    _check_join(named["value"], named.get("d", ""), what)
                elif name == "sum":
                    start = named.get("start", 0)
                    if not isinstance(start, int | float) or any(
                        isinstance(i, str | list | tuple) for i in named["iterable"]
                    ):
                        _check_items(len(named["iterable"]), what)
                        if len(named["iterable"]) > MAX_RANGE:
                            _check_items(MAX_SEQUENCE + 1, what)
                        _check_text(
                            _approx_len(start) + sum(_approx_len(i) for i in named["iterable"]),
                            what,
                        )
                elif name == "replace":
                    text, old, new = str(named["s"]), str(named["old"]), str(named["new"])
                    count = named.get("count")
                    hits = (len(text) + 1) if old == "" else text.count(old)
                    if isinstance(count, int) and count >= 0:
                        hits = min(hits, count)
                    _check_text(len(text) + hits * max(0, len(new) - len(old)), what)
                else:
                    _filter_checks(name, named)
        return _checked(f(*args, **kwargs), what)

    bounded.jinja_pass_arg = pass_arg  # type: ignore[attr-defined]
    return bounded


# Filters whose arguments are sizes or whose result grows with them.
_SIZED_FILTERS = frozenset(
    {
        "center",
        "indent",
        "wordwrap",
        "format",
        "join",
        "sum",
        "replace",
        "batch",
        "slice",
        "truncate",
    }
)


def _make_environment() -> Any:
    from jinja2 import StrictUndefined
    from jinja2.compiler import CodeGenerator
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class BoundedCode(CodeGenerator):
        def visit_Concat(self, node: Any, frame: Any) -> None:
            # `a ~ b`: Jinja joins the pieces itself, out of reach of the sandbox; go
            # through `environment.bounded_concat` so that the size is checked first.
            if frame.eval_ctx.volatile:
                func_name = "(markup_join if context.eval_ctx.volatile else str_join)"
            elif frame.eval_ctx.autoescape:
                func_name = "markup_join"
            else:
                func_name = "str_join"
            self.write(f"environment.bounded_concat({func_name}, (")
            for arg in node.nodes:
                self.visit(arg, frame)
                self.write(", ")
            self.write("))")

    class Sandbox(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**", "+", "%"})
        code_generator_class = BoundedCode

        def bounded_concat(self, join: Any, parts: tuple[Any, ...]) -> Any:
            total = 0
            for part in parts:
                total += _approx_len(part)
                _check_text(total, "'~'")
            return _checked(join(parts), "'~'")

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            what = f"'{operator}'"
            if operator == "**":
                if isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
                    raise _refuse(
                        f"a power ('**') with an exponent over {MAX_EXPONENT}: a statement "
                        "never needs a number that large"
                    )
                if isinstance(left, int | float) and abs(left) > 10**9:
                    raise _refuse(
                        "a power ('**') of a number over 1,000,000,000: a statement never "
                        "needs a number that large"
                    )
            elif operator == "*":
                for seq, n in ((left, right), (right, left)):
                    sized = isinstance(seq, str | list | tuple) and isinstance(n, int)
                    if sized and len(seq) * n > MAX_SEQUENCE:
                        raise _refuse(
                            f"'*' would repeat text or a list into {len(seq) * n:,} "
                            f"characters or items (the limit is {MAX_SEQUENCE:,})"
                        )
                if (
                    isinstance(left, int)
                    and isinstance(right, int)
                    and left.bit_length() + right.bit_length() > 4096
                ):
                    raise _refuse(
                        "'*' of numbers that large: a statement never needs such a number"
                    )
            elif operator == "+":
                if isinstance(left, str) and isinstance(right, str):
                    _check_text(len(left) + len(right), what)
                elif isinstance(left, list | tuple) and isinstance(right, list | tuple):
                    _check_items(len(left) + len(right), what)
            elif operator == "%" and isinstance(left, str):
                _check_percent(left, right, "'%' formatting")
            return _checked(super().call_binop(context, operator, left, right), what)

        def wrap_str_format(self, value: Any) -> Any:
            # Jinja swaps `'…'.format` for its own function when the attribute is read;
            # check the sizes before that function runs.
            wrapped = super().wrap_str_format(value)
            if wrapped is None:
                return None
            text, name = value.__self__, value.__name__

            def checked(*args: Any, **kwargs: Any) -> Any:
                _check_str_method(text, name, args, kwargs)
                return wrapped(*args, **kwargs)

            return checked

        def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
            owner = getattr(obj, "__self__", None)
            name = getattr(obj, "__name__", "")
            if isinstance(owner, str) and isinstance(name, str):
                args, kwargs = _check_str_method(owner, name, args, kwargs)
            what = f"'{name}()'" if name else "a call"
            return _checked(super().call(context, obj, *args, **kwargs), what)

    env = Sandbox(
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=bounded_output,
    )
    env.globals["range"] = _bounded_range
    env.globals["lipsum"] = _bounded_lipsum
    env.filters["sentence"] = sentence
    for name, f in list(env.filters.items()):
        env.filters[name] = _bounded_filter(name, f)
    return env


def sentence(value: Any) -> str:
    """`{{ remedy | sentence }}`: an answer as a sentence of the post — trimmed, its first
    letter a capital, ending in a full stop unless it ends in other final punctuation
    ("every charge is refunded by Friday" → "Every charge is refunded by Friday.")."""
    _check_text(_approx_len(value), "the 'sentence' filter")  # measured before it is text
    text = str(value).strip()
    if not text:
        return ""
    lead = len(text) - len(text.lstrip("¿¡\"“«(‘'"))  # "¿qué…?" → "¿Qué…?"
    text = text[:lead] + text[lead : lead + 1].upper() + text[lead + 1 :]
    return text if text[-1] in '.!?…)»"”' else text + "."


_ENV: Any = None


def environment() -> Any:
    global _ENV
    if _ENV is None:
        _ENV = _make_environment()
    return _ENV


@dataclass
class Parsed:
    source: Source
    _ast: Any  # None when what it reads came from the disk cache: parsed again if needed
    variables: set[str]  # top-level names it reads
    attributes: dict[str, set[str]]  # name -> attributes read, e.g. client -> {name}
    first_line: dict[str, int]  # name -> first line that uses it
    attribute_lines: dict[str, int] = field(default_factory=dict)  # "client.x" -> line
    #: names it only reads after asking `is defined`: a slot the statement does without
    optional: set[str] = field(default_factory=set)
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
_DERIVED_BY = ("crisisplay.playbook.templates", "jinja2")


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
    if isinstance(hit, tuple) and len(hit) == 5:
        variables, attributes, first_line, attribute_lines, optional = hit
        parsed = Parsed(source, None, variables, attributes, first_line, attribute_lines, optional)
        _PARSED[key] = parsed
        return parsed
    parsed = _parse(source)
    _PARSED[key] = parsed
    disk.put(
        "template-reads",
        key,
        (
            parsed.variables,
            parsed.attributes,
            parsed.first_line,
            parsed.attribute_lines,
            parsed.optional,
        ),
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
    fresh_budget()
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
    # `{% if what_to_do is defined %}`: the template asks whether the slot is filled, so a
    # playbook that never asks for it is not wrong (the statement is written without it)
    optional = {
        node.node.name
        for node in every
        if isinstance(node, nodes.Test)
        and node.name in ("defined", "undefined")
        and isinstance(node.node, nodes.Name)
        and node.node.name in variables
    }
    return Parsed(source, ast, variables, attributes, first_line, attribute_lines, optional)


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
    """Render with the incident's values. Raises TemplateError with a readable message,
    and the template line where it failed when Jinja knows it."""
    from jinja2.exceptions import SecurityError, UndefinedError

    parsed = parse(source)
    pieces: list[str] = []
    size = 0
    fresh_budget()
    try:
        for piece in parsed.template.generate(context):
            size += len(piece)
            if size > MAX_OUTPUT:
                raise TemplateError(
                    f"the statement would be over {MAX_OUTPUT:,} characters: "
                    "check the template for loops or repeated text"
                )
            pieces.append(piece)
    except TemplateError:
        raise
    except UndefinedError as e:
        raise TemplateError(
            f"template uses a value that is not set: {e.message}", template_line(e)
        ) from None
    except RecursionError:
        raise TemplateError("the template calls itself without end") from None
    except SecurityError as e:
        raise TemplateError(f"template refused by the sandbox: {e}", template_line(e)) from None
    except MemoryError:
        raise TemplateError("the template needs more memory than a statement ever does") from None
    except Exception as e:  # a template is someone's text: any failure is theirs to fix
        raise TemplateError(f"template failed: {e}", template_line(e)) from None
    return "".join(pieces).strip()


def template_line(exc: BaseException) -> int | None:
    """The template line Jinja put into the traceback of a rendering error."""
    line = getattr(exc, "lineno", None)
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line if isinstance(line, int) else None
