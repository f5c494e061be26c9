"""Reading YAML that people write by hand, safely and with exact positions.

Playbooks and answers files come from agencies and, during a crisis, from tired people.
Every value keeps the line and column it came from so that any later error can say
`file:line:col`. Hostile input is refused quickly and clearly: oversized files, alias
bombs ("billion laughs"), language-specific tags, duplicate keys, absurd nesting.

We compose YAML nodes with ruamel.yaml's libyaml-based parser (about ten times faster
than the pure-Python round-trip loader, which matters when the tool is started in an
emergency) and build plain Python values from the nodes ourselves.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crisisplay.errors import PlaybookError, Problem
from crisisplay.files import HAND_WRITTEN

MAX_BYTES = HAND_WRITTEN  # a playbook is a few hundred lines; 1 MiB is generous
MAX_NODES = 200_000  # after expanding aliases
MAX_DEPTH = 40
# Above this many '[' and '{', count the nesting before building anything (see load()).
_MANY_BRACKETS = 2_000
_TOO_DEEP = (
    f"nested more than {MAX_DEPTH} levels deep: a playbook never needs that many; check "
    "the indentation, or the brackets of a '[' list or '{' mapping"
)

Path_ = tuple[str | int, ...]

_STR = "tag:yaml.org,2002:str"
_ALLOWED_SCALAR_TAGS = {
    _STR,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"

# libyaml's messages, said the way a person can act on them. Each entry: a piece of the
# parser's message, whether the place to report is where the construct *started* (the
# parser's context mark: the key missing its ':', the quote never closed) rather than
# where the parser gave up, and the plain explanation.
_SYNTAX_HINTS: tuple[tuple[str, bool, str], ...] = (
    (
        "tab character",
        False,
        "a tab is used for indentation here; YAML only allows spaces. Replace the tab with spaces.",
    ),
    (
        "found unexpected end of stream",
        True,
        "a quote opened here is never closed: add the closing quote (\" or ').",
    ),
    (
        "could not find expected ':'",
        True,
        "this line needs ': ' after its key (e.g. 'name: Bean There'), or a quote opened "
        "here is not closed.",
    ),
    (
        "did not find expected ',' or ']'",
        True,
        "a '[' list opened here is not closed with ']' (items are separated by ', ').",
    ),
    (
        "did not find expected ',' or '}'",
        True,
        "a '{' mapping opened here is not closed with '}' (entries are separated by ', ').",
    ),
    (
        "but found another document",
        False,
        "a second document starts here ('---'): a playbook is one document. Remove this "
        "line, or split the file in two.",
    ),
    (
        "mapping values are not allowed",
        False,
        "a ': ' here reads as the start of a new key. Put text that contains ': ' in "
        'quotes (check: "Note: do this"), or fix the indentation of this line.',
    ),
    (
        "did not find expected key",
        False,
        "the indentation of this line does not match the lines above it (the keys of one "
        "mapping must line up), or a quoted value has more text after its closing quote "
        "(inside 'single quotes' write an apostrophe twice: 'it''s').",
    ),
    (
        "did not find expected '-' indicator",
        False,
        "the indentation of this line does not match the list above it: the '- ' of each "
        "item must line up, and an item's keys line up under its first key.",
    ),
    (
        "found undefined alias",
        False,
        "'*name' refers to an anchor '&name' that is not defined above it.",
    ),
    (
        "found character that cannot start any token",
        False,
        "a value cannot start with this character (@, ` or %): put the value in quotes.",
    ),
)


@dataclass
class Located:
    """Plain YAML values plus where each came from."""

    file: str
    data: Any
    # path -> (line, col) of the value; keys are stored under path + ("<key>",)
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    source_lines: list[str] = field(default_factory=list)

    def at(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """Position of the value at `path` (or of its key), else of the nearest parent."""
        if key and (*path, "<key>") in self.positions:
            return self.positions[(*path, "<key>")]
        p = tuple(path)
        while p and p not in self.positions:
            p = p[:-1]
        return self.positions.get(p, (1, 1))

    def problem(self, path: Path_, message: str, *, key: bool = False) -> Problem:
        line, col = self.at(path, key=key)
        return Problem(self.file, line, col, message)


def read_text(path: Path, display: str | None = None, *, what: str = "a playbook") -> str:
    """Read a UTF-8 file people wrote, refusing what is too big or not text."""
    name = display or str(path)
    return decode(read_bytes(path, name, what=what), name)


def read_bytes(path: Path | str, name: str, *, what: str = "a playbook") -> bytes:
    """A file's bytes ('-': standard input), refusing more than MAX_BYTES *while reading*:
    a device or a pipe (`/dev/zero`) has no size to check beforehand."""
    from crisisplay.files import ReadError, read_limited

    try:
        return read_limited(path, MAX_BYTES, what=what, name=name)
    except ReadError as e:
        raise PlaybookError([Problem(name, 1, 1, e.reason)]) from None


def decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        before = raw[: e.start]
        line = before.count(b"\n") + 1
        col = e.start - (before.rfind(b"\n") + 1) + 1
        raise PlaybookError(
            [
                Problem(
                    name,
                    line,
                    col,
                    f"not UTF-8 text (byte 0x{raw[e.start]:02x}): save the file as UTF-8.",
                )
            ]
        ) from None


def load(text: str, name: str) -> Located:
    """Parse one YAML document into plain values with positions, or raise PlaybookError."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    if len(text) > MAX_BYTES:
        raise PlaybookError(
            [Problem(name, 1, 1, f"text is over the {MAX_BYTES:,}-character limit")]
        )
    yaml = YAML(typ="safe", pure=False)
    yaml.Resolver = _resolver_class()
    if text.count("[") + text.count("{") > _MANY_BRACKETS:
        _check_flow_depth(yaml, text, name)
    old_limit = sys.getrecursionlimit()
    try:
        # The composer recurses once per nesting level; our own MAX_DEPTH check below
        # gives the real answer, this only keeps a deep bomb from crashing the parser.
        sys.setrecursionlimit(max(old_limit, 4000))
        node = yaml.compose(text)
    except MarkedYAMLError as e:
        raise PlaybookError([_syntax_problem(e, name, text)]) from None
    except YAMLError as e:
        raise PlaybookError([Problem(name, 1, 1, f"YAML error: {e}")]) from None
    except RecursionError:
        raise PlaybookError([Problem(name, 1, 1, _TOO_DEEP)]) from None
    finally:
        sys.setrecursionlimit(old_limit)
    located = Located(name, None, source_lines=text.splitlines())
    if node is None:
        return located
    _check_size(node, name)
    constructor = yaml.constructor
    problems: list[Problem] = []
    located.data = _build(node, (), 0, located, constructor, problems)
    if problems:
        raise PlaybookError(problems)
    return located


_RESOLVER: Any = None


def _resolver_class() -> Any:
    """ruamel's resolver, minus the work it repeats for every scalar.

    The stock one looks up the YAML version (through exceptions) three times per
    scalar to pick its table of implicit tags; a playbook has thousands of scalars and
    one version, so the table is looked up once per document.
    """
    global _RESOLVER
    if _RESOLVER is None:
        from ruamel.yaml.resolver import VersionedResolver

        class Resolver(VersionedResolver):
            _table: Any = None

            @property
            def versioned_resolver(self) -> Any:
                if self._table is None:
                    self._table = super().versioned_resolver
                return self._table

        _RESOLVER = Resolver
    return _RESOLVER


def _check_flow_depth(yaml: Any, text: str, name: str) -> None:
    """Refuse `[[[[…` tens of thousands deep before composing: the compiled composer
    recurses once per level on the C stack, and a deep enough bomb crashes the process.
    Events come from a loop, not recursion, so counting them is safe."""
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent

    depth = 0
    try:
        for event in yaml.parse(text):
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    line, col = _line_col(event.start_mark)
                    raise PlaybookError([Problem(name, line, col, _TOO_DEEP)])
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except YAMLError:
        return  # the composer reports syntax errors with the right words


def load_file(
    path: Path, display: str | None = None, *, cache: bool = False, what: str = "a playbook"
) -> Located:
    """`load` of a file. With `cache`, a file read before without error is not parsed
    again: its values and positions come from the disk cache, keyed by its bytes.
    (Playbooks only: answers files hold an incident's details, which stay where they are.)
    """
    name = display or str(path)
    raw = read_bytes(path, name, what=what)
    if not cache:
        return load(decode(raw, name), name)
    import hashlib

    from crisisplay import cache as disk

    key = hashlib.sha256(raw).hexdigest()
    hit = disk.get("playbook-yaml", key, _DERIVED_BY)
    if isinstance(hit, tuple) and len(hit) == 3:
        data, positions, lines = hit
        return Located(name, data, positions, lines)
    located = load(decode(raw, name), name)
    disk.put(
        "playbook-yaml", key, (located.data, located.positions, located.source_lines), _DERIVED_BY
    )
    return located


# The code whose output the cache keeps: a change to any of it makes a new cache.
_DERIVED_BY = ("crisisplay.yamlfile", "ruamel.yaml", "_ruamel_yaml")


def _syntax_problem(e: Any, name: str, text: str) -> Problem:
    mark = e.problem_mark or e.context_mark
    said = f"{e.problem or ''} {e.context or ''}"
    if mark is not None and _is_tab(text, mark):
        said = "tab character"  # libyaml only says 'cannot start any token' for a tab
    for needle, at_start, plain in _SYNTAX_HINTS:
        if needle in said:
            if at_start and e.context_mark is not None:
                mark = e.context_mark
            return Problem(name, *_line_col(mark), f"YAML syntax: {plain}")
    message = f"YAML syntax: {(e.problem or e.context or 'syntax error').strip()}"
    if e.context and e.problem and e.context_mark and e.context_mark is not mark:
        message += f" ({e.context} at line {e.context_mark.line + 1})"
    return Problem(name, *_line_col(mark), message)


def _line_col(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _is_tab(text: str, mark: Any) -> bool:
    """Is there a tab where the parser stopped, or in that line's indentation?"""
    lines = text.splitlines()
    if not 0 <= mark.line < len(lines):
        return False
    line = lines[mark.line]
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    return "\t" in indent or line[mark.column : mark.column + 1] == "\t"


def _pos(node: Any) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _check_size(root: Any, name: str) -> None:
    """Refuse alias bombs before expanding anything: count nodes as if expanded."""
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    sizes: dict[int, int] = {}
    # Iterative post-order walk; a node reached again through an alias reuses its size,
    # so this costs the number of distinct nodes, not the expanded count.
    stack: list[tuple[Any, bool]] = [(root, False)]
    on_path: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            if isinstance(node, MappingNode):
                kids = [n for pair in node.value for n in pair]
            else:
                kids = list(node.value)
            total = 1 + sum(sizes[id(k)] for k in kids)
            sizes[key] = total
            if total > MAX_NODES:
                line, col = _pos(node)
                raise PlaybookError(
                    [
                        Problem(
                            name,
                            line,
                            col,
                            f"this expands to over {MAX_NODES:,} values (YAML aliases that "
                            "multiply, a 'billion laughs' file): write the values out instead.",
                        )
                    ]
                )
            continue
        if key in sizes:
            continue
        if not isinstance(node, MappingNode | SequenceNode):
            sizes[key] = 1
            continue
        if key in on_path:
            line, col = _pos(node)
            raise PlaybookError([Problem(name, line, col, "a YAML alias refers to itself")])
        on_path.add(key)
        stack.append((node, True))
        kids = (
            [n for pair in node.value for n in pair]
            if isinstance(node, MappingNode)
            else node.value
        )
        for kid in kids:
            if id(kid) not in sizes:
                stack.append((kid, False))


def _build(
    node: Any, path: Path_, depth: int, out: Located, constructor: Any, problems: list[Problem]
) -> Any:
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    line, col = _pos(node)
    out.positions.setdefault(path, (line, col))
    if depth > MAX_DEPTH:
        raise PlaybookError([Problem(out.file, line, col, _TOO_DEEP)])
    tag = _tag(node)
    if isinstance(node, MappingNode):
        if tag != _MAP:
            problems.append(_tag_problem(out.file, line, col, tag))
            return {}
        result: dict[Any, Any] = {}
        first_seen: dict[Any, tuple[int, int]] = {}
        for key_node, value_node in node.value:
            kline, kcol = _pos(key_node)
            if _tag(key_node) == _MERGE:
                problems.append(
                    Problem(
                        out.file,
                        kline,
                        kcol,
                        "YAML merge keys ('<<') are not supported in playbooks: write the "
                        "fields out, or put shared content in a base playbook and use extends.",
                    )
                )
                continue
            if isinstance(key_node, MappingNode | SequenceNode):
                problems.append(
                    Problem(
                        out.file, kline, kcol, "a key must be plain text, not a list or mapping"
                    )
                )
                continue
            key = _scalar(key_node, out.file, constructor, problems)
            if isinstance(key, bool | int | float) or key is None:
                key = key_node.value  # `yes:` or `1:` as a key is meant as text
            if key in first_seen:
                problems.append(
                    Problem(
                        out.file,
                        kline,
                        kcol,
                        f"duplicate key '{key}' (first at line {first_seen[key][0]}): "
                        "keep one of them.",
                    )
                )
                continue
            first_seen[key] = (kline, kcol)
            out.positions[(*path, key, "<key>")] = (kline, kcol)
            result[key] = _build(value_node, (*path, key), depth + 1, out, constructor, problems)
        return result
    if isinstance(node, SequenceNode):
        if tag != _SEQ:
            problems.append(_tag_problem(out.file, line, col, tag))
            return []
        return [
            _build(item, (*path, i), depth + 1, out, constructor, problems)
            for i, item in enumerate(node.value)
        ]
    return _scalar(node, out.file, constructor, problems)


def _tag(node: Any) -> str:
    """`node.tag`, without rebuilding the string for every node.

    ruamel's `tag` property formats the tag object on each access, which is a tenth of
    the time it takes to load a playbook. A tag the resolver gave (`tag:yaml.org,2002:str`)
    is its suffix as it stands; only a tag written in the file needs the full treatment.
    """
    ctag = node.ctag
    if ctag is None:
        return ""
    suffix = ctag.suffix
    if ctag.handle is None and isinstance(suffix, str) and "%" not in suffix:
        return suffix
    return str(ctag)


def _scalar(node: Any, file: str, constructor: Any, problems: list[Problem]) -> Any:
    tag = _tag(node)
    if tag not in _ALLOWED_SCALAR_TAGS:
        line, col = _pos(node)
        problems.append(_tag_problem(file, line, col, tag))
        return None
    if tag == _STR:
        return node.value
    try:
        return constructor.construct_object(node, deep=True)
    except Exception:  # e.g. an impossible date: keep the text, the schema will say
        return node.value


def _tag_problem(file: str, line: int, col: int, tag: str) -> Problem:
    if "python/" in tag:
        what = "Python object tags are refused: a playbook holds text, numbers and lists only."
    else:
        what = (
            f"the tag '{tag}' is not allowed here: remove it (playbooks use plain "
            "text, numbers, lists and mappings)."
        )
    return Problem(file, line, col, what)
