"""An incident's events as a readable timeline for the terminal."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text


def _when(event: dict[str, Any]) -> str:
    t = event.get("at") or event["ts"]
    mark = "*" if event.get("at") else " "
    return f"{t[:10]} {t[11:19]}{mark}"


def describe(event: dict[str, Any]) -> tuple[str, str]:
    """(style, one line) for an event."""
    d = event.get("data", {})
    kind = event["type"]
    if kind == "incident.opened":
        pb = d["playbook"]
        return "bold", (
            f"OPENED {d['incident']} — {d['title']} (severity {d['severity']}, "
            f"client {d['client']['name']}; playbook {pb['id']} {pb['version']}; "
            f"first seen {d['first_seen'][:19].replace('T', ' ')})"
        )
    if kind == "step":
        step = f"[{d['stage']}] {d['step']}"
        status = d.get("status")
        if status == "skipped":
            return "yellow", f"{step}: skipped — {d.get('reason')}"
        if d["kind"] == "ask":
            return "", f"{step}: {_short(d.get('value'))}"
        if d["kind"] == "decide":
            goto = f" → {d['goto']}" if d.get("goto") else ""
            return "cyan", f"{step}: decided “{d['option']}”{goto}"
        if d["kind"] == "notify":
            who = ", ".join(f"{c.get('name')} ({c.get('role')})" for c in d.get("contacted", []))
            return "", f"{step}: notified {who or 'nobody listed'}"
        if d["kind"] == "draft":
            pubs = d.get("published") or {}
            where = ", ".join(f"{p}" for p in pubs) or "not yet published"
            by = d.get("approval", {}).get("by")
            return "green", (
                f"{step}: statement ({d.get('template')}) on {where}"
                + (f", approved by {by}" if by else "")
            )
        return "", f"{step}: {status}"
    if kind == "deadline.missed":
        mins = int(d.get("missed_by_s", 0)) // 60
        return "red", f"DEADLINE MISSED: stage {d['stage']} by {mins} min"
    if kind == "note":
        return "italic", f"note: {d.get('text')}"
    if kind == "incident.closed":
        return "bold", "CLOSED"
    if kind == "recovery":
        return (
            "red",
            f"recovered after a crash: {d.get('bytes')} bytes quarantined in {d.get('file')}",
        )
    if kind == "playbook.changed":
        return "yellow", (
            f"playbook changed {d['from']['version']} → {d['to']['version']}; "
            f"chose to {d['choice']}"
        )
    if kind == "severity.changed":
        return "yellow", f"severity {d.get('from')} → {d.get('to')}: {d.get('reason', '')}"
    return "dim", f"{kind} {_short(d)}"


def _short(value: Any, width: int = 80) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def timeline(events: list[dict[str, Any]]) -> Any:
    lines = []
    for e in events:
        style, line = describe(e)
        t = Text()
        t.append(f"{e['seq']:>4}  {_when(e)}  ", style="dim")
        t.append(line, style=style)
        lines.append(t)
    lines.append(Text("* happened earlier than recorded (backfilled)", style="dim"))
    return Group(*lines)
