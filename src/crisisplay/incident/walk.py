"""The walk: where an incident stands in its playbook, and what each answer records.

No terminal here. The state is rebuilt by replaying the incident log, so a crash, a
Ctrl-C or another machine resumes at exactly the first step not yet recorded. Front
ends (interactive, scripted) ask; the engine checks answers and turns them into events.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from crisisplay import times
from crisisplay.errors import CrisisplayError
from crisisplay.i18n import _, ngettext
from crisisplay.incident.events import Event, from_dict
from crisisplay.times import format_duration, parse_duration, rfc3339

if TYPE_CHECKING:
    from crisisplay.playbook.model import Stage, Step
    from crisisplay.playbook.resolved import Resolved

END = "end"
RESPONSE = "response"  # the variable the proportion decision sets: thread or public
UPDATE = "update"  # the `action` of a step event recording an update published with /update
_UNSET = object()
#: What a moderation event records was done to a post.
MODERATION_ACTIONS = ("hidden", "deleted")


class AnswerError(CrisisplayError):
    """An answer a step cannot take; the message names the step and what it wants."""


def now_utc() -> datetime:
    return datetime.now(UTC)


def parse_time(value: Any, *, relative_to: datetime | None = None) -> datetime:
    """RFC 3339, `2026-12-04 19:40` or `19:40` (in the current zone, `times.use_zone`; a
    clock time is today's, never moved to another day), `15m ago`, or `now`, also in the
    interface's languages (`times.read_time`)."""
    return times.read_time(value, relative_to=relative_to)


def network_states(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each network of a draft's record: published (url, at), not published with a reason,
    or pending ("not yet": asked again before the stage ends). Older logs have no
    `networks`; their networks are read from `published`."""
    if isinstance(data.get("networks"), dict):
        return {p: dict(s) for p, s in data["networks"].items()}
    published = data.get("published") or {}
    reasons = data.get("unpublished") or {}
    out: dict[str, dict[str, Any]] = {}
    for platform in data.get("texts") or {}:
        if platform in published:
            out[platform] = {"state": "published", **published[platform]}
        elif str(reasons.get(platform) or "").strip():
            out[platform] = {"state": "not_published", "reason": str(reasons[platform]).strip()}
        else:
            out[platform] = {"state": "pending"}
    return out


# What a time someone gives for an incident may be. A crisis first seen more than five
# years ago is a typo (a wrong year), and a time in the future has not happened: both
# would record a wrong story, and a date such as 9999-12-31 breaks every deadline added
# to it (the incident could never be resumed or reported). A few minutes ahead are
# allowed: the clocks of two machines differ.
MAX_PAST = timedelta(days=5 * 366)
MAX_AHEAD = timedelta(minutes=5)


class Unconfirmed(ValueError):
    """A clock time alone (`17:00`) that lands more than an hour from now: today's, though a
    person may have meant another day. A terminal asks; a scripted run is refused, saying
    what it would mean and how to give it without the guess (a date and time, or '… ago')."""

    def __init__(self, message: str, t: datetime, question: str) -> None:
        super().__init__(message)
        self.t = t
        self.question = question


def incident_time(
    value: Any,
    what: str,
    *,
    relative_to: datetime | None = None,
    now: datetime | None = None,
    confirmed: bool = False,
) -> datetime:
    """`parse_time` for a time the user gives (first seen, opened at, when a step
    happened), refused with a clear ValueError if it is far in the past or in the future;
    a clock time alone more than an hour from now raises `Unconfirmed` unless `confirmed`."""
    now = now or now_utc()
    base = relative_to or now
    try:
        t = parse_time(value, relative_to=base)
    except ValueError as e:
        raise ValueError(f"{what}: {e}") from None
    shown = str(value).strip() if not isinstance(value, datetime) else rfc3339(t)
    if t > now + MAX_AHEAD:
        if times.is_clock(value):
            raise ValueError(
                _(
                    "{what} '{shown}' would be {when}, in the future (now is {now}); for "
                    "another day, give it as {forms}"
                ).format(
                    what=what,
                    shown=shown,
                    when=times.day_clock(t, now=base),
                    now=times.clock(now, now=base),
                    forms=times.explicit_forms(t, base),
                )
            )
        raise ValueError(
            _(
                "{what} '{shown}' is in the future (now is {now}): give the time it really happened"
            ).format(what=what, shown=shown, now=times.clock(now, now=base))
        )
    if t < now - MAX_PAST:
        raise ValueError(
            _(
                "{what} '{shown}' is more than {years} years ago: check the year (an incident "
                "is recorded while it is handled, or backfilled soon after)"
            ).format(what=what, shown=shown, years=MAX_PAST.days // 366)
        )
    question = None if confirmed else times.far_from_now(value, t, base)
    if question is not None:
        raise Unconfirmed(
            _(
                "{what}: {question}. Nothing is recorded on a guess: to mean it, give the date "
                "and time ({forms})"
            ).format(what=what, question=question, forms=times.explicit_forms(t, base)),
            t,
            question,
        )
    return t


def clock(t: datetime, *, now: datetime | None = None, lang: str | None = None) -> str:
    """A time as a statement or the screen shows it: local, with the zone's abbreviation
    and the day when it is not today (as of `now`): `times.clock`."""
    return times.clock(t, now=now, lang=lang)


#: Where a post's link says it came from (host, without www. or m.).
NETWORK_HOSTS = {
    "x.com": "x",
    "twitter.com": "x",
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "instagram.com": "instagram",
    "bsky.app": "bluesky",
    "threads.net": "threads",
    "threads.com": "threads",
    "linkedin.com": "linkedin",
    "tiktok.com": "tiktok",
}


def network_of(url: Any) -> str | None:
    """The network a post's link is on (`https://x.com/…` → x); None if it is not one."""
    from urllib.parse import urlsplit

    try:
        host = (urlsplit(str(url or "")).hostname or "").lower()
    except ValueError:
        return None
    for prefix in ("www.", "m.", "mobile."):
        host = host.removeprefix(prefix)
    return NETWORK_HOSTS.get(host)


def match_option(options: list[Any], given: str) -> Any:
    """An option by its label, case-insensitively, or by the words before its ' — '."""
    wanted = given.strip().casefold()
    for key in (lambda o: o.label.casefold(), lambda o: o.label.split(" — ")[0].strip().casefold()):
        found = [o for o in options if key(o) == wanted]
        if len(found) == 1:
            return found[0]
    starts = [o for o in options if wanted and o.label.casefold().startswith(wanted)]
    return starts[0] if len(starts) == 1 else None


@dataclass(frozen=True)
class Incident:
    """What `incident.opened` records."""

    id: str
    title: str
    severity: int
    client_name: str
    client_slug: str
    first_seen: datetime
    opened_at: datetime
    playbook: dict[str, Any]
    drill: bool = False

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> Incident:
        d = event["data"]
        return cls(
            id=d["incident"],
            title=d["title"],
            severity=int(d["severity"]),
            client_name=d["client"]["name"],
            client_slug=d["client"]["slug"],
            first_seen=parse_time(d["first_seen"]),
            opened_at=parse_time(event.get("at") or event["ts"]),
            playbook=d["playbook"],
            drill=bool(d.get("drill", False)),
        )


@dataclass
class Deadline:
    stage: str
    title: str
    due_at: datetime
    done_at: datetime | None = None

    def missed_by(self, at: datetime) -> timedelta | None:
        end = self.done_at or at
        return end - self.due_at if end > self.due_at else None


@dataclass
class Walk:
    """The state of one incident's walk, rebuilt from its events."""

    resolved: Resolved
    incident: Incident
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # step id -> data
    variables: dict[str, Any] = field(default_factory=dict)
    severity: int = 0
    stage_done: dict[str, datetime] = field(default_factory=dict)
    missed: set[str] = field(default_factory=set)
    published: list[str] = field(default_factory=list)  # texts already out, for the checker
    closed: bool = False
    last_at: datetime | None = None
    last_step_at: datetime | None = None  # when the last step happened (its `at`, else `ts`)
    has_variables: bool = False  # a `variables` event was recorded
    # Each draft's networks: step id -> platform -> {"state": "published", "url", "at"} |
    # {"state": "pending"} (not yet: asked again before its stage ends) |
    # {"state": "not_published", "reason"}. From the draft's `networks`, then `publication`.
    networks: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.steps: list[tuple[Stage, Step]] = self.resolved.playbook.steps()
        self.index = {step.id: n for n, (_, step) in enumerate(self.steps)}
        self.stage_first: dict[str, int] = {}
        for n, (stage, _step) in enumerate(self.steps):
            self.stage_first.setdefault(stage.id, n)
        self.severity = self.severity or self.incident.severity
        # When each draft's texts were last rendered: the statement's "next update by"
        # is promised from that moment, so the promise recorded matches the text.
        self.rendered_at: dict[str, datetime] = {}

    def shadow(self) -> Walk:
        """A copy to plan on: applying events to it leaves this walk as it was."""
        return replace(
            self,
            records=dict(self.records),
            variables=dict(self.variables),
            stage_done=dict(self.stage_done),
            missed=set(self.missed),
            published=list(self.published),
            networks={k: dict(v) for k, v in self.networks.items()},
        )

    # --- replay ---------------------------------------------------------------------------

    def apply(self, event: Event | dict[str, Any]) -> None:
        """Take one recorded event into the state: the same typed event (incident.events)
        the report, stats and `log show` read; a decoded line is typed first."""
        if isinstance(event, dict):
            event = from_dict(event)
        kind = event.type
        data = event.data
        at = parse_time(event.when)
        if kind == "variables":
            self.variables.update(data.get("values", {}))
            self.has_variables = True
        elif kind == "step":
            step_id = data["step"]
            self.records[step_id] = data
            if "save_as" in data:
                self.variables[data["save_as"]] = data.get("value")
            self.variables.update(data.get("set") or {})
            for text in (data.get("texts") or {}).values():
                self.published.append(text)
            if data.get("texts"):
                self.networks[step_id] = network_states(data)
            if step_id in self.index:  # an update between steps (/update) ends no stage
                self._mark_stage_done(step_id, at)
            self.last_step_at = at
        elif kind == "publication":
            state = {k: v for k, v in data.items() if k not in ("step", "stage", "platform")}
            self.networks.setdefault(data["step"], {})[data["platform"]] = state
        elif kind == "severity.changed":
            self.severity = int(data["to"])
        elif kind == "deadline.missed":
            self.missed.add(data["stage"])
        elif kind == "incident.closed":
            self.closed = True
        self.last_at = at

    def _mark_stage_done(self, step_id: str, at: datetime) -> None:
        stage = self.steps[self.index[step_id]][0].id
        nxt = self.position()
        if nxt is None or self.steps[nxt][0].id != stage:
            self.stage_done.setdefault(stage, at)

    # --- where we are ---------------------------------------------------------------------

    def next_index(self, n: int, data: dict[str, Any]) -> int:
        step = self.steps[n][1]
        after = n + 1
        if step.kind == "decide":
            option = next((o for o in step.options or [] if o.label == data.get("option")), None)
            if option is not None and option.goto:
                after = self.target(option.goto)
        return self._past_public_only(after)

    def _past_public_only(self, n: int) -> int:
        """On the thread path (a reply where the post is), the steps only a public
        statement needs (`public_only`: pausing the ads, the press office, the closing
        post…) are passed over: one unhappy customer is not a press event."""
        if self.thread_path():
            while n < len(self.steps) and self.steps[n][1].public_only:
                n += 1
        return n

    def target(self, goto: str) -> int:
        if goto == END:
            return len(self.steps)
        if goto in self.index:
            return self.index[goto]
        return self.stage_first[goto]

    def position(self) -> int | None:
        """Index of the first step on the path not yet recorded; None when the walk is over."""
        n = 0
        while n < len(self.steps):
            step = self.steps[n][1]
            if step.id not in self.records:
                return n
            n = self.next_index(n, self.records[step.id])
        return None

    def current(self) -> tuple[Stage, Step] | None:
        n = self.position()
        return None if n is None else self.steps[n]

    def path(self) -> list[str]:
        """Step ids walked so far, in order."""
        out = []
        n = 0
        while n < len(self.steps) and self.steps[n][1].id in self.records:
            out.append(self.steps[n][1].id)
            n = self.next_index(n, self.records[self.steps[n][1].id])
        return out

    def stage_of(self, step_id: str) -> str | None:
        n = self.index.get(step_id)
        if n is None:  # an update between steps: the stage it was published in
            return (self.records.get(step_id) or {}).get("stage")
        return self.steps[n][0].id

    def leaves_stage(self, step: Step, data: dict[str, Any]) -> bool:
        """Whether recording `data` for `step` ends its stage (or the walk)."""
        shadow = self.shadow()
        shadow.records[step.id] = data
        n = shadow.position()
        return n is None or self.steps[n][0].id != self.stage_of(step.id)

    def unpublished(self, stage_id: str | None = None) -> list[tuple[str, str]]:
        """(draft step, network) pairs left "not yet" published, in `stage_id` if given."""
        return [
            (step_id, platform)
            for step_id, nets in self.networks.items()
            if stage_id is None or self.stage_of(step_id) == stage_id
            for platform, state in nets.items()
            if state.get("state") == "pending"
        ]

    def promised_update(self) -> datetime | None:
        """The next update the latest statement that promised one told the public to expect."""
        for data in reversed(list(self.records.values())):
            if data.get("next_update_by"):
                return parse_time(data["next_update_by"])
        return None

    def last_approval(self, role: Any = None) -> dict[str, Any] | None:
        """Who signed off the latest approved statement (for `role`, if given), and how:
        from the log, so a resumed walk remembers it too."""
        for data in reversed(list(self.records.values())):
            approval = data.get("approval") or {}
            if approval.get("by") and (role is None or approval.get("role") == role):
                return dict(approval)
        return None

    def stage_number(self, stage_id: str) -> tuple[int, int]:
        ids: list[str] = [s.id for s in self.resolved.playbook.stages or []]
        return ids.index(stage_id) + 1, len(ids)

    # --- clocks ---------------------------------------------------------------------------

    def severity_level(self) -> Any:
        levels = self.resolved.playbook.severity_levels()
        return next((s for s in levels if s.level == self.severity), levels[-1])

    def deadlines(self) -> list[Deadline]:
        sev = self.severity_level()
        out = []
        for stage in self.resolved.playbook.stages or []:
            due = sev.deadlines.get(stage.id) or stage.due
            if not due:
                continue
            out.append(
                Deadline(
                    stage.id,
                    stage.title,
                    self.incident.first_seen + parse_duration(due),
                    self.stage_done.get(stage.id),
                )
            )
        return out

    def deadline_for(self, stage_id: str) -> Deadline | None:
        return next((d for d in self.deadlines() if d.stage == stage_id), None)

    def next_deadline(self) -> Deadline | None:
        """The deadline of the stage we are in (or the next one with a deadline)."""
        cur = self.current()
        if cur is None:
            return None
        order: list[str] = [s.id for s in self.resolved.playbook.stages or []]
        here = order.index(cur[0].id)
        for d in self.deadlines():
            if order.index(d.stage) >= here and d.done_at is None:
                return d
        return None

    def newly_missed(self, at: datetime) -> list[Deadline]:
        """Deadlines missed as of `at` that are not recorded yet.

        A stage's deadline is missed when the stage was completed after its due time, or
        when, at `at`, the walk is still in that stage or before it, the due time has passed
        and the stage is not complete. A stage the walk has left behind without completing
        (jumped over by a goto, or the walk ended first) is never missed.
        """
        order: list[str] = [s.id for s in self.resolved.playbook.stages or []]
        cur = self.current()
        here = order.index(cur[0].id) if cur is not None else None
        out = []
        for d in self.deadlines():
            if d.stage in self.missed:
                continue
            if d.done_at is not None:
                late = d.done_at > d.due_at
            else:
                late = here is not None and order.index(d.stage) >= here and at > d.due_at
            if late:
                out.append(d)
        return out

    # --- templates ------------------------------------------------------------------------

    def context(self, platform: str, at: datetime) -> dict[str, Any]:
        sev = self.severity_level()
        client = self.resolved.client.model_dump()
        client["name"] = self.incident.client_name
        client["slug"] = self.incident.client_slug
        # Times as the public reads them: in the client's zone (the incident's), with its
        # abbreviation, and the day in the statement's language when it is not today.
        lang = self.resolved.playbook.language or "en"
        return {
            **self.variables,
            "title": self.incident.title,
            "incident_id": self.incident.id,
            "severity": self.severity,
            "severity_name": sev.name,
            "first_seen": clock(self.incident.first_seen, now=at, lang=lang),
            "opened_at": clock(self.incident.opened_at, now=at, lang=lang),
            "now": clock(at, now=at, lang=lang),
            "next_update": clock(self.next_update_at(at), now=at, lang=lang),
            "platform": platform,
            "client": client,
            "language": self.resolved.playbook.language or "en",
        }

    def next_update_at(self, at: datetime) -> datetime:
        """When a statement made at `at` says the next update comes: the severity's cadence
        later, to the minute, because the text shows hours and minutes only."""
        due = at + parse_duration(self.severity_level().update_every)
        return due.replace(second=0, microsecond=0)

    def render(self, step: Step, at: datetime, widen: Any = ()) -> dict[str, str]:
        """The statement for each platform of a draft step (`draft_platforms`)."""
        from crisisplay.playbook.templates import TemplateError, render

        self.rendered_at[step.id] = at
        store = self.resolved.template_store()
        out = {}
        for platform in self.draft_platforms(step, widen):
            src = store.find(step.template or "", platform)
            if src is None:
                raise CrisisplayError(
                    _("Step '{step}': no template '{template}' for {platform}.").format(
                        step=step.id, template=step.template, platform=platform
                    )
                )
            try:
                out[platform] = render(src, self.context(platform, at))
            except TemplateError as e:
                raise CrisisplayError(
                    _("Step '{step}': the {platform} statement cannot be written: {why}").format(
                        step=step.id, platform=platform, why=e.message
                    ),
                    _("Write it by hand (edit), or fix the template and resume."),
                ) from None
        return out

    # --- answers --------------------------------------------------------------------------

    def answer(self, step: Step, raw: dict[str, Any]) -> dict[str, Any]:
        """Check an answer for `step` and return the event data that records it."""
        stage = self.steps[self.index[step.id]][0]
        data: dict[str, Any] = {"step": step.id, "stage": stage.id, "kind": step.kind}
        if "skip" in raw:
            reason = str(raw["skip"] or "").strip()
            if not reason:
                raise AnswerError(_("Step '{step}': skipping needs a reason.").format(step=step.id))
            if step.kind in ("decide",):
                raise AnswerError(
                    _("Step '{step}': a decision cannot be skipped: pick one of {options}").format(
                        step=step.id, options=", ".join(o.label for o in step.options or [])
                    )
                )
            data.update(status="skipped", reason=reason)
            if step.kind == "ask" and step.save_as:
                data.update(save_as=step.save_as, value=None)
            return data
        kind = step.kind
        if kind in ("check", "note"):
            data["status"] = "done" if kind == "check" else "acknowledged"
            if raw.get("moderated"):
                if not step.moderation:
                    raise AnswerError(
                        _(
                            "Step '{step}': hides and deletes are recorded at a moderation step "
                            "(or with /hide at any prompt)."
                        ).format(step=step.id)
                    )
                given = raw["moderated"]
                items = given if isinstance(given, list) else [given]
                # recorded as `moderation` events before the step (Session.submit)
                data["moderated"] = [self.moderation(m, step) for m in items]
        elif kind == "ask":
            data.update(status="answered", value=self._value(step, raw.get("value")))
            if step.save_as:
                data["save_as"] = step.save_as
        elif kind == "decide":
            label = str(raw.get("option", "")).strip()
            options = step.options or []
            option = match_option(options, label)
            if option is None:
                raise AnswerError(
                    _("Step '{step}': '{label}' is not one of the options: {options}").format(
                        step=step.id, label=label, options="; ".join(o.label for o in options)
                    )
                )
            data.update(
                status="decided", option=option.label, goto=option.goto, set=dict(option.set or {})
            )
            data.update(self._response(option, raw))
        elif kind == "notify":
            contacted = raw.get("contacted") or []
            data.update(
                status="notified",
                contacted=contacted,
                acknowledged=bool(raw.get("acknowledged", True)),
            )
        elif kind == "draft":
            data.update(self._draft(step, raw))
        return data

    def _value(self, step: Step, value: Any) -> Any:
        kind = step.input or "text"
        if value is None or (isinstance(value, str) and not value.strip()):
            if step.required is False:
                return None
            if step.default is not None:
                return step.default
            raise AnswerError(
                _("Step '{step}' needs an answer: {text}").format(step=step.id, text=step.text)
            )
        if kind == "number":
            if isinstance(value, int | float) and not isinstance(value, bool):
                return value
            from crisisplay.numbers import parse_number

            try:  # "260.000" in Spanish, "85k", "1,2 M"; an ambiguous one is not guessed
                return parse_number(str(value), self.resolved.playbook.language)
            except ValueError as e:
                raise AnswerError(_("Step '{step}': {why}").format(step=step.id, why=e)) from None
        if kind == "confirm":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("y", "yes", "true", "si", "sí", "s", "1", _("Yes").lower()):
                return True
            if text in ("n", "no", "false", "0", _("No").lower()):
                return False
            raise AnswerError(
                _("Step '{step}': answer yes or no (got '{value}').").format(
                    step=step.id, value=value
                )
            )
        if kind == "choice":
            choices = step.choices or []
            match = next((c for c in choices if c.lower() == str(value).strip().lower()), None)
            if match is None:
                raise AnswerError(
                    _("Step '{step}': '{value}' is not one of: {choices}").format(
                        step=step.id, value=value, choices="; ".join(choices)
                    )
                )
            return match
        if kind == "url":
            from crisisplay.text import web_address

            try:
                return web_address(str(value))
            except ValueError as e:
                raise AnswerError(_("Step '{step}': {why}").format(step=step.id, why=e)) from None
        if kind == "datetime":
            try:
                t = parse_time(value)
            except ValueError as e:
                raise AnswerError(_("Step '{step}': {why}").format(step=step.id, why=e)) from None
            now = now_utc()
            question = times.far_from_now(value, t, now)
            if question is not None:
                raise AnswerError(
                    _(
                        "Step '{step}': {question}. Nothing is recorded on a guess: give the "
                        "date and time ({forms})"
                    ).format(
                        step=step.id,
                        question=question,
                        forms=times.explicit_forms(t, now, past=False),
                    )
                )
            return rfc3339(t)
        return str(value).strip() if kind == "text" else str(value).rstrip()

    def _draft(self, step: Step, raw: dict[str, Any]) -> dict[str, Any]:
        texts = raw.get("texts") or {}
        widen = self._widened(step, raw.get("widen"))
        platforms = self.draft_platforms(step, widen)
        missing = [p for p in platforms if not str(texts.get(p, "")).strip()]
        if missing:
            raise AnswerError(
                _("Step '{step}': no statement for {platforms}.").format(
                    step=step.id, platforms=", ".join(missing)
                )
            )
        preapproved = self.preapproved(step, {p: texts[p] for p in platforms})
        approved_by = raw.get("approved_by")
        unreachable = self._unreachable(step, raw.get("unreachable"))
        role = self.approver_role(step, len(unreachable))
        if step.approvers() and not approved_by and not preapproved:
            names = [c.name for c in self.resolved.client.contacts if c.role == role]
            raise AnswerError(
                _(
                    "Step '{step}' needs sign-off by the {role}{names} before it is published."
                ).format(
                    step=step.id,
                    role=role,
                    names=f" ({', '.join(names)})" if names else "",
                )
            )
        out: dict[str, Any] = {
            "status": "published" if raw.get("published") else "approved",
            "template": step.template,
            "texts": {p: texts[p] for p in platforms},
            "sha256": {p: hashlib.sha256(texts[p].encode("utf-8")).hexdigest() for p in platforms},
            "edited": {p: bool((raw.get("edited") or {}).get(p)) for p in platforms},
        }
        if preapproved:
            # Word for word what the client agreed beforehand: no sign-off needed, and the
            # hash says which text it was.
            agreed = {p: self.resolved.client.holding_text_for(p) or "" for p in platforms}
            out["preapproved"] = {
                "source": "client.holding_text",
                "sha256": {
                    p: hashlib.sha256(t.encode("utf-8")).hexdigest() for p, t in agreed.items()
                },
            }
        if approved_by:
            out["approval"] = {
                "by": str(approved_by),
                "role": role,
                "at": raw.get("approved_at"),
            }
            if raw.get("approved_via"):
                out["approval"]["via"] = str(raw["approved_via"])
            if unreachable:
                out["approval"]["unreachable"] = unreachable
        if self.thread_path():  # a reply where the post is, not a public statement
            out["audience"] = "thread"
            out["widened"] = [p for p in platforms if p != self.source_network()]
        if raw.get("published"):
            out["published"] = self._published(step, raw["published"], platforms)
        out["networks"] = network_states({**out, "unpublished": raw.get("unpublished")})
        promise = self._promise(step, out["texts"])
        if promise is not None:
            out["next_update_by"] = rfc3339(promise)
        findings = self.check_texts(step, out["texts"])
        if any(findings.values()):
            out["findings"] = findings
        errors = [f for fs in findings.values() for f in fs if f["severity"] == "error"]
        overrides = [o for o in raw.get("overrides") or [] if str(o.get("reason", "")).strip()]
        if errors and not overrides:
            listed = "; ".join(f"{f['platform']}: {f['rule']} “{f['excerpt']}”" for f in errors)
            raise AnswerError(
                ngettext(
                    "Step '{step}': the statement checker found {n} error — {listed}. Fix the "
                    "text, or override with a reason (override: REASON).",
                    "Step '{step}': the statement checker found {n} errors — {listed}. Fix the "
                    "text, or override with a reason (override: REASON).",
                    len(errors),
                ).format(step=step.id, n=len(errors), listed=listed)
            )
        if errors:
            out["overrides"] = [
                {"reason": str(o["reason"]).strip(), "rules": sorted({f["rule"] for f in errors})}
                for o in overrides
            ]
        return out

    def moderation(self, raw: Any, step: Step | None = None) -> dict[str, Any]:
        """A post hidden or deleted under the client's moderation list: what it was (a link
        or a description), which rule of `client.moderation.may_hide` it falls under, and
        why. Refused for anything the list does not allow."""
        where = step.id if step is not None else "moderation"
        if not isinstance(raw, dict):
            raise AnswerError(
                _(
                    "Step '{step}': a hide is a mapping: {{action: hidden|deleted, what: LINK, "
                    "rule: ONE OF may_hide, reason: WHY}}."
                ).format(step=where)
            )
        action = str(raw.get("action") or "hidden").strip().lower()
        if action not in MODERATION_ACTIONS:
            raise AnswerError(
                _("Step '{step}': action is hidden or deleted, not '{action}'.").format(
                    step=where, action=action
                )
            )
        what = str(raw.get("what") or "").strip()
        reason = str(raw.get("reason") or "").strip()
        if not what or not reason:
            raise AnswerError(
                _("Step '{step}': say what was {action} (a link or a description) and why.").format(
                    step=where, action=action
                )
            )
        allowed = self.resolved.client.moderation.may_hide
        wanted = str(raw.get("rule") or "").strip().casefold()
        rule = next((r for r in allowed if r.casefold() == wanted), None)
        if rule is None:
            raise AnswerError(
                _(
                    "Step '{step}': '{rule}' is not on the client's list of what may be hidden "
                    "({allowed}); anything else stays up."
                ).format(step=where, rule=raw.get("rule") or "", allowed="; ".join(allowed))
            )
        cur = self.current()
        at_step = step.id if step is not None else (cur[1].id if cur else None)
        return {"action": action, "what": what, "rule": rule, "reason": reason, "step": at_step}

    def approver_role(self, step: Step, tried: int = 0) -> str | None:
        """Who is asked to sign off after `tried` of the step's approvers could not be
        reached: the next in its order of fallback (None: nobody is left, or none needed)."""
        roles = step.approvers()
        return roles[tried] if tried < len(roles) else None

    def preapproved(self, step: Step, texts: dict[str, str]) -> bool:
        """Whether `texts` are, word for word, the holding statement the client agreed in
        advance (`client.holding_text`): then they need no sign-off."""
        if step.template != "holding-statement" or not texts:
            return False
        client = self.resolved.client
        return all(
            (agreed := client.holding_text_for(p)) is not None and text.strip() == agreed
            for p, text in texts.items()
        )

    def holding_texts(self, step: Step, widen: Any = ()) -> dict[str, str] | None:
        """The client's pre-approved holding statement for each network of `step` (on the
        thread path, the post's own, and any it was widened to), when it is a holding
        statement and the client agreed one for all of them."""
        if step.template != "holding-statement":
            return None
        client = self.resolved.client
        texts = {p: client.holding_text_for(p) for p in self.draft_platforms(step, widen)}
        if not texts or any(t is None for t in texts.values()):
            return None
        return {p: str(t) for p, t in texts.items()}

    def needs_approval(self, step: Step, texts: dict[str, str]) -> bool:
        return bool(step.approvers()) and not self.preapproved(step, texts)

    def _unreachable(self, step: Step, given: Any) -> list[dict[str, Any]]:
        """Those asked to sign off who could not be reached, in the order they were asked:
        `[{role, reason, at}]` (or `{role: reason}` from an answers file)."""
        if not given:
            return []
        if isinstance(given, dict):
            given = [{"role": r, "reason": why} for r, why in given.items()]
        if not isinstance(given, list):
            raise AnswerError(
                _(
                    "Step '{step}': unreachable maps each role that could not be reached to "
                    "what was tried (account-manager: called twice, no answer)."
                ).format(step=step.id)
            )
        roles = step.approvers()
        out = []
        for n, entry in enumerate(given):
            role = str(entry.get("role") or "") if isinstance(entry, dict) else str(entry)
            reason = str(entry.get("reason") or "").strip() if isinstance(entry, dict) else ""
            if n >= len(roles) - 1 or role != roles[n]:
                later = roles[n + 1] if n + 1 < len(roles) else None
                raise AnswerError(
                    (
                        _(
                            "Step '{step}': '{role}' cannot be passed over: sign-off goes to "
                            "{roles} in that order, and the last of them must sign."
                        )
                        if later is None
                        else _(
                            "Step '{step}': '{role}' is not next in line: sign-off goes to "
                            "{roles} in that order."
                        )
                    ).format(step=step.id, role=role, roles=" → ".join(roles))
                )
            if not reason:
                raise AnswerError(
                    _("Step '{step}': say what was tried to reach the {role}.").format(
                        step=step.id, role=role
                    )
                )
            record: dict[str, Any] = {"role": role, "reason": reason}
            if isinstance(entry, dict) and entry.get("at"):
                record["at"] = str(entry["at"])
            out.append(record)
        return out

    def _published(
        self, step: Step, published: Any, platforms: list[str] | None = None
    ) -> dict[str, Any]:
        """Where each statement went out: a web address (http or https, with a host) per
        platform of the draft, checked before anything is recorded."""
        from crisisplay.text import printable, web_address

        if not isinstance(published, dict):
            raise AnswerError(
                _("Step '{step}': published is a mapping of platform to link.").format(step=step.id)
            )
        platforms = platforms or self.draft_platforms(step)
        out = {}
        for platform, where in published.items():
            if platform not in platforms:
                raise AnswerError(
                    _(
                        "Step '{step}': '{platform}' is not one of this draft's platforms "
                        "({platforms})."
                    ).format(
                        step=step.id,
                        platform=printable(str(platform)),
                        platforms=", ".join(platforms),
                    )
                )
            url = where.get("url") if isinstance(where, dict) else where
            try:
                checked = web_address(str(url or ""))
            except ValueError as e:
                raise AnswerError(
                    _("Step '{step}': published on {platform} at {why}").format(
                        step=step.id, platform=platform, why=e
                    ),
                    None,
                ) from None
            out[platform] = {**where, "url": checked} if isinstance(where, dict) else checked
        return out

    def _promise(self, step: Step, texts: dict[str, str]) -> datetime | None:
        """The next-update time the statement promises the public, if it promises one.

        It does when its template reads `next_update` and the text as sent still says that
        time (an edit that took the time out, or changed it, records no promise: the report
        cannot know what was meant).
        """
        rendered = self.rendered_at.get(step.id)
        if rendered is None or not step.template:
            return None
        from crisisplay.playbook.templates import TemplateError, parse

        due = self.next_update_at(rendered)
        said = clock(due, now=rendered, lang=self.resolved.playbook.language or "en")
        store = self.resolved.template_store()
        for platform, text in texts.items():
            src = store.find(step.template, platform)
            try:
                reads = src is not None and "next_update" in parse(src).variables
            except TemplateError:
                reads = False
            if reads and re.search(r"(?<![\w:])" + re.escape(said) + r"(?!\w)", text):
                return due
        return None

    def check_texts(self, step: Step, texts: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
        """The statement checker's findings for each platform's text."""
        from crisisplay.check import KINDS, check_statement
        from crisisplay.playbook.clients import profile_of, workspace_rules_dirs

        # The same settings as `crisisplay check --client` and `playbook validate`: the
        # client's profile and the workspace's own rule files.
        profile = profile_of(self.resolved.client)
        extra = workspace_rules_dirs(self.resolved.library.home)
        kind = step.template if step.template in KINDS else None
        out: dict[str, list[dict[str, Any]]] = {}
        for platform, text in texts.items():
            found = check_statement(
                text,
                lang=self.resolved.playbook.language or "en",
                kind=kind,
                platform=platform,
                profile=profile,
                published=self.published,
                extra_rules_dirs=extra,
            )
            out[platform] = [
                {
                    "rule": f.rule,
                    "family": f.family,
                    "severity": f.severity,
                    "message": f.message,
                    "hint": f.hint,
                    "start": f.start,
                    "end": f.end,
                    "excerpt": text[f.start : f.end][:60],
                    "platform": platform,
                }
                for f in found
            ]
        return out

    # --- proportion: a reply in the thread, or a public statement -------------------------

    def public_required(self) -> bool:
        """Whether the incident's severity requires a public statement (`public_from`)."""
        level = self.resolved.playbook.public_from
        return level is not None and self.severity <= level

    def thread_path(self) -> bool:
        """Whether the proportion decision chose a reply in the thread (`response: thread`)."""
        return self.variables.get(RESPONSE) == "thread"

    def offered_options(self, step: Step) -> list[Any]:
        """A decision's options as the person may choose them: the thread option is not
        offered when the severity requires a public statement."""
        options = list(step.options or [])
        if self.public_required():
            options = [o for o in options if (o.set or {}).get(RESPONSE) != "thread"]
        return options

    def source_network(self) -> str | None:
        """The network the post came from: as given at the proportion decision, else read
        from the post's link (`post_url`)."""
        for data in self.records.values():
            if data.get("network"):
                return str(data["network"])
        return network_of(self.variables.get("post_url"))

    def draft_platforms(self, step: Step, widen: Any = ()) -> list[str]:
        """The networks a draft goes to: the playbook's (the step's, else the client's), or on
        the thread path the network the post came from, plus those the person widened to."""
        source = self.source_network() if self.thread_path() else None
        if source is None:
            return self.resolved.draft_platforms(step)
        return [source, *[p for p in widen or () if p != source]]

    def _widened(self, step: Step, widen: Any) -> list[str]:
        from crisisplay.playbook.model import PLATFORMS

        if not widen:
            return []
        given = [widen] if isinstance(widen, str) else list(widen)
        wrong = [str(p) for p in given if p not in PLATFORMS]
        if wrong or not self.thread_path():
            raise AnswerError(
                _(
                    "Step '{step}': widen names networks ({networks}) for a reply in the thread: "
                    "one or more of {known}."
                ).format(
                    step=step.id, networks=", ".join(map(str, given)), known=", ".join(PLATFORMS)
                )
            )
        return [str(p) for p in given]

    def _response(self, option: Any, raw: dict[str, Any]) -> dict[str, Any]:
        """What the proportion decision records beyond its option: on the thread path, the
        network the post came from. Refused when the severity requires a public statement."""
        from crisisplay.playbook.model import PLATFORMS

        if (option.set or {}).get(RESPONSE) != "thread":
            return {}
        if self.public_required():
            raise AnswerError(
                _(
                    "Severity {level}: this playbook requires a public statement from severity "
                    "{public_from} up (public_from); choose the public statement."
                ).format(level=self.severity, public_from=self.resolved.playbook.public_from)
            )
        network = str(raw.get("network") or "").strip().lower() or network_of(
            self.variables.get("post_url")
        )
        if network not in PLATFORMS:
            raise AnswerError(
                _(
                    "Which network did the post come from? The reply goes there only: give "
                    "network: one of {networks}."
                ).format(networks=", ".join(PLATFORMS))
            )
        return {"network": network}

    # --- /update: an update published between steps -----------------------------------

    def update_step(self) -> Step:
        """The draft an update published from any prompt (`/update`) is made as: the
        playbook's own `update` draft (its approver, its networks) under an id of its own
        (`update-1`, `update-2` …), so it is recorded, checked and counted like any draft."""
        from crisisplay.playbook.model import Step

        drafts = [s for _, s in self.steps if s.kind == "draft"]
        model = next((s for s in drafts if s.template == "update"), drafts[0] if drafts else None)
        n = 1 + sum(1 for d in self.records.values() if d.get("action") == UPDATE)
        while f"update-{n}" in self.index:
            n += 1
        text = _("An update between steps: what is new, and when the next update comes.")
        if model is None:
            return Step.model_validate({"id": f"update-{n}", "draft": text, "template": "update"})
        return model.model_copy(
            update={"id": f"update-{n}", "draft": text, "template": "update", "help": None}
        )

    def render_update(self, step: Step, update_text: str, at: datetime) -> dict[str, str]:
        """An update's statement for each network, saying `update_text`."""
        saved = self.variables.get("update_text", _UNSET)
        self.variables["update_text"] = update_text
        try:
            return self.render(step, at)
        finally:
            if saved is _UNSET:
                del self.variables["update_text"]
            else:
                self.variables["update_text"] = saved

    def answer_update(self, step: Step, raw: dict[str, Any]) -> dict[str, Any]:
        """Check an update published between steps (`raw` as for a draft, plus its
        `update_text`) and return the step event's data: recorded in the stage the walk is
        in, without moving the walk."""
        cur = self.current()
        if cur is None:
            raise AnswerError(_("The walk is over: an update is published from an open incident."))
        text = str(raw.get("update_text") or "").strip()
        if not text:
            raise AnswerError(
                _("An update needs its text: what is new, or what is still being done.")
            )
        data: dict[str, Any] = {
            "step": step.id,
            "stage": cur[0].id,
            "kind": "draft",
            "action": UPDATE,
            "update_text": text,
        }
        data.update(self._draft(step, raw))
        return data

    def next_update(self, at: datetime) -> dict[str, Any]:
        """The next update as the screen and `log show` say it: promised by the latest
        published statement that named a time (`due`, `late` once past `at`), or, before
        any, the severity's cadence (`every`)."""
        every = self.severity_level().update_every
        for step_id, data in reversed(list(self.records.items())):
            nets = self.networks.get(step_id) or {}
            out = any(n.get("state") == "published" for n in nets.values())
            if data.get("next_update_by") and out:
                due = parse_time(data["next_update_by"])
                return {"due": due, "late": at > due, "every": every, "step": step_id}
        return {"due": None, "late": False, "every": every, "step": None}

    def remaining(self) -> int:
        """Steps left on the straight path from here (branches may shorten it)."""
        n = self.position()
        return 0 if n is None else len(self.steps) - n

    def summary(self, at: datetime) -> dict[str, Any]:
        cur = self.current()
        d = self.next_deadline()
        return {
            "incident": self.incident.id,
            "stage": cur[0].id if cur else None,
            "step": cur[1].id if cur else None,
            "since_first_seen": format_duration(at - self.incident.first_seen),
            "next_deadline": None
            if d is None
            else {
                "stage": d.stage,
                "due_at": rfc3339(d.due_at),
                "in": format_duration(d.due_at - at),
            },
        }
