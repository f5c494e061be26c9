"""Statement templates: where they come from, what they need, and rendering them safely.

Templates are written by agencies, not by us, so they are rendered in Jinja2's immutable
sandbox with undefined variables as errors, no include/import/extends, a bound on what
`*` and `**` may build, and a bound on output size: a bad template is a clear error,
never an out-of-memory in the middle of an incident.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_OUTPUT = 64_000  # characters: above the longest post any network takes (Facebook, 63,206)
MAX_SEQUENCE = 20_000  # what `'a' * n` or `[x] * n` may build
MAX_EXPONENT = 64
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
            text = path.read_text(encoding="utf-8")
            out.setdefault(tid, {})[platform or "default"] = Source(
                tid, platform or "default", text, str(path), layer
            )
    return out


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
                    raise SecurityError(f"'**' with an exponent over {MAX_EXPONENT}")
                if isinstance(left, int | float) and abs(left) > 10**9:
                    raise SecurityError("'**' on a number that large")
            if operator == "*":
                for seq, n in ((left, right), (right, left)):
                    sized = isinstance(seq, str | list | tuple) and isinstance(n, int)
                    if sized and len(seq) * n > MAX_SEQUENCE:
                        raise SecurityError(
                            f"'*' would build {len(seq) * n:,} items "
                            f"(the limit is {MAX_SEQUENCE:,})"
                        )
                if (
                    isinstance(left, int)
                    and isinstance(right, int)
                    and left.bit_length() + right.bit_length() > 4096
                ):
                    raise SecurityError("'*' on numbers that large")
            return super().call_binop(context, operator, left, right)

    return Sandbox(
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass
class Parsed:
    source: Source
    ast: Any
    variables: set[str]  # top-level names it reads
    attributes: dict[str, set[str]]  # name -> attributes read, e.g. client -> {name}
    first_line: dict[str, int]  # name -> first line that uses it
    _compiled: Any = None

    @property
    def template(self) -> Any:
        # Compiling to Python code costs more than parsing: only pay it when rendering.
        if self._compiled is None:
            self._compiled = environment().from_string(self.ast)
        return self._compiled


_PARSED: dict[str, Parsed] = {}


def parse(source: Source) -> Parsed:
    """Compile a template once (cached by content) and list the variables it reads."""
    key = source.sha256
    cached = _PARSED.get(key)
    if cached is not None:
        return cached
    from jinja2 import meta, nodes
    from jinja2.exceptions import TemplateSyntaxError

    env = environment()
    try:
        ast = env.parse(source.text)
    except TemplateSyntaxError as e:
        raise TemplateError(f"template syntax: {e.message}", e.lineno) from None
    for node in ast.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
        word = type(node).__name__.lower().replace("fromimport", "import")
        raise TemplateError(
            f"'{{% {word} %}}' is not allowed: a statement template must stand alone", node.lineno
        )
    variables = set(meta.find_undeclared_variables(ast))
    attributes: dict[str, set[str]] = {}
    for node in ast.find_all(nodes.Getattr):
        if isinstance(node.node, nodes.Name):
            attributes.setdefault(node.node.name, set()).add(node.attr)
    first_line: dict[str, int] = {}
    for node in ast.find_all(nodes.Name):
        if node.ctx == "load" and node.name in variables:
            first_line[node.name] = min(first_line.get(node.name, node.lineno), node.lineno)
    parsed = Parsed(source, ast, variables, attributes, first_line)
    _PARSED[key] = parsed
    return parsed


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
    except SecurityError as e:
        raise TemplateError(f"template refused by the sandbox: {e}") from None
    except (JinjaError, ArithmeticError, TypeError, ValueError, OverflowError) as e:
        raise TemplateError(f"template failed: {e}") from None
    return "".join(pieces).strip()
