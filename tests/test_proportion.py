"""Proportion: below the playbook's `public_from` the walk may answer in the thread, on the
network the post came from only; from it up, a public statement is required."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from answering import UNHAPPY_PATH, answers_for, start_default, write_yaml
from crisisplay.home import Home
from crisisplay.incident.log import read_events
from crisisplay.playbook.library import Library
from test_cadence import keys_until

DOWN, ENTER, ESC_ENTER = "\x1b[B", "\r", "\x1b\r"
THREAD = {**UNHAPPY_PATH, "apologise-spokesperson": "No", "detect-response": "In the thread"}
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return Library(Home(tmp_path / "home", "env"))


def steps_of(folder: Path) -> dict[str, dict[str, Any]]:
    return {
        e["data"]["step"]: e["data"]
        for e in read_events(folder / "log.jsonl")
        if e["type"] == "step"
    }


def test_severity_4_answers_in_the_thread_on_the_source_network_only(
    crisisplay: Any, tmp_path: Path
) -> None:
    resolved = Library(Home(crisisplay.home, "env")).load("default")
    answers = answers_for(resolved, THREAD, {"severity": 4})
    assert answers["detect-post-url"].startswith("https://x.com/")  # the post is on X
    ran = crisisplay("start", "--answers", str(write_yaml(tmp_path / "a.yaml", answers)))
    assert ran.code == 0, ran.err
    (folder,) = list((crisisplay.home / "incidents").iterdir())
    steps = steps_of(folder)
    assert steps["detect-response"]["network"] == "x"
    drafts = {k: d for k, d in steps.items() if d["kind"] == "draft"}
    assert {"hold-draft", "apologise-draft", "remedy-update-draft"} <= set(drafts)
    for step, d in drafts.items():
        assert list(d["texts"]) == ["x"], step  # never facebook or instagram
        assert d["audience"] == "thread", step  # a reply, not a public statement
        assert d["widened"] == []
    # One unhappy customer is not a press event: what only a public statement needs is
    # passed over (ads paused, front line and press office briefed, the closing post) …
    public_only = {s.id for _, s in resolved.playbook.steps() if s.public_only}
    assert {"hold-pause-scheduled", "hold-press-office", "close-draft"} <= public_only
    assert not public_only & set(steps)
    # … and the walk still ends, closed, with its five whys.
    events = list(read_events(folder / "log.jsonl"))
    assert events[-1]["type"] == "incident.closed"
    assert "close-why-5" in steps


def test_the_public_path_walks_every_public_only_step(crisisplay: Any, tmp_path: Path) -> None:
    resolved = Library(Home(crisisplay.home, "env")).load("default")
    public = {**THREAD, "detect-response": "Public statement"}
    answers = answers_for(resolved, public, {"severity": 4})
    ran = crisisplay("start", "--answers", str(write_yaml(tmp_path / "a.yaml", answers)))
    assert ran.code == 0, ran.err
    (folder,) = list((crisisplay.home / "incidents").iterdir())
    steps = steps_of(folder)
    for step in ("hold-pause-scheduled", "hold-press-office", "close-draft"):
        assert step in steps
    assert steps["hold-draft"].get("audience") != "thread"


def test_widening_a_reply_adds_only_the_network_named(crisisplay: Any, tmp_path: Path) -> None:
    resolved = Library(Home(crisisplay.home, "env")).load("default")
    answers = answers_for(resolved, THREAD, {"severity": 3})
    answers["apologise-draft"] = dict(answers["apologise-draft"], widen=["facebook"])
    ran = crisisplay("start", "--answers", str(write_yaml(tmp_path / "a.yaml", answers)))
    assert ran.code == 0, ran.err
    (folder,) = list((crisisplay.home / "incidents").iterdir())
    steps = steps_of(folder)
    assert list(steps["apologise-draft"]["texts"]) == ["x", "facebook"]
    assert steps["apologise-draft"]["widened"] == ["facebook"]
    assert list(steps["hold-draft"]["texts"]) == ["x"]


@pytest.mark.parametrize("severity", [1, 2])
def test_severity_1_and_2_force_the_public_path(
    crisisplay: Any, tmp_path: Path, severity: int
) -> None:
    resolved = Library(Home(crisisplay.home, "env")).load("default")
    from crisisplay.incident.walk import Incident, Walk, parse_time

    now = parse_time("now")
    walk = Walk(resolved, Incident("i", "t", severity, "c", "c", now, now, {}))
    step = resolved.playbook.step("detect-response")
    assert step is not None
    assert [o.set["response"] for o in walk.offered_options(step)] == ["public"]
    # An answers file that chooses the thread anyway is refused, nothing written.
    answers = answers_for(resolved, {**UNHAPPY_PATH, "apologise-spokesperson": "No"})
    answers["incident"]["severity"] = severity
    answers["detect-response"] = "In the thread or privately"
    ran = crisisplay("start", "--answers", str(write_yaml(tmp_path / "a.yaml", answers)))
    assert ran.code != 0
    assert "requires a public statement from severity 2 up" in ran.err
    assert not (crisisplay.home / "incidents").exists() or not any(
        (crisisplay.home / "incidents").iterdir()
    )
    # The public path drafts for every network of the client.
    answers["detect-response"] = "Public statement"
    ran = crisisplay("start", "--answers", str(write_yaml(tmp_path / "b.yaml", answers)))
    assert ran.code == 0, ran.err
    (folder,) = list((crisisplay.home / "incidents").iterdir())
    hold = steps_of(folder)["hold-draft"]
    assert set(hold["texts"]) == {"x", "facebook", "instagram"}
    assert "audience" not in hold


def test_a_correction_in_the_thread_typed_at_the_terminal_and_widened(library: Library) -> None:
    resolved = library.load("default")
    opening = "Oat Co" + ENTER + "Dairy rumour" + ENTER + DOWN * 4 + ENTER + "now" + ENTER
    opening += "oat milk" + ENTER
    keys = opening + keys_until(resolved, "detect-response")
    keys += DOWN * 2 + ENTER  # In the thread (the post's link is on x.com)
    keys += DOWN * 3 + ENTER  # Misguided — the facts are wrong
    keys += "Our oat milk has been dairy-free since 2021; see example.com/oat" + ESC_ENTER
    keys += DOWN * 4 + ENTER  # Widen: also post it on another network
    keys += DOWN + ENTER  # facebook (the client's next network)
    keys += DOWN + ENTER  # Accept
    keys += "Ana Ruiz" + ENTER + "WhatsApp" + ENTER
    keys += "https://x.com/oat/2" + ENTER + "now" + ENTER
    keys += "https://facebook.com/oat/3" + ENTER + "now" + ENTER
    keys += DOWN + ENTER  # Corrected — the end
    start_default(keys, library)
    (folder,) = list(library.home.incidents.iterdir())
    steps = steps_of(folder)
    assert steps["detect-response"]["network"] == "x"
    draft = steps["detect-misguided-draft"]
    assert list(draft["texts"]) == ["x", "facebook"]  # not instagram: only where widened
    assert draft["widened"] == ["facebook"]
    assert draft["audience"] == "thread"
    assert set(draft["published"]) == {"x", "facebook"}
    events = list(read_events(folder / "log.jsonl"))
    assert events[0]["data"]["severity"] == 4
    assert events[-1]["type"] == "incident.closed"


def test_public_from_is_checked_with_its_position(crisisplay: Any, tmp_path: Path) -> None:
    text = (ROOT / "playbooks" / "default.yaml").read_text(encoding="utf-8")
    line = text.splitlines().index("public_from: 2") + 1
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("public_from: 2", "public_from: 7"), encoding="utf-8")
    ran = crisisplay("playbook", "validate", str(bad))
    assert ran.code != 0
    assert f"{bad}:{line}:" in ran.out + ran.err
    assert "public_from: 7 is not one of the severity levels (1, 2, 3, 4)" in ran.out + ran.err
    lone = tmp_path / "lone.yaml"
    lone.write_text(text.replace("set: { response: thread }", "set: { x: y }"), encoding="utf-8")
    ran = crisisplay("playbook", "validate", str(lone))
    assert ran.code != 0
    assert "public_from needs a decide step whose options set response: thread" in (
        ran.out + ran.err
    )
