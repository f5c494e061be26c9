"""An incident's events as a readable timeline for the terminal.

Two views: `staged` (what `log show` prints: grouped by stage, each stage with its
deadline, times as offsets from first seen, statements in full, the metrics at the end)
and `timeline` (the flat listing of every event, one line each: `log show --events`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.padding import Padding
from rich.text import Text

from crisisplay import times
from crisisplay.frontends.render import KIND_MARK
from crisisplay.incident.events import Event
from crisisplay.incident.walk import parse_time
from crisisplay.report.stats import (
    human_duration,
    is_duration,
    metric_label,
    metric_value,
    plain_number,
)

BACKFILLED = "* happened earlier than recorded (backfilled): the time shown is when it happened"
SCENARIO_TIME = "* scenario time: the drill's clock, which runs faster than real time"


def _legend(events: Sequence[Event | Folded], short: bool = False) -> str:
    """What the `*` means: a drill's events carry `at` on its clock, not after the fact."""
    opened = events[0].data if events and isinstance(events[0], Event) else {}
    if opened.get("drill"):
        return SCENARIO_TIME
    return "* happened earlier than recorded (backfilled)" if short else BACKFILLED


def _when(event: Event) -> str:
    """`2026-12-04 19:49:00 CET ` in the incident's zone; `*` marks a backfilled time."""
    mark = "*" if event.at else " "
    return f"{times.when(event.at or event.ts)}{mark}"


def describe(event: Event) -> tuple[str, str]:
    """(style, one line) for an event."""
    d: Any = event.data
    kind = event.type
    if kind.startswith("drill."):
        return _drill_text(kind, d)
    if kind == "incident.opened":
        pb = d["playbook"]
        return "bold", (
            f"OPENED {d['incident']} — {d['title']} (severity {d['severity']}, "
            f"client {d['client']['name']}; playbook {pb['id']} {pb['version']}; "
            f"first seen {times.when(d['first_seen'])})"
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


def timeline(events: Iterable[Event | Folded]) -> Any:
    """Every event, one line each, in log order, with its sequence number."""
    return Group(*timeline_lines(events))


def timeline_lines(events: Iterable[Event | Folded]) -> Iterator[Text]:
    """The lines of :func:`timeline`, made one event at a time."""
    drill = False
    for n, e in enumerate(events):
        if isinstance(e, Folded):
            yield Text(f"{'':>4}  {e.text}", style="dim")
            continue
        if n == 0 and e.type == "incident.opened":
            drill = bool(e.data.get("drill"))
        try:
            style, line = describe(e)
        except (KeyError, TypeError, AttributeError):
            style, line = "red", f"{e.type} (unexpected data) {_short(e.data)}"
        t = Text()
        t.append(f"{e.seq:>4}  {_when(e)}  ", style="dim")
        t.append(line, style=style)
        yield t
    yield Text(SCENARIO_TIME if drill else _legend([], short=True), style="dim")


class Folded:
    """A run of notes `log show` does not print one by one: how many, and where to see them."""

    __slots__ = ("count",)

    def __init__(self, count: int) -> None:
        self.count = count

    @property
    def text(self) -> str:
        return (
            f"… {self.count:,} notes folded here (`crisisplay log show INCIDENT --events` "
            "lists every event)"
        )


#: Of a run of consecutive notes longer than FOLD_HEAD + FOLD_TAIL, `log show` prints the
#: first FOLD_HEAD and the last FOLD_TAIL and says how many it folded in between.
FOLD_HEAD = 20
FOLD_TAIL = 5


def fold_notes(events: Iterable[Event]) -> Iterator[Event | Folded]:
    """The events with long runs of notes folded, one event in memory at a time (plus the
    last FOLD_TAIL notes of the current run)."""
    from collections import deque

    run = 0
    tail: deque[Event] = deque(maxlen=FOLD_TAIL)
    folded = 0
    for e in events:
        if e.type == "note":
            run += 1
            if run <= FOLD_HEAD:
                yield e
                continue
            if len(tail) == FOLD_TAIL:
                folded += 1
            tail.append(e)
            continue
        if folded:
            yield Folded(folded)
        yield from tail
        tail.clear()
        run = folded = 0
        yield e
    if folded:
        yield Folded(folded)
    yield from tail


# --- the staged view ---------------------------------------------------------------------------


def offset(t: datetime, origin: datetime) -> str:
    """T+00:12 (hours:minutes after first seen); T+1d 02:05 past a day."""
    return times.offset(t - origin)


def _time(event: Event) -> datetime:
    """When the event happened, in the incident's zone (`times.use_zone`)."""
    return times.local(parse_time(event.at or event.ts))


def _clock(t: datetime) -> str:
    return times.local(t).strftime("%H:%M")


def _at(value: str | None, origin: datetime) -> str:
    """`09:00 (T+01:00)` for a time in the log."""
    if not value:
        return "—"
    t = parse_time(value)
    return f"{_clock(t)} ({offset(t, origin)})"


def _stage_header(
    title: str, deadline: dict[str, Any] | None, origin: datetime, again: bool
) -> Text:
    head = Text()
    head.append(f"{title}{' (continued)' if again else ''}", style="bold cyan")
    if deadline is None:
        return head
    head.append(f" — due {_at(deadline.get('due_at'), origin)}")
    if deadline.get("done_at"):
        head.append(f" · done {_at(deadline['done_at'], origin)}")
    head.append(" · ")
    head.append_text(_verdict(deadline))
    return head


def _verdict(deadline: dict[str, Any]) -> Text:
    """Met or missed by how much, from a report deadline row."""
    status = deadline.get("status")
    if status == "missed":
        by = deadline.get("missed_by_s")
        late = f" by {human_duration(by)}" if isinstance(by, int | float) else ""
        return Text(f"MISSED{late}", style="bold red")
    if status == "met":
        spare = deadline.get("margin_s")
        if isinstance(spare, int | float):
            return Text(f"met, {human_duration(spare)} to spare", style="green")
        return Text("met", style="green")
    if status == "open":
        return Text("open: not done yet", style="yellow")
    return Text(str(status or "unknown"), style="dim")


class _Row:
    """One event: its times, then text that wraps under itself (a hanging indent).

    Lighter than a rich Table, which measures every row twice: `log show` of a long
    incident prints thousands of these.
    """

    def __init__(self, prefix: Text, body: Text) -> None:
        self.prefix = prefix
        self.body = body

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        indent = self.prefix.cell_len
        if indent + self.body.cell_len <= options.max_width:
            yield Text.assemble(self.prefix, self.body)
            return
        lines = self.body.wrap(console, max(20, options.max_width - indent))
        for n, line in enumerate(lines):
            yield Text.assemble(self.prefix if n == 0 else " " * indent, line)


def _statement(d: dict[str, Any], origin: datetime) -> list[Any]:
    out: list[Any] = []
    approval = d.get("approval") or {}
    published = d.get("published") or {}
    edited = d.get("edited") or {}
    for platform, text in (d.get("texts") or {}).items():
        head = Text()
        head.append(platform, style="bold")
        pub = published.get(platform)
        if pub:
            head.append(f" · published {_at(pub.get('at'), origin)}")
            if pub.get("url"):
                head.append(f" · {pub['url']}")
        else:
            head.append(" · not published", style="yellow")
        if edited.get(platform):
            head.append(" · edited by hand")
        out.append(head)
        out.append(Padding(Text(str(text), style="green"), (0, 0, 0, 2)))
    if approval.get("by"):
        role = f" ({approval['role']})" if approval.get("role") else ""
        when = f" at {_at(approval['at'], origin)}" if approval.get("at") else ""
        out.append(Text(f"approved by {approval['by']}{role}{when}"))
    for o in d.get("overrides") or []:
        rules = ", ".join(o.get("rules") or [])
        out.append(Text(f"checker errors overridden ({rules}): {o.get('reason')}", style="yellow"))
    return out


def _line(event: Event, origin: datetime) -> tuple[str, str, list[Any]]:
    """(style, text, renderables below it) of one event in the staged view."""
    d: Any = event.data
    kind = event.type
    if kind == "step":
        mark = KIND_MARK.get(d.get("kind", ""), "·")
        step = f"{mark} {d.get('step')}"
        if d.get("status") == "skipped":
            return "yellow", f"{step}: skipped — {d.get('reason')}", []
        k = d.get("kind")
        if k == "ask":
            value = d.get("value")
            text = (
                "(no answer)"
                if value is None
                else ("yes" if value else "no")
                if isinstance(value, bool)
                else str(value)
            )
            first, _, more = text.partition("\n")
            extra = [Padding(Text(more, style="dim"), (0, 0, 0, 2))] if more.strip() else []
            return "", f"{step}: {_short(first, 100)}", extra
        if k == "decide":
            goto = d.get("goto")
            branch = "the end of the walk" if goto == "end" else goto if goto else "the next step"
            return "cyan", f"{step}: decided “{d.get('option')}” → {branch}", []
        if k == "notify":
            who = "; ".join(
                f"{c.get('name')} ({c.get('role')}) via {c.get('via', 'unspecified')}"
                for c in d.get("contacted") or []
            )
            ack = "" if d.get("acknowledged", True) else " — not acknowledged"
            return "", f"{step}: notified {who or 'nobody listed'}{ack}", []
        if k == "draft":
            what = d.get("template") or "statement"
            status = "published" if d.get("published") else d.get("status", "")
            return "bold green", f"{step}: {what} {status}", _statement(d, origin)
        return "", f"{step}: {d.get('status')}", []
    if kind == "deadline.missed":
        by = d.get("missed_by_s")
        late = f" by {human_duration(by)}" if isinstance(by, int | float) else ""
        return (
            "bold red",
            f"✗ DEADLINE MISSED: {d.get('stage')}, due {_at(d.get('due_at'), origin)}"
            f" ({late.strip() or 'late'} when recorded)",
            [],
        )
    if kind == "incident.opened":
        return "bold", f"OPENED by {event.actor or 'unknown'}", []
    if kind == "incident.closed":
        return "bold", f"CLOSED ({d.get('outcome', 'closed')})", []
    if kind == "variables":
        values = ", ".join(f"{k}={_short(v, 30)}" for k, v in (d.get("values") or {}).items())
        return "dim", f"variables: {values}", []
    if kind == "note":
        return "italic", f"note: {d.get('text')}", []
    if kind.startswith("drill."):
        return _drill_line(kind, d)
    if kind in ("session.paused", "session.resumed"):
        why = d.get("reason") or d.get("mode") or ""
        return "dim", f"{kind.replace('session.', 'session ')}{f' ({why})' if why else ''}", []
    try:
        style, text = describe(event)
    except (KeyError, TypeError, AttributeError):
        style, text = "dim", f"{kind} {_short(d)}"
    return style, text, []


def _drill_line(kind: str, d: dict[str, Any]) -> tuple[str, str, list[Any]]:
    """A drill's own events (crisisplay drill), read tolerantly: only what is there is shown."""
    style, text = _drill_text(kind, d)
    below = (
        [Text(f"mistake: {d['mistake']}", style="red")]
        if kind == "drill.decision" and d.get("mistake")
        else []
    )
    return style, text, below


def _drill_text(kind: str, d: dict[str, Any]) -> tuple[str, str]:
    """One line for a `drill.*` event: the same in `log show` and `log show --events`."""
    if kind == "drill.started":
        how = ", ".join(
            x
            for x in (
                d.get("mode"),
                f"×{d['speed']:g}" if isinstance(d.get("speed"), int | float) else None,
            )
            if x
        )
        return "bold magenta", (
            f"DRILL started: {d.get('scenario')} — {d.get('title')}" + (f" ({how})" if how else "")
        )
    if kind == "drill.event":
        who = " ".join(str(d[k]) for k in ("author", "handle", "outlet", "from") if d.get(k))
        where = f" on {d['platform']}" if d.get("platform") else ""
        reach = f" ({d['followers']:,} followers)" if isinstance(d.get("followers"), int) else ""
        head = f"▶ {d.get('kind', 'event')}{where}{f' by {who}' if who else ''}{reach}"
        if d.get("kind") == "metric":
            value = d.get("value")
            shown = f"{value:,}" if isinstance(value, int | float) else str(value)
            head += f" {d.get('metric')}: {shown}"
        elif d.get("kind") == "unreachable":
            until = d.get("until_t")
            head += f" {d.get('role')}" + (
                f" until {_seconds(until)}" if isinstance(until, int | float) else ""
            )
        text = d.get("text") or ""
        line = f"{head}: {_short(text, 160)}" if text else head
        return "magenta", line + (" ⚑ asks for a decision" if d.get("decide") else "")
    if kind == "drill.decision":
        verdict = " ✗ mistake" if d.get("mistake") else " ✓ expected" if d.get("expected") else ""
        late = d.get("after_s", 0) > d.get("due_s", float("inf"))
        return "red" if d.get("mistake") else "magenta", (
            f"◆ drill decision on {d.get('event')}: “{d.get('option')}”{verdict}"
            + (" (late)" if late else "")
        )
    if kind == "drill.ended":
        reason = {"walk-complete": "the walk is complete", "ends-after": "its last stage is over"}
        why = reason.get(str(d.get("reason")), str(d.get("reason")))
        t = d.get("t")
        at = f" at {_seconds(t)}" if isinstance(t, int | float) else ""
        return "bold magenta", f"DRILL ended{at}: {why}"
    if kind == "drill.scored":
        total = d.get("total")
        return "bold magenta", f"DRILL scored {total:g}/100" if isinstance(
            total, int | float
        ) else kind
    return "magenta", f"{kind.replace('.', ' ')} {_short(d, 100)}"


def _seconds(t: float) -> str:
    """Scenario seconds as an offset from the start: T+00:26."""
    origin = datetime(2000, 1, 1, tzinfo=UTC)
    return offset(origin + timedelta(seconds=t), origin)


def staged(
    events: Sequence[Event | Folded],
    *,
    facts: dict[str, Any] | None = None,
    problems: list[str] | None = None,
    facts_problem: str | None = None,
    stage_titles: dict[str, str] | None = None,
) -> Any:
    """What `log show` prints. `facts` is the report's Facts.to_json() (stage deadlines and
    metrics); `problems` what verification found, shown first."""
    parts: list[Any] = []
    titles = stage_titles or {}
    problems = problems or []
    if problems:
        warn = Text()
        warn.append("This log FAILED verification", style="bold red")
        warn.append(
            f" ({len(problems)} problem{'s' if len(problems) != 1 else ''}); "
            "below is what can be read:"
        )
        parts.append(warn)
        for p in problems[:10]:
            parts.append(Text(f"  {p}", style="red"))
        if len(problems) > 10:
            parts.append(Text(f"  … {len(problems) - 10} more: crisisplay log verify", style="red"))
        parts.append(Text(""))
    first = events[0] if events else None
    opened = first if isinstance(first, Event) and first.type == "incident.opened" else None
    if opened is None:
        parts.append(
            Text("The log does not begin with incident.opened: showing events as recorded.")
        )
        parts.append(timeline(events))
        return Group(*parts)
    od: Any = opened.data
    origin = parse_time(od["first_seen"])
    parts += _heading(opened, events, facts)
    deadlines = {str(d["stage"]): d for d in (facts or {}).get("deadlines") or []}
    titles = dict(titles)
    for row in [*((facts or {}).get("stages") or []), *deadlines.values()]:
        sid = str(row.get("id") or row.get("stage"))
        if row.get("title") and row["title"] != sid:
            titles.setdefault(sid, str(row["title"]))
    seen: set[str] = set()
    current: str | None = None
    day = None
    timed: list[tuple[Event | Folded, datetime | None]] = []
    for event in events:
        if isinstance(event, Folded):
            timed.append((event, None))
            continue
        try:
            timed.append((event, _time(event)))
        except (KeyError, TypeError, ValueError):
            timed.append((event, None))
    width = max((len(offset(t, origin)) for _, t in timed if t is not None), default=7)
    for event, t in timed:
        if isinstance(event, Folded):
            parts.append(Text(f"  {'':<{width}}  {'':<6}  {event.text}", style="dim"))
            continue
        if t is None:
            parts.append(Text(f"  (event seq {event.seq} has no readable time)", "red"))
            continue
        data = event.data
        if event.type == "step" and data.get("stage") != current:
            current = data.get("stage")
            sid = str(current)
            parts.append(Text(""))
            parts.append(
                _stage_header(
                    titles.get(sid, sid.capitalize()), deadlines.get(sid), origin, sid in seen
                )
            )
            seen.add(sid)
        if t.date() != day:
            day = t.date()
            zone = times.abbreviation(t)
            parts.append(Text(f"  {'':<{width}}  {'':<6}  {day:%A %Y-%m-%d} ({zone})", style="dim"))
        try:
            style, text, below = _line(event, origin)
        except (KeyError, TypeError, AttributeError, ValueError):
            style, text, below = "red", f"{event.type} (unexpected data)", []
        prefix = Text("  ")
        prefix.append(f"{offset(t, origin):<{width}}  ", style="dim")
        prefix.append(f"{_clock(t)}{'*' if event.at else ' '}  ", style="dim")
        parts.append(_Row(prefix, Text(text, style=style)))
        if below:
            parts.append(Padding(Group(*below), (0, 0, 0, prefix.cell_len)))
    partial = (
        Text("  worked out from the events that could be read: they may be wrong", "red")
        if problems and facts is not None
        else None
    )
    parts += _deadlines(list(deadlines.values()), titles, origin, partial)
    parts += _metrics(facts, facts_problem, partial)
    if any(isinstance(e, Event) and e.at for e in events):
        parts += [Text(""), Text(_legend(events), style="dim")]
    return Group(*parts)


def _heading(
    opened: Event, events: Sequence[Event | Folded], facts: dict[str, Any] | None
) -> list[Any]:
    od: Any = opened.data
    origin = parse_time(od["first_seen"])
    pb = od.get("playbook") or {}
    title = Text()
    title.append(str(od.get("title")), style="bold")
    if od.get("drill"):
        title.append("  [DRILL]", style="bold magenta")
    info = Text(
        f"{od.get('incident')} · {od['client'].get('name')} · severity {od.get('severity')}"
    )
    if pb.get("id"):
        info.append(f" · playbook {pb['id']} {pb.get('version')} ({pb.get('language')})")
    seen = times.when(od["first_seen"], seconds=False)
    when = Text(f"first seen {seen} · opened {_at(_iso(opened), origin)}")
    closed = next(
        (e for e in reversed(events) if isinstance(e, Event) and e.type == "incident.closed"),
        None,
    )
    if closed is not None:
        when.append(f" · closed {_at(_iso(closed), origin)}")
    else:
        inc = (facts or {}).get("incident") or {}
        where = _where(events)
        when.append(" · ")
        when.append(f"OPEN{f', in {where}' if where else ''}", style="bold yellow")
        if inc.get("closed_at"):
            when.append(f" (closed {_at(inc['closed_at'], origin)})")
    return [title, info, when]


def _iso(event: Event) -> str:
    return str(event.at or event.ts)


def _where(events: Sequence[Event | Folded]) -> str | None:
    """The stage of the last step recorded (where an open incident stands)."""
    for e in reversed(events):
        if isinstance(e, Event) and e.type == "step":
            d = e.data
            return f"stage {d.get('stage')}, after {d.get('step')}"
    return None


def _deadlines(
    rows: list[dict[str, Any]], titles: dict[str, str], origin: datetime, warn: Text | None
) -> list[Any]:
    """Every stage deadline, walked or not: a missed one can lie in a stage never reached."""
    if not rows:
        return []
    out: list[Any] = [Text(""), Text("Deadlines", style="bold")]
    if warn is not None:
        out.append(warn)
    width = max(len(titles.get(str(r["stage"]), str(r["stage"]))) for r in rows)
    for row in rows:
        sid = str(row["stage"])
        line = Text(f"  {titles.get(sid, sid.capitalize()):<{width}}  ")
        line.append(f"due {_at(row.get('due_at'), origin):<20}")
        done = _at(row["done_at"], origin) if row.get("done_at") else "—"
        line.append(f"done {done:<20}")
        line.append_text(_verdict(row))
        out.append(line)
    return out


def _metrics(facts: dict[str, Any] | None, problem: str | None, warn: Text | None) -> list[Any]:
    out: list[Any] = [Text(""), Text("Metrics", style="bold")]
    if warn is not None:
        out.append(warn)
    if facts is None:
        out.append(Text(f"  not available: {problem or 'the log cannot be read'}", style="red"))
        return out
    metrics = facts.get("metrics") or {}
    width = max((len(metric_label(k)) for k in metrics), default=0)
    for name, value in metrics.items():
        if isinstance(value, bool) or not (isinstance(value, int | float) or value is None):
            continue
        line = Text(f"  {metric_label(name):<{width}}  ")
        shown = metric_value(name, value)
        line.append(f"{shown:>12}", style="bold" if value is not None else "dim")
        if value is not None and is_duration(name):
            line.append(f"  ({plain_number(value)} s)", style="dim")
        out.append(line)
    check = facts.get("playbook_check") or {}
    if check.get("status") not in (None, "matched", "given"):
        out.append(
            Text(
                f"  note: the playbook snapshot is {check['status']}, so deadlines met are "
                "unknown; only the missed ones the log records are shown",
                style="yellow",
            )
        )
    return out
