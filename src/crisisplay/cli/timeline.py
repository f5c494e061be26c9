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
from crisisplay.i18n import _, ngettext
from crisisplay.incident.events import Event
from crisisplay.incident.walk import parse_time
from crisisplay.report.stats import (
    human_duration,
    is_duration,
    metric_label,
    metric_value,
    plain_number,
)
from crisisplay.report.walkthrough import Folded, Walkthrough, verdict, walkthrough


def backfilled() -> str:
    return "* " + _(
        "happened earlier than recorded (backfilled): the time shown is when it happened"
    )


def scenario_time() -> str:
    return "* " + _("scenario time: the drill's clock, which runs faster than real time")


def _legend(events: Sequence[Event | Folded], short: bool = False) -> str:
    """What the `*` means: a drill's events carry `at` on its clock, not after the fact."""
    opened = events[0].data if events and isinstance(events[0], Event) else {}
    if opened.get("drill"):
        return scenario_time()
    return "* " + _("happened earlier than recorded (backfilled)") if short else backfilled()


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
        return "bold", _(
            "OPENED {incident} — {title} (severity {severity}, client {client}; playbook "
            "{playbook} {version}; first seen {first_seen})"
        ).format(
            incident=d["incident"],
            title=d["title"],
            severity=d["severity"],
            client=d["client"]["name"],
            playbook=pb["id"],
            version=pb["version"],
            first_seen=times.when(d["first_seen"]),
        )
    if kind == "step":
        step = f"[{d['stage']}] {d['step']}"
        status = d.get("status")
        if status == "skipped":
            return "yellow", _("{step}: skipped — {reason}").format(
                step=step, reason=d.get("reason")
            )
        if d["kind"] == "ask":
            return "", f"{step}: {_short(d.get('value'))}"
        if d["kind"] == "decide":
            goto = f" → {d['goto']}" if d.get("goto") else ""
            return "cyan", _("{step}: decided “{option}”").format(
                step=step, option=d["option"]
            ) + goto
        if d["kind"] == "notify":
            who = ", ".join(f"{c.get('name')} ({c.get('role')})" for c in d.get("contacted", []))
            return "", _("{step}: notified {who}").format(step=step, who=who or _("nobody listed"))
        if d["kind"] == "draft":
            pubs = d.get("published") or {}
            where = ", ".join(f"{p}" for p in pubs) or _("not yet published")
            by = d.get("approval", {}).get("by")
            return "green", (
                _("{step}: statement ({template}) on {where}").format(
                    step=step, template=d.get("template"), where=where
                )
                + (", " + _("approved by {name}").format(name=by) if by else "")
            )
        return "", f"{step}: {_status(status)}"
    if kind == "deadline.missed":
        mins = int(d.get("missed_by_s", 0)) // 60
        return "red", _("DEADLINE MISSED: stage {stage} by {minutes} min").format(
            stage=d["stage"], minutes=mins
        )
    if kind == "note":
        return "italic", _("note: {text}").format(text=d.get("text"))
    if kind == "moderation":
        said = (
            _("deleted under “{rule}”: {what} — {reason}")
            if d.get("action") == "deleted"
            else _("hidden under “{rule}”: {what} — {reason}")
        )
        return "magenta", said.format(
            rule=d.get("rule"), what=d.get("what"), reason=d.get("reason")
        )
    if kind == "incident.closed":
        return "bold", _("CLOSED")
    if kind == "recovery":
        return (
            "red",
            _("recovered after a crash: {bytes} bytes quarantined in {file}").format(
                bytes=d.get("bytes"), file=d.get("file")
            ),
        )
    if kind == "playbook.changed":
        return "yellow", _("playbook changed {old} → {new}; chose to {choice}").format(
            old=d["from"]["version"],
            new=d["to"]["version"],
            choice={"keep": _("keep"), "update": _("update")}.get(d["choice"], d["choice"]),
        )
    if kind == "handover":
        return "bold magenta", handover_text(d)
    if kind == "notification":
        return notification_text(d)
    if kind == "severity.changed":
        return "yellow", _("severity {old} → {new}: {reason}").format(
            old=d.get("from"), new=d.get("to"), reason=d.get("reason", "")
        )
    return "dim", f"{kind} {_short(d)}"


def handover_text(d: dict[str, Any]) -> str:
    text = _("HANDED OVER to {to}").format(to=d.get("to"))
    return text + (f" — {d['note']}" if d.get("note") else "")


def notification_text(d: dict[str, Any]) -> tuple[str, str]:
    """(style, line) of a notification attempt: sent, failed (why) or pending."""
    to = d.get("to") or {}
    who = to.get("name") or to.get("role") or "?"
    if to.get("name") and to.get("role"):
        who = f"{to['name']} ({to['role']})"
    status = d.get("status")
    channel = d.get("channel") or "?"
    if status == "sent":
        return "dim", _("✉ sent to {who} via {channel}").format(who=who, channel=channel)
    if status == "pending":
        return "yellow", _("✉ still sending to {who} via {channel}").format(
            who=who, channel=channel
        )
    return "red", _("✉ NOT sent to {who} via {channel}: {error}").format(
        who=who, channel=channel, error=d.get("error") or "?"
    )


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
            unexpected = _("unexpected data")
            style, line = "red", f"{e.type} ({unexpected}) {_short(e.data)}"
        t = Text()
        t.append(f"{e.seq:>4}  {_when(e)}  ", style="dim")
        t.append(line, style=style)
        yield t
        if e.type == "drill.scored":
            for said in debrief_lines(e.data):
                yield Text(f"{'':>6}{said}")
    yield Text(scenario_time() if drill else _legend([], short=True), style="dim")


# --- the staged view ---------------------------------------------------------------------------


def offset(t: datetime, origin: datetime) -> str:
    """T+00:12 (hours:minutes after first seen); T+1d 02:05 past a day."""
    return times.offset(t - origin)


def _clock(t: datetime) -> str:
    return times.local(t).strftime("%H:%M")


def _at(value: str | None, origin: datetime) -> str:
    """`09:00 (T+01:00)` for a time in the log; `Sun 6 Dec 01:07 (T+1d 00:00)` for one on
    another day than the crisis was first seen (in the incident's zone)."""
    if not value:
        return "—"
    t = parse_time(value)
    day = times.local(t).date()
    on = "" if day == times.local(origin).date() else times.day_name(day) + " "
    return f"{on}{_clock(t)} ({offset(t, origin)})"


def _stage_header(
    title: str, deadline: dict[str, Any] | None, origin: datetime, again: bool
) -> Text:
    head = Text()
    continued = " (" + _("continued") + ")" if again else ""
    head.append(f"{title}{continued}", style="bold cyan")
    if deadline is None:
        return head
    head.append(" — " + _("due {at}").format(at=_at(deadline.get("due_at"), origin)))
    if deadline.get("done_at"):
        head.append(" · " + _("done {at}").format(at=_at(deadline["done_at"], origin)))
    head.append(" · ")
    head.append_text(_verdict(deadline))
    return head


def _verdict(deadline: dict[str, Any]) -> Text:
    """Met or missed by how much, from a report deadline row."""
    status, seconds = verdict(deadline)
    if status == "missed":
        if seconds is not None:
            return Text(
                _("MISSED by {duration}").format(duration=human_duration(seconds)), "bold red"
            )
        return Text(_("MISSED"), style="bold red")
    if status == "met":
        if seconds is not None:
            return Text(
                _("met, {duration} to spare").format(duration=human_duration(seconds)), "green"
            )
        return Text(_("met"), style="green")
    if status == "open":
        return Text(_("open: not done yet"), style="yellow")
    return Text(str(status or _("unknown")), style="dim")


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
            head.append(" · " + _("published {at}").format(at=_at(pub.get("at"), origin)))
            if pub.get("url"):
                head.append(f" · {pub['url']}")
        else:
            head.append(" · " + _("not published"), style="yellow")
        if edited.get(platform):
            head.append(" · " + _("edited by hand"))
        out.append(head)
        out.append(Padding(Text(str(text), style="green"), (0, 0, 0, 2)))
    if approval.get("by"):
        role = f" ({approval['role']})" if approval.get("role") else ""
        when = (
            " " + _("at {at}").format(at=_at(approval["at"], origin)) if approval.get("at") else ""
        )
        out.append(Text(_("approved by {name}").format(name=approval["by"]) + role + when))
    elif d.get("preapproved"):
        out.append(Text(_("the client's pre-approved text, unedited: no sign-off needed")))
    for u in approval.get("unreachable") or []:
        out.append(
            Text(
                _("could not reach the {role}: {reason}").format(
                    role=u.get("role"), reason=u.get("reason")
                ),
                style="yellow",
            )
        )
    for o in d.get("overrides") or []:
        rules = ", ".join(o.get("rules") or [])
        out.append(
            Text(
                _("checker errors overridden ({rules}): {reason}").format(
                    rules=rules, reason=o.get("reason")
                ),
                style="yellow",
            )
        )
    return out


def _line(event: Event, origin: datetime) -> tuple[str, str, list[Any]]:
    """(style, text, renderables below it) of one event in the staged view."""
    d: Any = event.data
    kind = event.type
    if kind == "step":
        mark = KIND_MARK.get(d.get("kind", ""), "·")
        step = f"{mark} {d.get('step')}"
        if d.get("status") == "skipped":
            return (
                "yellow",
                _("{step}: skipped — {reason}").format(step=step, reason=d.get("reason")),
                [],
            )
        k = d.get("kind")
        if k == "ask":
            value = d.get("value")
            text = (
                _("(no answer)")
                if value is None
                else (_("yes") if value else _("no"))
                if isinstance(value, bool)
                else str(value)
            )
            first, _sep, more = text.partition("\n")
            extra = [Padding(Text(more, style="dim"), (0, 0, 0, 2))] if more.strip() else []
            return "", f"{step}: {_short(first, 100)}", extra
        if k == "decide":
            goto = d.get("goto")
            branch = (
                _("the end of the walk") if goto == "end" else goto if goto else _("the next step")
            )
            decided = _("{step}: decided “{option}”").format(step=step, option=d.get("option"))
            return "cyan", f"{decided} → {branch}", []
        if k == "notify":
            who = "; ".join(
                _("{name} ({role}) via {via}").format(
                    name=c.get("name"), role=c.get("role"), via=c.get("via", _("unspecified"))
                )
                for c in d.get("contacted") or []
            )
            ack = "" if d.get("acknowledged", True) else " — " + _("not acknowledged")
            notified = _("{step}: notified {who}").format(step=step, who=who or _("nobody listed"))
            return "", notified + ack, []
        if k == "draft":
            what = d.get("template") or _("statement")
            status = _status("published" if d.get("published") else d.get("status", ""))
            return "bold green", f"{step}: {what} {status}", _statement(d, origin)
        return "", f"{step}: {_status(d.get('status'))}", []
    if kind == "deadline.missed":
        by = d.get("missed_by_s")
        late = (
            _("by {duration} when recorded").format(duration=human_duration(by))
            if isinstance(by, int | float)
            else _("late when recorded")
        )
        missed = _("DEADLINE MISSED: {stage}, due {at}").format(
            stage=d.get("stage"), at=_at(d.get("due_at"), origin)
        )
        return "bold red", f"✗ {missed} ({late})", []
    if kind == "incident.opened":
        return "bold", _("OPENED by {who}").format(who=event.actor or _("unknown")), []
    if kind == "incident.closed":
        outcome = d.get("outcome", "closed")
        return "bold", _("CLOSED ({outcome})").format(outcome=_status(outcome)), []
    if kind == "variables":
        values = ", ".join(f"{k}={_short(v, 30)}" for k, v in (d.get("values") or {}).items())
        return "dim", _("variables: {values}").format(values=values), []
    if kind == "note":
        return "italic", _("note: {text}").format(text=d.get("text")), []
    if kind.startswith("drill."):
        return _drill_line(kind, d)
    if kind in ("session.paused", "session.resumed"):
        why = _said(d.get("reason") or d.get("mode") or "")
        what = _("session paused") if kind == "session.paused" else _("session resumed")
        return "dim", f"{what}{f' ({why})' if why else ''}", []
    try:
        style, text = describe(event)
    except (KeyError, TypeError, AttributeError):
        style, text = "dim", f"{kind} {_short(d)}"
    return style, text, []


def _said(value: str) -> str:
    """What the tool itself recorded as a reason or a mode, in the reader's language (a
    reason the manager typed is shown as typed)."""
    return {
        "paused by the manager": _("paused by the manager"),
        "interrupted (Ctrl-C)": _("interrupted (Ctrl-C)"),
        "interactive": _("interactive"),
        "scripted": _("scripted"),
    }.get(value, value)


def _metric_label(name: str) -> str:
    """A metric's name in the reader's language (its key, spelled out, for one not known)."""
    return {
        "time_to_acknowledge": _("time to acknowledge"),
        "time_to_holding_statement": _("time to holding statement"),
        "time_to_apology": _("time to apology"),
        "time_to_remedy": _("time to remedy"),
        "time_to_close": _("time to close"),
        "updates_promised": _("updates promised"),
        "updates_delivered": _("updates delivered"),
        "updates_missed": _("updates missed"),
        "deadlines_met": _("deadlines met"),
        "deadlines_missed": _("deadlines missed"),
        "statements_published": _("statements published"),
        "networks_published": _("networks published on"),
        "networks_not_published": _("networks not published"),
        "checker_overrides": _("checker overrides"),
        "steps_recorded": _("steps recorded"),
        "steps_skipped": _("steps skipped"),
        "notes": _("notes"),
        "backfilled_events": _("backfilled events"),
        "events": _("events"),
    }.get(name) or metric_label(name)


def _status(status: Any) -> str:
    """A step's recorded status (`done`, `published` …) in the reader's language."""
    return {
        "done": _("done"),
        "acknowledged": _("acknowledged"),
        "answered": _("answered"),
        "decided": _("decided"),
        "notified": _("notified"),
        "published": _("published"),
        "approved": _("approved"),
        "skipped": _("skipped"),
        "closed": _("closed"),
        "complete": _("complete"),
    }.get(str(status), str(status))


def _drill_line(kind: str, d: dict[str, Any]) -> tuple[str, str, list[Any]]:
    """A drill's own events (crisisplay drill), read tolerantly: only what is there is shown."""
    style, text = _drill_text(kind, d)
    below = (
        [Text(_("mistake: {why}").format(why=d["mistake"]), style="red")]
        if kind == "drill.decision" and d.get("mistake")
        else []
    )
    if kind == "drill.scored":
        below = [Text(line) for line in debrief_lines(d)]
    return style, text, below


def debrief_lines(score: dict[str, Any]) -> list[str]:
    """The drill's debrief under its score, in the drill's language: the record keeps it."""
    from crisisplay.drill.score import debrief

    try:
        return debrief(score)[1:]  # the first line is the score, already said
    except (KeyError, TypeError, ValueError, AttributeError):
        return []  # a score from another version: its one line is all we can say


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
            _("DRILL started: {scenario} — {title}").format(
                scenario=d.get("scenario"), title=d.get("title")
            )
            + (f" ({how})" if how else "")
        )
    if kind == "drill.event":
        who = " ".join(str(d[k]) for k in ("author", "handle", "outlet", "from") if d.get(k))
        where = " " + _("on {platform}").format(platform=d["platform"]) if d.get("platform") else ""
        reach = (
            " ("
            + ngettext("{n} follower", "{n} followers", d["followers"]).format(
                n=f"{d['followers']:,}"
            )
            + ")"
            if isinstance(d.get("followers"), int)
            else ""
        )
        by = " " + _("by {who}").format(who=who) if who else ""
        head = f"▶ {_event_kind(d.get('kind'))}{where}{by}{reach}"
        if d.get("kind") == "metric":
            value = d.get("value")
            shown = f"{value:,}" if isinstance(value, int | float) else str(value)
            head += f" {d.get('metric')}: {shown}"
        elif d.get("kind") == "unreachable":
            until = d.get("until_t")
            head += f" {d.get('role')}" + (
                " " + _("until {t}").format(t=_seconds(until))
                if isinstance(until, int | float)
                else ""
            )
        text = d.get("text") or ""
        line = f"{head}: {_short(text, 160)}" if text else head
        return "magenta", line + (" ⚑ " + _("asks for a decision") if d.get("decide") else "")
    if kind == "drill.decision":
        verdict = (
            " ✗ " + _("mistake")
            if d.get("mistake")
            else " ✓ " + _("expected")
            if d.get("expected")
            else ""
        )
        late = d.get("after_s", 0) > d.get("due_s", float("inf"))
        return "red" if d.get("mistake") else "magenta", (
            "◆ "
            + _("drill decision on {event}: “{option}”").format(
                event=d.get("event"), option=d.get("option")
            )
            + verdict
            + (" (" + _("late") + ")" if late else "")
        )
    if kind == "drill.ended":
        reason = {
            "walk-complete": _("the walk is complete"),
            "ends-after": _("its last stage is over"),
        }
        why = reason.get(str(d.get("reason")), str(d.get("reason")))
        t = d.get("t")
        if isinstance(t, int | float):
            return "bold magenta", _("DRILL ended at {t}: {why}").format(t=_seconds(t), why=why)
        return "bold magenta", _("DRILL ended: {why}").format(why=why)
    if kind == "drill.scored":
        total = d.get("total")
        return "bold magenta", _("DRILL scored {total}/100").format(
            total=f"{total:g}"
        ) if isinstance(total, int | float) else kind
    return "magenta", f"{kind.replace('.', ' ')} {_short(d, 100)}"


def _event_kind(kind: Any) -> str:
    """A scenario event's kind (`post`, `news` …) as the timeline names it."""
    return {
        "post": _("post"),
        "comment": _("comment"),
        "reply": _("reply"),
        "message": _("message"),
        "email": _("email"),
        "call": _("call"),
        "news": _("news"),
        "metric": _("metric"),
        "unreachable": _("unreachable"),
    }.get(str(kind or "event"), str(kind or _("event")))


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
    problems = problems or []
    if problems:
        warn = Text()
        warn.append(_("This log FAILED verification"), style="bold red")
        warn.append(
            " ("
            + ngettext("{n} problem", "{n} problems", len(problems)).format(n=len(problems))
            + "); "
            + _("below is what can be read:")
        )
        parts.append(warn)
        for p in problems[:10]:
            parts.append(Text(f"  {p}", style="red"))
        if len(problems) > 10:
            more = _("… {n} more: crisisplay log verify").format(n=len(problems) - 10)
            parts.append(Text(f"  {more}", style="red"))
        parts.append(Text(""))
    walk = walkthrough(events, facts, stage_titles)
    if walk.opened is None or walk.first_seen is None:
        parts.append(
            Text(_("The log does not begin with incident.opened: showing events as recorded."))
        )
        parts.append(timeline(events))
        return Group(*parts)
    origin = walk.first_seen
    parts += _heading(walk, facts)
    width = max((len(offset(x.time, origin)) for x in walk.entries if x.time), default=7)
    for entry in walk.entries:
        event, t = entry.event, entry.time
        if isinstance(event, Folded):
            parts.append(Text(f"  {'':<{width}}  {'':<6}  {event.text}", style="dim"))
            continue
        if t is None:
            parts.append(
                Text(
                    "  " + _("(event seq {seq} has no readable time)").format(seq=event.seq), "red"
                )
            )
            continue
        if entry.stage is not None:
            parts.append(Text(""))
            parts.append(
                _stage_header(entry.stage.title, entry.stage.deadline, origin, entry.stage.again)
            )
        if entry.day is not None:
            zone = times.abbreviation(times.local(t))
            day = f"{_weekday(entry.day)} {entry.day:%Y-%m-%d} ({zone})"
            parts.append(Text(f"  {'':<{width}}  {'':<6}  {day}", style="dim"))
        try:
            style, text, below = _line(event, origin)
        except (KeyError, TypeError, AttributeError, ValueError):
            unexpected = _("unexpected data")
            style, text, below = "red", f"{event.type} ({unexpected})", []
        prefix = Text("  ")
        prefix.append(f"{offset(t, origin):<{width}}  ", style="dim")
        prefix.append(f"{_clock(t)}{'*' if event.at else ' '}  ", style="dim")
        parts.append(_Row(prefix, Text(text, style=style)))
        if below:
            parts.append(Padding(Group(*below), (0, 0, 0, prefix.cell_len)))
    partial = (
        Text("  " + _("worked out from the events that could be read: they may be wrong"), "red")
        if problems and facts is not None
        else None
    )
    parts += _deadlines(walk.deadlines, walk.titles, origin, partial)
    parts += _shifts(walk, origin)
    parts += _metrics(facts, facts_problem, partial)
    if walk.backfilled:
        parts += [Text(""), Text(_legend(events), style="dim")]
    return Group(*parts)


def _heading(walk: Walkthrough, facts: dict[str, Any] | None) -> list[Any]:
    assert walk.opened is not None and walk.first_seen is not None
    od: Any = walk.opened.data
    origin = walk.first_seen
    pb = od.get("playbook") or {}
    title = Text()
    title.append(str(od.get("title")), style="bold")
    if walk.drill:
        title.append("  [DRILL]", style="bold magenta")
    info = Text(
        f"{od.get('incident')} · {od['client'].get('name')} · "
        + _("severity {level}").format(level=od.get("severity"))
    )
    if pb.get("id"):
        info.append(
            " · "
            + _("playbook {id} {version} ({language})").format(
                id=pb["id"], version=pb.get("version"), language=pb.get("language")
            )
        )
    seen = times.when(od["first_seen"], seconds=False)
    when = Text(
        _("first seen {at}").format(at=seen)
        + " · "
        + _("opened {at}").format(at=_at(_iso(walk.opened), origin))
    )
    if walk.closed is not None:
        when.append(" · " + _("closed {at}").format(at=_at(_iso(walk.closed), origin)))
    else:
        inc = (facts or {}).get("incident") or {}
        where = (
            _("stage {stage}, after {step}").format(stage=walk.last_step[0], step=walk.last_step[1])
            if walk.last_step
            else None
        )
        when.append(" · ")
        when.append(
            _("OPEN, in {where}").format(where=where) if where else _("OPEN"), style="bold yellow"
        )
        if inc.get("closed_at"):
            when.append(" (" + _("closed {at}").format(at=_at(inc["closed_at"], origin)) + ")")
    return [title, info, when, *_next_update(facts, origin)]


def _next_update(facts: dict[str, Any] | None, origin: datetime) -> list[Text]:
    """The latest promise of an update the public was given, and what became of it."""
    promises = (facts or {}).get("promises")
    if facts is None or promises is None:
        return []
    if not promises:
        return [Text(_("No published statement has promised an update yet."), style="dim")]
    last = promises[-1]
    line = Text(_("Next update promised by {at}").format(at=_at(last["next_update_by"], origin)))
    status = last.get("status")
    if status == "delivered":
        line.append(" · " + _("kept"), style="green")
    elif status == "missed":
        line.append(" · " + _("BROKEN: no update by then"), style="bold red")
    else:
        line.append(" · " + _("not due yet"), style="yellow")
    return [line]


def _iso(event: Event) -> str:
    return str(event.at or event.ts)


def _weekday(day: Any) -> str:
    """The day's name in the reader's language (not the machine's locale)."""
    names = (
        _("Monday"),
        _("Tuesday"),
        _("Wednesday"),
        _("Thursday"),
        _("Friday"),
        _("Saturday"),
        _("Sunday"),
    )
    return names[day.weekday()]


def _deadlines(
    rows: list[dict[str, Any]], titles: dict[str, str], origin: datetime, warn: Text | None
) -> list[Any]:
    """Every stage deadline, walked or not: a missed one can lie in a stage never reached."""
    if not rows:
        return []
    out: list[Any] = [Text(""), Text(_("Deadlines"), style="bold")]
    if warn is not None:
        out.append(warn)
    width = max(len(titles.get(str(r["stage"]), str(r["stage"]))) for r in rows)
    dues = [_at(r.get("due_at"), origin) for r in rows]
    dones = [_at(r["done_at"], origin) if r.get("done_at") else "—" for r in rows]
    due_width = max(20, *map(len, dues))
    done_width = max(20, *map(len, dones))
    for row, due, done in zip(rows, dues, dones, strict=True):
        sid = str(row["stage"])
        line = Text(f"  {titles.get(sid, sid.capitalize()):<{width}}  ")
        line.append(_("due {at}").format(at=f"{due:<{due_width}}"))
        line.append(_("done {at}").format(at=f"{done:<{done_width}}"))
        line.append_text(_verdict(row))
        out.append(line)
    return out


def _shifts(walk: Walkthrough, origin: datetime) -> list[Any]:
    """Who held the incident when, and for how long (R13: nobody holds it for 18 hours)."""
    from crisisplay.incident.walk import now_utc
    from crisisplay.report.walkthrough import shift_rows

    rows = shift_rows(walk, now_utc())
    if not rows:
        return []
    out: list[Any] = [Text(""), Text(_("Shifts"), style="bold")]
    width = max(len(r["who"]) for r in rows)
    for r in rows:
        until = (
            _at(times.rfc3339(r["to"]), origin) if r["to"] is not None else _("now (holding it)")
        )
        line = Text(f"  {r['who']:<{width}}  ")
        line.append(
            _("{start} – {end}").format(start=_at(times.rfc3339(r["from"]), origin), end=until)
        )
        line.append(
            "  " + human_duration(r["hours"] * 3600),
            style="bold red" if r["hours"] >= 18 else "",
        )
        out.append(line)
    return out


def _metrics(facts: dict[str, Any] | None, problem: str | None, warn: Text | None) -> list[Any]:
    out: list[Any] = [Text(""), Text(_("Metrics"), style="bold")]
    if warn is not None:
        out.append(warn)
    if facts is None:
        why = problem or _("the log cannot be read")
        out.append(Text("  " + _("not available: {why}").format(why=why), style="red"))
        return out
    metrics = facts.get("metrics") or {}
    width = max((len(_metric_label(k)) for k in metrics), default=0)
    for name, value in metrics.items():
        if isinstance(value, bool) or not (isinstance(value, int | float) or value is None):
            continue
        line = Text(f"  {_metric_label(name):<{width}}  ")
        shown = metric_value(name, value)
        line.append(f"{shown:>12}", style="bold" if value is not None else "dim")
        if value is not None and is_duration(name):
            line.append(f"  ({plain_number(value)} s)", style="dim")
        out.append(line)
    check = facts.get("playbook_check") or {}
    if check.get("status") not in (None, "matched", "given"):
        out.append(
            Text(
                "  "
                + _(
                    "note: the playbook snapshot is {status}, so deadlines met are unknown; "
                    "only the missed ones the log records are shown"
                ).format(status=check["status"]),
                style="yellow",
            )
        )
    return out
