"""One post-mortem report object, from an incident's log alone.

The log is verified first; a log that fails verification still gives a report of what
can be read, with the failure at its top. Everything here is data (JSON-ready dicts and
lists): markdown.py, html.py and the JSON writer only format it.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import IO, Any

from crisisplay.incident.events import Event
from crisisplay.report.metrics import Digest, facts_for_folder, parse_ts
from crisisplay.times import maybe_rfc3339 as rfc3339

SCHEMA = "crisisplay/report/v1"

# Markdown and HTML show the first NOTE_LIMIT notes and, of the other events, the first
# EVENT_LIMIT; the rest are folded into one line each that says how many (JSON holds all).
NOTE_LIMIT = 300
EVENT_LIMIT = 5000
# A JSON report keeps this many timeline (or note) lines in memory, the rest on disk.
SPOOL_AFTER = 20_000

# Answers that describe the crisis's reach and exposure, by the variable they are saved as
# (ask steps' save_as, or a decision's `set`), in the order a reader wants them.
IMPACT = (
    "post_url",
    "post_summary",
    "author_reach",
    "spread_velocity",
    "media_pickup",
    "same_reports",
    "crisis_history",
    "legal_exposure",
    "personal_data",
    "triage",
    "fault",
    "what_happened",
    "root_cause_so_far",
)


def impact_labels(_: Callable[[str], str]) -> dict[str, str]:
    """What each IMPACT answer is, in the report's language."""
    return {
        "post_url": _("Original post"),
        "post_summary": _("What it said"),
        "author_reach": _("Author's reach (followers)"),
        "spread_velocity": _("Spread"),
        "media_pickup": _("Media pickup"),
        "same_reports": _("Others reporting the same"),
        "crisis_history": _("Similar crisis before"),
        "legal_exposure": _("Safety or legal exposure"),
        "personal_data": _("Customers' personal data involved"),
        "triage": _("Triage"),
        "fault": _("Whose fault"),
        "what_happened": _("What happened"),
        "root_cause_so_far": _("Cause (as established during the incident)"),
    }


def english(message: str) -> str:
    return message


WHYS = tuple(f"why_{n}" for n in range(1, 6))
REVIEW = ("went_well", "went_badly", "got_lucky")

# "owner — action — due": em dash, en dash, a spaced hyphen, or a bar.
_ITEM_SEP = re.compile(r"\s*[—–|]\s*|\s+-\s+")
_BULLET = re.compile(r"^\s*(?:[-*•]\s+|\d+[.)]\s+)")
_DATEISH = re.compile(
    r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}(/\d{2,4})?|\b(by|before|end of|next|this|today|"
    r"tomorrow|week|month|monday|tuesday|wednesday|thursday|friday|q[1-4])\b",
    re.IGNORECASE,
)


def parse_action_items(text: str | None) -> list[dict[str, Any]]:
    """One action item per line: 'owner — action — due date', parsed tolerantly.

    A line without all three parts keeps what it has; the missing owner or date is None
    (shown as "unassigned" / "no date"), and `raw` is always the line as written.
    """
    items = []
    for line in (text or "").splitlines():
        raw = line.strip()
        if not raw:
            continue
        body = _BULLET.sub("", raw)
        parts = [p.strip() for p in _ITEM_SEP.split(body) if p.strip()]
        owner: str | None = None
        due: str | None = None
        if len(parts) >= 3:
            owner, action, due = parts[0], " — ".join(parts[1:-1]), parts[-1]
        elif len(parts) == 2:
            if _DATEISH.search(parts[1]) and not _DATEISH.search(parts[0]):
                action, due = parts
            else:
                owner, action = parts
        else:
            action = body
        items.append({"owner": owner, "action": action, "due": due, "raw": raw})
    return items


# --- the report ------------------------------------------------------------------------


def _stamp(value: str) -> str:
    """An event's RFC 3339 time, normalised to UTC (the log's own are already)."""
    if len(value) == 27 and value.endswith("Z"):
        return value
    return rfc3339(parse_ts(value)) or value


def _value_text(value: Any, _: Callable[[str], str] = english) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None:
        return "—"
    if isinstance(value, int | float):
        return f"{value:,}"
    return str(value)


def describe(event: Event, _: Callable[[str], str] = english) -> str:
    """One plain line saying what the event records, in the words `_` translates to."""
    d = event.data
    kind = event.type
    if kind == "incident.opened":
        pb = d.get("playbook") or {}
        return _(
            "Incident opened: %(title)s (severity %(severity)s, client %(client)s; "
            "playbook %(playbook)s %(version)s)"
        ) % {
            "title": d.get("title"),
            "severity": d.get("severity"),
            "client": (d.get("client") or {}).get("name"),
            "playbook": pb.get("id"),
            "version": pb.get("version"),
        } + (" — " + _("drill") if d.get("drill") else "")
    if kind == "variables":
        values = d.get("values") or {}
        return (
            _("Incident details:")
            + " "
            + "; ".join(f"{k} = {_value_text(v, _)}" for k, v in values.items())
        )
    if kind == "step":
        step = d.get("step")
        status = d.get("status")
        if status == "skipped":
            return f"{step}: " + _("skipped — %(reason)s") % {"reason": d.get("reason")}
        k = d.get("kind")
        if k == "ask":
            return f"{step}: {_one_line(_value_text(d.get('value'), _))}"
        if k == "decide":
            goto = d.get("goto")
            return (
                f"{step}: "
                + _("decided “%(option)s”") % {"option": d.get("option")}
                + (f" → {goto}" if goto else "")
            )
        if k == "notify":
            who = ", ".join(f"{c.get('name')} ({c.get('role')})" for c in d.get("contacted") or [])
            ack = _("acknowledged") if d.get("acknowledged") else _("no answer yet")
            return f"{step}: " + _("notified %(who)s — %(ack)s") % {
                "who": who or _("nobody listed"),
                "ack": ack,
            }
        if k == "draft":
            from crisisplay.incident.walk import network_states

            nets = network_states(d)
            out = [p for p, n in nets.items() if n.get("state") == "published"]
            pubs = ", ".join(out) or _("not published")
            by = (d.get("approval") or {}).get("by")
            text = f"{step}: " + _("%(template)s statement, %(status)s on %(networks)s") % {
                "template": d.get("template"),
                "status": {"published": _("published"), "approved": _("approved")}.get(
                    str(status), status
                ),
                "networks": pubs,
            }
            return text + (", " + _("approved by %(who)s") % {"who": by} if by else "")
        if k == "note":
            return f"{step}: " + _("read and acknowledged")
        return f"{step}: {status}"
    if kind == "publication":
        state = d.get("state")
        where = {"step": d.get("step"), "network": d.get("platform")}
        if state == "published":
            return _("%(step)s: published on %(network)s") % where
        if state == "not_published":
            return _("%(step)s: not published on %(network)s — %(reason)s") % {
                **where,
                "reason": d.get("reason"),
            }
        return f"{d.get('step')}: {d.get('platform')} {state}"
    if kind == "deadline.missed":
        from crisisplay.times import duration, when

        return _(
            "Deadline missed: stage %(stage)s was due %(due)s, %(late)s late when recorded"
        ) % {
            "stage": d.get("stage"),
            "due": when(d.get("due_at")),
            "late": duration(d.get("missed_by_s")),
        }
    if kind == "note":
        return _("Note:") + f" {_one_line(str(d.get('text', '')))}"
    if kind == "moderation":
        return _moderation_line(d, _)
    if kind == "incident.closed":
        return _("Incident closed (%(outcome)s)") % {"outcome": d.get("outcome")}
    if kind == "session.paused":
        return _("Session paused: %(reason)s") % {"reason": d.get("reason", "")}
    if kind == "session.resumed":
        return _("Session resumed (%(mode)s)") % {"mode": d.get("mode", "interactive")}
    if kind == "recovery":
        return _("Recovered after a crash: %(bytes)s bytes quarantined in %(file)s") % {
            "bytes": d.get("bytes"),
            "file": d.get("file"),
        }
    if kind == "playbook.changed":
        fr, to = d.get("from") or {}, d.get("to") or {}
        return _("Playbook changed %(old)s → %(new)s; chose to %(choice)s") % {
            "old": fr.get("version"),
            "new": to.get("version"),
            "choice": d.get("choice"),
        }
    if kind == "severity.changed":
        return _("Severity changed to %(n)s") % {"n": d.get("to")} + (
            f": {d['reason']}" if d.get("reason") else ""
        )
    if kind.startswith("drill."):
        said = _drill_event(kind, d, _)
        if said is not None:
            return said
    return f"{kind}: {_one_line(json.dumps(d, ensure_ascii=False))}"


def _moderation_line(d: dict[str, Any], _: Any) -> str:
    """A post hidden or deleted: what, under which rule of the client's list, and why."""
    words = {
        "hidden": _("Hidden under “%(rule)s”: %(what)s — %(reason)s"),
        "deleted": _("Deleted under “%(rule)s”: %(what)s — %(reason)s"),
    }
    return words.get(str(d.get("action")), words["hidden"]) % {
        "rule": d.get("rule"),
        "what": _one_line(str(d.get("what", ""))),
        "reason": _one_line(str(d.get("reason", ""))),
    }


def _drill_event(kind: str, d: dict[str, Any], _: Callable[[str], str]) -> str | None:
    """A drill's own events in one plain line each (the debrief has its own section)."""
    from datetime import timedelta

    from crisisplay.times import offset

    def t(value: Any) -> str:
        return offset(timedelta(seconds=value)) if isinstance(value, int | float) else "—"

    if kind == "drill.started":
        speed = d.get("speed")
        return _("Drill started: %(scenario)s — %(title)s (%(mode)s, ×%(speed)s)") % {
            "scenario": d.get("scenario"),
            "title": d.get("title"),
            "mode": d.get("mode"),
            "speed": f"{speed:g}" if isinstance(speed, int | float) else "?",
        }
    if kind == "drill.event":
        text = _one_line(str(d.get("text") or ""), 160)
        return _("Scenario event %(event)s (%(kind)s, %(t)s): %(text)s") % {
            "event": d.get("event"),
            "kind": d.get("kind"),
            "t": t(d.get("t")),
            "text": text,
        }
    if kind == "drill.decision":
        said = _("Drill decision on %(event)s: “%(option)s”") % {
            "event": d.get("event"),
            "option": d.get("option"),
        }
        if d.get("mistake"):
            said += " — " + _("a mistake: %(why)s") % {"why": _one_line(str(d["mistake"]))}
        return said
    if kind == "drill.ended":
        reason = {
            "walk-complete": _("the walk is complete"),
            "ends-after": _("its last stage is over"),
        }.get(str(d.get("reason")), str(d.get("reason")))
        return _("Drill ended at %(t)s: %(reason)s") % {"t": t(d.get("t")), "reason": reason}
    if kind == "drill.scored":
        total = d.get("total")
        if not isinstance(total, int | float):
            return None
        return _("Drill scored %(total)s/100 (see the drill's debrief)") % {"total": f"{total:g}"}
    return None


def _one_line(text: str, width: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


class Section:
    """A report section with one entry per event, made as the log is read.

    A long incident's timeline is as long as its log, so the section never holds it: it
    keeps the events Markdown and HTML show (`keep(event)` says which; the rest are counted
    in `folded`), and, when `spool` is set (the JSON report, which lists every entry), writes
    each entry's JSON line to an anonymous temporary file as it goes. Memory stays flat
    however long the log is, and the log is still read only once.
    """

    def __init__(
        self,
        entry: Callable[[Event], dict[str, Any]],
        line: Callable[[Event], str | None] | None,
        keep: Callable[[Event], bool],
        spool: bool,
    ) -> None:
        self.entry = entry
        #: the entry as one line of JSON, written directly (None when it has to be built)
        self.line = line
        self._keep = keep
        self.kept: list[Event] = []  #: the events shown, in log order
        self.total = 0
        self.folded: dict[str, int] = {}  #: events not kept, by type
        self._prefix = 0  # kept[:_prefix] are the first entries, with nothing folded between
        self._encode = _item_encoder()
        self._full = spool
        # JSON lines in memory up to SPOOL_AFTER, then in an anonymous temporary file
        self._lines: list[str] = []
        self._spool: IO[str] | None = None

    def add(self, e: Event, text: str | None = None) -> None:
        """Add the next event; `text` is its JSON line when the caller has made it already."""
        if self._keep(e):
            self.kept.append(e)
            if self._prefix == self.total:
                self._prefix += 1
        else:
            self.folded[e.type] = self.folded.get(e.type, 0) + 1
        self.total += 1
        if self._full:
            if text is None:
                text = (self.line(e) if self.line is not None else None) or self._encode(
                    self.entry(e)
                )
            self._lines.append(text)
            if len(self._lines) >= SPOOL_AFTER:
                self._spill()

    def _spill(self) -> None:
        if not self._lines:
            return
        if self._spool is None:
            self._spool = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
            weakref.finalize(self, self._spool.close)  # closed with the section
        self._spool.write("\n".join(self._lines) + "\n")
        self._lines.clear()

    @property
    def complete(self) -> bool:
        """Whether every entry is in memory (nothing folded)."""
        return self._prefix == self.total

    def __len__(self) -> int:
        return self.total

    def shown(self) -> Iterator[dict[str, Any]]:
        """The entries Markdown and HTML show (see :attr:`folded` for the rest)."""
        entry = self.entry
        for e in self.kept:
            yield entry(e)

    def json_lines(self) -> Iterator[str]:
        """Every entry as one line of JSON, in order."""
        if not self._full:
            if not self.complete:
                raise ValueError("this section kept only what Markdown and HTML show")
            line, encode, entry = self.line, self._encode, self.entry
            for e in self.kept:
                yield (line(e) if line is not None else None) or encode(entry(e))
            return
        if self._spool is not None:
            self._spill()
            self._spool.flush()
            self._spool.seek(0)
            for text in self._spool:
                yield text[:-1]
            self._spool.seek(0, 2)
        else:
            yield from self._lines

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if self.complete:
            yield from self.shown()
        else:
            for text in self.json_lines():
                yield json.loads(text)

    def __getitem__(self, n: int | slice) -> Any:
        if isinstance(n, slice):
            stop = self.total if n.stop is None else n.stop
            if n.start in (None, 0) and n.step in (None, 1) and 0 <= stop <= self._prefix:
                return [self.entry(e) for e in self.kept[:stop]]
            return list(self)[n]
        if 0 <= n < self._prefix:
            return self.entry(self.kept[n])
        return list(self)[n]


def shown_timeline(timeline: Any) -> tuple[Iterator[dict[str, Any]], int, int]:
    """The timeline rows Markdown and HTML show, and how many notes and how many other
    events they leave out: the first NOTE_LIMIT notes and the first EVENT_LIMIT other events
    are shown, in log order. `timeline` is a report's Section, or a plain list of entries."""
    if isinstance(timeline, Section):
        folded = dict(timeline.folded)
        hidden_notes = folded.pop("note", 0)
        return timeline.shown(), hidden_notes, sum(folded.values())
    rows: list[dict[str, Any]] = []
    notes = others = hidden_notes = hidden_others = 0
    for t in timeline:
        if t["type"] == "note":
            notes += 1
            if notes > NOTE_LIMIT:
                hidden_notes += 1
                continue
        else:
            others += 1
            if others > EVENT_LIMIT:
                hidden_others += 1
                continue
        rows.append(t)
    return iter(rows), hidden_notes, hidden_others


def timeline_entry(e: Event, _: Callable[[str], str] = english) -> dict[str, Any]:
    """One event as the report's timeline shows it (its text in the words `_` gives)."""
    data = e.data
    kind = e.type
    backfilled = e.at is not None
    recorded = _stamp(e.ts)
    return {
        "seq": e.seq,
        "type": kind,
        "at": _stamp(e.at) if e.at is not None else recorded,
        "recorded_at": recorded,
        "backfilled": backfilled,
        "actor": e.actor,
        "stage": data.get("stage") if kind == "step" else None,
        "step": data.get("step"),
        "text": describe(e, _),
    }


def note_entry(e: Event) -> dict[str, Any]:
    data = e.data
    backfilled = e.at is not None
    recorded = _stamp(e.ts)
    return {
        "seq": e.seq,
        "at": _stamp(e.at) if e.at is not None else recorded,
        "recorded_at": recorded,
        "backfilled": backfilled,
        "actor": e.actor,
        "step": data.get("step"),
        "text": str(data.get("text", "")),
    }


# Notes are nearly all of a long log. Their JSON lines are written directly, in exactly
# the bytes json.dumps would give for timeline_entry / note_entry (a test compares them),
# at twice the speed of building each dict and encoding it.
_QUOTE = json.encoder.encode_basestring


def _note_parts(e: Event) -> tuple[str, ...] | None:
    data = e.data
    seq, actor, step, text = e.seq, e.actor, data.get("step"), data.get("text", "")
    if not (
        type(seq) is int
        and type(actor) is str
        and type(text) is str
        and (step is None or type(step) is str)
    ):
        return None  # anything unusual goes the slow, general way
    recorded = _stamp(e.ts)
    backfilled = e.at is not None
    at = _stamp(e.at) if e.at is not None else recorded
    return (
        str(seq),
        _QUOTE(at),
        _QUOTE(recorded),
        "true" if backfilled else "false",
        _QUOTE(actor),
        "null" if step is None else _QUOTE(step),
        text,
    )


def _timeline_note_text(p: tuple[str, ...], note: str = "Note:") -> str:
    return (
        f'{{"seq": {p[0]}, "type": "note", "at": {p[1]}, "recorded_at": {p[2]}, '
        f'"backfilled": {p[3]}, "actor": {p[4]}, "stage": null, "step": {p[5]}, '
        f'"text": {_QUOTE(note + " " + _one_line(p[6]))}}}'
    )


def _note_text(p: tuple[str, ...]) -> str:
    return (
        f'{{"seq": {p[0]}, "at": {p[1]}, "recorded_at": {p[2]}, "backfilled": {p[3]}, '
        f'"actor": {p[4]}, "step": {p[5]}, "text": {_QUOTE(p[6])}}}'
    )


def timeline_note_line(e: Event, _: Callable[[str], str] = english) -> str | None:
    if e.type != "note" or (p := _note_parts(e)) is None:
        return None
    return _timeline_note_text(p, _("Note:"))


def note_line(e: Event) -> str | None:
    if (p := _note_parts(e)) is None:
        return None
    return _note_text(p)


def materialize(report: dict[str, Any]) -> dict[str, Any]:
    """The report with every section a plain list (what the JSON holds)."""
    return {k: list(v) if isinstance(v, Section) else v for k, v in report.items()}


def build_report(folder: Path, *, full: bool = True) -> dict[str, Any]:
    """The whole post-mortem of the incident in `folder`, as JSON-ready data.

    The log is read once, through the log's reader (so it is checked exactly as `log
    verify` checks it), and only what the report needs is kept: the walk's own events, the
    statements, decisions and answers, and the timeline and notes Markdown and HTML show.
    With `full` (the JSON report) every timeline and note entry is also kept, on disk, for
    `write_json`; without it those sections hold only what is shown (see `Section`).
    """
    from crisisplay.errors import CrisisplayError
    from crisisplay.incident.events import typed
    from crisisplay.incident.log import LogError, LogReader

    path = folder / "log.jsonl"
    if not path.is_file():
        raise CrisisplayError(f"There is no incident log in {folder}.")

    others = 0

    def shown_in_timeline(e: Event) -> bool:
        nonlocal others
        if e.type == "note":
            return notes.total < NOTE_LIMIT  # the same first notes as the notes section
        others += 1
        return others <= EVENT_LIMIT

    # The timeline's words are the incident's language, known from its first event.
    words = SimpleNamespace(gettext=english, note="Note:")
    notes = Section(note_entry, note_line, lambda e: notes.total < NOTE_LIMIT, full)
    timeline = Section(
        lambda e: timeline_entry(e, words.gettext),
        lambda e: timeline_note_line(e, words.gettext),
        shown_in_timeline,
        full,
    )
    dg = Digest()
    statements: list[dict[str, Any]] = []
    decisions: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    overrides: list[dict[str, Any]] = []
    moderation: list[dict[str, Any]] = []  # posts hidden or deleted
    answers: dict[str, dict[str, Any]] = {}  # variable -> {value, step, at}
    start_values: dict[str, Any] = {}
    pending_decision: dict[str, Any] | None = None
    drill_score: dict[str, Any] | None = None  # a drill's score, with its debrief

    reader = LogReader(path)
    try:
        for e in typed(reader):
            if dg.first is None and e.type == "incident.opened":
                from crisisplay.i18n import translator

                pb = e.data.get("playbook") or {}
                words.gettext = translator(pb.get("language")).gettext
                words.note = words.gettext("Note:")
            dg.add(e)
            kind = e.type
            if kind == "note":
                # A note's two JSON lines share their parts: made once (JSON only).
                parts = _note_parts(e) if full else None
                if parts is not None:
                    timeline.add(e, _timeline_note_text(parts, words.note))
                    notes.add(e, _note_text(parts))
                else:
                    timeline.add(e)
                    notes.add(e)
                continue
            timeline.add(e)
            if kind == "moderation":
                moderation.append(
                    {
                        "at": _stamp(e.when),
                        "action": e.data.get("action"),
                        "what": e.data.get("what"),
                        "rule": e.data.get("rule"),
                        "reason": e.data.get("reason"),
                        "step": e.data.get("step"),
                    }
                )
                continue
            if kind == "drill.scored":
                drill_score = dict(e.data)
            pending_decision = _take(
                e,
                pending_decision,
                statements,
                decisions,
                notifications,
                overrides,
                answers,
                start_values,
            )
        result = reader.result
    except LogError as e:
        raise CrisisplayError(str(e)) from None
    unreadable = result.unreadable
    if dg.first is None or dg.first.type != "incident.opened":
        raise CrisisplayError(
            f"The log in {folder} does not begin with an incident.opened event"
            + ("" if result.ok else " (and it fails verification)")
            + ": there is no incident to report on.",
            "Check it with `crisisplay log verify`.",
        )
    facts = facts_for_folder(folder, dg)
    resolved = facts.resolved
    step_texts: dict[str, str] = {}
    if resolved is not None:
        step_texts = {s.id: s.text.strip() for _, s in resolved.playbook.steps()}
    for d in decisions:
        d["question"] = step_texts.get(d["step"])
    for n in notifications:
        n["purpose"] = step_texts.get(n["step"])
    incident = dict(facts.incident)
    incident["variables"] = start_values
    verification = {
        "ok": result.ok,
        "events": result.count,
        "head": result.head,
        "anchor": result.anchor,
        "problems": list(result.problems),
        "unreadable_lines": unreadable,
    }
    five_whys = [
        {
            "n": n,
            "question": step_texts.get(answers[name]["step"]),
            "answer": answers[name]["value"],
            "step": answers[name]["step"],
        }
        for n, name in enumerate(WHYS, start=1)
        if name in answers and answers[name]["value"] not in (None, "")
    ]
    review = {name: (answers.get(name) or {}).get("value") for name in REVIEW}
    labels = impact_labels(words.gettext)
    impact = [
        {
            "name": name,
            "label": labels[name],
            "value": answers[name]["value"],
            "step": answers[name]["step"],
        }
        for name in IMPACT
        if name in answers and answers[name]["value"] is not None
    ]
    items_raw = (answers.get("action_items") or {}).get("value")
    drill = _drill(drill_score) if drill_score is not None else {}
    return {
        "schema": SCHEMA,
        "incident": incident,
        "verification": verification,
        "playbook_check": facts.playbook_check,
        "metrics": facts.metrics,
        "impact": impact,
        "stages": facts.stages,
        "timeline": timeline,
        "statements": statements,
        "decisions": decisions,
        "notifications": notifications,
        "deadlines": facts.deadlines,
        "promises": facts.promises,
        "overrides": overrides,
        "moderation": moderation,
        "five_whys": five_whys,
        "review": review,
        "action_items": parse_action_items(items_raw if isinstance(items_raw, str) else None),
        "notes": notes,
        **drill,
    }


def _drill(score: dict[str, Any]) -> dict[str, Any]:
    """A scored drill's debrief, as the drill printed it, in the drill's language."""
    from crisisplay.drill.score import debrief

    try:
        lines = debrief(score)
    except (KeyError, TypeError, ValueError, AttributeError):
        lines = []  # a score from another version: the score object alone
    return {"drill": {"score": score, "debrief": lines}}


def _take(
    e: Event,
    pending_decision: dict[str, Any] | None,
    statements: list[dict[str, Any]],
    decisions: list[dict[str, Any]],
    notifications: list[dict[str, Any]],
    overrides: list[dict[str, Any]],
    answers: dict[str, dict[str, Any]],
    start_values: dict[str, Any],
) -> dict[str, Any] | None:
    """What one event (not a note) adds to the report; returns the decision still waiting
    to learn where it led."""
    kind = e.type
    data = e.data
    backfilled = e.at is not None
    at = _stamp(e.at) if e.at is not None else _stamp(e.ts)
    recorded = _stamp(e.ts)
    if kind == "variables":
        start_values.update(data.get("values") or {})
        return pending_decision
    if kind == "publication":
        # A network left "not yet" published, settled later: published, or not and why.
        step, platform = data.get("step"), data.get("platform")
        statement = next((s for s in reversed(statements) if s["step"] == step), None)
        if statement is not None:
            for p in statement["platforms"]:
                if p["platform"] == platform:
                    p.update(_network(data))
            if _published(statement):
                statement["status"] = "published"
        return pending_decision
    if kind == "incident.closed" and pending_decision is not None:
        pending_decision["led_to"] = "end"
        pending_decision = None
        return pending_decision
    if kind != "step":
        return pending_decision
    step = data.get("step")
    if pending_decision is not None:
        pending_decision["led_to"] = step
        pending_decision = None
    if data.get("save_as"):
        answers[data["save_as"]] = {"value": data.get("value"), "step": step, "at": at}
    for name, value in (data.get("set") or {}).items():
        answers[name] = {"value": value, "step": step, "at": at}
    k = data.get("kind")
    if k == "decide":
        pending_decision = {
            "step": step,
            "stage": data.get("stage"),
            "question": None,  # filled in from the playbook
            "option": data.get("option"),
            "goto": data.get("goto"),
            "set": data.get("set") or {},
            "at": at,
            "backfilled": backfilled,
            "led_to": None,
        }
        decisions.append(pending_decision)
    elif k == "notify":
        notifications.append(
            {
                "step": step,
                "stage": data.get("stage"),
                "purpose": None,  # filled in from the playbook
                "status": data.get("status"),
                "reason": data.get("reason"),
                "contacted": [
                    {
                        "name": c.get("name"),
                        "role": c.get("role"),
                        "via": c.get("via"),
                        "at": c.get("at") or at,
                    }
                    for c in data.get("contacted") or []
                    if isinstance(c, dict)
                ],
                "acknowledged": data.get("acknowledged"),
                "at": at,
                "backfilled": backfilled,
            }
        )
    elif k == "draft" and data.get("texts"):
        statement = _statement(data, at, recorded, backfilled)
        statements.append(statement)
        if statement["overrides"]:
            errors = [f for f in statement["findings"] if f.get("severity") == "error"]
            for o in statement["overrides"]:
                overrides.append(
                    {
                        "step": step,
                        "template": data.get("template"),
                        "at": at,
                        "reason": o.get("reason"),
                        "rules": o.get("rules") or [],
                        "findings": errors,
                    }
                )
    return pending_decision


def _statement(data: dict[str, Any], at: str, recorded: str, backfilled: bool) -> dict[str, Any]:
    from crisisplay.incident.walk import network_states

    texts = data.get("texts") or {}
    hashes = data.get("sha256") or {}
    edited = data.get("edited") or {}
    states = network_states(data)
    platforms = []
    for platform, text in texts.items():
        text = str(text)
        recorded_hash = hashes.get(platform)
        platforms.append(
            {
                "platform": platform,
                "text": text,
                "sha256": recorded_hash,
                # The text as the log holds it still has the hash recorded with it.
                "sha256_ok": recorded_hash == hashlib.sha256(text.encode("utf-8")).hexdigest(),
                "edited": bool(edited.get(platform)),
                **_network(states.get(platform) or {"state": "pending"}),
            }
        )
    findings = [
        {
            "platform": f.get("platform", platform),
            "rule": f.get("rule"),
            "severity": f.get("severity"),
            "message": f.get("message"),
            "excerpt": f.get("excerpt"),
        }
        for platform, found in (data.get("findings") or {}).items()
        for f in found or []
        if isinstance(f, dict)
    ]
    return {
        "step": data.get("step"),
        "stage": data.get("stage"),
        "template": data.get("template"),
        "status": data.get("status"),
        "at": at,
        "recorded_at": recorded,
        "backfilled": backfilled,
        "platforms": platforms,
        "approval": data.get("approval"),
        "preapproved": data.get("preapproved"),
        "next_update_by": data.get("next_update_by"),
        "findings": findings,
        "overrides": list(data.get("overrides") or []),
    }


def _network(state: dict[str, Any]) -> dict[str, Any]:
    """One network of a statement: published (where and when), not published (and why, if
    a reason was recorded), or pending (left "not yet" and never settled)."""
    name = state.get("state") or "pending"
    published = name == "published"
    return {
        "state": name,
        "url": state.get("url") if published else None,
        "published_at": _stamp(state["at"]) if published and state.get("at") else None,
        "reason": state.get("reason") if name == "not_published" else None,
    }


def _published(statement: dict[str, Any]) -> bool:
    return any(p["state"] == "published" for p in statement["platforms"])


# --- JSON ------------------------------------------------------------------------------


def _item_encoder() -> Any:
    """Encode one JSON value per call, reusing one C encoder: a 100,000-entry timeline is
    written at the speed of a single `json.dumps`, yet one entry per line."""
    from json import encoder

    plain = json.JSONEncoder(ensure_ascii=False)
    make = getattr(encoder, "c_make_encoder", None)
    if make is None:  # a Python without the C accelerator
        return plain.encode
    c = make(None, plain.default, encoder.encode_basestring, None, ": ", ", ", False, False, True)
    return lambda value: "".join(c(value, 0))


def write_json(report: dict[str, Any], out: Any) -> None:
    """The report as JSON: small sections indented, long lists one entry per line, so a
    100,000-event timeline is written quickly and still diffs line by line."""
    encode = _item_encoder()
    out.write("{\n")
    keys = list(report)
    for n, key in enumerate(keys):
        value = report[key]
        tail = ",\n" if n < len(keys) - 1 else "\n"
        out.write(f"  {json.dumps(key)}: ")
        if isinstance(value, list | Section) and len(value):
            out.write("[\n")
            batch: list[str] = []
            lead = ""
            if isinstance(value, Section):
                lines = value.json_lines()
            else:
                lines = (encode(item) for item in value)
            for text in lines:
                batch.append("    " + text)
                if len(batch) >= 2000:  # written in slices: memory stays flat
                    out.write(lead + ",\n".join(batch))
                    batch, lead = [], ",\n"
            if batch:
                out.write(lead + ",\n".join(batch))
            out.write("\n  ]" + tail)
        else:
            empty = isinstance(value, Section)  # a section with no entries
            text = json.dumps([] if empty else value, ensure_ascii=False, indent=2)
            out.write(text.replace("\n", "\n  ") + tail)
    out.write("}\n")
