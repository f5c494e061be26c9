"""Scripted incidents whose every answer carries an explicit `at:`, so metrics are known by hand.

Every step of a stage happens at the same minute after first seen (`minutes[stage]`), which
makes the hand computation short: the first statement of a stage is published at that
minute, the stage is done at that minute, and the incident closes at the minute of its
last stage.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from answering import answers_for, library, write_yaml

TROLL_PATH = {
    "detect-positive": "Negative",
    "detect-legal-safety": "No",
    "detect-triage": "Troll",
    "detect-troll-outcome": "Contained",
}


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def scheduled_answers(
    resolved: Any,
    choose: dict[str, str],
    minutes: dict[str, int],
    *,
    first_seen: datetime,
    client: str,
    severity: int,
    title: str,
    template: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Answers along `choose`, each step at first_seen + minutes[its stage]; opened at +5 min.

    `template`: answers_for's output for the same path, to reuse (it walks the playbook).
    """
    base = template or answers_for(resolved, choose)
    stage_of = {step.id: stage.id for stage, step in resolved.playbook.steps()}
    out: dict[str, Any] = {
        "incident": {
            "title": title,
            "severity": severity,
            "client": client,
            "first_seen": iso(first_seen),
            "at": iso(first_seen + timedelta(minutes=5)),
            "variables": dict(base["incident"]["variables"]),
        }
    }
    for key, value in base.items():
        if key == "incident":
            continue
        at = iso(first_seen + timedelta(minutes=minutes[stage_of[key]]))
        out[key] = {**value, "at": at} if isinstance(value, dict) else {"value": value, "at": at}
    return out


def run(
    home: Path,
    answers: dict[str, Any],
    *,
    drill: bool = False,
    stop_after: int | None = None,
    notes: int = 0,
) -> str:
    """Record an incident from `answers` through the real engine; returns its id.

    `stop_after`: record only that many steps, as if the manager stopped there (still open).
    `notes`: that many notes, spread over the steps, each at the time of the step before it.
    """
    from crisisplay.frontends.answers import load_answers, plan, start_variables
    from crisisplay.frontends.scripted import start_scripted
    from crisisplay.incident.session import open_incident
    from crisisplay.incident.walk import parse_time

    path = write_yaml(home.parent / f"answers-{answers['incident']['title']}.yaml", answers)
    lib = library(home)
    if not drill and stop_after is None and not notes:
        return start_scripted(
            lib, path, playbook="default", client=None, title=None, severity=None, first_seen=None
        ).incident.id
    # `start` has no --drill and always walks to the end; this is what it does, with those
    # two changes (the drill runner opens its incidents the same way).
    loaded = load_answers(path)
    inc = loaded.incident
    resolved = lib.load("default")
    session = open_incident(
        lib.home,
        resolved,
        title=inc["title"],
        severity=int(inc["severity"]),
        client_name=inc["client"],
        first_seen=parse_time(inc["first_seen"]),
        opened_at=parse_time(inc["at"]),
        variables=dict(inc["variables"]),
        drill=drill,
    )
    try:
        session.walk.variables.update(start_variables(session.walk, loaded))
        items = plan(session.walk, loaded)[:stop_after]
        for n, item in enumerate(items):
            session.submit(item.data, item.at)
            for k in range(notes * n // len(items), notes * (n + 1) // len(items)):
                session.note(
                    f"note {k + 1}: checked the thread again after {item.step.id}", item.at
                )
    finally:
        session.close()
    return session.incident.id
