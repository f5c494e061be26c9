"""The measurable facts of one incident, from its log (and the playbook it walked).

Every time is the event's `at` when present (it happened earlier than it was recorded),
else its `ts`; every metric is in seconds from `first_seen`. `report` and `stats` both
build on `incident_facts`, so a figure means the same thing in both.

Definitions (docs/report.md lists them for users):

- A statement is published when it went out on at least one of its networks: as the draft
  step recorded it (`networks`, or `published` in older logs), or by a later `publication`
  event for a network left "not yet" published. A network left "not published" (with its
  reason) is not counted: networks_published counts the networks each statement went out
  on, networks_not_published the ones it did not (or not yet).
- time_to_acknowledge: the first statement published (the draft step's time, or the
  `publication` that first put a statement out).
- time_to_holding_statement / time_to_apology: the first published draft whose template
  is `holding-statement` / `apology`.
- time_to_remedy: the last step event of stage `remedy`, once the walk has moved past it
  (a step of another stage recorded after it, or the incident closed); null if the stage
  was never entered or is still in progress.
- time_to_close: the `incident.closed` event.
- A published statement whose event records `next_update_by` promised an update by
  then; the promise is delivered when a later update is published at or before that time:
  a statement from the `update` template (a draft step's, or one published between steps
  with /update), or one that itself promises the next update. Closing the incident, or a
  closing post, delivers nothing: the public was told an update would come.
- Deadlines come from the playbook snapshot (`playbook.json`) replayed as the walk
  does; without a snapshot that matches the log, only the missed ones the log records
  are known, and the met count is null.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from crisisplay.errors import CrisisplayError
from crisisplay.incident.events import Event, typed
from crisisplay.times import maybe_rfc3339 as rfc3339

if TYPE_CHECKING:
    from crisisplay.playbook.resolved import Resolved

SNAPSHOT = "playbook.json"  # the same name as incident.SNAPSHOT, without importing it

FIVE = (
    "time_to_acknowledge",
    "time_to_holding_statement",
    "time_to_apology",
    "time_to_remedy",
    "time_to_close",
)


# --- time ------------------------------------------------------------------------------


def parse_ts(value: str) -> datetime:
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        from crisisplay.incident.walk import parse_time

        return parse_time(value)
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def event_time(event: Event) -> datetime:
    """When the event happened: its `at` if backfilled, else when it was recorded."""
    return parse_ts(event.at or event.ts)


def seconds(delta_s: float) -> int | float:
    """Whole seconds as an int, else rounded to the millisecond."""
    r = round(delta_s, 3)
    return int(r) if r == int(r) else r


# --- facts -----------------------------------------------------------------------------


@dataclass
class Facts:
    """What one incident's log says, measured.

    incident: id, title, client{name,slug}, severity (as it ended), drill, first_seen,
      opened_at, closed_at, status, outcome, playbook{id,version,language}.
    metrics: the contract's five times and the counts (see module docstring).
    stages: the stages walked, in order: id, title, entered_at, left_at, duration_s,
      due_at, met, missed_by_s.
    deadlines: every stage deadline the playbook sets (or, without it, the missed ones):
      stage, title, due_at, done_at, status (met|missed|not reached|open), margin_s,
      missed_by_s.
    promises: every published next-update promise and what became of it.
    playbook_check: whether the playbook snapshot matched the log (status, expected,
      found), so a report can say why deadlines met are unknown.
    """

    incident: dict[str, Any]
    metrics: dict[str, Any]
    stages: list[dict[str, Any]]
    deadlines: list[dict[str, Any]] = field(default_factory=list)
    promises: list[dict[str, Any]] = field(default_factory=list)
    playbook_check: dict[str, Any] = field(default_factory=dict)
    #: the snapshot playbook the facts were measured against (not part of the JSON)
    resolved: Any = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "incident": self.incident,
            "metrics": self.metrics,
            "stages": self.stages,
            "deadlines": self.deadlines,
            "promises": self.promises,
            "playbook_check": self.playbook_check,
        }


#: The events the facts are worked out from, kept by a Digest; every other one is counted.
FACT_TYPES = frozenset(
    (
        "incident.opened",
        "step",
        "deadline.missed",
        "severity.changed",
        "incident.closed",
        "incident.reopened",
        "playbook.changed",
        "publication",
    )
)


class Digest:
    """What the facts need of one incident's event stream, gathered as it is read.

    The events the walk recorded (FACT_TYPES) are kept, typed: as many as the playbook has
    steps. The rest -- notes, nearly all of a long log, sessions, recoveries, drill events --
    are only counted (how many, how many backfilled, the latest time), so measuring a
    million-event incident holds a few hundred events, not a million.
    """

    __slots__ = (
        "_last_other",
        "_last_utc",
        "count",
        "events",
        "first",
        "notes",
        "others_backfilled",
    )

    def __init__(self) -> None:
        self.events: list[Event] = []  #: the events of FACT_TYPES, in log order
        self.count = 0  #: every event
        self.first: Event | None = None
        self.notes = 0
        self.others_backfilled = 0  # of the events not kept
        # The latest time an event not kept happened: as text while every time is in the
        # log's own fixed-width UTC form (which sorts as time does), parsed otherwise.
        self._last_utc: str | None = None
        self._last_other: datetime | None = None

    def add(self, e: Event) -> None:
        if self.first is None:
            self.first = e
        self.count += 1
        kind = e.type
        if kind in FACT_TYPES:
            self.events.append(e)
            return
        if kind == "note":
            self.notes += 1
        w = e.at
        if w is not None:
            self.others_backfilled += 1
        else:
            w = e.ts
        if len(w) == 27 and w[26] == "Z" and w[10] == "T":
            if self._last_utc is None or w > self._last_utc:
                self._last_utc = w
        else:
            t = parse_ts(w)
            if self._last_other is None or t > self._last_other:
                self._last_other = t

    @property
    def others_last(self) -> datetime | None:
        """When the last event not kept happened (None if every event was kept)."""
        times = [t for t in (self._last_other,) if t is not None]
        if self._last_utc is not None:
            times.append(parse_ts(self._last_utc))
        return max(times) if times else None


def digest(events: Iterable[Event]) -> Digest:
    d = Digest()
    for e in events:
        d.add(e)
    return d


def _stage_visits(
    events: list[Event], opened: datetime
) -> tuple[list[dict[str, Any]], dict[str, datetime]]:
    """Stages in the order walked, with when each was entered and left (log alone).

    A stage is entered when the step before its first step was recorded (the opening, for
    the first), and left at its last step once a step of another stage, or the close,
    follows it; a stage still in progress has no left_at.
    """
    order: list[str] = []
    entered: dict[str, datetime] = {}
    left: dict[str, datetime] = {}
    current: str | None = None
    last_at = opened
    for e in events:
        kind = e.type
        if kind == "step":
            stage: Any = e.data.get("stage")
            t = event_time(e)
            if stage != current:
                if current is not None:
                    left.setdefault(current, last_at)
                if stage not in entered:
                    order.append(stage)
                    entered[stage] = last_at
                current = stage
            last_at = t
        elif kind == "incident.closed" and current is not None:
            left.setdefault(current, last_at)
            current = None
    visits = [{"id": s, "entered_at": entered[s], "left_at": left.get(s)} for s in order]
    return visits, left


def _walk_deadlines(events: list[Event], resolved: Resolved) -> tuple[Any, list[Any]]:
    """Replay the walk over the events and return it with its deadlines.

    The same state `Walk.apply` builds, but the walk's position is carried forward step by
    step instead of being recomputed from the start for each step: `stats` replays a
    thousand incidents. A step recorded at the position moves it along the path; any
    other step leaves it where it was, exactly as `Walk.position` would find it.
    """
    from crisisplay.incident.walk import Incident, Walk

    walk = Walk(resolved, Incident.from_event(events[0].to_dict()))
    steps, index, records = walk.steps, walk.index, walk.records
    total = len(steps)
    pos: int | None = 0 if total else None
    for e in events:
        kind = e.type
        if kind == "step":
            data: Any = e.data
            n = index.get(data.get("step"))
            if n is None:
                continue  # a step a later playbook version removed
            records[steps[n][1].id] = data
            if pos is not None and n == pos:
                nxt = walk.next_index(n, data)
                while nxt < total and steps[nxt][1].id in records:
                    nxt = walk.next_index(nxt, records[steps[nxt][1].id])
                pos = nxt if nxt < total else None
            stage = steps[n][0].id
            if pos is None or steps[pos][0].id != stage:
                walk.stage_done.setdefault(stage, event_time(e))
        elif kind == "severity.changed":
            with contextlib.suppress(KeyError, TypeError, ValueError):
                walk.severity = int(e.data["to"])
        elif kind == "deadline.missed":
            missed_stage: Any = e.data.get("stage")
            walk.missed.add(missed_stage)
        elif kind == "incident.closed":
            walk.closed = True
    return walk, walk.deadlines()


def incident_facts(
    events: Digest | Iterable[Event],
    playbook: Resolved | None = None,
    playbook_check: dict[str, Any] | None = None,
) -> Facts:
    """Measure one incident from its events (in log order), or their :class:`Digest`.

    `playbook` is the resolved playbook the incident walked (its snapshot); without it the
    deadlines met are unknown (null) and only the missed ones the log records are listed.
    """
    from crisisplay.incident.walk import network_states

    dg = events if isinstance(events, Digest) else digest(events)
    if dg.first is None or dg.first.type != "incident.opened":
        raise CrisisplayError("This log does not begin with incident.opened: nothing to report.")
    kept = dg.events  # the events the facts are worked out from (no notes)
    opened_event = dg.first
    d = opened_event.data
    first_seen = parse_ts(d["first_seen"])
    opened_at = event_time(opened_event)

    def since(t: datetime | None) -> int | float | None:
        return None if t is None else seconds((t - first_seen).total_seconds())

    severity = int(d.get("severity", 0))
    closed_at: datetime | None = None
    outcome: str | None = None
    first_published: datetime | None = None
    first_by_template: dict[str, datetime] = {}
    overrides = 0
    # Each draft's networks, by its step: {platform: state}; the publication events that
    # follow the draft update them.
    drafts: dict[str, dict[str, dict[str, Any]]] = {}
    draft_data: dict[str, dict[str, Any]] = {}
    steps = 0
    skipped = 0
    notes = dg.notes
    backfilled = dg.others_backfilled
    remedy_last: datetime | None = None
    remedy_left = False
    in_remedy = False
    missed_logged: dict[str, dict[str, Any]] = {}
    # (event index, time, promised) for each published promise; delivery checked below
    promised: list[tuple[int, datetime, datetime, dict[str, Any]]] = []
    deliveries: list[tuple[int, datetime, str]] = []  # later updates (never the close)
    last_time = opened_at
    others_last = dg.others_last
    if others_last is not None and others_last > last_time:
        last_time = others_last

    for i, e in enumerate(kept):
        kind = e.type
        if e.at is not None:
            backfilled += 1
        t = event_time(e)
        if t > last_time:
            last_time = t
        if kind == "step":
            data = e.data
            steps += 1
            if data.get("status") == "skipped":
                skipped += 1
            stage = data.get("stage")
            if stage == "remedy":
                remedy_last = t
                in_remedy = True
                remedy_left = False
            elif in_remedy:
                remedy_left = True
                in_remedy = False
            if data.get("kind") == "draft" and data.get("texts"):
                step_id = str(data.get("step"))
                drafts[step_id] = network_states(data)
                draft_data[step_id] = data
            if data.get("kind") == "draft" and data.get("status") == "published":
                if data.get("overrides"):
                    overrides += 1
                if first_published is None:
                    first_published = t
                template = data.get("template")
                if template and template not in first_by_template:
                    first_by_template[template] = t
                if is_update(data):
                    deliveries.append((i, t, data.get("step", "")))
                if data.get("next_update_by"):
                    promised.append((i, t, parse_ts(data["next_update_by"]), data))
        elif kind == "publication":
            nets = drafts.get(str(e.data.get("step")))
            if nets is not None and e.data.get("platform") is not None:
                was_out = any(n.get("state") == "published" for n in nets.values())
                state = {k: v for k, v in e.data.items() if k not in ("step", "stage", "platform")}
                nets[str(e.data["platform"])] = state
                if not was_out and state.get("state") == "published":
                    # The statement first went out now: it acknowledges the crisis now.
                    out_at = parse_ts(state["at"]) if state.get("at") else t
                    if first_published is None or out_at < first_published:
                        first_published = out_at
                    template = draft_data[str(e.data["step"])].get("template")
                    if template and (
                        template not in first_by_template or out_at < first_by_template[template]
                    ):
                        first_by_template[template] = out_at
                    if is_update(draft_data[str(e.data["step"])]):
                        deliveries.append((i, out_at, str(e.data["step"])))
        elif kind == "deadline.missed":
            missed_logged.setdefault(e.data["stage"], {**e.data, "at": t})
        elif kind == "severity.changed":
            with contextlib.suppress(KeyError, TypeError, ValueError):
                severity = int(e.data["to"])
        elif kind == "incident.closed":
            if closed_at is None:
                closed_at = t
            outcome = e.data.get("outcome")
            if in_remedy:
                remedy_left = True
                in_remedy = False
        elif kind == "incident.reopened":
            closed_at = None
            outcome = None

    visits, left = _stage_visits(kept, opened_at)
    promises = _promises(promised, deliveries, closed_at is not None, last_time)

    walk = None
    deadlines: list[dict[str, Any]] = []
    titles: dict[str, str] = {}
    if playbook is not None:
        walk, walk_deadlines = _walk_deadlines(kept, playbook)
        titles = {s.id: s.title for s in playbook.playbook.stages or []}
        order = [s.id for s in playbook.playbook.stages or []]
        cur = None if walk.closed else walk.current()
        here = order.index(cur[0].id) if cur is not None else len(order)
        for dl in walk_deadlines:
            logged = missed_logged.get(dl.stage)
            done = dl.done_at
            if logged is not None:
                status = "missed"
            elif done is not None:
                status = "met" if done <= dl.due_at else "missed"
            elif order.index(dl.stage) >= here:
                status = "open"  # the incident has not got there yet
            else:
                status = "not reached"  # jumped over, or the walk ended first
            deadlines.append(_deadline_row(dl.stage, dl.title, dl.due_at, done, status, logged))
    else:
        for stage, logged in missed_logged.items():
            due = parse_ts(logged["due_at"])
            deadlines.append(_deadline_row(stage, stage, due, left.get(stage), "missed", logged))

    by_stage = {row["stage"]: row for row in deadlines}
    stages = []
    for v in visits:
        dl_row = by_stage.get(v["id"])
        met_status = dl_row["status"] if dl_row else None
        stages.append(
            {
                "id": v["id"],
                "title": titles.get(v["id"], v["id"]),
                "entered_at": rfc3339(v["entered_at"]),
                "left_at": rfc3339(v["left_at"]),
                "duration_s": None
                if v["left_at"] is None
                else seconds((v["left_at"] - v["entered_at"]).total_seconds()),
                "due_at": dl_row["due_at"] if dl_row else None,
                "met": True if met_status == "met" else False if met_status == "missed" else None,
                "missed_by_s": dl_row["missed_by_s"] if dl_row else None,
            }
        )

    states = [n.get("state") for nets in drafts.values() for n in nets.values()]
    statements = sum(
        1 for nets in drafts.values() if any(n.get("state") == "published" for n in nets.values())
    )
    met = sum(1 for r in deadlines if r["status"] == "met")
    missed = sum(1 for r in deadlines if r["status"] == "missed")
    metrics: dict[str, Any] = {
        "time_to_acknowledge": since(first_published),
        "time_to_holding_statement": since(first_by_template.get("holding-statement")),
        "time_to_apology": since(first_by_template.get("apology")),
        "time_to_remedy": since(remedy_last) if remedy_last is not None and remedy_left else None,
        "time_to_close": since(closed_at),
        "updates_promised": len(promises),
        "updates_delivered": sum(1 for p in promises if p["status"] == "delivered"),
        "updates_missed": sum(1 for p in promises if p["status"] == "missed"),
        "deadlines_met": met if playbook is not None else None,
        "deadlines_missed": missed,
        "statements_published": statements,
        "networks_published": states.count("published"),
        "networks_not_published": len(states) - states.count("published"),
        "checker_overrides": overrides,
        "steps_recorded": steps,
        "steps_skipped": skipped,
        "notes": notes,
        "backfilled_events": backfilled,
        "events": dg.count,
    }
    pb = d.get("playbook") or {}
    incident = {
        "id": d.get("incident"),
        "title": d.get("title"),
        "client": {"name": d["client"]["name"], "slug": d["client"]["slug"]},
        "severity": severity,
        "severity_at_open": int(d.get("severity", 0)),
        "drill": bool(d.get("drill", False)),
        "timezone": d.get("timezone"),  # the IANA zone its times are shown in (None: older logs)
        "first_seen": rfc3339(first_seen),
        "opened_at": rfc3339(opened_at),
        "closed_at": rfc3339(closed_at),
        "status": "closed" if closed_at is not None else "open",
        "outcome": outcome,
        "last_event_at": rfc3339(last_time),
        "playbook": {
            "id": pb.get("id"),
            "version": pb.get("version"),
            "language": pb.get("language"),
        },
    }
    check = playbook_check or {"status": "given" if playbook is not None else "none"}
    return Facts(incident, metrics, stages, deadlines, promises, check, playbook)


def _deadline_row(
    stage: str,
    title: str,
    due: datetime,
    done: datetime | None,
    status: str,
    logged: dict[str, Any] | None,
) -> dict[str, Any]:
    missed_by: int | float | None = None
    if status == "missed":
        if done is not None and done > due:
            missed_by = seconds((done - due).total_seconds())
        elif logged is not None:
            missed_by = logged.get("missed_by_s")
    return {
        "stage": stage,
        "title": title,
        "due_at": rfc3339(due),
        "done_at": rfc3339(done),
        "status": status,
        "margin_s": None if done is None else seconds((due - done).total_seconds()),
        "missed_by_s": missed_by,
        "recorded_missed_at": rfc3339(logged["at"]) if logged else None,
    }


def is_update(data: dict[str, Any]) -> bool:
    """Whether a published statement keeps a promise of an update: an `update` statement,
    or one that itself says when the next update comes."""
    return data.get("template") == "update" or bool(data.get("next_update_by"))


def _promises(
    promised: list[tuple[int, datetime, datetime, dict[str, Any]]],
    deliveries: list[tuple[int, datetime, str]],
    closed: bool,
    last_time: datetime,
) -> list[dict[str, Any]]:
    out = []
    for index, made_at, due, data in promised:
        when: datetime | None
        by: str | None
        later = [(t, what) for i, t, what in deliveries if i > index]
        kept = next(((t, what) for t, what in later if t <= due), None)
        if kept is not None:
            status, when, by = "delivered", kept[0], kept[1]
        elif later or closed or last_time >= due:
            status = "missed"
            when, by = (later[0][0], later[0][1]) if later else (None, None)
        else:
            status, when, by = "open", None, None  # the incident is open and it is not due yet
        out.append(
            {
                "step": data.get("step"),
                "template": data.get("template"),
                "published_at": rfc3339(made_at),
                "next_update_by": rfc3339(due),
                "status": status,
                "followed_at": rfc3339(when),
                "followed_by": by,
                "late_by_s": seconds((when - due).total_seconds())
                if when is not None and when > due
                else None,
            }
        )
    return out


# --- from a folder ---------------------------------------------------------------------

# Parsed snapshots by the sha256 of the file's bytes: `stats` reads a thousand incidents
# that share one playbook, and validating it once is what keeps that fast.
_SNAPSHOTS: dict[str, tuple[str, Any, list[Any]] | None] = {}


def expected_playbook_sha(events: Digest | list[Event]) -> str | None:
    """The sha256 of the playbook the incident walks as the log ends."""
    if isinstance(events, Digest):
        first, events = events.first, events.events
    else:
        first = events[0] if events else None
    sha = (first.data.get("playbook") or {}).get("sha256") if first is not None else None
    for e in events:
        if e.type == "playbook.changed" and e.data.get("choice") == "update":
            sha = (e.data.get("to") or {}).get("sha256") or sha
        elif e.type == "playbook.restored":  # resume replaced a damaged snapshot
            sha = e.data.get("sha256") or sha
    return sha


def load_snapshot(folder: Path, expected: str | None) -> tuple[Resolved | None, dict[str, Any]]:
    """The incident's playbook snapshot, if it is the one the log names."""
    from crisisplay import safefs
    from crisisplay.files import OWN_FILE

    path = folder / SNAPSHOT
    check: dict[str, Any] = {"status": "matched", "expected": expected, "found": None}
    try:
        # Never through a link planted where the snapshot belongs.
        raw = safefs.read_bytes(folder, SNAPSHOT, limit=OWN_FILE, depth=2, what="a snapshot")
    except FileNotFoundError:
        return None, {**check, "status": "missing"}
    except OSError:
        return None, {**check, "status": "unreadable"}
    key = hashlib.sha256(raw).hexdigest()
    if key not in _SNAPSHOTS:
        _SNAPSHOTS[key] = _parse_snapshot(raw)
    parsed = _SNAPSHOTS[key]
    if parsed is None:
        return None, {**check, "status": "unreadable"}
    sha, playbook, lineage = parsed
    check["found"] = sha
    if expected is None or sha != expected:
        return None, {**check, "status": "mismatch"}
    from crisisplay.playbook.resolved import Origins, Resolved

    # No library: deadlines and the replay need only the playbook, not its templates.
    return Resolved(playbook, path, "snapshot", lineage, Origins(), cast(Any, None)), check


def _parse_snapshot(raw: bytes) -> tuple[str, Any, list[Any]] | None:
    try:
        payload = json.loads(raw.decode("utf-8"))
        content = payload["content"]
        # The hash of the content itself, not the one the file claims: an edited snapshot
        # must not pass for the playbook the incident walked.
        canon = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        sha = hashlib.sha256(canon.encode("utf-8")).hexdigest()
        from crisisplay.playbook.model import Playbook

        playbook = Playbook.model_validate(dict(content))
        return sha, playbook, list(payload.get("lineage") or [])
    except Exception:  # any damage means "no usable snapshot", said in the report
        return None


def read_digest(folder: Path) -> tuple[Digest, Any]:
    """The digest of the incident's log, read once through the log's reader, and what the
    reader found (a :class:`crisisplay.incident.log.VerifyResult`)."""
    from crisisplay.incident.log import LogError, LogReader

    reader = LogReader(folder / "log.jsonl")
    try:
        dg = digest(typed(reader))
        return dg, reader.result
    except LogError as e:
        raise CrisisplayError(str(e)) from None


def facts_for_folder(folder: Path, events: Digest | list[Event] | None = None) -> Facts:
    """The facts of the incident in `folder` (its log.jsonl and playbook.json).

    Without `events` the log is read (and checked) here; a log that fails verification
    still gives facts of what can be read (the caller decides what to do with that).
    """
    if events is None:
        events, _ = read_digest(folder)
    dg = events if isinstance(events, Digest) else digest(events)
    if not dg.count:
        raise CrisisplayError(f"The incident log in {folder} is empty: nothing to report.")
    resolved, check = load_snapshot(folder, expected_playbook_sha(dg))
    return incident_facts(dg, resolved, check)
