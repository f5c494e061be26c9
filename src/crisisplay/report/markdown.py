"""The report as Markdown for a wiki or a pull request: no raw HTML, user text escaped."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from crisisplay.report.build import NOTE_LIMIT, folded_text, shown_timeline
from crisisplay.times import duration, margin, when

METRIC_LABELS = (
    ("time_to_acknowledge", "Time to acknowledge (first statement)"),
    ("time_to_holding_statement", "Time to holding statement"),
    ("time_to_apology", "Time to apology"),
    ("time_to_remedy", "Time to remedy (stage done)"),
    ("time_to_close", "Time to close"),
)
COUNT_LABELS = (
    ("statements_published", "Statements published"),
    ("updates_promised", "Updates promised"),
    ("updates_delivered", "Updates delivered on time"),
    ("updates_missed", "Updates missed"),
    ("deadlines_met", "Deadlines met"),
    ("deadlines_missed", "Deadlines missed"),
    ("checker_overrides", "Statements published over checker errors"),
    ("steps_recorded", "Steps recorded"),
    ("steps_skipped", "Steps skipped"),
    ("notes", "Notes"),
    ("backfilled_events", "Backfilled events"),
    ("events", "Events in the log"),
)

# What can start or end Markdown structure inline (links, emphasis, code, HTML, tables,
# entities); what only matters at the start of a line is handled by _LINE_START.
_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&])")
# A list marker ("- ", "+ ", "1. ", "1) ") or a setext underline ("===", "---") only
# counts at the start of a line.
_LIST = re.compile(r"^(\s*)(\d*)([-+.)])(?=\s|$)", re.MULTILINE)
_UNDERLINE = re.compile(r"^(\s*)([=-])(?=[=-]*\s*$)", re.MULTILINE)


def _line_start(s: str) -> str:
    def fix(m: re.Match[str]) -> str:
        lead, digits, mark = m.groups()
        if bool(digits) != (mark in ".)"):
            return m.group(0)  # "-5" or "." alone: not a list marker
        return f"{lead}{digits}\\{mark}"

    return _UNDERLINE.sub(r"\1\\\2", _LIST.sub(fix, s))


def esc(text: Any) -> str:
    """User text, safe inline: Markdown specials escaped, one line (for tables too)."""
    s = " ".join(str(text).split())
    s = _SPECIAL.sub(r"\\\1", s)
    return _line_start(s)


def esc_block(text: Any) -> str:
    """User text as a blockquote, line breaks kept."""
    lines = str(text).splitlines() or [""]
    out = []
    for line in lines:
        s = _SPECIAL.sub(r"\\\1", line.rstrip())
        s = _line_start(s)
        out.append(f"> {s}" if s else ">")
    return "\n".join(out)


def fenced(text: str) -> str:
    """The text exactly as published, in a fence longer than any backtick run in it."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def link(url: Any) -> str:
    u = str(url or "")
    if re.fullmatch(r"https?://[^\s<>`]+", u):
        return f"<{u}>"
    return esc(u) if u else "—"


def _table(head: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def _secs(value: Any) -> str:
    if value is None:
        return "not reached"
    return f"{duration(value)} ({value:,} s)"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value:,}"
    return esc(value)


def render(report: dict[str, Any]) -> str:
    return "\n".join(sections(report)) + "\n"


def sections(report: dict[str, Any]) -> Iterator[str]:
    inc = report["incident"]
    # In a drill every event carries `at` on the scenario's clock: not backfilled.
    late = "scenario time" if inc.get("drill") else "backfilled"
    ver = report["verification"]
    m = report["metrics"]
    yield f"# Post-mortem: {esc(inc['title'])}"
    yield ""
    if not ver["ok"]:
        yield (
            f"> **WARNING: this incident's log FAILED verification** "
            f"({len(ver['problems'])} problem(s)). It may have been edited after the fact; "
            "what follows is what can still be read, and cannot be trusted as a record."
        )
        yield ">"
        for p in ver["problems"][:20]:
            yield f"> - {esc(p)}"
        yield ""
    else:
        yield (f"Log verified: {ver['events']:,} events, hash chain intact, head `{ver['head']}`.")
        yield ""
    if inc.get("drill"):
        yield "**DRILL** — this was an exercise, not a real incident."
        yield ""
    check = report["playbook_check"]
    if check.get("status") not in ("matched", "given"):
        yield (
            f"_The playbook snapshot is {check.get('status')}: which deadlines were met "
            "is unknown; only the missed deadlines recorded in the log are shown._"
        )
        yield ""

    yield "## Summary"
    yield ""
    pb = inc["playbook"]
    sev = str(inc["severity"])
    if inc.get("severity_at_open") not in (None, inc["severity"]):
        sev += f" (opened at {inc['severity_at_open']})"
    rows = [
        ["Incident", f"`{inc['id']}`"],
        ["Title", esc(inc["title"])],
        ["Client", f"{esc(inc['client']['name'])} (`{inc['client']['slug']}`)"],
        ["Severity", sev],
        ["Playbook", f"{esc(pb['id'])} {esc(pb['version'])} ({esc(pb.get('language') or '?')})"],
        ["First seen", when(inc["first_seen"])],
        ["Opened", when(inc["opened_at"])],
        ["Closed", when(inc["closed_at"]) if inc["closed_at"] else "still open"],
        ["Outcome", esc(inc.get("outcome") or "—")],
        ["Drill", "yes" if inc.get("drill") else "no"],
    ]
    rows += [[esc(k), _value(v)] for k, v in (inc.get("variables") or {}).items()]
    yield _table(["field", "value"], rows)
    yield ""

    yield "## Impact"
    yield ""
    if report["impact"]:
        yield _table(
            ["what", "as recorded"],
            [[esc(i["label"]), _value(i["value"])] for i in report["impact"]],
        )
    else:
        yield "_Nothing about reach or exposure was recorded._"
    yield ""

    yield "## Metrics"
    yield ""
    yield "Times are counted from when the crisis was first seen."
    yield ""
    rows = [[label, _secs(m.get(key))] for key, label in METRIC_LABELS]
    rows += [
        [label, "unknown" if m.get(key) is None else f"{m[key]:,}"] for key, label in COUNT_LABELS
    ]
    yield _table(["metric", "value"], rows)
    yield ""

    yield "## Stages and deadlines"
    yield ""
    yield from _deadlines(report)
    yield ""

    yield "## Statements as published"
    yield ""
    if not report["statements"]:
        yield "_No statement was approved or published._"
        yield ""
    for n, s in enumerate(report["statements"], start=1):
        yield from _statement(n, s, late)

    yield "## Updates promised versus delivered"
    yield ""
    if report["promises"]:
        rows = []
        for p in report["promises"]:
            follow = "—"
            if p["followed_at"]:
                follow = f"{esc(p['followed_by'])} at {when(p['followed_at'])}"
                if p["late_by_s"]:
                    follow += f" ({duration(p['late_by_s'])} late)"
            rows.append(
                [
                    esc(p["step"]),
                    when(p["published_at"]),
                    when(p["next_update_by"]),
                    {"delivered": "delivered", "missed": "**missed**"}.get(
                        p["status"], "open (not due yet)"
                    ),
                    follow,
                ]
            )
        yield _table(
            ["statement", "published", "promised next update by", "result", "followed by"], rows
        )
    else:
        yield "_No published statement promised a time for the next update._"
    yield ""

    yield "## Decisions"
    yield ""
    if report["decisions"]:
        rows = [
            [
                when(d["at"]),
                esc(d["step"]),
                esc(d["question"] or ""),
                esc(d["option"]),
                esc(d["led_to"] or "(nothing recorded after it yet)"),
            ]
            for d in report["decisions"]
        ]
        yield _table(["when", "step", "question", "decision", "led to"], rows)
    else:
        yield "_No decisions recorded._"
    yield ""

    yield "## Notifications"
    yield ""
    if report["notifications"]:
        rows = []
        for x in report["notifications"]:
            if x["status"] == "skipped":
                rows.append([when(x["at"]), esc(x["step"]), "skipped", "—", esc(x["reason"] or "")])
                continue
            for c in x["contacted"] or [{}]:
                rows.append(
                    [
                        when(c.get("at") or x["at"]),
                        esc(x["step"]),
                        f"{esc(c.get('name') or '—')} ({esc(c.get('role') or '—')})",
                        esc(c.get("via") or "—"),
                        "yes" if x["acknowledged"] else "**no answer**",
                    ]
                )
        yield _table(["when", "step", "who", "how", "acknowledged"], rows)
    else:
        yield "_Nobody was notified through the walk._"
    yield ""

    yield "## Checker findings overridden"
    yield ""
    if report["overrides"]:
        for o in report["overrides"]:
            yield (
                f"- **{esc(o['step'])}** ({esc(o['template'])}), {when(o['at'])}: "
                f"{esc(o['reason'])}"
            )
            for f in o["findings"]:
                yield (
                    f"  - {esc(f['platform'])}: `{esc(f['rule'])}` — {esc(f['message'])} "
                    f"(“{esc(f['excerpt'] or '')}”)"
                )
    else:
        yield "_No statement was published over a checker error._"
    yield ""

    yield "## Five whys"
    yield ""
    if report["five_whys"]:
        for w in report["five_whys"]:
            yield f"{w['n']}. **{esc(w['question'] or 'Why?')}** {esc(w['answer'])}"
    else:
        yield "_Not answered._"
    yield ""

    yield "## Review"
    yield ""
    for key, title in (
        ("went_well", "What went well"),
        ("went_badly", "What went badly"),
        ("got_lucky", "Where we got lucky"),
    ):
        yield f"### {title}"
        yield ""
        value = report["review"].get(key)
        yield esc_block(value) if value else "_Not answered._"
        yield ""

    yield "## Action items"
    yield ""
    if report["action_items"]:
        rows = [
            [
                esc(a["owner"]) if a["owner"] else "**unassigned**",
                esc(a["action"]),
                esc(a["due"]) if a["due"] else "**no date**",
            ]
            for a in report["action_items"]
        ]
        yield _table(["owner", "action", "due"], rows)
    else:
        yield "_No action items recorded._"
    yield ""

    yield "## Notes"
    yield ""
    notes = report["notes"]
    if notes:
        for note in notes[:NOTE_LIMIT]:
            mark = f" _({late})_" if note["backfilled"] else ""
            yield f"- {when(note['at'])}{mark}: {esc(note['text'])}"
        if len(notes) > NOTE_LIMIT:
            yield (
                f"- _… and {len(notes) - NOTE_LIMIT:,} more notes, not shown here: "
                "`crisisplay report --format json` lists every one._"
            )
    else:
        yield "_No notes._"
    yield ""

    yield "## Timeline"
    yield ""
    if inc.get("drill"):
        yield (
            "Every event in the log, in order, at the time it happened on the drill's "
            "clock (_scenario time_), with when it was recorded."
        )
    else:
        yield (
            "Every event in the log, in order, at the time it happened. Events entered after "
            "the fact are marked _backfilled_, with when they were recorded."
        )
    yield ""
    yield "| # | when (UTC) | what |"
    yield "|---|---|---|"
    shown, hidden, hidden_other = shown_timeline(report["timeline"])
    for t in shown:
        mark = f" _({late}, recorded at {when(t['recorded_at'])})_" if t["backfilled"] else ""
        yield f"| {t['seq']} | {when(t['at'])} | {esc(t['text'])}{mark} |"
    if hidden:
        yield (
            f"| … | | _{hidden:,} more notes not shown; `--format json` has the full timeline._ |"
        )
    if hidden_other:
        yield f"| … | | _{esc(folded_text(hidden_other))}_ |"
    yield ""


def _deadlines(report: dict[str, Any]) -> Iterator[str]:
    stages = {s["id"]: s for s in report["stages"]}
    rows = []
    seen = set()
    for d in report["deadlines"]:
        seen.add(d["stage"])
        s = stages.get(d["stage"], {})
        result = {
            "met": f"met, {margin(d['margin_s'])}",
            "missed": f"**missed** by {duration(d['missed_by_s'])}",
            "not reached": "not reached",
            "open": "open",
        }.get(d["status"], d["status"])
        rows.append(
            [
                esc(d["title"]),
                when(s.get("entered_at")),
                when(d["done_at"] or s.get("left_at")),
                duration(s.get("duration_s")) if s else "—",
                when(d["due_at"]),
                result,
            ]
        )
    for s in report["stages"]:
        if s["id"] not in seen:
            rows.append(
                [
                    esc(s["title"]),
                    when(s["entered_at"]),
                    when(s["left_at"]),
                    duration(s["duration_s"]),
                    "—",
                    "no deadline"
                    if report["playbook_check"].get("status") in ("matched", "given")
                    else "unknown",
                ]
            )
    if rows:
        yield _table(["stage", "entered", "done", "took", "due", "deadline"], rows)
    else:
        yield "_No stage was walked._"


def _statement(n: int, s: dict[str, Any], late: str = "backfilled") -> Iterator[str]:
    status = s["status"] or "?"
    yield f"### {n}. {esc(s['template'] or 'statement')} — {esc(s['step'])} ({esc(status)})"
    yield ""
    lines = [
        f"- Recorded for {when(s['at'])}"
        + (f" ({late}; recorded at {when(s['recorded_at'])})" if s["backfilled"] else "")
    ]
    a = s.get("approval") or {}
    if a:
        lines.append(
            f"- Approved by {esc(a.get('by') or '—')} ({esc(a.get('role') or '—')}) "
            f"at {when(a.get('at'))}"
        )
    else:
        lines.append("- No sign-off recorded")
    if s.get("next_update_by"):
        lines.append(f"- Promised the next update by {when(s['next_update_by'])}")
    for o in s["overrides"]:
        lines.append(
            f"- Published over checker error(s) {esc(', '.join(o.get('rules') or []))}: "
            f"{esc(o.get('reason'))}"
        )
    yield from lines
    yield ""
    for p in s["platforms"]:
        where = (
            f"published {when(p['published_at'])} at {link(p['url'])}"
            if p["url"]
            else "not published"
        )
        edited = "edited by hand" if p["edited"] else "as drafted from the template"
        check = "" if p["sha256_ok"] else " — **text does not match its recorded hash**"
        yield f"**{esc(p['platform'])}** — {where}; {edited}; sha256 `{p['sha256']}`{check}"
        yield ""
        yield fenced(p["text"])
        yield ""
