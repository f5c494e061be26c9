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
from crisisplay.frontends.prompts import console as _console
from crisisplay.frontends.prompts import select as _select
from crisisplay.frontends.prompts import text as _text
from crisisplay.frontends.prompts import text_help as _text_help
from crisisplay.frontends.prompts import walk_actions as _actions
from crisisplay.i18n import _, ngettext
from crisisplay.incident.walk import (
    AnswerError,
    Unconfirmed,
    incident_time,
    match_option,
    now_utc,
)
from crisisplay.invocation import command, resume_hint
from crisisplay.times import clock, format_duration, rfc3339

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
                _("Which playbook?"), [f"{e.id} ({e.language})" for e in entries], actions=False
            )
            resolved = lib.load(pick.split(" ")[0])
        else:
            from crisisplay.frontends.scripted import pick_playbook

            resolved = pick_playbook(lib, None, client)
        pb = resolved.playbook
        from crisisplay import i18n

        i18n.use(pb.language)  # from here on, the walk speaks the playbook's language

        from crisisplay import times

        times.use_zone(resolved.timezone())  # typed times are read in the incident's zone
        if severity is not None and (why := resolved.severity_problem(severity)):
            raise UsageError(f"--severity {severity}: {why}")
        _heading(pb.name, f" — {pb.id} {pb.version}")
        if not client and not resolved.generic:
            client = resolved.client.name  # a client's playbook names its client: not asked
            _heading(
                _("Client: "), printable(_("{client} (from the playbook)").format(client=client))
            )
        if not client:
            client = (
                _text(_("Client:"), default="", instruction=_("(the brand this is about)")).strip()
                or None
            )
        _warn_open_incidents(lib, resolved, client)
        while not title:
            title = _text(
                _("What is happening? (a few words for the title)"), instruction=""
            ).strip()
        levels = pb.severity_levels()
        if severity is None:
            labels = [f"{s.level} · {s.name} — {s.criteria}" for s in levels]
            pick = _select(_("Severity:"), labels, actions=False)
            severity = int(pick.split(" ")[0])
        first = _ask_time(_("When was it first seen?"), first_seen)
        resolved = resolved.full()  # the playbook itself, checked (loaded while they read)
        variables = {}
        for var in resolved.playbook.variables:
            variables[var.name] = ask_variable(var)
    except KeyboardInterrupt:
        _console().print("\n" + _("Nothing was recorded: no incident was opened."))
        raise Interrupted(_("Interrupted before the incident was opened.")) from None
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
        "\n[bold green]"
        + _("Incident {id} opened.").format(id=session.incident.id)
        + "[/] "
        + _("The log is {path}").format(path=session.log.path)
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
    """A time the manager gives, read in the incident's zone. Nothing is taken that they
    did not type: an empty answer asks again (`now` is a word to type, never a default),
    and a clock time alone that lands more than an hour from now is asked back, yes or
    no with nothing selected, before anything is recorded."""
    from crisisplay import times

    while True:
        if given is not None:
            text, given = given.strip(), None
        else:
            here = times.local(_now())
            text = _text(
                message,
                instruction=_(
                    "(type now, 19:40, '20m ago' or {date} 19:40; times are {zone})"
                ).format(
                    date=f"{here:%Y-%m-%d}",
                    zone=f"{times.zone_name()}, {times.abbreviation(here)}",
                ),
            ).strip()
        if not text:
            _console().print(_("[red]Type when: a time such as 19:40, '20m ago', or now.[/]"))
            continue
        now = _now()
        try:
            t = incident_time(text, _("that time"), relative_to=now, now=now)
        except Unconfirmed as e:
            yes = _("Yes: {when}").format(when=times.day_clock(e.t, now=now))
            no = _("No: I will give the date and time")
            if _select(e.question + "?", [yes, no], actions=False) != yes:
                continue
            t = e.t
        except ValueError as e:
            from rich.markup import escape

            _console().print(f"[red]{escape(str(e))}[/]")
            continue
        if t > now:
            _console().print("[red]" + _("That is in the future.") + "[/]")
            continue
        return t


def ask_variable(var: Any) -> Any:
    if var.input == "choice" and var.choices:
        return _select(var.prompt, list(var.choices), actions=False)
    suggested = "" if var.default is None else str(var.default)
    while True:
        value = _text(
            var.prompt,
            instruction=_("(Enter takes “{value}”)").format(value=suggested) if suggested else "",
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
            incident_id = _select(_("Which incident?"), e.ids, actions=False)
        except KeyboardInterrupt:
            raise Interrupted(_("Interrupted; nothing changed.")) from None
    resumed = resume_incident(lib.home, lib, incident_id)
    session = resumed.session
    try:
        if resumed.changed is not None and resumed.current is not None:
            _playbook_changed(session, resumed, out)
        session.resumed("interactive")
    except KeyboardInterrupt:
        session.close()
        raise Interrupted(
            _("Interrupted. Resume with: {command}").format(command=resume_hint(incident_id))
        ) from None
    except BaseException:
        session.close()
        raise
    out.print(
        "[bold]"
        + _("Resuming {id}").format(id=incident_id)
        + "[/] — "
        + steps_recorded(len(session.walk.records), already=True)
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

    out.print("[yellow bold]" + _("The playbook changed since this incident began:") + "[/]")
    out.print(diff_text(resumed.changed))
    keep = _("Keep the version this incident began with")
    update = _("Switch to the playbook as it is now")
    stop = _("Stop here (nothing changes)")
    pick = _select(_("How do we go on?"), [keep, update, stop], actions=False)
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
        super().__init__(
            _("Paused. Resume with: {command}").format(command=resume_hint(incident_id))
        )


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
                    "[red bold]"
                    + _("Deadline missed:")
                    + "[/] "
                    + _("{title} was due {at}. It is recorded; keep going.").format(
                        title=d.title, at=clock(d.due_at, now=now)
                    )
                )
            out.print(status_line(session, now))
            step = cur[1]
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
                "\n[bold green]"
                + _("The protocol is complete; incident {id} is closed.").format(
                    id=session.incident.id
                )
                + "[/]"
            )
            out.print(
                _("Post-mortem: {command}").format(
                    command=command("log", "show", session.incident.id)
                ),
                markup=False,
            )
        if hooks.after_walk is not None:
            hooks.after_walk(session, out)
    except _Paused:
        from rich.markup import escape

        session.pause("paused by the manager")
        session.close()
        out.print(
            "\n[bold]"
            + _("Paused.")
            + "[/] "
            + _("Everything so far is saved. Resume with:")
            + f"\n  {escape(resume_hint(session.incident.id))}"
        )
    except (KeyboardInterrupt, EOFError):
        try:
            session.pause("interrupted (Ctrl-C)")
        finally:
            session.close()
        raise Interrupted(
            "\n"
            + _("Paused (Ctrl-C). Everything recorded is kept. Resume with:")
            + f"\n  {resume_hint(session.incident.id)}\n{session.receipt_text()}"
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
    t.append(
        " · " + _("severity {level} {name}").format(level=sev.level, name=sev.name),
        style="bold red" if sev.level == 1 else "",
    )
    if cur:
        n, total = walk.stage_number(cur[0].id)
        t.append(
            " · " + _("stage {n}/{total} {title}").format(n=n, total=total, title=cur[0].title)
        )
    t.append(
        " · "
        + _("{duration} since first seen").format(duration=format_duration(now - inc.first_seen)),
        style="dim",
    )
    d = walk.next_deadline()
    if d is not None:
        left = d.due_at - now
        if left.total_seconds() < 0:
            t.append(
                " · "
                + _("{title} OVERDUE by {duration}").format(
                    title=d.title, duration=format_duration(-left)
                ),
                style="bold red",
            )
        else:
            window = (d.due_at - inc.first_seen).total_seconds() or 1
            amber = left.total_seconds() < max(300, 0.25 * window)
            t.append(
                " · "
                + _("{title} due in {duration} ({at})").format(
                    title=d.title, duration=format_duration(left), at=clock(d.due_at, now=now)
                ),
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
            late = _("{title} OVERDUE by {duration}").format(
                title=d.title, duration=_countdown(left)
            )
            parts.append(("class:toolbar.late", f" ⏱ {late} "))
        else:
            style = "class:toolbar.soon" if left.total_seconds() < 300 else ""
            due = _("{title} due in {duration} ({at})").format(
                title=d.title, duration=_countdown(left), at=clock(d.due_at, now=now)
            )
            parts.append((style, f" ⏱ {due} "))
    promised = walk.promised_update()
    if promised is not None:
        left = promised - now
        if left.total_seconds() < 0:
            promised_ago = _("update promised {duration} ago").format(duration=_countdown(left))
            parts.append(("class:toolbar.late", f" ✉ {promised_ago} "))
        else:
            style = "class:toolbar.soon" if left.total_seconds() < 300 else ""
            when = f"{_countdown(left)} ({clock(promised, now=now)})"
            parts.append((style, " ✉ " + _("next update due in {when}").format(when=when) + " "))
    pending = walk.unpublished()
    if pending:
        nets = ", ".join(f"{p} ({s})" for s, p in pending)
        parts.append(
            (
                "class:toolbar.soon",
                " ⚠ " + _("not yet published: {networks}").format(networks=nets) + " ",
            )
        )
    if not parts:
        parts.append(("", f" {session.incident.id} "))
    return FormattedText(parts)


def _settle_publications(session: Session, stage_id: str, out: Any) -> None:
    """Ask again about every network of this stage's drafts left "not yet" published:
    a link (and when) records it published, otherwise a reason records it not published.
    Each answer is a `publication` event: step, stage, platform, state, url/at or reason."""
    for step_id, platform in session.walk.unpublished(stage_id):
        out.print(
            "[yellow bold]"
            + _("The {step} statement is not yet published on {platform}.").format(
                step=step_id, platform=platform
            )
            + "[/]"
        )
        url = _published_url(
            platform,
            _("Is it out on {platform} now? (link; empty if it will not be published)").format(
                platform=platform
            ),
        )
        data: dict[str, Any] = {"step": step_id, "stage": stage_id, "platform": platform}
        if url:
            when = _ask_time(_("When did it go out on {platform}?").format(platform=platform), None)
            data.update(state="published", url=url, at=rfc3339(when))
        else:
            reason = ""
            while not reason:
                reason = _text(
                    _("Why is it not published on {platform}? (recorded)").format(
                        platform=platform
                    ),
                    instruction="",
                ).strip()
            data.update(state="not_published", reason=reason)
        session.record("publication", data, _at())


def where(session: Session, out: Any) -> None:
    walk = session.walk
    done_path = set(walk.path())
    cur = walk.current()
    deadlines = {d.stage: d for d in walk.deadlines()}
    now = _now()
    for stage in walk.resolved.playbook.stages or []:
        d = deadlines.get(stage.id)
        due = " " + _("(due {at})").format(at=clock(d.due_at, now=now)) if d else ""
        mark = (
            "✓" if stage.id in walk.stage_done else ("▶" if cur and cur[0].id == stage.id else " ")
        )
        out.print(f" {mark} [bold]{stage.title}[/]{due}")
        if cur and cur[0].id == stage.id:
            for step in stage.steps:
                m = "✓" if step.id in done_path else ("▶" if step.id == cur[1].id else "·")
                out.print(f"     {m} {step.id}: {shown(step.text)[:70]}", markup=False)
    out.print(" " + steps_recorded(len(walk.records)))


def _action(session: Session, pick: str, out: Any) -> dict[str, Any] | None:
    """Handle a menu action; return a skip answer, or raise to ask again / pause."""
    note, skip, where_am_i, pause = _actions()
    word = pick.split(" ")[0]
    typed = _typed_command(word)
    rest = pick[len(word) :].strip() if typed else ""
    if pick == note or typed == "/note":
        text = rest or _text(_("Note:"), instruction=_("(recorded in the log with the time)"))
        if text.strip():
            session.note(text.strip(), _at())
            out.print("[dim]" + _("Note recorded.") + "[/]")
        raise _Again
    if pick == where_am_i or typed == "/where":
        where(session, out)
        raise _Again
    if pick == pause or typed == "/pause":
        raise _Paused
    if pick == skip or typed == "/skip":
        reason = rest
        while not reason:
            reason = _text(_("Why skip it? (recorded)"), instruction="").strip()
        return {"skip": reason}
    return None


def _typed_command(word: str) -> str | None:
    """`/note`, `/skip`, `/where`, `/pause` for the command typed, in English or in the
    playbook's language (/nota, /omitir, /donde, /pausa); None for anything else."""
    for name, said in (
        ("/note", _("/note")),
        ("/skip", _("/skip")),
        ("/where", _("/where")),
        ("/pause", _("/pause")),
    ):
        if word in (name, said):
            return name
    return None


# "(R8)", "(R1, R4)", "(R5 and R2)": the rule numbers of the protocol's sources, for
# whoever maintains a playbook, not for the manager in the middle of a crisis.
_RULE_REFS = re.compile(r"\s*\(R\d+(?:(?:,\s*|\s+and\s+|\s*;\s*)R\d+)*\)|;\s*R\d+(?=\))")


def shown(text: str) -> str:
    """A playbook text as the manager reads it: without rule numbers."""
    return _RULE_REFS.sub("", text.strip())


def steps_recorded(n: int, *, already: bool = False) -> str:
    """ "3 steps recorded." (or "… already recorded.")"""
    if already:
        return ngettext("{n} step already recorded.", "{n} steps already recorded.", n).format(n=n)
    return ngettext("{n} step recorded.", "{n} steps recorded.", n).format(n=n)


def _is_action(value: str) -> bool:
    return value in _actions() or _typed_command(value.split(" ")[0]) is not None


def ask_step(session: Session, step: Step, out: Any) -> dict[str, Any]:
    from rich.panel import Panel
    from rich.text import Text

    kind = step.kind
    title = {
        "check": _("To do"),
        "ask": _("Question"),
        "decide": _("Decision"),
        "draft": _("Statement"),
        "notify": _("Tell"),
        "note": _("Read this"),
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
        pick = _select(_("Done?"), [_("Done")])
        return _action(session, pick, out) or {}
    if kind == "note":
        pick = _select(_("Read?"), [_("Read — go on")])
        return _action(session, pick, out) or {}
    if kind == "decide":
        labels = [o.label for o in step.options or []]
        pick = _select(_("Choose:"), labels)
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
        pick = _select(_("Answer:"), list(step.choices or []))
        return _action(session, pick, out) or {"value": pick}
    if kind == "confirm":
        yes = _("Yes")
        pick = _select(_("Answer:"), [yes, _("No")])
        return _action(session, pick, out) or {"value": pick == yes}
    suggested = "" if step.default is None else str(step.default)
    hint = {
        "url": "https://…",
        "number": _("a number: 1200, 85k, 1.2M"),
        "datetime": _("now, 14:05, '20m ago'"),
    }
    instruction = None
    if kind in hint or suggested:
        said = [hint[kind]] if kind in hint else []
        said += [_("Enter takes “{value}”").format(value=suggested)] if suggested else []
        instruction = f"({'; '.join(said)}; {_text_help()})"
        if kind == "multiline":
            instruction = instruction[:-1] + "; " + _("Esc then Enter to finish") + ")"
    value = _text(
        _("Answer:"),
        multiline=kind == "multiline",
        instruction=instruction,
        placeholder=suggested or None,
    )
    if _is_action(value.strip()):
        return _action(session, value.strip(), out) or {}
    if kind == "number" and value.strip():
        return {"value": _read_number(session, step, value, out)}
    if kind == "datetime" and value.strip():
        return {"value": _read_datetime(value.strip())}
    return {"value": value}


def _read_datetime(value: str) -> str:
    """A time typed for a datetime question: a clock time alone that lands more than an
    hour from now is asked back (yes/no, nothing selected) and recorded with its date."""
    from crisisplay import times

    now = _now()
    try:
        t = times.read_time(value, relative_to=now)
    except ValueError:
        return value  # the walk says what is wrong with it
    question = times.far_from_now(value, t, now)
    if question is None:
        return rfc3339(t) if times.is_clock(value) else value
    yes = _("Yes: {when}").format(when=times.day_clock(t, now=now))
    no = _("No: I will give the date and time")
    if _select(question + "?", [yes, no], actions=False) != yes:
        raise _Again
    return rfc3339(t)


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
        reach = c.reach or _("no contact details")
        out.print(f"  ☎ [bold]{c.name}[/] ({c.role}): {reach}")
    acked = _("Told them — they acknowledged")
    pending = _("Told them — no answer yet")
    pick = _select(_("Done?"), [acked, pending])
    skip = _action(session, pick, out)
    if skip is not None:
        return skip
    from crisisplay.playbook.placeholders import placeholder_reach

    reach = next((c.reach for c in contacts if c.reach and not placeholder_reach(c.reach)), "")
    how = _text(
        _("How did you reach them?"),
        instruction=_("(call, WhatsApp, email …)"),
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
        accept = _("Accept")
        choices = [accept if all(texts.values()) else _("Accept (fill in the empty ones first)")]
        in_editor = {_("Edit {platform} in $EDITOR").format(platform=p): p for p in texts}
        here = {_("Edit {platform} here").format(platform=p): p for p in texts}
        for a, b in zip(in_editor, here, strict=True):
            choices += [a, b]
        pick = _select(_("The statement:"), choices)
        skip = _action(session, pick, out)
        if skip is not None:
            return skip
        if pick == accept and all(texts.values()):
            if not errors:
                break
            reason = _text(
                ngettext(
                    "The checker found {n} error. Publish anyway? Say why (recorded), "
                    "or leave it empty to go back and edit:",
                    "The checker found {n} errors. Publish anyway? Say why (recorded), "
                    "or leave it empty to go back and edit:",
                    errors,
                ).format(n=errors),
                instruction="",
            ).strip()
            if reason:
                overrides = [{"reason": reason}]
                break
        if pick in in_editor or pick in here:
            platform = in_editor.get(pick) or here[pick]
            if pick in in_editor:
                new = _edit_in_editor(texts[platform])
            else:
                new = _text(
                    f"{platform}:",
                    default=texts[platform],
                    multiline=True,
                    instruction="(" + _("Esc then Enter to finish") + ")",
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
            None,
            _("(left empty, it is asked again before this stage ends)"),
        )
        if url:
            when = _ask_time(_("When did it go out on {platform}?").format(platform=platform), None)
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
        same = _("Same approver as before: {name}").format(name=last["by"]) + (
            f" ({via})" if via else ""
        )
        pick = _select(
            _("Signed off by ({role})?").format(role=step.approve_by),
            [same, _("Someone else")],
            actions=False,
        )
        if pick == same:
            return str(last["by"]), via
    names = real_names(walk.resolved.client.contacts, step.approve_by)
    who = ""
    while not who:
        who = _text(
            _("Signed off by ({role})?").format(role=step.approve_by),
            instruction=_("(their name; nothing is published without it)")
            + (
                " — " + _("the playbook lists {names}").format(names=", ".join(names))
                if names
                else ""
            ),
            placeholder=names[0] if len(names) == 1 else None,
        ).strip()
    via = _text(
        _("How did {name} sign off?").format(name=who),
        instruction=_("(WhatsApp, call, email …; remembered for the next statement)"),
    ).strip()
    return who, via


def _published_url(platform: str, message: str | None = None, instruction: str = "") -> str:
    """The link of the post on `platform` (empty: not yet), asked until it is one."""
    message = message or _("Where was it published on {platform}? (link; empty if not yet)").format(
        platform=platform
    )
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

    from crisisplay.check.platforms import media_note

    findings = walk.check_texts(step, texts)
    for platform, text in texts.items():
        count, limit = _lengths(text, platform)
        style = "red" if count > limit else "green"
        note = media_note(platform)  # TikTok, Instagram: a caption, not a post of its own
        if note:
            out.print(Text(note, style="bold yellow"))
        out.print(
            Panel(
                Text(text or _("(empty — edit it)")),  # the statement as written, never markup
                title=platform if not note else _("{platform}: caption").format(platform=platform),
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
        severity = {"error": _("error"), "warning": _("warning"), "info": _("info")}.get(
            f["severity"], f["severity"]
        )
        out.print(f"  [{colour}]{severity}[/] {f['rule']}{quote}: {escape(f['message'])}{where}")
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
