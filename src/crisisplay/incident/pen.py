"""One pen per incident: who may write it now, read from the log itself.

The pen belongs to the person who opened the incident (the actor of `incident.opened`),
then to whoever it was handed to (`handover`, data `{"to": NAME, ...}`), then to whoever
took it over (`pen.taken`, data `{"who": NAME, "from": PREVIOUS, "reason": TEXT}`). Since
the log travels with the team workspace, every machine reads the same holder; a `resume` by
anyone else is refused unless they take the pen over, which is recorded with their reason.

Only the standard library and the incident's log.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from crisisplay.errors import CrisisplayError

if TYPE_CHECKING:
    from crisisplay.home import Home

__all__ = ["PenHeld", "check", "holder", "is_me", "take_over"]

#: The events after which the pen changes hands.
PASSING = ("incident.opened", "handover", "pen.taken")


def holder(events: Iterable[dict[str, Any]]) -> tuple[str, str] | None:
    """(who holds the pen, since when: RFC 3339), or None for a log with no opening."""
    held: tuple[str, str] | None = None
    for event in events:
        kind = event.get("type")
        if kind not in PASSING:
            continue
        data = event.get("data") or {}
        when = str(event.get("at") or event.get("ts") or "")
        if kind == "incident.opened":
            held = (str(event.get("actor") or ""), when)
        elif kind == "handover" and isinstance(data.get("to"), str) and data["to"].strip():
            held = (data["to"].strip(), when)
        elif kind == "pen.taken" and isinstance(data.get("who"), str) and data["who"].strip():
            held = (data["who"].strip(), when)
    return held


def is_me(who: str, me: str) -> bool:
    """The pen's holder is this person: their name, or this machine's `user@host` (what
    the log recorded before the person had a name, on this very account)."""
    from crisisplay.person import machine_name

    return who.casefold() == me.casefold() or who == machine_name()


class PenHeld(CrisisplayError):
    """Someone else holds the pen; nothing was written."""


def check(home: Home, incident_id: str, events: list[dict[str, Any]], me: str) -> None:
    """Refuse (PenHeld) a person who does not hold the pen, saying who does and since when
    (in the incident's zone). Only in a team workspace (a git repository): alone on one
    machine, whoever runs the command is the team."""
    if not (home.root / ".git").exists():
        return
    held = holder(events)
    if held is None or not held[0] or is_me(held[0], me):
        return
    from crisisplay import times
    from crisisplay.i18n import _
    from crisisplay.invocation import command

    who, since = held
    raise PenHeld(
        _(
            "{who} holds the pen of {id} since {since}; only one person writes an incident at "
            "a time, so nothing was written."
        ).format(who=who, id=incident_id, since=times.when(since, seconds=False)),
        _(
            "Ask {who} to hand it over, or take it over (recorded, with your reason): "
            '{command} --take-over --reason "..."'
        ).format(who=who, command=command("resume", incident_id)),
    )


def take_over(home: Home, incident_id: str, me: str, reason: str) -> dict[str, Any] | None:
    """Record that `me` takes the pen (a `pen.taken` event), unless they hold it already
    (None). The caller syncs it at once."""
    from crisisplay.i18n import _
    from crisisplay.incident.log import IncidentLog, LogError, read_events

    if not reason.strip():
        from crisisplay.errors import UsageError

        raise UsageError(
            _("--take-over needs --reason: a few words the team will read in the log.")
        )
    folder = home.incidents / incident_id
    try:
        log = IncidentLog.open(folder, me)
    except LogError as e:
        raise CrisisplayError(str(e)) from None
    try:
        held = holder(read_events(log.path))
        if held is None or is_me(held[0], me):
            return None
        return log.append(
            "pen.taken", {"who": me, "from": held[0], "reason": " ".join(reason.split())}
        )
    except LogError as e:
        raise CrisisplayError(str(e)) from None
    finally:
        log.close()
