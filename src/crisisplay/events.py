"""One typed model per event type of the incident log, built from the decoded line.

The log's reader (:class:`crisisplay.log.LogReader`) yields each line as a dict, checked as
``log verify`` checks it; :func:`typed` turns that stream into these events, which the
report, ``stats`` and ``log show`` read instead of indexing dicts. The walk's replay keeps
applying the dicts (it needs nothing more, and converting would only slow it).

Every event has the envelope every line has (``seq``, ``prev``, ``ts``, ``type``, ``actor``,
``data``, ``at``); each type adds typed accessors for its own ``data``. They read the data
as written and never raise on a field that is missing or of the wrong type (a damaged log is
still shown): a missing text is ``""``, a missing name ``None``. A type this version does
not know is carried as a plain :class:`Event`, never refused, and :meth:`Event.to_dict`
gives back exactly the decoded line.

Slotted, frozen dataclasses rather than pydantic models: a report reads a million of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

__all__ = [
    "DeadlineMissed",
    "DrillEvent",
    "Event",
    "IncidentClosed",
    "IncidentOpened",
    "IncidentReopened",
    "Note",
    "PlaybookChanged",
    "Recovery",
    "SessionPaused",
    "SessionResumed",
    "SeverityChanged",
    "Step",
    "Variables",
    "from_dict",
    "typed",
]


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True, slots=True)
class Event:
    """Any event: the envelope every log line has. Unknown types are carried as this."""

    kind: ClassVar[str] = ""  # the `type` a subclass models ("" for the generic event)

    v: int
    seq: int
    prev: str
    ts: str  #: when it was recorded (RFC 3339)
    type: str
    actor: str
    data: dict[str, Any]
    at: str | None = None  #: when it happened, for an event recorded after the fact

    @property
    def when(self) -> str:
        """When it happened: ``at`` if backfilled, else ``ts`` (the contract's rule)."""
        return self.at or self.ts

    @property
    def backfilled(self) -> bool:
        return self.at is not None

    def to_dict(self) -> dict[str, Any]:
        """The event as its log line holds it (keys in the log's order)."""
        out: dict[str, Any] = {
            "v": self.v,
            "seq": self.seq,
            "prev": self.prev,
            "ts": self.ts,
            "type": self.type,
            "actor": self.actor,
            "data": self.data,
        }
        if self.at is not None:
            out["at"] = self.at
        return out


@dataclass(frozen=True, slots=True)
class IncidentOpened(Event):
    kind: ClassVar[str] = "incident.opened"

    @property
    def incident(self) -> str | None:
        return _str(self.data.get("incident"))

    @property
    def title(self) -> str | None:
        return _str(self.data.get("title"))

    @property
    def severity(self) -> int | None:
        s = self.data.get("severity")
        return s if type(s) is int else None

    @property
    def client(self) -> dict[str, Any]:
        """``{name, slug}``."""
        return _dict(self.data.get("client"))

    @property
    def first_seen(self) -> str | None:
        return _str(self.data.get("first_seen"))

    @property
    def drill(self) -> bool:
        return bool(self.data.get("drill"))

    @property
    def playbook(self) -> dict[str, Any]:
        """``{id, version, language, lineage, sha256, path}`` of the resolved playbook."""
        return _dict(self.data.get("playbook"))


@dataclass(frozen=True, slots=True)
class Variables(Event):
    kind: ClassVar[str] = "variables"

    @property
    def values(self) -> dict[str, Any]:
        return _dict(self.data.get("values"))


@dataclass(frozen=True, slots=True)
class Step(Event):
    """One step recorded: ``kind`` of step (check, ask, decide, draft, notify, note)."""

    kind: ClassVar[str] = "step"

    @property
    def step(self) -> str | None:
        return _str(self.data.get("step"))

    @property
    def stage(self) -> str | None:
        return _str(self.data.get("stage"))

    @property
    def step_kind(self) -> str | None:
        return _str(self.data.get("kind"))

    @property
    def status(self) -> str | None:
        return _str(self.data.get("status"))

    @property
    def skipped(self) -> bool:
        return self.data.get("status") == "skipped"

    @property
    def published(self) -> bool:
        """A draft whose statement went out."""
        return self.data.get("kind") == "draft" and self.data.get("status") == "published"

    @property
    def template(self) -> str | None:
        return _str(self.data.get("template"))

    @property
    def save_as(self) -> str | None:
        return _str(self.data.get("save_as"))

    @property
    def value(self) -> Any:
        return self.data.get("value")


@dataclass(frozen=True, slots=True)
class Note(Event):
    kind: ClassVar[str] = "note"

    @property
    def text(self) -> str:
        t = self.data.get("text", "")
        return t if isinstance(t, str) else str(t)

    @property
    def step(self) -> str | None:
        """The step the walk was at when the note was written."""
        return _str(self.data.get("step"))


@dataclass(frozen=True, slots=True)
class DeadlineMissed(Event):
    kind: ClassVar[str] = "deadline.missed"

    @property
    def stage(self) -> str | None:
        return _str(self.data.get("stage"))

    @property
    def due_at(self) -> str | None:
        return _str(self.data.get("due_at"))

    @property
    def missed_by_s(self) -> int | float | None:
        m = self.data.get("missed_by_s")
        return m if isinstance(m, int | float) and not isinstance(m, bool) else None


@dataclass(frozen=True, slots=True)
class IncidentClosed(Event):
    kind: ClassVar[str] = "incident.closed"

    @property
    def outcome(self) -> str | None:
        return _str(self.data.get("outcome"))


@dataclass(frozen=True, slots=True)
class IncidentReopened(Event):
    kind: ClassVar[str] = "incident.reopened"


@dataclass(frozen=True, slots=True)
class SessionPaused(Event):
    kind: ClassVar[str] = "session.paused"

    @property
    def reason(self) -> str | None:
        return _str(self.data.get("reason"))


@dataclass(frozen=True, slots=True)
class SessionResumed(Event):
    kind: ClassVar[str] = "session.resumed"

    @property
    def mode(self) -> str | None:
        return _str(self.data.get("mode"))


@dataclass(frozen=True, slots=True)
class Recovery(Event):
    """A torn tail (or an unlisted quarantine file) moved aside when the log was opened."""

    kind: ClassVar[str] = "recovery"

    @property
    def file(self) -> str | None:
        return _str(self.data.get("file"))

    @property
    def bytes(self) -> int | None:
        b = self.data.get("bytes")
        return b if type(b) is int else None


@dataclass(frozen=True, slots=True)
class PlaybookChanged(Event):
    kind: ClassVar[str] = "playbook.changed"

    @property
    def choice(self) -> str | None:
        return _str(self.data.get("choice"))

    @property
    def from_playbook(self) -> dict[str, Any]:
        return _dict(self.data.get("from"))

    @property
    def to_playbook(self) -> dict[str, Any]:
        return _dict(self.data.get("to"))


@dataclass(frozen=True, slots=True)
class SeverityChanged(Event):
    kind: ClassVar[str] = "severity.changed"

    @property
    def to(self) -> Any:
        return self.data.get("to")

    @property
    def reason(self) -> str | None:
        return _str(self.data.get("reason"))


@dataclass(frozen=True, slots=True)
class DrillEvent(Event):
    """Any ``drill.*`` event (drill.event, drill.decision, drill.ended, drill.scored, ...)."""

    kind: ClassVar[str] = "drill."


#: type -> class, for every type this version knows
TYPES: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (
        IncidentOpened,
        Variables,
        Step,
        Note,
        DeadlineMissed,
        IncidentClosed,
        IncidentReopened,
        SessionPaused,
        SessionResumed,
        Recovery,
        PlaybookChanged,
        SeverityChanged,
    )
}


def from_dict(obj: dict[str, Any]) -> Event:
    """The typed event for one decoded log line (as :class:`~crisisplay.log.LogReader`
    yields it: its envelope fields are well-formed)."""
    kind = obj["type"]
    cls = TYPES.get(kind)
    if cls is None:
        cls = DrillEvent if kind.startswith("drill.") else Event
    return cls(
        obj.get("v", 1),
        obj["seq"],
        obj.get("prev", ""),
        obj["ts"],
        kind,
        obj.get("actor", ""),
        obj["data"],
        obj.get("at"),
    )


def typed(events: Iterable[dict[str, Any]]) -> Iterator[Event]:
    """The typed events of a stream of decoded lines, one at a time."""
    get = TYPES.get
    for obj in events:
        kind = obj["type"]
        cls = get(kind)
        if cls is None:
            cls = DrillEvent if kind.startswith("drill.") else Event
        yield cls(
            obj.get("v", 1),
            obj["seq"],
            obj.get("prev", ""),
            obj["ts"],
            kind,
            obj.get("actor", ""),
            obj["data"],
            obj.get("at"),
        )
