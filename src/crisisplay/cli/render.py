"""Rich renderables for playbooks: the stage/step tree, an overlay's changes, a diff."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text
from rich.tree import Tree

KIND_MARK = {"check": "☐", "ask": "?", "decide": "◇", "draft": "✎", "notify": "☎", "note": "ℹ"}


def _clip(text: str, width: int = 90) -> str:
    one = " ".join(text.split())
    return one if len(one) <= width else one[: width - 1] + "…"


def playbook_tree(res: Any) -> Any:
    pb = res.playbook
    head = Text()
    head.append(f"{pb.name}\n", style="bold")
    head.append(f"{pb.id} {pb.version} · {pb.language} · client: {res.client.name}\n")
    if len(res.lineage) > 1:
        head.append(
            "lineage: " + " ← ".join(f"{e['id']} {e['version']}" for e in res.lineage) + "\n"
        )
    head.append(f"sha256: {res.sha256}", style="dim")
    tree = Tree(head)
    for n, stage in enumerate(pb.stages or [], 1):
        due = f"  due {stage.due} from first seen" if stage.due else ""
        label = Text()
        label.append(f"{n}. {stage.title}", style="bold cyan")
        label.append(f"  [{stage.id}]{due}", style="dim")
        if stage.goal:
            label.append(f"\n{_clip(stage.goal)}", style="italic")
        branch = tree.add(label)
        for step in stage.steps:
            branch.add(_step_label(step, res))
    levels = pb.severity_levels()
    sev = tree.add(Text("severities", style="bold"))
    for s in levels:
        extra = f", deadlines {s.deadlines}" if s.deadlines else ""
        sev.add(
            Text(
                f"{s.level} {s.name}: updates every {s.update_every}{extra}"
                + (f" — {_clip(s.criteria, 70)}" if s.criteria else "")
            )
        )
    return tree


def _step_label(step: Any, res: Any) -> Any:
    t = Text()
    t.append(f"{KIND_MARK.get(step.kind, '·')} ", style="bold")
    t.append(step.id, style="green")
    t.append(f"  {_clip(step.text)}")
    details = []
    if step.kind == "ask":
        details.append(f"input {step.input or 'text'}")
        if step.choices:
            details.append("choices: " + ", ".join(step.choices))
        if step.save_as:
            details.append(f"→ {{{{ {step.save_as} }}}}")
    if step.kind == "draft":
        details.append(f"template {step.template} on {', '.join(res.draft_platforms(step))}")
        if step.approve_by:
            details.append(f"approved by {step.approve_by}")
    if step.kind == "notify":
        details.append("roles: " + ", ".join(step.roles or []))
    if details:
        t.append("\n   " + " · ".join(details), style="dim")
    if step.kind == "decide":
        for opt in step.options or []:
            where = f" → {opt.goto}" if opt.goto else ""
            sets = (
                " (sets " + ", ".join(f"{k}={v}" for k, v in opt.set.items()) + ")"
                if opt.set
                else ""
            )
            t.append(f"\n   • {opt.label}{where}{sets}", style="yellow" if where else "")
    return t


def overlay_tree(raw: Any, res: Any) -> Any:
    head = Text()
    head.append(f"{raw.name}\n", style="bold")
    head.append(f"{raw.id} {raw.version} · overlay on {raw.extends}\n")
    head.append(
        "lineage: " + " ← ".join(f"{e['id']} {e['version']}" for e in res.lineage), style="dim"
    )
    tree = Tree(head)
    if raw.client:
        c = tree.add(Text("client", style="bold"))
        for key in sorted(raw.client.model_fields_set):
            value = getattr(raw.client, key)
            if key == "contacts":
                for contact in value:
                    c.add(f"{contact.role}: {contact.name} ({contact.reach})")
            else:
                shown = value.model_dump() if hasattr(value, "model_dump") else value
                c.add(f"{key}: {shown}")
    if raw.deadlines:
        d = tree.add(Text("deadlines", style="bold"))
        for stage, due in raw.deadlines.items():
            d.add(f"{stage}: {due}")
    if raw.change:
        ch = tree.add(Text("change", style="bold"))
        for sid, fields in raw.change.items():
            ch.add(f"{sid}: " + ", ".join(f"{k} = {v!r}" for k, v in fields.items()))
    for ins in raw.add or []:
        where = f"before {ins.before}" if ins.before else f"after {ins.after}"
        a = tree.add(Text(f"add {where}", style="bold"))
        for step in ins.steps:
            a.add(_step_label(step, res))
    if raw.remove:
        tree.add(Text("remove: " + ", ".join(raw.remove), style="bold"))
    if raw.templates:
        tree.add(Text("templates: " + ", ".join(raw.templates), style="bold"))
    return tree


def diff_text(d: dict[str, Any]) -> Any:
    from crisisplay.playbook.diff import is_empty

    lines: list[Any] = [
        Text(
            f"{d['from']['id']} {d['from']['version']} → {d['to']['id']} {d['to']['version']}",
            style="bold",
        )
    ]
    if is_empty(d):
        lines.append(Text("No differences in the resolved protocol."))
        return Group(*lines)
    for key, (a, b) in d["fields"].items():
        lines.append(Text(f"~ {key}: {a!r} → {b!r}", style="yellow"))
    for key, (a, b) in d["client"].items():
        lines.append(
            Text(f"~ client.{key}: {_clip(str(a), 60)} → {_clip(str(b), 60)}", style="yellow")
        )
    for sid, change in d["stages"].items():
        if change.get("added"):
            lines.append(Text(f"+ stage {sid}", style="green"))
        elif change.get("removed"):
            lines.append(Text(f"- stage {sid}", style="red"))
        else:
            for f, (a, b) in change.items():
                lines.append(Text(f"~ stage {sid}.{f}: {a} → {b}", style="yellow"))
    for s in d["steps"]["removed"]:
        lines.append(
            Text(f"- {s['id']} ({s['stage']}, {s['kind']}): {_clip(s['text'], 70)}", style="red")
        )
    for s in d["steps"]["added"]:
        after = f" after {s['after']}" if s["after"] else ""
        lines.append(
            Text(
                f"+ {s['id']} ({s['stage']}, {s['kind']}){after}: {_clip(s['text'], 70)}",
                style="green",
            )
        )
    for s in d["steps"]["changed"]:
        for f, (a, b) in s["changes"].items():
            lines.append(
                Text(f"~ {s['id']}.{f}: {_clip(str(a), 50)} → {_clip(str(b), 50)}", style="yellow")
            )
    if d["steps"]["reordered"]:
        lines.append(Text("~ the order of existing steps changed", style="yellow"))
    for tid, platforms in d["templates"].items():
        lines.append(Text(f"~ template {tid}: {', '.join(platforms) or 'changed'}", style="yellow"))
    for name, (a, b) in d["variables"].items():
        sign = "+" if a is None else "-" if b is None else "~"
        lines.append(Text(f"{sign} variable {name}", style="yellow"))
    if d["severities_changed"]:
        lines.append(Text("~ severity levels changed", style="yellow"))
    return Group(*lines)
