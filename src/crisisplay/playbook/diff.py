"""What one resolved playbook changes against another, by step id."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crisisplay.playbook.resolved import Resolved


def diff(a: Resolved, b: Resolved) -> dict[str, Any]:
    """A JSON-friendly account of the differences from `a` to `b`."""
    pa, pb = a.playbook, b.playbook
    out: dict[str, Any] = {
        "from": {"id": pa.id, "version": pa.version, "sha256": a.sha256},
        "to": {"id": pb.id, "version": pb.version, "sha256": b.sha256},
        "same": a.sha256 == b.sha256,
    }
    top = {}
    for key in ("name", "language", "description"):
        if getattr(pa, key) != getattr(pb, key):
            top[key] = [getattr(pa, key), getattr(pb, key)]
    out["fields"] = top

    ca = a.client.model_dump(mode="json")
    cb = b.client.model_dump(mode="json")
    out["client"] = {
        k: [ca.get(k), cb.get(k)] for k in sorted(set(ca) | set(cb)) if ca.get(k) != cb.get(k)
    }

    stages_a = {s.id: s for s in pa.stages or []}
    stages_b = {s.id: s for s in pb.stages or []}
    stages: dict[str, Any] = {}
    for stage_id in [*stages_a, *[k for k in stages_b if k not in stages_a]]:
        sa, sb = stages_a.get(stage_id), stages_b.get(stage_id)
        if sa is None:
            stages[stage_id] = {"added": True}
        elif sb is None:
            stages[stage_id] = {"removed": True}
        else:
            differs = {
                f: [getattr(sa, f), getattr(sb, f)]
                for f in ("title", "goal", "due")
                if getattr(sa, f) != getattr(sb, f)
            }
            if differs:
                stages[stage_id] = differs
    out["stages"] = stages

    steps_a: dict[str, tuple[str, int, Any]] = {
        s.id: (st.id, n, s) for n, (st, s) in enumerate(pa.steps())
    }
    steps_b: dict[str, tuple[str, int, Any]] = {
        s.id: (st.id, n, s) for n, (st, s) in enumerate(pb.steps())
    }
    added = [
        {"id": sid, "stage": stage, "kind": s.kind, "text": s.text, "after": _previous(pb, sid)}
        for sid, (stage, _, s) in steps_b.items()
        if sid not in steps_a
    ]
    removed = [
        {"id": sid, "stage": stage, "kind": s.kind, "text": s.text}
        for sid, (stage, _, s) in steps_a.items()
        if sid not in steps_b
    ]
    changed: list[dict[str, Any]] = []
    for sid, (from_stage, _, step_a) in steps_a.items():
        if sid not in steps_b:
            continue
        to_stage, _, step_b = steps_b[sid]
        da = step_a.model_dump(mode="json", exclude_none=True)
        db = step_b.model_dump(mode="json", exclude_none=True)
        fields: dict[str, list[Any]] = {
            k: [da.get(k), db.get(k)] for k in sorted(set(da) | set(db)) if da.get(k) != db.get(k)
        }
        if from_stage != to_stage:
            fields["stage"] = [from_stage, to_stage]
        if fields:
            changed.append({"id": sid, "changes": fields})
    order_a = [s for s in steps_a if s in steps_b]
    order_b = [s for s in steps_b if s in steps_a]
    out["steps"] = {
        "added": added,
        "removed": removed,
        "changed": changed,
        "reordered": order_a != order_b,
    }

    ta, tb = a.content()["templates"], b.content()["templates"]
    out["templates"] = {
        tid: sorted(
            p
            for p in set(ta.get(tid, {})) | set(tb.get(tid, {}))
            if ta.get(tid, {}).get(p) != tb.get(tid, {}).get(p)
        )
        for tid in sorted(set(ta) | set(tb))
        if ta.get(tid) != tb.get(tid)
    }
    sev_a = [s.model_dump(mode="json") for s in pa.severity_levels()]
    sev_b = [s.model_dump(mode="json") for s in pb.severity_levels()]
    out["severities_changed"] = sev_a != sev_b
    if sev_a != sev_b:  # what changed, level by level (a deadline that now applies, …)
        out["severities"] = [sev_a, sev_b]
    va = {v.name: v.model_dump(mode="json") for v in pa.variables}
    vb = {v.name: v.model_dump(mode="json") for v in pb.variables}
    out["variables"] = {
        k: [va.get(k), vb.get(k)] for k in sorted(set(va) | set(vb)) if va.get(k) != vb.get(k)
    }
    return out


def _previous(pb: Any, step_id: str) -> str | None:
    prev = None
    for _, s in pb.steps():
        if s.id == step_id:
            return prev
        prev = s.id
    return None


def is_empty(d: dict[str, Any]) -> bool:
    steps = d["steps"]
    return d["same"] or not (
        d["fields"]
        or d["client"]
        or d["stages"]
        or steps["added"]
        or steps["removed"]
        or steps["changed"]
        or steps["reordered"]
        or d["templates"]
        or d["severities_changed"]
        or d["variables"]
    )
