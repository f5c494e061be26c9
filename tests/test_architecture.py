"""The shape of the package, read from the source: no new import cycle, no new reaching
into another module's private names.

Every `import` and `from … import` in a crisisplay module counts, wherever it is: at the
top, inside a function (the CLI imports late on purpose, start-up time) or under
`if TYPE_CHECKING:`; a late import hides a cycle from Python, not from a reader. An import
is an edge to the module it names: `from crisisplay.playbook import checks` is an edge to
crisisplay.playbook.checks, `from crisisplay.check import check_statement` one to the
package crisisplay.check. The packages a submodule sits in are not counted as edges.

What exists today is listed below, each with why. A new cycle or private import fails; one
that has gone fails too, until its entry is removed, so the lists only ever shrink.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "crisisplay"

# Cycles as module names without `crisisplay.`, starting from the smallest name.
KNOWN_CYCLES: set[tuple[str, ...]] = set()  # none: keep it that way

# (importing module, module.private_name), module names without `crisisplay.`.
KNOWN_PRIVATE_IMPORTS: set[tuple[str, str]] = set()  # none: make the name public instead


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    line: int
    target: str  # the module the import names
    name: str | None  # for `from target import name`: the name, when it is not a module
    when: str = "at import"  # or "in a function", "for type hints only"


def modules(src: Path = SRC, package: str = PACKAGE) -> dict[str, Path]:
    """Every module of the package, by dotted name (a package by its __init__.py)."""
    found = {}
    for path in sorted((src / package).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(src: Path = SRC, package: str = PACKAGE) -> Iterator[Import]:
    """Every import of a module of the package made by a module of the package."""
    known = modules(src, package)
    for module, path in known.items():
        is_package = path.name == "__init__.py"
        for node, when in _import_statements(ast.parse(path.read_bytes(), str(path))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if _ours(alias.name, package):
                        yield _placed(module, node.lineno, alias.name, None, known, when)
            else:
                base = _absolute(module, is_package, node)
                if not _ours(base, package):
                    continue
                for alias in node.names:
                    yield _placed(module, node.lineno, base, alias.name, known, when)


def _import_statements(
    node: ast.AST, when: str = "at import"
) -> Iterator[tuple[ast.Import | ast.ImportFrom, str]]:
    """Every import statement in `node`, with when it runs."""
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node, when
        return
    if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
        for inner in node.body:
            yield from _import_statements(inner, "for type hints only")
        for inner in node.orelse:
            yield from _import_statements(inner, when)
        return
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) and (
        when == "at import"
    ):
        when = "in a function"
    for child in ast.iter_child_nodes(node):
        yield from _import_statements(child, when)


def _ours(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    if not is_package:
        parts.pop()
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join([*parts, *([node.module] if node.module else [])])


def _placed(
    module: str, line: int, base: str, name: str | None, known: dict[str, Path], when: str
) -> Import:
    if name is not None and f"{base}.{name}" in known:
        return Import(module, line, f"{base}.{name}", None, when)
    assert base in known, f"{known[module]}:{line}: imports {base}, which is no module"
    return Import(module, line, base, name, when)


def graph(found: list[Import]) -> dict[str, dict[str, Import]]:
    """module → the modules it imports, each with its first import (for the message)."""
    edges: dict[str, dict[str, Import]] = {}
    for imp in sorted(found, key=lambda i: (i.module, i.line)):
        edges.setdefault(imp.module, {})
        edges.setdefault(imp.target, {})
        if imp.target != imp.module:
            edges[imp.module].setdefault(imp.target, imp)
    return edges


def cycles(edges: dict[str, dict[str, Import]]) -> list[tuple[str, ...]]:
    """Every elementary cycle, each once, starting from its smallest module name."""
    found: list[tuple[str, ...]] = []

    def walk(start: str, path: list[str]) -> None:
        for nxt in sorted(edges[path[-1]]):
            if nxt == start:
                found.append(tuple(path))
            elif nxt > start and nxt not in path and len(found) < 1000:
                walk(start, [*path, nxt])

    for start in sorted(edges):
        walk(start, [start])
    return found


def _short(module: str) -> str:
    return module.removeprefix(PACKAGE + ".")


def _where(module: str) -> Path:
    return modules()[module].relative_to(SRC.parent)


def _explain(cycle: tuple[str, ...], edges: dict[str, dict[str, Import]]) -> str:
    steps = []
    for here, there in zip(cycle, (*cycle[1:], cycle[0]), strict=True):
        imp = edges[here][there]
        steps.append(f"    {_where(here)}:{imp.line} imports {_short(there)} {imp.when}")
    arrow = " → ".join(_short(m) for m in (*cycle, cycle[0]))
    return f"  {arrow}\n" + "\n".join(steps)


def private_imports(found: list[Import]) -> dict[tuple[str, str], list[int]]:
    """(importer, module.private_name) → the lines it is imported on."""
    private: dict[tuple[str, str], list[int]] = {}
    for imp in found:
        if imp.target == imp.module:
            continue
        named = [*_short(imp.target).split("."), *([imp.name] if imp.name else [])]
        if any(_is_private(part) for part in named):
            key = (_short(imp.module), ".".join(named))
            private.setdefault(key, []).append(imp.line)
    return private


def _is_private(name: str) -> bool:
    if name == "_":  # gettext's `_()` from crisisplay.i18n: public by a convention older than ours
        return False
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_attributes(src: Path = SRC, package: str = PACKAGE) -> dict[tuple[str, str], list[int]]:
    """`module._name` where `module` was imported as a module of the package: the same
    reach into a private name as `from module import _name`, by another road."""
    known = modules(src, package)
    found: dict[tuple[str, str], list[int]] = {}
    for module, path in known.items():
        tree = ast.parse(path.read_bytes(), str(path))
        bound: dict[str, str] = {}  # local name → module it stands for
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname and alias.name in known:
                        bound[alias.asname] = alias.name
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(module, path.name == "__init__.py", node)
                for alias in node.names:
                    if f"{base}.{alias.name}" in known:
                        bound[alias.asname or alias.name] = f"{base}.{alias.name}"
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in bound
                and bound[node.value.id] != module
                and _is_private(node.attr)
            ):
                key = (_short(module), f"{_short(bound[node.value.id])}.{node.attr}")
                found.setdefault(key, []).append(node.lineno)
    return found


# --- the package as it is -------------------------------------------------------------------


@pytest.fixture(scope="module")
def edges() -> dict[str, dict[str, Import]]:
    return graph(list(imports()))


def test_no_new_import_cycle(edges: dict[str, dict[str, Import]]) -> None:
    found = {tuple(_short(m) for m in c): c for c in cycles(edges)}
    new = [found[c] for c in sorted(found) if c not in KNOWN_CYCLES]
    assert not new, (
        f"{len(new)} new import cycle(s) among crisisplay modules; move what both sides "
        "need into a third module, or pass it in:\n" + "\n".join(_explain(c, edges) for c in new)
    )


def test_every_known_cycle_still_exists(edges: dict[str, dict[str, Import]]) -> None:
    found = {tuple(_short(m) for m in c) for c in cycles(edges)}
    gone = sorted(KNOWN_CYCLES - found)
    assert not gone, (
        "these import cycles are gone: remove them from KNOWN_CYCLES in "
        f"{Path(__file__).name}:\n" + "\n".join(f"  {' → '.join(c)}" for c in gone)
    )


#: The rooms of the house in the order the data flows (docs/architecture.md): a module may
#: import from its own room and the rooms before it, never from a later one. The shared
#: modules at the top of the package (errors, text, times, files, safefs, output, …) come
#: first and import only each other.
ROOMS = ("shared", "check", "playbook", "incident", "frontends", "drill", "report", "cli")


def _room(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in ROOMS:
        return parts[1]
    if len(parts) > 1 and (SRC / PACKAGE / parts[1]).is_dir():
        return parts[1]  # a new package: it must be given a place in ROOMS
    return "shared"


def test_every_import_goes_with_the_flow(edges: dict[str, dict[str, Import]]) -> None:
    against = []
    for module, targets in edges.items():
        here = _room(module)
        assert here in ROOMS, f"package {here} has no place in ROOMS ({Path(__file__).name})"
        for target, imp in targets.items():
            there = _room(target)
            if ROOMS.index(there) > ROOMS.index(here):
                where = _where(module)
                against.append(
                    f"{where}:{imp.line} ({here}) imports {_short(target)} ({there}) {imp.when}"
                )
    assert not against, "imports against the flow of the data:\n" + "\n".join(against)


def test_no_new_import_of_a_private_name() -> None:
    found = private_imports(list(imports()))
    for key, lines in private_attributes().items():
        found.setdefault(key, []).extend(lines)
    new = {key: lines for key, lines in found.items() if key not in KNOWN_PRIVATE_IMPORTS}
    assert not new, (
        "a private name (_x) used from another crisisplay module; make it public in its "
        "module, or keep it where it is used:\n"
        + "\n".join(
            f"  {_where(f'{PACKAGE}.{importer}')}:{min(lines)}: {name}"
            for (importer, name), lines in sorted(new.items())
        )
    )


def test_every_known_private_import_still_exists() -> None:
    found = set(private_imports(list(imports()))) | set(private_attributes())
    gone = sorted(KNOWN_PRIVATE_IMPORTS - found)
    assert not gone, (
        "these private imports are gone: remove them from KNOWN_PRIVATE_IMPORTS in "
        f"{Path(__file__).name}:\n" + "\n".join(f"  {m}: {name}" for m, name in gone)
    )


# --- the checks themselves find what they look for ------------------------------------------


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_cycles_through_late_relative_and_type_only_imports_are_found(tmp_path: Path) -> None:
    src = write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg import b\n",
            "pkg/b.py": "def f():\n    from .sub import c\n",
            "pkg/sub/__init__.py": "",
            "pkg/sub/c.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..a import A\n"
            ),
            "pkg/d.py": "import pkg.e\n",
            "pkg/e.py": "import pkg.d\nfrom pkg import a\n",
        },
    )
    edges = graph(list(imports(src, "pkg")))
    assert cycles(edges) == [("pkg.a", "pkg.b", "pkg.sub.c"), ("pkg.d", "pkg.e")]
    assert (edges["pkg.b"]["pkg.sub.c"].line, edges["pkg.b"]["pkg.sub.c"].when) == (
        2,
        "in a function",
    )
    assert edges["pkg.sub.c"]["pkg.a"].when == "for type hints only"
    assert edges["pkg.a"]["pkg.b"].when == "at import"


def test_private_names_are_found_however_they_are_reached(tmp_path: Path) -> None:
    src = write(
        tmp_path,
        {
            "pkg/__init__.py": "__version__ = '1'\n",
            "pkg/a.py": "_x = 1\ndef _f(): pass\nprint(_x)\n",
            "pkg/b.py": "from pkg.a import _x\nfrom pkg import __version__\n",
            "pkg/c.py": "def g():\n    from . import a\n    return a._f()\n",
            "pkg/_d.py": "",
            "pkg/e.py": "import pkg._d\n",
        },
    )
    found = {
        (importer, name)
        for importer, name in {
            **private_imports(list(imports(src, "pkg"))),
            **private_attributes(src, "pkg"),
        }
    }
    # `_short` drops only the crisisplay prefix, so the names here keep `pkg.`
    assert found == {("pkg.b", "pkg.a._x"), ("pkg.c", "pkg.a._f"), ("pkg.e", "pkg._d")}


def test_an_import_of_no_module_is_an_error_not_a_missing_edge(tmp_path: Path) -> None:
    src = write(tmp_path, {"pkg/__init__.py": "", "pkg/a.py": "from pkg.gone import x\n"})
    with pytest.raises(AssertionError, match=r"imports pkg\.gone, which is no module"):
        list(imports(src, "pkg"))


def test_the_real_package_is_read(edges: dict[str, dict[str, Import]]) -> None:
    assert set(edges) <= set(modules()) and len(edges) > 50
    # `from crisisplay.cli import (check_cmd, …)` in the package: edges to the submodules
    assert "crisisplay.cli.check_cmd" in edges["crisisplay.cli"]
