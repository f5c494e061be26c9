"""Notifications that go out: a notify step's message, an approval request, a handover
brief, sent through Apprise to each contact's channels, every attempt recorded.

Where they go is never in a playbook: the home's ``contacts.toml`` or the environment
(``CRISISPLAY_NOTIFY_<KEY>``) give Apprise URLs per contact role or name
(:func:`crisisplay.workspace.contact_channels`). A playbook contact is reached through the
URLs kept under its name and under its role.

Each attempt is a ``notification`` event: purpose, step, stage, to {name, role}, channel
(the URL's scheme only: a URL can hold a token), n (which of the contact's URLs), title,
body, status ``sent`` / ``failed`` (with the error) / ``pending`` (still going when the
walk went on), attempt. The step itself is recorded before anything is sent, so a send
that fails or hangs loses nothing; a send holds the walk at most :data:`SEND_WAIT`
seconds (it runs in a thread), and what is failed or pending when the walk is taken up
again is sent again (:meth:`Outbox.retry`). A drill never sends.

May import the shared modules and the rest of ``incident``.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crisisplay.i18n import _, ngettext

if TYPE_CHECKING:
    from crisisplay.incident.session import Session
    from crisisplay.playbook.model import Step

#: Seconds a batch of sends may hold the walk before it goes on (the rest is "pending").
SEND_WAIT = 5.0
EVENT = "notification"
# "(R8)", "(R1, R4)": the protocol's rule numbers are for whoever maintains a playbook, not
# for the person told (the same as the terminal shows a step: frontends/interactive.shown).
_RULE_REFS = re.compile(r"\s*\(R\d+(?:(?:,\s*|\s+and\s+|\s*;\s*)R\d+)*\)|;\s*R\d+(?=\))")


@dataclass
class Outgoing:
    """One message to one channel of one contact."""

    purpose: str  # "notify", "approval" or "handover"
    step: str | None
    stage: str | None
    name: str | None
    role: str | None
    n: int  # which of the contact's URLs
    url: str = field(repr=False)  # never recorded: it may hold a token
    title: str = ""
    body: str = ""
    attempt: int = 1

    @property
    def channel(self) -> str:
        scheme, sep, _rest = self.url.partition("://")
        return scheme.lower() if sep else "?"

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.purpose, self.step, self.name, self.role, self.n)

    @property
    def who(self) -> str:
        if self.name and self.role:
            return f"{self.name} ({self.role})"
        return str(self.name or self.role)

    def data(self, status: str, error: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "purpose": self.purpose,
            "step": self.step,
            "stage": self.stage,
            "to": {"name": self.name, "role": self.role},
            "channel": self.channel,
            "n": self.n,
            "title": self.title,
            "body": self.body,
            "status": status,
            "attempt": self.attempt,
        }
        if error is not None:
            out["error"] = error
        return out


def channels_for(table: dict[str, list[str]], name: str | None, role: str | None) -> list[str]:
    """The URLs for a contact: those kept under its name, then under its role (each key
    as written, or as its CRISISPLAY_NOTIFY_ form), without repeats."""
    from crisisplay.workspace import env_key

    urls: list[str] = []
    for key in (name, role):
        if not key:
            continue
        for k in dict.fromkeys((key.casefold(), env_key(key).casefold())):
            urls += [u for u in table.get(k, []) if u not in urls]
    return urls


def addressed(
    table: dict[str, list[str]],
    contacts: list[Any],
    roles: list[str],
    *,
    purpose: str,
    step: str | None,
    stage: str | None,
    title: str,
    body: str,
) -> list[Outgoing]:
    """One Outgoing per URL of each contact with one of `roles` (a role no contact has is
    reached through the URLs kept under the role itself)."""
    out: list[Outgoing] = []
    for role in roles:
        people = [c for c in contacts if c.role == role] or [None]
        for c in people:
            name = c.name if c is not None else None
            for n, url in enumerate(channels_for(table, name, role)):
                out.append(Outgoing(purpose, step, stage, name, role, n, url, title, body))
    return out


def _incident_lines(session: Session) -> list[str]:
    inc = session.incident
    sev = session.walk.severity_level()
    return [
        _("Incident: {title} ({id})").format(title=inc.title, id=inc.id),
        _("Client: {client} · severity {level} {name}").format(
            client=inc.client_name, level=sev.level, name=sev.name
        ),
    ]


def step_messages(session: Session, step: Step, data: dict[str, Any]) -> list[Outgoing]:
    """What a notify step sends, once it is recorded (a skipped one sends nothing)."""
    if step.kind != "notify" or data.get("status") == "skipped":
        return []
    table = _table(session)
    title = _("[crisis] {title}: {step}").format(title=session.incident.title, step=step.id)
    body = "\n".join([_RULE_REFS.sub("", step.text.strip()), "", *_incident_lines(session)])
    return addressed(
        table,
        list(session.walk.resolved.client.contacts),
        list(step.roles or []),
        purpose="notify",
        step=step.id,
        stage=data.get("stage"),
        title=title,
        body=body,
    )


def approval_messages(session: Session, step: Step, texts: dict[str, str]) -> list[Outgoing]:
    """An approval request: the statement as drafted, to the role that signs it off."""
    if not step.approve_by:
        return []
    roles = step.approve_by if isinstance(step.approve_by, list) else [step.approve_by]
    title = _("[crisis] {title}: sign-off needed for {step}").format(
        title=session.incident.title, step=step.id
    )
    parts = [_("Please approve this statement before it is published:"), ""]
    for platform, text in texts.items():
        parts += [f"— {platform} —", text, ""]
    body = "\n".join([*parts, *_incident_lines(session)])
    stage = session.walk.stage_of(step.id)
    return addressed(
        _table(session),
        list(session.walk.resolved.client.contacts),
        [str(r) for r in roles[:1]],  # the first role asked; fallbacks are asked by hand
        purpose="approval",
        step=step.id,
        stage=stage,
        title=title,
        body=body,
    )


def handover_messages(session: Session, to: str, text: str) -> list[Outgoing]:
    """The brief, to the person the incident is handed to (if they have a channel under
    their name)."""
    title = _("[crisis] {title}: handed over to you").format(title=session.incident.title)
    return [
        Outgoing("handover", None, None, to, None, n, url, title, text)
        for n, url in enumerate(channels_for(_table(session), to, None))
    ]


def _table(session: Session) -> dict[str, list[str]]:
    from crisisplay.workspace import contact_channels

    return contact_channels(home_root(session.folder))


def home_root(folder: Path) -> Path:
    """The home an incident folder lives in (<home>/incidents/<id>)."""
    return folder.parent.parent


# --- sending -----------------------------------------------------------------------------


class _Capture(logging.Handler):
    """Apprise says why a send failed only in its log: keep what this thread logs."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.lines.append(record.getMessage())


def load_apprise() -> Any:
    """Apprise, imported only when something is sent (it loads ~100 plugins). Its own
    deprecation warnings (imghdr, …) are not the person's concern."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import apprise

        # Its mail plugin imports imghdr when it sends (from a thread, where a warning
        # filter cannot be set safely): imported now, quietly, it is not imported again.
        with contextlib.suppress(ImportError):
            import imghdr  # noqa: F401

    return apprise


def deliver(url: str, title: str, body: str) -> str | None:
    """Send one message to one Apprise URL: None when it went, else why not."""
    apprise = load_apprise()
    box = apprise.Apprise()
    if not box.add(url):
        scheme = url.partition("://")[0] or url[:10]
        return _("not an address Apprise can send to ({scheme}://…)").format(scheme=scheme)
    capture = _Capture()
    logger = logging.getLogger("apprise")
    logger.addHandler(capture)
    try:
        ok = bool(box.notify(title=title, body=body))
    except Exception as e:  # a plugin's own bug must not end the walk
        return f"{type(e).__name__}: {e}"
    finally:
        logger.removeHandler(capture)
    if ok:
        return None
    return "; ".join(dict.fromkeys(capture.lines)) or _("the channel refused it")


class _Send:
    def __init__(self, item: Outgoing) -> None:
        self.item = item
        self.error: str | None = None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="crisisplay-notify")

    def _run(self) -> None:
        try:
            self.error = deliver(self.item.url, self.item.title, self.item.body)
        except BaseException as e:  # recorded as failed, never lost
            self.error = f"{type(e).__name__}: {e}"
        finally:
            self.done.set()


class Outbox:
    """Sends a session's notifications and records each attempt through the session.

    Events are only written from the caller's thread: a send still going after the wait
    is recorded "pending", and its outcome when :meth:`settle` next runs (before each step,
    and when the walk ends). `say` gets one line per outcome, for the screen.
    """

    def __init__(
        self,
        session: Session,
        *,
        dry_run: bool = False,
        wait: float | None = None,
        say: Any = None,
    ) -> None:
        self.session = session
        self.dry_run = dry_run
        self.wait = SEND_WAIT if wait is None else wait
        self.say = say or (lambda text, failed=False: None)
        self.inflight: list[_Send] = []
        self.off = bool(session.incident.drill)  # a drill never tells anyone for real
        self.asked: set[tuple[Any, ...]] = set()
        if not self.off:
            _table(session)  # a contacts.toml that cannot be read is said now, not mid-walk

    def send_once(self, items: list[Outgoing]) -> None:
        """Send what has not been sent in this session with the same text (an approval
        request is not sent again because the statement was shown again)."""
        fresh = [i for i in items if (*i.key, i.body) not in self.asked]
        self.asked.update((*i.key, i.body) for i in fresh)
        self.send(fresh)

    def send(self, items: list[Outgoing]) -> None:
        if self.off or not items:
            return
        if self.dry_run:
            for item in items:
                self.say(
                    _("Would send to {who} via {channel}: {title}").format(
                        who=item.who, channel=item.channel, title=item.title
                    )
                )
            return
        load_apprise()  # here, not in the threads: one import, its warnings kept quiet
        sends = [_Send(item) for item in items]
        for s in sends:
            s.thread.start()
        deadline = time.monotonic() + self.wait
        for s in sends:
            s.done.wait(max(0.0, deadline - time.monotonic()))
        for s in sends:
            if s.done.is_set():
                self._record(s)
            else:
                self.session.record(EVENT, s.item.data("pending"))
                self.say(
                    _("Still sending to {who} via {channel}; the walk goes on.").format(
                        who=s.item.who, channel=s.item.channel
                    )
                )
                self.inflight.append(s)

    def settle(self, wait: float = 0.0) -> None:
        """Record the outcome of sends that were still going (waiting up to `wait`)."""
        deadline = time.monotonic() + wait
        still = []
        for s in self.inflight:
            s.done.wait(max(0.0, deadline - time.monotonic()))
            if s.done.is_set():
                self._record(s)
            else:
                still.append(s)
        self.inflight = still

    def _record(self, s: _Send) -> None:
        item = s.item
        if s.error is None:
            self.session.record(EVENT, item.data("sent"))
            self.say(_("Sent to {who} via {channel}.").format(who=item.who, channel=item.channel))
        else:
            self.session.record(EVENT, item.data("failed", s.error))
            self.say(
                _("NOT sent to {who} via {channel}: {error}. It is sent again on resume.").format(
                    who=item.who, channel=item.channel, error=s.error
                ),
                failed=True,
            )

    def retry(self) -> None:
        """Send again what the log says failed or is still pending, to the channels the
        contact has now (a channel that is gone is recorded failed again, and said)."""
        if self.off:
            return
        from crisisplay.incident.log import read_events

        last: dict[tuple[Any, ...], dict[str, Any]] = {}
        for event in read_events(self.session.log.path):
            if event.get("type") != EVENT:
                continue
            d = event.get("data") or {}
            to = d.get("to") or {}
            key = (d.get("purpose"), d.get("step"), to.get("name"), to.get("role"), d.get("n"))
            last[key] = d
        table = _table(self.session)
        again: list[Outgoing] = []
        for key, d in last.items():
            if d.get("status") not in ("failed", "pending"):
                continue
            purpose, step, name, role, n = key
            urls = channels_for(table, name, role)
            attempt = int(d.get("attempt") or 1) + 1
            item = Outgoing(
                str(purpose),
                step,
                d.get("stage"),
                name,
                role,
                int(n or 0),
                urls[n] if isinstance(n, int) and 0 <= n < len(urls) else "",
                str(d.get("title") or ""),
                str(d.get("body") or ""),
                attempt,
            )
            if not item.url:
                if not self.dry_run:
                    error = _("no channel for this contact any more (contacts.toml)")
                    self.session.record(EVENT, {**item.data("failed", error), "channel": None})
                    self.say(
                        _("NOT sent to {who}: {error}.").format(who=item.who, error=error),
                        failed=True,
                    )
                continue
            again.append(item)
        if again:
            self.say(
                ngettext(
                    "Sending again {n} notification not sent before.",
                    "Sending again {n} notifications not sent before.",
                    len(again),
                ).format(n=len(again))
            )
            self.send(again)

    def close(self) -> None:
        """At the end of the walk: what is still going gets a last short wait."""
        if self.inflight:
            self.settle(self.wait)
