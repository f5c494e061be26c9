"""Scoring a drill from its log, and the debrief that explains the score.

Everything is computed from the incident's events and the scenario: never from the wall
clock, never from what the runner remembers. The same log gives the same score, and each
point lost is one item that names what happened, when (scenario time), and why it
matters — the scenario's WHY where it has one.

Each item has a raw cost (10 for a marked mistake, 5 for a deadline slightly missed …)
and what it costs in the score: in decisions, deadlines and timeliness a category's
maximum is shared out over everything that can go wrong in it in this scenario, so it
reaches zero only when all of it went wrong; and every item lowers the total (see
`Scale` and docs/drills.md, "The score").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from crisisplay.drill.scenario import (
    CATEGORIES,
    STATEMENT_WORDS,
    Scenario,
    holding_statement,
    match_answer,
    stamp,
)
from crisisplay.drill.state import DrillLog, when
from crisisplay.i18n import _, speaking
from crisisplay.times import format_duration, parse_duration

if TYPE_CHECKING:
    from crisisplay.incident.walk import Deadline, Walk
    from crisisplay.playbook.model import Stage
    from crisisplay.playbook.resolved import Resolved

SCHEMA = "crisisplay/drill-score/v1"
# Raw points lost per item (an option's or expectation's own `cost` wins where it has one).
DEADLINE_LATE, DEADLINE_SLIGHTLY_LATE = 10, 5
FINDING_ERROR, FINDING_WARNING = 5, 1
MISTAKE, NOT_EXPECTED, UNREACHABLE_ACK = 10, 5, 5
DECISION_LATE = 3
PROMISE_BROKEN, APPROVAL_UNREACHABLE, PHANTOM_STATEMENT = 5, 5, 5
# The holding statement, in hundredths of a point of its category at its default maximum
# (25): silence costs all of it; out on time costs up to HOLDING_ON_TIME, the later the
# more, so earlier is always better; late costs HOLDING_ON_TIME plus up to HOLDING_LATE
# more, reached at twice the time allowed past the deadline (still less than silence).
HOLDING_DEFAULT, HOLDING_ON_TIME, HOLDING_LATE = 2500, 300, 1900
# Findings the statement checker makes outside its rule files (crisisplay/check/__init__.py),
# with their severity; the confidential and banned terms only when the client lists some.
CHECKER_BUILT_IN = (
    ("too-long", "platform-length", "error"),
    ("too-many-bytes", "platform-length", "error"),
    ("repeated-statement", "repeated", "warning"),
)


# Categories whose face values are shared out over their worst case. A run can reach the
# worst case of these (every decision wrong, every deadline missed, every answer late);
# no run fails every checker rule on every statement, so statements keep face values.
SHARED = ("deadlines", "decisions", "timeliness")


@dataclass(frozen=True)
class Scale:
    """What the items of one category cost, in hundredths of a point.

    Shared categories: an item costs raw × max ÷ worst (`worst`: the raw points lost if
    everything in the scenario that can cost points in this category does), rounded down
    to a tenth. Statements: raw points as they are. Either way an item costs at least a
    tenth, so the total goes down with every item. And so that no item is ever free, the
    category keeps back a hundredth of a point for every further item it could still give
    (`slots`: how many it can give in all): an item is paid from what is left above that,
    and once nothing is, each further item costs its hundredth. A category never goes
    below zero, and no real run comes near the hundredths.
    """

    top: int
    worst: int
    slots: int
    per_raw: Fraction  # tenths of a point per raw point

    @classmethod
    def of(cls, category: str, top: int, slots: list[int]) -> Scale:
        slots = [s for s in slots if s > 0]
        worst = sum(slots)
        if category in SHARED:
            per_raw = Fraction(top * 10, worst) if worst else Fraction(0)
        else:
            per_raw = Fraction(10)
        return cls(top, worst, len(slots), per_raw)

    def charge(self, raws: list[int]) -> list[int]:
        """The cost in hundredths of each item, in the debrief's order."""
        left, given, out = self.top * 100, 0, []
        for raw in raws:
            if raw <= 0:
                out.append(0)
                continue
            want = 10 * max(1, int(raw * self.per_raw))
            kept = max(0, self.slots - given - 1)
            pay = min(left, max(1, min(want, left - kept)))
            out.append(pay)
            left -= pay
            given += 1
        return out


def points(hundredths: int) -> int | float:
    """Hundredths of a point as the score object writes them: 7250 -> 72.5, 10000 -> 100."""
    return hundredths // 100 if hundredths % 100 == 0 else hundredths / 100


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


def score_drill(
    scenario: Scenario,
    resolved: Resolved,
    events: list[dict[str, Any]],
    *,
    end: datetime | None = None,
) -> dict[str, Any]:
    """The score object (see docs/drills.md) for a drill's events."""
    from crisisplay.incident.walk import Incident, Walk

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
    with speaking(scenario.language):  # the debrief is read in the scenario's language
        _holding(ctx, items, good)
        _deadlines(ctx, items, good)
        _statement_deadlines(ctx, items, good)
        _fold(ctx, items)
        _findings(ctx, items, good)
        _promises(ctx, items, good)
        _expectations(ctx, items, good)
        _decisions(ctx, items, good)
        _unreachable(ctx, items)
        _unreachable_approvals(ctx, items)
        _phantom_steps(ctx, items)
    order = {c: n for n, c in enumerate(CATEGORIES)}

    def key(item: dict[str, Any]) -> tuple[int, int, str]:
        return (
            order[item["category"]],
            item["t"] if item["t"] is not None else 10**9,
            item["subject"],
        )

    items.sort(key=key)
    good.sort(key=key)
    slots = worst_cases(scenario, resolved)
    categories = []
    total = 0
    for cat in CATEGORIES:
        scale = Scale.of(cat, getattr(scenario.scoring, cat), slots[cat])
        mine = [i for i in items if i["category"] == cat]
        if cat == "holding":  # its own curve, in hundredths of its default maximum
            costs = [
                min(scale.top * 100, int(i["raw"] * 100 * scale.top * 100) // HOLDING_DEFAULT)
                for i in mine
            ]
        else:
            costs = scale.charge([i["raw"] for i in mine])
        for i, cost in zip(mine, costs, strict=True):
            i["lost"] = points(cost)
        lost = sum(costs)
        total += scale.top * 100 - lost
        categories.append(
            {
                "id": cat,
                "score": points(scale.top * 100 - lost),
                "max": scale.top,
                "lost": points(lost),
                "raw": sum(i["raw"] for i in mine),
                "worst": scale.worst,
            }
        )
    pb = resolved.playbook
    return {
        "schema": SCHEMA,
        "scenario": scenario.id,
        "title": scenario.title,
        "language": scenario.language,
        "incident": walk.incident.id,
        "playbook": {"id": pb.id, "version": pb.version},
        "total": points(total),
        "max": 100,
        "speed": (drill.started or {}).get("speed"),
        "mode": (drill.started or {}).get("mode"),
        "ended": {
            "reason": (drill.ended or {}).get("reason"),
            "t": ctx.t(end),
            "stage": scenario.ends_after,
            "events_shown": len(drill.shown),
            "events": len(scenario.timeline),
            "typed_s": (drill.ended or {}).get("typed_s"),
        },
        "categories": categories,
        "items": items,
        "good": good,
    }


def _item(
    category: str, code: str, subject: str, raw: int | float, t: int | None, message: str
) -> dict[str, Any]:
    """One line of the debrief; `lost` (the scaled cost) is set once the scales are known."""
    return {
        "category": category,
        "code": code,
        "subject": subject,
        "lost": 0,
        "raw": raw,
        "t": t,
        "message": message,
    }


# --- the worst case -----------------------------------------------------------------------


def stages_in_play(scenario: Scenario, resolved: Resolved) -> list[Stage]:
    """The playbook's stages up to the scenario's last one: what the drill can score."""
    stages = list(resolved.playbook.stages or [])
    ids = [s.id for s in stages]
    last = ids.index(scenario.ends_after) if scenario.ends_after in ids else len(ids)
    return stages[: last + 1]


def folded_stages(scenario: Scenario, resolved: Resolved) -> dict[str, str]:
    """Statement step id -> the stage whose deadline counts once with it.

    A statement due no earlier than the deadline of the stage that holds it is the same
    lateness as that stage's: the statement's item stands (it carries the scenario's WHY)
    and the stage's deadline is folded into it. Decided on the scenario's severity.
    """
    level = next(
        (s for s in resolved.playbook.severity_levels() if s.level == scenario.incident.severity),
        None,
    )
    out: dict[str, str] = {}
    for stage in stages_in_play(scenario, resolved):
        due = (level.deadlines.get(stage.id) if level else None) or stage.due
        if not due:
            continue
        for step in stage.steps:
            spec = scenario.statements.get(step.id)
            if spec is None or not spec.by or stage.id in out.values():
                continue
            if parse_duration(spec.by) >= parse_duration(due):
                out[step.id] = stage.id
    return out


def worst_cases(scenario: Scenario, resolved: Resolved) -> dict[str, list[int]]:
    """Per category, the raw cost of every item this scenario can give (each at its worst).

    An upper bound: items on branches that exclude each other are all counted.
    """
    stages = stages_in_play(scenario, resolved)
    levels = resolved.playbook.severity_levels()
    folded = set(folded_stages(scenario, resolved).values())
    steps = [step for stage in stages for step in stage.steps]
    deadlines = [
        DEADLINE_LATE
        for stage in stages
        if stage.id not in folded and (stage.due or any(stage.id in lv.deadlines for lv in levels))
    ]
    holding = holding_statement(scenario, resolved)
    deadlines += [
        DEADLINE_LATE
        for step_id, spec in scenario.statements.items()
        if spec.by and step_id != holding
    ]
    per_statement = _finding_slots(resolved)
    drafts = [step for step in steps if step.kind == "draft"]
    statements = [c for step in drafts for c in per_statement]
    statements += [PROMISE_BROKEN for _ in drafts]
    decisions = [e.cost for e in scenario.expectations().values()]
    for event in scenario.decisions():
        decisions.append(
            max(
                _option_cost(event, o) + (PHANTOM_STATEMENT if o.points_to_statement() else 0)
                for o in event.options or []
            )
        )
    silent = [e for e in scenario.timeline if e.kind == "unreachable" and e.role]
    decisions += [
        UNREACHABLE_ACK
        for step in steps
        if step.kind == "notify"
        for e in silent
        if e.role in (step.roles or [])
    ]
    decisions += [
        APPROVAL_UNREACHABLE
        for step in drafts
        if any(e.role in _roles(step.approve_by) for e in silent)
    ]
    decisions += [PHANTOM_STATEMENT for step in steps if _points_to_statement(step)]
    return {
        "holding": [HOLDING_DEFAULT // 100] if holding else [],
        "deadlines": deadlines,
        "statements": statements,
        "decisions": decisions,
        "timeliness": [DECISION_LATE for _ in scenario.decisions()],
    }


def _roles(approve_by: Any) -> list[str]:
    if not approve_by:
        return []
    return [approve_by] if isinstance(approve_by, str) else [str(r) for r in approve_by]


def _points_to_statement(step: Any) -> bool:
    """A check step that sends people to our statement (link it, pin it, point to it)."""
    return step.kind == "check" and bool(STATEMENT_WORDS.search(step.text or ""))


def _option_cost(event: Any, option: Any) -> int:
    """What taking this option costs (0 for a good one)."""
    if option.mistake:
        return MISTAKE if option.cost is None else int(option.cost)
    if any(o.expected for o in event.options or []) and not option.expected:
        return NOT_EXPECTED if option.cost is None else int(option.cost)
    return 0


def _finding_slots(resolved: Resolved) -> list[int]:
    """One statement's worst: every check the statement checker can fail, at its worst."""
    from crisisplay.check.rules import load_rules
    from crisisplay.i18n import base_language
    from crisisplay.playbook.clients import profile_of, workspace_rules_dirs

    profile = profile_of(resolved.client)
    off = {d.strip() for d in profile.disable}
    rules = load_rules(
        base_language(resolved.playbook.language),
        tuple(workspace_rules_dirs(resolved.library.home)),
    )
    checks = [(r.id, r.family, {r.severity, *r.severity_by_kind.values()}) for r in rules.rules] + [
        (rule, family, {severity}) for rule, family, severity in CHECKER_BUILT_IN
    ]
    if profile.confidential_terms:
        checks.append(("confidential-term", "confidential", {"error"}))
    if profile.banned:
        checks.append(("banned-phrase", "banned", {"error"}))
    out = []
    for rule, family, severities in checks:
        if rule in off or family in off:
            continue
        if "error" in severities:
            out.append(FINDING_ERROR)
        elif "warning" in severities:
            out.append(FINDING_WARNING)
    return out


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
                    _("{title}: done at {t}, due {due}.").format(
                        title=d.title, t=stamp(done - ctx.start), due=due
                    ),
                )
            )
            continue
        if done is None and ctx.end <= d.due_at:
            continue  # still running when the drill ended, and not yet due
        moment = done or ctx.end
        late = moment - d.due_at
        items.append(
            _item(
                "deadlines",
                "deadline-missed",
                d.stage,
                _lateness_cost(late, window),
                ctx.t(moment),
                _("{title} was due at {due}; {how}: {late}.").format(
                    title=d.title, due=due, how=_how(ctx, d), late=_late(late)
                ),
            )
        )


def _how(ctx: _Ctx, d: Deadline) -> str:
    if d.done_at is not None:
        return _("done at {t}").format(t=stamp(d.done_at - ctx.start))
    return _("still not done when the drill ended at {t}").format(t=stamp(ctx.end - ctx.start))


def _late(late: timedelta) -> str:
    return _("{duration} late").format(duration=format_duration(late))


def _fold(ctx: _Ctx, items: list[dict[str, Any]]) -> None:
    """One lateness, one penalty: a stage deadline folded into its statement's `by`."""
    folded = folded_stages(ctx.scenario, ctx.walk.resolved)
    missed = {i["subject"]: i for i in items if i["code"] == "deadline-missed"}
    for step_id, stage_id in folded.items():
        stage_item = missed.get(stage_id)
        statement = next(
            (
                i
                for i in items
                if i["subject"] == step_id
                and i["code"]
                in ("statement-late", "statement-missing", "holding-late", "holding-missing")
            ),
            None,
        )
        if stage_item is None or statement is None:
            continue
        deadline = ctx.walk.deadline_for(stage_id)
        if deadline is None:
            continue
        items.remove(stage_item)
        if statement["category"] == stage_item["category"]:
            statement["raw"] = max(statement["raw"], stage_item["raw"])
        late = (deadline.done_at or ctx.end) - deadline.due_at
        statement["message"] += " " + _(
            "The {stage} stage deadline ({due}, {how}) counts once, with this."
        ).format(
            stage=stage_id,
            due=stamp(deadline.due_at - ctx.start),
            how=f"{_how(ctx, deadline)}: {_late(late)}",
        )


def _published_at(data: dict[str, Any], recorded: datetime) -> datetime:
    from crisisplay.incident.walk import parse_time

    times = [parse_time(p["at"]) for p in (data.get("published") or {}).values() if p.get("at")]
    return min(times) if times else recorded


def _never_out(record: dict[str, Any] | None) -> str:
    """Why a statement that had to go out never did: skipped (and why), or never reached."""
    if record is not None:
        return _("was skipped ({reason})").format(reason=record.get("reason"))
    return _("was never put out (the walk did not reach it)")


def _statement_deadlines(
    ctx: _Ctx, items: list[dict[str, Any]], good: list[dict[str, Any]]
) -> None:
    holding = holding_statement(ctx.scenario, ctx.walk.resolved)
    for step_id, spec in ctx.scenario.statements.items():
        if not spec.by or step_id == holding:
            continue
        by = parse_duration(spec.by)
        why = f" {spec.why.strip()}" if spec.why else ""
        record = ctx.walk.records.get(step_id)
        if record is None or record.get("status") == "skipped":
            what = _never_out(record)
            items.append(
                _item(
                    "deadlines",
                    "statement-missing",
                    step_id,
                    DEADLINE_LATE,
                    ctx.t(ctx.start + by),
                    _("{step}: the statement had to be out by {by}; it {what}.").format(
                        step=step_id, by=stamp(by), what=what
                    )
                    + why,
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
                    _("{step}: out at {t}, needed by {by}.").format(
                        step=step_id, t=stamp(out_at - ctx.start), by=stamp(by)
                    ),
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
                _(
                    "{step}: the statement had to be out by {by}; it went out at {t}: {late}."
                ).format(step=step_id, by=stamp(by), t=stamp(out_at - ctx.start), late=_late(late))
                + why,
            )
        )


# --- the holding statement ----------------------------------------------------------------


def _out_at(ctx: _Ctx, step_id: str) -> datetime | None:
    """When a draft step's statement went out (None: skipped or never reached)."""
    record = ctx.walk.records.get(step_id)
    if record is None or record.get("status") == "skipped" or step_id not in ctx.step_at:
        return None
    return _published_at(record, ctx.step_at[step_id])


def holding_cost(out: timedelta | None, by: timedelta) -> int:
    """What the holding statement costs, in hundredths at the default maximum: the later,
    the more; silence most of all."""
    if out is None:
        return HOLDING_DEFAULT
    window = max(by.total_seconds(), 1.0)
    if out <= by:
        return int(HOLDING_ON_TIME * out.total_seconds() / window)
    late = min(1.0, (out - by).total_seconds() / (2 * window))
    return HOLDING_ON_TIME + int(HOLDING_LATE * late)


def _as_expected(ctx: _Ctx) -> bool:
    """Whether the scenario expects something and every expectation the walk reached
    was met."""
    pb = ctx.walk.resolved.playbook
    reached = 0
    for step_id, exp in ctx.scenario.expectations().items():
        step = pb.step(step_id)
        data = ctx.walk.records.get(step_id)
        if step is None or data is None or data.get("status") == "skipped":
            continue
        taken = _answer_of(step, data)
        expected = match_answer(step, exp.option)
        if taken is None or expected is None or taken.casefold() != expected.casefold():
            return False
        reached += 1
    return reached > 0


def _holding(ctx: _Ctx, items: list[dict[str, Any]], good: list[dict[str, Any]]) -> None:
    step_id = holding_statement(ctx.scenario, ctx.walk.resolved)
    if step_id is None:
        return
    spec = ctx.scenario.statements[step_id]
    by = parse_duration(spec.by or "0m")
    why = f" {spec.why.strip()}" if spec.why else ""
    out_at = _out_at(ctx, step_id)
    if out_at is None and step_id not in ctx.walk.records and _as_expected(ctx):
        # Every conclusion the scenario expects was drawn, and the branch it leads to
        # publishes nothing (a troll is monitored, not answered): silence was right.
        good.append(
            _item(
                "holding",
                "holding-not-needed",
                step_id,
                0,
                None,
                _(
                    "No holding statement, and none was needed: the walk took the branch "
                    "this scenario expects, which does not publish one."
                ),
            )
        )
        return
    if out_at is None:
        record = ctx.walk.records.get(step_id)
        what = _never_out(record)
        items.append(
            _item(
                "holding",
                "holding-missing",
                step_id,
                HOLDING_DEFAULT / 100,
                ctx.t(ctx.start + by),
                _(
                    "No holding statement: it had to be out by {by} ({step}); it {what}. "
                    "Silence is the worst answer (R2)."
                ).format(by=stamp(by), step=step_id, what=what)
                + why,
            )
        )
        return
    out = out_at - ctx.start
    cost = holding_cost(out, by)
    if out <= by:
        good.append(
            _item(
                "holding",
                "holding-on-time",
                step_id,
                0,
                ctx.t(out_at),
                _("Holding statement out at {t}, due {by}.").format(t=stamp(out), by=stamp(by)),
            )
        )
        if cost:
            items.append(
                _item(
                    "holding",
                    "holding-time",
                    step_id,
                    cost / 100,
                    ctx.t(out_at),
                    _(
                        "Holding statement out at {t}, in time (due {by}): every minute of "
                        "silence before it still counts a little."
                    ).format(t=stamp(out), by=stamp(by)),
                )
            )
        return
    items.append(
        _item(
            "holding",
            "holding-late",
            step_id,
            cost / 100,
            ctx.t(out_at),
            _("Holding statement out at {t}, due {by}: {late}.").format(
                t=stamp(out), by=stamp(by), late=_late(out - by)
            )
            + why,
        )
    )


# --- promises, approvals, references ------------------------------------------------------


def _statements_out(ctx: _Ctx) -> list[tuple[datetime, str, dict[str, Any]]]:
    """Every statement put out, by when: (time, step id, its record)."""
    out = []
    for step_id in ctx.walk.path():
        data = ctx.walk.records[step_id]
        if data.get("kind") != "draft":
            continue
        at = _out_at(ctx, step_id)
        if at is not None:
            out.append((at, step_id, data))
    return sorted(out, key=lambda x: x[0])


def _promises(ctx: _Ctx, items: list[dict[str, Any]], good: list[dict[str, Any]]) -> None:
    """A statement that says when the next update comes has promised it: kept when another
    statement is out by then, broken when none is and the drill went past that time.
    Closing the incident is not an update."""
    from crisisplay.incident.walk import parse_time

    out = _statements_out(ctx)
    # The walk's last step: a promise due after it, with nothing published since, was
    # still open when the trainee stopped walking (what follows only waits for the
    # scenario's last decisions, with no step left to publish from).
    walked = max(ctx.step_at.values(), default=ctx.start)
    for n, (made, step_id, data) in enumerate(out):
        if not data.get("next_update_by"):
            continue
        due = parse_time(data["next_update_by"])
        later = [(t, s) for t, s, _d in out[n + 1 :] if t >= made]
        kept = next(((t, s) for t, s in later if t <= due), None)
        if kept is not None:
            good.append(
                _item(
                    "statements",
                    "promise-kept",
                    step_id,
                    0,
                    ctx.t(kept[0]),
                    _("{step} promised the next update by {due}; {next} kept it at {t}.").format(
                        step=step_id,
                        due=stamp(due - ctx.start),
                        next=kept[1],
                        t=stamp(kept[0] - ctx.start),
                    ),
                )
            )
            continue
        if not later and min(ctx.end, walked) <= due:
            continue  # still open when the walk ended
        followed = (
            _("the next statement came at {t}").format(t=stamp(later[0][0] - ctx.start))
            if later
            else _("no update followed before the drill ended at {t}").format(
                t=stamp(ctx.end - ctx.start)
            )
        )
        items.append(
            _item(
                "statements",
                "promise-broken",
                step_id,
                PROMISE_BROKEN,
                ctx.t(due),
                _(
                    "{step} ({t}) told the public the next update would come by {due}; "
                    "{followed}. A missed update is a broken promise (R1)."
                ).format(
                    step=step_id,
                    t=stamp(made - ctx.start),
                    due=stamp(due - ctx.start),
                    followed=followed,
                ),
            )
        )


def _silent_at(ctx: _Ctx, role: str, moment: timedelta) -> Any:
    """The unreachable event that makes `role` unreachable at `moment`, if any."""
    for e in ctx.scenario.events():
        if e.kind != "unreachable" or e.role != role:
            continue
        until = e.until_offset
        if e.offset <= moment and (until is None or moment < until):
            return e
    return None


def _unreachable_approvals(ctx: _Ctx, items: list[dict[str, Any]]) -> None:
    """A statement signed off by someone the scenario says could not be reached."""
    from crisisplay.incident.walk import parse_time

    client = ctx.walk.resolved.client
    for step_id in ctx.walk.path():
        data = ctx.walk.records[step_id]
        approval = data.get("approval") or {}
        who = str(approval.get("by") or "").strip()
        if data.get("kind") != "draft" or not who or data.get("status") == "skipped":
            continue
        at = parse_time(approval["at"]) if approval.get("at") else ctx.step_at[step_id]
        moment = at - ctx.start
        for role in {e.role for e in ctx.scenario.timeline if e.kind == "unreachable" and e.role}:
            names = {c.name.casefold() for c in client.contacts if c.role == role}
            names |= {role.casefold(), role.replace("-", " ").casefold()}
            event = _silent_at(ctx, role, moment)
            if event is None or who.casefold() not in names:
                continue
            items.append(
                _item(
                    "decisions",
                    "approval-unreachable",
                    step_id,
                    APPROVAL_UNREACHABLE,
                    int(moment.total_seconds()),
                    _(
                        "{step} ({t}): recorded as approved by {who}, the {role}, who was "
                        "unreachable since {since}. An approval nobody gave is not one: get "
                        "sign-off from someone you can reach (R7)."
                    ).format(
                        step=step_id,
                        t=stamp(moment),
                        who=who,
                        role=role,
                        since=stamp(event.offset),
                    ),
                )
            )


def _first_out(ctx: _Ctx) -> datetime | None:
    out = _statements_out(ctx)
    return out[0][0] if out else None


def _phantom_steps(ctx: _Ctx, items: list[dict[str, Any]]) -> None:
    """A step done that sends people to our statement, when none was out."""
    pb = ctx.walk.resolved.playbook
    first = _first_out(ctx)
    for step_id in ctx.walk.path():
        step = pb.step(step_id)
        data = ctx.walk.records[step_id]
        if step is None or not _points_to_statement(step) or data.get("status") == "skipped":
            continue
        moment = ctx.step_at[step_id]
        if first is not None and first <= moment:
            continue
        items.append(
            _item(
                "decisions",
                "statement-phantom",
                step_id,
                PHANTOM_STATEMENT,
                ctx.t(moment),
                _(
                    "{step} ({t}): recorded as done — pointing people to our statement — "
                    "when no statement had been published. Skip it with the reason, or "
                    "publish first (R1)."
                ).format(step=step_id, t=stamp(moment - ctx.start)),
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
                _item(
                    "statements",
                    "statement-clean",
                    step_id,
                    0,
                    t,
                    _("{step}: no findings.").format(step=step_id),
                )
            )
            continue
        reasons = "; ".join(o["reason"] for o in data.get("overrides") or [])
        for rule, found in by_rule.items():
            error = any(f["severity"] == "error" for f in found)
            first = next(f for f in found if f["severity"] == ("error" if error else "warning"))
            platforms = sorted({f["platform"] for f in found})
            quote = f" “{first['excerpt']}”" if first.get("excerpt") else ""
            span = (
                _("characters {start}–{end}").format(start=first["start"], end=first["end"])
                if first["end"] > first["start"]
                else _("the whole text")
            )
            message = "{step}: {severity} {rule}{quote} ({platforms}; {span}): {message}".format(
                step=step_id,
                severity=_("error") if error else _("warning"),
                rule=rule,
                quote=quote,
                platforms=", ".join(platforms),
                span=span,
                message=first["message"],
            )
            if error and reasons:
                message += " " + _("Published with an override: “{reasons}”.").format(
                    reasons=reasons
                )
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
                        _("{step}: you chose “{taken}”.").format(step=step_id, taken=taken),
                        why.strip(),
                        _("(Expected: “{expected}”.)").format(expected=expected),
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
        cost = _option_cost(event, option)
        if option.mistake:
            items.append(
                _item(
                    "decisions",
                    "decision-mistake",
                    event.id,
                    cost,
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
                    cost,
                    t,
                    f"{head}.{why} "
                    + _("The expected answer: “{label}”.").format(label=expected[0].label),
                )
            )
        else:
            why = f" — {option.why.strip()}" if option.why else ""
            good.append(_item("decisions", "decision-good", event.id, 0, t, head + why))
        if option.points_to_statement():
            first = _first_out(ctx)
            if first is None or first > ctx.start + timedelta(seconds=t):
                items.append(
                    _item(
                        "decisions",
                        "statement-phantom",
                        event.id,
                        PHANTOM_STATEMENT,
                        t,
                        _(
                            "{event} ({t}): “{label}” points to a statement of ours, but none "
                            "had been published: there was nothing to point to (R1)."
                        ).format(event=event.id, t=stamp(t), label=option.label),
                    )
                )
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
                    _(
                        "{event}: answered at {t}, {after} after it came in (due within {due})."
                    ).format(
                        event=event.id,
                        t=stamp(t),
                        after=format_duration(after),
                        due=format_duration(due),
                    ),
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
                span = _("from {t}").format(t=stamp(e.offset)) + (
                    " " + _("to {t}").format(t=stamp(until)) if until else ""
                )
                items.append(
                    _item(
                        "decisions",
                        "unreachable-acknowledged",
                        step_id,
                        UNREACHABLE_ACK,
                        int(moment.total_seconds()),
                        _(
                            "{step} ({t}): recorded as acknowledged by the {role}, who was "
                            "unreachable {span}. Record “no answer yet” and escalate to someone "
                            "who can answer (R7)."
                        ).format(step=step_id, t=stamp(moment), role=e.role, span=span),
                    )
                )


# --- the debrief --------------------------------------------------------------------------


def debrief(score: dict[str, Any]) -> list[str]:
    """The score and what to work on, as plain lines (no colour needed to read it), in the
    language it was scored in (its items were written in it)."""
    with speaking(score.get("language")):
        return _debrief(score)


def _debrief(score: dict[str, Any]) -> list[str]:
    from crisisplay.i18n import current
    from crisisplay.numbers import local

    lang = current()

    def n(value: float) -> str:
        return local(value, lang)

    lines = [
        _("Drill: {title} ({scenario}) — {total}/{max}").format(
            title=score["title"],
            scenario=score["scenario"],
            total=n(score["total"]),
            max=score["max"],
        )
    ]
    lines += [line for line in (pace_line(score), end_line(score)) if line]
    names = category_names()
    width = max(len(t) for t in names.values()) + 1
    for c in score["categories"]:
        line = f"  {names.get(c['id'], c['id']):<{width}}{n(c['score']):>5}/{c['max']}"
        said = category_summary(score, c["id"])
        lines.append(line + (f"  {said}" if said else ""))
    if score["items"]:
        lines += ["", _("What to work on:")]
        for i in score["items"]:
            lines.append(f"  ✗ −{n(i['lost'])} {i['message']}")
    else:
        lines += ["", _("Nothing cost points.")]
    if score["good"]:
        lines += ["", _("What went well:")]
        for g in score["good"]:
            lines.append(f"  ✓ {g['message']}")
    return lines


def category_names() -> dict[str, str]:
    """The categories as the debrief names them, in the current language."""
    return {
        "holding": _("Holding statement"),
        "deadlines": _("Deadlines"),
        "statements": _("Statements"),
        "decisions": _("Decisions"),
        "timeliness": _("Timeliness"),
    }


def pace_line(score: dict[str, Any]) -> str | None:
    """At what speed the drill was played: the times in the debrief are scenario time."""
    speed = score.get("speed")
    if not isinstance(speed, int | float):
        return None
    if speed == 1:
        return _("Played in real time.")
    line = _(
        "Played at ×{speed}: 1 real minute was {speed} scenario minutes; the times below "
        "are scenario time."
    ).format(speed=f"{speed:g}")
    typed = (score.get("ended") or {}).get("typed_s")
    if typed:
        line += " " + _(
            "Writing and editing statements ran at real time: {duration} of it."
        ).format(duration=format_duration(timedelta(seconds=typed)))
    return line


def end_line(score: dict[str, Any]) -> str | None:
    """How and when the drill ended, and how many of the scenario's events came."""
    ended = score.get("ended") or {}
    reason = ended.get("reason")
    if reason is None:
        return None
    why = {
        "walk-complete": _("the walk is complete"),
        "ends-after": _("the walk left the {stage} stage, where this scenario ends").format(
            stage=ended.get("stage")
        ),
    }.get(reason, str(reason))
    line = _("The drill ended at {t}: {why}.").format(t=stamp(ended.get("t") or 0), why=why)
    shown, total = ended.get("events_shown"), ended.get("events")
    if isinstance(shown, int) and isinstance(total, int):
        line += " " + _("{shown} of its {total} events had come by then.").format(
            shown=shown, total=total
        )
    return line


def category_summary(score: dict[str, Any], category: str) -> str:
    """A plain word on a category: what was met, what was late, what it cost."""
    from crisisplay.i18n import current, ngettext
    from crisisplay.numbers import local

    items = [i for i in score["items"] if i["category"] == category]
    good = [g for g in score["good"] if g["category"] == category]
    lost = sum(i["lost"] for i in items)
    cost = f": −{local(round(lost, 2), current())}" if lost else ""
    if category == "holding":
        item = next((i for i in items if i["code"] in ("holding-missing", "holding-late")), None)
        if item is not None and item["code"] == "holding-missing":
            return _("none published") + cost
        if item is not None:
            return _("out late") + cost
        return (_("out in time") + cost) if good else ""
    if category == "deadlines":
        total = len(items) + len(good)
        if not total:
            return ""
        return _("{met} of {total} met").format(met=len(good), total=total) + cost
    if category == "statements":
        kept = sum(1 for g in good if g["code"] == "promise-kept")
        broken = sum(1 for i in items if i["code"] == "promise-broken")
        findings = sum(1 for i in items if i["code"].startswith("finding-"))
        parts = [
            ngettext("{n} checker finding", "{n} checker findings", findings).format(n=findings)
        ]
        if kept or broken:
            parts.append(
                _("promised updates: {kept} kept, {broken} broken").format(kept=kept, broken=broken)
            )
        return "; ".join(parts) + cost
    if category == "decisions":
        right = sum(1 for g in good if g["code"] in ("expectation-met", "decision-good"))
        wrong = sum(
            1
            for i in items
            if i["code"] in ("expectation-missed", "decision-mistake", "decision-not-expected")
        )
        if not right + wrong:
            return cost.lstrip(": ")
        return _("{right} of {total} as expected").format(right=right, total=right + wrong) + cost
    if category == "timeliness":
        late = len(items)
        if not late:
            return ""
        return ngettext("{n} answer late", "{n} answers late", late).format(n=late) + cost
    return cost.lstrip(": ")
