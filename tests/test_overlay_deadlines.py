"""Which deadline a client's overlay walks with: its own `deadlines` beat the base's
severity table; only its own `severities` can change them again (docs/playbooks.md)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from answering import library
from crisisplay.incident.walk import Incident, Walk, parse_time

FIRST = parse_time("2026-11-20T08:00:00Z")


def overlay(home: Path, body: str) -> Any:
    (home / "playbooks").mkdir(parents=True, exist_ok=True)
    (home / "playbooks" / "acme.yaml").write_text(
        "schema: crisisplay/v1\nid: acme\nversion: 1.0.0\nname: Acme\n"
        "extends: default@^1\nclient: {name: Acme}\n" + body,
        encoding="utf-8",
    )
    return library(home).load("acme")


def hold_due(resolved: Any, severity: int) -> timedelta:
    walk = Walk(resolved, Incident("x", "t", severity, "Acme", "acme", FIRST, FIRST, {}))
    deadline = walk.deadline_for("hold")
    assert deadline is not None
    return deadline.due_at - FIRST


def test_the_shipped_default_holds_within_30m_at_level_1_and_1h_otherwise(tmp_path: Path) -> None:
    resolved = library(tmp_path).load("default")
    assert hold_due(resolved, 1) == timedelta(minutes=30)
    assert hold_due(resolved, 2) == timedelta(hours=1)


def test_an_overlay_deadline_wins_over_the_base_severity_table(tmp_path: Path) -> None:
    resolved = overlay(tmp_path, "deadlines: {hold: 45m}\n")
    for level in (1, 2, 3, 4):
        assert hold_due(resolved, level) == timedelta(minutes=45), level
    # The resolved playbook says so too: no level-1 hold deadline is left to beat it.
    level_1 = resolved.playbook.severity_levels()[0]
    assert "hold" not in level_1.deadlines
    assert level_1.update_every == "30m"  # the rest of the base's table is kept


def test_an_overlay_without_deadlines_keeps_the_base_table(tmp_path: Path) -> None:
    resolved = overlay(tmp_path, "")
    assert hold_due(resolved, 1) == timedelta(minutes=30)
    assert hold_due(resolved, 2) == timedelta(hours=1)


def test_the_overlay_own_severities_can_change_its_deadline_by_level(tmp_path: Path) -> None:
    resolved = overlay(
        tmp_path,
        "deadlines: {hold: 45m}\n"
        "severities:\n"
        "  - {level: 1, name: Critical, deadlines: {hold: 20m}}\n"
        "  - {level: 2, name: High}\n",
    )
    assert hold_due(resolved, 1) == timedelta(minutes=20)
    assert hold_due(resolved, 2) == timedelta(minutes=45)
