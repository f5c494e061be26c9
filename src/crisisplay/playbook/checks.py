"""Checks that need the whole resolved playbook, each reported at its `file:line:col`.

Pydantic has already checked every value's shape; here we check what a protocol needs to
be walkable at 2 a.m.: one kind per step, unique ids, gotos that land forward, no step
that nothing reaches, stages in order, deadlines that make sense, templates that exist
and only use what the incident will know by then, roles that exist among the contacts.
"""

from __future__ import annotations

import difflib
import itertools
from pathlib import Path
from typing import TYPE_CHECKING

from crisisplay.errors import Problem
from crisisplay.playbook.model import (
    BUILTIN_VARIABLES,
    STAGE_ORDER,
    STEP_KINDS,
    Client,
    Step,
)
from crisisplay.times import parse_duration

if TYPE_CHECKING:
    from crisisplay.playbook.resolved import Resolved

# Which optional fields belong to which step kind.
_KIND_FIELDS = {
    "input": "ask",
    "choices": "ask",
    "save_as": "ask",
    "default": "ask",
    "required": "ask",
    "options": "decide",
    "template": "draft",
    "platforms": "draft",
    "approve_by": "draft",
    "roles": "notify",
}


def check_playbook(resolved: Resolved) -> list[Problem]:
    pb = resolved.playbook
    o = resolved.origins
    problems: list[Problem] = []
    stages = pb.stages or []

    # Stages: known ids, each once, in protocol order, at least one step each.
    seen_stage: dict[str, int] = {}
    for i, stage in enumerate(stages):
        if stage.id in seen_stage:
            problems.append(
                o.stage(
                    stage.id, f"stage '{stage.id}' appears twice: each stage at most once", "id"
                )
            )
        seen_stage.setdefault(stage.id, i)
    order = [s.id for s in stages]
    expected = [s for s in STAGE_ORDER if s in order]
    if order != expected and len(set(order)) == len(order):
        for prev, cur in itertools.pairwise(order):
            if STAGE_ORDER.index(cur) < STAGE_ORDER.index(prev):
                problems.append(
                    o.stage(
                        cur,
                        f"stage '{cur}' comes after '{prev}': stages go in the order "
                        f"{' → '.join(STAGE_ORDER)}",
                        "id",
                    )
                )
    if not stages:
        problems.append(o.at("stages", "a playbook needs at least one stage"))
    for stage in stages:
        if not stage.steps:
            problems.append(
                o.stage(
                    stage.id,
                    f"stage '{stage.id}' has no steps: give it at least one, or remove the stage",
                )
            )

    # Deadlines never go backwards along the protocol.
    last_due: tuple[str, object] | None = None
    for stage in stages:
        if stage.due is None:
            continue
        due = parse_duration(stage.due)
        if last_due is not None and due < last_due[1]:  # type: ignore[operator]
            problems.append(
                o.stage(
                    stage.id,
                    f"stage '{stage.id}' is due at {stage.due}, before the earlier "
                    f"stage '{last_due[0]}': deadlines run from when the crisis was "
                    "first seen, so they cannot go backwards",
                    "due",
                )
            )
        last_due = (stage.id, due)

    steps = pb.steps()
    ids: dict[str, int] = {}
    for n, (_, step) in enumerate(steps):
        if step.id in ids:
            problems.append(
                o.step(
                    step.id,
                    f"step id '{step.id}' is used twice: step ids "
                    "must be unique in the whole playbook",
                    "id",
                    nth=sum(1 for _, s in steps[:n] if s.id == step.id),
                )
            )
        ids.setdefault(step.id, n)
        if step.id in seen_stage:
            problems.append(
                o.step(
                    step.id,
                    f"step id '{step.id}' is also a stage id, so a "
                    "goto to it would be ambiguous: rename the step",
                    "id",
                )
            )
    position = {step.id: n for n, (_, step) in enumerate(steps)}
    stage_start: dict[str, int] = {}
    for stage in stages:
        if stage.steps:
            stage_start.setdefault(stage.id, position[stage.steps[0].id])

    client = pb.client or Client()
    roles = client.role_names()
    uses: dict[str, int] = {}  # how often each id came before: which of its places is this
    for _, step in steps:
        nth = uses.get(step.id, 0)
        uses[step.id] = nth + 1
        problems.extend(_step_problems(step, resolved, roles, nth))

    # Gotos: to an existing step or stage, or `end`, and only forward.
    edges: dict[int, set[int]] = {}
    END = len(steps)
    broken_goto = False
    for n, (_, step) in enumerate(steps):
        targets: set[int] = set()
        falls_through = step.kind != "decide" or not step.options
        for k, option in enumerate(step.options or []):
            if option.goto is None:
                falls_through = True
                continue
            target = _target(option.goto, position, stage_start, END)
            if target is None:
                broken_goto = True
                known = list(position) + list(stage_start) + ["end"]
                close = difflib.get_close_matches(option.goto, known, n=1)
                hint = (
                    f" — did you mean '{close[0]}'?"
                    if close
                    else " (a step id, a stage id, or end)"
                )
                problems.append(
                    o.step(
                        step.id,
                        f"step '{step.id}', option '{option.label}': "
                        f"goto '{option.goto}' goes nowhere{hint}",
                        "options",
                        sub=(k, "goto"),
                    )
                )
                continue
            if target <= n:
                problems.append(
                    o.step(
                        step.id,
                        f"step '{step.id}', option '{option.label}': goto "
                        f"'{option.goto}' jumps back; a goto may only jump forward "
                        "(the walk never repeats a step)",
                        "options",
                        sub=(k, "goto"),
                    )
                )
                continue
            targets.add(target)
        if falls_through:
            targets.add(n + 1)
        edges[n] = targets

    # Reachability from the first step. A goto that goes nowhere was probably meant for a
    # step that would then look unreachable: fix the goto first, then we can tell.
    if steps and not broken_goto:
        reached = {0}
        frontier = [0]
        while frontier:
            n = frontier.pop()
            for t in edges.get(n, ()):
                if t < END and t not in reached:
                    reached.add(t)
                    frontier.append(t)
        for n, (stage, step) in enumerate(steps):
            if n not in reached and ids.get(step.id) == n:
                problems.append(
                    o.step(
                        step.id,
                        f"step '{step.id}' (stage '{stage.id}') can never be reached: "
                        "every path jumps over it; remove it, or point a goto at it",
                        "id",
                    )
                )

    problems.extend(_variable_and_template_problems(resolved))
    problems.extend(_severity_problems(resolved))
    problems.extend(proportion_problems(resolved))
    problems.extend(_holding_text_problems(resolved))
    return problems


def _holding_text_problems(resolved: Resolved) -> list[Problem]:
    """`client.holding_text`: networks it names exist, and every holding-statement draft
    has a pre-approved text for each of its networks (or none at all)."""
    from crisisplay.playbook.model import PLATFORMS

    client = resolved.client
    given = client.holding_text
    where = resolved.origins.client.get("holding_text")
    if given is None or where is None:
        return []
    located, path = where
    out: list[Problem] = []
    if isinstance(given, dict):
        for key, text in given.items():
            if key != "default" and key not in PLATFORMS:
                close = difflib.get_close_matches(key, [*PLATFORMS, "default"], n=1)
                hint = f" — did you mean '{close[0]}'?" if close else ""
                out.append(
                    located.problem(
                        (*path, key),
                        f"client.holding_text: '{key}' is not a network{hint} (networks: "
                        f"{', '.join(PLATFORMS)}, or default for the others)",
                        key=True,
                    )
                )
            elif not text.strip():
                out.append(located.problem((*path, key), f"client.holding_text.{key} is empty"))
    elif not given.strip():
        out.append(
            located.problem(path, "client.holding_text is empty: give the text, or remove it")
        )
    if out:
        return out
    for _, step in resolved.playbook.steps():
        if step.template != "holding-statement":
            continue
        missing = [p for p in resolved.draft_platforms(step) if client.holding_text_for(p) is None]
        if missing:
            out.append(
                located.problem(
                    path,
                    f"client.holding_text has no text for {', '.join(missing)} (step "
                    f"'{step.id}' posts there): add them, or a default",
                )
            )
    return out


def _target(
    goto: str, position: dict[str, int], stage_start: dict[str, int], end: int
) -> int | None:
    if goto == "end":
        return end
    if goto in position:
        return position[goto]
    return stage_start.get(goto)


class _At:
    """A step's own place, even when its id is (wrongly) reused."""

    def __init__(self, resolved: Resolved, nth: int) -> None:
        self.resolved = resolved
        self.nth = nth

    def step(self, *args: object, **kw: object) -> Problem:
        return self.resolved.origins.step(*args, nth=self.nth, **kw)  # type: ignore[arg-type]


def _step_problems(step: Step, resolved: Resolved, roles: list[str], nth: int = 0) -> list[Problem]:
    out: list[Problem] = []
    o = _At(resolved, nth)
    kinds = step.kinds()
    if not kinds:
        out.append(
            o.step(
                step.id,
                f"step '{step.id}' has no kind: give it one of "
                f"{', '.join(STEP_KINDS)} (the key says what the walk "
                "does, its value is the text shown)",
            )
        )
        return out
    if len(kinds) > 1:
        out.append(
            o.step(
                step.id,
                f"step '{step.id}' has {len(kinds)} kinds "
                f"({', '.join(kinds)}): a step does one thing; split it "
                "into separate steps",
                kinds[1],
            )
        )
        return out
    kind = kinds[0]
    if not step.text.strip():
        out.append(
            o.step(step.id, f"step '{step.id}': '{kind}' needs the text shown to the manager", kind)
        )
    for fld, owner in _KIND_FIELDS.items():
        if getattr(step, fld) is not None and owner != kind:
            out.append(
                o.step(
                    step.id,
                    f"step '{step.id}': '{fld}' belongs to {owner} steps, "
                    f"and this is a {kind} step",
                    fld,
                )
            )
    if step.moderation and kind not in ("note", "check"):
        out.append(
            o.step(
                step.id,
                f"step '{step.id}': 'moderation' belongs to note and check steps, and this "
                f"is a {kind} step",
                "moderation",
            )
        )
    if kind == "ask":
        if step.input == "choice" and not step.choices:
            out.append(
                o.step(
                    step.id,
                    f"step '{step.id}': input 'choice' needs 'choices' (the list to pick from)",
                    "input",
                )
            )
        if step.choices and step.input not in (None, "choice"):
            out.append(
                o.step(
                    step.id,
                    f"step '{step.id}': 'choices' only works with 'input: choice'",
                    "choices",
                )
            )
        if step.save_as in BUILTIN_VARIABLES:
            out.append(
                o.step(
                    step.id,
                    f"step '{step.id}': '{step.save_as}' is a name the "
                    "incident already uses: pick another",
                    "save_as",
                )
            )
    elif kind == "decide":
        options = step.options or []
        if len(options) < 2:
            out.append(
                o.step(
                    step.id,
                    f"step '{step.id}': a decide step needs 'options' "
                    "with at least two choices (label, optional goto)",
                    "options" if step.options is not None else "decide",
                )
            )
        labels: set[str] = set()
        for k, option in enumerate(options):
            if option.label.strip().lower() in labels:
                out.append(
                    o.step(
                        step.id,
                        f"step '{step.id}': two options are labelled '{option.label}'",
                        "options",
                        sub=(k, "label"),
                    )
                )
            labels.add(option.label.strip().lower())
            for var in option.set or {}:
                if var in BUILTIN_VARIABLES:
                    out.append(
                        o.step(
                            step.id,
                            f"step '{step.id}': option '{option.label}' "
                            f"sets '{var}', a name the incident already "
                            "uses",
                            "options",
                            sub=(k, "set", var),
                        )
                    )
    elif kind == "draft":
        if not step.template:
            out.append(
                o.step(
                    step.id,
                    f"step '{step.id}': a draft step needs 'template' "
                    "(holding-statement, apology, update, resolution or "
                    "one of your own)",
                    "draft",
                )
            )
        listed = isinstance(step.approve_by, list)
        approvers = step.approvers()
        for k, role in enumerate(approvers):
            sub: tuple[int, ...] = (k,) if listed else ()
            if role not in roles:
                out.append(_role_problem(step, "approve_by", role, roles, resolved, sub, nth))
            elif approvers.index(role) != k:
                out.append(
                    o.step(
                        step.id,
                        f"step '{step.id}': approve_by names '{role}' twice; each role "
                        "once, in the order they are asked",
                        "approve_by",
                        sub=sub,
                    )
                )
    elif kind == "notify":
        if not step.roles:
            out.append(
                o.step(
                    step.id,
                    f"step '{step.id}': a notify step needs 'roles' (whom "
                    "to tell, from the client's contacts)",
                    "notify",
                )
            )
        for k, role in enumerate(step.roles or []):
            if role not in roles:
                out.append(_role_problem(step, "roles", role, roles, resolved, sub=(k,), nth=nth))
    return out


def _role_problem(
    step: Step,
    fld: str,
    role: str,
    roles: list[str],
    resolved: Resolved,
    sub: tuple[str | int, ...] = (),
    nth: int = 0,
) -> Problem:
    close = difflib.get_close_matches(role, roles, n=1)
    hint = f" — did you mean '{close[0]}'?" if close else ""
    known = ", ".join(roles) if roles else "none: add them under client.contacts"
    at_step = resolved.origins.step(
        step.id,
        f"step '{step.id}': role '{role}' is not among the client's contacts"
        f"{hint} (roles: {known})",
        fld,
        sub=sub,
        nth=nth,
    )
    contacts = resolved.origins.client.get("contacts")
    top = str(resolved.path)
    if at_step.file != top and contacts is not None and contacts[0].file == top:
        # The base's step is fine; this overlay's contacts dropped the role it needs.
        located, path = contacts
        return located.problem(
            path,
            f"client.contacts: no contact has the role '{role}', which step '{step.id}' "
            f"of the base needs ({fld}): add a contact with role: {role}",
            key=True,
        )
    return at_step


def _variable_and_template_problems(resolved: Resolved) -> list[Problem]:
    from crisisplay.playbook.templates import TemplateError, parse

    pb = resolved.playbook
    o = resolved.origins
    out: list[Problem] = []
    store = resolved.template_store()
    names = [v.name for v in pb.variables]
    for k, var in enumerate(pb.variables):
        if names.index(var.name) != k:
            out.append(
                o.at(var.name, f"variable '{var.name}' is declared twice", table="variables")
            )
        if var.name in BUILTIN_VARIABLES:
            out.append(
                o.at(
                    var.name,
                    f"variable '{var.name}' is a name the incident already uses: pick another",
                    ("name",),
                    table="variables",
                )
            )
        if var.input == "choice" and not var.choices:
            out.append(
                o.at(
                    var.name,
                    f"variable '{var.name}': input 'choice' needs 'choices'",
                    ("input",),
                    table="variables",
                )
            )

    provided = set(BUILTIN_VARIABLES) | set(names)
    client_fields = set(type(resolved.client).model_fields)
    checked: set[tuple[str, ...]] = set()
    reported: dict[str, set[str]] = {}
    for _, step in pb.steps():
        if step.kind == "draft" and step.template:
            if not store.known(step.template):
                close = difflib.get_close_matches(step.template, store.ids(), n=1)
                hint = f" — did you mean '{close[0]}'?" if close else ""
                out.append(
                    o.step(
                        step.id,
                        f"step '{step.id}': there is no template "
                        f"'{step.template}' in language "
                        f"'{pb.language}'{hint} (known: "
                        f"{', '.join(store.ids()) or 'none'})",
                        "template",
                    )
                )
            else:
                for platform in resolved.draft_platforms(step):
                    src = store.find(step.template, platform)
                    if src is None:
                        out.append(
                            o.step(
                                step.id,
                                f"step '{step.id}': template "
                                f"'{step.template}' has no text for "
                                f"{platform} and no 'default'",
                                "template",
                            )
                        )
                        continue
                    try:
                        parsed = parse(src)
                    except TemplateError as e:
                        if (src.template_id, src.origin + src.platform) not in checked:
                            message = f"template '{step.template}' ({_where(src)}): {e.message}"
                            out.append(_template_problem(resolved, step, src, message, e.line))
                        checked.add((src.template_id, src.origin + src.platform))
                        continue
                    already = reported.setdefault(step.id, set())
                    missing = sorted(parsed.variables - parsed.optional - provided - already)
                    if missing:
                        already.update(missing)
                        listed = ", ".join(f"'{v}'" for v in missing)
                        out.append(
                            _template_problem(
                                resolved,
                                step,
                                src,
                                f"template '{step.template}' ({_where(src)}) uses {listed}, "
                                f"which nothing before step '{step.id}' provides: ask for "
                                f"{'it' if len(missing) == 1 else 'them'} earlier (an ask step "
                                f"with save_as: {missing[0]}), declare "
                                f"{'it' if len(missing) == 1 else 'them'} under 'variables', "
                                "or take it out of the template",
                                min(parsed.first_line.get(v, 1) for v in missing),
                                needle=min(missing, key=lambda v: parsed.first_line.get(v, 1)),
                            )
                        )
                    for attr in sorted(parsed.attributes.get("client", set()) - client_fields):
                        out.append(
                            _template_problem(
                                resolved,
                                step,
                                src,
                                f"template '{step.template}' ({_where(src)}) uses "
                                f"'client.{attr}', which a client profile does not have "
                                f"(it has {', '.join(sorted(client_fields))})",
                                parsed.attribute_lines.get(f"client.{attr}"),
                                needle=f"client.{attr}",
                            )
                        )
        if step.save_as:
            provided.add(step.save_as)
        for option in step.options or []:
            provided.update(option.set or {})
    return out


def _where(src: object) -> str:
    origin = str(getattr(src, "origin", ""))
    platform = getattr(src, "platform", "default")
    if origin == "inline":
        return "in the playbook" + ("" if platform == "default" else f", for {platform}")
    path = Path(origin)
    return f"{getattr(src, 'layer', 'file')} template {path.parent.name}/{path.name}"


def _template_problem(
    resolved: Resolved,
    step: Step,
    src: object,
    message: str,
    line: int | None,
    *,
    needle: str | None = None,
) -> Problem:
    """Inline templates are reported where the text is; file templates at the step."""
    o = resolved.origins
    tid = getattr(src, "template_id", "")
    if getattr(src, "origin", "") == "inline" and tid in o.templates:
        located, path = o.templates[tid]
        platform = getattr(src, "platform", "default")
        sub = (platform,) if isinstance(resolved.playbook.templates.get(tid), dict) else ()
        base_line, col = located.at(path + sub)
        raw_line = located_lines(located, base_line)
        # A block scalar (`|`) starts on the next line; a plain one on the same line.
        block = raw_line.rstrip().endswith(("|", "|-", "|+", ">", ">-"))
        target = (base_line + 1 if block else base_line) + (line or 1) - 1
        text = located_lines(located, target)
        if block:  # the block's own indentation, not column 1
            col = len(text) - len(text.lstrip(" ")) + 1
        if needle and needle in text[col - 1 :]:
            col = text.index(needle, col - 1) + 1
        return Problem(located.file, target if line else base_line, col, message)
    if line and getattr(src, "origin", "") not in ("", "inline") and "template syntax" in message:
        message = f"{message} (at line {line} of {src.origin})"  # type: ignore[attr-defined]
    return o.step(step.id, f"step '{step.id}': {message}", "template")


def located_lines(located: object, line: int) -> str:
    """The text of one line of the located file, for telling block from plain scalars."""
    text = getattr(located, "source_lines", None)
    if text is None:
        return ""
    return text[line - 1] if 0 < line <= len(text) else ""


def _severity_problems(resolved: Resolved) -> list[Problem]:
    pb = resolved.playbook
    o = resolved.origins
    out: list[Problem] = []
    if not pb.severities:
        return out
    levels = [s.level for s in pb.severities]
    for k, sev in enumerate(pb.severities):
        if levels.index(sev.level) != k:
            out.append(
                o.at("severities", f"severity level {sev.level} is defined twice", (k, "level"))
            )
    if sorted(levels) != list(range(1, len(levels) + 1)):
        out.append(
            o.at(
                "severities",
                "severity levels must be 1, 2, 3 … with no gaps "
                f"(got {', '.join(map(str, levels))})",
            )
        )
    stage_ids = {s.id for s in pb.stages or []}
    for k, sev in enumerate(pb.severities):
        for stage_id in sev.deadlines:
            if stage_id not in stage_ids:
                out.append(
                    o.at(
                        "severities",
                        f"severity {sev.level}: there is no stage '{stage_id}' in this playbook",
                        (k, "deadlines", stage_id),
                    )
                )
    return out


def proportion_problems(resolved: Resolved) -> list[Problem]:
    """`public_from` names a severity level, and the walk has the decision it rules: a decide
    step whose options set `response: thread` and `response: public`."""
    from crisisplay.playbook.model import RESPONSE, RESPONSES

    pb = resolved.playbook
    o = resolved.origins
    out: list[Problem] = []
    for _stage, step in pb.steps():
        for k, option in enumerate(step.options or []):
            said = (option.set or {}).get(RESPONSE)
            if RESPONSE in (option.set or {}) and said not in RESPONSES:
                out.append(
                    o.step(
                        step.id,
                        f"step '{step.id}': {RESPONSE} is '{said}'; the proportion decision "
                        f"sets it to {' or '.join(RESPONSES)}",
                        "options",
                        sub=(k, "set", RESPONSE),
                    )
                )
    if pb.public_from is None:
        return out
    levels = [s.level for s in pb.severity_levels()]
    if pb.public_from not in levels:
        out.append(
            o.at(
                "public_from",
                f"public_from: {pb.public_from} is not one of the severity levels "
                f"({', '.join(map(str, levels))})",
            )
        )
    offered = {
        (option.set or {}).get(RESPONSE)
        for _stage, step in pb.steps()
        for option in step.options or []
    }
    if not set(RESPONSES) <= offered:
        out.append(
            o.at(
                "public_from",
                "public_from needs a decide step whose options set response: thread (answer "
                "in the thread where the post is) and response: public (a public statement)",
            )
        )
    return out
