"""Incidents on disk: opening, resuming, recording through the log, listing.

A Session couples a Walk (the state) with an IncidentLog (the record): every answer is
checked by the walk, written and fsynced by the log, and only then applied to the
state. So what the walk believes is always exactly what the log holds.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crisisplay.errors import CrisisplayError
from crisisplay.text import slugify
from crisisplay.walk import Deadline, Incident, Walk, now_utc, parse_time, rfc3339

if TYPE_CHECKING:
    from crisisplay.home import Home
    from crisisplay.log import IncidentLog
    from crisisplay.playbook.library import Library, Resolved

SNAPSHOT = "playbook.json"
STATEMENTS = "statements"
STAGING_PREFIX = ".opening-"


def actor() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # no user name in some containers
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def _id_base(opened: datetime, client_slug: str, title: str) -> str:
    """`20261121-0514-bean-there-cold-brew-recall`: sortable by (UTC) time, readable."""
    return f"{opened.astimezone(UTC):%Y%m%d-%H%M}-{client_slug}-{slugify(title, 32)}"


def new_incident_id(incidents: Path, opened: datetime, client_slug: str, title: str) -> str:
    """The first free id for an incident (see `reserve_incident_id` to also claim it)."""
    base = _id_base(opened, client_slug, title)
    candidate, n = base, 2
    while (incidents / candidate).exists():
        candidate, n = f"{base}-{n:02d}", n + 1
    return candidate


def _wrap_log_error(e: Exception) -> CrisisplayError:
    from crisisplay.log import LockedError, LogWriteError

    if isinstance(e, LockedError):
        return CrisisplayError(
            str(e),
            "Only one session can write an incident at a time. "
            "Close the other one, or wait for it to pause.",
        )
    if isinstance(e, LogWriteError):
        import errno

        cause = e.cause
        reason = (
            "the disk is full"
            if cause is not None and cause.errno == errno.ENOSPC
            else (cause.strerror or str(cause))
            if cause is not None
            else str(e)
        )
        return CrisisplayError(
            f"Could not write to the incident log ({reason}). The walk has stopped; "
            "nothing already recorded is lost; free some space or fix the disk, then "
            "`crisisplay resume` carries on from here.",
            "This entry was NOT saved — copy it somewhere safe:\n" + e.event_text,
        )
    return CrisisplayError(str(e))


@dataclass
class Session:
    """One writer on one incident."""

    folder: Path
    log: IncidentLog
    walk: Walk

    @property
    def incident(self) -> Incident:
        return self.walk.incident

    def record(self, kind: str, data: dict[str, Any], at: datetime | None = None) -> dict:
        from crisisplay.log import LogError

        try:
            event = self.log.append(kind, data, at=rfc3339(at) if at else None)
        except LogError as e:
            raise _wrap_log_error(e) from None
        self.walk.apply(event)
        return event

    def submit(self, data: dict[str, Any], at: datetime | None = None) -> dict:
        """Record one step, then what follows from it: missed deadlines, the close."""
        event = self.record("step", data, at)
        if data.get("texts"):
            self._save_statements(event)
        self.settle(at or parse_time(event["ts"]), backfilled=at is not None)
        return event

    def settle(self, when: datetime, *, backfilled: bool = False) -> list[Deadline]:
        """Record what follows from the state at `when`: missed deadlines, then the close.

        Also run on resume, so a crash between a step and these events loses nothing.
        Returns the deadlines it has just recorded as missed.
        """
        at = when if backfilled else None
        missed_now = self.walk.newly_missed(when)
        for d in missed_now:
            missed = d.missed_by(when)
            self.record(
                "deadline.missed",
                {
                    "stage": d.stage,
                    "due_at": rfc3339(d.due_at),
                    "missed_by_s": int(missed.total_seconds()) if missed else 0,
                },
                at,
            )
        if self.walk.position() is None and not self.walk.closed:
            path = self.walk.path()
            self.record(
                "incident.closed",
                {"outcome": "walked", "last_step": path[-1] if path else None},
                at,
            )
        return missed_now

    def record_playbook_change(self, changed: dict[str, Any], choice: str) -> None:
        """Log how the manager chose to go on after the playbook changed under the incident."""
        self.record(
            "playbook.changed",
            {
                "from": changed["from"],
                "to": changed["to"],
                "choice": choice,
                "steps": changed["steps"],
            },
        )

    def settle_pending(self) -> None:
        """After a replay: what the last step should have led to, as of that step."""
        walk = self.walk
        if walk.last_step_at is None:
            return
        if walk.position() is None or walk.newly_missed(walk.last_step_at):
            self.settle(walk.last_step_at, backfilled=True)

    def _save_statements(self, event: dict[str, Any]) -> None:
        """The texts as sent, one file each, named so they sort in the order they went out."""
        folder = self.folder / STATEMENTS
        folder.mkdir(exist_ok=True)
        data = event["data"]
        for platform, text in data["texts"].items():
            path = folder / f"{event['seq']:05d}-{data['step']}-{platform}.txt"
            tmp = path.with_suffix(".tmp")
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text + "\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)

    def note(self, text: str, at: datetime | None = None) -> None:
        cur = self.walk.current()
        self.record("note", {"text": text, "step": cur[1].id if cur else None}, at)

    def pause(self, reason: str) -> None:
        if not self.log.closed:
            self.record("session.paused", {"reason": reason})

    def close(self) -> None:
        self.log.close()


def open_incident(
    home: Home,
    resolved: Resolved,
    *,
    title: str,
    severity: int,
    client_name: str | None,
    first_seen: datetime | None,
    opened_at: datetime | None,
    variables: dict[str, Any],
    drill: bool = False,
) -> Session:
    from crisisplay.log import IncidentLog, LogError, fsync_dir

    levels = [s.level for s in resolved.playbook.severity_levels()]
    if severity not in levels:
        raise CrisisplayError(
            f"Severity {severity} is not one of this playbook's levels "
            f"({', '.join(map(str, levels))}; 1 is the most severe)."
        )
    if not title.strip():
        raise CrisisplayError("An incident needs a title: a few words on what is happening.")
    opened = opened_at or now_utc()
    first = first_seen or opened
    if first > opened:
        raise CrisisplayError(
            f"The crisis cannot be first seen ({rfc3339(first)}) after the "
            f"incident was opened ({rfc3339(opened)})."
        )
    profile = resolved.client
    generic = not resolved.playbook.extends and profile.name in ("the client", "el cliente")
    name = client_name if (client_name and generic) else profile.name
    if (
        client_name
        and not generic
        and slugify(client_name) not in (slugify(profile.name), resolved.client_slug)
    ):
        name = client_name
    slug = slugify(name)
    incidents = home.incidents
    content = resolved.content()
    try:
        incidents.mkdir(parents=True, exist_ok=True)
        incident_id = reserve_incident_id(incidents, opened, slug, title)
    except OSError as e:
        raise CrisisplayError(
            f"Cannot create an incident folder in {incidents}: {e.strerror or e}"
        ) from None
    folder = incidents / incident_id
    # The incident is built in a hidden staging folder and renamed into place once its
    # first events are on disk: a crash while opening leaves no half-opened incident.
    staging = incidents / f"{STAGING_PREFIX}{incident_id}-{os.getpid()}"
    try:
        log = IncidentLog.create(staging, actor())
    except LogError as e:
        _discard(staging, folder)
        raise _wrap_log_error(e) from None
    data = {
        "incident": incident_id,
        "title": title.strip(),
        "severity": severity,
        "client": {"name": name, "slug": slug},
        "first_seen": rfc3339(first),
        "drill": drill,
        "playbook": {
            "id": resolved.playbook.id,
            "version": resolved.playbook.version,
            "language": resolved.playbook.language,
            "lineage": resolved.lineage,
            "sha256": resolved.sha256,
            "path": str(resolved.path),
        },
    }
    at = rfc3339(opened) if opened_at else None
    try:
        _write_snapshot(staging, content, resolved)
        event = log.append("incident.opened", data, at=at)
        walk = Walk(resolved, Incident.from_event(event))
        if variables:
            walk.apply(log.append("variables", {"values": variables}, at=at))
        os.rename(staging, folder)  # replaces the empty folder that reserved the id
        log.folder = folder
        fsync_dir(incidents)
    except BaseException as e:
        log.close()
        _discard(staging, folder)
        if isinstance(e, LogError):
            raise _wrap_log_error(e) from None
        if isinstance(e, OSError):
            raise CrisisplayError(
                f"Cannot create the incident folder {folder}: {e.strerror or e}"
            ) from None
        raise
    return Session(folder, log, walk)


def reserve_incident_id(incidents: Path, opened: datetime, client_slug: str, title: str) -> str:
    """A new id, reserved by creating its (empty) folder, so two starts never share one."""
    base = _id_base(opened, client_slug, title)
    n = 1
    while True:
        candidate = base if n == 1 else f"{base}-{n:02d}"  # -02 … -99 sort as numbers
        try:
            (incidents / candidate).mkdir()
        except FileExistsError:
            n += 1
            continue
        return candidate


def _discard(staging: Path, reserved: Path) -> None:
    """Remove what a failed open left behind (best effort: nothing in it was acknowledged)."""
    import shutil

    shutil.rmtree(staging, ignore_errors=True)
    with contextlib.suppress(OSError):
        reserved.rmdir()


def _write_snapshot(folder: Path, content: dict[str, Any], resolved: Resolved) -> None:
    """The resolved playbook as it was when the incident began, so a resume can keep it."""
    payload = {"sha256": resolved.sha256, "lineage": resolved.lineage, "content": content}
    path = folder / SNAPSHOT
    with open(path, "w", encoding="utf-8") as f:
        json.dump(payload, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())


def snapshot_playbook(folder: Path, library: Library) -> Resolved | None:
    """Rebuild the incident's original resolved playbook from its snapshot."""
    from crisisplay.playbook.library import Origins, Resolved
    from crisisplay.playbook.model import Playbook

    path = folder / SNAPSHOT
    if not path.is_file():
        return None
    from crisisplay.files import OWN_FILE, read_text_limited

    payload = json.loads(read_text_limited(path, OWN_FILE, what="a playbook snapshot"))
    content = dict(payload["content"])
    playbook = Playbook.model_validate(content)
    return Resolved(playbook, path, "snapshot", payload.get("lineage", []), Origins(), library)


@dataclass
class Resumed:
    session: Session
    changed: dict[str, Any] | None  # the diff when the playbook changed since the start
    current: Resolved | None  # the playbook as it is now, when it changed


def resume_incident(home: Home, library: Library, incident_id: str) -> Resumed:
    """Take the incident's lock, replay its log, and find the playbook it walks."""
    from crisisplay.log import IncidentLog, LogError, read_events

    folder = home.incidents / incident_id
    if not (folder / "log.jsonl").is_file():
        raise CrisisplayError(
            f"No incident '{incident_id}' in {home.incidents}.",
            "See the incidents with `crisisplay log list`.",
        )
    try:
        log = IncidentLog.open(folder, actor())
    except LogError as e:
        raise _wrap_log_error(e) from None
    try:
        try:
            events = list(read_events(log.path))
        except LogError as e:
            raise CrisisplayError(str(e)) from None
        if not events or events[0].get("type") != "incident.opened":
            raise CrisisplayError(
                f"'{incident_id}' was never opened (its log has no incident.opened event): "
                "nothing was recorded, so there is nothing to resume.",
                "Start the incident again with `crisisplay start`.",
            )
        opened = events[0]
        original = snapshot_playbook(folder, library)
        info = opened["data"]["playbook"]
        if original is None:
            original = library.load(info["path"] if Path(info["path"]).is_file() else info["id"])
        current: Resolved | None = None
        changed = None
        try:
            ref = info["path"] if Path(info["path"]).is_file() else info["id"]
            current = library.load(ref)
        except CrisisplayError:
            current = None
        if current is not None and current.sha256 != info["sha256"]:
            from crisisplay.playbook.diff import diff

            changed = diff(original, current)
        walk = Walk(original, Incident.from_event(opened))
        for event in events:
            walk.apply(event)
        session = Session(folder, log, walk)
        # A crash right after a step can leave its consequences (a missed deadline, the
        # close) unrecorded: record them now, as of that step.
        session.settle_pending()
        return Resumed(session, changed, current if changed else None)
    except BaseException:
        log.close()
        raise


def switch_playbook(session: Session, resolved: Resolved, choice: str) -> Session:
    """Continue on `resolved` (the changed playbook): replay the same events onto it."""
    from crisisplay.log import read_events

    walk = Walk(resolved, session.incident)
    for event in read_events(session.log.path):
        if event["type"] == "step" and event["data"]["step"] not in walk.index:
            continue  # a step the new version removed stays in the log, not in the walk
        walk.apply(event)
    session.walk = walk
    _write_snapshot(session.folder, resolved.content(), resolved)
    return session


# --- listing ------------------------------------------------------------------------------


@dataclass
class Summary:
    id: str
    client: str
    title: str
    severity: int
    status: str  # "open", "closed", or "damaged" (the log cannot be read)
    opened: str
    last_activity: str
    drill: bool
    events: int


def _damaged(folder: Path, count: int) -> Summary:
    """A listing line for an incident whose log cannot be read: say so, don't crash."""
    return Summary(
        id=folder.name,
        client="?",
        title="(log damaged: crisisplay log verify)",
        severity=0,
        status="damaged",
        opened="",
        last_activity="",
        drill=False,
        events=count,
    )


def summarize(folder: Path) -> Summary | None:
    from crisisplay.log import LogError, read_events

    path = folder / "log.jsonl"
    if folder.name.startswith(".") or not path.is_file():
        return None
    first: dict[str, Any] | None = None
    last: dict[str, Any] | None = None
    closed = False
    count = 0
    try:
        for event in read_events(path):
            if first is None:
                first = event
            last = event
            count += 1
            if event.get("type") == "incident.closed":
                closed = True
            elif event.get("type") == "incident.reopened":
                closed = False
    except LogError:
        return _damaged(folder, count)
    if first is None or first["type"] != "incident.opened" or last is None:
        return None
    try:
        d = first["data"]
        return Summary(
            id=folder.name,
            client=d["client"]["slug"],
            title=d["title"],
            severity=int(d["severity"]),
            status="closed" if closed else "open",
            opened=first.get("at") or first["ts"],
            last_activity=last.get("at") or last["ts"],
            drill=bool(d.get("drill")),
            events=count,
        )
    except (KeyError, TypeError, ValueError):
        return _damaged(folder, count)


def list_incidents(home: Home, client: str | None = None) -> list[Summary]:
    if not home.incidents.is_dir():
        return []
    out = []
    for folder in sorted(home.incidents.iterdir()):
        if folder.is_dir():
            s = summarize(folder)
            if s is not None and (client is None or s.client == client):
                out.append(s)
    return out


def find_incident(home: Home, ref: str | None) -> str:
    """An incident id from a full id, a unique prefix or substring, or the one open one."""
    all_ = list_incidents(home)
    if ref:
        exact = [s for s in all_ if s.id == ref]
        if exact:
            return exact[0].id
        partial = [s for s in all_ if s.id.startswith(ref)] or [s for s in all_ if ref in s.id]
        if len(partial) == 1:
            return partial[0].id
        if not partial:
            raise CrisisplayError(
                f"No incident matches '{ref}'.", "See them with `crisisplay log list`."
            )
        raise CrisisplayError(
            f"'{ref}' matches {len(partial)} incidents: " + ", ".join(s.id for s in partial[:5]),
            "Give more of the id.",
        )
    open_ = [s for s in all_ if s.status == "open"]
    if len(open_) == 1:
        return open_[0].id
    if not open_:
        raise CrisisplayError(
            "There is no open incident to resume.", "Start one with `crisisplay start`."
        )
    raise AmbiguousIncident([s.id for s in open_])


class AmbiguousIncident(CrisisplayError):
    def __init__(self, ids: list[str]) -> None:
        super().__init__(
            f"{len(ids)} incidents are open: " + ", ".join(ids),
            "Name one: crisisplay resume INCIDENT",
        )
        self.ids = ids


__all__ = ["Session", "open_incident", "resume_incident"]
