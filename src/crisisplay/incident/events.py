"""One typed model per event type of the incident log, built from the decoded line.

The log's reader (:class:`crisisplay.incident.log.LogReader`) yields each line as a dict, checked as
``log verify`` checks it; :func:`typed` turns that stream into these events, which the
report, ``stats`` and ``log show`` read instead of indexing dicts. The walk's replay keeps
applying the dicts (it needs nothing more, and converting would only slow it).

Every event has the envelope every line has (``seq``, ``prev``, ``ts``, ``type``, ``actor``,
``data``, ``at``); each type adds typed accessors for its own ``data``. They read the data
as written and never raise on a field that is missing or of the wrong type (a damaged log is
still shown): a missing text is ``""``, a missing name ``None``. A type this version does
not know is carried as a plain :class:`Event`, never refused, and :meth:`Event.to_dict`
gives back exactly the decoded line.

Slotted, read-only classes rather than pydantic models: a report reads a million of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

__all__ = [
    "DeadlineMissed",
    "DrillEvent",
    "Event",
    "IncidentClosed",
    "IncidentOpened",
    "IncidentReopened",
    "Moderation",
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


class Event:
    """Any event: the envelope every log line has. Unknown types are carried as this.

    Immutable (assigning an attribute raises AttributeError) and slotted. Written out by
    hand rather than with @dataclass: every command that reads a log imports this module,
    and fourteen dataclasses take longer to create than the rest of it.
    """

    __slots__ = ("actor", "at", "data", "prev", "seq", "ts", "type", "v")
    kind: ClassVar[str] = ""  # the `type` a subclass models ("" for the generic event)

    v: int
    seq: int
    prev: str
    ts: str  #: when it was recorded (RFC 3339)
    type: str
    actor: str
    data: dict[str, Any]
    at: str | None  #: when it happened, for an event recorded after the fact

    def __init__(
        self,
        v: int,
        seq: int,
        prev: str,
        ts: str,
        type: str,
        actor: str,
        data: dict[str, Any],
        at: str | None = None,
    ) -> None:
        put = object.__setattr__
        put(self, "v", v)
        put(self, "seq", seq)
        put(self, "prev", prev)
        put(self, "ts", ts)
        put(self, "type", type)
        put(self, "actor", actor)
        put(self, "data", data)
        put(self, "at", at)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"an event is read-only: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"an event is read-only: cannot delete {name!r}")

    def _fields(self) -> tuple[Any, ...]:
        return (self.v, self.seq, self.prev, self.ts, self.type, self.actor, self.data, self.at)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Event)
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash((self.__class__, self.seq, self.prev, self.ts))

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(seq={self.seq!r}, type={self.type!r}, ts={self.ts!r}, "
            f"at={self.at!r}, actor={self.actor!r}, data={self.data!r})"
        )

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


class IncidentOpened(Event):
    __slots__ = ()
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
    def timezone(self) -> str | None:
        """The IANA zone its times are shown in (None in logs from before it was kept)."""
        return _str(self.data.get("timezone"))

    @property
    def drill(self) -> bool:
        return bool(self.data.get("drill"))

    @property
    def playbook(self) -> dict[str, Any]:
        """``{id, version, language, lineage, sha256, path}`` of the resolved playbook."""
        return _dict(self.data.get("playbook"))


class Variables(Event):
    __slots__ = ()
    kind: ClassVar[str] = "variables"

    @property
    def values(self) -> dict[str, Any]:
        return _dict(self.data.get("values"))


class Step(Event):
    """One step recorded: ``kind`` of step (check, ask, decide, draft, notify, note)."""

    __slots__ = ()
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


class Note(Event):
    __slots__ = ()
    kind: ClassVar[str] = "note"

    @property
    def text(self) -> str:
        t = self.data.get("text", "")
        return t if isinstance(t, str) else str(t)

    @property
    def step(self) -> str | None:
        """The step the walk was at when the note was written."""
        return _str(self.data.get("step"))


class Moderation(Event):
    """A post hidden or deleted under the client's moderation list."""

    __slots__ = ()
    kind: ClassVar[str] = "moderation"

    @property
    def action(self) -> str | None:
        """``hidden`` or ``deleted``."""
        return _str(self.data.get("action"))

    @property
    def what(self) -> str:
        """The post: a link or a description."""
        return _str(self.data.get("what")) or ""

    @property
    def rule(self) -> str:
        """The entry of ``client.moderation.may_hide`` it falls under."""
        return _str(self.data.get("rule")) or ""

    @property
    def reason(self) -> str:
        return _str(self.data.get("reason")) or ""

    @property
    def step(self) -> str | None:
        return _str(self.data.get("step"))


class DeadlineMissed(Event):
    __slots__ = ()
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


class IncidentClosed(Event):
    __slots__ = ()
    kind: ClassVar[str] = "incident.closed"

    @property
    def outcome(self) -> str | None:
        return _str(self.data.get("outcome"))


class IncidentReopened(Event):
    __slots__ = ()
    kind: ClassVar[str] = "incident.reopened"


class SessionPaused(Event):
    __slots__ = ()
    kind: ClassVar[str] = "session.paused"

    @property
    def reason(self) -> str | None:
        return _str(self.data.get("reason"))


class SessionResumed(Event):
    __slots__ = ()
    kind: ClassVar[str] = "session.resumed"

    @property
    def mode(self) -> str | None:
        return _str(self.data.get("mode"))


class Recovery(Event):
    """A torn tail (or an unlisted quarantine file) moved aside when the log was opened."""

    __slots__ = ()
    kind: ClassVar[str] = "recovery"

    @property
    def file(self) -> str | None:
        return _str(self.data.get("file"))

    @property
    def bytes(self) -> int | None:
        b = self.data.get("bytes")
        return b if type(b) is int else None


class PlaybookChanged(Event):
    __slots__ = ()
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


class SeverityChanged(Event):
    __slots__ = ()
    kind: ClassVar[str] = "severity.changed"

    @property
    def to(self) -> Any:
        return self.data.get("to")

    @property
    def reason(self) -> str | None:
        return _str(self.data.get("reason"))


class DrillEvent(Event):
    """Any ``drill.*`` event (drill.event, drill.decision, drill.ended, drill.scored, ...)."""

    __slots__ = ()
    kind: ClassVar[str] = "drill."


#: type -> class, for every type this version knows
TYPES: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (
        IncidentOpened,
        Variables,
        Step,
        Note,
        Moderation,
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
    """The typed event for one decoded log line (as :class:`~crisisplay.incident.log.LogReader`
    yields it: its envelope fields are well-formed)."""
    kind = obj["type"]
    cls = TYPES.get(kind)
    if cls is None:
        cls = DrillEvent if kind.startswith("drill.") else Event
    return cls(
        obj.get("v", 1),
        obj.get("seq", -1),  # -1: an event not (yet) read from a log
        obj.get("prev", ""),
        obj["ts"],
        kind,
        obj.get("actor", ""),
        obj.get("data") or {},
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
