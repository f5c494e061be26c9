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


def yaml_text(value: Any) -> str:
    """A value as the YAML a playbook author would write (block style), never a repr."""
    import io

    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.width = 4096
    buf = io.StringIO()
    yaml.dump(_plain(value), buf)
    text = buf.getvalue()
    return text[: -len("...\n")].rstrip() if text.endswith("...\n") else text.rstrip()


def inline(value: Any) -> str:
    """A value on one line: text as it is, lists as `[a, b]`, mappings as `{k: v}`."""
    value = _plain(value)
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list):
        return "[" + ", ".join(inline(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {inline(v)}" for k, v in value.items()) + "}"
    return str(value)


def _plain(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _add_yaml(node: Any, key: str, value: Any) -> None:
    """`key: value` on one line when it fits, else the key with its YAML below it."""
    one = inline(value)
    if not isinstance(_plain(value), dict | list) or len(one) <= 80:
        node.add(Text(f"{key}: {_clip(one)}"))
        return
    node.add(Text(f"{key}:\n" + yaml_text(value)))


def _deadlines(deadlines: dict[str, str]) -> str:
    return ", ".join(f"{stage} {due}" for stage, due in deadlines.items())


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
        extra = f", deadlines: {_deadlines(s.deadlines)}" if s.deadlines else ""
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
            details.append("approved by " + " or else ".join(step.approvers()))
    if step.kind == "notify":
        details.append("roles: " + ", ".join(step.roles or []))
    if details:
        t.append("\n   " + " · ".join(details), style="dim")
    if step.kind == "decide":
        for opt in step.options or []:
            where = f" → {opt.goto}" if opt.goto else ""
            sets = (
                " (sets " + ", ".join(f"{k}={inline(v)}" for k, v in opt.set.items()) + ")"
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
                _add_yaml(c, key, value)
    if raw.deadlines:
        d = tree.add(Text("deadlines", style="bold"))
        for stage, due in raw.deadlines.items():
            d.add(f"{stage}: {due}")
    if raw.change:
        ch = tree.add(Text("change", style="bold"))
        for sid, fields in raw.change.items():
            if not isinstance(fields, dict):
                ch.add(Text(f"{sid}: {_clip(inline(fields))}"))
                continue
            node = ch.add(Text(sid, style="green"))
            for k, v in fields.items():
                _add_yaml(node, k, v)
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
    """What changed between two versions of a playbook (shown when a walk is resumed on a
    playbook that changed, and by `playbook diff`)."""
    from crisisplay.i18n import _
    from crisisplay.playbook.diff import is_empty

    lines: list[Any] = [
        Text(
            f"{d['from']['id']} {d['from']['version']} → {d['to']['id']} {d['to']['version']}",
            style="bold",
        )
    ]
    if is_empty(d):
        lines.append(Text(_("No differences in the resolved protocol.")))
        return Group(*lines)
    for key, (a, b) in d["fields"].items():
        lines.extend(_changed(key, a, b))
    for key, (a, b) in d["client"].items():
        lines.extend(_changed(f"client.{key}", a, b))
    for sid, change in d["stages"].items():
        if change.get("added"):
            lines.append(Text("+ " + _("stage {id}").format(id=sid), style="green"))
        elif change.get("removed"):
            lines.append(Text("- " + _("stage {id}").format(id=sid), style="red"))
        else:
            for f, (a, b) in change.items():
                lines.extend(_changed(_("stage {id}").format(id=f"{sid}.{f}"), a, b))
    for s in d["steps"]["removed"]:
        lines.append(
            Text(f"- {s['id']} ({s['stage']}, {s['kind']}): {_clip(s['text'], 70)}", style="red")
        )
    for s in d["steps"]["added"]:
        after = " " + _("after {step}").format(step=s["after"]) if s["after"] else ""
        lines.append(
            Text(
                f"+ {s['id']} ({s['stage']}, {s['kind']}){after}: {_clip(s['text'], 70)}",
                style="green",
            )
        )
    for s in d["steps"]["changed"]:
        for f, (a, b) in s["changes"].items():
            lines.extend(_changed(f"{s['id']}.{f}", a, b))
    if d["steps"]["reordered"]:
        lines.append(Text("~ " + _("the order of existing steps changed"), style="yellow"))
    for tid, platforms in d["templates"].items():
        template = _("template {id}").format(id=tid)
        changed = ", ".join(platforms) or _("changed")
        lines.append(Text(f"~ {template}: {changed}", style="yellow"))
    for name, (a, b) in d["variables"].items():
        if a is None or b is None:
            sign, v = ("+", b) if a is None else ("-", a)
            prompt = f": {_clip(v.get('prompt', ''), 70)}" if isinstance(v, dict) else ""
            variable = _("variable {name}").format(name=name)
            lines.append(Text(f"{sign} {variable}{prompt}", style="yellow"))
        else:
            lines.extend(_changed(_("variable {name}").format(name=name), a, b))
    if d["severities_changed"]:
        a, b = d.get("severities") or ([], [])
        lines.extend(_changed(_("severity"), a, b) or [Text("~ " + _("severity levels changed"))])
    return Group(*lines)


_KEYS = ("id", "role", "level", "name", "label")


def _changed(label: str, a: Any, b: Any) -> list[Any]:
    """A readable account of one value changing: a short value on one line, a long text
    as its two versions, a list as what was added and removed, a mapping key by key."""
    a, b = _plain(a), _plain(b)
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[Any] = []
        for k in [*a, *[k for k in b if k not in a]]:
            if a.get(k) != b.get(k):
                out.extend(_changed(f"{label}.{k}", a.get(k), b.get(k)))
        return out
    if isinstance(a, list) and isinstance(b, list):
        return _changed_list(label, a, b)
    one_a, one_b = inline(a), inline(b)
    if len(one_a) + len(one_b) <= 90:
        return [Text(f"~ {label}: {one_a} → {one_b}", style="yellow")]
    return [
        Text(f"~ {label}:", style="yellow"),
        Text(f"    - {_clip(one_a, 200)}", style="red"),
        Text(f"    + {_clip(one_b, 200)}", style="green"),
    ]


def _changed_list(label: str, a: list[Any], b: list[Any]) -> list[Any]:
    key = next(
        (k for k in _KEYS if all(isinstance(v, dict) and k in v for v in [*a, *b]) and a + b),
        None,
    )
    if key is None:  # plain items: what came and what went
        added = [v for v in b if v not in a]
        removed = [v for v in a if v not in b]
        if not added and not removed:
            from crisisplay.i18n import _

            order = _("the order changed: {items}").format(items=_clip(inline(b), 80))
            return [Text(f"~ {label}: {order}", style="yellow")]
        parts = [f"+ {inline(v)}" for v in added] + [f"- {inline(v)}" for v in removed]
        return [Text(f"~ {label}: {_clip(', '.join(parts), 120)}", style="yellow")]
    before = {str(v[key]): v for v in a}
    after = {str(v[key]): v for v in b}
    out: list[Any] = []
    for k, v in after.items():
        if k not in before:
            out.append(Text(f"+ {label} {k}: {_clip(inline(v), 100)}", style="green"))
        elif before[k] != v:
            out.extend(_changed(f"{label} {k}", before[k], v))
    for k, v in before.items():
        if k not in after:
            out.append(Text(f"- {label} {k}: {_clip(inline(v), 100)}", style="red"))
    return out
