"""A resolved playbook: a playbook with its overlays applied (what an incident walks), and
where each of its parts came from (for problems at `file:line:col`).

Its own module so that the whole-playbook checks (``checks``) and the library that resolves
playbooks (``library``) both build on it without importing each other.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from crisisplay.errors import Problem
from crisisplay.home import Home
from crisisplay.playbook.model import Client, Playbook, Stage, Step
from crisisplay.playbook.preview import incident_client, incident_zone, severity_problem
from crisisplay.yamlfile import Located


class TemplateSource(Protocol):
    """What a resolved playbook needs of the library that resolved it: its home (the
    workspace's checker rules) and its templates."""

    @property
    def home(self) -> Home: ...

    def template_store(self, resolved: Resolved) -> Any: ...


# --- where things came from ---------------------------------------------------------------

Where = tuple[Located, tuple[str | int, ...]]


@dataclass
class Origins:
    """For each part of a resolved playbook, the file and YAML path it came from."""

    top: dict[str, Where] = field(default_factory=dict)
    stages: dict[str, Where] = field(default_factory=dict)
    due: dict[str, Where] = field(default_factory=dict)
    steps: dict[str, list[Where]] = field(default_factory=dict)  # >1 if id reused
    fields: dict[tuple[str, str], Where] = field(default_factory=dict)
    templates: dict[str, Where] = field(default_factory=dict)
    variables: dict[str, Where] = field(default_factory=dict)
    client: dict[str, Where] = field(default_factory=dict)

    def copy(self) -> Origins:
        """An overlay adds to its base's origins without changing the base's."""
        out = Origins()
        for name in self.__dataclass_fields__:
            table = getattr(self, name)
            setattr(out, name, {k: list(v) if isinstance(v, list) else v for k, v in table.items()})
        return out

    def step(
        self,
        step_id: str,
        message: str,
        fld: str | None = None,
        *,
        sub: tuple[str | int, ...] = (),
        key: bool = False,
        nth: int = 0,
    ) -> Problem:
        where = self.fields.get((step_id, fld)) if fld else None
        if where is None:
            places = self.steps[step_id]
            located, path = places[min(nth, len(places) - 1)]
            where = (located, path + ((fld,) if fld else ()))
        located, path = where
        return located.problem(path + sub, message, key=key or (fld is not None and not sub))

    def stage(self, stage_id: str, message: str, fld: str | None = None) -> Problem:
        if fld == "due" and stage_id in self.due:
            located, path = self.due[stage_id]
            return located.problem(path, message)
        located, path = self.stages[stage_id]
        return located.problem(path + ((fld,) if fld else ()), message, key=fld is not None)

    def at(
        self, name: str, message: str, sub: tuple[str | int, ...] = (), table: str = "top"
    ) -> Problem:
        where = getattr(self, table).get(name)
        if where is None:
            where = self.top.get(table if table != "top" else name) or next(iter(self.top.values()))
            located, path = where
            return located.problem(path, message)
        located, path = where
        return located.problem(path + sub, message)


@dataclass
class Resolved:
    """A playbook with its overlays applied: what an incident actually walks."""

    playbook: Playbook
    path: Path
    origin: str
    lineage: list[dict[str, str]]
    origins: Origins
    library: TemplateSource

    @property
    def client(self) -> Client:
        return self.playbook.client or Client()

    @property
    def client_slug(self) -> str:
        from crisisplay.text import slugify

        return self.client.slug or slugify(self.client.name)

    def template_store(self) -> Any:
        if not hasattr(self, "_store"):
            self._store = self.library.template_store(self)
        return self._store

    def content(self) -> dict[str, Any]:
        """The resolved content, with every template text it can use, for hashing/showing."""
        data = self.playbook.model_dump(
            mode="json",
            by_alias=True,
            exclude_none=True,
            exclude={"extends", "deadlines", "change", "add", "remove"},
        )
        store = self.template_store()
        used: dict[str, dict[str, str]] = {}
        for _, step in self.playbook.steps():
            if step.kind == "draft" and step.template:
                for platform in self.draft_platforms(step):
                    src = store.find(step.template, platform)
                    if src is not None:
                        used.setdefault(step.template, {})[platform] = src.text
        data["templates"] = used
        return data

    @property
    def sha256(self) -> str:
        if not hasattr(self, "_sha"):
            canon = json.dumps(
                self.content(), sort_keys=True, ensure_ascii=False, separators=(",", ":")
            )
            self._sha = hashlib.sha256(canon.encode("utf-8")).hexdigest()
        return self._sha

    @property
    def generic(self) -> bool:
        """A base protocol with no client in it (the shipped default): the walk asks whom
        the incident is about. A client overlay names its client."""
        return not self.playbook.extends and self.client.name in ("the client", "el cliente")

    def timezone(self) -> str:
        """The IANA zone an incident on this playbook shows and reads times in: the
        client's (`client.timezone`), else the workspace's (crisisplay.toml), else the
        machine's (TZ, /etc/localtime), else UTC."""
        return incident_zone(self.client.timezone, self.library.home)

    def incident_client(self, given: str | None) -> str:
        """The client an incident on this playbook is for: the overlay's, unless the
        manager named another one."""
        return incident_client(self.client.name, self.client_slug, self.generic, given)

    def severity_problem(self, level: int) -> str | None:
        """Why `level` is not a severity of this playbook, naming the ones it has."""
        return severity_problem(self.playbook.id, self.playbook.severity_levels(), level)

    def full(self) -> Resolved:
        """Itself: what a `preview.Preview` of it gives once loaded."""
        return self

    def draft_platforms(self, step: Step) -> list[str]:
        return list(step.platforms or self.client.platforms or ["x", "facebook"])

    def stage_of(self, step_id: str) -> Stage:
        for stage, step in self.playbook.steps():
            if step.id == step_id:
                return stage
        raise KeyError(step_id)
