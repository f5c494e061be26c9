"""Incidents on disk: opening, resuming, recording through the log, listing.

A Session couples a Walk (the state) with an IncidentLog (the record): every answer is
checked by the walk, written and fsynced by the log, and only then applied to the
state. So what the walk believes is always exactly what the log holds.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crisisplay import i18n, times
from crisisplay.errors import CrisisplayError, PlaybookError
from crisisplay.i18n import _
from crisisplay.incident.statements import (  # here once; kept importable from here
    STATEMENTS,
    expected_statements,
    statement_files,
    statement_problems,
    write_statements,
)
from crisisplay.incident.walk import UPDATE, Deadline, Incident, Walk, now_utc, parse_time
from crisisplay.invocation import command
from crisisplay.text import slugify
from crisisplay.times import rfc3339

if TYPE_CHECKING:
    from crisisplay.home import Home
    from crisisplay.incident.log import IncidentLog
    from crisisplay.incident.receipts import Receipt
    from crisisplay.playbook.library import Library
    from crisisplay.playbook.resolved import Resolved

SNAPSHOT = "playbook.json"
STAGING_PREFIX = ".opening-"
#: A snapshot larger than this is not one crisisplay wrote (the default playbook is ~200 KB).
MAX_SNAPSHOT = 64 << 20


def actor(home: Home | None = None) -> str:
    """The person's name, written as each event's actor (crisisplay.person)."""
    from crisisplay.person import name

    return name(home.root if home is not None else None)


def sync_after(root: Path, event_type: str) -> None:
    """In a team workspace (git), share what was just recorded (crisisplay.incident.sync)."""
    if (root / ".git").exists():
        from crisisplay.incident.sync import sync_after as share

        share(root, event_type)


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
    from crisisplay.incident.log import LockedError, LogWriteError

    if isinstance(e, LockedError):
        return CrisisplayError(
            str(e),
            _(
                "Only one session can write an incident at a time. "
                "Close the other one, or wait for it to pause."
            ),
        )
    if isinstance(e, LogWriteError):
        import errno

        cause = e.cause
        reason = (
            _("the disk is full")
            if cause is not None and cause.errno == errno.ENOSPC
            else (cause.strerror or str(cause))
            if cause is not None
            else str(e)
        )
        return CrisisplayError(
            _(
                "Could not write to the incident log ({reason}). The walk has stopped; "
                "nothing already recorded is lost; free some space or fix the disk, then "
                "`{command}` carries on from here."
            ).format(reason=reason, command=command("resume")),
            _("This entry was NOT saved — copy it somewhere safe:") + "\n" + e.event_text,
        )
    return CrisisplayError(str(e))


@dataclass
class Session:
    """One writer on one incident."""

    folder: Path
    log: IncidentLog
    walk: Walk
    #: the receipt issued when this session closed (None until then, or if none was due)
    receipt: Receipt | None = None
    #: why the receipt could not be added to the ledger (it is still printed), if it couldn't
    receipt_error: str | None = None
    #: why the receipt is not signed although a signing key is set (incident/signing.py)
    receipt_unsigned: str | None = None
    #: what the person should be told about the record (statement copies rewritten, ...)
    notices: list[str] = field(default_factory=list)
    #: the incident's last receipt when this session began (resume), if it had one
    last_receipt: Receipt | None = None
    #: the last event this session recorded that the team should see at once (a handover,
    #: the close): a team workspace syncs after the session closes
    share: str | None = None

    def __post_init__(self) -> None:
        self._start_seq = self.log.next_seq

    @property
    def incident(self) -> Incident:
        return self.walk.incident

    def record(self, kind: str, data: dict[str, Any], at: datetime | None = None) -> dict:
        from crisisplay.incident.log import LogError

        try:
            event = self.log.append(kind, data, at=rfc3339(at) if at else None)
        except LogError as e:
            raise _wrap_log_error(e) from None
        self.walk.apply(event)
        if kind in ("handover", "incident.closed", "pen.taken"):
            self.share = kind
        return event

    def submit(self, data: dict[str, Any], at: datetime | None = None) -> dict:
        """Record one step, then what follows from it: missed deadlines, the close. Posts
        hidden or deleted at a moderation step (`moderated`) are recorded first, one
        `moderation` event each."""
        if data.get("moderated"):
            data = dict(data)
            for item in data.pop("moderated"):
                self.moderate(item, at)
        event = self.record("step", data, at)
        if data.get("texts"):
            try:
                write_statements(self.folder, {name: text for name, text in statement_files(event)})
            except OSError as e:
                # The texts are safe in the log; the copies are derived and can be rewritten.
                self.notices.append(
                    _(
                        "The statement copies in {folder} could not be written ({why}); the "
                        "texts are safe in the log, and `crisisplay log verify --repair` writes "
                        "the copies again."
                    ).format(folder=self.folder / STATEMENTS, why=e.strerror or e)
                )
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

    def resumed(self, mode: str) -> None:
        """Record that a session took the incident up again, naming the receipt it found:
        the log then vouches for the ledger, so a receipt removed from it later shows."""
        data: dict[str, Any] = {"mode": mode}
        if self.last_receipt is not None:
            data["receipt"] = self.last_receipt.text
        self.record("session.resumed", data)

    def note(self, text: str, at: datetime | None = None) -> None:
        cur = self.walk.current()
        self.record("note", {"text": text, "step": cur[1].id if cur else None}, at)

    def moderate(self, data: dict[str, Any], at: datetime | None = None) -> dict:
        """Record a post hidden or deleted (checked by `Walk.moderation`)."""
        return self.record("moderation", data, at)

    def pause(self, reason: str) -> None:
        if not self.log.closed:
            self.record("session.paused", {"reason": reason})

    def close(self) -> None:
        """Close the log and issue a receipt for what this session wrote (safe to call twice).

        The receipt covers the last event, so it is issued after everything the session
        recorded: the pause, the close, a drill's score. A session that wrote nothing issues
        none (the last receipt still covers the log).
        """
        if self.log.closed:
            return
        if self.share is None and self.walk.closed and self.log.next_seq != self._start_seq:
            # written after the close (a notification sent again on resume): nobody walks a
            # closed incident again, so this session is the one to share it
            self.share = "incident.closed"
        try:
            self._close()
        finally:
            if self.share is not None:
                share, self.share = self.share, None
                sync_after(self.folder.parent.parent, share)

    def _close(self) -> None:
        seq = self.log.next_seq - 1
        head = self.log.head
        wrote = self.log.next_seq != self._start_seq
        self.log.close()
        if not wrote or seq < 0:
            return
        from crisisplay.incident.receipts import Receipt, issue

        event = "close" if self.walk.closed else "pause"
        try:
            self.receipt = issue(self.folder.parent.parent, self.folder.name, seq, head, event)
        except OSError as e:
            self.receipt = Receipt(self.folder.name, seq, head, event, now_utc().isoformat())
            self.receipt_error = str(e.strerror or e) if e.errno else str(e)
        else:
            from crisisplay.incident.signing import sign

            self.receipt_unsigned = sign(self.folder.parent.parent, self.receipt)

    def receipt_text(self) -> str:
        """What the front ends print about the receipt: the full ``SEQ:SHA256``, and where."""
        r = self.receipt
        if r is None:
            return ""
        if self.receipt_error:
            return (
                _("Receipt {receipt}").format(receipt=r.text)
                + "\n  "
                + _(
                    "It could NOT be kept in the receipts ledger ({why}): copy this line "
                    "somewhere safe, off this machine."
                ).format(why=self.receipt_error)
            )
        return (
            _("Receipt {receipt}").format(receipt=r.text)
            + "\n  "
            + _(
                "Kept in receipts.jsonl; a copy off this machine (the client channel, an e-mail) "
                "proves later that this log was not cut or rewritten."
            )
            + (f"\n  {self.receipt_unsigned}" if self.receipt_unsigned else "")
        )


def use_incident_zone(opened: dict[str, Any] | None, home: Home | None = None) -> str:
    """Show times in the zone an incident recorded when it was opened (its
    `incident.opened` data); a log from before zones were recorded shows in the
    workspace's, else the machine's. Returns the zone's name."""
    recorded = (opened or {}).get("timezone")
    fallback = None
    if not isinstance(recorded, str) and home is not None:
        try:
            fallback = home.timezone()
        except CrisisplayError:  # a broken crisisplay.toml does not hide a log
            fallback = None
    times.use_zone(recorded if isinstance(recorded, str) else fallback)
    return times.zone_name()


def use_zone_of(folder: Path, home: Home | None = None) -> str:
    """`use_incident_zone` for the incident in `folder`, from its log's first event (an
    unreadable log shows in the workspace's or the machine's zone: its reader says why)."""
    from crisisplay.incident.log import LogError, read_events

    opened: dict[str, Any] | None = None
    try:
        first = next(read_events(folder / "log.jsonl"), None)
    except (LogError, OSError, ValueError):
        first = None
    if isinstance(first, dict) and first.get("type") == "incident.opened":
        data = first.get("data")
        opened = data if isinstance(data, dict) else None
    return use_incident_zone(opened, home)


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
    from crisisplay.incident.log import IncidentLog, LogError, fsync_dir

    levels = [s.level for s in resolved.playbook.severity_levels()]
    if severity not in levels:
        raise CrisisplayError(
            _(
                "Severity {severity} is not one of this playbook's levels ({levels}; 1 is the "
                "most severe)."
            ).format(severity=severity, levels=", ".join(map(str, levels)))
        )
    if not title.strip():
        raise CrisisplayError(_("An incident needs a title: a few words on what is happening."))
    zone = resolved.timezone()
    times.use_zone(zone)
    opened = opened_at or now_utc()
    first = first_seen or opened
    if first > opened:
        raise CrisisplayError(
            _(
                "The crisis cannot be first seen ({first_seen}) after the incident was opened "
                "({opened})."
            ).format(
                first_seen=times.when(rfc3339(first), seconds=False),
                opened=times.when(rfc3339(opened), seconds=False),
            )
        )
    name = resolved.incident_client(client_name)
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
        log = IncidentLog.create(staging, actor(home))
    except LogError as e:
        _discard(staging, folder)
        raise _wrap_log_error(e) from None
    data = {
        "incident": incident_id,
        "title": title.strip(),
        "severity": severity,
        "client": {"name": name, "slug": slug},
        "first_seen": rfc3339(first),
        # The zone its times are shown in, whatever the machine that shows them later.
        "timezone": zone,
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
    sync_after(home.root, "incident.opened")  # the team sees it at once (never fails here)
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
    """The resolved playbook the incident walks, so a resume can keep it: written to a temp
    file, fsynced and renamed, so a crash or a full disk leaves the old one or the new one."""
    from crisisplay import safefs

    payload = {"sha256": resolved.sha256, "lineage": resolved.lineage, "content": content}
    text = json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=True)
    safefs.replace_atomic(folder, SNAPSHOT, text.encode("utf-8"), depth=2)


class SnapshotError(CrisisplayError):
    """The playbook snapshot is missing, unreadable, or not the playbook the log names."""


class SnapshotLinkError(SnapshotError):
    """A link where the snapshot belongs: planted, so nothing takes its place silently."""


def content_sha256(content: dict[str, Any]) -> str:
    """The sha256 a resolved playbook's content is recorded under (see Resolved.sha256)."""
    canon = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()


def playbook_sha(events: list[dict[str, Any]]) -> str | None:
    """The sha256 of the playbook the incident walks as its log ends: the one it opened
    with, or the last one it switched to."""
    sha = (events[0]["data"].get("playbook") or {}).get("sha256") if events else None
    for e in events:
        data = e.get("data") or {}
        if e["type"] == "playbook.changed" and data.get("choice") == "update":
            sha = (data.get("to") or {}).get("sha256") or sha
        elif e["type"] == "playbook.restored":
            sha = data.get("sha256") or sha
    return sha


def read_snapshot(folder: Path, expected: str | None) -> dict[str, Any]:
    """The snapshot's payload (``content``, ``lineage``), if its content hashes to
    ``expected``, the sha256 the log records.

    Raises :class:`SnapshotError` saying what is wrong: a snapshot is trusted only by the
    hash the log recorded, never by what the file says of itself.
    """
    from crisisplay import safefs

    path = folder / SNAPSHOT
    try:
        raw = safefs.read_bytes(
            folder, SNAPSHOT, limit=MAX_SNAPSHOT, depth=2, what="the playbook snapshot"
        )
    except FileNotFoundError:
        raise SnapshotError(f"The playbook snapshot {path} is missing.") from None
    except safefs.UnsafePathError as e:
        raise SnapshotLinkError(str(e)) from None
    except OSError as e:
        raise SnapshotError(f"The playbook snapshot {path} cannot be read ({e}).") from None
    try:
        payload = json.loads(raw.decode("utf-8"))
        content = dict(payload["content"])
    except (ValueError, KeyError, TypeError):
        raise SnapshotError(
            f"The playbook snapshot {path} is damaged (not the JSON crisisplay writes)."
        ) from None
    found = content_sha256(content)
    if expected is not None and found != expected:
        raise SnapshotError(
            f"The playbook snapshot {path} was changed: its content hashes to {found[:12]}…, "
            f"but the log records the playbook {expected[:12]}…."
        )
    return {"content": content, "lineage": payload.get("lineage") or []}


def snapshot_playbook(folder: Path, library: Library, expected: str | None) -> Resolved:
    """The incident's resolved playbook from its snapshot (see :func:`read_snapshot`)."""
    from crisisplay.playbook.model import Playbook
    from crisisplay.playbook.resolved import Origins, Resolved

    payload = read_snapshot(folder, expected)
    try:
        playbook = Playbook.model_validate(payload["content"])
    except ValueError:
        raise SnapshotError(
            f"The playbook snapshot {folder / SNAPSHOT} is not a valid playbook."
        ) from None
    return Resolved(playbook, folder / SNAPSHOT, "snapshot", payload["lineage"], Origins(), library)


@dataclass
class Resumed:
    session: Session
    changed: dict[str, Any] | None  # the diff when the playbook changed since the start
    current: Resolved | None  # the playbook as it is now, when it changed


def check_receipt(home: Home, incident_id: str) -> tuple[list[str], Receipt | None]:
    """What is wrong with the incident's log against its last receipt (empty if fine), and
    that receipt (None if the ledger holds none for it)."""
    from crisisplay.incident import receipts

    last = receipts.load(home.root).for_incident(incident_id)
    if last is None:
        return [], None
    return receipts.compare(home.incidents / incident_id / "log.jsonl", last), last


def resume_incident(home: Home, library: Library, incident_id: str) -> Resumed:
    """Take the incident's lock, replay its log, and find the playbook it walks.

    Refused, with nothing written, when the log no longer matches its last receipt or its
    playbook snapshot can't be trusted and no playbook of the same id and version can take
    its place. Derived files (statement copies) are rewritten from the log.
    """
    from crisisplay import safefs
    from crisisplay.incident.log import IncidentLog, LogError, read_events

    folder = home.incidents / incident_id
    try:
        os.close(safefs.open_in(folder, "log.jsonl", os.O_RDONLY, depth=2, what="a log"))
    except safefs.UnsafePathError as e:
        raise CrisisplayError(str(e)) from None
    except OSError:
        raise CrisisplayError(
            f"No incident '{incident_id}' in {home.incidents}.",
            "See the incidents with `crisisplay log list`.",
        ) from None
    against_receipt, receipt = check_receipt(home, incident_id)
    if against_receipt:
        raise CrisisplayError(
            f"The log of {incident_id} does not match its last receipt, so it was not opened "
            f"and nothing was written: {against_receipt[0]}",
            f"Keep the folder as it is for whoever investigates; `crisisplay log verify "
            f"{incident_id}` shows every problem.",
        )
    try:
        me = actor(home)
        log = IncidentLog.open(folder, me)
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
        from crisisplay.incident.pen import check as check_pen

        # What follows speaks the language of the playbook the incident was opened with.
        i18n.use((opened["data"].get("playbook") or {}).get("language"))
        use_incident_zone(opened.get("data"), home)  # "since" in the incident's zone
        check_pen(home, incident_id, events, me)
        notices: list[str] = []
        if log.torn_tail:
            notices.append(torn_notice(log.torn_tail, log.recovered))
        original = _trusted_playbook(folder, library, events, log, notices)
        info = opened["data"]["playbook"]
        current: Resolved | None = None
        changed = None
        unreadable: list[str] = []  # said, not written: no receipt is due for it
        try:
            ref = info["path"] if Path(info["path"]).is_file() else info["id"]
            current = library.load(ref)
        except PlaybookError as e:  # edited since, and broken now: say so, go on as begun
            current = None
            first = e.problems[0] if e.problems else None
            unreadable.append(
                _(
                    "The playbook '{id}'{problem} cannot be read now; this incident goes on with "
                    "the version it began with. Fix the file before the next incident: {command}"
                ).format(
                    id=info["id"],
                    problem=f" ({first})" if first else "",
                    command=command("playbook", "validate", info["id"]),
                )
            )
        except CrisisplayError:
            current = None
        if current is not None and current.sha256 != original.sha256:
            from crisisplay.playbook.diff import diff

            changed = diff(original, current)
        # Shown and read in the zone it was opened in (older logs: as a new one would be).
        times.use_zone(opened["data"].get("timezone") or original.timezone())
        walk = Walk(original, Incident.from_event(opened))
        for event in events:
            walk.apply(event)
        session = Session(folder, log, walk, last_receipt=receipt)
        if log.recovered or notices:
            session._start_seq = -1  # this session wrote (a recovery): a receipt is due
        _restore_statements(folder, events, notices)
        session.notices.extend(notices)
        session.notices.extend(unreadable)
        # A crash right after a step can leave its consequences (a missed deadline, the
        # close) unrecorded: record them now, as of that step.
        session.settle_pending()
        return Resumed(session, changed, current if changed else None)
    except BaseException:
        log.close()
        raise


def torn_notice(tail: bytes, recovered: list[dict[str, Any]] | None) -> str:
    """Tell the person what a crash left half-written: it is not recorded; here it is."""
    from crisisplay.text import printable

    where = next((r["file"] for r in recovered or [] if "offset" in r), _("a quarantine file"))
    shown = printable(tail.decode("utf-8", "replace")).strip()
    if len(shown) > 600:
        shown = shown[:600] + " …"
    return (
        _(
            "The last entry was being written when the session stopped and was not saved "
            "completely, so it is NOT in the record; it was set aside in {where}. Answer that "
            "step again. What had been written of it:"
        ).format(where=where)
        + f"\n  {shown}"
    )


def _trusted_playbook(
    folder: Path, library: Library, events: list[dict[str, Any]], log: Any, notices: list[str]
) -> Resolved:
    """The snapshot, if it hashes to what the log records; else the same id and version."""
    expected = playbook_sha(events)
    try:
        return snapshot_playbook(folder, library, expected)
    except SnapshotLinkError:
        raise
    except SnapshotError as e:
        problem = e.message
    info = dict(events[0]["data"].get("playbook") or {})
    for ev in events:
        if ev["type"] == "playbook.changed" and ev["data"].get("choice") == "update":
            info.update(ev["data"].get("to") or {})
        elif ev["type"] == "playbook.restored":
            info.update({k: ev["data"][k] for k in ("id", "version") if k in ev["data"]})
    pid, version = info.get("id"), info.get("version")
    try:
        fallback = library.load(f"{pid}@{version}")
    except CrisisplayError:
        fallback = None
    if fallback is None or fallback.playbook.version != version:
        raise SnapshotError(
            f"{problem} The playbook '{pid}' version {version} it walked is not in the library "
            "either, so the incident cannot be resumed safely; nothing was written.",
            "Restore playbook.json from a backup, or put that version of the playbook back in "
            "the workspace's playbooks/ folder, then resume again.",
        )
    same = fallback.sha256 == expected
    log_data = {
        "reason": problem,
        "id": pid,
        "version": version,
        "sha256": fallback.sha256,
        "expected": expected,
        "path": str(fallback.path),
    }
    from crisisplay.incident.log import LogError

    try:
        log.append("playbook.restored", log_data)
        _write_snapshot(folder, fallback.content(), fallback)
    except (LogError, OSError) as e:
        raise CrisisplayError(f"{problem} It could not be restored: {e}") from None
    notices.append(
        f"{problem} The incident goes on with playbook '{pid}' {version} from the library"
        + (
            " (the very same content)."
            if same
            else " (same version, but its content differs from what the incident began with: "
            "check its steps)."
        )
        + " This is recorded in the log."
    )
    return fallback


def _restore_statements(folder: Path, events: list[dict[str, Any]], notices: list[str]) -> None:
    """Rewrite statement copies that are missing or differ from the log (derived files)."""
    from crisisplay import safefs

    try:
        os.close(safefs.open_dir(folder / STATEMENTS, 3))
    except safefs.UnsafePathError as e:
        raise CrisisplayError(str(e)) from None
    except OSError:
        pass  # missing: written below if the log holds statements
    # Temp files of writes a kill cut short (the lock is ours: nobody else is writing).
    for where, depth in ((folder, 2), (folder / STATEMENTS, 3)):
        with contextlib.suppress(OSError):
            safefs.remove_stale_temps(where, depth=depth)
    expected = expected_statements(events)
    _, rewrite = statement_problems(folder, expected)
    if not rewrite:
        return
    try:
        write_statements(folder, {name: expected[name] for name in rewrite})
    except OSError as e:
        notices.append(
            f"{len(rewrite)} statement copies could not be rewritten from the log "
            f"({e.strerror or e}); the texts are safe in the log."
        )
        return
    notices.append(
        f"{len(rewrite)} statement cop{'y was' if len(rewrite) == 1 else 'ies were'} missing "
        f"or changed in {STATEMENTS}/ and {'was' if len(rewrite) == 1 else 'were'} rewritten "
        "from the log."
    )


def switch_playbook(session: Session, resolved: Resolved, choice: str) -> Session:
    """Continue on `resolved` (the changed playbook): replay the same events onto it."""
    from crisisplay.incident.log import read_events

    walk = Walk(resolved, session.incident)
    for event in read_events(session.log.path):
        if event["type"] == "step" and event["data"]["step"] not in walk.index:
            if event["data"].get("action") == UPDATE:  # an update between steps: kept
                walk.apply(event)
            continue  # a step the new version removed stays in the log, not in the walk
        walk.apply(event)
    session.walk = walk
    try:
        _write_snapshot(session.folder, resolved.content(), resolved)
    except OSError as e:
        # The switch is recorded in the log; resume rebuilds the snapshot by id and version.
        session.notices.append(
            f"The new playbook snapshot could not be written ({e.strerror or e}); the switch "
            "is recorded in the log and the next resume restores the snapshot."
        )
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
    #: the log ends in a half-written entry (a crash); the next resume sets it aside
    torn: bool = False


def _damaged(folder: Path, count: int, why: str = "log damaged: crisisplay log verify") -> Summary:
    """A listing line for an incident whose log cannot be read: say so, don't crash."""
    return Summary(
        id=folder.name,
        client="?",
        title=f"({why})",
        severity=0,
        status="damaged",
        opened="",
        last_activity="",
        drill=False,
        events=count,
    )


def _ends_torn(folder: Path) -> bool:
    """True if the log's last byte is not a newline: a write was cut short."""
    from crisisplay import safefs

    try:
        fd = safefs.open_in(folder, "log.jsonl", os.O_RDONLY, depth=2)
    except OSError:
        return False
    try:
        size = os.fstat(fd).st_size
        return size > 0 and os.pread(fd, 1, size - 1) != b"\n"
    finally:
        os.close(fd)


def summarize(folder: Path) -> Summary | None:
    from crisisplay import safefs
    from crisisplay.incident.log import LogError, read_events

    path = folder / "log.jsonl"
    if folder.name.startswith("."):
        return None
    if folder.is_symlink():
        return _damaged(folder, 0, "a symbolic link, not an incident folder: remove it")
    try:
        os.close(safefs.open_in(folder, "log.jsonl", os.O_RDONLY, depth=2))
    except safefs.UnsafePathError:
        return _damaged(folder, 0, "its log is a link or not a file: remove it")
    except OSError:
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
            torn=_ends_torn(folder),
        )
    except (KeyError, TypeError, ValueError):
        return _damaged(folder, count)


def list_incidents(home: Home, client: str | None = None) -> list[Summary]:
    if not home.incidents.is_dir():
        return []
    out = []
    for folder in sorted(home.incidents.iterdir()):
        if folder.is_dir() or folder.is_symlink():
            s = summarize(folder)
            if s is not None and (client is None or s.client == client):
                out.append(s)
    return out


def open_for_client(home: Home, slug: str) -> list[Summary]:
    """Open (not drill) incidents for a client. Only folders whose id carries the slug
    are read, so a start with nothing open for the client reads no log at all."""
    try:
        names = sorted(os.listdir(home.incidents))
    except OSError:
        return []
    out = []
    for name in names:
        if f"-{slug}-" not in name:
            continue
        s = summarize(home.incidents / name)
        if s is not None and s.status == "open" and s.client == slug and not s.drill:
            out.append(s)
    return out


def open_incidents_line(found: list[Summary], client: str) -> str:
    """The one-line warning that a client already has open incidents, with the command
    that goes on with one."""
    ids = ", ".join(s.id for s in found)
    if len(found) == 1:
        return "⚠ " + _(
            "Incident {id} for {client} is still open; to go on with it instead: {command}"
        ).format(id=ids, client=client, command=command("resume", found[0].id))
    return "⚠ " + _(
        "{n} incidents for {client} are still open ({ids}); to go on with one instead: "
        "{command} INCIDENT"
    ).format(n=len(found), client=client, ids=ids, command=command("resume"))


def incident_named(home: Home, ref: str) -> str:
    """The incident a person named: its exact folder name first (even when its log cannot be
    read, so `log verify` can say what is wrong with it), else :func:`find_incident`."""
    if (
        ref
        and "/" not in ref
        and not ref.startswith(".")
        and (home.incidents / ref / "log.jsonl").is_file()
    ):
        return ref
    return str(find_incident(home, ref))


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
            "There is no open incident to resume.", f"Start one with `{command('start')}`."
        )
    raise AmbiguousIncident([s.id for s in open_])


class AmbiguousIncident(CrisisplayError):
    def __init__(self, ids: list[str]) -> None:
        super().__init__(
            f"{len(ids)} incidents are open: " + ", ".join(ids),
            f"Name one: {command('resume')} INCIDENT",
        )
        self.ids = ids


__all__ = ["Session", "open_incident", "resume_incident"]
