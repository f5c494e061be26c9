"""Scoring a drill from its log, and the debrief that explains the score.

Everything is computed from the incident's events and the scenario: never from the wall
clock, never from what the runner remembers. The same log gives the same score, and each
point lost is one item that names what happened, when (scenario time), and why it
matters — the scenario's WHY where it has one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from crisisplay.drill.scenario import CATEGORIES, Scenario, match_answer, stamp
from crisisplay.drill.state import DrillLog, when
from crisisplay.durations import format_duration

if TYPE_CHECKING:
    from crisisplay.playbook.library import Resolved
    from crisisplay.walk import Walk

SCHEMA = "crisisplay/drill-score/v1"
TITLES = {
    "deadlines": "Deadlines",
    "statements": "Statements",
    "decisions": "Decisions",
    "timeliness": "Timeliness",
}
# Points lost per item (an option's or expectation's own `cost` wins where it has one).
DEADLINE_LATE, DEADLINE_SLIGHTLY_LATE = 10, 5
FINDING_ERROR, FINDING_WARNING = 5, 1
MISTAKE, NOT_EXPECTED, UNREACHABLE_ACK = 10, 5, 5
DECISION_LATE = 3


@dataclass
class _Ctx:
    scenario: Scenario
    walk: Walk
    drill: DrillLog
    start: datetime
    end: datetime
    step_at: dict[str, datetime]  # step id -> when it was recorded (scenario time)

    def t(self, moment: datetime) -> int:
        return int((moment - self.start).total_seconds())


def _lateness_cost(late: timedelta, window: timedelta) -> int:
    """Late by at most a quarter of the time allowed costs half."""
    return DEADLINE_SLIGHTLY_LATE if late <= window / 4 else DEADLINE_LATE


def _late(late: timedelta) -> str:
    return format_duration(late) + " late"


def score_drill(
    scenario: Scenario,
    resolved: Resolved,
    events: list[dict[str, Any]],
    *,
    end: datetime | None = None,
) -> dict[str, Any]:
    """The score object (see docs/drills.md) for a drill's events."""
    from crisisplay.walk import Incident, Walk

    walk = Walk(resolved, Incident.from_event(events[0]))
    step_at: dict[str, datetime] = {}
    for event in events:
        walk.apply(event)
        if event["type"] == "step":
            step_at[event["data"]["step"]] = when(event)
    drill = DrillLog.read(events)
    start = walk.incident.first_seen
    if end is None:
        end = start + timedelta(seconds=drill.ended["t"]) if drill.ended else drill.last or start
    ctx = _Ctx(scenario, walk, drill, start, end, step_at)
    items: list[dict[str, Any]] = []
    good: list[dict[str, Any]] = []
    _deadlines(ctx, items, good)
    _statement_deadlines(ctx, items, good)
    _findings(ctx, items, good)
    _expectations(ctx, items, good)
    _decisions(ctx, items, good)
    _unreachable(ctx, items)
    order = {c: n for n, c in enumerate(CATEGORIES)}

    def key(item: dict[str, Any]) -> tuple[int, int, str]:
        return (
            order[item["category"]],
            item["t"] if item["t"] is not None else 10**9,
            item["subject"],
        )

    items.sort(key=key)
    good.sort(key=key)
    categories = []
    for cat in CATEGORIES:
        top = getattr(scenario.scoring, cat)
        lost = sum(i["lost"] for i in items if i["category"] == cat)
        categories.append({"id": cat, "score": max(0, top - lost), "max": top, "lost": lost})
    pb = resolved.playbook
    return {
        "schema": SCHEMA,
        "scenario": scenario.id,
        "title": scenario.title,
        "incident": walk.incident.id,
        "playbook": {"id": pb.id, "version": pb.version},
        "total": sum(c["score"] for c in categories),
        "max": 100,
        "ended": {
            "reason": (drill.ended or {}).get("reason"),
            "t": ctx.t(end),
        },
        "categories": categories,
        "items": items,
        "good": good,
    }


def _item(
    category: str, code: str, subject: str, lost: int, t: int | None, message: str
) -> dict[str, Any]:
    return {
        "category": category,
        "code": code,
        "subject": subject,
        "lost": lost,
        "t": t,
        "message": message,
    }


# --- deadlines ---------------------------------------------------------------------------


def _counted_stages(ctx: _Ctx) -> list[str]:
    """Stages the walk entered, up to the scenario's last stage: their deadlines count."""
    order = [s.id for s in ctx.walk.resolved.playbook.stages or []]
    last = order.index(ctx.scenario.ends_after) if ctx.scenario.ends_after in order else len(order)
    entered = {
        ctx.walk.steps[ctx.walk.index[s]][0].id for s in ctx.walk.records if s in ctx.walk.index
    }
    cur = ctx.walk.current()
    if cur is not None:
        entered.add(cur[0].id)
    return [s for n, s in enumerate(order) if s in entered and n <= last]


def _deadlines(ctx: _Ctx, items: list[dict[str, Any]], good: list[dict[str, Any]]) -> None:
    counted = set(_counted_stages(ctx))
    for d in ctx.walk.deadlines():
        if d.stage not in counted:
            continue
        window = d.due_at - ctx.start
        done = d.done_at
        due = stamp(d.due_at - ctx.start)
        if done is not None and done <= d.due_at:
            good.append(
                _item(
                    "deadlines",
                    "deadline-met",
                    d.stage,
                    0,
                    ctx.t(done),
                    f"{d.title}: done at {stamp(done - ctx.start)}, due {due}.",
                )
            )
            continue
        if done is None and ctx.end <= d.due_at:
            continue  # still running when the drill ended, and not yet due
        moment = done or ctx.end
        late = moment - d.due_at
        how = (
            f"done at {stamp(done - ctx.start)}"
            if done
            else f"still not done when the drill ended at {stamp(ctx.end - ctx.start)}"
        )
        items.append(
            _item(
                "deadlines",
                "deadline-missed",
                d.stage,
                _lateness_cost(late, window),
                ctx.t(moment),
                f"{d.title} was due at {due}; {how}: {_late(late)}.",
            )
        )


def _published_at(data: dict[str, Any], recorded: datetime) -> datetime:
    from crisisplay.walk import parse_time

    times = [parse_time(p["at"]) for p in (data.get("published") or {}).values() if p.get("at")]
    return min(times) if times else recorded


def _statement_deadlines(
    ctx: _Ctx, items: list[dict[str, Any]], good: list[dict[str, Any]]
) -> None:
    from crisisplay.durations import parse_duration

    for step_id, spec in ctx.scenario.statements.items():
        if not spec.by:
            continue
        by = parse_duration(spec.by)
        why = f" {spec.why.strip()}" if spec.why else ""
        record = ctx.walk.records.get(step_id)
        if record is None or record.get("status") == "skipped":
            what = (
                f"was skipped ({record.get('reason')})"
                if record is not None
                else "was never put out (the walk did not reach it)"
            )
            items.append(
                _item(
                    "deadlines",
                    "statement-missing",
                    step_id,
                    DEADLINE_LATE,
                    ctx.t(ctx.start + by),
                    f"{step_id}: the statement had to be out by {stamp(by)}; it {what}.{why}",
                )
            )
            continue
        out_at = _published_at(record, ctx.step_at[step_id])
        if out_at - ctx.start <= by:
            good.append(
                _item(
                    "deadlines",
                    "statement-on-time",
                    step_id,
                    0,
                    ctx.t(out_at),
                    f"{step_id}: out at {stamp(out_at - ctx.start)}, needed by {stamp(by)}.",
                )
            )
            continue
        late = out_at - ctx.start - by
        items.append(
            _item(
                "deadlines",
                "statement-late",
                step_id,
                _lateness_cost(late, by),
                ctx.t(out_at),
                f"{step_id}: the statement had to be out by {stamp(by)}; it went out at "
                f"{stamp(out_at - ctx.start)}: {_late(late)}.{why}",
            )
        )


# --- statements ---------------------------------------------------------------------------


def _findings(ctx: _Ctx, items: list[dict[str, Any]], good: list[dict[str, Any]]) -> None:
    for step_id in ctx.walk.path():
        data = ctx.walk.records[step_id]
        if data.get("kind") != "draft" or data.get("status") == "skipped":
            continue
        t = ctx.t(ctx.step_at[step_id])
        by_rule: dict[str, list[dict[str, Any]]] = {}
        for platform in data.get("texts") or {}:
            for f in (data.get("findings") or {}).get(platform, []):
                if f["severity"] in ("error", "warning"):
                    by_rule.setdefault(f["rule"], []).append(f)
        if not by_rule:
            good.append(
                _item("statements", "statement-clean", step_id, 0, t, f"{step_id}: no findings.")
            )
            continue
        reasons = "; ".join(o["reason"] for o in data.get("overrides") or [])
        for rule, found in by_rule.items():
            error = any(f["severity"] == "error" for f in found)
            first = next(f for f in found if f["severity"] == ("error" if error else "warning"))
            platforms = sorted({f["platform"] for f in found})
            quote = f" “{first['excerpt']}”" if first.get("excerpt") else ""
            span = (
                f"characters {first['start']}–{first['end']}"
                if first["end"] > first["start"]
                else "the whole text"
            )
            message = (
                f"{step_id}: {'error' if error else 'warning'} {rule}{quote} "
                f"({', '.join(platforms)}; {span}): {first['message']}"
            )
            if error and reasons:
                message += f" Published with an override: “{reasons}”."
            items.append(
                _item(
                    "statements",
                    "finding-error" if error else "finding-warning",
                    step_id,
                    FINDING_ERROR if error else FINDING_WARNING,
                    t,
                    message,
                )
            )


# --- decisions ----------------------------------------------------------------------------


def _answer_of(step: Any, data: dict[str, Any]) -> str | None:
    if step.kind == "decide":
        return data.get("option")
    value = data.get("value")
    if isinstance(value, bool):
        return "yes" if value else "no"
    return None if value is None else str(value)


def _expectations(ctx: _Ctx, items: list[dict[str, Any]], good: list[dict[str, Any]]) -> None:
    pb = ctx.walk.resolved.playbook
    for step_id, exp in ctx.scenario.expectations().items():
        step = pb.step(step_id)
        data = ctx.walk.records.get(step_id)
        if step is None or data is None or data.get("status") == "skipped":
            continue  # not reached: the choice that led elsewhere is what is scored
        taken = _answer_of(step, data)
        expected = match_answer(step, exp.option)
        t = ctx.t(ctx.step_at[step_id])
        if taken is not None and expected is not None and taken.casefold() == expected.casefold():
            good.append(
                _item(
                    "decisions",
                    "expectation-met",
                    step_id,
                    0,
                    t,
                    f"{step_id}: “{taken}”." + (f" {exp.why.strip()}" if exp.why else ""),
                )
            )
            continue
        mistakes = {match_answer(step, k): why for k, why in exp.mistakes.items()}
        why = mistakes.get(taken) or exp.why or ""
        items.append(
            _item(
                "decisions",
                "expectation-missed",
                step_id,
                exp.cost,
                t,
                " ".join(
                    part
                    for part in (
                        f"{step_id}: you chose “{taken}”.",
                        why.strip(),
                        f"(Expected: “{expected}”.)",
                    )
                    if part
                ),
            )
        )


def _decisions(ctx: _Ctx, items: list[dict[str, Any]], good: list[dict[str, Any]]) -> None:
    for event in ctx.scenario.decisions():
        data = ctx.drill.decisions.get(event.id)
        if data is None:
            continue
        option = event.option(data["option"])
        if option is None:
            continue
        t = int(data["t"])
        expected = [o for o in event.options or [] if o.expected]
        head = f"{event.id} ({stamp(event.offset)}): “{option.label}”"
        if option.mistake:
            items.append(
                _item(
                    "decisions",
                    "decision-mistake",
                    event.id,
                    MISTAKE if option.cost is None else option.cost,
                    t,
                    f"{head} — {option.mistake.strip()}",
                )
            )
        elif expected and not option.expected:
            why = f" {option.why.strip()}" if option.why else ""
            items.append(
                _item(
                    "decisions",
                    "decision-not-expected",
                    event.id,
                    NOT_EXPECTED if option.cost is None else option.cost,
                    t,
                    f"{head}.{why} The expected answer: “{expected[0].label}”.",
                )
            )
        else:
            why = f" — {option.why.strip()}" if option.why else ""
            good.append(_item("decisions", "decision-good", event.id, 0, t, head + why))
        due = event.due_delta
        after = timedelta(seconds=int(data.get("after_s", 0)))
        if after > due:
            items.append(
                _item(
                    "timeliness",
                    "decision-late",
                    event.id,
                    DECISION_LATE,
                    t,
                    f"{event.id}: answered at {stamp(t)}, {format_duration(after)} after it came "
                    f"in (due within {format_duration(due)}).",
                )
            )


def _unreachable(ctx: _Ctx, items: list[dict[str, Any]]) -> None:
    """A notify step recorded as acknowledged by someone who could not have answered."""
    silent = [e for e in ctx.scenario.events() if e.kind == "unreachable" and e.role]
    if not silent:
        return
    pb = ctx.walk.resolved.playbook
    for step_id in ctx.walk.path():
        data = ctx.walk.records[step_id]
        step = pb.step(step_id)
        if step is None or step.kind != "notify" or not data.get("acknowledged"):
            continue
        if data.get("status") == "skipped":
            continue
        moment = ctx.step_at[step_id] - ctx.start
        for e in silent:
            until = e.until_offset
            if (
                e.role in (step.roles or [])
                and e.offset <= moment
                and (until is None or moment < until)
            ):
                span = f"from {stamp(e.offset)}" + (f" to {stamp(until)}" if until else "")
                items.append(
                    _item(
                        "decisions",
                        "unreachable-acknowledged",
                        step_id,
                        UNREACHABLE_ACK,
                        int(moment.total_seconds()),
                        f"{step_id} ({stamp(moment)}): recorded as acknowledged by the "
                        f"{e.role}, who was unreachable {span}. Record “no answer yet” and "
                        "escalate to someone who can answer (R7).",
                    )
                )


# --- the debrief --------------------------------------------------------------------------


def debrief(score: dict[str, Any]) -> list[str]:
    """The score and what to work on, as plain lines (no colour needed to read it)."""
    lines = [f"Drill: {score['title']} ({score['scenario']}) — {score['total']}/{score['max']}"]
    for c in score["categories"]:
        lines.append(f"  {TITLES[c['id']]:<11} {c['score']:>3}/{c['max']}")
    if score["items"]:
        lines += ["", "What to work on:"]
        for i in score["items"]:
            lines.append(f"  ✗ −{i['lost']} {i['message']}")
    else:
        lines += ["", "Nothing cost points."]
    if score["good"]:
        lines += ["", "What went well:"]
        for g in score["good"]:
            lines.append(f"  ✓ {g['message']}")
    return lines
