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
from crisisplay.frontends.prompts import update_action
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
        typing: Any = None,  # () -> context manager: around writing or editing a text
    ) -> None:
        self.now = now
        self.stamp = stamp
        self.before_step = before_step
        self.after_walk = after_walk
        self.typing = typing


def _not_typing() -> Any:
    import contextlib

    return contextlib.nullcontext()


def _typing() -> Any:
    """Around a text being written or edited (a drill's clock runs at real time there)."""
    import contextlib

    return hooks.typing() if hooks.typing is not None else contextlib.nullcontext()


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
    dry_run: bool = False,
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
    from crisisplay.workspace import contact_channels

    contact_channels(lib.home.root)  # a broken contacts.toml is said before anything is written
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
    run(session, out, outbox=outbox_for(session, out, dry_run))


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
    dry_run: bool = False,
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
    try:
        outbox = outbox_for(session, out, dry_run)
        outbox.retry()  # what failed or was still going when the walk last stopped
    except BaseException:
        session.close()
        raise
    run(session, out, outbox=outbox)


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


def outbox_for(session: Session, out: Any, dry_run: bool = False) -> Any:
    """The walk's notifications: each outcome said on screen (a failure in red)."""
    from crisisplay.incident.notify import Outbox

    def say(text: str, failed: bool = False) -> None:
        out.print(("✉ " if not failed else "✗ ") + text, style="red" if failed else "dim")

    return Outbox(session, dry_run=dry_run, say=say)


#: The notifications of the walk on screen (set by run(), for its duration only).
walk_outbox: Any = None
#: (the shift going on, hours after which a handover is suggested), set by run().
shift: tuple[Any, float] | None = None


def shift_clock(session: Session) -> tuple[Any, float] | None:
    """Who holds the pen since when, and the workspace's shift_hours (never in a drill)."""
    if session.incident.drill:
        return None
    from crisisplay.incident.log import read_events
    from crisisplay.incident.notify import home_root
    from crisisplay.incident.shifts import holder
    from crisisplay.workspace import shift_hours

    return holder(read_events(session.log.path)), shift_hours(home_root(session.folder))


def shift_hint(now: datetime) -> str | None:
    """ "On shift for 4h12m: time to hand over …" once the pen has been held shift_hours."""
    if shift is None:
        return None
    from crisisplay.incident.shifts import over

    current, hours = shift
    if not over(current, hours, now):
        return None
    return _("{who} has held this incident for {duration}: time to hand over ({command})").format(
        who=current.who,
        duration=format_duration(now - current.start),
        command=command("handover", "--to", "NAME"),
    )


def run(session: Session, out: Any, walk_hooks: Hooks | None = None, *, outbox: Any = None) -> None:
    """Walk the incident at the terminal until it ends, pauses or is interrupted.
    `outbox` sends notify steps and approval requests (none: nothing is sent)."""
    global hooks, shift, walk_outbox
    saved_hooks, hooks = hooks, walk_hooks or Hooks()
    saved_outbox, saved_shift, walk_outbox = walk_outbox, shift, outbox
    walk = session.walk
    saved_live = prompts.live
    prompts.live = lambda: live_status(session, _now())
    try:
        shift = shift_clock(session) if walk_hooks is None else None
        while (cur := walk.current()) is not None:
            if outbox is not None:
                outbox.settle()
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
            if outbox is not None:
                from crisisplay.incident.notify import step_messages

                outbox.send(step_messages(session, step, data))
        if outbox is not None:
            outbox.close()
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

        if outbox is not None:
            outbox.close()
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
            if outbox is not None:
                outbox.settle()  # no wait after Ctrl-C: what is still going stays pending
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
        walk_outbox, shift = saved_outbox, saved_shift
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
    hint = shift_hint(now)
    if hint is not None:
        t.append(f"\n   ☕ {hint}", style="bold yellow")
    t.append(f"\n   {inc.id}", style="dim")
    t.append_text(_next_update_text(walk, now))
    return t


def _next_update_text(walk: Any, now: datetime) -> Any:
    """` · next update promised by 14:30 (in 1h05m)`, late in red; before any statement
    promised one, the severity's cadence."""
    from rich.text import Text

    nxt = walk.next_update(now)
    if nxt["due"] is None:
        return Text(
            " · " + _("no update promised yet; updates every {every}").format(every=nxt["every"]),
            style="dim",
        )
    due = nxt["due"]
    if nxt["late"]:
        said = _("update promised by {at} is {duration} late — /update").format(
            at=clock(due, now=now), duration=format_duration(now - due)
        )
        return Text(" · " + said, style="bold red")
    said = _("next update promised by {at} (in {duration})").format(
        at=clock(due, now=now), duration=format_duration(due - now)
    )
    return Text(" · " + said, style="yellow")


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
    nxt = walk.next_update(now)
    promised = nxt["due"]
    if promised is None:
        every = _("no update promised yet; updates every {every}").format(every=nxt["every"])
        parts.append(("", " ✉ " + every + " "))
    else:
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
    hint = shift_hint(now)
    if hint is not None:
        parts.append(("class:toolbar.soon", f" ☕ {hint} "))
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
    if pick == update_action() or typed == "/update":
        publish_update(session, out, rest)
        raise _Again  # back to the step the manager was at
    if typed == "/hide":
        _record_hide(session, out)
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
        ("/update", _("/update")),
        ("/hide", _("/hide")),
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
    return (
        value in _actions()
        or value == update_action()
        or _typed_command(value.split(" ")[0]) is not None
    )


#: the update being written (an /update typed inside it is not a second one)
_writing_update: list[str] = []


def publish_update(session: Session, out: Any, said: str = "") -> None:
    """`/update` at any prompt: draft an update from the `update` template, check it, have
    it signed off and published, and record it like a draft step's statement; the walk
    then goes on at the step it was at. An empty text publishes nothing."""
    from rich.panel import Panel
    from rich.text import Text

    walk = session.walk
    if _writing_update:
        out.print("[yellow]" + _("An update is already being written.") + "[/]")
        return
    step = walk.update_step()
    out.print(
        Panel(
            Text(shown(step.text)),
            title=_("Statement") + f" · {step.id}",
            title_align="left",
            border_style="magenta",
        )
    )
    text = said or _text(
        _("What is new? One or two sentences, as the update will say it."),
        multiline=True,
        instruction="(" + _("Esc then Enter to finish; empty: no update") + ")",
    )
    if not text.strip() or _is_action(text.strip()):
        out.print("[dim]" + _("No update published.") + "[/]")
        return
    _writing_update.append(step.id)
    try:
        texts = walk.render_update(step, text.strip(), _now())
        raw = _draft(session, step, out, texts)
    finally:
        _writing_update.clear()
    if "skip" in raw:
        out.print("[dim]" + _("No update published.") + "[/]")
        return
    raw["update_text"] = text.strip()
    try:
        data = walk.answer_update(step, raw)
    except AnswerError as e:
        out.print(f"[red]{e.message}[/]")
        return
    session.submit(data, _at())
    promised = walk.next_update(_now())["due"]
    back = walk.current()
    out.print(
        "[green]"
        + _("Update {step} recorded.").format(step=step.id)
        + "[/] "
        + (
            _("Next update promised by {at}.").format(at=clock(promised, now=_now())) + " "
            if promised is not None
            else ""
        )
        + (_("Back to {step}.").format(step=back[1].id) if back else "")
    )


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
    hide = []
    if step.moderation and kind in ("check", "note"):
        _show_moderation(session, out)
        hide = [_("Record a post hidden or deleted")]
    if kind == "check":
        pick = _select(_("Done?"), [_("Done"), *hide])
        if hide and pick == hide[0]:
            _record_hide(session, out)
        return _action(session, pick, out) or {}
    if kind == "note":
        pick = _select(_("Read?"), [_("Read — go on"), *hide])
        if hide and pick == hide[0]:
            _record_hide(session, out)
        return _action(session, pick, out) or {}
    if kind == "decide":
        options = _offered(session, step, out)
        pick = _select(_("Choose:"), [o.label for o in options])
        return _action(session, pick, out) or _decided(session, match_option(options, pick))
    if kind == "ask":
        return _ask(session, step, out)
    if kind == "notify":
        return _notify(session, step, out)
    return _draft(session, step, out)


def _offered(session: Session, step: Step, out: Any) -> list[Any]:
    """A decision's options; the proportion decision says why its thread option is gone
    when the severity requires a public statement."""
    walk = session.walk
    options = walk.offered_options(step)
    if len(options) < len(step.options or []):
        out.print(
            "[yellow]"
            + _(
                "Severity {level}: this playbook requires a public statement from severity "
                "{public_from} up."
            ).format(level=walk.severity, public_from=walk.resolved.playbook.public_from)
            + "[/]"
        )
    return options


def _decided(session: Session, option: Any) -> dict[str, Any]:
    """The answer to a decision; choosing a reply in the thread when the post's link does
    not say which network it is on asks which one (nothing is taken for granted)."""
    from crisisplay.incident.walk import RESPONSE, network_of
    from crisisplay.playbook.model import PLATFORMS

    raw: dict[str, Any] = {"option": option.label}
    if (option.set or {}).get(RESPONSE) == "thread" and (
        network_of(session.walk.variables.get("post_url")) is None
    ):
        raw["network"] = _select(
            _("Which network did the post come from?"), list(PLATFORMS), actions=False
        )
    return raw


def _widen(walk: Any, step: Step, texts: dict[str, str], out: Any) -> str | None:
    """On the thread path: one more network for this reply, chosen by the person."""
    from crisisplay.playbook.model import PLATFORMS

    client = list(walk.resolved.client.platforms or [])
    left = [p for p in [*client, *PLATFORMS] if p not in texts]
    left = list(dict.fromkeys(left))
    if not left:
        return None
    back = _("← none: keep it where the post is")
    pick = _select(_("Also post this reply on:"), [*left, back], actions=False)
    return None if pick == back else pick


def _show_moderation(session: Session, out: Any) -> None:
    """The client's moderation lists, as agreed: what may be hidden, what never is."""
    from rich.markup import escape

    moderation = session.walk.resolved.client.moderation
    for title, items in (
        (_("May be hidden:"), moderation.may_hide),
        (_("Never hidden:"), moderation.never_hide),
    ):
        out.print(f"  [bold]{title}[/]")
        for item in items or [_("(nothing on the client's list)")]:
            out.print(f"    • {escape(item)}")
    out.print(
        "  [dim]"
        + _("Type /hide at any prompt to record a post hidden or deleted later on.")
        + "[/]"
    )


def _record_hide(session: Session, out: Any) -> None:
    """Ask what was hidden or deleted, under which rule of the client's list and why, and
    record it; then the step is asked again."""
    from rich.markup import escape

    walk = session.walk
    allowed = list(walk.resolved.client.moderation.may_hide)
    if not allowed:
        out.print("[red]" + _("The client's moderation list allows nothing to be hidden.") + "[/]")
        raise _Again
    hidden, deleted = _("Hidden"), _("Deleted")
    action = _select(_("What was done to the post?"), [hidden, deleted], actions=False)
    what = ""
    while not what:
        what = _text(_("Which post? (its link, or a short description)"), instruction="").strip()
    none = _("None of these — it stays up")
    rule = _select(_("Which rule of the client's list allows it?"), [*allowed, none], actions=False)
    if rule == none:
        out.print("[yellow]" + _("Not on the list: it stays up, and nothing is recorded.") + "[/]")
        raise _Again
    reason = ""
    while not reason:
        reason = _text(_("Why? (recorded)"), instruction="").strip()
    try:
        data = walk.moderation(
            {
                "action": "hidden" if action == hidden else "deleted",
                "what": what,
                "rule": rule,
                "reason": reason,
            }
        )
    except AnswerError as e:
        out.print(f"[red]{escape(e.message)}[/]")
        raise _Again from None
    session.moderate(data, _at())
    out.print(
        "[dim]" + escape(_("Recorded: {what} ({rule}).").format(what=what, rule=rule)) + "[/]"
    )
    raise _Again


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
    with _typing() if kind == "multiline" else _not_typing():
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


def _draft(
    session: Session, step: Step, out: Any, rendered: dict[str, str] | None = None
) -> dict[str, Any]:
    walk = session.walk
    texts = rendered if rendered is not None else _preapproved_choice(walk, step)
    if texts is None:
        try:
            texts = walk.render(step, _now())
        except CrisisplayError as e:
            out.print(f"[red]{e.message}[/]")
            texts = {p: "" for p in walk.draft_platforms(step)}
    edited = {p: False for p in texts}
    overrides: list[dict[str, Any]] = []
    widen: list[str] = []
    widen_choice = _("Widen: also post it on another network")
    if walk.thread_path():
        out.print(
            "[cyan]"
            + _("A reply in the thread on {network}, not a public statement.").format(
                network=walk.source_network()
            )
            + "[/]"
        )
    while True:
        errors = _show_statements(walk, step, texts, out)
        accept = _("Accept")
        choices = [accept if all(texts.values()) else _("Accept (fill in the empty ones first)")]
        in_editor = {_("Edit {platform} in $EDITOR").format(platform=p): p for p in texts}
        here = {_("Edit {platform} here").format(platform=p): p for p in texts}
        for a, b in zip(in_editor, here, strict=True):
            choices += [a, b]
        if walk.thread_path():
            choices.append(widen_choice)
        pick = _select(_("The statement:"), choices)
        skip = _action(session, pick, out)
        if skip is not None:
            return skip
        if pick == widen_choice:
            more = _widen(walk, step, texts, out)
            if more is not None:
                widen.append(more)
                try:
                    texts[more] = walk.render(step, _now(), widen)[more]
                except CrisisplayError as e:
                    out.print(f"[red]{e.message}[/]")
                    texts[more] = ""
                edited[more] = False
            continue
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
            with _typing():
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
    if widen:
        raw["widen"] = widen
    if walk.needs_approval(step, texts):
        if walk_outbox is not None:
            from crisisplay.incident.notify import approval_messages

            walk_outbox.send_once(approval_messages(session, step, texts))
        who, via, unreachable = _approver(walk, step, out)
        raw["approved_by"] = who
        if via:
            raw["approved_via"] = via
        raw["approved_at"] = rfc3339(_now())
        if unreachable:
            raw["unreachable"] = unreachable
    elif step.approvers():
        out.print(
            "[green]" + _("The client's pre-approved text, unedited: no sign-off needed.") + "[/]"
        )
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


def _preapproved_choice(walk: Any, step: Step) -> dict[str, str] | None:
    """For a holding statement, when the client agreed one in advance: whether to start
    from it (word for word it needs no sign-off) or from the template. None: the template."""
    agreed = walk.holding_texts(step)
    if agreed is None:
        return None
    use = _("The client's pre-approved holding text (no sign-off needed unless edited)")
    pick = _select(
        _("Start from:"),
        [use, _("A draft from the template")],
        actions=False,
    )
    return dict(agreed) if pick == use else None


def _approver(walk: Any, step: Step, out: Any) -> tuple[str, str, list[dict[str, Any]]]:
    """Who signed off, how, and who was asked first but could not be reached. The
    step's approvers are asked in their order of fallback: when one cannot be reached, the
    manager says so (and what they tried) and the next is asked."""
    unreachable: list[dict[str, Any]] = []
    while True:
        role = walk.approver_role(step, len(unreachable))
        after = walk.approver_role(step, len(unreachable) + 1)
        for c in walk.resolved.client.contacts:
            if c.role == role:
                out.print(f"  ☎ [bold]{c.name}[/] ({c.role}): {c.reach or _('no contact details')}")
        got = _ask_approver(walk, role, after)
        if got is not None:
            return got[0], got[1], unreachable
        reason = ""
        while not reason:
            reason = _text(
                _("What did you try to reach the {role}? (recorded)").format(role=role),
                instruction=_("(called twice, WhatsApp, voicemail …)"),
            ).strip()
        unreachable.append({"role": role, "reason": reason, "at": rfc3339(_now())})
        out.print(
            _("The {role} could not be reached: asking the {next}.").format(role=role, next=after)
        )


def _ask_approver(walk: Any, role: str, after: str | None) -> tuple[str, str] | None:
    """(name, how) of whoever signed off for `role`; None when they cannot be reached and
    `after` is the next to ask. The approver of the incident's previous statement (from
    the log, so a resumed walk remembers) is offered, never taken silently; contacts
    nobody filled in are never offered."""
    from crisisplay.playbook.placeholders import placeholder_name, real_names

    unreachable = (
        _("Cannot reach the {role} — ask the {next}").format(role=role, next=after)
        if after
        else None
    )
    last = walk.last_approval(role)
    if last and not placeholder_name(last.get("by")):
        via = str(last.get("via") or "")
        same = _("Same approver as before: {name}").format(name=last["by"]) + (
            f" ({via})" if via else ""
        )
        pick = _select(
            _("Signed off by ({role})?").format(role=role),
            [same, _("Someone else"), *([unreachable] if unreachable else [])],
            actions=False,
        )
        if pick == same:
            return str(last["by"]), via
        if pick == unreachable:
            return None
    names = real_names(walk.resolved.client.contacts, role)
    instruction = _("(their name; nothing is published without it)") + (
        " — " + _("the playbook lists {names}").format(names=", ".join(names)) if names else ""
    )
    if after:
        instruction += " — " + _("type /next if you cannot reach them (then the {next})").format(
            next=after
        )
    who = ""
    while not who:
        who = _text(
            _("Signed off by ({role})?").format(role=role),
            instruction=instruction,
            placeholder=names[0] if len(names) == 1 else None,
        ).strip()
        if after and who in ("/next", _("/next")):
            return None
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
