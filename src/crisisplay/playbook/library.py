"""Finding playbooks, resolving client overlays onto their bases, and checking the result.

Lookup order: the home's `playbooks/` folder (an agency workspace), then the shipped
ones. A workspace playbook shadows every shipped playbook with the same id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crisisplay.errors import CrisisplayError, PlaybookError, Problem
from crisisplay.home import Home, shipped_root
from crisisplay.semver import Range, Version, split_ref
from crisisplay.yamlfile import Located, load_file

if TYPE_CHECKING:  # the model (pydantic) is imported where a playbook is read: `start` draws
    # its first prompt from a preview (playbook/preview.py) before any of it is needed
    from crisisplay.playbook.model import Playbook, Stage
    from crisisplay.playbook.resolved import Origins, Resolved

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Entry:
    """A playbook file found on the search path, read just enough to list and pick it."""

    id: str
    version: str
    language: str
    name: str
    client: str
    extends: str
    path: Path
    origin: str  # "workspace", "shipped", "example" or "file"

    def sort_key(self) -> tuple[Any, ...]:
        try:
            v: Any = Version.parse(self.version)
        except ValueError:
            v = Version(0, 0, 0)
        return (self.id, v)


@dataclass(frozen=True)
class Broken:
    """A file in a playbooks folder that cannot be used: it does not parse, or is not a
    playbook. Listed and validated with its problems, never silently left out."""

    id: str  # the id the file's text claims (`id: acme`), else its file name stem
    path: Path
    origin: str
    problems: tuple[Problem, ...]
    names: tuple[str, ...] = ()  # indented `name:` and `slug:` values: the client's

    def claims(self, name: str) -> bool:
        return name in (self.id, self.path.stem)

    def for_client(self, slug: str) -> bool:
        from crisisplay.text import slugify

        return (
            self.claims(slug)
            or self.id.startswith(slug + "-")
            or any(slugify(n) == slug for n in self.names)
        )

    def error(self) -> PlaybookError:
        """Its problems, and what to do about them."""
        from crisisplay.invocation import command

        error = PlaybookError(list(self.problems))
        error.hint = (
            f"Playbook '{self.id}' ({self.path}) cannot be used until this is fixed: correct "
            f"the lines above and check again with `{command('playbook', 'validate', self.id)}`,"
            " or move the file out of the playbooks folder."
        )
        return error


_CLAIMED_ID = re.compile(r"""^id:[ \t]*["']?([a-z0-9]+(?:-[a-z0-9]+)*)["']?[ \t]*(?:#.*)?$""", re.M)
_CLAIMED_NAME = re.compile(r"""^[ \t]+(?:name|slug):[ \t]*["']?([^"'#\n]+)""", re.M)


def _claims(path: Path) -> tuple[str, tuple[str, ...]]:
    """The id a file says it has and the client names and slugs it mentions, read as
    text: a file that does not parse still names the playbook and client it is meant for."""
    from crisisplay.yamlfile import read_text

    try:
        text = read_text(path)
    except (PlaybookError, OSError):
        return path.stem, ()
    found = _CLAIMED_ID.search(text)
    names = tuple(m.group(1).strip() for m in _CLAIMED_NAME.finditer(text))
    return (found.group(1) if found else path.stem), names


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file())


def entry_for(path: Path, origin: str, located: Located | None = None) -> Entry | None:
    """Read id/version/… from a file; None when it is not a playbook at all."""
    try:
        data = (located or load_file(path)).data
    except PlaybookError:
        return None
    if not isinstance(data, dict) or "id" not in data or "schema" not in data:
        return None
    client = data.get("client")
    client_name = client.get("name", "") if isinstance(client, dict) else ""
    return Entry(
        id=str(data.get("id")),
        version=str(data.get("version", "")),
        language=str(data.get("language") or ""),
        name=str(data.get("name", "")),
        client=str(client_name or ""),
        extends=str(data.get("extends") or ""),
        path=path,
        origin=origin,
    )


@dataclass
class Library:
    home: Home
    _entries: list[Entry] | None = None
    _broken: list[Broken] = field(default_factory=list)
    _located: dict[Path, Located] = field(default_factory=dict)
    _read: dict[Path, tuple[Playbook, Located]] = field(default_factory=dict)
    _checked: dict[Path, list[Problem]] = field(default_factory=dict)
    _previews: dict[str, Any] = field(default_factory=dict)
    files_stamp: str | None = None  # what playbook/preview.py fingerprints, once per run

    def search_path(self) -> list[tuple[Path, str]]:
        shipped = shipped_root() / "playbooks"
        return [(self.home.playbooks, "workspace"), (shipped, "shipped")]

    def entries(self) -> list[Entry]:
        """Every playbook visible from here, workspace ones shadowing shipped ones."""
        if self._entries is None:
            found: list[Entry] = []
            broken: list[Broken] = []
            workspace_ids: set[str] = set()
            for folder, origin in self.search_path():
                for path in _files(folder):
                    kind = "example" if origin == "shipped" and "examples" in path.parts else origin
                    try:
                        located = self.locate(path)
                        entry = entry_for(path, kind, located)
                        if entry is None:  # a mapping without id or schema, a list, nothing
                            read(path, located)  # says what is missing
                            raise PlaybookError([Problem(str(path), 1, 1, "not a playbook")])
                    except PlaybookError as e:
                        # Not left out in silence: `list`, `validate` and `start` name it.
                        claimed, names = _claims(path)
                        broken.append(Broken(claimed, path, kind, tuple(e.problems), names))
                        continue
                    if origin != "workspace" and entry.id in workspace_ids:
                        continue
                    found.append(entry)
                if origin == "workspace":
                    workspace_ids = {e.id for e in found}
            self._entries = sorted(found, key=Entry.sort_key)
            self._broken = broken
        return self._entries

    def broken(self) -> list[Broken]:
        """Files in the playbooks folders that cannot be used, with their problems."""
        self.entries()
        return list(self._broken)

    def broken_for(self, name: str) -> Broken | None:
        """The unusable file meant to be playbook `name` (by its id or its file name)."""
        return next((b for b in self.broken() if b.claims(name)), None)

    def find(self, ref: str) -> Entry:
        """`default`, `default@^1`, or a path to a file."""
        path = Path(ref).expanduser()
        if path.suffix in YAML_SUFFIXES or "/" in ref:
            if not path.is_file():
                raise CrisisplayError(
                    f"No playbook file at {ref}.", "Check the path, or give a playbook id instead."
                )
            # The loader reads it (once) and says exactly what is wrong with it, if anything.
            return Entry(path.stem, "", "", "", "", "", path, "file")
        try:
            name, wanted = split_ref(ref)
        except ValueError as e:
            raise CrisisplayError(f"'{ref}': {e}") from None
        candidates = [e for e in self.entries() if e.id == name]
        if wanted is not None:
            versions = sorted({e.version for e in candidates}, key=_version_key)
            candidates = [e for e in candidates if _version_in(e.version, wanted)]
            if versions and not candidates:
                raise CrisisplayError(
                    f"No version of playbook '{name}' matches {wanted}: "
                    f"{'it has' if len(versions) == 1 else 'there are'} {', '.join(versions)}.",
                    f"Ask for one of those (e.g. {name}@^{versions[-1].split('.')[0]}), "
                    "or add the version you need to the workspace's playbooks/ folder.",
                )
        broken = self.broken_for(name)
        if broken is not None and (
            not candidates
            or (broken.origin == "workspace" and all(e.origin != "workspace" for e in candidates))
        ):
            # A workspace file that would shadow a shipped playbook but does not parse is
            # still the one the agency meant: walking the shipped one instead is not an option.
            raise broken.error()
        if not candidates:
            known = sorted({e.id for e in self.entries()})
            import difflib

            close = difflib.get_close_matches(name, known, n=1)
            hint = f"Did you mean '{close[0]}'? " if close else ""
            what = f"'{name}' at {wanted}" if wanted else f"'{name}'"
            raise CrisisplayError(
                f"No playbook {what} was found.",
                hint + f"Known playbooks: {', '.join(known) or 'none'}. "
                "See them with `crisisplay playbook list`.",
            )
        return max(candidates, key=Entry.sort_key)

    def load(self, ref: str, *, check: bool = True) -> Resolved:
        preview = self._previews.pop(ref, None) if check else None
        if preview is not None:  # being loaded in the background: that load, once
            return preview.full()
        return self.load_fresh(ref, check=check)

    def load_fresh(self, ref: str, *, check: bool = True, remember: bool = True) -> Resolved:
        """Find, read, resolve and (with `check`) check a playbook; one that passes the
        checks leaves a preview of itself for the next `start` (playbook/preview.py)."""
        from crisisplay.playbook import preview

        key = preview.key_for(self, ref) if check and remember else None
        entry = self.find(ref)
        resolved = resolve(entry.path, self, origin=entry.origin)
        if check:
            problems = self.problems(resolved)
            if problems:
                raise PlaybookError(problems)
            preview.remember(self, ref, resolved, key)
        return resolved

    def preview(self, ref: str, *, when: Any = None, meanwhile: Any = None) -> Any:
        """`ref` as its first questions need it, without loading it: a `preview.Preview`
        when exactly these files loaded without a problem before, else None (then load it).
        `when(start)` is told how to begin the real load (when the first question is on
        screen); `load(ref)` and the preview's `full()` wait for that load to finish.
        With `meanwhile`, a missing preview is made by loading the playbook in a child
        process while `meanwhile()` runs (`preview.made`)."""
        from crisisplay.playbook import preview

        found = self._previews.get(ref)
        if found is None:
            found = preview.recall(self, ref)
            if found is None and meanwhile is not None:
                found = preview.made(self, ref, meanwhile)
            if found is None:
                return None
            self._previews[ref] = found
        if when is not None:
            when(found.start)
        return found

    def problems(self, resolved: Resolved) -> list[Problem]:
        """What is wrong with a resolved playbook (checked once per run and file)."""
        from crisisplay.playbook.checks import check_playbook

        key = resolved.path.resolve()
        if key not in self._checked:
            found = check_playbook(resolved)
            if found and len(resolved.lineage) > 1:
                found = self._blame_overlay(resolved, found)
            self._checked[key] = found
        return self._checked[key]

    def _blame_overlay(self, resolved: Resolved, found: list[Problem]) -> list[Problem]:
        """A problem in the base that the base does not have on its own is the overlay's.

        It is reported in the overlay (at `extends`), naming the base's line, so that
        whoever validates a client playbook is sent to the file they can change.
        """
        top = str(resolved.path)
        base_path = Path(resolved.lineage[1]["path"])
        base = resolve(base_path, self, origin="file")
        own = set(self.problems(base))
        _, located = self.read(resolved.path)
        base_id = resolved.lineage[1]["id"]
        out = []
        for p in found:
            if p.file == top or p in own:
                out.append(p)
                continue
            out.append(
                located.problem(
                    ("extends",),
                    f"with this overlay applied, the base '{base_id}' breaks at "
                    f"{Path(p.file).name}:{p.line}: {p.message}",
                )
            )
        return out

    def locate(self, path: Path) -> Located:
        """Parse a YAML file once per run: listing, lookup and validation share it."""
        key = path.resolve()
        if key not in self._located:
            self._located[key] = load_file(path, cache=True)
        located = self._located[key]
        # Problems name the file the way it was asked for (relative, absolute…).
        return located if located.file == str(path) else replace(located, file=str(path))

    def read(self, path: Path) -> tuple[Playbook, Located]:
        """Parse and validate a file once per run (a base is shared by its overlays)."""
        key = path.resolve()
        if key not in self._read:
            self._read[key] = read(path, self.locate(path))
        return self._read[key]

    def template_store(self, resolved: Resolved) -> Any:
        from crisisplay.playbook.templates import TemplateStore, file_layer, inline_layer

        language = resolved.playbook.language or "en"
        store = TemplateStore(language)
        store.layers.append(("playbook", inline_layer(resolved.playbook.templates)))
        if self.home.templates.is_dir():
            store.layers.append(
                ("workspace", file_layer(self.home.templates, language, "workspace"))
            )
        store.layers.append(
            ("shipped", file_layer(shipped_root() / "templates", language, "shipped"))
        )
        return store


def _version_key(text: str) -> Version:
    try:
        return Version.parse(text)
    except ValueError:
        return Version(0, 0, 0)


def _version_in(text: str, wanted: Range) -> bool:
    try:
        return Version.parse(text) in wanted
    except ValueError:
        return False


# --- resolving ---------------------------------------------------------------------------


def read(path: Path, located: Located | None = None) -> tuple[Playbook, Located]:
    located = located or load_file(path)
    if not isinstance(located.data, dict):
        what = "empty" if located.data is None else "not a mapping of keys"
        raise PlaybookError(
            [
                Problem(
                    located.file,
                    1,
                    1,
                    f"this file is {what}: a playbook starts with 'schema: crisisplay/v1', then "
                    "id, version, name, language and stages (see `crisisplay playbook new`).",
                )
            ]
        )
    from crisisplay.playbook.model import Playbook
    from crisisplay.playbook.validate import validate

    return validate(Playbook, located), located


def resolve(
    path: Path, library: Library, *, origin: str = "file", _chain: tuple[str, ...] = ()
) -> Resolved:
    from crisisplay.playbook.resolved import Resolved

    playbook, located = library.read(path)
    problems = _shape_problems(playbook, located)
    if problems:
        raise PlaybookError(problems)
    entry = {"id": playbook.id, "version": playbook.version, "path": str(path)}
    if not playbook.extends:
        origins = _origins_of(playbook, located)
        return Resolved(playbook, path, origin, [entry], origins, library)
    name, _ = split_ref(playbook.extends)
    chain = (*_chain, f"{playbook.id}@{playbook.version}")
    if name == playbook.id or any(c.split("@")[0] == name for c in chain):
        raise PlaybookError(
            [
                located.problem(
                    ("extends",),
                    f"'extends: {playbook.extends}' makes a cycle "
                    f"({' -> '.join(chain)} -> {name}): "
                    "a playbook cannot extend itself or one that extends it.",
                )
            ]
        )
    try:
        base_entry = library.find(playbook.extends)
    except PlaybookError:
        raise  # the base's own file is broken: its problems, where they are
    except CrisisplayError as e:
        raise PlaybookError(
            [located.problem(("extends",), f"base playbook: {e.message} {e.hint or ''}".strip())]
        ) from None
    base = resolve(base_entry.path, library, origin=base_entry.origin, _chain=chain)
    return _apply_overlay(base, playbook, located, path, origin, entry)


def _shape_problems(pb: Playbook, located: Located) -> list[Problem]:
    out = []
    overlay_keys = ("deadlines", "change", "add", "remove")
    if pb.extends:
        if pb.stages is not None:
            out.append(
                located.problem(
                    ("stages",),
                    "an overlay (with 'extends') does not repeat the stages: change steps with "
                    "'change', 'add' and 'remove', deadlines with 'deadlines'.",
                    key=True,
                )
            )
    else:
        if pb.stages is None:
            out.append(
                located.problem(
                    (), "missing required key 'stages' (or 'extends', for a client overlay)"
                )
            )
        if pb.language is None:
            out.append(located.problem((), "missing required key 'language' (en, es, …)"))
        for k in overlay_keys:
            if getattr(pb, k) is not None:
                out.append(
                    located.problem(
                        (k,),
                        f"'{k}' is for client overlays: add 'extends: <base id>' or move "
                        "the change into the stages.",
                        key=True,
                    )
                )
    return out


def _origins_of(pb: Playbook, located: Located) -> Origins:
    from crisisplay.playbook.resolved import Origins

    o = Origins()
    for key in located.data:
        o.top[key] = (located, (key,))
    for i, stage in enumerate(pb.stages or []):
        o.stages[stage.id] = (located, ("stages", i))
        for j, step in enumerate(stage.steps):
            o.steps.setdefault(step.id, []).append((located, ("stages", i, "steps", j)))
    for tid in pb.templates:
        o.templates[tid] = (located, ("templates", tid))
    for k, var in enumerate(pb.variables):
        o.variables[var.name] = (located, ("variables", k))
    if pb.client:
        for key in pb.client.model_fields_set:
            o.client[key] = (located, ("client", key))
    return o


def _apply_overlay(
    base: Resolved, ov: Playbook, located: Located, path: Path, origin: str, entry: dict[str, str]
) -> Resolved:
    from crisisplay.playbook.model import Client, Playbook, Step
    from crisisplay.playbook.resolved import Resolved
    from crisisplay.playbook.validate import validate

    problems: list[Problem] = []
    o = base.origins.copy()
    for key in located.data:
        o.top[key] = (located, (key,))
    bp = base.playbook
    if ov.language and bp.language and ov.language.lower() != bp.language.lower():
        problems.append(
            located.problem(
                ("language",),
                f"language '{ov.language}' differs from the base's "
                f"'{bp.language}': extend a base in the same language.",
            )
        )
    # Client profile: merged key by key, so an overlay names only what differs.
    client_data = (bp.client or Client()).model_dump(exclude_unset=False)
    if ov.client:
        client_data.update(ov.client.model_dump(include=ov.client.model_fields_set))
        for key in ov.client.model_fields_set:
            o.client[key] = (located, ("client", key))
    client = Client.model_validate(client_data)

    # Steps are replaced, never changed in place: copying each stage and its list of
    # steps keeps the base intact without a deep copy of every step.
    stages = [s.model_copy(update={"steps": list(s.steps)}) for s in bp.stages or []]
    for stage_id, due in (ov.deadlines or {}).items():
        stage = next((s for s in stages if s.id == stage_id), None)
        if stage is None:
            problems.append(
                located.problem(
                    ("deadlines", stage_id),
                    f"deadlines: the base has no stage '{stage_id}' (it has "
                    f"{', '.join(s.id for s in stages)})",
                    key=True,
                )
            )
            continue
        stage.due = due
        o.due[stage_id] = (located, ("deadlines", stage_id))

    index = {step.id: (si, j) for si, s in enumerate(stages) for j, step in enumerate(s.steps)}

    for step_id, changes in (ov.change or {}).items():
        if step_id not in index:
            problems.append(_missing_step(located, ("change", step_id), step_id, index, "change"))
            continue
        si, j = index[step_id]
        current = stages[si].steps[j]
        data = current.model_dump(exclude_none=True)
        if isinstance(changes, dict):
            if "id" in changes:
                problems.append(
                    located.problem(
                        ("change", step_id, "id"),
                        "a step's id cannot be changed: remove it and add a new step instead.",
                        key=True,
                    )
                )
                continue
            # Changing the kind's text keeps the kind; naming another kind replaces it.
            new_kinds = [
                k
                for k in changes
                if k in Step.model_fields
                and k in ("check", "ask", "decide", "draft", "notify", "note")
            ]
            if new_kinds and current.kind not in new_kinds:
                data.pop(current.kind, None)
            data.update(changes)
        try:
            stages[si].steps[j] = validate(Step, located, prefix=("change", step_id), data=data)
        except PlaybookError as e:
            problems.extend(e.problems)
            continue
        for fld in changes if isinstance(changes, dict) else ():
            o.fields[(step_id, fld)] = (located, ("change", step_id, fld))

    removed: dict[str, int] = {}
    for k, step_id in enumerate(ov.remove or []):
        if step_id not in index:
            problems.append(_missing_step(located, ("remove", k), step_id, index, "remove"))
            continue
        removed.setdefault(step_id, k)
        for s in stages:
            s.steps = [st for st in s.steps if st.id != step_id]
    problems.extend(_removal_problems(located, stages, removed, bp))

    for k, ins in enumerate(ov.add or []):
        anchor = ins.before or ins.after
        if (ins.before is None) == (ins.after is None):
            problems.append(
                located.problem(
                    ("add", k),
                    "each 'add' entry needs exactly one of 'before' or 'after' "
                    "(the id of an existing step)",
                )
            )
            continue
        assert anchor is not None
        target = next(
            ((s, j) for s in stages for j, st in enumerate(s.steps) if st.id == anchor), None
        )
        if target is None and anchor in removed:
            problems.append(
                located.problem(
                    ("add", k, "before" if ins.before else "after"),
                    f"add: step '{anchor}' is taken out by this overlay's 'remove': "
                    "add the new steps next to a step that stays",
                )
            )
            continue
        if target is None:
            problems.append(
                _missing_step(
                    located, ("add", k, "before" if ins.before else "after"), anchor, index, "add"
                )
            )
            continue
        s, j = target
        at = j if ins.before else j + 1
        s.steps[at:at] = ins.steps
        for n, new in enumerate(ins.steps):
            if new.id in index:
                problems.append(
                    located.problem(
                        ("add", k, "steps", n, "id"),
                        f"step id '{new.id}' already exists in the base: use 'change' to "
                        "modify it, or pick a new id.",
                    )
                )
            o.steps.setdefault(new.id, []).append((located, ("add", k, "steps", n)))

    templates = dict(bp.templates)
    for tid, text in ov.templates.items():
        templates[tid] = text
        o.templates[tid] = (located, ("templates", tid))

    variables = {v.name: v for v in bp.variables}
    for k, var in enumerate(ov.variables):
        variables[var.name] = var
        o.variables[var.name] = (located, ("variables", k))

    if problems:
        raise PlaybookError(problems)

    merged = Playbook.model_validate(
        {
            "schema": ov.schema_,
            "id": ov.id,
            "version": ov.version,
            "name": ov.name,
            "language": ov.language or bp.language,
            "description": ov.description or bp.description,
            "client": client.model_dump(),
            "severities": _severities(ov, bp),
            "public_from": ov.public_from if ov.public_from is not None else bp.public_from,
            "variables": [v.model_dump() for v in variables.values()],
            "templates": templates,
            "stages": [s.model_dump(exclude_none=True) for s in stages],
        }
    )
    lineage = [entry, *base.lineage]
    return Resolved(merged, path, origin, lineage, o, base.library)


def _severities(ov: Playbook, bp: Playbook) -> list[dict[str, Any]] | None:
    """The levels an overlay walks with, and which deadline wins.

    A client's overlay is the agreement with that client: a stage deadline it sets
    (`deadlines: {hold: 45m}`) is the deadline at every level, over the base's severity
    table (the base's `{hold: 30m}` at level 1 no longer applies to that stage). Only
    the overlay's own `severities` may change a deadline it sets, level by level.
    """
    if ov.severities:
        return [s.model_dump() for s in ov.severities]
    if not ov.deadlines:
        return [s.model_dump() for s in bp.severities] if bp.severities else None
    levels = []
    for sev in bp.severity_levels():  # the base's own, or the four built-in levels
        data = sev.model_dump()
        data["deadlines"] = {k: v for k, v in sev.deadlines.items() if k not in ov.deadlines}
        levels.append(data)
    return levels


def _removal_problems(
    located: Located, stages: list[Stage], removed: dict[str, int], base: Playbook
) -> list[Problem]:
    """Removing a step must not leave a goto pointing at nothing, or a stage empty."""
    out = []
    jumps: dict[str, list[str]] = {}
    for stage in stages:
        for step in stage.steps:
            for option in step.options or []:
                if option.goto in removed and step.id not in jumps.get(option.goto, []):
                    jumps.setdefault(option.goto, []).append(step.id)
    for target, sources in jumps.items():
        names = ", ".join(f"'{sid}'" for sid in sources)
        whose = "step" if len(sources) == 1 else "steps"
        out.append(
            located.problem(
                ("remove", removed[target]),
                f"remove: step '{target}' cannot be removed while an option of {whose} "
                f"{names} jumps to it (goto): give those options another goto with "
                f"'change' (change: {{{sources[0]}: {{options: …}}}}), or keep the step",
            )
        )
    before = {s.id: [st.id for st in s.steps] for s in base.stages or []}
    for stage in stages:
        if not stage.steps and before.get(stage.id):
            last = max(removed.get(sid, -1) for sid in before[stage.id])
            out.append(
                located.problem(
                    ("remove", last),
                    f"remove: this takes out every step of stage '{stage.id}'; keep at "
                    "least one, or add a step to it with 'add'",
                )
            )
    return out


def _missing_step(
    located: Located, path: tuple[str | int, ...], step_id: str, index: dict[str, Any], what: str
) -> Problem:
    import difflib

    close = difflib.get_close_matches(step_id, list(index), n=1)
    hint = f" — did you mean '{close[0]}'?" if close else ""
    return located.problem(
        path, f"{what}: the base has no step '{step_id}'{hint}", key=what == "change"
    )
