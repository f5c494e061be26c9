"""Opening a drill's incident, recording the scenario's events, ending and scoring it.

Shared by the interactive drill and the scripted one, so both write the same events and
are scored by the same code.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from crisisplay.drill.scenario import Event, Loaded
from crisisplay.drill.state import DECISION, ENDED, EVENT, SCORED, STARTED
from crisisplay.incident.session import Session, open_incident

if TYPE_CHECKING:
    from crisisplay.drill.scenario import Option
    from crisisplay.playbook.library import Library
    from crisisplay.playbook.resolved import Resolved

SNAPSHOT = "scenario.yaml"


@dataclass
class DrillSession(Session):
    """A session whose log is also written by the drill's clock thread: one writer at a time."""

    lock: threading.RLock = field(default_factory=threading.RLock)

    def record(self, kind: str, data: dict[str, Any], at: datetime | None = None) -> dict:
        with self.lock:
            return super().record(kind, data, at)

    @classmethod
    def wrap(cls, session: Session) -> DrillSession:
        return cls(session.folder, session.log, session.walk)


def seconds(delta: timedelta) -> int:
    return int(delta.total_seconds())


def open_drill(
    lib: Library,
    loaded: Loaded,
    resolved: Resolved,
    *,
    variables: dict[str, Any],
    first_seen: datetime | None,
    speed: float,
    mode: str,
) -> DrillSession:
    """Open the incident (marked as a drill), keep a copy of the scenario, say it started."""
    sc = loaded.scenario
    session = DrillSession.wrap(
        open_incident(
            lib.home,
            resolved,
            title=sc.incident.title,
            severity=sc.incident.severity,
            client_name=sc.incident.client,
            first_seen=first_seen,
            opened_at=None,
            variables=variables,
            drill=True,
        )
    )
    try:
        _write_snapshot(session, loaded.source)
        session.record(
            STARTED,
            {
                "scenario": sc.id,
                "title": sc.title,
                "language": sc.language,
                "sha256": loaded.sha256,
                "path": str(loaded.path),
                "speed": speed,
                "mode": mode,
                "ends_after": sc.ends_after,
            },
            session.incident.first_seen,
        )
    except BaseException:
        session.close()
        raise
    return session


def _write_snapshot(session: Session, source: bytes) -> None:
    """The scenario as played, so a resume (or a re-score) uses exactly the same one.

    Written atomically and never through a link; `drill.started` records its sha256, and a
    resume refuses a copy that no longer matches it."""
    from crisisplay import safefs

    safefs.replace_atomic(session.folder, SNAPSHOT, source, depth=2)


def event_data(event: Event) -> dict[str, Any]:
    """A scenario event as `drill.event` records it: what the trainee was shown."""
    data: dict[str, Any] = {"event": event.id, "kind": event.kind, "t": seconds(event.offset)}
    for name in ("text", "platform", "author", "handle", "followers", "url", "outlet"):
        value = getattr(event, name)
        if value not in (None, ""):
            data[name] = value
    extra = {
        "from": event.from_,
        "metric": event.metric,
        "value": event.value,
        "role": event.role,
        "until_t": None if event.until_offset is None else seconds(event.until_offset),
        "decide": event.decide,
    }
    data.update({k: v for k, v in extra.items() if v is not None})
    return data


def record_event(session: Session, event: Event) -> None:
    session.record(EVENT, event_data(event), session.incident.first_seen + event.offset)


def record_decision(session: Session, event: Event, option: Option, at: datetime) -> None:
    start = session.incident.first_seen
    session.record(
        DECISION,
        {
            "event": event.id,
            "option": option.label,
            "expected": option.expected,
            "mistake": option.mistake.strip() if option.mistake else None,
            "t": seconds(at - start),
            "after_s": seconds(at - (start + event.offset)),
            "due_s": seconds(event.due_delta),
        },
        at,
    )


def finish(
    session: Session, loaded: Loaded, end: datetime, typed: timedelta | None = None
) -> dict[str, Any]:
    """End the drill at scenario time `end`: close the incident, record and return the score.

    A drill that stops after its last stage (`ends_after`) leaves the rest of the walk
    unwalked; its incident is closed all the same ("drill-ended"), so it never stays open
    and in the way of a real incident's `crisisplay resume`.
    """
    from crisisplay.drill.score import score_drill
    from crisisplay.incident.log import read_events

    walk = session.walk
    complete = walk.position() is None
    # The stages up to `ends_after` are behind the walk (their deadlines were settled as
    # each step was recorded); the one it stands in now is past the drill's end.
    if not complete and not walk.closed:
        path = walk.path()
        session.record(
            "incident.closed",
            {"outcome": "drill-ended", "last_step": path[-1] if path else None},
            end,
        )
    reason = "walk-complete" if complete else "ends-after"
    t = seconds(end - session.incident.first_seen)
    ended: dict[str, Any] = {"reason": reason, "t": t}
    if typed is not None:  # scenario time spent writing, charged at real time (×1)
        ended["typed_s"] = seconds(typed)
    session.record(ENDED, ended, end)
    events = list(read_events(session.log.path))
    score = score_drill(loaded.scenario, walk.resolved, events, end=end)
    session.record(SCORED, score, end)
    return score
