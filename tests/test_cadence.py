"""Part of the cadence: updates published between steps (/update), and the report's
updates promised versus delivered (a promise is kept only by an update, never by closing)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from answering import UNHAPPY_PATH, answers_for, expected_path, start_default, write_yaml
from crisisplay.frontends.interactive import Interrupted
from crisisplay.home import Home
from crisisplay.incident.log import read_events, verify
from crisisplay.playbook.library import Library

DOWN, ENTER, ESC_ENTER = "\x1b[B", "\r", "\x1b\r"
PATH = {**UNHAPPY_PATH, "apologise-spokesperson": "No"}


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return Library(Home(tmp_path / "home", "env"))


def steps_of(folder: Path) -> list[dict[str, Any]]:
    return [e["data"] for e in read_events(folder / "log.jsonl") if e["type"] == "step"]


def keys_until(resolved: Any, stop: str) -> str:
    """What the manager types from the first step up to (not including) step `stop`."""
    from test_interactive import keys_for_walk

    path = expected_path(resolved, answers_for(resolved, PATH))
    return keys_for_walk(resolved, PATH, stop_after=path.index(stop))


def test_update_typed_at_a_prompt_is_published_and_the_walk_resumes_there(
    library: Library, capsys: pytest.CaptureFixture[str]
) -> None:
    resolved = library.load("default")
    opening = "Bean Co" + ENTER + "Double charges" + ENTER + DOWN * 2 + ENTER + "now" + ENTER
    opening += "app" + ENTER
    keys = opening + keys_until(resolved, "hold-issue-summary")
    # At the question of hold-issue-summary (a text prompt) the manager types /update.
    keys += "/update Refunds for the double charges have started" + ENTER
    keys += DOWN + ENTER  # Accept the drafted update
    keys += "Ana Ruiz" + ENTER + "WhatsApp" + ENTER  # signed off, and how
    for _n in resolved.draft_platforms(resolved.playbook.step("remedy-update-draft")):
        keys += "https://example.com/update" + ENTER + "now" + ENTER
    # Back at the same question: answered now, then pause at the next menu.
    keys += "some app orders were charged twice" + ENTER
    with pytest.raises(Interrupted):  # the keys end at hold-draft: the walk pauses there
        start_default(keys, library)
    printed = " ".join(capsys.readouterr().out.split())  # as read, not as wrapped
    assert "Update update-1 recorded." in printed
    assert "Back to hold-issue-summary." in printed
    # Before the update the status line gave the cadence; after it, the promise.
    assert "no update promised yet; updates every 1h" in printed
    assert "next update promised by" in printed
    (folder,) = list(library.home.incidents.iterdir())
    steps = steps_of(folder)
    ids = [s["step"] for s in steps]
    assert ids[-2:] == ["update-1", "hold-issue-summary"], ids
    update = steps[-2]
    assert update["action"] == "update"
    assert update["kind"] == "draft" and update["template"] == "update"
    assert update["status"] == "published"
    assert update["stage"] == "hold"
    assert update["approval"]["by"] == "Ana Ruiz"
    assert set(update["texts"]) == {"x", "facebook", "instagram"}
    assert all("Refunds for the double charges have started" in t for t in update["texts"].values())
    assert update["next_update_by"]  # it says when the next one comes
    assert steps[-1]["value"] == "some app orders were charged twice"
    # Recorded like a draft step's statement: its copies are written, the log verifies.
    assert any("update-1" in p.name for p in (folder / "statements").iterdir())
    assert verify(folder / "log.jsonl").ok
    from crisisplay.report.build import build_report

    report = build_report(folder)
    assert [p["step"] for p in report["promises"]] == ["update-1"]
    # Resumed, the walk is at hold-draft and still knows the promise the update made.
    from crisisplay.incident.session import resume_incident
    from crisisplay.incident.walk import now_utc

    session = resume_incident(library.home, library, folder.name).session
    try:
        assert session.walk.current()[1].id == "hold-draft"  # type: ignore[index]
        assert session.walk.next_update(now_utc())["step"] == "update-1"
    finally:
        session.close()


def at(minutes: int) -> str:
    from datetime import datetime

    t = datetime(2026, 11, 20, 8, 0) + timedelta(minutes=minutes)
    return t.strftime("%Y-%m-%dT%H:%M:00Z")


def timed_answers(resolved: Any, times: dict[str, int]) -> dict[str, Any]:
    """The unhappy path, each step a minute after the one before, or at `times[step]`
    minutes after first seen (08:00, severity 2: an update every hour)."""
    answers = answers_for(resolved, PATH, {"first_seen": at(0), "at": at(1)})
    now = 1
    for step in expected_path(resolved, answers):
        now = max(now + 1, times.get(step, 0))
        value = answers[step]
        answers[step] = (
            dict(value, at=at(now))
            if isinstance(value, dict)
            else {
                "value": value,
                "at": at(now),
            }
        )
    return answers


def test_report_counts_a_kept_and_a_broken_promise_and_closing_keeps_none(
    crisisplay: Any, tmp_path: Path
) -> None:
    resolved = Library(Home(crisisplay.home, "env")).load("default")
    answers = timed_answers(
        resolved,
        {
            "hold-draft": 20,  # promises an update by 09:20
            "verify-handover": 60,
            "apologise-draft": 240,  # 13:00: the update-1 promise (by 10:00) is broken
            "remedy-update-draft": 280,  # 13:40, promises 14:40; the incident closes before
        },
    )
    answers["updates"] = [
        {  # 09:00, inside the holding statement's promise: kept
            "after": "hold-point-to-statement",
            "text": "Refunds for the double charges have started",
            "accept": True,
            "approved_by": "Ana Ruiz",
            "published_url": "https://example.com/update",
            "at": at(60),
        }
    ]
    path = write_yaml(tmp_path / "answers.yaml", answers)
    ran = crisisplay("start", "--answers", str(path))
    assert ran.code == 0, ran.err
    (folder,) = list((crisisplay.home / "incidents").iterdir())
    from crisisplay.report.build import build_report

    report = build_report(folder)
    by_step = {p["step"]: p for p in report["promises"]}
    assert by_step["hold-draft"]["status"] == "delivered"
    assert by_step["hold-draft"]["followed_by"] == "update-1"
    assert by_step["update-1"]["status"] == "missed"
    assert by_step["update-1"]["followed_by"] == "apologise-draft"
    assert by_step["apologise-draft"]["status"] == "delivered"
    # The last update's promise: the closing post and the close came before it was due,
    # and neither is an update — the public was told one would come.
    last = by_step["remedy-update-draft"]
    assert last["status"] == "missed"
    assert last["followed_by"] is None
    metrics = report["metrics"]
    assert metrics["updates_promised"] == 4
    assert metrics["updates_delivered"] == 2
    # log show says the last promise and that it was broken
    shown = crisisplay("log", "show", folder.name)
    assert "Next update promised by" in shown.out
    assert "BROKEN" in shown.out
