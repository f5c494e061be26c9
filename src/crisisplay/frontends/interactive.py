"""The interactive front end: prompt_toolkit prompts and a rich status line over the walk.

Everything the manager answers goes through the same Walk.answer and Session.submit as a
scripted run. At any prompt they can add a note, skip with a reason, see where they
are, or pause; Ctrl-C pauses too (exit 130) and says how to resume.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from crisisplay.errors import CrisisplayError, UsageError
from crisisplay.frontends import prompts
from crisisplay.frontends.prompts import ACTIONS, NOTE, PAUSE, SKIP, TEXT_HELP, WHERE
from crisisplay.frontends.prompts import console as _console
from crisisplay.frontends.prompts import select as _select
from crisisplay.frontends.prompts import text as _text
from crisisplay.incident.walk import (
    AnswerError,
    incident_time,
    match_option,
    now_utc,
)
from crisisplay.invocation import command, resume_hint
from crisisplay.times import format_duration, rfc3339

if TYPE_CHECKING:
    from crisisplay.incident.session import Session
    from crisisplay.playbook.library import Library
    from crisisplay.playbook.model import Step


class Interrupted(CrisisplayError):
    exit_code = 130


class _Paused(Exception):
    pass


class _Again(Exception):
    """Ask the same step again (after a note, or 'where am I')."""


class Hooks:
    """What a drill changes in this walk (it passes its own to :func:`run`): its own clock,
    answers recorded at that clock's time, and its world's events between steps. The
    defaults are the plain walk."""

    def __init__(
        self,
        now: Any = now_utc,  # () -> datetime: the time every prompt and record uses
        stamp: bool = False,  # record answers with `at` = now(): not the wall clock
        before_step: Any = None,  # (session, out) -> bool: False ends the walk here
        after_walk: Any = None,  # (session, out) -> None: before the session closes
    ) -> None:
        self.now = now
        self.stamp = stamp
        self.before_step = before_step
        self.after_walk = after_walk


#: The hooks of the walk on screen: set by run() from its argument, for its duration only.
hooks = Hooks()


def _now() -> datetime:
    return hooks.now()


def _at() -> datetime | None:
    return hooks.now() if hooks.stamp else None


# --- starting ----------------------------------------------------------------------------


def start_interactive(
    lib: Library,
    *,
    playbook: str | None,
    client: str | None,
    title: str | None,
    severity: int | None,
    first_seen: str | None,
) -> None:
    # The log and the answers machinery are imported when needed, not before the first
    # question: every millisecond before it is one the manager waits.
    from crisisplay.text import printable, slugify

    try:
        if playbook or not client:  # the first questions from a preview, when there is one
            ref = playbook or "default"
            found = lib.preview(ref, when=prompts.after_draw.append, meanwhile=prompts.prepare)
            resolved = found or lib.load(ref)
        elif client and len(entries := _playbooks_for_client(lib, slugify(client))) > 1:
            pick = _select(
                "Which playbook?", [f"{e.id} ({e.language})" for e in entries], actions=False
            )
            resolved = lib.load(pick.split(" ")[0])
        else:
            from crisisplay.frontends.scripted import pick_playbook

            resolved = pick_playbook(lib, None, client)
        pb = resolved.playbook
        if severity is not None and (why := resolved.severity_problem(severity)):
            raise UsageError(f"--severity {severity}: {why}")
        _heading(pb.name, f" — {pb.id} {pb.version}")
        if not client and not resolved.generic:
            client = resolved.client.name  # a client's playbook names its client: not asked
            _heading("Client: ", printable(f"{client} (from the playbook)"))
        if not client:
            client = (
                _text("Client:", default="", instruction="(the brand this is about)").strip()
                or None
            )
        _warn_open_incidents(lib, resolved, client)
        while not title:
            title = _text("What is happening? (a few words for the title)", instruction="").strip()
        levels = pb.severity_levels()
        if severity is None:
            labels = [f"{s.level} · {s.name} — {s.criteria}" for s in levels]
            pick = _select("Severity:", labels, actions=False)
            severity = int(pick.split(" ")[0])
        first = _ask_time("When was it first seen?", first_seen)
        resolved = resolved.full()  # the playbook itself, checked (loaded while they read)
        variables = {}
        for var in resolved.playbook.variables:
            variables[var.name] = ask_variable(var)
    except KeyboardInterrupt:
        _console().print("\nNothing was recorded: no incident was opened.")
        raise Interrupted("Interrupted before the incident was opened.") from None
    from crisisplay.incident.session import open_incident

    out = _console()
    session = open_incident(
        lib.home,
        resolved,
        title=title,
        severity=severity,
        client_name=client,
        first_seen=first,
        opened_at=None,
        variables=variables,
    )
    out.print(
        f"\n[bold green]Incident {session.incident.id} opened.[/] The log is {session.log.path}"
    )
    run(session, out)


def _heading(bold: str, rest: str) -> None:
    """A line above the first question, printed with the prompt library the question
    loads anyway: rich, for everything after, costs the manager its import time first."""
    from prompt_toolkit import print_formatted_text
    from prompt_toolkit.formatted_text import FormattedText

    print_formatted_text(FormattedText([("bold", bold), ("", rest)]))


def _warn_open_incidents(lib: Library, resolved: Any, client: str | None) -> None:
    """One line before the walk when this client already has an open incident: the
    manager may mean to go on with it rather than open a second one."""
    from crisisplay.text import slugify

    slug = slugify(resolved.incident_client(client))
    try:
        names = os.listdir(lib.home.incidents)
    except OSError:
        return
    if not any(f"-{slug}-" in name for name in names):  # the usual case: nothing to read
        return
    from crisisplay.incident.session import open_for_client, open_incidents_line

    found = open_for_client(lib.home, slug)
    if found:
        _warning(open_incidents_line(found, resolved.incident_client(client)))


def _warning(text: str) -> None:
    from prompt_toolkit import print_formatted_text
    from prompt_toolkit.formatted_text import FormattedText

    from crisisplay.text import printable

    print_formatted_text(FormattedText([("fg:ansiyellow bold", printable(text))]))


def _playbooks_for_client(lib: Library, slug: str) -> list[Any]:
    from crisisplay.frontends.scripted import playbooks_for_client

    return playbooks_for_client(lib, slug)


def _ask_time(message: str, given: str | None) -> datetime:
    while True:
        text = (
            given
            if given is not None
            else _text(
                message, default="now", instruction="(now, 14:05 UTC, '20m ago', or a full time)"
            )
        )
        given = None
        try:
            t = incident_time(text, "that time", relative_to=_now(), now=_now())
        except ValueError as e:
            from rich.markup import escape

            _console().print(f"[red]{escape(str(e))}[/]")
            continue
        if t > _now():
            _console().print("[red]That is in the future.[/]")
            continue
        return t


def ask_variable(var: Any) -> Any:
    if var.input == "choice" and var.choices:
        return _select(var.prompt, list(var.choices), actions=False)
    suggested = "" if var.default is None else str(var.default)
    while True:
        value = _text(
            var.prompt,
            instruction=f"(Enter takes “{suggested}”)" if suggested else "",
            placeholder=suggested or None,
        ).strip()
        if value or not var.required:
            return value or suggested or None
        if suggested:
            return suggested


def resume_interactive(
    lib: Library,
    ref: str | None,
    *,
    resume_drill: Callable[[Library, Session, Any], None] | None = None,
) -> None:
    """Take an incident up again at its first step not yet recorded. A paused drill goes on
    through `resume_drill` (the drill's own runner, passed in by whoever knows drills: this
    front end does not import them), else as a plain walk."""
    from crisisplay.incident.session import AmbiguousIncident, find_incident, resume_incident

    out = _console()
    try:
        incident_id = find_incident(lib.home, ref)
    except AmbiguousIncident as e:
        try:
            incident_id = _select("Which incident?", e.ids, actions=False)
        except KeyboardInterrupt:
            raise Interrupted("Interrupted; nothing changed.") from None
    resumed = resume_incident(lib.home, lib, incident_id)
    session = resumed.session
    try:
        if resumed.changed is not None and resumed.current is not None:
            _playbook_changed(session, resumed, out)
        session.resumed("interactive")
    except KeyboardInterrupt:
        session.close()
        raise Interrupted(f"Interrupted. Resume with: {resume_hint(incident_id)}") from None
    except BaseException:
        session.close()
        raise
    out.print(
        f"[bold]Resuming {incident_id}[/] — {steps_word(len(session.walk.records))} already "
        "recorded."
    )
    for notice in session.notices:
        out.print(notice, style="yellow", markup=False)
    if session.incident.drill and resume_drill is not None:
        resume_drill(lib, session, out)  # its scenario, clock and score come back with it
        return
    run(session, out)


def _playbook_changed(session: Session, resumed: Any, out: Any) -> None:
    from crisisplay.frontends.render import diff_text
    from crisisplay.incident.session import switch_playbook

    out.print("[yellow bold]The playbook changed since this incident began:[/]")
    out.print(diff_text(resumed.changed))
    keep = "Keep the version this incident began with"
    update = "Switch to the playbook as it is now"
    stop = "Stop here (nothing changes)"
    pick = _select("How do we go on?", [keep, update, stop], actions=False)
    if pick == stop:
        session.close()
        raise _PausedExit(session.incident.id)
    choice = "update" if pick == update else "keep"
    session.record_playbook_change(resumed.changed, choice)
    if choice == "update":
        switch_playbook(session, resumed.current, choice)


class _PausedExit(CrisisplayError):
    exit_code = 0

    def __init__(self, incident_id: str) -> None:
        super().__init__(f"Paused. Resume with: {resume_hint(incident_id)}")


# --- the walk ----------------------------------------------------------------------------


def run(session: Session, out: Any, walk_hooks: Hooks | None = None) -> None:
    """Walk the incident at the terminal until it ends, pauses or is interrupted."""
    global hooks
    saved_hooks, hooks = hooks, walk_hooks or Hooks()
    walk = session.walk
    saved_live = prompts.live
    prompts.live = lambda: live_status(session, _now())
    try:
        while (cur := walk.current()) is not None:
            if hooks.before_step is not None and not hooks.before_step(session, out):
                break
            now = _now()
            for d in session.settle(now, backfilled=hooks.stamp):
                out.print(
                    f"[red bold]Deadline missed:[/] {d.title} was due "
                    f"{d.due_at:%H:%M} UTC. It is recorded; keep going."
                )
            out.print(status_line(session, now))
            _, step = cur
            try:
                raw = ask_step(session, step, out)
            except _Again:
                continue
            try:
                data = walk.answer(step, raw)
            except AnswerError as e:
                out.print(f"[red]{e.message}[/]")
                continue
            if walk.leaves_stage(step, data):
                # A network left "not yet" at a draft comes back before its stage ends.
                _settle_publications(session, cur[0].id, out)
            session.submit(data, _at())
        if walk.current() is None:
            out.print(
                f"\n[bold green]The protocol is complete; incident {session.incident.id} "
                "is closed.[/]"
            )
            out.print(f"Post-mortem: {command('log', 'show', session.incident.id)}", markup=False)
        if hooks.after_walk is not None:
            hooks.after_walk(session, out)
    except _Paused:
        from rich.markup import escape

        session.pause("paused by the manager")
        session.close()
        out.print(
            f"\n[bold]Paused.[/] Everything so far is saved. Resume with:\n"
            f"  {escape(resume_hint(session.incident.id))}"
        )
    except (KeyboardInterrupt, EOFError):
        try:
            session.pause("interrupted (Ctrl-C)")
        finally:
            session.close()
        raise Interrupted(
            f"\nPaused (Ctrl-C). Everything recorded is kept. Resume with:\n"
            f"  {resume_hint(session.incident.id)}\n{session.receipt_text()}"
        ) from None
    finally:
        prompts.live = saved_live
        hooks = saved_hooks
        session.close()
    if session.receipt is not None:
        out.print(session.receipt_text(), markup=False)
    print(session.incident.id)


def status_line(session: Session, now: datetime) -> Any:
    from rich.text import Text

    walk = session.walk
    inc = session.incident
    cur = walk.current()
    t = Text()
    t.append("\n━━ ", style="dim")
    t.append(f"{inc.title}", style="bold")
    sev = walk.severity_level()
    t.append(f" · severity {sev.level} {sev.name}", style="bold red" if sev.level == 1 else "")
    if cur:
        n, total = walk.stage_number(cur[0].id)
        t.append(f" · stage {n}/{total} {cur[0].title}")
    t.append(f" · {format_duration(now - inc.first_seen)} since first seen", style="dim")
    d = walk.next_deadline()
    if d is not None:
        left = d.due_at - now
        if left.total_seconds() < 0:
            t.append(f" · {d.title} OVERDUE by {format_duration(-left)}", style="bold red")
        else:
            window = (d.due_at - inc.first_seen).total_seconds() or 1
            amber = left.total_seconds() < max(300, 0.25 * window)
            t.append(
                f" · {d.title} due in {format_duration(left)} ({d.due_at:%H:%M} UTC)",
                style="bold yellow" if amber else "green",
            )
    t.append(f"\n   {inc.id}", style="dim")
    return t


def _countdown(left: timedelta) -> str:
    """A countdown that visibly moves: 1h02m05s, 12m05s, 45s."""
    s = int(abs(left.total_seconds()))
    h, m, sec = s // 3600, s % 3600 // 60, s % 60
    return f"{h}h{m:02d}m{sec:02d}s" if h else (f"{m}m{sec:02d}s" if m else f"{sec}s")


def live_status(session: Session, now: datetime) -> Any:
    """The bottom toolbar, redrawn every second while the manager types: the next
    deadline, the next update promised to the public, the networks not yet published."""
    from prompt_toolkit.formatted_text import FormattedText

    walk = session.walk
    parts: list[tuple[str, str]] = []
    d = walk.next_deadline()
    if d is not None:
        left = d.due_at - now
        if left.total_seconds() < 0:
            parts.append(("class:toolbar.late", f" ⏱ {d.title} OVERDUE by {_countdown(left)} "))
        else:
            style = "class:toolbar.soon" if left.total_seconds() < 300 else ""
            parts.append((style, f" ⏱ {d.title} due in {_countdown(left)} ({d.due_at:%H:%M} UTC) "))
    promised = walk.promised_update()
    if promised is not None:
        left = promised - now
        if left.total_seconds() < 0:
            parts.append(("class:toolbar.late", f" ✉ update promised {_countdown(left)} ago "))
        else:
            style = "class:toolbar.soon" if left.total_seconds() < 300 else ""
            when = f"{_countdown(left)} ({promised:%H:%M} UTC)"
            parts.append((style, f" ✉ next update due in {when} "))
    pending = walk.unpublished()
    if pending:
        nets = ", ".join(f"{p} ({s})" for s, p in pending)
        parts.append(("class:toolbar.soon", f" ⚠ not yet published: {nets} "))
    if not parts:
        parts.append(("", f" {session.incident.id} "))
    return FormattedText(parts)


def _settle_publications(session: Session, stage_id: str, out: Any) -> None:
    """Ask again about every network of this stage's drafts left "not yet" published:
    a link (and when) records it published, otherwise a reason records it not published.
    Each answer is a `publication` event: step, stage, platform, state, url/at or reason."""
    for step_id, platform in session.walk.unpublished(stage_id):
        out.print(f"[yellow bold]The {step_id} statement is not yet published on {platform}.[/]")
        url = _published_url(
            platform, f"Is it out on {platform} now? (link; empty if it will not be published)"
        )
        data: dict[str, Any] = {"step": step_id, "stage": stage_id, "platform": platform}
        if url:
            when = _ask_time(f"When did it go out on {platform}?", None)
            data.update(state="published", url=url, at=rfc3339(when))
        else:
            reason = ""
            while not reason:
                reason = _text(
                    f"Why is it not published on {platform}? (recorded)", instruction=""
                ).strip()
            data.update(state="not_published", reason=reason)
        session.record("publication", data, _at())


def where(session: Session, out: Any) -> None:
    walk = session.walk
    done_path = set(walk.path())
    cur = walk.current()
    deadlines = {d.stage: d for d in walk.deadlines()}
    for stage in walk.resolved.playbook.stages or []:
        d = deadlines.get(stage.id)
        due = f" (due {d.due_at:%H:%M} UTC)" if d else ""
        mark = (
            "✓" if stage.id in walk.stage_done else ("▶" if cur and cur[0].id == stage.id else " ")
        )
        out.print(f" {mark} [bold]{stage.title}[/]{due}")
        if cur and cur[0].id == stage.id:
            for step in stage.steps:
                m = "✓" if step.id in done_path else ("▶" if step.id == cur[1].id else "·")
                out.print(f"     {m} {step.id}: {shown(step.text)[:70]}", markup=False)
    out.print(f" {steps_word(len(walk.records))} recorded.")


def _action(session: Session, pick: str, out: Any) -> dict[str, Any] | None:
    """Handle a menu action; return a skip answer, or raise to ask again / pause."""
    if pick == NOTE or pick.startswith("/note"):
        text = pick[5:].strip() if pick.startswith("/note") else ""
        text = text or _text("Note:", instruction="(recorded in the log with the time)")
        if text.strip():
            session.note(text.strip(), _at())
            out.print("[dim]Note recorded.[/]")
        raise _Again
    if pick == WHERE or pick.startswith("/where"):
        where(session, out)
        raise _Again
    if pick == PAUSE or pick.startswith("/pause"):
        raise _Paused
    if pick == SKIP or pick.startswith("/skip"):
        reason = pick[5:].strip() if pick.startswith("/skip") else ""
        while not reason:
            reason = _text("Why skip it? (recorded)", instruction="").strip()
        return {"skip": reason}
    return None


# "(R8)", "(R1, R4)", "(R5 and R2)": the rule numbers of the protocol's sources, for
# whoever maintains a playbook, not for the manager in the middle of a crisis.
_RULE_REFS = re.compile(r"\s*\(R\d+(?:(?:,\s*|\s+and\s+|\s*;\s*)R\d+)*\)|;\s*R\d+(?=\))")


def shown(text: str) -> str:
    """A playbook text as the manager reads it: without rule numbers."""
    return _RULE_REFS.sub("", text.strip())


def steps_word(n: int) -> str:
    return f"{n} step{'' if n == 1 else 's'}"


def _is_action(value: str) -> bool:
    return value in ACTIONS or value.split(" ")[0] in ("/note", "/skip", "/where", "/pause")


def ask_step(session: Session, step: Step, out: Any) -> dict[str, Any]:
    from rich.panel import Panel
    from rich.text import Text

    kind = step.kind
    title = {
        "check": "To do",
        "ask": "Question",
        "decide": "Decision",
        "draft": "Statement",
        "notify": "Tell",
        "note": "Read this",
    }[kind]
    out.print(
        Panel(
            Text(shown(step.text)),  # as written: a '[' in a playbook is not markup
            title=f"{title} · {step.id}",
            title_align="left",
            border_style="cyan",
        )
    )
    if step.help:
        out.print(Text(shown(step.help), style="dim"))
    if kind == "check":
        pick = _select("Done?", ["Done"])
        return _action(session, pick, out) or {}
    if kind == "note":
        pick = _select("Read?", ["Read — go on"])
        return _action(session, pick, out) or {}
    if kind == "decide":
        labels = [o.label for o in step.options or []]
        pick = _select("Choose:", labels)
        return _action(session, pick, out) or {
            "option": match_option(step.options or [], pick).label
        }
    if kind == "ask":
        return _ask(session, step, out)
    if kind == "notify":
        return _notify(session, step, out)
    return _draft(session, step, out)


def _ask(session: Session, step: Step, out: Any) -> dict[str, Any]:
    kind = step.input or "text"
    if kind == "choice":
        pick = _select("Answer:", list(step.choices or []))
        return _action(session, pick, out) or {"value": pick}
    if kind == "confirm":
        pick = _select("Answer:", ["Yes", "No"])
        return _action(session, pick, out) or {"value": pick == "Yes"}
    suggested = "" if step.default is None else str(step.default)
    hint = {
        "url": "https://…",
        "number": "a number: 1200, 85k, 1.2M",
        "datetime": "now, 14:05, '20m ago'",
    }
    instruction = None
    if kind in hint or suggested:
        said = [hint[kind]] if kind in hint else []
        said += [f"Enter takes “{suggested}”"] if suggested else []
        instruction = f"({'; '.join(said)}; {TEXT_HELP})"
        if kind == "multiline":
            instruction = instruction[:-1] + "; Esc then Enter to finish)"
    value = _text(
        "Answer:",
        multiline=kind == "multiline",
        instruction=instruction,
        placeholder=suggested or None,
    )
    if _is_action(value.strip()):
        return _action(session, value.strip(), out) or {}
    if kind == "number" and value.strip():
        return {"value": _read_number(session, step, value, out)}
    return {"value": value}


def _read_number(session: Session, step: Step, value: str, out: Any) -> Any:
    """The number the manager typed, read by the playbook's language; where a separator
    could go either way ("1.234" in English), asked back with both readings."""
    from crisisplay.numbers import Ambiguous, NotANumber, describe, parse_number

    lang = session.walk.resolved.playbook.language
    try:
        return parse_number(value, lang)
    except NotANumber as e:
        out.print(str(e), style="red", markup=False)
        raise _Again from None
    except Ambiguous as e:
        labels = [describe(r, lang) for r in e.readings]
        pick = _select(str(e), labels, actions=False)
        return e.readings[labels.index(pick)]


def _notify(session: Session, step: Step, out: Any) -> dict[str, Any]:
    contacts = [c for c in session.walk.resolved.client.contacts if c.role in (step.roles or [])]
    for c in contacts:
        out.print(f"  ☎ [bold]{c.name}[/] ({c.role}): {c.reach or 'no contact details'}")
    acked = "Told them — they acknowledged"
    pending = "Told them — no answer yet"
    pick = _select("Done?", [acked, pending])
    skip = _action(session, pick, out)
    if skip is not None:
        return skip
    from crisisplay.playbook.placeholders import placeholder_reach

    reach = next((c.reach for c in contacts if c.reach and not placeholder_reach(c.reach)), "")
    how = _text(
        "How did you reach them?",
        instruction="(call, WhatsApp, email …)",
        placeholder=reach or None,
    ).strip()
    at = rfc3339(_now())
    return {
        "contacted": [{"role": c.role, "name": c.name, "via": how, "at": at} for c in contacts],
        "acknowledged": pick == acked,
    }


def _lengths(text: str, platform: str) -> tuple[int, int]:
    from crisisplay.check.platforms import platform_length

    return platform_length(text, platform)


def _draft(session: Session, step: Step, out: Any) -> dict[str, Any]:
    walk = session.walk
    try:
        texts = walk.render(step, _now())
    except CrisisplayError as e:
        out.print(f"[red]{e.message}[/]")
        texts = {p: "" for p in walk.resolved.draft_platforms(step)}
    edited = {p: False for p in texts}
    overrides: list[dict[str, Any]] = []
    while True:
        errors = _show_statements(walk, step, texts, out)
        choices = ["Accept" if all(texts.values()) else "Accept (fill in the empty ones first)"]
        for p in texts:
            choices += [f"Edit {p} in $EDITOR", f"Edit {p} here"]
        pick = _select("The statement:", choices)
        skip = _action(session, pick, out)
        if skip is not None:
            return skip
        if pick == "Accept" and all(texts.values()):
            if not errors:
                break
            reason = _text(
                f"The checker found {errors} error(s). Publish anyway? Say why "
                "(recorded), or leave it empty to go back and edit:",
                instruction="",
            ).strip()
            if reason:
                overrides = [{"reason": reason}]
                break
        if pick.startswith("Edit "):
            platform = pick.split(" ")[1]
            if pick.endswith("$EDITOR"):
                new = _edit_in_editor(texts[platform])
            else:
                new = _text(
                    f"{platform}:",
                    default=texts[platform],
                    multiline=True,
                    instruction="(Esc then Enter to finish)",
                )
            if new.strip() and new.strip() != texts[platform]:
                texts[platform] = new.strip()
                edited[platform] = True
    raw: dict[str, Any] = {"texts": texts, "edited": edited, "overrides": overrides}
    if step.approve_by:
        who, via = _approver(walk, step)
        raw["approved_by"] = who
        if via:
            raw["approved_via"] = via
        raw["approved_at"] = rfc3339(_now())
    published = {}
    for platform in texts:
        url = _published_url(
            platform,
            f"Where was it published on {platform}? (link; empty if not yet)",
            "(left empty, it is asked again before this stage ends)",
        )
        if url:
            when = _ask_time(f"When did it go out on {platform}?", None)
            published[platform] = {"url": url, "at": rfc3339(when)}
    raw["published"] = published or None
    return raw


def _approver(walk: Any, step: Step) -> tuple[str, str]:
    """Who signed off, and how. The approver of the incident's previous statement (from
    the log, so a resumed walk remembers) is offered, never taken silently; contacts
    nobody filled in are never offered."""
    from crisisplay.playbook.placeholders import placeholder_name, real_names

    last = walk.last_approval(step.approve_by)
    if last and not placeholder_name(last.get("by")):
        via = str(last.get("via") or "")
        same = f"Same approver as before: {last['by']}" + (f" ({via})" if via else "")
        pick = _select(f"Signed off by ({step.approve_by})?", [same, "Someone else"], actions=False)
        if pick == same:
            return str(last["by"]), via
    names = real_names(walk.resolved.client.contacts, step.approve_by)
    who = ""
    while not who:
        who = _text(
            f"Signed off by ({step.approve_by})?",
            instruction="(their name; nothing is published without it)"
            + (f" — the playbook lists {', '.join(names)}" if names else ""),
            placeholder=names[0] if len(names) == 1 else None,
        ).strip()
    via = _text(
        f"How did {who} sign off?",
        instruction="(WhatsApp, call, email …; remembered for the next statement)",
    ).strip()
    return who, via


def _published_url(platform: str, message: str | None = None, instruction: str = "") -> str:
    """The link of the post on `platform` (empty: not yet), asked until it is one."""
    message = message or f"Where was it published on {platform}? (link; empty if not yet)"
    from rich.markup import escape

    from crisisplay.text import web_address

    while True:
        url = _text(message, instruction=instruction).strip()
        if not url:
            return ""
        try:
            return web_address(url)
        except ValueError as e:
            _console().print(f"[red]{escape(str(e))}[/]")


def _show_statements(walk: Any, step: Step, texts: dict[str, str], out: Any) -> int:
    """Each platform's text with its length against the limit and the checker's findings;
    returns how many findings are errors."""
    from rich.panel import Panel
    from rich.text import Text

    findings = walk.check_texts(step, texts)
    for platform, text in texts.items():
        count, limit = _lengths(text, platform)
        style = "red" if count > limit else "green"
        out.print(
            Panel(
                Text(text or "(empty — edit it)"),  # the statement as written, never markup
                title=platform,
                title_align="left",
                subtitle=f"[{style}]{count}/{limit}[/]",
                subtitle_align="right",
            )
        )
    # The same finding on every network's text is one finding: said once, with the
    # networks it applies to (four copies of it buried the one that differed).
    grouped: dict[tuple[str, ...], tuple[dict[str, Any], list[str]]] = {}
    for platform in texts:
        for f in findings.get(platform, []):
            key = (f["rule"], f["severity"], f["excerpt"], f["message"], f["hint"])
            grouped.setdefault(key, (f, []))[1].append(platform)
    from rich.markup import escape

    errors = 0
    for f, platforms in grouped.values():
        colour = {"error": "red", "warning": "yellow"}.get(f["severity"], "dim")
        quote = f" “{escape(f['excerpt'])}”" if f["excerpt"] else ""
        where = "" if len(texts) < 2 else f" [dim]({', '.join(platforms)})[/]"
        out.print(
            f"  [{colour}]{f['severity']}[/] {f['rule']}{quote}: {escape(f['message'])}{where}"
        )
        out.print(f"    [dim]→ {escape(f['hint'])}[/]")
        errors += f["severity"] == "error"
    return errors


def _edit_in_editor(text: str) -> str:
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.NamedTemporaryFile("w+", suffix=".txt", delete=False, encoding="utf-8") as f:
        f.write(text + "\n")
        path = f.name
    try:
        subprocess.call([*shlex.split(editor), path])
        from crisisplay.files import HAND_WRITTEN, read_text_limited

        return read_text_limited(path, HAND_WRITTEN, what="a statement").strip()
    finally:
        os.unlink(path)


__all__ = ["Interrupted", "resume_interactive", "start_interactive"]
