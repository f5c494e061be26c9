"""The handover brief: what the next person needs to take an incident over (R13).

What is open, from the report's own facts (report/build.py: deadlines, promised updates,
statements and their networks) and the walk's state (the step it is at, a sign-off it
waits for): deadlines and how far off, the next update promised to the public, networks
not yet published, approvals and acknowledgements waited for, the last statement as
sent, the notes since the last handover, and whose shift ends. Data only (JSON-ready);
:func:`markdown` writes it for a chat, :func:`rich_text` for the terminal, in the
incident's language and zone (set by whoever loaded the incident).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from crisisplay.i18n import _


def _left(due: str | None, now: datetime) -> int | None:
    from crisisplay.incident.walk import parse_time

    if not due:
        return None
    return int((parse_time(due) - now).total_seconds())


def brief(folder: Path, walk: Any, now: datetime) -> dict[str, Any]:
    """The brief of the incident in `folder`, whose replayed walk is `walk`, as of `now`."""
    from crisisplay.incident.log import read_events
    from crisisplay.incident.shifts import holder
    from crisisplay.report.build import build_report
    from crisisplay.times import rfc3339

    report = build_report(folder, full=False)
    inc = report["incident"]
    deadlines = [
        {
            "stage": row["stage"],
            "title": row.get("title") or row["stage"],
            "due_at": row.get("due_at"),
            "status": row.get("status"),
            "left_s": _left(row.get("due_at"), now),
        }
        for row in report["deadlines"]
        if row.get("status") == "open" or (row.get("status") == "missed" and not row.get("done_at"))
    ]
    next_update = None
    promises = report.get("promises") or []
    if promises:
        last = promises[-1]
        if last["status"] == "open" or (last["status"] == "missed" and not last["followed_at"]):
            next_update = {
                "due_at": last["next_update_by"],
                "left_s": _left(last["next_update_by"], now),
                "promised_in": last.get("step"),
            }
    unpublished = [
        {"step": s["step"], "platform": p["platform"]}
        for s in report["statements"]
        for p in s["platforms"]
        if p["state"] == "pending"
    ]
    sent = [
        s for s in report["statements"] if any(p["state"] == "published" for p in s["platforms"])
    ]
    last_statement = None
    if sent:
        s = sent[-1]
        last_statement = {
            "step": s["step"],
            "template": s.get("template"),
            "at": s.get("at"),
            "texts": {
                p["platform"]: p["text"] for p in s["platforms"] if p["state"] == "published"
            },
            "urls": {p["platform"]: p["url"] for p in s["platforms"] if p["state"] == "published"},
        }
    approvals = []
    cur = None if walk.closed else walk.current()
    if cur is not None and cur[1].kind == "draft" and cur[1].approve_by:
        roles = cur[1].approve_by
        approvals.append(
            {"step": cur[1].id, "roles": list(roles) if isinstance(roles, list) else [roles]}
        )
    unacknowledged = [
        {
            "step": n.get("step"),
            "contacts": [str(c.get("name") or c.get("role")) for c in n.get("contacted") or []],
        }
        for n in report["notifications"]
        if n.get("status") != "skipped" and n.get("acknowledged") is False
    ]
    events = list(read_events(folder / "log.jsonl"))
    since = max((i for i, e in enumerate(events) if e.get("type") == "handover"), default=-1)
    notes = [
        {"at": e.get("at") or e["ts"], "by": e.get("actor"), "text": e["data"].get("text")}
        for e in events[since + 1 :]
        if e.get("type") == "note"
    ]
    shift = holder(events)
    return {
        "incident": inc["id"],
        "title": inc["title"],
        "client": (inc.get("client") or {}).get("name"),
        "severity": inc.get("severity"),
        "timezone": inc.get("timezone"),
        "at": rfc3339(now),
        "shift": None
        if shift is None
        else {
            "who": shift.who,
            "since": rfc3339(shift.start),
            "hours": round(shift.hours(now), 2),
        },
        "stage": None if cur is None else {"id": cur[0].id, "title": cur[0].title},
        "step": None if cur is None else {"id": cur[1].id, "kind": cur[1].kind},
        "deadlines": deadlines,
        "next_update": next_update,
        "unpublished": unpublished,
        "approvals": approvals,
        "unacknowledged": unacknowledged,
        "last_statement": last_statement,
        "notes": notes,
    }


def _due(due: str | None, left: int | None, now: datetime) -> str:
    """`18:40 (in 25 min)` / `18:40 (OVERDUE by 1h05m)`, in the incident's zone."""
    from datetime import timedelta

    from crisisplay.incident.walk import parse_time
    from crisisplay.times import clock, format_duration

    if not due:
        return "?"
    at = clock(parse_time(due), now=now)
    if left is None:
        return at
    if left < 0:
        return _("{at} (OVERDUE by {duration})").format(
            at=at, duration=format_duration(timedelta(seconds=-left))
        )
    return _("{at} (in {duration})").format(
        at=at, duration=format_duration(timedelta(seconds=left))
    )


def sections(b: dict[str, Any], to: str, note: str | None) -> list[tuple[str, list[str]]]:
    """The brief as (heading, lines) in the reader's language: one shape for every format."""
    from crisisplay.incident.walk import parse_time
    from crisisplay.times import format_duration, when

    now = parse_time(b["at"])
    out: list[tuple[str, list[str]]] = []
    head = [
        _("{incident} · {client} · severity {level}").format(
            incident=b["incident"], client=b["client"], level=b["severity"]
        ),
        _("Handed over to {to} at {at}").format(to=to, at=when(b["at"], seconds=False)),
    ]
    if b.get("shift"):
        sh = b["shift"]
        head.append(
            _("{who} held it since {since} ({duration})").format(
                who=sh["who"],
                since=when(sh["since"], seconds=False),
                duration=format_duration(now - parse_time(sh["since"])),
            )
        )
    if b.get("stage"):
        head.append(
            _("Now at: {stage}, step {step}").format(
                stage=b["stage"]["title"], step=b["step"]["id"]
            )
        )
    else:
        head.append(_("The protocol is complete."))
    if note:
        head.append(_("Note: {note}").format(note=note))
    out.append(("", head))
    out.append(
        (
            _("Deadlines"),
            [
                _("{title}: due {due}").format(
                    title=d["title"], due=_due(d["due_at"], d["left_s"], now)
                )
                for d in b["deadlines"]
            ]
            or [_("none open")],
        )
    )
    nu = b.get("next_update")
    out.append(
        (
            _("Next update promised"),
            [_("due {due}").format(due=_due(nu["due_at"], nu["left_s"], now))]
            if nu
            else [_("none promised")],
        )
    )
    out.append(
        (
            _("Not yet published"),
            [f"{u['platform']} ({u['step']})" for u in b["unpublished"]] or [_("nothing")],
        )
    )
    waiting = [
        _("sign-off by {roles} for {step}").format(roles=", ".join(a["roles"]), step=a["step"])
        for a in b["approvals"]
    ] + [
        _("an answer from {who} ({step})").format(who=", ".join(u["contacts"]), step=u["step"])
        for u in b["unacknowledged"]
    ]
    out.append((_("Waiting for"), waiting or [_("nothing")]))
    ls = b.get("last_statement")
    if ls:
        lines = [
            _("{step} ({template}), {at}").format(
                step=ls["step"], template=ls.get("template"), at=when(ls["at"], seconds=False)
            )
        ]
        for platform, text in ls["texts"].items():
            url = ls["urls"].get(platform)
            lines.append(f"{platform}{f' {url}' if url else ''}:")
            lines += [f"> {row}" for row in text.splitlines() or [""]]
        out.append((_("Last statement as sent"), lines))
    else:
        out.append((_("Last statement as sent"), [_("none published yet")]))
    out.append(
        (
            _("Notes since the last handover"),
            [f"{when(n['at'], seconds=False)} {n['by']}: {n['text']}" for n in b["notes"]]
            or [_("none")],
        )
    )
    return out


def markdown(b: dict[str, Any], to: str, note: str | None) -> str:
    """The brief for pasting into a chat."""
    parts = ["# " + _("Handover: {title}").format(title=b["title"]), ""]
    for heading, lines in sections(b, to, note):
        if heading:
            parts += [f"## {heading}", ""]
            parts += [row if row.startswith("> ") else f"- {row}" for row in lines]
        else:
            parts += [f"{row}  " for row in lines]  # two spaces: a line break in Markdown
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def rich_text(b: dict[str, Any], to: str, note: str | None) -> Any:
    """The brief for the terminal."""
    from rich.console import Group
    from rich.text import Text

    out: list[Any] = [Text(_("Handover: {title}").format(title=b["title"]), style="bold")]
    overdue = _("{at} (OVERDUE by {duration})").split("{at}")[1].split("{duration}")[0].strip()
    for heading, lines in sections(b, to, note):
        if heading:
            out += [Text(""), Text(heading, style="bold")]
        for row in lines:
            style = "bold red" if overdue in row else ""
            out.append(Text(("  " if heading else "") + row, style=style))
    return Group(*out)
