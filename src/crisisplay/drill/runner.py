"""The interactive drill: the real walk (crisisplay.frontends.interactive) on the scenario's clock.

The walk is the same code as `crisisplay start`; the drill only sets its hooks: the
clock every prompt and record uses, the scenario's events and questions between steps,
and the end (score and debrief). On a terminal a clock thread shows each event the
moment it falls due, above the prompt the trainee is sitting at; decisions wait for the
next prompt boundary so a half-typed answer is never taken away.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from typing import TYPE_CHECKING, Any

from crisisplay.drill.clock import SimClock
from crisisplay.drill.scenario import Event, Loaded, stamp
from crisisplay.drill.session import (
    SNAPSHOT,
    DrillSession,
    finish,
    open_drill,
    record_decision,
    record_event,
)
from crisisplay.errors import CrisisplayError
from crisisplay.i18n import _, speaking

if TYPE_CHECKING:
    from crisisplay.drill.state import DrillLog
    from crisisplay.incident.session import Session
    from crisisplay.playbook.library import Library
    from crisisplay.playbook.resolved import Resolved

TICK = 0.25  # real seconds between looks at the clock (at ×60 that is 15 scenario seconds)
PLATFORM_NAMES = {
    "x": "X",
    "bluesky": "Bluesky",
    "threads": "Threads",
    "instagram": "Instagram",
    "facebook": "Facebook",
    "linkedin": "LinkedIn",
    "tiktok": "TikTok",
    "youtube": "YouTube",
    "reddit": "Reddit",
    "whatsapp": "WhatsApp",
    "telegram": "Telegram",
}


def event_panel(event: Event) -> Any:
    """How a scenario event looks to the trainee, in the current language (the drill
    shows it `speaking` the scenario's)."""
    from rich.panel import Panel
    from rich.text import Text

    from crisisplay.i18n import current, ngettext
    from crisisplay.numbers import local

    kind = event.kind
    if kind in ("post", "comment", "reply"):
        who = " ".join(x for x in (event.author, event.handle) if x) or _("someone")
        where = (
            " "
            + _("on {platform}").format(platform=PLATFORM_NAMES.get(event.platform, event.platform))
            if event.platform
            else ""
        )
        reach = (
            " · "
            + ngettext("{n} follower", "{n} followers", event.followers).format(
                n=local(event.followers, current())
            )
            if event.followers is not None
            else ""
        )
        what = {"post": _("Post"), "comment": _("Comment"), "reply": _("Reply")}[kind]
        title = f"{what}{where} — {who}{reach}"
    elif kind == "message":
        title = _("Message from {who}").format(who=event.from_) if event.from_ else _("Message")
    elif kind == "email":
        title = _("Email from {who}").format(who=event.from_) if event.from_ else _("Email")
    elif kind == "call":
        title = "☎ " + (_("Call from {who}").format(who=event.from_) if event.from_ else _("Call"))
    elif kind == "news":
        title = _("News — {outlet}").format(outlet=event.outlet) if event.outlet else _("News")
    elif kind == "metric":
        value = local(event.value, current()) if event.value is not None else ""
        title = f"{event.metric}: {value}"
    elif kind == "unreachable":
        if event.until_offset is not None:
            title = _("The {role} is unreachable until {t}").format(
                role=event.role, t=stamp(event.until_offset)
            )
        else:
            title = _("The {role} is unreachable").format(role=event.role)
    else:
        title = _("Meanwhile")
    body = Text(event.text.strip() or title)
    if event.url:
        body.append(f"\n{event.url}", style="dim")
    if event.decide:
        after = _("(asked after this step)")
        body.append(f"\n⚑ {event.decide.strip()} {after}", style="bold")
    return Panel(
        body,
        title=Text(f"{stamp(event.offset)} · {title}"),
        title_align="left",
        border_style="magenta" if not event.decide else "bold magenta",
    )


class Drill:
    """The hooks the walk calls, and the clock thread."""

    def __init__(
        self,
        session: DrillSession,
        loaded: Loaded,
        clock: SimClock,
        out: Any,
        state: DrillLog | None = None,
    ) -> None:
        self.session = session
        self.loaded = loaded
        self.sc = loaded.scenario
        self.clock = clock
        self.out = out
        self.start = session.incident.first_seen
        self.shown: set[str] = set(state.shown) if state else set()
        decided = set(state.decisions) if state else set()
        self.pending = [
            e for e in self.sc.decisions() if e.id in self.shown and e.id not in decided
        ]
        self.over = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._app_session: Any = None

    # --- the world ------------------------------------------------------------------------

    def flush(self) -> None:
        """Show and record every event now due (from the clock thread or between steps)."""
        with self.session.lock:
            if self.over or self.session.log.closed:
                return
            now = self.clock.now()
            for event in self.sc.events():
                if event.id in self.shown:
                    continue
                if self.start + event.offset > now:
                    break
                with speaking(self.sc.language):  # the drill's frame: the scenario's
                    panel = event_panel(event)
                self.out.print(panel)
                record_event(self.session, event)
                self.shown.add(event.id)
                if event.decide:
                    self.pending.append(event)

    def decide(self) -> None:
        """Ask every decision whose event has come in, oldest first."""
        from crisisplay.frontends.prompts import select as _select

        while True:
            self.flush()
            if not self.pending:
                return
            event = self.pending[0]
            with speaking(self.sc.language):
                self.out.print(
                    "\n[bold magenta]⚑ "
                    + _("Decision · {event}").format(event=event.id)
                    + "[/] "
                    + _("(came in at {t}; it is now {now})").format(
                        t=stamp(event.offset), now=stamp(self.clock.elapsed())
                    )
                )
                labels = [o.label for o in event.options or []]
                pick = _select(event.decide or _("Your call:"), labels, actions=False)
            option = event.option(pick)
            if option is None:  # a label always matches itself; defensive only
                continue
            record_decision(self.session, event, option, self.clock.now())
            self.pending.pop(0)
            with speaking(self.sc.language):
                self.out.print("[dim]" + _("Decision recorded.") + "[/]")

    def unreachable_now(self, roles: list[str]) -> list[Event]:
        elapsed = self.clock.elapsed()
        return [
            e
            for e in self.sc.events()
            if e.kind == "unreachable"
            and e.role in roles
            and e.id in self.shown
            and (e.until_offset is None or elapsed < e.until_offset)
        ]

    # --- hooks ----------------------------------------------------------------------------

    def before_step(self, session: Session, out: Any) -> bool:
        from rich.markup import escape

        self.decide()
        cur = session.walk.current()
        if cur is None:
            return True
        if self.past_last_stage(cur[0].id):
            return False
        step = cur[1]
        with speaking(self.sc.language):
            if step.kind == "notify":
                for e in self.unreachable_now(list(step.roles or [])):
                    since = "⚠ " + _("The {role} has been unreachable since {t}").format(
                        role=e.role, t=stamp(e.offset)
                    )
                    text = escape(e.text.strip())
                    out.print(f"[yellow bold]{escape(since)}[/][yellow]: {text}[/]")
            clock = "⏱ " + _(
                "Scenario clock {t} (×{speed}) · {shown} of {total} events so far"
            ).format(
                t=stamp(self.clock.elapsed()),
                speed=f"{self.clock.speed:g}",
                shown=len(self.shown),
                total=len(self.sc.timeline),
            )
        out.print(f"[dim]{escape(clock)}[/]")
        return True

    def past_last_stage(self, stage_id: str) -> bool:
        last = self.sc.ends_after
        if not last:
            return False
        order: list[str] = [s.id for s in self.session.walk.resolved.playbook.stages or []]
        return order.index(stage_id) > order.index(last)

    def after_walk(self, session: Session, out: Any) -> None:
        from crisisplay.drill.score import debrief

        self.decide()  # what came in while the last step was answered
        with self.session.lock:
            self.over = True
        self.stop()
        end = self.clock.now()
        score = finish(self.session, self.loaded, end, self.clock.typed)
        out.print()
        with speaking(self.sc.language):
            out.print("■ " + _("The drill is over."), markup=False, style="bold magenta")
        for n, line in enumerate(debrief(score)):
            out.print(line, markup=False, style="bold" if n == 0 else None)
        with speaking(self.sc.language):
            post_mortem = _("Post-mortem of this drill: {command}").format(
                command=f"crisisplay report {session.incident.id}"
            )
        out.print(post_mortem, markup=False)

    # --- the clock thread -----------------------------------------------------------------

    def start_thread(self) -> None:
        from prompt_toolkit.application.current import get_app_session

        # The prompts run in this (the main) thread's session: the clock thread looks at it
        # to print only while a prompt is on screen. Between prompts the walk itself shows
        # what fell due, and nothing is printed over an $EDITOR the trainee has open.
        self._app_session = get_app_session()
        self._thread = threading.Thread(target=self._tick, name="drill-clock", daemon=True)
        self._thread.start()

    def _tick(self) -> None:
        while not self._stop.wait(TICK):
            if self._app_session.app is None:
                continue
            try:
                self.flush()
            except Exception:  # the log closed under us (pause, Ctrl-C): stop quietly
                return

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)


def _live() -> bool:
    """Events in real time only where someone watches a terminal."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def play(
    session: DrillSession, loaded: Loaded, clock: SimClock, out: Any, state: Any = None
) -> None:
    """Walk the drill to its end (or a pause): the walk's own loop with the drill's hooks."""
    from crisisplay.frontends import interactive

    drill = Drill(session, loaded, clock, out, state)
    hooks = interactive.Hooks(
        now=clock.now,
        stamp=True,
        before_step=drill.before_step,
        after_walk=drill.after_walk,
        typing=clock.typing,
    )
    live = _live()
    saved_file = getattr(out, "file", None)
    try:
        with _patched_stdout() if live else contextlib.nullcontext():
            if live:
                # The console was made before stdout was patched and holds the real
                # stream: print through the patch, so what the clock brings in lands
                # above the prompt instead of over it.
                out.file = sys.stdout
                drill.start_thread()
            interactive.run(session, out, hooks)
    finally:
        drill.stop()
        if live and saved_file is not None:
            out.file = saved_file


@contextlib.contextmanager
def _patched_stdout() -> Any:
    from prompt_toolkit.patch_stdout import patch_stdout

    with patch_stdout(raw=True):
        yield


def start_drill(
    lib: Library,
    loaded: Loaded,
    resolved: Resolved,
    *,
    speed: float,
    out: Any,
) -> None:
    """Brief the trainee, ask what the scenario does not say, then start the clock."""
    from rich.markup import escape
    from rich.panel import Panel
    from rich.text import Text

    from crisisplay.frontends.interactive import Interrupted, ask_variable
    from crisisplay.frontends.prompts import select as _select
    from crisisplay.i18n import ngettext

    sc = loaded.scenario
    pb = resolved.playbook
    with speaking(sc.language):  # the drill's frame speaks the scenario's language
        out.print(
            Panel(
                Text((sc.briefing or sc.summary or sc.title).strip()),
                title=Text(_("Drill · {title}").format(title=sc.title)),
                title_align="left",
                border_style="magenta",
            )
        )
        pace = (
            _("in real time")
            if speed == 1
            else _("×{speed} (1 real minute = {speed} scenario minutes)").format(speed=f"{speed:g}")
        )
        events = ngettext("{n} event", "{n} events", len(sc.timeline)).format(n=len(sc.timeline))
        points = sc.decision_points()
        decisions = ngettext("{n} decision point", "{n} decision points", points).format(n=points)
        out.print(
            _(
                "Playbook {playbook} {version} · scenario time runs {pace} · {events}, {decisions}"
            ).format(
                playbook=f"[bold]{escape(pb.id)}[/]",
                version=escape(pb.version),
                pace=pace,
                events=events,
                decisions=decisions,
            )
        )
        ends = (
            _(
                "The drill ends when the walk leaves the {stage} stage; events still to come "
                "then do not come."
            ).format(stage=sc.ends_after)
            if sc.ends_after
            else _("The drill ends when the walk ends.")
        )
        if speed != 1:
            ends += " " + _(
                "Writing or editing a statement runs at real time, not ×{speed}: the pace is "
                "set by reading and deciding, not by typing."
            ).format(speed=f"{speed:g}")
        out.print(escape(ends))
    try:
        variables: dict[str, Any] = {}
        for var in pb.variables:
            variables[var.name] = (
                sc.variables[var.name] if var.name in sc.variables else ask_variable(var)
            )
        with speaking(sc.language):
            _select(_("Ready?"), [_("Start the clock")], actions=False)
    except KeyboardInterrupt:
        raise Interrupted(_("Interrupted before the drill began: nothing was recorded.")) from None
    session = open_drill(
        lib,
        loaded,
        resolved,
        variables=variables,
        first_seen=None,
        speed=speed,
        mode="interactive",
    )
    with speaking(sc.language):
        started = (
            "[bold magenta]"
            + _("Drill {incident} started.").format(incident=session.incident.id)
            + "[/] "
            + _("The clock is running.")
        )
    out.print(started)
    play(session, loaded, SimClock(session.incident.first_seen, speed), out)


def resume_drill(lib: Library, session: Session, out: Any) -> None:
    """Go on with an interrupted drill: same scenario and speed, the clock where it stopped."""
    from crisisplay.drill.scenario import check_against, load_scenario
    from crisisplay.drill.score import debrief
    from crisisplay.drill.state import DrillLog
    from crisisplay.frontends.interactive import run
    from crisisplay.incident.log import read_events

    state = DrillLog.read(list(read_events(session.log.path)))
    snapshot = session.folder / SNAPSHOT
    if state.scored is not None:
        try:
            with speaking(state.scored.get("language")):
                out.print(_("This drill is over. Its score:"))
            for line in debrief(state.scored):
                out.print(line, markup=False)
        finally:
            session.close()
        print(session.incident.id)
        return
    if state.started is None or not snapshot.is_file():
        out.print(
            "[yellow]"
            + _(
                "This drill's scenario was not kept (it stopped before it began); it goes on "
                "as a plain incident, without events or a score."
            )
            + "[/]"
        )
        run(session, out)
        return
    try:
        loaded = load_scenario(snapshot, "snapshot")
        recorded = state.started.get("sha256")
        if recorded and loaded.sha256 != recorded:
            raise CrisisplayError(
                _(
                    "The drill's scenario copy {path} was changed since the drill began (its "
                    "sha256 is {found}…, the log recorded {recorded}…), so the drill was not "
                    "resumed and nothing was written."
                ).format(path=snapshot, found=loaded.sha256[:12], recorded=str(recorded)[:12]),
                _("Put the original scenario.yaml back, or start the drill again."),
            )
        check_against(loaded, session.walk.resolved)
    except CrisisplayError:
        session.close()
        raise
    speed = float(state.started.get("speed") or loaded.scenario.default_speed())
    clock = SimClock(session.incident.first_seen, speed, elapsed=state.elapsed())
    with speaking(loaded.scenario.language):
        resumed = (
            "[bold magenta]"
            + _("Drill resumed")
            + "[/] "
            + _(
                "at {t} of scenario time (the clock stood still while it was paused), ×{speed}."
            ).format(t=stamp(clock.elapsed()), speed=f"{speed:g}")
        )
    out.print(resumed)
    play(DrillSession.wrap(session), loaded, clock, out, state)
