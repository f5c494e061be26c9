"""The scripted drill (`--answers`): every time from the answers, nothing from the wall clock.

Like `start --answers`, the whole run is planned before anything is written: the steps up
to the scenario's end, the events that fall due before then, and an answer for every
decision those events demand. A missing or wrong answer is an error naming the step or
the event, and leaves no incident behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crisisplay.drill.scenario import Event, Loaded, Option, parse_offset, stamp
from crisisplay.errors import CrisisplayError
from crisisplay.incident.walk import Incident, Walk, incident_time, now_utc, parse_time
from crisisplay.times import MAX_DURATION, rfc3339

if TYPE_CHECKING:
    from crisisplay.drill.session import DrillSession
    from crisisplay.frontends.answers import Answers, Planned
    from crisisplay.playbook.library import Library
    from crisisplay.playbook.resolved import Resolved

DRILL_INCIDENT_KEYS = ("first_seen", "variables")
NO_ANSWER = ("no answer", "no answer yet", "unacknowledged", "not acknowledged")


@dataclass
class Decision:
    event: Event
    option: Option
    at: datetime


def _when(value: Any, start: datetime) -> datetime:
    """An answer's `at`: an offset in scenario time, or an RFC 3339 time."""
    try:
        return start + parse_offset(value)
    except (ValueError, TypeError):
        pass
    t = parse_time(value, relative_to=start)
    # Scenario time runs from the drill's start; a time a year off it is a typo, and one
    # in the year 9999 would overflow the deadlines added to it.
    if abs(t - start) > MAX_DURATION:
        raise ValueError(
            f"at: {rfc3339(t)[:16]}Z is more than {MAX_DURATION.days} days from the drill's "
            f"start ({rfc3339(start)[:16]}Z): give an offset such as 5m, or a time near it"
        )
    return t


def _split(value: Any, start: datetime) -> tuple[Any, datetime | None]:
    """`{value: X, at: T}` -> (X, T); a draft's own mapping keeps its other keys."""
    if isinstance(value, dict) and "at" in value:
        rest = {k: v for k, v in value.items() if k != "at"}
        at = _when(value["at"], start)
        return (rest["value"] if set(rest) == {"value"} else rest), at
    if isinstance(value, dict) and set(value) == {"value"}:
        return value["value"], None
    return value, None


def plan_steps(walk: Walk, answers: Answers, loaded: Loaded, start: datetime) -> list[Planned]:
    """The steps the drill records, with their scenario times, up to its last stage."""
    from crisisplay.frontends.answers import Planned, example, to_raw

    sc = loaded.scenario
    order = [s.id for s in walk.resolved.playbook.stages or []]
    last_stage = order.index(sc.ends_after) if sc.ends_after in order else len(order)
    shadow = walk.shadow()
    out: list[Planned] = []
    last = start
    seq = 10**9
    while (cur := shadow.current()) is not None:
        stage, step = cur
        if order.index(stage.id) > last_stage:
            break
        if step.id not in answers.steps:
            raise answers.problem(
                (),
                f"no answer for step '{step.id}' (stage {stage.id}, {step.kind}): "
                f"{step.text.strip()} — add '{step.id}: {example(step)}' to {answers.file}",
            )
        try:
            value, at = _split(answers.steps[step.id], start)
        except ValueError as e:
            raise answers.problem((step.id,), f"{step.id}: {e}") from None
        when = at or last
        if when < last:
            raise answers.problem(
                (step.id,),
                f"step '{step.id}' at {stamp(when - start)} comes before the step answered "
                f"before it ({stamp(last - start)}): the walk's steps happen in order",
            )
        unacknowledged = (
            step.kind == "notify" and isinstance(value, str) and value.strip().lower() in NO_ANSWER
        )
        try:
            raw = to_raw(shadow, step, "done" if unacknowledged else value, when)
            if unacknowledged:
                raw["acknowledged"] = False
            data = shadow.answer(step, raw)
        except CrisisplayError as e:
            raise answers.problem((step.id,), e.message) from None
        out.append(Planned(step, data, when))
        seq += 1
        shadow.apply(
            {"type": "step", "data": data, "ts": rfc3339(when), "at": rfc3339(when), "seq": seq}
        )
        last = when
    return out


def plan_decisions(
    answers: Answers, loaded: Loaded, start: datetime, end: datetime
) -> tuple[list[Event], list[Decision], datetime]:
    """The events the drill reaches and the answers to their decisions.

    The drill ends at its last step or its last decision, whichever is later; an event due
    by then is reached, and if it asks a question the answers must answer it. Answering a
    late decision can reach another event: repeat until nothing new is reached.
    """
    events = loaded.scenario.events()
    decisions: dict[str, Decision] = {}
    while True:
        reached = [e for e in events if start + e.offset <= end]
        for event in reached:
            if not event.decide or event.id in decisions:
                continue
            decisions[event.id] = _decision(answers, event, start)
        latest = max([end, *(d.at for d in decisions.values())])
        if latest == end:
            return reached, sorted(decisions.values(), key=lambda d: d.at), end
        end = latest


def _decision(answers: Answers, event: Event, start: datetime) -> Decision:
    labels = [o.label for o in event.options or []]
    if event.id not in answers.steps:
        raise answers.problem(
            (),
            f"no answer for the decision of event '{event.id}' ({stamp(event.offset)}): "
            f"{(event.decide or '').strip()} — add '{event.id}: {labels[0]!r}' to "
            f"{answers.file} (the options: {'; '.join(labels)})",
        )
    try:
        value, at = _split(answers.steps[event.id], start)
    except ValueError as e:
        raise answers.problem((event.id,), f"{event.id}: {e}") from None
    option = event.option(str(value)) if isinstance(value, str | int | float) else None
    if option is None:
        raise answers.problem(
            (event.id,),
            f"event '{event.id}': {value!r} is not one of its options: {'; '.join(labels)}",
        )
    happened = start + event.offset
    at = at or happened
    if at < happened:
        raise answers.problem(
            (event.id,),
            f"event '{event.id}' is answered at {stamp(at - start)}, before it happens "
            f"({stamp(event.offset)})",
        )
    return Decision(event, option, at)


def drill_variables(walk: Walk, answers: Answers, loaded: Loaded) -> dict[str, Any]:
    given = dict(answers.incident.get("variables") or {})
    out: dict[str, Any] = {}
    for var in walk.resolved.playbook.variables:
        if var.name in loaded.scenario.variables:
            out[var.name] = loaded.scenario.variables[var.name]
            continue
        value = given.get(var.name, var.default)
        if value is None and var.required:
            raise answers.problem(
                ("incident",),
                f"variable '{var.name}' is needed: {var.prompt} — the scenario does not give "
                "it; add it under incident.variables",
            )
        out[var.name] = value
    return out


def scripted_drill(
    lib: Library, loaded: Loaded, resolved: Resolved, answers_path: Path, *, speed: float
) -> tuple[DrillSession, dict[str, Any]]:
    """Plan the whole drill from the answers, then record it and score it."""
    from crisisplay.drill.session import finish, open_drill, record_decision, record_event
    from crisisplay.frontends.answers import load_answers

    answers = load_answers(answers_path)
    from crisisplay import times

    times.use_zone(resolved.timezone())  # typed times are read in the incident's zone
    for key in answers.incident:
        if key not in DRILL_INCIDENT_KEYS:
            raise answers.problem(
                ("incident", key),
                f"incident: '{key}' comes from the scenario in a drill; an answers file for a "
                f"drill may give only {' and '.join(DRILL_INCIDENT_KEYS)}",
            )
    try:
        start = (
            incident_time(answers.incident["first_seen"], "incident.first_seen")
            if answers.incident.get("first_seen")
            else now_utc()
        )
    except ValueError as e:
        raise answers.problem(("incident", "first_seen"), str(e)) from None
    sc = loaded.scenario
    dry = Walk(
        resolved,
        Incident(
            id="(planning)",
            title=sc.incident.title,
            severity=sc.incident.severity,
            client_name=sc.incident.client,
            client_slug="",
            first_seen=start,
            opened_at=start,
            playbook={},
        ),
    )
    variables = drill_variables(dry, answers, loaded)
    dry.variables.update(variables)
    steps = plan_steps(dry, answers, loaded, start)
    end = steps[-1].at if steps and steps[-1].at else start
    reached, decisions, end = plan_decisions(answers, loaded, start, end)

    session = open_drill(
        lib,
        loaded,
        resolved,
        variables=variables,
        first_seen=start,
        speed=speed,
        mode="scripted",
    )
    try:
        # One time line: an event before the step or decision at the same moment, a
        # decision after its event; steps keep the walk's order.
        timeline: list[tuple[datetime, int, int, Any]] = []
        timeline += [(start + e.offset, 0, n, e) for n, e in enumerate(reached)]
        timeline += [(p.at or start, 1, n, p) for n, p in enumerate(steps)]
        timeline += [(d.at, 2, n, d) for n, d in enumerate(decisions)]
        for when, kind, _, item in sorted(timeline, key=lambda x: (x[0], x[1], x[2])):
            if kind == 0:
                record_event(session, item)
            elif kind == 1:
                session.submit(item.data, when)
            else:
                record_decision(session, item.event, item.option, when)
        score = finish(session, loaded, end)
    finally:
        session.close()
    return session, score


__all__ = ["scripted_drill"]
