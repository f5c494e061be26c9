"""One post-mortem report object, from an incident's log alone.

The log is verified first; a log that fails verification still gives a report of what
can be read, with the failure at its top. Everything here is data (JSON-ready dicts and
lists): markdown.py, html.py and the JSON writer only format it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from crisisplay.report.metrics import event_time, facts_for_folder, parse_ts, rfc3339

SCHEMA = "crisisplay/report/v1"

# Answers that describe the crisis's reach and exposure, by the variable they are saved as
# (ask steps' save_as, or a decision's `set`), in the order a reader wants them.
IMPACT = (
    ("post_url", "Original post"),
    ("post_summary", "What it said"),
    ("author_reach", "Author's reach (followers)"),
    ("spread_velocity", "Spread"),
    ("media_pickup", "Media pickup"),
    ("same_reports", "Others reporting the same"),
    ("crisis_history", "Similar crisis before"),
    ("legal_exposure", "Safety or legal exposure"),
    ("personal_data", "Customers' personal data involved"),
    ("triage", "Triage"),
    ("fault", "Whose fault"),
    ("what_happened", "What happened"),
    ("root_cause_so_far", "Cause (as established during the incident)"),
)
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


# --- reading ---------------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# NaN and Infinity are not JSON: a line holding one fails verification, as in log.verify.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def read_verified(path: Path) -> tuple[Any, list[dict[str, Any]], int]:
    """(the log's VerifyResult, its events, how many lines could not be read), in one pass.

    Each line gets the check `log.verify` runs on it (its hash chained to the line before,
    its seq, its fields); on the first line that fails, `log.verify` itself re-reads the
    file for the full list of problems and the events are read again tolerantly. So a
    healthy log, the usual case, is read and hashed once, not twice.
    """
    from crisisplay.errors import CrisisplayError
    from crisisplay.log import GENESIS, LogError, VerifyResult, verify
    from crisisplay.log import _line_problems as line_problems  # what verify() checks per line

    events: list[dict[str, Any]] = []
    prev = GENESIS
    seq = 0
    clean = True
    decode = _DECODER.decode
    sha256 = hashlib.sha256
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed by the with below
    except OSError as e:
        raise CrisisplayError(f"The incident log {path} cannot be read: {e.strerror}.") from None
    with f:
        for raw in f:
            if not raw.endswith(b"\n"):
                clean = False  # a torn tail: verify() says so
                break
            line = raw[:-1]
            try:
                event = decode(line.decode("utf-8"))
            except ValueError:
                clean = False
                break
            if not isinstance(event, dict) or line_problems(event, seq, prev):
                clean = False
                break
            prev = sha256(line).hexdigest()
            seq += 1
            events.append(event)
    if clean:
        return VerifyResult(ok=True, count=seq, head=prev), events, 0
    try:
        result = verify(path)
    except LogError as e:
        raise CrisisplayError(str(e)) from None
    events, bad = read_events_tolerant(path, careful=not result.ok)
    return result, events, bad


def read_events_tolerant(path: Path, careful: bool) -> tuple[list[dict[str, Any]], int]:
    """Every event that can be read, and how many complete lines could not.

    With `careful` (the log failed verification), lines without the fields a report needs
    are left out too, so a tampered log still gives a report of the rest.
    """
    events: list[dict[str, Any]] = []
    bad = 0
    loads = json.loads
    with open(path, "rb") as f:
        for raw in f:
            if not raw.endswith(b"\n"):
                break  # a torn tail is not an event (verify reports it)
            try:
                event = loads(raw)
            except ValueError:
                bad += 1
                continue
            if careful and not _usable(event):
                bad += 1
                continue
            events.append(event)
    return events, bad


def _usable(event: Any) -> bool:
    if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
        return False
    if not isinstance(event.get("type"), str) or not isinstance(event.get("seq"), int):
        return False
    try:
        event_time(event)
        if "ts" in event:
            parse_ts(event["ts"])
    except (TypeError, ValueError, KeyError):
        return False
    return True


# --- the report ------------------------------------------------------------------------


def _stamp(value: str) -> str:
    """An event's RFC 3339 time, normalised to UTC (the log's own are already)."""
    if len(value) == 27 and value.endswith("Z"):
        return value
    return rfc3339(parse_ts(value)) or value


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "—"
    if isinstance(value, int | float):
        return f"{value:,}"
    return str(value)


def describe(event: dict[str, Any]) -> str:
    """One plain line saying what the event records."""
    d = event.get("data") or {}
    kind = event.get("type")
    if kind == "incident.opened":
        pb = d.get("playbook") or {}
        return (
            f"Incident opened: {d.get('title')} (severity {d.get('severity')}, client "
            f"{(d.get('client') or {}).get('name')}; playbook {pb.get('id')} {pb.get('version')})"
            + (" — drill" if d.get("drill") else "")
        )
    if kind == "variables":
        values = d.get("values") or {}
        return "Incident details: " + "; ".join(
            f"{k} = {_value_text(v)}" for k, v in values.items()
        )
    if kind == "step":
        step = d.get("step")
        status = d.get("status")
        if status == "skipped":
            return f"{step}: skipped — {d.get('reason')}"
        k = d.get("kind")
        if k == "ask":
            return f"{step}: {_one_line(_value_text(d.get('value')))}"
        if k == "decide":
            goto = d.get("goto")
            return f"{step}: decided “{d.get('option')}”" + (f" → {goto}" if goto else "")
        if k == "notify":
            who = ", ".join(f"{c.get('name')} ({c.get('role')})" for c in d.get("contacted") or [])
            ack = "acknowledged" if d.get("acknowledged") else "no answer yet"
            return f"{step}: notified {who or 'nobody listed'} — {ack}"
        if k == "draft":
            pubs = ", ".join(d.get("published") or {}) or "not published"
            by = (d.get("approval") or {}).get("by")
            return f"{step}: {d.get('template')} statement, {status} on {pubs}" + (
                f", approved by {by}" if by else ""
            )
        if k == "note":
            return f"{step}: read and acknowledged"
        return f"{step}: {status}"
    if kind == "deadline.missed":
        from crisisplay.report.humanize import duration, when

        return (
            f"Deadline missed: stage {d.get('stage')} was due {when(d.get('due_at'))}, "
            f"{duration(d.get('missed_by_s'))} late when recorded"
        )
    if kind == "note":
        return f"Note: {_one_line(str(d.get('text', '')))}"
    if kind == "incident.closed":
        return f"Incident closed ({d.get('outcome')})"
    if kind == "session.paused":
        return f"Session paused: {d.get('reason', '')}"
    if kind == "session.resumed":
        return f"Session resumed ({d.get('mode', 'interactive')})"
    if kind == "recovery":
        return f"Recovered after a crash: {d.get('bytes')} bytes quarantined in {d.get('file')}"
    if kind == "playbook.changed":
        fr, to = d.get("from") or {}, d.get("to") or {}
        return (
            f"Playbook changed {fr.get('version')} → {to.get('version')}; "
            f"chose to {d.get('choice')}"
        )
    if kind == "severity.changed":
        return f"Severity changed to {d.get('to')}" + (
            f": {d['reason']}" if d.get("reason") else ""
        )
    return f"{kind}: {_one_line(json.dumps(d, ensure_ascii=False))}"


def _one_line(text: str, width: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


class Rows:
    """A report section with one entry per event, made as it is read.

    A long incident's timeline is as long as its log: rendering it entry by entry keeps
    memory flat, and Markdown and HTML, which show only part of it, never make the rest.
    """

    def __init__(self, events: list[dict[str, Any]], entry: Any, line: Any = None) -> None:
        self.events = events
        self.entry = entry
        #: the entry as one line of JSON, written directly (None when it has to be built)
        self.line = line

    def __len__(self) -> int:
        return len(self.events)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        entry = self.entry
        for e in self.events:
            yield entry(e)

    def __getitem__(self, n: int | slice) -> Any:
        if isinstance(n, slice):
            return [self.entry(e) for e in self.events[n]]
        return self.entry(self.events[n])


def timeline_entry(e: dict[str, Any]) -> dict[str, Any]:
    """One event as the report's timeline shows it."""
    data = e["data"]
    kind = e["type"]
    backfilled = "at" in e
    recorded = _stamp(e["ts"])
    return {
        "seq": e.get("seq"),
        "type": kind,
        "at": _stamp(e["at"]) if backfilled else recorded,
        "recorded_at": recorded,
        "backfilled": backfilled,
        "actor": e.get("actor"),
        "stage": data.get("stage") if kind == "step" else None,
        "step": data.get("step"),
        "text": f"Note: {_one_line(str(data.get('text', '')))}" if kind == "note" else describe(e),
    }


def note_entry(e: dict[str, Any]) -> dict[str, Any]:
    data = e["data"]
    backfilled = "at" in e
    recorded = _stamp(e["ts"])
    return {
        "seq": e.get("seq"),
        "at": _stamp(e["at"]) if backfilled else recorded,
        "recorded_at": recorded,
        "backfilled": backfilled,
        "actor": e.get("actor"),
        "step": data.get("step"),
        "text": str(data.get("text", "")),
    }


# Notes are nearly all of a long log. Their JSON lines are written directly, in exactly
# the bytes json.dumps would give for timeline_entry / note_entry (a test compares them),
# at twice the speed of building each dict and encoding it.
_QUOTE = json.encoder.encode_basestring


def _note_parts(e: dict[str, Any]) -> tuple[str, ...] | None:
    data = e["data"]
    seq, actor, step, text = e.get("seq"), e.get("actor"), data.get("step"), data.get("text", "")
    if not (
        type(seq) is int
        and type(actor) is str
        and type(text) is str
        and (step is None or type(step) is str)
    ):
        return None  # anything unusual goes the slow, general way
    recorded = _stamp(e["ts"])
    backfilled = "at" in e
    at = _stamp(e["at"]) if backfilled else recorded
    return (
        str(seq),
        _QUOTE(at),
        _QUOTE(recorded),
        "true" if backfilled else "false",
        _QUOTE(actor),
        "null" if step is None else _QUOTE(step),
        text,
    )


def timeline_note_line(e: dict[str, Any]) -> str | None:
    if e["type"] != "note" or (p := _note_parts(e)) is None:
        return None
    return (
        f'{{"seq": {p[0]}, "type": "note", "at": {p[1]}, "recorded_at": {p[2]}, '
        f'"backfilled": {p[3]}, "actor": {p[4]}, "stage": null, "step": {p[5]}, '
        f'"text": {_QUOTE("Note: " + _one_line(p[6]))}}}'
    )


def note_line(e: dict[str, Any]) -> str | None:
    if (p := _note_parts(e)) is None:
        return None
    return (
        f'{{"seq": {p[0]}, "at": {p[1]}, "recorded_at": {p[2]}, "backfilled": {p[3]}, '
        f'"actor": {p[4]}, "step": {p[5]}, "text": {_QUOTE(p[6])}}}'
    )


def materialize(report: dict[str, Any]) -> dict[str, Any]:
    """The report with every section a plain list (what the JSON holds)."""
    return {k: list(v) if isinstance(v, Rows) else v for k, v in report.items()}


def build_report(folder: Path) -> dict[str, Any]:
    """The whole post-mortem of the incident in `folder`, as JSON-ready data."""
    from crisisplay.errors import CrisisplayError

    path = folder / "log.jsonl"
    if not path.is_file():
        raise CrisisplayError(f"There is no incident log in {folder}.")
    result, events, unreadable = read_verified(path)
    if not events or events[0].get("type") != "incident.opened":
        raise CrisisplayError(
            f"The log in {folder} does not begin with an incident.opened event"
            + ("" if result.ok else " (and it fails verification)")
            + ": there is no incident to report on.",
            "Check it with `crisisplay log verify`.",
        )
    facts = facts_for_folder(folder, events)
    resolved = facts.resolved
    step_texts: dict[str, str] = {}
    if resolved is not None:
        step_texts = {s.id: s.text.strip() for _, s in resolved.playbook.steps()}

    statements: list[dict[str, Any]] = []
    decisions: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    overrides: list[dict[str, Any]] = []
    note_events: list[dict[str, Any]] = []
    answers: dict[str, dict[str, Any]] = {}  # variable -> {value, step, at}
    start_values: dict[str, Any] = {}
    pending_decision: dict[str, Any] | None = None

    for e in events:
        kind = e["type"]
        if kind == "note":
            note_events.append(e)
            continue
        data = e["data"]
        backfilled = "at" in e
        at = _stamp(e["at"]) if backfilled else _stamp(e["ts"])
        recorded = _stamp(e["ts"])
        if kind == "variables":
            start_values.update(data.get("values") or {})
            continue
        if kind == "incident.closed" and pending_decision is not None:
            pending_decision["led_to"] = "end"
            pending_decision = None
            continue
        if kind != "step":
            continue
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
                "question": step_texts.get(step),
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
                    "purpose": step_texts.get(step),
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
    impact = [
        {
            "name": name,
            "label": label,
            "value": answers[name]["value"],
            "step": answers[name]["step"],
        }
        for name, label in IMPACT
        if name in answers and answers[name]["value"] is not None
    ]
    items_raw = (answers.get("action_items") or {}).get("value")
    return {
        "schema": SCHEMA,
        "incident": incident,
        "verification": verification,
        "playbook_check": facts.playbook_check,
        "metrics": facts.metrics,
        "impact": impact,
        "stages": facts.stages,
        "timeline": Rows(events, timeline_entry, timeline_note_line),
        "statements": statements,
        "decisions": decisions,
        "notifications": notifications,
        "deadlines": facts.deadlines,
        "promises": facts.promises,
        "overrides": overrides,
        "five_whys": five_whys,
        "review": review,
        "action_items": parse_action_items(items_raw if isinstance(items_raw, str) else None),
        "notes": Rows(note_events, note_entry, note_line),
    }


def _statement(data: dict[str, Any], at: str, recorded: str, backfilled: bool) -> dict[str, Any]:
    texts = data.get("texts") or {}
    hashes = data.get("sha256") or {}
    edited = data.get("edited") or {}
    published = data.get("published") or {}
    platforms = []
    for platform, text in texts.items():
        text = str(text)
        pub = published.get(platform) or {}
        recorded_hash = hashes.get(platform)
        platforms.append(
            {
                "platform": platform,
                "text": text,
                "sha256": recorded_hash,
                # The text as the log holds it still has the hash recorded with it.
                "sha256_ok": recorded_hash == hashlib.sha256(text.encode("utf-8")).hexdigest(),
                "edited": bool(edited.get(platform)),
                "url": pub.get("url"),
                "published_at": _stamp(pub["at"]) if pub.get("at") else None,
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
        "next_update_by": data.get("next_update_by"),
        "findings": findings,
        "overrides": list(data.get("overrides") or []),
    }


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
        if isinstance(value, list | Rows) and len(value):
            out.write("[\n")
            batch: list[str] = []
            lead = ""
            if isinstance(value, Rows):
                entry, line = value.entry, value.line or (lambda e: None)
                lines = (line(e) or encode(entry(e)) for e in value.events)
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
            empty = isinstance(value, Rows)  # a section with no entries
            text = json.dumps([] if empty else value, ensure_ascii=False, indent=2)
            out.write(text.replace("\n", "\n  ") + tail)
    out.write("}\n")
